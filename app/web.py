"""The chat page (``GET /``), the embeddable widget (``GET /widget.js``) and answer feedback."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.conversations import ConversationLog
from app.limits import rate_limit

STATIC = Path(__file__).with_name("static")
WIDGET_CACHE = "public, max-age=3600"

pages = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/api", tags=["feedback"])


@pages.api_route("/", methods=["GET", "HEAD"])
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
    feedback_token: str = Field(min_length=8, max_length=64, description="From the chat response.")
    helpful: bool


@router.post(
    "/feedback",
    status_code=204,
    dependencies=[Depends(rate_limit)],
    responses={404: {"description": "No such conversation"}},
)
def add_feedback(body: FeedbackIn, request: Request) -> Response:
    """Record 有帮助 / 没帮助 for an answer, so staff can see which answers failed (`policyqa report`)."""
    conversations: ConversationLog = request.app.state.log
    if not conversations.set_feedback(body.feedback_token, body.helpful):
        raise HTTPException(404, "找不到这条回答，可能已过期。")
    return Response(status_code=204)
