"""Speed benchmarks (prints numbers; not a test).

1. Search latency p50/p95 on the bundled sample corpus (real index, real queries).
2. Search latency p50/p95 on a synthetic 100k-passage corpus (bench/synthetic.py: real sentences
   recombined), exact (flat) and HNSW.
3. /api/chat p50/p95 (extractive) over HTTP on the sample corpus.
4. Ingest throughput (passages/s through load, clean, chunk, embed, tokenise, index,
   write) beside the encoder's raw throughput on the same passage texts.

    python -m bench.speed [--passages 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
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

from app.config import Settings
from app.evaluation import load_qa
from app.service import SearchService, encoder_for, ingest_directory
from bench.synthetic import SyntheticMaterial
from index.retrieve import HybridRetriever

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
# the realistic question sets: 289 distinct questions, so sentence vectors are mostly computed cold
QUESTIONS = [q.question for name in ("dev_v2", "dev_v3") for q in load_qa(ROOT / "data" / "eval" / f"{name}.jsonl")]


def percentiles(samples_ms: list[float]) -> str:
    cuts = statistics.quantiles(samples_ms, n=100)
    return f"p50 {cuts[49]:6.1f} ms   p95 {cuts[94]:6.1f} ms   (n={len(samples_ms)})"


def time_queries(search, n: int) -> list[float]:
    search(QUESTIONS[0], 5)  # warm caches
    samples = []
    for i in range(n):
        started = time.perf_counter()
        search(QUESTIONS[i % len(QUESTIONS)], 5)
        samples.append(1000 * (time.perf_counter() - started))
    return samples


def sample_corpus_latency(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp))
        ingest_directory(settings, CORPUS, progress=False)
        service = SearchService(settings)
        service.warm_up()
        print(
            f"search, sample corpus ({len(service.retriever.index.chunks)} passages):  "
            + percentiles(time_queries(service.search, n))
        )


def chat_latency(n: int) -> None:
    """POST /api/chat (extractive, non-streaming) against a real uvicorn server on loopback, one client."""
    with tempfile.TemporaryDirectory() as tmp:
        ingest_directory(Settings(index_dir=Path(tmp)), CORPUS, progress=False)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--index-dir", tmp],
            cwd=ROOT,
            env={**os.environ, "POLICYQA_RATE_LIMIT_PER_MINUTE": "0"},  # one client asking fast is not abuse
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                for _ in range(300):
                    try:
                        if client.get("/api/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.2)

                def ask(question: str, _k: int) -> None:
                    client.post("/api/chat", json={"question": question}).raise_for_status()

                samples = time_queries(ask, n)
        finally:
            server.terminate()
            server.wait()
    print("chat (extractive) over HTTP, sample corpus:            " + percentiles(samples))


def synthetic_latency(passages: int, n: int) -> None:
    material = SyntheticMaterial.from_corpus(CORPUS, encoder_for(Settings()))
    for vector_index in ("flat", "hnsw"):
        started = time.perf_counter()
        index = material.index(passages, vector_index)
        built = time.perf_counter() - started
        retriever = HybridRetriever(index, material.encoder)
        print(
            f"search, synthetic {passages:,} passages, {vector_index:<5} (built in {built:5.1f}s):  "
            + percentiles(time_queries(retriever.search, n))
        )


def ingest_throughput(copies: int = 4) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for n in range(copies):  # distinct text per copy, so nothing is reused from a cache
            for path in CORPUS.glob("*.txt"):
                (corpus / f"{n}-{path.name}").write_text(path.read_text("utf-8").replace("教育", f"教育{n}"), "utf-8")
        settings = Settings(index_dir=Path(tmp) / "index")
        started = time.perf_counter()
        report = ingest_directory(settings, corpus, progress=False).build
        ingest_seconds = time.perf_counter() - started
        assert report is not None
        service = SearchService(settings)
        service.warm_up()
        texts = [c.index_text() for c in service.retriever.index.chunks]
        encoder = encoder_for(settings)
        started = time.perf_counter()
        encoder.encode_documents(texts)
        encode_seconds = time.perf_counter() - started
        shutil.rmtree(corpus)
    ingest_rate, encode_rate = report.chunks / ingest_seconds, len(texts) / encode_seconds
    print(
        f"ingest: {report.chunks} passages in {ingest_seconds:.1f}s = {ingest_rate:.0f} passages/s; "
        f"raw encoder on the same texts: {encode_rate:.0f} passages/s; ratio {ingest_rate / encode_rate:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="policyqa speed benchmarks")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    sample_corpus_latency(args.queries)
    chat_latency(args.queries)
    synthetic_latency(args.passages, args.queries)
    ingest_throughput()


if __name__ == "__main__":
    main()
