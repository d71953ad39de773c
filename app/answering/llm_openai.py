"""An OpenAI-compatible chat completions endpoint (vLLM, Ollama, LM Studio, a hosted API), streamed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
from pydantic import SecretStr

from app.answering.protocols import GeneratorError


class OpenAICompatibleGenerator:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | None,
        timeout: float,
        max_tokens: int = 400,
    ) -> None:
        if not base_url or not model:
            raise ValueError("the OpenAI-compatible generator needs a base URL and a model name")
        if timeout <= 0:
            raise ValueError(f"timeout must be greater than 0, got {timeout}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.max_tokens = max_tokens

    @property
    def id(self) -> str:
        return f"openai:{self.model}"

    def __repr__(self) -> str:  # never show the key
        return f"OpenAICompatibleGenerator(url={self.url!r}, model={self.model!r})"

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        headers = {"Accept": "text/event-stream"}
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key.get_secret_value()}"
        body = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "temperature": 0,
            "max_tokens": self.max_tokens,
        }
        deadline = time.monotonic() + self.timeout
        try:
            with httpx.stream("POST", self.url, json=body, headers=headers, timeout=self.timeout) as response:
                if response.status_code != 200:
                    raise GeneratorError(f"LLM endpoint answered HTTP {response.status_code}")
                for line in response.iter_lines():
                    if time.monotonic() > deadline:
                        raise GeneratorError(f"LLM did not finish within {self.timeout:.0f}s")
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    except (ValueError, KeyError, IndexError, TypeError) as exc:
                        raise GeneratorError(f"malformed stream from the LLM endpoint: {data[:80]!r}") from exc
                    if delta:
                        yield delta
        except httpx.HTTPError as exc:
            raise GeneratorError(f"LLM endpoint unreachable or too slow: {exc.__class__.__name__}") from exc
