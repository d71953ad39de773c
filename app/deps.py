"""FastAPI dependencies: the app's singletons (built once in the lifespan, ``app/api.py``) as typed aliases,
the rate limit and the admin key check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from app.answering.chat import ChatService
from app.auth import check_admin_key
from app.config import Settings
from app.conversations import ConversationLog
from app.documents import DocumentLibrary
from app.limits import RateLimiter, client_key
from app.service import IndexJob, SearchService


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _search(request: Request) -> SearchService:
    return request.app.state.service


def _chat(request: Request) -> ChatService:
    return request.app.state.chat


def _log(request: Request) -> ConversationLog:
    return request.app.state.log


def _library(request: Request) -> DocumentLibrary:
    return request.app.state.library


def _index_job(request: Request) -> IndexJob:
    return request.app.state.index_job


SettingsDep = Annotated[Settings, Depends(_settings)]
SearchDep = Annotated[SearchService, Depends(_search)]
ChatDep = Annotated[ChatService, Depends(_chat)]
LogDep = Annotated[ConversationLog, Depends(_log)]
LibraryDep = Annotated[DocumentLibrary, Depends(_library)]
IndexJobDep = Annotated[IndexJob, Depends(_index_job)]


def _rate_limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.check(client_key(request))


RateLimit = Depends(_rate_limit)  # for chat, search and feedback

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An admin key (POLICYQA_ADMIN_API_KEYS).")


def _require_admin(settings: SettingsDep, key: Annotated[str | None, Depends(_api_key)]) -> None:
    check_admin_key(settings.admin_api_keys, key)


RequireAdmin = Depends(_require_admin)
