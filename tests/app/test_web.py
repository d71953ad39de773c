"""The chat page, the widget file (caching), the conversation log with feedback, and the CORS allowlist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.config import Settings
from app.conversations import ConversationLog

ALLOWED = "https://school.example"


@pytest.fixture
def settings(index_settings: Settings, tmp_path: Path) -> Settings:
    return index_settings.model_copy(update={"db_path": tmp_path / "policyqa.sqlite3", "cors_origins": [ALLOWED]})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def test_chat_page_loads_the_widget_in_page_mode(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/widget.js" data-mode="page"' in page.text


def test_widget_is_cacheable_and_revalidates_with_304(client: TestClient) -> None:
    first = client.get("/widget.js")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/javascript")
    assert first.headers["cache-control"] == "public, max-age=3600"
    assert len(first.content) < 20_000  # small enough for one tag on any page (docs/widget.md reports it)
    again = client.get("/widget.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_every_answer_is_logged_and_feedback_attaches_to_it(client: TestClient, settings: Settings) -> None:
    answer = client.post("/api/chat", json={"question": "玉泉区教师缺编多少人？"}).json()
    refusal = client.post("/api/chat", json={"question": "上海市小学入学需要积分吗？"}).json()
    assert (
        client.post("/api/feedback", json={"conversation_id": answer["conversation_id"], "helpful": False}).status_code
        == 204
    )
    rows = {r.id: r for r in ConversationLog(settings.db_path).since()}
    logged = rows[answer["conversation_id"]]
    assert logged.question == "玉泉区教师缺编多少人？" and "719名" in logged.answer
    assert logged.citations[0]["doc_id"] == "001_b2c1ccd4563cbf07" and logged.answerer == "extractive"
    assert logged.helpful is False and logged.latency_ms > 0
    assert rows[refusal["conversation_id"]].refused and rows[refusal["conversation_id"]].helpful is None


def test_feedback_for_an_unknown_conversation_is_a_404(client: TestClient) -> None:
    response = client.post("/api/feedback", json={"conversation_id": 999_999, "helpful": True})
    assert response.status_code == 404 and "找不到这条回答" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"conversation_id": 1}, "helpful"),
        ({"conversation_id": 0, "helpful": True}, "conversation_id"),
        ({"conversation_id": 1, "helpful": True, "ip": "1.2.3.4"}, "ip"),
    ],
)
def test_bad_feedback_is_rejected(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field


def test_retention_deletes_old_conversations(tmp_path: Path) -> None:
    import sqlite3

    from app.answering.models import Answer

    log = ConversationLog(tmp_path / "log.sqlite3", retention_days=30)
    old = log.record("旧问题", Answer("旧回答"), 5.0)
    new = log.record("新问题", Answer("新回答"), 5.0)
    with sqlite3.connect(tmp_path / "log.sqlite3") as db:
        db.execute("UPDATE conversations SET created_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old,))
    assert log.purge() == 1
    assert [r.id for r in log.since()] == [new]


def test_a_log_from_before_three_states_is_upgraded_in_place(tmp_path: Path) -> None:
    import sqlite3

    from app.answering.models import Answer

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the schema as it was, with one refused conversation in it
        db.execute(
            "CREATE TABLE conversations (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
            "question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL, refused INTEGER NOT NULL, "
            "refusal_reason TEXT, answerer TEXT NOT NULL, latency_ms REAL NOT NULL, helpful INTEGER)"
        )
        db.execute(
            "INSERT INTO conversations (created_at, question, answer, citations, refused, answerer, latency_ms) "
            "VALUES ('2999-01-01T00:00:00+00:00', '上海呢', '没有', '[]', 1, 'extractive', 3.0)"
        )
    log = ConversationLog(path)
    log.record("几点上学", Answer("没有在文件中找到明确的时间。", status="related"), 4.0)
    assert [(r.question, r.status, r.refused) for r in log.since()] == [
        ("几点上学", "related", False),
        ("上海呢", "refused", True),
    ]


def test_cors_allows_only_listed_origins(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = client.options("/api/chat", headers={"Origin": ALLOWED, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ALLOWED
    refused = client.options("/api/chat", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    simple = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers
