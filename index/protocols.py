"""The seams of the index: swap a backend by writing one class that fits one of these."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np


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

    def save(self, directory: Path) -> None: ...

    def __len__(self) -> int: ...


class KeywordIndex(Protocol):
    """Lexical scoring (BM25) over chunk texts; ids are row numbers of the chunk table."""

    def scores(self, query: str) -> np.ndarray:
        """One score per chunk for ``query`` (0 where no term matches)."""
        ...

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """How rare each token is in the corpus (larger: rarer, more telling)."""
        ...

    def save(self, directory: Path) -> None: ...

    def __len__(self) -> int: ...
