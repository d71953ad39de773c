"""Cost growth: search and chat latency at 10k, 100k and 1M passages on 2 cores, exact vs ANN (HNSW), with
ANN recall@10 against exact, index memory and disk. Writes docs/benchmarks-scale.json and a plot
(docs/scale-latency.png). Synthetic passages: bench/synthetic.py.

    python -m bench.scale [--sizes 10000 100000 1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from app.answering.chat import ChatConfig, ChatService
from app.config import Settings
from app.evaluation import load_qa
from app.service import SearchService, encoder_for
from bench.synthetic import SyntheticMaterial
from index.retrieve import HybridRetriever

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [q.question for q in load_qa(ROOT / "data" / "eval" / "dev_qa.jsonl")]


def pct(samples: list[float], p: int) -> float:
    return statistics.quantiles(samples, n=100)[p - 1]


def timed(fn, n: int) -> list[float]:
    fn(QUESTIONS[0])
    out = []
    for i in range(n):
        started = time.perf_counter()
        fn(QUESTIONS[i % len(QUESTIONS)])
        out.append(1000 * (time.perf_counter() - started))
    return out


def recall_at_10(exact: HybridRetriever, ann: HybridRetriever, encoder) -> float:
    """Dense top-10 of the ANN index against the exact index, over the questions."""
    total = 0.0
    for q in QUESTIONS:
        qvec = encoder.encode_queries([q])[0]
        _, truth = exact.index.vector_store.search(qvec, 10)
        _, got = ann.index.vector_store.search(qvec, 10)
        total += len(set(truth) & set(got)) / 10
    return total / len(QUESTIONS)


class _FixedSearch(SearchService):
    """A SearchService over an in-memory index (the benchmark builds indexes without writing them)."""

    def __init__(self, retriever: HybridRetriever) -> None:
        super().__init__(Settings(index_dir=Path(tempfile.gettempdir()) / "policyqa-bench-none"))
        self._retriever = retriever

    def _maybe_reload(self) -> None:
        return None


def _size(directory: Path) -> int:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


def measure(material: SyntheticMaterial, n: int, queries: int) -> dict:
    rss0 = psutil.Process().memory_info().rss
    started = time.perf_counter()
    exact_index = material.index(n, "flat")
    built_exact = time.perf_counter() - started
    rss1 = psutil.Process().memory_info().rss
    started = time.perf_counter()
    ann_index = material.index(n, "hnsw")
    built_ann = time.perf_counter() - started
    exact, ann = HybridRetriever(exact_index, material.encoder), HybridRetriever(ann_index, material.encoder)
    with tempfile.TemporaryDirectory() as tmp:
        for name, idx in (("flat", exact_index), ("hnsw", ann_index)):
            (Path(tmp) / name).mkdir()
            idx.vector_store.save(Path(tmp) / name)
            idx.keyword_index.save(Path(tmp) / name)
        disk = {
            name: sum(f.stat().st_size for f in (Path(tmp) / name).rglob("*") if f.is_file())
            for name in ("flat", "hnsw")
        }
    result = {"passages": n, "build_s": {"flat": round(built_exact, 1), "hnsw": round(built_ann, 1)}}
    for name, retriever in (("flat", exact), ("hnsw", ann)):
        search = timed(lambda q, r=retriever: r.search(q, 5), queries)
        chat = ChatService(_FixedSearch(retriever), ChatConfig())
        answers = timed(chat.ask, queries)
        result[name] = {
            "search_p50_ms": round(pct(search, 50), 1),
            "search_p95_ms": round(pct(search, 95), 1),
            "chat_p50_ms": round(pct(answers, 50), 1),
            "chat_p95_ms": round(pct(answers, 95), 1),
            "disk_mb": round(disk[name] / 2**20, 1),
        }
    result["hnsw"]["recall@10"] = round(recall_at_10(exact, ann, material.encoder), 4)
    result["hnsw"]["efSearch"] = int(ann_index.vector_store.index.hnsw.efSearch)
    sweep = []  # the recall/latency trade-off; efSearch is a query-time knob, no rebuild needed
    for ef in (64, 128, 256, 512):
        ann_index.vector_store.index.hnsw.efSearch = ef
        search = timed(lambda q, r=ann: r.search(q, 5), queries // 2)
        sweep.append(
            {
                "efSearch": ef,
                "recall@10": round(recall_at_10(exact, ann, material.encoder), 4),
                "search_p95_ms": round(pct(search, 95), 1),
            }
        )
    result["hnsw_sweep"] = sweep
    result["exact_index_rss_mb"] = round((rss1 - rss0) / 2**20, 1)
    del exact, ann, exact_index, ann_index
    gc.collect()
    return result


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["passages"] for r in results]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for kind, style in (("flat", "-o"), ("hnsw", "--s")):
        ax.plot(sizes, [r[kind]["search_p95_ms"] for r in results], style, label=f"search p95, {kind}")
        ax.plot(sizes, [r[kind]["chat_p95_ms"] for r in results], style, alpha=0.5, label=f"chat p95, {kind}")
    ax.set_xscale("log")
    ax.set_xlabel("passages in the index")
    ax.set_ylabel("latency (ms)")
    ax.set_title("policyqa on 2 CPU cores: latency vs corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    material = SyntheticMaterial.from_corpus(ROOT / "data" / "corpus", encoder_for(Settings()))
    warm = HybridRetriever(material.index(1000, "flat"), material.encoder)
    ChatService(_FixedSearch(warm)).analyse(QUESTIONS[0], warm)  # warm jieba and the synonym lexicon
    results = []
    for n in args.sizes:
        r = measure(material, n, args.queries)
        results.append(r)
        print(json.dumps(r, ensure_ascii=False), flush=True)
    (args.out / "benchmarks-scale.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    plot(results, args.out / "scale-latency.png")
    print(f"wrote {args.out / 'benchmarks-scale.json'} and {args.out / 'scale-latency.png'}")
    shutil.rmtree(Path(tempfile.gettempdir()) / "policyqa-bench-none", ignore_errors=True)


if __name__ == "__main__":
    main()
