"""The chat page, the widget file (caching), feedback storage and the CORS allowlist, through a real client."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.config import Settings
from app.feedback import FeedbackStore
from tests.conftest import ROOT

ALLOWED = "https://school.example"


@pytest.fixture
def settings(index_settings: Settings, tmp_path: Path) -> Settings:
    return index_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3", "cors_origins": [ALLOWED]})


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


def test_feedback_is_stored_in_sqlite(client: TestClient, settings: Settings) -> None:
    body = {
        "question": "玉泉区教师缺编多少人？",
        "answer": "……719名。[1]",
        "helpful": False,
        "answerer": "extractive",
        "doc_ids": ["001_b2c1ccd4563cbf07"],
    }
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 201
    stored = FeedbackStore(settings.feedback_db).recent(unhelpful_only=True)
    assert [(f.question, f.helpful, f.doc_ids) for f in stored] == [
        ("玉泉区教师缺编多少人？", False, ["001_b2c1ccd4563cbf07"])
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": "", "answer": "a", "helpful": True}, "question"),
        ({"question": "q", "answer": "a"}, "helpful"),
        ({"question": "q", "answer": "a", "helpful": True, "ip": "1.2.3.4"}, "ip"),
        ({"question": "q", "answer": "a", "helpful": True, "doc_ids": ["x"] * 21}, "doc_ids"),
    ],
)
def test_bad_feedback_is_rejected_and_nothing_is_stored(
    client: TestClient, settings: Settings, body: dict, field: str
) -> None:
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    assert FeedbackStore(settings.feedback_db).recent() == []


def test_cors_allows_only_listed_origins(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = client.options("/api/chat", headers={"Origin": ALLOWED, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ALLOWED
    refused = client.options("/api/chat", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    simple = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_feedback_cli_lists_unhelpful_answers(settings: Settings) -> None:
    FeedbackStore(settings.feedback_db).add("问题甲", "回答甲", True, False, "extractive", [])
    FeedbackStore(settings.feedback_db).add("问题乙", "回答乙", False, False, "extractive", [])
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "feedback", "--unhelpful", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"POLICYQA_FEEDBACK_DB": str(settings.feedback_db), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert [r["question"] for r in json.loads(result.stdout)] == ["问题乙"]
