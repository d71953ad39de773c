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
    assert client.head("/").status_code == 200  # uptime checks use HEAD
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
    feedback = {"feedback_token": answer["feedback_token"], "helpful": False}
    assert client.post("/api/feedback", json=feedback).status_code == 204
    rows = {r.id: r for r in ConversationLog(settings.db_path).since()}
    logged = rows[answer["conversation_id"]]
    assert logged.question == "玉泉区教师缺编多少人？" and "719名" in logged.answer
    assert logged.citations[0]["doc_id"] == "001_b2c1ccd4563cbf07" and logged.answerer == "extractive"
    assert logged.helpful is False and logged.latency_ms > 0
    assert rows[refusal["conversation_id"]].refused and rows[refusal["conversation_id"]].helpful is None


def test_feedback_needs_the_conversations_token_not_its_guessable_id(client: TestClient) -> None:
    answer = client.post("/api/chat", json={"question": "玉泉区教师缺编多少人？"}).json()
    assert answer["conversation_id"] >= 1 and len(answer["feedback_token"]) >= 20
    for guess in ("x" * 22, str(answer["conversation_id"]).rjust(8, "0")):
        response = client.post("/api/feedback", json={"feedback_token": guess, "helpful": True})
        assert response.status_code == 404 and "找不到这条回答" in response.json()["detail"]
    old_style = client.post("/api/feedback", json={"conversation_id": 2**63, "helpful": True})
    assert old_style.status_code == 422


def test_feedback_is_rate_limited(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 1, "rate_limit_burst": 2})
    with TestClient(create_app(limited)) as client:
        codes = [
            client.post("/api/feedback", json={"feedback_token": "y" * 22, "helpful": True}).status_code
            for _ in range(4)
        ]
    assert codes[:2] == [404, 404] and 429 in codes[2:]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"feedback_token": "a" * 22}, "helpful"),
        ({"feedback_token": "", "helpful": True}, "feedback_token"),
        ({"feedback_token": "a" * 22, "helpful": True, "ip": "1.2.3.4"}, "ip"),
        ({"feedback_token": "a" * 22, "helpful": "yes"}, "helpful"),
        ({"feedback_token": "a" * 22, "helpful": 1}, "helpful"),
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
    assert old and new
    with sqlite3.connect(tmp_path / "log.sqlite3") as db:
        db.execute("UPDATE conversations SET created_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old.id,))
    assert log.purge() == 1
    assert [r.id for r in log.since()] == [new.id]


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
    log.record("几点上学", Answer("未能确认文件中写明了具体时间。", status="related"), 4.0)
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


def _sse_events(text: str) -> list[str]:
    return [line.removeprefix("event: ") for line in text.splitlines() if line.startswith("event: ")]


def test_a_corrupt_log_file_does_not_stop_the_server_or_the_answers(settings: Settings) -> None:
    settings.db_path.write_bytes(b"this is not a SQLite database" * 100)
    with TestClient(create_app(settings)) as client:
        health = client.get("/api/health").json()
        assert health["status"] == "ok" and "disabled" in health["conversation_log"]
        answer = client.post("/api/chat", json={"question": "玉泉区教师缺编多少人？"})
        assert answer.status_code == 200 and "719名" in answer.json()["answer"]
        assert answer.json()["feedback_token"] is None
        stream = client.post("/api/chat", json={"question": "玉泉区教师缺编多少人？", "stream": True})
        assert _sse_events(stream.text)[-2:] == ["citations", "done"]


def test_a_log_that_fails_to_write_still_answers_and_says_so(settings: Settings) -> None:
    import sqlite3

    with TestClient(create_app(settings)) as client:
        assert client.post("/api/chat", json={"question": "学位"}).json()["feedback_token"]
        with sqlite3.connect(settings.db_path) as db:  # another process holds the write lock
            db.execute("BEGIN EXCLUSIVE")
            client.app.state.log.timeout = 0.1
            answer = client.post("/api/chat", json={"question": "玉泉区教师缺编多少人？"})
            stream = client.post("/api/chat", json={"question": "玉泉区教师缺编多少人？", "stream": True})
            health = client.get("/api/health").json()
            feedback = client.post("/api/feedback", json={"feedback_token": "z" * 22, "helpful": True})
            assert feedback.status_code == 503 and "暂时无法使用" in feedback.json()["detail"]
        client.app.state.log._skip_until = 0.0  # the lock is gone: let the next write try at once
        assert answer.status_code == 200 and "719名" in answer.json()["answer"]
        assert answer.json()["conversation_id"] is None and answer.json()["feedback_token"] is None
        assert _sse_events(stream.text)[-2:] == ["citations", "done"]
        assert "conversation log" in health["conversation_log"]
        assert client.post("/api/chat", json={"question": "学位"}).json()["feedback_token"]  # recovered
        assert client.get("/api/health").json()["conversation_log"] == "ok"


def test_phone_and_id_numbers_are_masked_before_they_are_logged(client: TestClient, settings: Settings) -> None:
    question = "我手机13812345678，身份证110101201201011234，孩子能在玉泉区上学吗"
    client.post("/api/chat", json={"question": question})
    [logged] = [r for r in ConversationLog(settings.db_path).since() if "玉泉区上学" in r.question]
    assert "13812345678" not in logged.question and "110101201201011234" not in logged.question
    assert "[手机号]" in logged.question and "[身份证号]" in logged.question


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("138-1234-5678", "[手机号]"),
        ("138 1234 5678", "[手机号]"),
        ("１３８１２３４５６７８", "[手机号]"),
        ("1501 0219 9001 0112 34", "[身份证号]"),
        ("150102-19900101-1234", "[身份证号]"),
        ("15010219900101123X", "[身份证号]"),
        ("150102900101123", "[身份证号]"),
        ("6222021234567890123", "[卡号]"),
        ("0471-1234567", "[电话号码]"),
    ],
)
def test_personal_numbers_are_masked_however_they_are_written(typed: str, label: str) -> None:
    from app.conversations import mask_personal

    assert (
        mask_personal(f"我的号码{typed}，玉泉区2021-2025年新增学位7200个")
        == f"我的号码{label}，玉泉区2021-2025年新增学位7200个"
    )
