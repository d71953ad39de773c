"""Vector stores and their registry: FAISS (exact inner product by default, HNSW or IVF for large corpora) and
Milvus (``index/milvus_store.py``).

Vectors are L2-normalised, so inner product is cosine similarity. A FAISS store keeps its vectors beside the
index (``vectors.npy``, memory-mapped): fusion scores candidates with them and a new build reuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal, get_args

import faiss
import numpy as np

from index.protocols import VectorStore

VectorIndex = Literal["flat", "hnsw", "ivf", "milvus"]
FaissIndexType = Literal["flat", "hnsw", "ivf"]
_INDEX_FILE = "faiss.index"
# a filtered search over at most this many rows is exact, by scoring them directly: faster than asking an
# approximate index to skip everything else, and it cannot miss rows in clusters IVF does not probe
_EXACT_SUBSET = 20_000
_VECTORS_FILE = "vectors.npy"


class FaissVectorStore:
    """A FAISS index and its vectors. Opening a saved one is cheap: the index is read on the first search."""

    def __init__(
        self, vectors: np.ndarray, index_type: str, index: faiss.Index | None = None, directory: Path | None = None
    ):
        self._vectors = vectors
        self.index_type = index_type
        self._directory = directory
        if index is not None:
            self.__dict__["index"] = index

    @classmethod
    def build(cls, vectors: np.ndarray, index_type: str, threads: int) -> FaissVectorStore:
        if index_type not in get_args(FaissIndexType):
            choices = ", ".join(get_args(FaissIndexType))
            raise ValueError(f"unknown vector index type '{index_type}'; choose one of: {choices}")
        faiss.omp_set_num_threads(threads)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        index: faiss.Index
        if index_type == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            hnsw.hnsw.efSearch = 256  # recall@10 ≥ 0.95 at 1M passages (docs/benchmarks.md)
            index = hnsw
        elif index_type == "ivf" and n >= 1000:
            nlist = int(min(4 * np.sqrt(n), n // 39))
            ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
            ivf.train(vectors)
            ivf.nprobe = max(8, nlist // 16)
            index = ivf
        else:  # flat, or IVF on a corpus too small to train clusters for
            index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return cls(vectors, index_type, index)

    @classmethod
    def open(cls, directory: Path, index_type: str) -> FaissVectorStore:
        return cls(np.load(directory / _VECTORS_FILE, mmap_mode="r"), index_type, directory=directory)

    @cached_property
    def index(self) -> faiss.Index:
        assert self._directory is not None, "a built store holds its index"
        return faiss.read_index(str(self._directory / _INDEX_FILE))

    def save(self, directory: Path) -> None:
        np.save(directory / _VECTORS_FILE, self._vectors)
        faiss.write_index(self.index, str(directory / _INDEX_FILE))

    def drop(self) -> None:
        """Nothing lives outside the build directory."""

    def __len__(self) -> int:
        return len(self._vectors)

    def scores(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        return np.asarray(self._vectors[ids], dtype=np.float32) @ query.astype(np.float32)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        return np.asarray(self._vectors[ids], dtype=np.float32)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if allowed is not None and len(allowed) <= _EXACT_SUBSET:
            allowed = np.asarray(allowed, dtype=np.int64)
            scores = self.scores(query, allowed)
            best = np.argsort(-scores, kind="stable")[:k]
            return scores[best], allowed[best]
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            if isinstance(self.index, faiss.IndexHNSW):
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=self.index.hnsw.efSearch)  # type: ignore[attr-defined]
            elif isinstance(self.index, faiss.IndexIVF):
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)  # type: ignore[call-arg]
            else:
                params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]


@dataclass(frozen=True)
class VectorBackend:
    """How to build a store into a new build directory, and open a saved one."""

    build: Callable[[np.ndarray, Path, int, str | None], VectorStore]
    open: Callable[[Path], VectorStore]


def _faiss(index_type: FaissIndexType) -> VectorBackend:
    return VectorBackend(
        build=lambda vectors, _dir, threads, _uri: FaissVectorStore.build(vectors, index_type, threads),
        open=lambda directory: FaissVectorStore.open(directory, index_type),
    )


def _milvus_build(vectors: np.ndarray, build_dir: Path, _threads: int, uri: str | None) -> VectorStore:
    from index.milvus_store import MilvusVectorStore

    if not uri:
        raise ValueError("the milvus vector store needs milvus_uri (a .db file for Milvus Lite, or a server URL)")
    return MilvusVectorStore.build(vectors, uri, build_dir.name)


def _milvus_open(directory: Path) -> VectorStore:
    from index.milvus_store import MilvusVectorStore

    return MilvusVectorStore.open(directory)


# the registry: the names Settings offers (``VectorIndex``) and how each is made
VECTOR_STORES: dict[str, VectorBackend] = {
    "flat": _faiss("flat"),
    "hnsw": _faiss("hnsw"),
    "ivf": _faiss("ivf"),
    "milvus": VectorBackend(_milvus_build, _milvus_open),
}
assert tuple(VECTOR_STORES) == get_args(VectorIndex)


def backend(kind: str) -> VectorBackend:
    try:
        return VECTOR_STORES[kind]
    except KeyError:
        raise ValueError(f"unknown vector index '{kind}'; choose one of: {', '.join(VECTOR_STORES)}") from None


def build_vector_store(
    vectors: np.ndarray, kind: str, build_dir: Path, threads: int, milvus_uri: str | None = None
) -> VectorStore:
    """The vector store for a new build, saved into ``build_dir``."""
    store = backend(kind).build(vectors, build_dir, threads, milvus_uri)
    store.save(build_dir)
    return store


def open_vector_store(build_dir: Path, kind: str) -> VectorStore:
    """A saved build's vector store (cheap: large data is read when first searched)."""
    return backend(kind).open(build_dir)
