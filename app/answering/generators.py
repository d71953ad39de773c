"""Generators and their registry: the names Settings offers (``GeneratorName``) and how each is made.
``none`` (the default) means the extractive answerer only."""

from __future__ import annotations

from collections.abc import Callable
from typing import get_args

from app.answering.protocols import Generator
from app.config import GeneratorName, Settings


def _openai(settings: Settings) -> Generator:
    from app.answering.llm_openai import OpenAICompatibleGenerator

    return OpenAICompatibleGenerator(
        settings.llm_base_url or "", settings.llm_model or "", settings.llm_api_key, settings.llm_timeout
    )


def _transformers(settings: Settings) -> Generator:
    from app.answering.llm_local import LocalTransformersGenerator

    if settings.llm_model_dir is None:
        raise ValueError("the transformers generator needs POLICYQA_LLM_MODEL_DIR (a local model directory)")
    return LocalTransformersGenerator(settings.llm_model_dir, timeout=settings.llm_timeout)


GENERATORS: dict[str, Callable[[Settings], Generator | None]] = {
    "none": lambda _settings: None,
    "openai": _openai,
    "transformers": _transformers,
}
assert tuple(GENERATORS) == get_args(GeneratorName)


def load_generator(settings: Settings) -> Generator | None:
    if settings.generator not in GENERATORS:
        raise ValueError(f"unknown generator '{settings.generator}'; choose one of: {', '.join(GENERATORS)}")
    return GENERATORS[settings.generator](settings)
