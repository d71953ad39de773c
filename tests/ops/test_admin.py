"""Admin API: keys, uploads (and their abuse), replace/delete, re-index, status, the gaps report."""

from __future__ import annotations

import io
import re
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.api import create_app
from app.config import Settings

KEY = "staff-key-0123456789"
AUTH = {"X-API-Key": KEY}


@pytest.fixture
def settings(corpus_copy: Path, tmp_path: Path, index_settings: Settings) -> Settings:
    shutil.copytree(index_settings.index_dir, tmp_path / "index", symlinks=True)  # the same corpus, already built
    return Settings(
        corpus_dir=corpus_copy,
        index_dir=tmp_path / "index",
        db_path=tmp_path / "policyqa.sqlite3",
        admin_api_keys=[SecretStr("another-key"), SecretStr(KEY)],
        upload_max_bytes=50_000,
        rate_limit_per_minute=0,
        reload_check_seconds=0,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def corpus_state(corpus: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(corpus.iterdir())}


def upload(client: TestClient, name: str, data: bytes, **meta: str):
    return client.post("/api/admin/documents", headers=AUTH, files={"file": (name, data)}, data=meta)


def _docx_with(document_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A .docx zip whose word/document.xml is ``document_xml`` (the rest copied from a real document)."""
    from docx import Document

    source = io.BytesIO()
    Document().save(source)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, document_xml if item.filename == "word/document.xml" else src.read(item))
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """A small zip (about 20 KB) that claims to be a .docx and unpacks to 20 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/zeros.bin", bytes(20_000_000))
    return out.getvalue()


def _pdf_pages(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
    b"<w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
)
NOTICE = "乌拉特前旗小学招生通知\n一、报名时间\n小学一年级报名时间为每年6月1日至6月10日。\n".encode()


class TestAuth:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/api/admin/documents"),
            ("post", "/api/admin/reindex"),
            ("get", "/api/admin/index"),
            ("get", "/api/admin/report"),
            ("delete", "/api/admin/documents/001_b2c1ccd4563cbf07"),
        ],
    )
    def test_missing_and_wrong_keys(self, client: TestClient, method: str, path: str) -> None:
        missing = getattr(client, method)(path)
        assert missing.status_code == 401 and missing.json()["detail"] == "缺少管理密钥（X-API-Key）"
        wrong = getattr(client, method)(path, headers={"X-API-Key": KEY[:-1] + "x"})
        assert wrong.status_code == 403 and wrong.json()["detail"] == "管理密钥不正确"

    def test_any_configured_key_works(self, client: TestClient) -> None:
        assert client.get("/api/admin/index", headers={"X-API-Key": "another-key"}).status_code == 200

    def test_disabled_without_keys(self, settings: Settings) -> None:
        with TestClient(create_app(settings.model_copy(update={"admin_api_keys": []}))) as client:
            response = client.get("/api/admin/documents", headers=AUTH)
        assert response.status_code == 403 and "未启用" in response.json()["detail"]

    def test_keys_are_never_in_responses_or_the_spec(self, client: TestClient) -> None:
        assert KEY not in client.get("/openapi.json").text
        assert KEY not in client.get("/api/admin/index", headers=AUTH).text


class TestUpload:
    def test_upload_reindex_and_answer(self, client: TestClient, settings: Settings) -> None:
        response = upload(
            client,
            "乌拉特前旗招生通知.txt",
            NOTICE,
            title="乌拉特前旗小学招生通知",
            region="内蒙古自治区巴彦淖尔市乌拉特前旗",
            date="2024-05-01",
        )
        assert response.status_code == 201, response.text
        doc = response.json()
        assert doc["doc_id"] == "乌拉特前旗招生通知" and doc["indexed"] is False
        assert "乌拉特前旗招生通知.txt,乌拉特前旗小学招生通知,内蒙古自治区巴彦淖尔市乌拉特前旗" in (
            settings.corpus_dir / "manifest.csv"
        ).read_text("utf-8")

        assert client.post("/api/admin/reindex", headers=AUTH).status_code == 202
        deadline = time.monotonic() + 60
        while client.get("/api/admin/index", headers=AUTH).json()["reindex_running"] and time.monotonic() < deadline:
            time.sleep(0.2)
        status = client.get("/api/admin/index", headers=AUTH).json()
        assert status["last_reindex"]["ok"] and status["documents"] == 6
        assert status["last_reindex"]["build"]["added"] == ["乌拉特前旗招生通知"]
        answer = client.post("/api/chat", json={"question": "乌拉特前旗小学一年级什么时候报名？"}).json()
        assert "6月1日至6月10日" in answer["answer"]
        assert answer["citations"][0]["title"] == "乌拉特前旗小学招生通知"

    def test_docx_and_gbk_text_are_accepted(self, client: TestClient) -> None:
        from docx import Document

        buffer = io.BytesIO()
        document = Document()
        document.add_paragraph("一、课后服务\n课后服务时间为下午4点至6点。")
        document.save(buffer)
        assert upload(client, "课后服务.docx", buffer.getvalue()).status_code == 201
        gbk = "乌海市教育局通知。义务教育阶段免除学杂费。".encode("gbk")
        assert upload(client, "gbk-notice.txt", gbk).status_code == 201

    @pytest.mark.parametrize(
        ("name", "data", "status", "message"),
        [
            ("big.txt", "学位。".encode() * 20_000, 413, "文件太大"),
            ("empty.txt", b"", 400, "文件是空的"),
            ("blank.txt", b"  \n \n", 400, "文件是空的"),
            ("fake.pdf", b"<html>not a pdf</html>", 415, "不是 PDF"),
            ("fake.docx", b"PK\x03\x04 not really a zip", 415, "不是 Word"),
            ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), 415, "不是可识别的文本"),
            ("malware.exe", b"MZ\x90\x00", 415, "不支持的文件类型"),
            ("../../etc/passwd", b"root:x:0:0", 415, "不支持的文件类型"),
            ("...", b"text", 400, "文件名无效"),
            ("script-only.html", b"<html><body><script>var a = 1;</script></body></html>", 422, "无法读取文件内容"),
            ("长" * 90 + ".txt", NOTICE, 422, "文件名太长"),
            ("odd-utf16.txt", "玉泉区招生通知".encode("utf-16") + b"\x00", 415, "不是可识别的文本"),
            ("laughs.docx", _docx_with(BILLION_LAUGHS), 422, "不安全的 XML 声明"),
            ("broken-xml.docx", _docx_with(b"<w:document><w:body><w:p"), 422, "Word 文件已损坏"),
            ("bomb.docx", _zip_bomb(), 422, "疑似压缩炸弹"),
        ],
    )
    def test_bad_uploads_are_rejected_and_nothing_changes(
        self, client: TestClient, settings: Settings, name: str, data: bytes, status: int, message: str
    ) -> None:
        before = corpus_state(settings.corpus_dir)
        response = upload(client, name, data, title="x")
        assert response.status_code == status, response.text
        assert message in response.json()["detail"]
        names = r"\.\w+|Word|DOCTYPE|UTF-16|YYYY|MM|DD|[A-Z]{2,}"  # file types and format names are not English
        assert not re.search(r"[A-Za-z]{4,}", re.sub(names, "", response.json()["detail"])), response.text
        assert corpus_state(settings.corpus_dir) == before
        assert not list(settings.corpus_dir.glob(".upload-*"))  # no temporary file left behind

    def test_a_pdf_with_too_many_pages_is_refused(self, settings: Settings) -> None:
        roomy = settings.model_copy(update={"upload_max_bytes": 5_000_000})
        with TestClient(create_app(roomy)) as client:
            before = corpus_state(settings.corpus_dir)
            response = upload(client, "pages.pdf", _pdf_pages(2001))
        assert response.status_code == 422 and "PDF 共 2001 页" in response.json()["detail"]
        assert corpus_state(settings.corpus_dir) == before

    def test_a_file_that_takes_too_long_to_read_is_refused_and_leaves_nothing(self, settings: Settings) -> None:
        slow = settings.model_copy(update={"upload_parse_seconds": 0.05})
        with TestClient(create_app(slow)) as client:
            before = corpus_state(settings.corpus_dir)
            response = upload(client, "notice.txt", NOTICE)
        assert response.status_code == 422 and "读取文件超时" in response.json()["detail"]
        assert corpus_state(settings.corpus_dir) == before and not list(settings.corpus_dir.glob(".upload-*"))

    @pytest.mark.parametrize(
        ("meta", "message"),
        [
            ({"date": "2025-02-30"}, "日期无效"),
            ({"date": "9999-99-99"}, "日期无效"),
            ({"source_url": "javascript:alert(1)"}, "来源网址无效"),
        ],
    )
    def test_metadata_must_be_real(self, client: TestClient, meta: dict, message: str) -> None:
        response = upload(client, "notice.txt", NOTICE, **meta)
        assert response.status_code == 422 and message in response.json()["detail"]

    def test_concurrent_uploads_and_deletes_keep_the_manifest_true(
        self, client: TestClient, settings: Settings
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        names = [f"n{i}.txt" for i in range(20)]
        for name in names[:10]:
            assert upload(client, name, NOTICE, title=name).status_code == 201

        def act(i: int) -> int:
            if i < 10:
                return client.delete(f"/api/admin/documents/n{i}", headers=AUTH).status_code
            return upload(client, names[i], NOTICE, title=names[i]).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(act, range(20)))
        assert codes == [204] * 10 + [201] * 10
        import csv

        rows = {r["file"] for r in csv.DictReader((settings.corpus_dir / "manifest.csv").open(encoding="utf-8"))}
        files = {p.name for p in settings.corpus_dir.iterdir() if p.suffix == ".txt" and p.name.startswith("n")}
        assert files == set(names[10:]) and {r for r in rows if r.startswith("n")} == files

    def test_traversal_names_stay_inside_the_corpus(
        self, client: TestClient, settings: Settings, tmp_path: Path
    ) -> None:
        before = set(corpus_state(settings.corpus_dir))
        for name in ("../../outside.txt", "..\\..\\outside2.txt", "/etc/cron.d/evil.txt", "sub/dir/x.txt"):
            response = upload(client, name, NOTICE)
            assert response.status_code == 201, response.text
            assert "/" not in response.json()["file"] and ".." not in response.json()["file"]
        added = set(corpus_state(settings.corpus_dir)) - before - {"manifest.csv"}
        assert added == {"outside.txt", "outside2.txt", "evil.txt", "x.txt"}
        assert not (tmp_path / "outside.txt").exists() and not (settings.corpus_dir.parent / "outside.txt").exists()

    def test_bad_date_and_duplicates(self, client: TestClient) -> None:
        assert upload(client, "a.txt", NOTICE, date="2024/05/01").status_code == 422
        assert upload(client, "a.txt", NOTICE).status_code == 201
        duplicate = upload(client, "a.txt", NOTICE)
        assert duplicate.status_code == 409 and "已存在" in duplicate.json()["detail"]

    def test_a_file_with_the_same_stem_is_refused_and_reindex_keeps_working(
        self, client: TestClient, settings: Settings
    ) -> None:
        assert upload(client, "notice.txt", NOTICE).status_code == 201
        before = corpus_state(settings.corpus_dir)
        twin = upload(client, "notice.md", NOTICE)
        assert twin.status_code == 409 and "notice.txt" in twin.json()["detail"]
        assert corpus_state(settings.corpus_dir) == before
        # a twin copied in by hand gets its own id; re-indexing is not blocked
        (settings.corpus_dir / "notice.md").write_bytes(NOTICE)
        ids = {d["doc_id"] for d in client.get("/api/admin/documents", headers=AUTH).json()}
        assert {"notice.txt", "notice.md"} <= ids
        assert client.post("/api/admin/reindex", headers=AUTH).status_code == 202
        deadline = time.monotonic() + 120
        while client.get("/api/admin/index", headers=AUTH).json()["reindex_running"] and time.monotonic() < deadline:
            time.sleep(0.1)
        status = client.get("/api/admin/index", headers=AUTH).json()
        assert status["last_reindex"]["ok"] and status["documents"] == 7, status


class TestManage:
    def test_list_replace_delete(self, client: TestClient, settings: Settings) -> None:
        docs = client.get("/api/admin/documents", headers=AUTH).json()
        assert len(docs) == 5 and all(d["indexed"] for d in docs)
        wuhai = next(d for d in docs if d["doc_id"].startswith("004"))
        assert wuhai["title"] == "乌海市教育局推动教育高质量发展"

        replaced = client.put(
            f"/api/admin/documents/{wuhai['doc_id']}",
            headers=AUTH,
            files={"file": ("anything.txt", "乌海市教育局发布新的通知。全市新增学位3000个。".encode())},
            data={"title": "乌海市新通知", "region": "内蒙古自治区乌海市"},
        )
        assert replaced.status_code == 200 and replaced.json()["file"] == wuhai["file"]
        assert replaced.json()["title"] == "乌海市新通知"

        assert client.delete(f"/api/admin/documents/{wuhai['doc_id']}", headers=AUTH).status_code == 204
        assert not (settings.corpus_dir / wuhai["file"]).exists()
        assert wuhai["file"] not in (settings.corpus_dir / "manifest.csv").read_text("utf-8")
        missing = client.delete(f"/api/admin/documents/{wuhai['doc_id']}", headers=AUTH)
        assert missing.status_code == 404

    def test_report_csv_cells_never_start_a_formula(self, client: TestClient) -> None:
        import csv

        for question in ('=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)"):
            client.post("/api/chat", json={"question": question})
        text = client.get("/api/admin/report", headers=AUTH, params={"format": "csv"}).text
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row[1:2] + row[3:]]
        assert any("HYPERLINK" in c for c in cells)
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]

    def test_report_groups_similar_questions_and_exports_csv(self, client: TestClient) -> None:
        for question in [
            "玉泉区教师缺编多少人？",
            "玉泉区教师缺编多少人?",
            "玉泉区教师缺编有多少人？",
            "上海市小学入学需要积分吗？",
            "上海小学入学要积分吗？",
        ]:
            answer = client.post("/api/chat", json={"question": question}).json()
        client.post("/api/feedback", json={"feedback_token": answer["feedback_token"], "helpful": False})
        report = client.get("/api/admin/report", headers=AUTH).json()
        assert report["conversations"] == 5
        assert report["frequent"][0]["count"] == 3 and report["frequent"][0]["question"].startswith("玉泉区教师缺编")
        assert [g["count"] for g in report["refused"]] == [2]
        assert report["unhelpful"][0]["question"] == "上海小学入学要积分吗？"
        csv_text = client.get("/api/admin/report", headers=AUTH, params={"format": "csv"}).text
        assert csv_text.splitlines()[0] == "kind,question,count,examples"
        assert any(line.startswith("refused,") and ",2," in line for line in csv_text.splitlines())


def test_docx_zip_without_word_part_is_rejected(client: TestClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    response = upload(client, "fake2.docx", buffer.getvalue())
    assert response.status_code == 415
