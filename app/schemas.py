"""Request and response bodies of the HTTP API (and of the CLI's ``--json``), in one module."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from app.answering.models import Answer, Citation, Status
from app.conversations import Recorded
from app.documents import LibraryDocument
from index.retrieve import Hit


def _shown(model: type[BaseModel], source: object) -> dict[str, object]:
    """The fields of ``source`` (document metadata, an answer) that ``model`` shows: each response picks its own."""
    return {name: getattr(source, name) for name in model.model_fields if hasattr(source, name)}


class SearchResult(BaseModel):
    text: str
    doc_id: str
    title: str | None
    region: str | None
    region_source: str | None  # manifest | file | title | publisher | issuer | body; null when unknown
    ocr: bool  # recognised from a scan: may hold recognition errors
    date: str | None
    section: str
    score: float
    chunk_id: str
    publisher: str | None
    source_url: str | None
    start: int
    end: int

    @classmethod
    def from_hit(cls, hit: Hit) -> SearchResult:
        c = hit.chunk
        return cls(
            **_shown(cls, c.metadata),
            text=c.text,
            doc_id=c.doc_id,
            section=c.section_path,
            score=hit.score,
            chunk_id=c.chunk_id,
            start=c.start,
            end=c.end,
        )


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


class Health(BaseModel):
    status: str
    build: str | None = None
    documents: int | None = None
    passages: int | None = None
    encoder: str | None = None
    detail: str | None = None
    conversation_log: str = Field("ok", description="ok, or the problem (answers are still sent, not logged).")


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"question": "玉泉区每个年级的小学学位缺多少？", "history": [], "stream": False}]
        },
    )
    question: str = Field(description="The question, in Chinese.")
    history: list[TurnIn] = Field(default_factory=list, description="Earlier turns, oldest first.")
    stream: bool = Field(False, description="Answer as Server-Sent Events.")
    region: str | None = Field(None, max_length=50, description="Answer only from documents of this place.")

    @field_validator("history", mode="before")
    @classmethod
    def _no_history(cls, history: object) -> object:
        """``null`` history is no history (a client sending every field it has, empty ones as null)."""
        return [] if history is None else history

    @field_validator("region")
    @classmethod
    def _no_blank_region(cls, region: str | None) -> str | None:
        """A blank region is no region (it filtered every document out)."""
        return region.strip() or None if region is not None else None


class ChatResponse(BaseModel):
    conversation_id: int | None = Field(description="The logged conversation; null when it could not be logged.")
    feedback_token: str | None = Field(
        description="Send it back with POST /api/feedback; null when the conversation was not logged."
    )
    answer: str
    citations: list[Citation]
    status: Status = Field(
        description="answered: the documents answer it; related: they discuss it but do not clearly answer "
        "(the closest passages are cited); refused: out of scope or nothing relevant."
    )
    refused: bool = Field(description="True only for status refused.")
    confidence: float | None = Field(None, description="Fitted probability that the answer is right.")
    answerer: Literal["extractive", "llm"]
    refusal_reason: str | None = None
    query: str = Field(description="The standalone question that was searched (follow-ups are completed).")

    @classmethod
    def from_answer(cls, answer: Answer, recorded: Recorded | None = None) -> ChatResponse:
        return cls(
            **_shown(cls, answer),
            conversation_id=recorded.id if recorded else None,
            feedback_token=recorded.token if recorded else None,
        )


class DocumentOut(BaseModel):
    doc_id: str
    file: str
    size: int
    title: str | None
    region: str | None
    publisher: str | None
    date: str | None
    source_url: str | None
    indexed: bool

    @classmethod
    def from_library(cls, doc: LibraryDocument, indexed: set[str]) -> DocumentOut:
        return cls(
            **_shown(cls, doc.metadata),
            doc_id=doc.doc_id,
            file=doc.file,
            size=doc.size,
            indexed=doc.doc_id in indexed,
        )


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    feedback_token: str = Field(min_length=8, max_length=64, description="From the chat response.")
    helpful: StrictBool  # true or false; not "yes" or 1
