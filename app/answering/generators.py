"""Generator factory: one line per backend. ``none`` (the default) means the extractive answerer only."""

from __future__ import annotations

from app.answering.protocols import Generator
from app.config import Settings

GENERATORS = ("none", "openai", "transformers")


def load_generator(settings: Settings) -> Generator | None:
    if settings.generator == "none":
        return None
    if settings.generator == "openai":
        from app.answering.llm_openai import OpenAICompatibleGenerator

        return OpenAICompatibleGenerator(
            settings.llm_base_url or "", settings.llm_model or "", settings.llm_api_key, settings.llm_timeout
        )
    if settings.generator == "transformers":
        from app.answering.llm_local import LocalTransformersGenerator

        if settings.llm_model_dir is None:
            raise ValueError("the transformers generator needs POLICYQA_LLM_MODEL_DIR (a local model directory)")
        return LocalTransformersGenerator(settings.llm_model_dir, timeout=settings.llm_timeout)
    raise ValueError(f"unknown generator '{settings.generator}'; choose one of: {', '.join(GENERATORS)}")
