"""The conversation log (SQLite): what was asked, what was answered, how fast, and whether it helped.

Only what the user typed and what we answered is kept: no IP address, cookie or user id, and ID-card,
phone and bank-card numbers in the question are masked before anything is stored (``mask_personal``). Rows
older than ``retention_days`` are deleted at start-up and whenever a report is made.

Logging is best-effort: the answer reaches the user whatever happens to the log. A database that cannot be
opened (corrupt, read-only, locked, no space) disables logging with a warning instead of stopping the server;
a write that fails is logged and skipped. ``error`` holds the last problem, which ``/api/health`` reports.
Each conversation gets an unguessable ``token``; feedback needs it (ids are sequential and guessable).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.answering.models import Answer

log = logging.getLogger(__name__)

# A run of digits, possibly grouped by spaces or dashes (138-1234-5678, 1501 0219 9001 0112 34), classified by
# how many digits it has; a landline with its area code is separate.
_DIGIT_RUN = re.compile(r"(?<![\dA-Za-z])\d(?:[ \-]?\d){10,18}(?:[ \-]?[Xx])?(?![\dA-Za-z])")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[ \-]?\d{7,8}(?!\d)")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ－", "0123456789Xx-")


def _label(match: re.Match[str]) -> str:
    digits = re.sub(r"[ \-]", "", match.group(0))
    if len(digits) in (15, 18) and re.fullmatch(r"[1-9]\d{14}|[1-9]\d{16}[\dXx]", digits):
        return "[身份证号]"
    if len(digits) == 11 and re.fullmatch(r"1[3-9]\d{9}", digits):
        return "[手机号]"
    if 13 <= len(digits) <= 19 and digits.isdigit():
        return "[卡号]"
    return match.group(0)


def mask_personal(text: str) -> str:
    """``text`` with ID-card, mobile, bank-card and landline numbers (also grouped or full-width) replaced by a
    label."""
    text = _DIGIT_RUN.sub(_label, text.translate(_FULL_WIDTH))
    return _LANDLINE.sub("[电话号码]", text)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    refused INTEGER NOT NULL,
    refusal_reason TEXT,
    answerer TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    helpful INTEGER CHECK (helpful IN (0, 1)),
    status TEXT,
    token TEXT
);
CREATE INDEX IF NOT EXISTS conversations_created ON conversations (created_at);
"""
_MIGRATIONS = {
    "status": "ALTER TABLE conversations ADD COLUMN status TEXT",
    "token": "ALTER TABLE conversations ADD COLUMN token TEXT",
}


@dataclass(frozen=True)
class Conversation:
    id: int
    created_at: str
    question: str
    answer: str
    citations: list[dict]
    refused: bool
    refusal_reason: str | None
    answerer: str
    latency_ms: float
    helpful: bool | None
    status: str


def _now() -> datetime:
    return datetime.now(UTC)


_SKIP_AFTER_FAILURE = 5  # seconds


class LogUnavailable(Exception):
    """The conversation log cannot be read or written right now (feedback and reports need it)."""


@dataclass(frozen=True)
class Recorded:
    """A logged conversation: its id, and the token that feedback on it must carry."""

    id: int
    token: str


class ConversationLog:
    """One SQLite file (WAL); each write is its own transaction. Safe to share between request threads."""

    def __init__(self, path: Path, retention_days: int = 90, timeout: float = 0.25) -> None:
        """``timeout``: how long a write waits for a lock held by someone else before it is skipped."""
        self.path = Path(path)
        self.retention_days = retention_days
        self.timeout = timeout
        self._lock = threading.Lock()  # schema changes and purges only; SQLite orders concurrent writes itself
        self.enabled = True
        self.error: str | None = None
        self._skip_until = 0.0  # after a failed write, later ones are skipped for a while (no pile-up)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                columns = {row[1] for row in db.execute("PRAGMA table_info(conversations)")}
                for column, statement in _MIGRATIONS.items():  # a log written by an older version
                    if column not in columns:
                        db.execute(statement)
                db.execute("CREATE INDEX IF NOT EXISTS conversations_token ON conversations (token)")
        except (sqlite3.Error, OSError) as exc:
            self.enabled = False
            self.error = f"conversation log disabled: {self.path}: {exc}"
            log.warning("%s; answering goes on without logging", self.error)
            return
        try:
            self.purge()
        except LogUnavailable as exc:
            log.warning("%s; old conversations are deleted at the next report", exc)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self.timeout)

    def record(self, question: str, answer: Answer, latency_ms: float) -> Recorded | None:
        """Log one exchange; None (and a warning) when the log is unusable — the answer is sent all the same."""
        if not self.enabled or time.monotonic() < self._skip_until:
            return None
        citations = [{"n": c.n, "doc_id": c.doc_id, "title": c.title, "quote": c.quote} for c in answer.citations]
        token = secrets.token_urlsafe(16)
        try:
            with self._connect() as db:
                cursor = db.execute(
                    "INSERT INTO conversations (created_at, question, answer, citations, refused, refusal_reason, "
                    "answerer, latency_ms, status, token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        _now().isoformat(timespec="seconds"),
                        mask_personal(question),
                        answer.answer,
                        json.dumps(citations, ensure_ascii=False),
                        int(answer.refused),
                        answer.refusal_reason,
                        answer.answerer,
                        round(latency_ms, 1),
                        answer.status,
                        token,
                    ),
                )
                assert cursor.lastrowid is not None  # an INSERT sets it
                recorded = Recorded(cursor.lastrowid, token)
        except (sqlite3.Error, OSError) as exc:
            self.error = f"could not write to the conversation log {self.path}: {exc}"
            self._skip_until = time.monotonic() + _SKIP_AFTER_FAILURE
            log.warning("%s; answers are sent without being logged for %d s", self.error, _SKIP_AFTER_FAILURE)
            return None
        self.error = None
        return recorded

    def set_feedback(self, token: str, helpful: bool) -> bool:
        """Record 有帮助/没帮助 for the conversation with ``token``; False when there is none (or it expired)."""
        if not self.enabled:
            raise LogUnavailable(self.error or "conversation log disabled")
        try:
            with self._connect() as db:
                cursor = db.execute("UPDATE conversations SET helpful = ? WHERE token = ?", (int(helpful), token))
                return cursor.rowcount == 1
        except (sqlite3.Error, OSError) as exc:
            raise LogUnavailable(f"could not write feedback to {self.path}: {exc}") from exc

    def since(
        self, days: int | None = None, unhelpful_only: bool = False, limit: int | None = None
    ) -> list[Conversation]:
        clauses, params = [], []
        if days is not None:
            clauses.append("created_at >= ?")
            params.append((_now() - timedelta(days=days)).isoformat(timespec="seconds"))
        if unhelpful_only:
            clauses.append("helpful = 0")
        columns = "id, created_at, question, answer, citations, refused, refusal_reason, answerer, latency_ms, helpful"
        query = f"SELECT {columns}, status FROM conversations" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        query += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        if not self.enabled:
            raise LogUnavailable(self.error or "conversation log disabled")
        try:
            with self._connect() as db:
                rows = db.execute(query, params).fetchall()
        except (sqlite3.Error, OSError) as exc:
            raise LogUnavailable(f"could not read the conversation log {self.path}: {exc}") from exc
        return [
            Conversation(
                r[0],
                r[1],
                r[2],
                r[3],
                json.loads(r[4]),
                bool(r[5]),
                r[6],
                r[7],
                r[8],
                None if r[9] is None else bool(r[9]),
                r[10] or ("refused" if r[5] else "answered"),
            )
            for r in rows
        ]

    def purge(self) -> int:
        """Delete conversations older than the retention period; returns how many."""
        if not self.enabled:
            return 0
        cutoff = (_now() - timedelta(days=self.retention_days)).isoformat(timespec="seconds")
        try:
            with self._lock, self._connect() as db:
                return db.execute("DELETE FROM conversations WHERE created_at < ?", (cutoff,)).rowcount
        except (sqlite3.Error, OSError) as exc:
            raise LogUnavailable(f"could not purge the conversation log {self.path}: {exc}") from exc
