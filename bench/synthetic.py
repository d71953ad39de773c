"""A synthetic corpus of any size, made by recombining real sentences of the sample corpus.

Each passage is 3-6 distinct sentences drawn at random (seeded). Every distinct sentence is embedded once
with the real encoder, and a passage's vector is the normalised sum of its sentences' vectors: an
approximation that keeps embedding a million passages out of the benchmarks, which measure search, not
encoding. BM25 indexes the passages' real tokens. Documents hold 50 passages each and rotate through four
regions, so region filters and jurisdiction work as on real data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.keyword import Bm25Index
from index.protocols import Encoder
from index.store import BuildSettings, IndexManifest, LoadedIndex
from index.vector_store import FaissVectorStore
from ingest.models import Chunk, DocumentMetadata
from ingest.pipeline import load_corpus
from ingest.zh.sentences import split_sentences
from ingest.zh.tokens import ChineseTokenizer

REGIONS = ("内蒙古自治区呼和浩特市玉泉区", "内蒙古自治区包头市昆都仑区", "内蒙古自治区包头市", "内蒙古自治区乌海市")
PER_DOC = 50


@dataclass
class SyntheticMaterial:
    sentences: list[str]
    vectors: np.ndarray
    tokens: list[list[str]]
    encoder: Encoder
    _keyword: Bm25Index | None = None

    @classmethod
    def from_corpus(cls, corpus: Path, encoder: Encoder) -> SyntheticMaterial:
        docs = load_corpus(corpus, progress=False).documents
        sentences = sorted({d.text[a:b] for d in docs for a, b in split_sentences(d.text) if b - a >= 8})
        tokenizer = ChineseTokenizer()
        return cls(sentences, encoder.encode_documents(sentences), [tokenizer.tokenize(s) for s in sentences], encoder)

    def draw(self, passages: int, seed: int = 7) -> tuple[list[list[int]], np.ndarray]:
        """Sentence picks per passage and the passages' vectors."""
        rng = random.Random(seed)
        picks = [rng.sample(range(len(self.sentences)), rng.randint(3, 6)) for _ in range(passages)]
        vectors = np.zeros((passages, self.vectors.shape[1]), np.float32)
        for row, chosen in enumerate(picks):
            v = self.vectors[chosen].sum(axis=0)
            vectors[row] = v / np.linalg.norm(v)
        return picks, vectors

    def index(self, passages: int, vector_index: str, threads: int = 2) -> LoadedIndex:
        """The same passages (same seed) whatever the vector index, so indexes of one size are comparable."""
        picks, vectors = self.draw(passages)
        doc_ids = [f"synthetic-{d}" for d in range(passages // PER_DOC + 1)]
        docs = {d: DocumentMetadata(title=f"合成文档{i}", region=REGIONS[i % 4]) for i, d in enumerate(doc_ids)}
        chunks = []
        for row, chosen in enumerate(picks):
            doc = doc_ids[row // PER_DOC]
            text = "".join(self.sentences[p] for p in chosen)
            chunks.append(Chunk(f"{doc}#{row}", doc, text, 0, len(text), (), docs[doc]))
        if self._keyword is None or len(self._keyword) != passages:  # BM25 does not depend on the vector index
            tokens = [[t for p in chosen for t in self.tokens[p]] for chosen in picks]
            self._keyword = Bm25Index.build(tokens, ChineseTokenizer())
        return LoadedIndex(
            build_id=f"synthetic-{passages}",
            manifest=IndexManifest.now(self.encoder.id, self.encoder.dim, BuildSettings(vector_index=vector_index), {}),
            chunks=chunks,
            vector_store=FaissVectorStore.build(vectors, vector_index, threads),
            keyword_index=self._keyword,
            chunk_doc=np.arange(passages, dtype=np.int32) // PER_DOC,
            doc_ids=doc_ids,
            documents=docs,
        )
