"""Any sentence-transformers model from a local directory (bge-small-zh-v1.5, bge-m3, …).

Nothing is downloaded: the directory must hold a saved model. Retrieval models
want an instruction before queries (bge) or prefixes on both sides (e5); the
model's own ``prompts`` are used, else the table below by directory name, else
what the operator configured.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from index.errors import ModelNotFound

# (directory-name pattern, query prefix, document prefix)
KNOWN_PREFIXES = (
    (re.compile(r"bge-.*-zh", re.I), "为这个句子生成表示以用于检索相关文章：", ""),
    (re.compile(r"bge-.*-en", re.I), "Represent this sentence for searching relevant passages: ", ""),
    (re.compile(r"e5", re.I), "query: ", "passage: "),
)


class SentenceTransformerEncoder:
    def __init__(
        self,
        model_dir: Path,
        query_prefix: str | None = None,
        document_prefix: str | None = None,
        batch_size: int = 32,
    ) -> None:
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "config.json").exists() and not (self.model_dir / "modules.json").exists():
            raise ModelNotFound(
                f"no sentence-transformers model in '{self.model_dir}': expected config.json or "
                "modules.json there. Copy a saved model (e.g. bge-small-zh-v1.5) into that directory."
            )
        known = next((p for p in KNOWN_PREFIXES if p[0].search(self.model_dir.name)), (None, "", ""))
        self._query_prefix = query_prefix
        self._document_prefix = document_prefix if document_prefix is not None else known[2]
        self._known_query_prefix = known[1]
        self.batch_size = batch_size

    @cached_property
    def _model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)

    @property
    def query_prefix(self) -> str:
        if self._query_prefix is not None:
            return self._query_prefix
        return self._model.prompts.get("query", "") or self._known_query_prefix

    @cached_property
    def id(self) -> str:
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json", "config_sentence_transformers.json"):
            path = self.model_dir / name
            if path.exists():
                digest.update(path.read_bytes())
        digest.update(f"{self.query_prefix}|{self._document_prefix}".encode())
        return f"st:{self.model_dir.name}:{digest.hexdigest()[:12]}"

    @property
    def dim(self) -> int:
        return int(self._model.get_embedding_dimension())

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._document_prefix)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)
