"""The build step: from cleaned documents to a new index build, switched in by the store.

Ingest chunks the documents (``ingest/chunk.py``); this step embeds the passages — reusing the vector of
every passage whose encoder input is unchanged (keyed by its hash), so re-ingesting embeds only new or
changed text — and tokenises them for BM25. ``IndexStore.commit`` writes and switches.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from index.protocols import Encoder
from index.store import BuildSettings, IndexManifest, IndexStore, ManifestDocument, NewBuild
from ingest.chunk import PolicyTextSplitter, chunk_document
from ingest.load import sha256_text
from ingest.models import PolicyDocument
from ingest.zh.tokens import ChineseTokenizer

_EMBED_BATCH = 64


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


def diff(documents: Sequence[PolicyDocument], previous: IndexManifest | None) -> BuildReport:
    """What changed since the ``previous`` build: added, changed and removed document ids."""
    before = {k: v.content_hash for k, v in (previous.documents if previous else {}).items()}
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


def embed(
    texts: list[str], keys: list[str], cache: dict[str, np.ndarray], encoder: Encoder, progress: bool
) -> tuple[np.ndarray, int]:
    """Vectors of ``texts``: from ``cache`` (key → vector) where present, else encoded. Returns (vectors, encoded)."""
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    todo = []
    for row, key in enumerate(keys):
        if key in cache:
            vectors[row] = cache[key]
        else:
            todo.append(row)
    with tqdm(total=len(todo), desc="Embedding", unit="chunk", disable=not progress) as bar:
        for i in range(0, len(todo), _EMBED_BATCH):
            rows = todo[i : i + _EMBED_BATCH]
            vectors[rows] = encoder.encode_documents([texts[r] for r in rows])
            bar.update(len(rows))
    return vectors, len(todo)


def build_index(
    store: IndexStore,
    documents: Sequence[PolicyDocument],
    encoder: Encoder,
    settings: BuildSettings,
    tokenizer: ChineseTokenizer,
    progress: bool = True,
) -> BuildReport:
    """Build a new index of ``documents`` (the whole corpus) in ``store`` and switch to it; nothing is written
    when nothing changed."""
    started = time.perf_counter()
    with store.writer():
        previous = store.read_manifest()
        report = diff(documents, previous)
        same_encoder = previous is not None and previous.encoder_id == encoder.id
        changed = report.added or report.changed or report.removed
        if previous is not None and same_encoder and previous.settings == settings and not changed:
            report.up_to_date = True
            report.build_id = store.current_path.name if store.current_path else None
            report.chunks = previous.passages
            return report

        splitter = PolicyTextSplitter(settings.chunk_size, settings.chunk_overlap)
        chunks = [c for doc in documents for c in chunk_document(doc, splitter)]
        texts = [c.index_text() for c in chunks]
        keys = [sha256_text(t) for t in texts]
        cache = store.current_vectors() if same_encoder else {}
        vectors, embedded = embed(texts, keys, cache, encoder, progress)
        tokens = [tokenizer.tokenize(t) for t in tqdm(texts, desc="Tokenising", disable=not progress)]
        manifest = IndexManifest.now(
            encoder_id=encoder.id,
            encoder_dim=encoder.dim,
            settings=settings,
            documents={
                d.doc_id: ManifestDocument(
                    d.path, d.content_hash, sum(1 for c in chunks if c.doc_id == d.doc_id), d.metadata
                )
                for d in documents
            },
        )
        report.build_id = store.commit(NewBuild(chunks, keys, vectors, tokens, manifest), tokenizer)

    report.chunks = len(chunks)
    report.embedded = embedded
    report.reused = len(chunks) - embedded
    report.seconds = time.perf_counter() - started
    return report
