"""Encoder factory: one line per backend."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from index.protocols import Encoder

ENCODERS = ("use", "sentence-transformers")


@cache
def load_encoder(
    kind: str = "use",
    model_dir: Path | None = None,
    query_prefix: str | None = None,
    threads: int = 2,
) -> Encoder:
    """The encoder for these settings; the same settings return the same (already warm) object."""
    if kind == "use":
        from index.encoders.use import UseEncoder

        return UseEncoder(threads=threads)
    if kind == "sentence-transformers":
        from index.encoders.sentence_transformers import SentenceTransformerEncoder

        if model_dir is None:
            raise ValueError("the sentence-transformers encoder needs a local model directory (model_dir)")
        return SentenceTransformerEncoder(model_dir, query_prefix=query_prefix)
    raise ValueError(f"unknown encoder '{kind}'; choose one of: {', '.join(ENCODERS)}")
