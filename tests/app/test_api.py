"""The HTTP API through a real client, and end to end through a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.config import Settings

RESULT_FIELDS = {"text", "doc_id", "title", "region", "date", "section", "score"}


@pytest.fixture(scope="module")
def client(index_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(index_settings)) as client:
        yield client


class TestSearch:
    def test_answers_with_sources(self, client: TestClient) -> None:
        response = client.get("/api/search", params={"q": "玉泉区教师缺编多少人？", "k": 3})
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == 3
        assert set(results[0]) >= RESULT_FIELDS
        top = results[0]
        assert "教师缺编共计719名" in top["text"]
        assert top["title"] == "玉泉区教育事业发展“十四五”规划(2021-2025)"
        assert top["region"] == "内蒙古自治区呼和浩特市玉泉区"
        assert top["date"] == "2022-07-04"
        assert top["section"].startswith("一、发展基础")
        assert results[0]["score"] >= results[1]["score"] >= results[2]["score"]

    def test_region_filter(self, client: TestClient) -> None:
        results = client.get("/api/search", params={"q": "教师", "k": 10, "region": "康巴什"}).json()["results"]
        assert results and {r["region"] for r in results} == {"内蒙古自治区鄂尔多斯市康巴什区"}

    @pytest.mark.parametrize(
        ("params", "field", "message"),
        [
            ({"q": ""}, "q", "参数 q 不能为空"),
            ({"q": "   "}, "q", "参数 q 不能为空"),
            ({}, "q", "缺少参数 q"),
            ({"q": "学位", "k": 0}, "k", "参数 k 不能小于 1"),
            ({"q": "学位", "k": 21}, "k", "参数 k 必须在 1 到 20 之间"),
            ({"q": "学位", "k": "many"}, "k", "参数 k 必须是整数"),
            ({"q": "学" * 501}, "q", "问题太长"),
            ({"q": "学位", "date_from": "2024/01/01"}, "date_from", "参数 date_from 格式不正确"),
        ],
    )
    def test_bad_input_is_a_readable_422(self, client: TestClient, params: dict, field: str, message: str) -> None:
        response = client.get("/api/search", params=params)
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "invalid_request"
        assert message in body["detail"]
        assert body["errors"][0]["field"] == field

    def test_health(self, client: TestClient) -> None:
        body = client.get("/api/health").json()
        assert body["status"] == "ok" and body["documents"] == 5 and body["passages"] > 100
        assert body["encoder"] == "use-multilingual-v3"

    def test_openapi_docs(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        assert spec["paths"]["/api/search"]["get"]["operationId"] == "search-search"
        assert client.get("/docs").status_code == 200

    def test_unknown_route_is_json(self, client: TestClient) -> None:
        response = client.get("/api/nothing")
        assert response.status_code == 404 and response.json()["error"] == "http_error"


def test_without_an_index_health_is_503_and_search_says_so(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(index_dir=tmp_path))) as client:
        health = client.get("/api/health")
        assert health.status_code == 503
        assert "policyqa ingest" in health.json()["detail"]
        search = client.get("/api/search", params={"q": "学位"})
        assert search.status_code == 503
        assert search.json()["detail"].startswith("服务暂时不可用")
        assert "Traceback" not in search.text


def test_the_server_log_says_which_index_it_serves(live_server: str, index_settings: Settings) -> None:
    port = live_server.rsplit(":", 1)[1]
    log = (index_settings.index_dir.parent / f"server-{port}.log").read_text("utf-8", errors="replace")
    assert "loaded index" in log and "passages" in log


def test_real_server_end_to_end(live_server: str) -> None:
    response = httpx.get(f"{live_server}/api/search", params={"q": "外地户口孩子能在玉泉区上公办小学吗"}, timeout=10)
    assert response.status_code == 200
    results = response.json()["results"]
    assert any("随迁子女" in r["text"] for r in results)
    assert all(r["region"] == "内蒙古自治区呼和浩特市玉泉区" for r in results)


def test_a_missing_model_directory_is_a_503_not_a_500(tmp_path: Path, index_settings: Settings) -> None:
    settings = index_settings.model_copy(
        update={"encoder": "sentence-transformers", "model_dir": tmp_path / "no-model", "db_path": tmp_path / "db"}
    )
    with TestClient(create_app(settings)) as client:
        for response in (
            client.get("/api/search", params={"q": "学位"}),
            client.post("/api/chat", json={"question": "学位"}),
        ):
            assert response.status_code == 503, response.text
            assert response.json()["detail"].startswith("服务暂时不可用")
        assert client.get("/api/health").status_code == 503


def test_a_build_that_fails_to_load_leaves_the_old_index_serving(tmp_path: Path, index_settings: Settings) -> None:
    import shutil

    index_dir = tmp_path / "index"
    shutil.copytree(index_settings.index_dir, index_dir, symlinks=True)
    settings = index_settings.model_copy(update={"index_dir": index_dir, "db_path": tmp_path / "db"})
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/search", params={"q": "学位"}).status_code == 200
        broken = index_dir / "builds" / "broken"
        broken.mkdir()
        (broken / "manifest.json").write_text("{not json", "utf-8")
        (index_dir / "next").symlink_to(Path("builds") / "broken")
        (index_dir / "next").replace(index_dir / "current")  # what a switch to a corrupt build looks like
        search = client.get("/api/search", params={"q": "玉泉区教师缺编多少人"})
        chat = client.post("/api/chat", json={"question": "玉泉区教师缺编多少人？"})
        health = client.get("/api/health")
    assert search.status_code == 200 and search.json()["results"]
    assert chat.status_code == 200 and "719名" in chat.json()["answer"]
    assert health.status_code == 200 and "could not be loaded" in health.json()["detail"]
