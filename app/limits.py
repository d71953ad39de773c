"""Protection for public endpoints: a per-client rate limit and a request body size limit."""

from __future__ import annotations

import threading
import time

from fastapi import Request
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import JSONResponse, Response


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


class BodySizeLimit(BaseHTTPMiddleware):
    """Refuse bodies larger than ``limit`` bytes (by Content-Length) before reading them; uploads have their own."""

    def __init__(self, app, limit: int, exempt_prefix: str = "/api/admin/") -> None:
        super().__init__(app)
        self.limit = limit
        self.exempt_prefix = exempt_prefix

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length", "")
        too_big = length.isdigit() and int(length) > self.limit
        if too_big and not request.url.path.startswith(self.exempt_prefix):
            return JSONResponse(
                status_code=413,
                content={"error": "payload_too_large", "detail": f"请求内容太大（最多 {self.limit // 1024} KB）"},
            )
        return await call_next(request)
