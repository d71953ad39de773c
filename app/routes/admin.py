"""The admin API (staff): documents, re-indexing, index status and the gaps report. Every route needs a key
from ``POLICYQA_ADMIN_API_KEYS`` in the ``X-API-Key`` header, compared in constant time."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from app.deps import IndexJobDep, LibraryDep, LogDep, RequireAdmin, SearchDep, SettingsDep
from app.documents import UploadTooLarge, size_label
from app.report import build_report
from app.schemas import DocumentOut
from app.service import SearchService, encoder_for
from ingest.models import DocumentMetadata

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[RequireAdmin])


def _indexed_ids(service: SearchService) -> set[str]:
    manifest = service.store.read_manifest()
    return set(manifest.documents) if manifest else set()


async def _read_upload(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(f"文件太大（最多 {size_label(limit)}）")
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
def list_documents(service: SearchDep, library: LibraryDep) -> list[DocumentOut]:
    indexed = _indexed_ids(service)
    return [DocumentOut.from_library(d, indexed) for d in library.list()]


@router.post("/documents", status_code=201, response_model=DocumentOut)
async def upload_document(
    service: SearchDep, library: LibraryDep, file: UploadDep, metadata: MetadataDep
) -> DocumentOut:
    """Add a document (.txt .md .html .pdf .docx) with its metadata. Re-index to make it searchable."""
    data = await _read_upload(file, library.max_bytes)
    doc = await run_in_threadpool(library.save, file.filename or "", data, metadata)
    return DocumentOut.from_library(doc, _indexed_ids(service))


@router.put("/documents/{doc_id}", response_model=DocumentOut)
async def replace_document(
    service: SearchDep, doc_id: str, library: LibraryDep, file: UploadDep, metadata: MetadataDep
) -> DocumentOut:
    """Replace a document's file and metadata (the file keeps its name, so its id stays the same)."""
    current = library.find(doc_id)
    data = await _read_upload(file, library.max_bytes)
    doc = await run_in_threadpool(library.save, current.file, data, metadata, True)
    return DocumentOut.from_library(doc, _indexed_ids(service))


@router.delete("/documents/{doc_id}", status_code=204)
def delete_document(doc_id: str, library: LibraryDep) -> Response:
    library.remove(doc_id)
    return Response(status_code=204)


@router.post("/reindex", status_code=202)
def reindex(job: IndexJobDep) -> dict:
    """Start re-indexing the corpus in the background; the old index serves until the new one is switched in."""
    job.start()
    return {"status": "started"}


@router.get("/index")
def index_status(service: SearchDep, job: IndexJobDep) -> dict:
    manifest = service.store.read_manifest()
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
    settings: SettingsDep,
    conversations: LogDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    top: Annotated[int, Query(ge=1, le=200)] = 20,
    format: Literal["json", "csv"] = "json",
) -> dict | Response:
    """Most asked, refused and 没帮助 questions, grouped by similarity: the gaps to fill in the corpus."""
    result = build_report(conversations, encoder_for(settings), days, top)
    if format == "csv":
        return Response(
            result.to_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="policyqa-report.csv"'},
        )
    return result.as_dict()
