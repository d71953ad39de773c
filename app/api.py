"""The HTTP app: a factory, the lifespan that builds every singleton once, and the routers by area
(``app/routes/``: search, chat, admin, feedback, pages)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app.answering.chat import chat_service
from app.config import Settings
from app.conversations import ConversationLog
from app.documents import library_for
from app.errors import install_error_handlers
from app.limits import RateLimiter
from app.middleware import UPLOAD_SLACK, BodySizeLimit, SecurityHeaders
from app.routes import admin, chat, feedback, pages, search
from app.service import IndexJob, SearchService
from index.errors import IndexError_

log = logging.getLogger(__name__)


def _route_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = SearchService(settings)
        try:
            service.warm_up()
        except IndexError_ as exc:
            log.error("starting without an index: %s", exc)
        app.state.service = service
        app.state.chat = chat_service(service)
        if service.ready:
            app.state.chat.warm_up()
        app.state.log = ConversationLog(settings.db_path, settings.log_retention_days)
        app.state.index_job = IndexJob(settings)
        app.state.library = library_for(settings)  # one per app: its lock orders every change to the corpus
        app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        yield

    app = FastAPI(
        title="policyqa",
        description="Question answering over local education policy documents.",
        lifespan=lifespan,
        generate_unique_id_function=_route_id,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit,
        limit=settings.max_body_bytes,
        admin_limit=settings.upload_max_bytes + UPLOAD_SLACK,
        admin_keys=settings.admin_api_keys,
    )
    app.add_middleware(SecurityHeaders)
    for area in (search, admin, chat, feedback, pages):
        app.include_router(area.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    return app
