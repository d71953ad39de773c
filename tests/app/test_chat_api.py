"""POST /api/chat as JSON and as Server-Sent Events (over a real uvicorn server), and its input limits."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.config import Settings

CITATION_FIELDS = {"n", "doc_id", "title", "region", "date", "section", "quote", "text"}


@pytest.fixture(scope="module")
def client(index_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(index_settings)) as client:
        yield client


def parse_sse(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


class TestJson:
    def test_answer_with_citations(self, client: TestClient) -> None:
        response = client.post("/api/chat", json={"question": "玉泉区每个年级的小学学位缺多少？"})
        assert response.status_code == 200
        body = response.json()
        assert body["refused"] is False and body["answerer"] == "extractive"
        assert "每个年级缺口1200学位" in body["answer"]
        assert set(body["citations"][0]) >= CITATION_FIELDS
        assert {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])} == {c["n"] for c in body["citations"]}

    def test_refusal(self, client: TestClient) -> None:
        body = client.post("/api/chat", json={"question": "上海市小学入学需要积分吗？"}).json()
        assert body["status"] == "refused" and body["refused"] is True and body["citations"] == []
        assert body["answer"].startswith("现有政策文件中没有上海市的相关规定")

    def test_related_is_the_third_state(self, client: TestClient) -> None:
        body = client.post("/api/chat", json={"question": "玉泉区小学几点上学？"}).json()
        assert body["status"] == "related" and body["refused"] is False
        assert body["answer"].startswith("未能确认文件中写明了具体时间。最相关的内容如下，请对照原文核实：")
        assert body["citations"]

    def test_history_carries_the_topic(self, client: TestClient) -> None:
        history = [
            {"role": "user", "content": "玉泉区每个年级的小学学位缺多少？"},
            {"role": "assistant", "content": "每个年级缺口1200学位。[1]"},
        ]
        body = client.post("/api/chat", json={"question": "那初中呢？", "history": history}).json()
        assert "公办初中只能提供2800个学位" in body["answer"]

    def test_a_null_history_is_no_history(self, client: TestClient) -> None:
        # a client sending every field, empty ones as null (outsider probe, session 12: it was a 422)
        response = client.post("/api/chat", json={"question": "玉泉区小学学位缺多少？", "history": None})
        assert response.status_code == 200 and response.json()["status"] == "answered"

    @pytest.mark.parametrize(
        ("payload", "field", "message"),
        [
            ({"question": ""}, "question", "问题不能为空"),
            ({"question": "学" * 501}, "question", "问题太长了"),
            ({}, "question", "缺少参数 question"),
            ({"question": "学位", "stream": "maybe"}, "stream", "true 或 false"),
            ({"question": "学位", "colour": "red"}, "colour", "不支持的参数 colour"),
            ({"question": "学位", "history": [{"role": "system", "content": "x"}]}, "history.0.role", "取值无效"),
            ({"question": "学位", "history": [{"role": "user", "content": "问"}] * 21}, "history", "对话记录太长"),
            ({"question": "学位", "history": [{"role": "user", "content": "问" * 2001}]}, "history", "单条消息太长"),
        ],
    )
    def test_limits_are_readable_422s(self, client: TestClient, payload: dict, field: str, message: str) -> None:
        response = client.post("/api/chat", json=payload)
        assert response.status_code == 422
        body = response.json()
        assert body["errors"][0]["field"] == field
        assert message in body["detail"]

    def test_a_blank_region_is_no_region(self, client: TestClient) -> None:
        body = client.post("/api/chat", json={"question": "玉泉区每个年级的小学学位缺多少？", "region": "  "}).json()
        assert body["status"] == "answered" and "1200" in body["answer"]
        results = client.get("/api/search", params={"q": "教师", "region": " "}).json()["results"]
        assert results

    def test_malformed_json_is_a_422(self, client: TestClient) -> None:
        response = client.post("/api/chat", content=b"{not json", headers={"Content-Type": "application/json"})
        assert response.status_code == 422 and response.json()["error"] == "invalid_request"


class TestStreaming:
    def test_event_order_over_a_real_server(self, live_server: str) -> None:
        with httpx.stream(
            "POST", f"{live_server}/api/chat", json={"question": "玉泉区教师缺编多少人？", "stream": True}, timeout=30
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            body = "".join(response.iter_text())
        events = parse_sse(body)
        names = [name for name, _ in events]
        assert names[-2:] == ["citations", "done"]
        assert set(names[:-2]) == {"token"} and len(names) > 3
        answer = events[-2][1]
        assert "".join(data["text"] for name, data in events if name == "token") == answer["answer"]
        assert "719名" in answer["answer"] and answer["citations"][0]["n"] == 1

    def test_refusal_streams_too(self, live_server: str) -> None:
        response = httpx.post(
            f"{live_server}/api/chat", json={"question": "上海市小学入学需要积分吗？", "stream": True}, timeout=30
        )
        events = parse_sse(response.text)
        assert [n for n, _ in events] == ["token", "citations", "done"]
        assert events[1][1]["refused"] is True and events[1][1]["status"] == "refused"

    def test_without_an_index_streaming_is_a_503_not_a_broken_stream(self, tmp_path) -> None:
        with TestClient(create_app(Settings(index_dir=tmp_path))) as client:
            response = client.post("/api/chat", json={"question": "学位", "stream": True})
        assert response.status_code == 503 and response.json()["error"] == "index_unavailable"
