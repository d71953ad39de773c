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
    def load(cls, directory: Path) -> MilvusVectorStore:
        info = json.loads((directory / _FILE).read_text("utf-8"))
        client = _client(info["uri"])
        client.load_collection(info["collection"])
        return cls(client, info["uri"], info["collection"], info["size"])

    @staticmethod
    def drop(directory: Path) -> None:
        """Drop the collection of a build that is being removed (nothing to do for a FAISS build)."""
        path = directory / _FILE
        if path.exists():
            info = json.loads(path.read_text("utf-8"))
            client = _client(info["uri"])
            if client.has_collection(info["collection"]):
                client.drop_collection(info["collection"])

    def save(self, directory: Path) -> None:
        info = {"uri": self.uri, "collection": self.collection, "size": self.size}
        (directory / _FILE).write_text(json.dumps(info), "utf-8")

    def __len__(self) -> int:
        return self.size

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
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
