"""In-process fakes of outside services, for the unit tier (the HTTP fake of an OpenAI-compatible endpoint is
``tests/app/answering/fake_openai.py``)."""

from __future__ import annotations

from collections.abc import Iterator

from app.answering.protocols import GeneratorError


class ScriptedGenerator:
    """A ``Generator`` that streams a fixed reply (or fails), and records every prompt it was given."""

    id = "scripted"

    def __init__(self, reply: str = "", fail: bool = False) -> None:
        self.reply = reply
        self.fail = fail
        self.prompts: list[list[dict[str, str]]] = []

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        self.prompts.append(messages)
        if self.fail:
            raise GeneratorError("scripted failure")
        for i in range(0, len(self.reply), 4):
            yield self.reply[i : i + 4]
