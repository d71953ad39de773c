"""CMRC 2018 trial set as an open-domain retrieval benchmark.

All paragraphs are indexed as one corpus; a question's retrieval hit is a passage
of its own paragraph. The data is third-party (CC BY-SA 4.0) and is read from
``../shared/eval/external`` (or ``--data``); it is never copied into this repo.

    python -m bench.cmrc [--data PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from app.answering.chat import ChatService, chat_service
from app.config import Settings
from app.evaluation import normalise
from app.service import SearchService
from index.encoders import load_encoder
from index.retrieve import HybridRetriever, RetrievalConfig
from index.store import BuildSettings, IndexStore
from index.tokenize import ChineseTokenizer
from ingest.load import sha256_text
from ingest.models import DocumentMetadata, PolicyDocument

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "external" / "cmrc2018_trial.json"
ABLATION = (
    ("bm25", RetrievalConfig(mode="bm25")),
    ("dense (USE)", RetrievalConfig(mode="dense")),
    ("hybrid naive RRF", RetrievalConfig(fusion="rrf")),
    ("hybrid w=0.5", RetrievalConfig(bm25_weight=0.5)),
    ("hybrid w=0.6", RetrievalConfig(bm25_weight=0.6)),
    ("hybrid w=0.7 (default)", RetrievalConfig(bm25_weight=0.7)),
    ("hybrid w=0.8", RetrievalConfig(bm25_weight=0.8)),
    ("hybrid w=0.9", RetrievalConfig(bm25_weight=0.9)),
)


def load_cmrc(path: Path) -> tuple[list[PolicyDocument], list[dict]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    docs, questions = [], []
    for article in data["data"]:
        for para in article["paragraphs"]:
            text = para["context"]
            docs.append(PolicyDocument(para["id"], para["id"], text, DocumentMetadata(), sha256_text(text)))
            for qa in para["qas"]:
                answers = [a["text"] for a in qa.get("answers", [])]
                questions.append({"question": qa["question"], "paragraph": para["id"], "answers": answers})
    return docs, questions


def score(retriever: HybridRetriever, questions: list[dict], depth: int = 10) -> dict:
    hit1 = hit5 = rr = 0.0
    started = time.perf_counter()
    for q in questions:
        hits = retriever.search(q["question"], depth)
        rank = next((i for i, h in enumerate(hits, 1) if h.chunk.doc_id == q["paragraph"]), None)
        hit1 += rank == 1
        hit5 += rank is not None and rank <= 5
        rr += 1 / rank if rank else 0
    n = len(questions)
    return {
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "mrr": round(rr / n, 4),
        "ms_per_query": round(1000 * (time.perf_counter() - started) / n, 2),
    }


def answer_rate(chat: ChatService, questions: list[dict]) -> dict:
    """Share of questions whose short answer contains a gold span (refusals count as misses)."""
    contained = refused = 0
    started = time.perf_counter()
    for q in questions:
        answer = chat.ask(q["question"])
        refused += answer.refused
        text = normalise(answer.answer)
        contained += not answer.refused and any(normalise(a) in text for a in q["answers"])
    n = len(questions)
    return {
        "gold_span_in_answer": round(contained / n, 4),
        "refused": round(refused / n, 4),
        "ms_per_question": round(1000 * (time.perf_counter() - started) / n, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"CMRC data not found at {args.data}; skipping (it is third-party data, not shipped).")
        return 0
    docs, questions = load_cmrc(args.data)
    encoder, tokenizer = load_encoder("use"), ChineseTokenizer()
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(Path(tmp))
        report = store.build(docs, encoder, BuildSettings(), tokenizer, progress=not args.json)
        index = store.load(encoder, tokenizer)
        results = {name: score(HybridRetriever(index, encoder, config=cfg), questions) for name, cfg in ABLATION}
        search = SearchService(Settings(index_dir=Path(tmp)))
        search.warm_up()
        answers = answer_rate(chat_service(search), questions)
    summary = {
        "paragraphs": len(docs),
        "questions": len(questions),
        "chunks": report.chunks,
        "results": results,
        "answers": answers,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"CMRC 2018 trial: {len(docs)} paragraphs, {len(questions)} questions, {report.chunks} chunks")
        print(f"{'retriever':<24} {'hit@1':>7} {'hit@5':>7} {'MRR':>7} {'ms/q':>7}")
        for name, r in results.items():
            print(f"{name:<24} {r['hit@1']:>7.3f} {r['hit@5']:>7.3f} {r['mrr']:>7.3f} {r['ms_per_query']:>7.1f}")
        print(
            f"extractive answers: gold span in the answer {answers['gold_span_in_answer']:.3f}, "
            f"refused {answers['refused']:.3f}, {answers['ms_per_question']:.1f} ms/question"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
