"""Bounded load run on loopback: N concurrent clients against /api/chat (extractive) for T seconds.

Starts a real server (uvicorn, one worker, rate limit off — every client is 127.0.0.1), reports requests,
errors, throughput, latency p50/p95/p99 and the server's RSS before, half-way and after. In the middle of
the first half an administrator uploads a document and re-indexes (the new build is switched in under load);
its errors count too. Traffic goes only to 127.0.0.1, and the run stops by itself.

    python -m bench.load [--clients 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from app.config import Settings
from app.evaluation import load_qa
from app.service import ingest_directory

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [q.question for q in load_qa(ROOT / "data" / "eval" / "dev_qa.jsonl")]


async def client_loop(base: str, deadline: float, offset: int, latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        i = offset
        while time.monotonic() < deadline:
            question = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            started = time.perf_counter()
            try:
                response = await client.post("/api/chat", json={"question": question})
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}")
                    continue
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append(1000 * (time.perf_counter() - started))


ADMIN_KEY = "load-run-admin-key"
NOTICE = "乌拉特前旗小学招生通知\n一、报名时间\n小学一年级报名时间为每年6月1日至6月10日。\n".encode()


async def admin_during_load(base: str, after: float, errors: list[str]) -> None:
    """Upload a document, re-index, and wait for the new build, while the clients keep asking."""
    await asyncio.sleep(after)
    headers = {"X-API-Key": ADMIN_KEY}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as admin:
        upload = await admin.post("/api/admin/documents", files={"file": ("load-notice.txt", NOTICE)})
        if upload.status_code != 201:
            errors.append(f"upload HTTP {upload.status_code}")
        if (await admin.post("/api/admin/reindex")).status_code != 202:
            errors.append("reindex not started")
        while (await admin.get("/api/admin/index")).json()["reindex_running"]:
            await asyncio.sleep(0.5)
        status = (await admin.get("/api/admin/index")).json()
        if not (status["last_reindex"] or {}).get("ok") or status["documents"] != 6:
            errors.append(f"reindex failed: {status['last_reindex']}")


async def run(
    base: str, clients: int, seconds: float, admin_errors: list[str] | None = None
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    deadline = started + seconds
    tasks = [client_loop(base, deadline, n, latencies, errors) for n in range(clients)]
    if admin_errors is not None:
        tasks.append(admin_during_load(base, seconds / 3, admin_errors))
    await asyncio.gather(*tasks)
    return latencies, errors, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "data" / "corpus", corpus)
        ingest_directory(Settings(index_dir=Path(tmp) / "index"), corpus, progress=False)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {
            **os.environ,
            "POLICYQA_RATE_LIMIT_PER_MINUTE": "0",
            "POLICYQA_DB_PATH": f"{tmp}/load.sqlite3",
            "POLICYQA_CORPUS_DIR": str(corpus),
            "POLICYQA_ADMIN_API_KEYS": f'["{ADMIN_KEY}"]',
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--index-dir", f"{tmp}/index"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            httpx.post(f"{base}/api/chat", json={"question": QUESTIONS[0]})  # warm up
            process = psutil.Process(server.pid)
            rss = [process.memory_info().rss]
            latencies, errors, elapsed = [], [], 0.0
            admin_errors: list[str] = []
            for n in range(2):  # two halves: RSS after each shows whether memory keeps growing
                half = asyncio.run(run(base, args.clients, args.seconds / 2, admin_errors if n == 0 else None))
                latencies += half[0]
                errors += half[1]
                elapsed += half[2]
                rss.append(process.memory_info().rss)
        finally:
            server.terminate()
            server.wait()
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    total = len(latencies) + len(errors)
    print(f"load: {args.clients} clients x {args.seconds:.0f}s on loopback, POST /api/chat (extractive), 1 worker")
    print(f"  requests {total}, errors {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""))
    print(f"  admin upload + re-index during the run: {'ok' if not admin_errors else '; '.join(admin_errors)}")
    print(f"  throughput {len(latencies) / elapsed:.1f} answers/s")
    print(f"  latency p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms")
    print("  server RSS before / after 1st half / after 2nd half: " + " / ".join(f"{r / 2**20:.0f} MiB" for r in rss))


if __name__ == "__main__":
    main()
