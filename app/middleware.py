"""ASGI middleware of the app: a request body size limit (with the admin key checked before an upload is read)
and security headers."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import SecretStr
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import AdminAuthError, check_admin_key
from app.documents import size_label
from app.errors import error_response, json_error

ADMIN_PREFIX = "/api/admin/"
UPLOAD_SLACK = 1024 * 1024  # form fields and boundaries around an upload


class BodySizeLimit:
    """Refuse request bodies larger than the limit with 413, whether or not they declare a Content-Length:
    bytes are counted as they arrive and reading stops at the limit (a chunked body cannot get past it).

    Public routes: ``limit``. The admin API (uploads): ``admin_limit``, and only once the admin key checks out —
    a request without a valid key is answered 401/403 before a byte of its body is read."""

    def __init__(self, app: ASGIApp, limit: int, admin_limit: int, admin_keys: Sequence[SecretStr]) -> None:
        self.app = app
        self.limit = limit
        self.admin_limit = admin_limit
        self.admin_keys = admin_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit
        if scope["path"].startswith(ADMIN_PREFIX):
            try:
                check_admin_key(self.admin_keys, headers.get("x-api-key"))
            except AdminAuthError as exc:
                await error_response(exc)(scope, receive, send)
                return
            limit = self.admin_limit
        message = f"请求内容太大（最多 {size_label(limit)}）"
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await json_error(413, "payload_too_large", message)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message_in = await receive()
            if message_in["type"] == "http.request":
                received += len(message_in.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException from body parsing; the error handlers render it
                    raise HTTPException(413, message)
            return message_in

        await self.app(scope, counted, send)


_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
# FastAPI's interactive docs (/docs, /redoc) load Swagger UI / ReDoc from a CDN with an inline script
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; worker-src blob:; frame-ancestors 'self'"
)
_DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """``nosniff`` and a referrer policy on every response; a strict CSP on every one. The chat page may only be
    framed by itself (the widget is a script on the host page, not a frame, so embedding it is unaffected); it
    needs no inline script (the widget injects its styles, hence ``style-src 'unsafe-inline'``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                html = headers.get("content-type", "").startswith("text/html")
                csp = _DOCS_CSP if scope["path"].startswith(_DOCS_PATHS) else _PAGE_CSP if html else _API_CSP
                headers.setdefault("Content-Security-Policy", csp)
                if html:
                    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            await send(message)

        await self.app(scope, receive, with_headers)
