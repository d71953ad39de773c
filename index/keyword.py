"""BM25 keyword index over jieba tokens (bm25s: sparse matrices, no per-document Python loop)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np

from ingest.zh.tokens import ChineseTokenizer

_DIR = "bm25"
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import


class Bm25Index:
    def __init__(self, model: bm25s.BM25, tokenizer: ChineseTokenizer, size: int) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.size = size

    @classmethod
    def build(cls, token_lists: Sequence[list[str]], tokenizer: ChineseTokenizer) -> Bm25Index:
        model = bm25s.BM25()
        # An empty token list would make bm25s drop the row; a placeholder keeps ids aligned.
        model.index([tokens or ["\x00"] for tokens in token_lists], show_progress=False)
        return cls(model, tokenizer, len(token_lists))

    @classmethod
    def load(cls, directory: Path, tokenizer: ChineseTokenizer, size: int) -> Bm25Index:
        return cls(bm25s.BM25.load(str(directory / _DIR), mmap=False), tokenizer, size)

    def save(self, directory: Path) -> None:
        self.model.save(str(directory / _DIR))

    def __len__(self) -> int:
        return self.size

    @cached_property
    def _document_frequency(self) -> np.ndarray:
        return np.diff(np.asarray(self.model.scores["indptr"]))

    def has_term(self, token: str) -> bool:
        """Whether any passage contains ``token`` as an index term."""
        return token in self.model.vocab_dict

    def terms(self, min_passages: int = 1) -> dict[str, int]:
        """The index terms used by at least ``min_passages`` passages, with how many use each."""
        frequency = self._document_frequency  # bm25s's vocabulary may hold one more entry (its empty token)
        return {
            t: int(frequency[i])
            for t, i in self.model.vocab_dict.items()
            if i < len(frequency) and frequency[i] >= min_passages
        }

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 (Lucene) inverse document frequency of each token; unseen tokens get the largest value."""
        vocab = self.model.vocab_dict
        df = np.array([self._document_frequency[vocab[t]] if t in vocab else 0 for t in tokens], dtype=np.float64)
        return np.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> np.ndarray:
        tokens = self.tokenizer.query_tokens(query)
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.model.get_scores(tokens), dtype=np.float32)
