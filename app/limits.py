"""The per-client rate limit of the public endpoints (chat, search, feedback)."""

from __future__ import annotations

import threading
import time

from fastapi import Request


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
