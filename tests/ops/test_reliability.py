"""Reliability under operation: re-indexing while serving, kill -9 during ingest, graceful shutdown."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from app.config import Settings
from tests.app.answering.fake_openai import Script, fake_openai
from tests.conftest import ROOT, running_server


def copy_index(index_settings: Settings, target: Path) -> Path:
    shutil.copytree(index_settings.index_dir, target, symlinks=True)
    return target


def ingest(corpus: Path, index_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "ingest", str(corpus), "--index-dir", str(index_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_reindex_while_serving_fails_no_request(index_settings: Settings, corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = copy_index(index_settings, tmp_path / "index")
    (corpus_copy / "new_policy.txt").write_text(
        "乌拉特前旗小学招生通知\n一、报名时间\n小学一年级报名时间为每年6月1日至6月10日。\n", "utf-8"
    )
    plan = next(corpus_copy.glob("001_*.txt")).read_text("utf-8")
    (corpus_copy / "bulk.txt").write_text(plan.replace("玉泉区", "示例区"), "utf-8")  # makes the ingest take a while
    statuses: list[int] = []
    stop = threading.Event()
    with running_server(index_dir, {"POLICYQA_RELOAD_CHECK_SECONDS": "0.2"}) as base:

        def hammer() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                while not stop.is_set():
                    statuses.append(client.get("/api/search", params={"q": "玉泉区教师缺编多少人"}).status_code)
                    statuses.append(client.post("/api/chat", json={"question": "玉泉区教师缺编多少人？"}).status_code)

        workers = [threading.Thread(target=hammer) for _ in range(3)]
        for w in workers:
            w.start()
        proc = ingest(corpus_copy, index_dir)
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
        deadline = time.monotonic() + 30
        found = False
        while not found and time.monotonic() < deadline:
            answer = httpx.post(f"{base}/api/chat", json={"question": "乌拉特前旗小学一年级什么时候报名？"}, timeout=30)
            found = "6月1日至6月10日" in answer.json()["answer"]
            time.sleep(0.2)
        time.sleep(1)  # keep querying across the switch for a moment
        stop.set()
        for w in workers:
            w.join()
    assert found, "the new build was not picked up by the running server"
    assert len(statuses) > 20 and set(statuses) == {200}


def test_kill_9_during_ingest_then_the_server_restarts_on_the_previous_index(
    index_settings: Settings, corpus_copy: Path, tmp_path: Path
) -> None:
    index_dir = copy_index(index_settings, tmp_path / "index")
    before = os.readlink(index_dir / "current")
    plan = next(corpus_copy.glob("001_*.txt")).read_text("utf-8")
    for n in range(4):
        (corpus_copy / f"copy{n}.txt").write_text(plan.replace("玉泉区", f"测试{n}区"), "utf-8")
    proc = ingest(corpus_copy, index_dir)
    seen = b""
    while b"Embedding:" not in seen and proc.poll() is None:
        seen += os.read(proc.stderr.fileno(), 4096)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert b"Embedding:" in seen, seen[-500:]
    assert proc.returncode == -signal.SIGKILL
    assert os.readlink(index_dir / "current") == before  # the half-written build was never switched in
    with running_server(index_dir) as base:
        health = httpx.get(f"{base}/api/health").json()
        assert health["status"] == "ok" and Path(before).name == health["build"] and health["documents"] == 5
        answer = httpx.post(f"{base}/api/chat", json={"question": "玉泉区教师缺编多少人"}, timeout=30).json()
        assert "719" in answer["answer"]
    assert ingest(corpus_copy, index_dir).wait(timeout=300) == 0  # the next ingest completes and switches
    after = os.readlink(index_dir / "current")
    assert after != before
    # the half-written build is pruned; the previous one stays for rollback
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == sorted({Path(before).name, Path(after).name})


def test_graceful_shutdown_drains_in_flight_requests(index_settings: Settings) -> None:
    script = Script(reply="玉泉区公办小学一年级只能提供3800个学位[1]。", delay=0.25, piece=2)  # ~4 s to answer
    with fake_openai(script) as llm:
        env = {
            "POLICYQA_GENERATOR": "openai",
            "POLICYQA_LLM_BASE_URL": llm,
            "POLICYQA_LLM_MODEL": "slow",
            "POLICYQA_LLM_TIMEOUT": "30",
        }
        result: dict = {}
        with running_server(index_settings.index_dir, env) as base:

            def ask() -> None:
                result["response"] = httpx.post(
                    f"{base}/api/chat", json={"question": "玉泉区公办小学一年级能提供多少个学位？"}, timeout=60
                )

            client = threading.Thread(target=ask)
            client.start()
            while not script.requests:  # the request is in flight (the LLM was called)
                time.sleep(0.05)
            base.proc.send_signal(signal.SIGTERM)
            client.join(timeout=60)
            # uvicorn drains, then exits re-raising the signal it got (returncode -15): a clean stop
            assert base.proc.wait(timeout=30) in (0, -signal.SIGTERM)
    response = result["response"]
    assert response.status_code == 200
    assert response.json()["answerer"] == "llm" and "3800" in response.json()["answer"]
