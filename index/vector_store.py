"""FAISS vector store: exact inner product by default, HNSW or IVF for large corpora.

Vectors are L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.protocols import VectorStore

INDEX_TYPES = ("flat", "hnsw", "ivf")
STORES = (*INDEX_TYPES, "milvus")
_FILE = "faiss.index"


class FaissVectorStore:
    def __init__(self, index: faiss.Index, index_type: str) -> None:
        self.index = index
        self.index_type = index_type

    @classmethod
    def build(cls, vectors: np.ndarray, index_type: str = "flat", threads: int = 2) -> FaissVectorStore:
        if index_type not in INDEX_TYPES:
            raise ValueError(f"unknown vector index type '{index_type}'; choose one of: {', '.join(INDEX_TYPES)}")
        faiss.omp_set_num_threads(threads)
        n, dim = vectors.shape
        if index_type == "hnsw":
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 256  # recall@10 ≥ 0.95 at 1M passages (docs/benchmarks.md)
        elif index_type == "ivf" and n >= 1000:
            nlist = int(min(4 * np.sqrt(n), n // 39))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
            index.train(vectors)
            index.nprobe = max(8, nlist // 16)
        else:  # flat, or IVF on a corpus too small to train clusters for
            index = faiss.IndexFlatIP(dim)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, index_type)

    @classmethod
    def load(cls, directory: Path, index_type: str) -> FaissVectorStore:
        return cls(faiss.read_index(str(directory / _FILE)), index_type)

    def save(self, directory: Path) -> None:
        faiss.write_index(self.index, str(directory / _FILE))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)
            if isinstance(self.index, faiss.IndexHNSW):
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=self.index.hnsw.efSearch)
            elif isinstance(self.index, faiss.IndexIVF):
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]


def build_vector_store(
    vectors: np.ndarray, kind: str, build_dir: Path, threads: int = 2, milvus_uri: str | None = None
) -> VectorStore:
    """The vector store for a new build, saved into ``build_dir``: FAISS (``flat``/``hnsw``/``ivf``) or Milvus."""
    if kind == "milvus":
        from index.milvus_store import MilvusVectorStore

        if not milvus_uri:
            raise ValueError("the milvus vector store needs milvus_uri (a .db file for Milvus Lite, or a server URL)")
        store: VectorStore = MilvusVectorStore.build(vectors, milvus_uri, build_dir.name)
    else:
        store = FaissVectorStore.build(vectors, kind, threads)
    store.save(build_dir)
    return store


def load_vector_store(build_dir: Path, kind: str) -> VectorStore:
    if kind == "milvus":
        from index.milvus_store import MilvusVectorStore

        return MilvusVectorStore.load(build_dir)
    return FaissVectorStore.load(build_dir, kind)


def drop_vector_store(build_dir: Path) -> None:
    """Release what a removed (or half-written) build holds outside its directory: a Milvus collection."""
    from index.milvus_store import MilvusVectorStore

    MilvusVectorStore.drop(build_dir)
