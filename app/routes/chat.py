"""``POST /api/chat``: a grounded answer with citations, as JSON or as Server-Sent Events.

SSE events, in order: ``token`` (``{"text": delta}``, one or more), ``citations``
(the whole answer: ``{"answer", "citations", "status", "refused", "answerer", …}``), ``done``.
A failure after the stream has started is an ``error`` event (``{"message"}``)
followed by ``done``: the stream is never cut off.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.answering.chat import ChatService
from app.answering.models import CitationsEvent, TokenEvent, Turn
from app.conversations import ConversationLog
from app.deps import ChatDep, LogDep, RateLimit
from app.errors import InvalidRequest
from app.schemas import ChatRequest, ChatResponse

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["chat"])


_UNREADABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _readable(field: str, text: str) -> str:
    """``text`` unless it holds characters no one types (lone surrogates, control characters): then 422."""
    if _UNREADABLE.search(text):
        raise InvalidRequest(field, "内容中含有无法识别的字符，请删除后重新输入")
    return text


def _validate(body: ChatRequest, chat: ChatService) -> tuple[str, list[Turn]]:
    settings = chat.search.settings
    question = _readable("question", body.question).strip()
    for turn in body.history:
        _readable("history", turn.content)
    if body.region:
        _readable("region", body.region)
    if not question:
        raise InvalidRequest("question", "问题不能为空，请输入您想了解的政策问题")
    if len(question) > settings.max_question_chars:
        raise InvalidRequest("question", f"问题太长了（最多 {settings.max_question_chars} 个字），请精简后再问")
    if len(body.history) > settings.max_history_turns:
        raise InvalidRequest("history", f"对话记录太长（最多 {settings.max_history_turns} 条），请开始新的对话")
    if any(len(t.content) > settings.max_history_chars for t in body.history):
        raise InvalidRequest("history", f"对话记录中的单条消息太长（最多 {settings.max_history_chars} 个字）")
    return question, [Turn(t.role, t.content) for t in body.history]


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _event_stream(
    chat: ChatService, conversations: ConversationLog, question: str, history: list[Turn], region: str | None
) -> Iterator[str]:
    started = time.perf_counter()
    try:
        for event in chat.events(question, history, region):
            if isinstance(event, TokenEvent):
                yield _sse("token", {"text": event.text})
            elif isinstance(event, CitationsEvent):
                recorded = conversations.record(question, event.answer, 1000 * (time.perf_counter() - started))
                yield _sse("citations", ChatResponse.from_answer(event.answer, recorded).model_dump())
    except Exception:  # the stream has started: report in-band, never cut it off
        log.exception("chat stream failed")
        yield _sse("error", {"message": "回答时出现错误，请稍后重试。"})
    yield _sse("done", {})


@router.post(
    "/chat",
    dependencies=[RateLimit],
    response_model=ChatResponse,
    responses={200: {"content": {"text/event-stream": {"description": "token…, citations, done (see docs/api.md)"}}}},
)
def chat(body: ChatRequest, chat: ChatDep, conversations: LogDep) -> ChatResponse | StreamingResponse:
    """Answer a question from the policy documents, with [n] citations, or say the documents do not answer it."""
    question, history = _validate(body, chat)
    if body.stream:
        chat.search.retriever  # noqa: B018 - fail with 503 before the stream starts if there is no index
        return StreamingResponse(
            _event_stream(chat, conversations, question, history, body.region),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    started = time.perf_counter()
    answer = chat.ask(question, history, body.region)
    recorded = conversations.record(question, answer, 1000 * (time.perf_counter() - started))
    return ChatResponse.from_answer(answer, recorded)
