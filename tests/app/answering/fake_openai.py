"""A stand-in for an outside LLM service that speaks the OpenAI chat-completions protocol over real HTTP.

The reply is scripted per test; requests are recorded so tests can see what the service was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Script:
    reply: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before each streamed piece
    piece: int = 4  # characters per SSE chunk
    condensed: str | None = None  # reply to the condense prompt
    requests: list[dict] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.script.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if self.script.status != 200:
            self.send_response(self.script.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "model overloaded"}}')
            return
        system = body["messages"][0]["content"]
        reply = self.script.condensed if "改写" in system and self.script.condensed else self.script.reply
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for i in range(0, len(reply), self.script.piece):
                time.sleep(self.script.delay)
                chunk = {"choices": [{"index": 0, "delta": {"content": reply[i : i + self.script.piece]}}]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)


@contextmanager
def fake_openai(script: Script) -> Iterator[str]:
    """Serve ``script`` on a free loopback port; yields the base URL (``http://127.0.0.1:PORT/v1``)."""
    handler = type("Handler", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
