"""The conversation log (SQLite): what was asked, what was answered, how fast, and whether it helped.

Only what the user typed and what we answered is kept: no IP address, cookie or user id. Rows older than
``retention_days`` are deleted at start-up and whenever a report is made.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.answering.models import Answer

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
    status TEXT
);
CREATE INDEX IF NOT EXISTS conversations_created ON conversations (created_at);
"""


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


class ConversationLog:
    """One SQLite file (WAL); each write is its own transaction. Safe to share between request threads."""

    def __init__(self, path: Path, retention_days: int = 90) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(conversations)")}
            if "status" not in columns:  # a log written before answers had three states
                db.execute("ALTER TABLE conversations ADD COLUMN status TEXT")
        self.purge()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, question: str, answer: Answer, latency_ms: float) -> int:
        citations = [{"n": c.n, "doc_id": c.doc_id, "title": c.title, "quote": c.quote} for c in answer.citations]
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO conversations (created_at, question, answer, citations, refused, refusal_reason, "
                "answerer, latency_ms, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _now().isoformat(timespec="seconds"),
                    question,
                    answer.answer,
                    json.dumps(citations, ensure_ascii=False),
                    int(answer.refused),
                    answer.refusal_reason,
                    answer.answerer,
                    round(latency_ms, 1),
                    answer.status,
                ),
            )
            return int(cursor.lastrowid)

    def set_feedback(self, conversation_id: int, helpful: bool) -> bool:
        """Record 有帮助/没帮助; False when there is no such conversation (or it has expired)."""
        with self._lock, self._connect() as db:
            cursor = db.execute("UPDATE conversations SET helpful = ? WHERE id = ?", (int(helpful), conversation_id))
            return cursor.rowcount == 1

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
        with self._connect() as db:
            rows = db.execute(query, params).fetchall()
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
        cutoff = (_now() - timedelta(days=self.retention_days)).isoformat(timespec="seconds")
        with self._lock, self._connect() as db:
            return db.execute("DELETE FROM conversations WHERE created_at < ?", (cutoff,)).rowcount
