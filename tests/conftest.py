"""Shared fixtures: the bundled corpus, and one real index built from it per test session.

Tiers: ``make test-fast`` runs the unit tier (``-m "not slow"``); ``make test`` (CI) runs everything. The slow
tier is what starts servers, browsers or subprocesses, rebuilds indexes, or reads the CMRC set: all of
``tests/ops`` (HTTP end to end, fuzzing, kill -9, graceful shutdown) and ``tests/widget`` (Chromium), and the
modules and tests marked ``slow`` where they stand.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.service import SearchService, ingest_directory

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
DEV_QA = ROOT / "data" / "eval" / "dev_qa.jsonl"
SHARED_CMRC = ROOT.parent / "shared" / "eval" / "external" / "cmrc2018_trial.json"


_SLOW_DIRECTORIES = ("ops", "widget")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent.name in _SLOW_DIRECTORIES:
            item.add_marker(pytest.mark.slow)


def corpus_file(prefix: str) -> Path:
    return next(CORPUS.glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose index directory holds a real index of the bundled corpus (built once)."""
    tmp = tmp_path_factory.mktemp("index")
    settings = Settings(
        index_dir=tmp / "index", db_path=tmp / "policyqa.sqlite3", reload_check_seconds=0, rate_limit_per_minute=0
    )
    outcome = ingest_directory(settings, CORPUS, progress=False)
    assert outcome.build is not None and not outcome.corpus.errors
    return settings


@pytest.fixture(scope="session")
def service(index_settings: Settings) -> SearchService:
    service = SearchService(index_settings)
    service.warm_up()
    return service


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server(str):
    """A running server's base URL, with its process for tests that signal it."""

    proc: subprocess.Popen


@contextmanager
def running_server(index_dir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """A real ``policyqa serve`` (uvicorn) on a free loopback port; yields its base URL once healthy."""
    port = free_port()
    log = (index_dir.parent / f"server-{port}.log").open("w+b")  # a file, not a pipe: a full pipe would block it
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--index-dir", str(index_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
        env={
            **os.environ,
            "POLICYQA_RATE_LIMIT_PER_MINUTE": "0",
            "POLICYQA_DB_PATH": str(index_dir.parent / f"server-{port}.sqlite3"),
            **(env or {}),
        },
    )
    base = Server(f"http://127.0.0.1:{port}")
    base.proc = proc
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            log.seek(0)
            pytest.fail("server did not become healthy: " + log.read().decode(errors="replace")[-3000:])
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def live_server(index_settings: Settings) -> Iterator[str]:
    """The session index served by a real uvicorn server."""
    with running_server(index_settings.index_dir) as base:
        yield base
