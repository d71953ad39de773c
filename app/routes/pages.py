"""The chat page (``GET /``) and the embeddable widget (``GET /widget.js``)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

STATIC = Path(__file__).parents[1] / "static"
WIDGET_CACHE = "public, max-age=3600"

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
def chat_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@cache
def _widget() -> tuple[bytes, str]:
    data = (STATIC / "widget.js").read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:20] + '"'


@router.get("/widget.js")
def widget(request: Request) -> Response:
    """Cacheable for an hour; after that the ETag lets a browser revalidate with a 304 and no body."""
    data, etag = _widget()
    headers = {"Cache-Control": WIDGET_CACHE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="text/javascript; charset=utf-8", headers=headers)
