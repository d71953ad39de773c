"""Protection for public endpoints: a per-client rate limit, a request body size limit, security headers."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from fastapi import Request
from pydantic import SecretStr
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import check_admin_key
from app.documents import size_label
from app.errors import AdminAuthError, RateLimited

ADMIN_PREFIX = "/api/admin/"
UPLOAD_SLACK = 1024 * 1024  # form fields and boundaries around an upload


class RateLimiter:
    """Token bucket per client (in memory, per process): ``burst`` at once, then ``per_minute``."""

    def __init__(self, per_minute: int, burst: int, max_clients: int = 50_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, client: str) -> None:
        """Take one token for ``client`` or raise ``RateLimited`` with the seconds to wait."""
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                raise RateLimited((1.0 - tokens) / self.rate)
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > self.max_clients:  # forget idle clients (their buckets are full again)
                full = [k for k, (t, seen) in self._buckets.items() if t + (now - seen) * self.rate >= self.burst]
                for key in full:
                    del self._buckets[key]


def client_key(request: Request) -> str:
    """The client's IP. Behind a reverse proxy, run uvicorn with --proxy-headers/--forwarded-allow-ips."""
    return request.client.host if request.client else "unknown"


def rate_limit(request: Request) -> None:
    """Dependency for chat and search."""
    request.app.state.rate_limiter.check(client_key(request))


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

    @staticmethod
    def _refuse(status: int, code: str, detail: str) -> JSONResponse:
        return JSONResponse(status_code=status, content={"error": code, "detail": detail})

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
                code = "unauthorized" if exc.status == 401 else "forbidden"
                await self._refuse(exc.status, code, exc.message)(scope, receive, send)
                return
            limit = self.admin_limit
        message = f"请求内容太大（最多 {size_label(limit)}）"
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await self._refuse(413, "payload_too_large", message)(scope, receive, send)
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
