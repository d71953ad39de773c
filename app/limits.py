"""Protection for public endpoints: a per-client rate limit, a request body size limit, security headers."""

from __future__ import annotations

import threading
import time

from fastapi import Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:.0f}s")
        self.retry_after = retry_after


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
    """Refuse request bodies larger than ``limit`` bytes with 413, whether or not they declare a Content-Length:
    bytes are counted as they arrive and reading stops at the limit (a chunked upload cannot get past it).
    The admin API (uploads) is exempt: it has its own limit."""

    def __init__(self, app: ASGIApp, limit: int, exempt_prefix: str = "/api/admin/") -> None:
        self.app = app
        self.limit = limit
        self.exempt_prefix = exempt_prefix

    def _too_large(self) -> JSONResponse:
        return JSONResponse(
            status_code=413,
            content={"error": "payload_too_large", "detail": f"请求内容太大（最多 {self.limit // 1024} KB）"},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefix):
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.limit:
            await self._too_large()(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # FastAPI re-raises an HTTPException from body parsing; the error handlers render it
                    raise HTTPException(413, f"请求内容太大（最多 {self.limit // 1024} KB）")
            return message

        await self.app(scope, counted, send)


_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
_API_CSP = "default-src 'none'; frame-ancestors 'none'"


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
                headers.setdefault("Content-Security-Policy", _PAGE_CSP if html else _API_CSP)
                if html:
                    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            await send(message)

        await self.app(scope, receive, with_headers)
