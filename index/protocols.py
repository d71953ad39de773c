"""The seams of the index: swap a backend by writing one class that fits one of these."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.zh.tokens import ChineseTokenizer


class Encoder(Protocol):
    """Turns text into L2-normalised float32 vectors. Construction is cheap; weights load on first use."""

    @property
    def id(self) -> str:
        """Identifies the model and its settings; an index remembers it."""
        ...

    @property
    def dim(self) -> int: ...

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class VectorStore(Protocol):
    """Nearest-neighbour search over chunk vectors; ids are row numbers of the chunk table."""

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` (scores, ids) for one query vector, restricted to ``allowed`` ids if given."""
        ...

    def scores(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``query`` with each of the rows ``ids`` (the dense side of fusion)."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of rows ``ids`` (a new build reuses those of unchanged passages)."""
        ...

    def save(self, directory: Path) -> None: ...

    def drop(self) -> None:
        """Release what the store holds outside its build directory (a Milvus collection); the build is going."""
        ...

    def __len__(self) -> int: ...


class KeywordIndex(Protocol):
    """Lexical scoring (BM25) over chunk texts; ids are row numbers of the chunk table. Its tokenizer is the
    one it was built with: question analysis cuts words the same way."""

    tokenizer: ChineseTokenizer

    def scores(self, query: str) -> np.ndarray:
        """One score per chunk for ``query`` (0 where no term matches)."""
        ...

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """How rare each token is in the corpus (larger: rarer, more telling)."""
        ...

    def has_term(self, token: str) -> bool:
        """Whether any passage contains ``token`` as an index term."""
        ...

    def terms(self, min_passages: int = 1) -> dict[str, int]:
        """The index terms used by at least ``min_passages`` passages, with how many use each."""
        ...

    def save(self, directory: Path) -> None: ...

    def __len__(self) -> int: ...
