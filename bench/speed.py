"""Speed benchmarks (prints numbers; not a test).

1. Search latency p50/p95 on the bundled sample corpus (real index, real queries).
2. Search latency p50/p95 on a synthetic 100k-passage corpus, exact (flat) and HNSW.
   Passages are made by recombining real sentences of the sample corpus (3-6 each,
   seeded). Each distinct sentence is embedded once with the real encoder and a
   passage's vector is the normalised sum of its sentences' vectors: an
   approximation that keeps embedding 100k passages out of the benchmark, which
   measures search, not encoding. BM25 indexes the passages' real tokens.
3. /api/chat p50/p95 (extractive) over HTTP on the sample corpus.
4. Ingest throughput (passages/s through load, clean, chunk, embed, tokenise, index,
   write) beside the encoder's raw throughput on the same passage texts.

    python -m bench.speed [--passages 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from app.config import Settings
from app.evaluation import load_qa
from app.service import SearchService, encoder_for, ingest_directory
from index.keyword import Bm25Index
from index.retrieve import HybridRetriever
from index.store import LoadedIndex
from index.tokenize import ChineseTokenizer
from index.vector_store import FaissVectorStore
from ingest.chunk import PolicyTextSplitter
from ingest.models import Chunk, DocumentMetadata
from ingest.pipeline import load_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
QUESTIONS = [q.question for q in load_qa(ROOT / "data" / "eval" / "dev_qa.jsonl")]


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


def synthetic_index(passages: int, vector_index: str, sentences, vectors, tokens) -> LoadedIndex:
    rng = random.Random(7)
    chunks, chunk_vectors, chunk_tokens = [], np.zeros((passages, vectors.shape[1]), np.float32), []
    regions = ["内蒙古自治区呼和浩特市玉泉区", "内蒙古自治区包头市昆都仑区", "内蒙古自治区包头市", "内蒙古自治区乌海市"]
    doc_ids = [f"synthetic-{d}" for d in range(passages // 50 + 1)]
    docs = {d: DocumentMetadata(title=f"合成文档{i}", region=regions[i % 4]) for i, d in enumerate(doc_ids)}
    for row in range(passages):
        picks = rng.sample(range(len(sentences)), rng.randint(3, 6))
        doc = doc_ids[row // 50]
        text = "".join(sentences[p] for p in picks)
        chunks.append(Chunk(f"{doc}#{row}", doc, text, 0, len(text), (), docs[doc]))
        v = vectors[picks].sum(axis=0)
        chunk_vectors[row] = v / np.linalg.norm(v)
        chunk_tokens.append([t for p in picks for t in tokens[p]])
    tokenizer = ChineseTokenizer()
    return LoadedIndex(
        build_id="synthetic",
        manifest={"encoder": {"id": "synthetic"}},
        chunks=chunks,
        vectors=chunk_vectors,
        vector_store=FaissVectorStore.build(chunk_vectors, vector_index),
        keyword_index=Bm25Index.build(chunk_tokens, tokenizer),
        chunk_doc=np.array([row // 50 for row in range(passages)], dtype=np.int32),
        doc_ids=doc_ids,
        documents=docs,
    )


def synthetic_latency(passages: int, n: int) -> None:
    corpus = load_corpus(CORPUS, progress=False)
    splitter = PolicyTextSplitter(10_000, 0)
    sentences = sorted(
        {doc.text[a:b] for doc in corpus.documents for a, b in splitter._sentences(doc.text, 0, len(doc.text))}
    )
    encoder, tokenizer = encoder_for(Settings()), ChineseTokenizer()
    vectors = encoder.encode_documents(sentences)
    tokens = [tokenizer.tokenize(s) for s in sentences]
    for vector_index in ("flat", "hnsw"):
        started = time.perf_counter()
        index = synthetic_index(passages, vector_index, sentences, vectors, tokens)
        built = time.perf_counter() - started
        retriever = HybridRetriever(index, encoder)
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
