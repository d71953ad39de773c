"""Index persistence: incremental builds written to a new directory and switched in atomically.

Layout under the index root::

    current -> builds/20261122T180000-ab12cd   (symlink, replaced atomically)
    builds/<id>/manifest.json                   (written last: its presence marks a complete build)
    builds/<id>/chunks.jsonl, vectors.npy, faiss.index, bm25/

A build reuses the vectors of every passage whose encoder input is unchanged
(keyed by its hash), so re-ingesting embeds only new or changed text. A crash
at any point leaves ``current`` pointing at the previous complete build.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.errors import EncoderMismatch, IndexCorrupt, IndexNotBuilt
from index.keyword import Bm25Index
from index.protocols import Encoder, VectorStore
from index.tokenize import ChineseTokenizer
from index.vector_store import build_vector_store, drop_vector_store, load_vector_store
from ingest.chunk import PolicyTextSplitter, chunk_document
from ingest.load import sha256_text
from ingest.models import Chunk, DocumentMetadata, PolicyDocument

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_CURRENT = "current"
_BUILDS = "builds"
_MANIFEST = "manifest.json"
_CHUNKS = "chunks.jsonl"
_VECTORS = "vectors.npy"


CHUNKER_VERSION = 3  # bump when chunking or index-text rules change: unchanged documents are re-chunked


@dataclass(frozen=True)
class BuildSettings:
    """Everything a build depends on besides the documents and the encoder."""

    chunker_version: int = CHUNKER_VERSION
    chunk_size: int = 300
    chunk_overlap: int = 60
    vector_index: str = "flat"
    milvus_uri: str | None = None
    threads: int = 2


@dataclass
class BuildReport:
    documents: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    build_id: str | None = None
    seconds: float = 0.0
    up_to_date: bool = False


@dataclass
class LoadedIndex:
    """A complete build in memory, ready for retrieval."""

    build_id: str
    manifest: dict
    chunks: list[Chunk]
    vectors: np.ndarray
    vector_store: VectorStore
    keyword_index: Bm25Index
    chunk_doc: np.ndarray  # row → position of its document in ``doc_ids``
    doc_ids: list[str]
    documents: dict[str, DocumentMetadata]

    @property
    def encoder_id(self) -> str:
        return self.manifest["encoder"]["id"]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, data: dict) -> None:
    with path.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())


class IndexStore:
    """The index root directory: builds, the ``current`` pointer, and a lock for writers."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def current_path(self) -> Path | None:
        link = self.root / _CURRENT
        if not link.is_symlink() and not link.exists():
            return None
        target = link.resolve()
        return target if (target / _MANIFEST).exists() else None

    def current_build_id(self) -> str | None:
        """Cheap check (one readlink) used to notice that another process switched builds."""
        try:
            return os.readlink(self.root / _CURRENT)
        except OSError:
            return None

    def read_manifest(self) -> dict | None:
        path = self.current_path
        if path is None:
            return None
        try:
            return json.loads((path / _MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"cannot read the index manifest in {path}: {exc}") from exc

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise RuntimeError(f"another ingest is already writing to {self.root}") from exc
            yield

    # -- building ---------------------------------------------------------------------------

    def build(
        self,
        documents: Sequence[PolicyDocument],
        encoder: Encoder,
        settings: BuildSettings,
        tokenizer: ChineseTokenizer,
        progress: bool = True,
    ) -> BuildReport:
        """Build a new index from ``documents`` (the whole corpus) and switch to it."""
        started = time.perf_counter()
        with self._writer_lock():
            previous = self.read_manifest()
            previous_build = self.current_path.name if previous else None
            report = self._diff(documents, previous)
            same_setup = previous is not None and previous["encoder"]["id"] == encoder.id
            if (
                same_setup
                and previous["settings"] == asdict(settings)
                and not (report.added or report.changed or report.removed)
            ):
                report.up_to_date = True
                report.build_id = self.current_path.name if self.current_path else None
                report.chunks = sum(d["chunks"] for d in previous["documents"].values())
                return report

            splitter = PolicyTextSplitter(settings.chunk_size, settings.chunk_overlap)
            chunks = [c for doc in documents for c in chunk_document(doc, splitter)]
            texts = [c.index_text() for c in chunks]
            keys = [sha256_text(t) for t in texts]
            cache = self._vector_cache(previous) if same_setup else {}
            vectors, embedded = self._embed(texts, keys, cache, encoder, progress)
            tokens = [tokenizer.tokenize(t) for t in tqdm(texts, desc="Tokenising", disable=not progress)]

            build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}"
            build_dir = self.root / _BUILDS / build_id
            build_dir.mkdir(parents=True)
            self._write_chunks(build_dir, chunks, keys)
            np.save(build_dir / _VECTORS, vectors)
            build_vector_store(vectors, settings.vector_index, build_dir, settings.threads, settings.milvus_uri)
            Bm25Index.build(tokens, tokenizer).save(build_dir)
            manifest = {
                "format_version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "encoder": {"id": encoder.id, "dim": encoder.dim},
                "settings": asdict(settings),
                "documents": {
                    d.doc_id: {
                        "path": d.path,
                        "content_hash": d.content_hash,
                        "chunks": sum(1 for c in chunks if c.doc_id == d.doc_id),
                        "metadata": d.metadata.to_dict(),
                    }
                    for d in documents
                },
            }
            _write_json(build_dir / _MANIFEST, manifest)
            _fsync_dir(build_dir)
            self._switch_to(build_id)
            self._prune(keep={build_id, previous_build or build_id})

            report.build_id = build_id
            report.chunks = len(chunks)
            report.embedded = embedded
            report.reused = len(chunks) - embedded
            report.seconds = time.perf_counter() - started
            return report

    @staticmethod
    def _diff(documents: Sequence[PolicyDocument], previous: dict | None) -> BuildReport:
        before = {k: v["content_hash"] for k, v in (previous or {}).get("documents", {}).items()}
        report = BuildReport(documents=len(documents))
        seen = set()
        for doc in documents:
            if doc.doc_id in seen:
                raise ValueError(f"two documents share the id '{doc.doc_id}'")
            seen.add(doc.doc_id)
            if doc.doc_id not in before:
                report.added.append(doc.doc_id)
            elif before[doc.doc_id] != doc.content_hash:
                report.changed.append(doc.doc_id)
            else:
                report.unchanged += 1
        report.removed = sorted(set(before) - seen)
        return report

    def _vector_cache(self, previous: dict) -> dict[str, np.ndarray]:
        path = self.current_path
        assert path is not None and previous is not None
        vectors = np.load(path / _VECTORS, mmap_mode="r")
        with (path / _CHUNKS).open(encoding="utf-8") as fh:
            return {json.loads(line)["embed_key"]: vectors[row] for row, line in enumerate(fh)}

    @staticmethod
    def _embed(
        texts: list[str],
        keys: list[str],
        cache: dict[str, np.ndarray],
        encoder: Encoder,
        progress: bool,
        batch: int = 64,
    ) -> tuple[np.ndarray, int]:
        vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
        todo = []
        for row, key in enumerate(keys):
            if key in cache:
                vectors[row] = cache[key]
            else:
                todo.append(row)
        with tqdm(total=len(todo), desc="Embedding", unit="chunk", disable=not progress) as bar:
            for i in range(0, len(todo), batch):
                rows = todo[i : i + batch]
                vectors[rows] = encoder.encode_documents([texts[r] for r in rows])
                bar.update(len(rows))
        return vectors, len(todo)

    @staticmethod
    def _write_chunks(build_dir: Path, chunks: list[Chunk], keys: list[str]) -> None:
        with (build_dir / _CHUNKS).open("w", encoding="utf-8") as fh:
            for chunk, key in zip(chunks, keys, strict=True):
                record = {
                    "chunk_id": chunk.chunk_id,
                    "doc_id": chunk.doc_id,
                    "start": chunk.start,
                    "end": chunk.end,
                    "section": list(chunk.section),
                    "text": chunk.text,
                    "embed_key": key,
                }
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _switch_to(self, build_id: str) -> None:
        tmp = self.root / f".{_CURRENT}.{os.getpid()}"
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(Path(_BUILDS) / build_id, tmp)
        os.replace(tmp, self.root / _CURRENT)
        _fsync_dir(self.root)
        log.info("index %s is now current", build_id)

    def _prune(self, keep: set[str]) -> None:
        """Remove half-written and older builds (the previous one stays for rollback)."""
        for build in (self.root / _BUILDS).iterdir():
            if build.name not in keep:
                drop_vector_store(build)
                shutil.rmtree(build, ignore_errors=True)

    # -- loading ----------------------------------------------------------------------------

    def load(self, encoder: Encoder, tokenizer: ChineseTokenizer) -> LoadedIndex:
        """Load the current build. Fails clearly if there is none or it was built with another encoder."""
        manifest = self.read_manifest()
        path = self.current_path
        if manifest is None or path is None:
            raise IndexNotBuilt(
                f"no index found in '{self.root}'. Build one with: policyqa ingest [DIR] --index-dir {self.root}"
            )
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexCorrupt(
                f"the index in '{path}' has format {manifest.get('format_version')}, this version reads "
                f"{FORMAT_VERSION}. Rebuild it with: policyqa ingest"
            )
        built = manifest["encoder"]
        if built["id"] != encoder.id:
            raise EncoderMismatch(
                f"the index in '{self.root}' was built with encoder '{built['id']}' ({built['dim']}-d), "
                f"but the configured encoder is '{encoder.id}'. Re-run 'policyqa ingest' with the "
                "configured encoder, or configure the encoder the index was built with."
            )
        try:
            chunks_raw = [json.loads(line) for line in (path / _CHUNKS).open(encoding="utf-8")]
            vectors = np.load(path / _VECTORS, mmap_mode="r")
            store = load_vector_store(path, manifest["settings"]["vector_index"])
            keyword = Bm25Index.load(path, tokenizer, len(chunks_raw))
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexCorrupt(f"cannot read the index in '{path}': {exc}") from exc
        doc_ids = list(manifest["documents"])
        documents = {d: DocumentMetadata(**v["metadata"]) for d, v in manifest["documents"].items()}
        position = {d: i for i, d in enumerate(doc_ids)}
        chunks = [
            Chunk(
                chunk_id=r["chunk_id"],
                doc_id=r["doc_id"],
                text=r["text"],
                start=r["start"],
                end=r["end"],
                section=tuple(r["section"]),
                metadata=documents[r["doc_id"]],
            )
            for r in chunks_raw
        ]
        if not (len(chunks) == len(vectors) == len(store) == len(keyword)):
            raise IndexCorrupt(f"the index in '{path}' is inconsistent (row counts differ); rebuild it")
        return LoadedIndex(
            build_id=path.name,
            manifest=manifest,
            chunks=chunks,
            vectors=vectors,
            vector_store=store,
            keyword_index=keyword,
            chunk_doc=np.array([position[c.doc_id] for c in chunks], dtype=np.int32),
            doc_ids=doc_ids,
            documents=documents,
        )
