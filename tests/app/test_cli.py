"""The ``policyqa`` command as a user runs it (a real process, real index)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.config import Settings
from tests.conftest import DEV_QA, ROOT


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


def test_eval_prints_metrics(index_settings: Settings) -> None:
    result = policyqa("eval", str(DEV_QA), "--json", "--index-dir", str(index_settings.index_dir))
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["questions"] == 21
    assert scores["hit@5"] >= 0.95 and scores["mrr"] >= 0.85


def test_ingest_reports_skipped_files_and_counts(tmp_path: Path, corpus_copy: Path) -> None:
    (corpus_copy / "broken.docx").write_bytes(b"not a zip")
    result = policyqa("ingest", str(corpus_copy), "--index-dir", str(tmp_path / "idx"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "broken.docx" in result.stderr
    assert "Indexed 5 documents" in result.stdout
    again = policyqa("ingest", str(corpus_copy), "--index-dir", str(tmp_path / "idx"), "--quiet")
    assert "Index is up to date" in again.stdout


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
