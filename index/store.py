"""Index persistence: builds written to a new directory and switched in atomically; loading the current one.

Layout under the index root::

    current -> builds/20261122T180000-ab12cd   (symlink, replaced atomically)
    builds/<id>/manifest.json                   (written last: its presence marks a complete build)
    builds/<id>/chunks.jsonl, bm25/, and the vector store's files (FAISS: faiss.index, vectors.npy)

A crash at any point leaves ``current`` pointing at the previous complete build. What goes into a build
(chunks, vectors, tokens) is computed by the build step, ``index/build.py``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.encoders import THREADS
from index.errors import EncoderMismatch, IndexCorrupt, IndexNotBuilt
from index.keyword import Bm25Index
from index.protocols import Encoder, KeywordIndex, VectorStore
from index.vector_store import VectorIndex, build_vector_store, open_vector_store
from ingest.chunk import CHUNK_OVERLAP, CHUNK_SIZE
from ingest.models import Chunk, DocumentMetadata
from ingest.zh.tokens import ChineseTokenizer

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CHUNKER_VERSION = 10  # bump when chunking or index-text rules change: unchanged documents are re-chunked
_CURRENT = "current"
_BUILDS = "builds"
_MANIFEST = "manifest.json"
_CHUNKS = "chunks.jsonl"


@dataclass(frozen=True)
class BuildSettings:
    """Everything a build depends on besides the documents and the encoder."""

    chunker_version: int = CHUNKER_VERSION
    chunk_size: int = CHUNK_SIZE
    chunk_overlap: int = CHUNK_OVERLAP
    vector_index: VectorIndex = "flat"
    milvus_uri: str | None = None
    threads: int = THREADS


@dataclass(frozen=True)
class ManifestDocument:
    path: str
    content_hash: str
    chunks: int
    metadata: DocumentMetadata


@dataclass(frozen=True)
class IndexManifest:
    """What a build holds and how it was made (``manifest.json``)."""

    format_version: int
    created_at: str
    encoder_id: str
    encoder_dim: int
    settings: BuildSettings
    documents: dict[str, ManifestDocument]

    @classmethod
    def now(
        cls, encoder_id: str, encoder_dim: int, settings: BuildSettings, documents: dict[str, ManifestDocument]
    ) -> IndexManifest:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(FORMAT_VERSION, created, encoder_id, encoder_dim, settings, documents)

    @property
    def passages(self) -> int:
        return sum(d.chunks for d in self.documents.values())

    def to_json(self) -> dict:
        return {
            "format_version": self.format_version,
            "created_at": self.created_at,
            "encoder": {"id": self.encoder_id, "dim": self.encoder_dim},
            "settings": asdict(self.settings),
            "documents": {
                doc_id: {
                    "path": d.path,
                    "content_hash": d.content_hash,
                    "chunks": d.chunks,
                    "metadata": d.metadata.to_dict(),
                }
                for doc_id, d in self.documents.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> IndexManifest:
        """Raises ``IndexCorrupt`` for a manifest of another format or one that does not parse."""
        if data.get("format_version") != FORMAT_VERSION:
            raise IndexCorrupt(
                f"the index has format {data.get('format_version')}, this version reads {FORMAT_VERSION}. "
                "Rebuild it with: policyqa ingest"
            )
        try:
            return cls(
                format_version=FORMAT_VERSION,
                created_at=data["created_at"],
                encoder_id=data["encoder"]["id"],
                encoder_dim=data["encoder"]["dim"],
                settings=BuildSettings(**data["settings"]),
                documents={
                    doc_id: ManifestDocument(
                        d["path"], d["content_hash"], d["chunks"], DocumentMetadata(**d["metadata"])
                    )
                    for doc_id, d in data["documents"].items()
                },
            )
        except (KeyError, TypeError) as exc:
            raise IndexCorrupt(
                f"the index manifest does not parse ({exc!r}); rebuild it with: policyqa ingest"
            ) from exc


@dataclass(frozen=True)
class NewBuild:
    """What the build step computed: the passages, their reuse keys, vectors and BM25 tokens, and the manifest."""

    chunks: list[Chunk]
    keys: list[str]
    vectors: np.ndarray
    tokens: list[list[str]]
    manifest: IndexManifest


@dataclass
class LoadedIndex:
    """A complete build in memory, ready for retrieval."""

    build_id: str
    manifest: IndexManifest
    chunks: list[Chunk]
    vector_store: VectorStore
    keyword_index: KeywordIndex
    chunk_doc: np.ndarray  # row → position of its document in ``doc_ids``
    doc_ids: list[str]
    documents: dict[str, DocumentMetadata]

    @property
    def encoder_id(self) -> str:
        return self.manifest.encoder_id


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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

    def read_manifest(self) -> IndexManifest | None:
        path = self.current_path
        return None if path is None else _read_manifest(path)

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Held while a build is made: one writer per index root, across processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise RuntimeError(f"another ingest is already writing to {self.root}") from exc
            yield

    # -- writing ----------------------------------------------------------------------------

    def current_vectors(self) -> dict[str, np.ndarray]:
        """Reuse key → vector of every passage of the current build (empty when there is none)."""
        path = self.current_path
        manifest = self.read_manifest()
        if path is None or manifest is None:
            return {}
        with (path / _CHUNKS).open(encoding="utf-8") as fh:
            keys = [json.loads(line)["embed_key"] for line in fh]
        vectors = open_vector_store(path, manifest.settings.vector_index).vectors(np.arange(len(keys)))
        return dict(zip(keys, vectors, strict=True))

    def commit(self, build: NewBuild, tokenizer: ChineseTokenizer) -> str:
        """Write ``build`` to a new directory, make it current, and prune older builds; returns its id.
        Call inside ``writer()``."""
        previous = self.current_path.name if self.current_path else None
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}"
        build_dir = self.root / _BUILDS / build_id
        build_dir.mkdir(parents=True)
        settings = build.manifest.settings
        _write_chunks(build_dir, build.chunks, build.keys)
        build_vector_store(build.vectors, settings.vector_index, build_dir, settings.threads, settings.milvus_uri)
        Bm25Index.build(build.tokens, tokenizer).save(build_dir)
        with (build_dir / _MANIFEST).open("w", encoding="utf-8") as fh:
            json.dump(build.manifest.to_json(), fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(build_dir)
        self._switch_to(build_id)
        self._prune(keep={build_id, previous or build_id})
        return build_id

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
                _release(build)
                shutil.rmtree(build, ignore_errors=True)

    # -- loading ----------------------------------------------------------------------------

    def load(self, encoder: Encoder, tokenizer: ChineseTokenizer) -> LoadedIndex:
        """Load the current build. Fails clearly if there is none or it was built with another encoder."""
        path = self.current_path
        manifest = None if path is None else _read_manifest(path)
        if manifest is None or path is None:
            raise IndexNotBuilt(
                f"no index found in '{self.root}'. Build one with: policyqa ingest [DIR] --index-dir {self.root}"
            )
        if manifest.encoder_id != encoder.id:
            raise EncoderMismatch(
                f"the index in '{self.root}' was built with encoder '{manifest.encoder_id}' "
                f"({manifest.encoder_dim}-d), but the configured encoder is '{encoder.id}'. Re-run 'policyqa "
                "ingest' with the configured encoder, or configure the encoder the index was built with."
            )
        try:
            chunks_raw = [json.loads(line) for line in (path / _CHUNKS).open(encoding="utf-8")]
            store = open_vector_store(path, manifest.settings.vector_index)
            keyword = Bm25Index.load(path, tokenizer, len(chunks_raw))
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexCorrupt(f"cannot read the index in '{path}': {exc}") from exc
        doc_ids = list(manifest.documents)
        documents = {d: entry.metadata for d, entry in manifest.documents.items()}
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
        if not (len(chunks) == len(store) == len(keyword)):
            raise IndexCorrupt(f"the index in '{path}' is inconsistent (row counts differ); rebuild it")
        return LoadedIndex(
            build_id=path.name,
            manifest=manifest,
            chunks=chunks,
            vector_store=store,
            keyword_index=keyword,
            chunk_doc=np.array([position[c.doc_id] for c in chunks], dtype=np.int32),
            doc_ids=doc_ids,
            documents=documents,
        )


def _read_manifest(build_dir: Path) -> IndexManifest:
    try:
        data = json.loads((build_dir / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"cannot read the index manifest in {build_dir}: {exc}") from exc
    return IndexManifest.from_json(data)


def _release(build_dir: Path) -> None:
    """Release what a build being removed holds outside its directory (a Milvus collection)."""
    try:
        kind = _read_manifest(build_dir).settings.vector_index
    except IndexCorrupt:  # died before its manifest: only a Milvus collection (named in its own file) is left
        kind = "milvus"
    with contextlib.suppress(OSError, ValueError, KeyError, ImportError):  # nothing stored outside it yet
        open_vector_store(build_dir, kind).drop()


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
