"""FastAPI dependencies: the app's singletons (built once in the lifespan, ``app/api.py``) as typed aliases,
the rate limit and the admin key check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from app.answering.chat import ChatService
from app.auth import check_admin_key
from app.config import Settings
from app.conversations import ConversationLog
from app.documents import DocumentLibrary
from app.limits import RateLimiter, client_key
from app.service import IndexJob, SearchService


def _state(name: str) -> Callable[[Request], Any]:
    """A dependency returning the app singleton ``name`` (built in the lifespan, ``app/api.py``)."""

    def singleton(request: Request) -> Any:
        return getattr(request.app.state, name)

    return singleton


SettingsDep = Annotated[Settings, Depends(_state("settings"))]
SearchDep = Annotated[SearchService, Depends(_state("service"))]
ChatDep = Annotated[ChatService, Depends(_state("chat"))]
LogDep = Annotated[ConversationLog, Depends(_state("log"))]
LibraryDep = Annotated[DocumentLibrary, Depends(_state("library"))]
IndexJobDep = Annotated[IndexJob, Depends(_state("index_job"))]


def _rate_limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.check(client_key(request))


RateLimit = Depends(_rate_limit)  # for chat, search and feedback

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An admin key (POLICYQA_ADMIN_API_KEYS).")


def _require_admin(settings: SettingsDep, key: Annotated[str | None, Depends(_api_key)]) -> None:
    check_admin_key(settings.admin_api_keys, key)


RequireAdmin = Depends(_require_admin)
