"""The admin API (staff): documents, re-indexing, index status and the gaps report. Every route needs a key
from ``POLICYQA_ADMIN_API_KEYS`` in the ``X-API-Key`` header, compared in constant time."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.security import APIKeyHeader
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from app.auth import check_admin_key
from app.config import Settings
from app.conversations import ConversationLog
from app.documents import DocumentLibrary, UploadRejected, size_label
from app.report import build_report
from app.service import SearchService, encoder_for, ingest_directory
from ingest.models import DocumentMetadata

log = logging.getLogger(__name__)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An admin key (POLICYQA_ADMIN_API_KEYS).")


def require_admin(request: Request, key: Annotated[str | None, Depends(_api_key)]) -> None:
    check_admin_key(request.app.state.settings.admin_api_keys, key)


router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class IndexJob:
    """One background re-index at a time; the server picks up the new build by itself when it is switched in."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.last: dict | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        with self._lock:
            if self.running:
                return False
            self._thread = threading.Thread(target=self._run, name="reindex", daemon=True)
            self._thread.start()
            return True

    def _run(self) -> None:
        started = time.time()
        try:
            outcome = ingest_directory(self.settings, progress=False)
            report = outcome.build
            self.last = {
                "ok": report is not None,
                "finished_at": time.time(),
                "seconds": round(time.time() - started, 1),
                "skipped": [str(e) for e in outcome.corpus.errors],
                "cleaning": [
                    {"file": d.path, "kept": d.kept_chars, "removed": d.removed_chars}
                    for d in outcome.corpus.documents
                    if d.removed_chars
                ],
                "build": asdict(report) if report else None,
            }
        except Exception as exc:  # reported in /api/admin/index; the previous index keeps serving
            log.exception("re-index failed")
            self.last = {"ok": False, "finished_at": time.time(), "error": str(exc)}


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


def _library(request: Request) -> DocumentLibrary:
    return request.app.state.library


LibraryDep = Annotated[DocumentLibrary, Depends(_library)]


def _indexed_ids(request: Request) -> set[str]:
    manifest = request.app.state.service.store.read_manifest()
    return set(manifest.documents) if manifest else set()


def _out(doc, indexed: set[str]) -> DocumentOut:
    m = doc.metadata
    return DocumentOut(
        doc_id=doc.doc_id,
        file=doc.file,
        size=doc.size,
        title=m.title,
        region=m.region,
        publisher=m.publisher,
        date=m.date,
        source_url=m.source_url,
        indexed=doc.doc_id in indexed,
    )


async def _read_upload(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(f"文件太大（最多 {size_label(limit)}）", 413)
    return data


Text = Annotated[str | None, Form(max_length=300)]


def metadata_form(
    title: Text = None, region: Text = None, publisher: Text = None, date: Text = None, source_url: Text = None
) -> DocumentMetadata:
    """The metadata form fields of an upload; blank means unknown."""
    return DocumentMetadata(
        title=title or None,
        region=region or None,
        publisher=publisher or None,
        date=date or None,
        source_url=source_url or None,
    )


MetadataDep = Annotated[DocumentMetadata, Depends(metadata_form)]
UploadDep = Annotated[UploadFile, File(description="A .txt .md .html .pdf or .docx file.")]


@router.get("/documents", response_model=list[DocumentOut])
def list_documents(request: Request, library: LibraryDep) -> list[DocumentOut]:
    indexed = _indexed_ids(request)
    return [_out(d, indexed) for d in library.list()]


@router.post("/documents", status_code=201, response_model=DocumentOut)
async def upload_document(request: Request, library: LibraryDep, file: UploadDep, metadata: MetadataDep) -> DocumentOut:
    """Add a document (.txt .md .html .pdf .docx) with its metadata. Re-index to make it searchable."""
    data = await _read_upload(file, library.max_bytes)
    doc = await run_in_threadpool(library.save, file.filename or "", data, metadata)
    return _out(doc, _indexed_ids(request))


@router.put("/documents/{doc_id}", response_model=DocumentOut)
async def replace_document(
    request: Request, doc_id: str, library: LibraryDep, file: UploadDep, metadata: MetadataDep
) -> DocumentOut:
    """Replace a document's file and metadata (the file keeps its name, so its id stays the same)."""
    current = library.find(doc_id)
    data = await _read_upload(file, library.max_bytes)
    doc = await run_in_threadpool(library.save, current.file, data, metadata, True)
    return _out(doc, _indexed_ids(request))


@router.delete("/documents/{doc_id}", status_code=204)
def delete_document(doc_id: str, library: LibraryDep) -> Response:
    library.remove(doc_id)
    return Response(status_code=204)


@router.post("/reindex", status_code=202)
def reindex(request: Request) -> dict:
    """Start re-indexing the corpus in the background; the old index serves until the new one is switched in."""
    if not request.app.state.index_job.start():
        raise UploadRejected("已有索引任务在运行，请稍后再试", 409)
    return {"status": "started"}


@router.get("/index")
def index_status(request: Request) -> dict:
    service: SearchService = request.app.state.service
    manifest = service.store.read_manifest()
    job: IndexJob = request.app.state.index_job
    return {
        "build": service.store.current_path.name if service.store.current_path else None,
        "built_at": manifest.created_at if manifest else None,
        "documents": len(manifest.documents) if manifest else 0,
        "passages": manifest.passages if manifest else 0,
        "encoder": manifest.encoder_id if manifest else None,
        "reindex_running": job.running,
        "last_reindex": job.last,
    }


@router.get("/report", response_model=None)
def report(
    request: Request,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    top: Annotated[int, Query(ge=1, le=200)] = 20,
    format: Literal["json", "csv"] = "json",
) -> dict | Response:
    """Most asked, refused and 没帮助 questions, grouped by similarity: the gaps to fill in the corpus."""
    settings: Settings = request.app.state.settings
    conversation_log: ConversationLog = request.app.state.log
    result = build_report(conversation_log, encoder_for(settings), days, top)
    if format == "csv":
        return Response(
            result.to_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="policyqa-report.csv"'},
        )
    return result.as_dict()
