"""The chat page (``GET /``), the embeddable widget (``GET /widget.js``) and answer feedback."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.feedback import FeedbackStore

STATIC = Path(__file__).with_name("static")
WIDGET_CACHE = "public, max-age=3600"

pages = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/api", tags=["feedback"])


@pages.get("/")
def chat_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@cache
def _widget() -> tuple[bytes, str]:
    data = (STATIC / "widget.js").read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:20] + '"'


@pages.get("/widget.js")
def widget(request: Request) -> Response:
    """Cacheable for an hour; after that the ETag lets a browser revalidate with a 304 and no body."""
    data, etag = _widget()
    headers = {"Cache-Control": WIDGET_CACHE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="text/javascript; charset=utf-8", headers=headers)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=500)
    answer: str = Field(max_length=5000)
    helpful: bool
    refused: bool = False
    answerer: Literal["extractive", "llm"] | None = None
    doc_ids: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20)


class FeedbackSaved(BaseModel):
    id: int


def get_feedback(request: Request) -> FeedbackStore:
    return request.app.state.feedback


@router.post("/feedback", status_code=201, response_model=FeedbackSaved)
def add_feedback(body: FeedbackIn, store: Annotated[FeedbackStore, Depends(get_feedback)]) -> FeedbackSaved:
    """Record 有帮助 / 没帮助 for an answer, so staff can see which answers failed (`policyqa feedback`)."""
    return FeedbackSaved(
        id=store.add(body.question, body.answer, body.helpful, body.refused, body.answerer, body.doc_ids)
    )
