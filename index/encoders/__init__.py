"""Encoders and their registry: the names Settings offers (``EncoderName``) and how each is made."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from index.protocols import Encoder

EncoderName = Literal["use", "sentence-transformers"]
THREADS = 2  # CPU threads for encoding and FAISS (the machines this runs on have two cores)


def _use(model_dir: Path | None, query_prefix: str | None, threads: int) -> Encoder:
    from index.encoders.use import UseEncoder

    return UseEncoder(threads=threads)


def _sentence_transformers(model_dir: Path | None, query_prefix: str | None, threads: int) -> Encoder:
    from index.encoders.sentence_transformers import SentenceTransformerEncoder

    if model_dir is None:
        raise ValueError("the sentence-transformers encoder needs a local model directory (model_dir)")
    return SentenceTransformerEncoder(model_dir, query_prefix=query_prefix)


ENCODERS: dict[str, Callable[[Path | None, str | None, int], Encoder]] = {
    "use": _use,
    "sentence-transformers": _sentence_transformers,
}
assert tuple(ENCODERS) == get_args(EncoderName)


@cache
def load_encoder(
    kind: str = "use", model_dir: Path | None = None, query_prefix: str | None = None, threads: int = THREADS
) -> Encoder:
    """The encoder for these settings; the same settings return the same (already warm) object."""
    if kind not in ENCODERS:
        raise ValueError(f"unknown encoder '{kind}'; choose one of: {', '.join(ENCODERS)}")
    return ENCODERS[kind](model_dir, query_prefix, threads)
