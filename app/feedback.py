"""Feedback on answers (有帮助 / 没帮助), stored in SQLite so staff can see which answers failed.

Only what the user typed and what we answered is kept: no IP address, no cookie, no user id.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    refused INTEGER NOT NULL CHECK (refused IN (0, 1)),
    answerer TEXT,
    doc_ids TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Feedback:
    id: int
    created_at: str
    question: str
    answer: str
    helpful: bool
    refused: bool
    answerer: str | None
    doc_ids: list[str]


class FeedbackStore:
    """One SQLite file; each write is its own transaction. Safe to share between request threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(
        self, question: str, answer: str, helpful: bool, refused: bool, answerer: str | None, doc_ids: list[str]
    ) -> int:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created_at, question, answer, helpful, refused, answerer, doc_ids) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (created, question, answer, int(helpful), int(refused), answerer, json.dumps(doc_ids)),
            )
            return int(cursor.lastrowid)

    def recent(self, limit: int = 50, unhelpful_only: bool = False) -> list[Feedback]:
        query = "SELECT * FROM feedback" + (" WHERE helpful = 0" if unhelpful_only else "")
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [Feedback(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5]), r[6], json.loads(r[7])) for r in rows]
