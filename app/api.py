"""The HTTP API: an app factory, the lifespan that loads heavy objects once, and the routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from app.admin_api import IndexJob
from app.admin_api import router as admin_router
from app.answering.chat import chat_service
from app.chat_api import router as chat_router
from app.config import Settings
from app.conversations import ConversationLog
from app.documents import library_for
from app.errors import InvalidRequest, install_error_handlers
from app.limits import UPLOAD_SLACK, BodySizeLimit, RateLimiter, SecurityHeaders, rate_limit
from app.service import SearchService
from app.web import pages
from app.web import router as feedback_router
from index.errors import IndexError_
from index.retrieve import Hit, SearchFilters
from ingest.metadata import iso_date

log = logging.getLogger(__name__)
_DATE = r"^\d{4}-\d{2}-\d{2}$"


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
        c, m = hit.chunk, hit.chunk.metadata
        return cls(
            text=c.text,
            doc_id=c.doc_id,
            title=m.title,
            region=m.region,
            region_source=m.region_source,
            ocr=m.ocr,
            date=m.date,
            section=c.section_path,
            score=hit.score,
            chunk_id=c.chunk_id,
            publisher=m.publisher,
            source_url=m.source_url,
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


def get_service(request: Request) -> SearchService:
    return request.app.state.service


ServiceDep = Annotated[SearchService, Depends(get_service)]
router = APIRouter(prefix="/api", tags=["search"])
RateLimit = Depends(rate_limit)


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(service: ServiceDep, request: Request) -> Health | JSONResponse:
    """200 when an index is loaded and searchable, 503 (with the reason) otherwise. A conversation log that
    cannot be written is reported but is not unhealthy: answers are still sent."""
    log_state = request.app.state.log.error or "ok"
    try:
        index = service.retriever.index
    except IndexError_ as exc:
        content = Health(status="unavailable", detail=str(exc), conversation_log=log_state).model_dump()
        return JSONResponse(status_code=503, content=content)
    return Health(
        status="ok",
        build=index.build_id,
        documents=len(index.doc_ids),
        passages=len(index.chunks),
        encoder=index.encoder_id,
        detail=service.reload_error,
        conversation_log=log_state,
    )


@router.get("/search", response_model=SearchResponse, dependencies=[RateLimit])
def search(
    service: ServiceDep,
    q: Annotated[str, Query(description="The question, in Chinese.", max_length=2000)],
    k: Annotated[int, Query(ge=1, description="How many passages to return.")] = 5,
    region: Annotated[str | None, Query(description="Only documents of this place (玉泉区, 包头市 …).")] = None,
    doc_id: Annotated[str | None, Query(description="Only this document.")] = None,
    date_from: Annotated[str | None, Query(pattern=_DATE, description="Documents dated on/after (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, Query(pattern=_DATE, description="Documents dated on/before (YYYY-MM-DD).")] = None,
) -> SearchResponse:
    """Passages that answer ``q``, best first, each with its document's title, region, date and section."""
    settings = service.settings
    question = q.strip()
    if not question:
        raise InvalidRequest("q", "参数 q 不能为空，请输入问题")
    if len(question) > settings.max_question_chars:
        raise InvalidRequest("q", f"问题太长（最多 {settings.max_question_chars} 个字）")
    if k > settings.max_k:
        raise InvalidRequest("k", f"参数 k 必须在 1 到 {settings.max_k} 之间")
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value and iso_date(value) != value:
            raise InvalidRequest(name, f"参数 {name} 不是有效日期（格式 YYYY-MM-DD）")
    filters = SearchFilters(region=region, doc_id=doc_id, date_from=date_from, date_to=date_to)
    hits = service.search(question, k, filters)
    return SearchResponse(query=question, results=[SearchResult.from_hit(h) for h in hits])


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
        yield

    app = FastAPI(
        title="policyqa",
        description="Question answering over local education policy documents.",
        lifespan=lifespan,
        generate_unique_id_function=_route_id,
    )
    app.state.settings = settings
    app.state.library = library_for(settings)  # one per app: its lock orders every change to the corpus
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit,
        limit=settings.max_body_bytes,
        admin_limit=settings.upload_max_bytes + UPLOAD_SLACK,
        admin_keys=settings.admin_api_keys,
    )
    app.add_middleware(SecurityHeaders)
    app.include_router(router)
    app.include_router(admin_router)
    app.include_router(chat_router)
    app.include_router(feedback_router)
    app.include_router(pages)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    return app
