"""``GET /api/health`` and ``GET /api/search``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from app.deps import LogDep, RateLimit, SearchDep, SettingsDep
from app.errors import InvalidRequest
from app.schemas import Health, SearchResponse, SearchResult
from index.errors import IndexError_
from index.retrieve import SearchFilters
from ingest.metadata import ISO_DATE, iso_date

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(service: SearchDep, conversations: LogDep) -> Health | JSONResponse:
    """200 when an index is loaded and searchable, 503 (with the reason) otherwise. A conversation log that
    cannot be written is reported but is not unhealthy: answers are still sent."""
    log_state = conversations.error or "ok"
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
    service: SearchDep,
    settings: SettingsDep,
    q: Annotated[str, Query(description="The question, in Chinese.", max_length=2000)],
    k: Annotated[int, Query(ge=1, description="How many passages to return.")] = 5,
    region: Annotated[str | None, Query(description="Only documents of this place (玉泉区, 包头市 …).")] = None,
    doc_id: Annotated[str | None, Query(description="Only this document.")] = None,
    date_from: Annotated[
        str | None, Query(pattern=ISO_DATE, description="Documents dated on/after (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None, Query(pattern=ISO_DATE, description="Documents dated on/before (YYYY-MM-DD).")
    ] = None,
) -> SearchResponse:
    """Passages that answer ``q``, best first, each with its document's title, region, date and section."""
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
    filters = SearchFilters(region=(region or "").strip() or None, doc_id=doc_id, date_from=date_from, date_to=date_to)
    hits = service.search(question, k, filters)
    return SearchResponse(query=question, results=[SearchResult.from_hit(h) for h in hits])
