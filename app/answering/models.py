"""Typed records of a chat exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ingest.models import Chunk

Answerer = Literal["extractive", "llm"]
Status = Literal["answered", "related", "refused"]
"""``answered``: the documents answer it; ``related``: they discuss it but do not clearly answer (the closest
passages are shown, hedged); ``refused``: out of scope (a place the corpus does not cover, off-topic)."""


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Citation:
    """Source ``[n]`` of an answer: the exact sentence(s) quoted, and the passage they come from."""

    n: int
    doc_id: str
    title: str | None
    region: str | None
    date: str | None
    section: str
    quote: str
    text: str
    ocr: bool = False  # the passage was recognised from a scan: show "识别自扫描件，可能有误"

    @classmethod
    def of(cls, n: int, chunk: Chunk, quotes: list[str]) -> Citation:
        """Citation ``[n]`` of ``chunk``, quoting ``quotes`` (joined with …… when not adjacent)."""
        meta = chunk.metadata
        quote = "……".join(quotes)
        return cls(n, chunk.doc_id, meta.title, meta.region, meta.date, chunk.section_path, quote, chunk.text, meta.ocr)


@dataclass
class Answer:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    status: Status = "answered"
    answerer: Answerer = "extractive"
    refusal_reason: str | None = None
    query: str = ""
    confidence: float | None = None

    @property
    def refused(self) -> bool:
        return self.status == "refused"


@dataclass(frozen=True)
class TokenEvent:
    text: str


@dataclass(frozen=True)
class CitationsEvent:
    answer: Answer


ChatEvent = TokenEvent | CitationsEvent
