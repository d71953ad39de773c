"""Schemathesis against the app's own OpenAPI spec, over a real server: whatever it sends, no 5xx.

Bounded for CI (``--max-examples`` per operation, one worker). Admin routes are fuzzed with a valid key on a
copy of the corpus and index, so uploads, deletes and re-indexing run for real.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from app.config import Settings
from tests.conftest import running_server

KEY = "fuzz-admin-key"


def test_no_server_errors(index_settings: Settings, tmp_path: Path, corpus_dir: Path) -> None:
    shutil.copytree(corpus_dir, tmp_path / "corpus")
    shutil.copytree(index_settings.index_dir, tmp_path / "index", symlinks=True)
    env = {"POLICYQA_ADMIN_API_KEYS": f'["{KEY}"]', "POLICYQA_CORPUS_DIR": str(tmp_path / "corpus")}
    with running_server(tmp_path / "index", env) as base:
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "30",
                "--workers",
                "1",
                "--header",
                f"X-API-Key: {KEY}",
                "--seed",
                "1",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
        )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-4000:]
    assert "No issues found" in report or "passed" in report.lower(), report[-2000:]
