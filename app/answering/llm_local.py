"""A causal language model from a local transformers directory (e.g. a Qwen2.5-Instruct copy), on the CPU.

Nothing is downloaded. Generation is bounded by ``max_new_tokens`` and by
``timeout`` (transformers' ``max_time``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from app.answering.protocols import GeneratorError


class LocalTransformersGenerator:
    def __init__(self, model_dir: Path, timeout: float, max_new_tokens: int = 300) -> None:
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "config.json").exists():
            raise FileNotFoundError(f"no transformers model in '{self.model_dir}' (config.json missing)")
        self.max_new_tokens = max_new_tokens
        self.timeout = timeout

    @property
    def id(self) -> str:
        return f"transformers:{self.model_dir.name}"

    @cached_property
    def _loaded(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(self.model_dir, local_files_only=True)
        model.eval()
        return tokenizer, model

    def _prompt(self, messages: list[dict[str, str]]) -> str:
        tokenizer, _ = self._loaded
        if getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in messages) + "\n\n回答："

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        import torch

        try:
            tokenizer, model = self._loaded
            inputs = tokenizer(self._prompt(messages), return_tensors="pt", add_special_tokens=False)
            with torch.no_grad():
                output = model.generate(
                    **inputs,
                    max_new_tokens=self.max_new_tokens,
                    max_time=self.timeout,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id or 0,
                )
        except (OSError, ValueError, RuntimeError) as exc:
            raise GeneratorError(f"local model failed: {exc}") from exc
        yield tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
