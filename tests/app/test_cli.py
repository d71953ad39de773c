"""The ``policyqa`` command as a user runs it (a real process, real index)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Settings
from tests.conftest import DEV_QA, ROOT

pytestmark = pytest.mark.slow  # each test runs the CLI, several in subprocesses or re-indexing


def policyqa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_search_json(index_settings: Settings) -> None:
    result = policyqa(
        "search",
        "玉泉区公办小学一年级能提供多少个学位",
        "-k",
        "2",
        "--json",
        "--index-dir",
        str(index_settings.index_dir),
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert len(body["results"]) == 2
    assert "3800个学位" in body["results"][0]["text"]


def test_search_human_output_shows_sources(index_settings: Settings) -> None:
    result = policyqa("search", "乌海 云网端", "-k", "1", "--index-dir", str(index_settings.index_dir))
    assert result.returncode == 0, result.stderr
    assert "乌海市教育局推动教育高质量发展 · 内蒙古自治区乌海市" in result.stdout
    assert "云网端" in result.stdout


def test_ask_prints_json(index_settings: Settings) -> None:
    result = policyqa("ask", "玉泉区教师缺编多少人？", "--json", "--index-dir", str(index_settings.index_dir))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert "719名" in answer["answer"] and answer["status"] == "answered"
    assert answer["conversation_id"] is None and answer["feedback_token"] is None  # the CLI logs nothing


def test_eval_prints_metrics(index_settings: Settings) -> None:
    result = policyqa("eval", str(DEV_QA), "--json", "--index-dir", str(index_settings.index_dir))
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["questions"] == 21
    assert scores["hit@5"] >= 0.95 and scores["mrr"] >= 0.85


def test_ingest_names_files_it_could_not_index_and_indexes_the_rest(tmp_path: Path, corpus_copy: Path) -> None:
    (corpus_copy / "broken.docx").write_bytes(b"not a zip")
    (corpus_copy / "chrome.txt").write_text("首页 > 通知公告 > 正文\n版权所有 ©2024 某某门户网站\n", encoding="utf-8")
    result = policyqa("ingest", str(corpus_copy), "--index-dir", str(tmp_path / "idx"), "--quiet")
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: not indexed:")]
    assert len(errors) == 2
    assert any("broken.docx" in e for e in errors) and any("chrome.txt: no text left" in e for e in errors)
    assert "Indexed 5 documents" in result.stdout
    again = policyqa("ingest", str(corpus_copy), "--index-dir", str(tmp_path / "idx"), "--quiet")
    assert "Index is up to date" in again.stdout


def test_a_one_line_notice_keeps_its_body_and_the_report_counts_what_cleaning_removed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = (
        "为做好今年招生工作，现通知如下。一、适龄儿童按学区就近入学。二、随迁子女凭居住证入学，报名时间为7月1日至10日。"
    )
    crumbs, footer = "当前位置：首页 > 政务公开 > 通知公告", "包头市人民政府门户网站 版权所有"
    (corpus / "notice.txt").write_text(f"{crumbs} 包头市教育局关于做好招生工作的通知 {body}{footer}", encoding="utf-8")
    report = tmp_path / "report.json"
    result = policyqa("ingest", str(corpus), "--index-dir", str(tmp_path / "idx"), "--quiet", "--report", str(report))
    assert result.returncode == 0, result.stderr
    assert "Indexed 1 documents" in result.stdout
    assert "notice.txt: kept" in result.stdout
    [row] = json.loads(report.read_text("utf-8"))
    assert row["file"].endswith("notice.txt") and row["removed"] > 0 and row["kept"] >= len(body)
    found = policyqa("search", "随迁子女 报名时间", "--json", "--index-dir", str(tmp_path / "idx"))
    [hit] = json.loads(found.stdout)["results"]
    assert body in hit["text"] and "门户网站" not in hit["text"]
    # the notice's opening is its title (包头市教育局关于做好招生工作的通知), which names its region
    assert hit["region"] == "内蒙古自治区包头市" and hit["region_source"] == "title"
    assert hit["title"] == "包头市教育局关于做好招生工作的通知"


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    missing_index = policyqa("search", "学位", "--index-dir", str(tmp_path))
    assert missing_index.returncode == 2
    assert "no index found" in missing_index.stderr and "Traceback" not in missing_index.stderr
    missing_dir = policyqa("ingest", str(tmp_path / "nope"), "--index-dir", str(tmp_path))
    assert missing_dir.returncode == 2 and "does not exist" in missing_dir.stderr
    bad_qa = tmp_path / "bad.jsonl"
    bad_qa.write_text('{"id": "x"}\n', "utf-8")
    bad = policyqa("eval", str(bad_qa), "--index-dir", str(tmp_path))
    assert bad.returncode == 2 and "bad.jsonl:1" in bad.stderr


def test_docs_add_list_remove_and_report(corpus_copy: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "POLICYQA_CORPUS_DIR": str(corpus_copy),
        "POLICYQA_INDEX_DIR": str(tmp_path / "index"),
        "POLICYQA_DB_PATH": str(tmp_path / "db.sqlite3"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
        )

    notice = tmp_path / "notice.txt"
    notice.write_text("乌拉特前旗小学招生通知\n一、报名时间\n小学一年级报名时间为每年6月1日至6月10日。\n", "utf-8")
    added = run("docs", "add", str(notice), "--title", "乌拉特前旗小学招生通知", "--date", "2024-05-01")
    assert added.returncode == 0, added.stderr
    assert "Indexed 6 documents" in added.stdout
    assert "notice  乌拉特前旗小学招生通知" in run("docs", "list").stdout
    again = run("docs", "add", str(notice))
    assert again.returncode == 2 and "已存在" in again.stderr
    asked = run("ask", "乌拉特前旗小学一年级什么时候报名？")
    assert "6月1日至6月10日" in asked.stdout
    removed = run("docs", "remove", "notice")
    assert removed.returncode == 0 and "Indexed 5 documents" in removed.stdout
    assert run("docs", "remove", "notice").returncode == 2
    report = run("report", "--csv")
    assert report.returncode == 0 and report.stdout.splitlines()[0] == "kind,question,count,examples"
