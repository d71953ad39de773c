"""Milvus vector store, for deployments that outgrow one machine's memory.

The same client code talks to the embedded Milvus Lite (``milvus_uri`` is a local ``.db`` file — what the
tests use) or to a Milvus cluster (``milvus_uri`` is ``http://host:19530``). Each build gets its own
collection, named after the build, so the atomic switch still works: the old collection serves until
``current`` moves, and is dropped when the build is pruned.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

_FILE = "milvus.json"  # written right after the collection is filled
_BATCH = 5_000


def _client(uri: str):
    from pymilvus import MilvusClient

    return MilvusClient(uri)


def _collection_name(build_id: str) -> str:
    return "policyqa_" + re.sub(r"[^0-9A-Za-z_]", "_", build_id)


class MilvusVectorStore:
    def __init__(self, client, uri: str, collection: str, size: int) -> None:
        self.client = client
        self.uri = uri
        self.collection = collection
        self.size = size
        self._is_loaded = False

    @classmethod
    def build(cls, vectors: np.ndarray, uri: str, build_id: str) -> MilvusVectorStore:
        from pymilvus import DataType, MilvusClient

        client = _client(uri)
        name = _collection_name(build_id)
        if client.has_collection(name):
            client.drop_collection(name)
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=int(vectors.shape[1]))
        index = client.prepare_index_params()
        index.add_index("vector", index_type="FLAT", metric_type="IP")
        client.create_collection(name, schema=schema, index_params=index)
        for start in range(0, len(vectors), _BATCH):
            rows = vectors[start : start + _BATCH]
            client.insert(name, [{"id": start + i, "vector": v.tolist()} for i, v in enumerate(rows)])
        client.flush(name)
        return cls(client, uri, name, len(vectors))

    @classmethod
    def open(cls, directory: Path) -> MilvusVectorStore:
        info = json.loads((directory / _FILE).read_text("utf-8"))
        return cls(_client(info["uri"]), info["uri"], info["collection"], info["size"])

    def drop(self) -> None:
        """Drop this build's collection (the build is being removed)."""
        if self.client.has_collection(self.collection):
            self.client.drop_collection(self.collection)

    def save(self, directory: Path) -> None:
        info = {"uri": self.uri, "collection": self.collection, "size": self.size}
        (directory / _FILE).write_text(json.dumps(info), "utf-8")

    def __len__(self) -> int:
        return self.size

    def _loaded(self) -> None:
        if not self._is_loaded:
            self.client.load_collection(self.collection)
            self._is_loaded = True

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        self._loaded()
        wanted = [int(i) for i in ids]
        rows: dict[int, list[float]] = {}
        for start in range(0, len(wanted), _BATCH):
            for row in self.client.get(self.collection, ids=wanted[start : start + _BATCH], output_fields=["vector"]):
                rows[int(row["id"])] = row["vector"]
        return np.array([rows[i] for i in wanted], dtype=np.float32).reshape(len(wanted), -1)

    def scores(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        return self.vectors(ids) @ query.astype(np.float32) if len(ids) else np.zeros(0, dtype=np.float32)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        self._loaded()
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        expression = "" if allowed is None else f"id in {[int(i) for i in allowed]}"
        result = self.client.search(
            self.collection,
            data=[query.astype(np.float32).tolist()],
            limit=k,
            filter=expression,
            search_params={"metric_type": "IP"},
        )[0]
        scores = np.array([hit["distance"] for hit in result], dtype=np.float32)
        ids = np.array([hit["id"] for hit in result], dtype=np.int64)
        return scores, ids
