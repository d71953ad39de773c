"""CMRC 2018 trial set as an open-domain retrieval benchmark.

All paragraphs are indexed as one corpus; a question's retrieval hit is a passage
of its own paragraph. Chat is scored per half (``bench.cmrc_set``: the answer model is
fitted on the tune half only): each question as is, and again with its own
paragraph removed from the results, where it should not be ``answered``. The held-out questions are
also asked of the sample policy corpus (the built index, when there is one): it is not about them, so they
should be ``refused``.
The data is third-party (CC BY-SA 4.0) and is read from ``../shared/eval/external``
(or ``--data``); it is never copied into this repo.

    python -m bench.cmrc [--data PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from app.answering.chat import ChatService, chat_service
from app.config import Settings
from app.evaluation import Verdict, chat_metrics, normalise, verdict
from app.service import SearchService
from bench.cmrc_set import SHARED_CMRC, CmrcQuestion, CmrcSearch, build_cmrc_search, load_cmrc
from index.retrieve import HybridRetriever, RetrievalConfig

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


def score(retriever: HybridRetriever, questions: list[CmrcQuestion], depth: int = 10) -> dict:
    hit1 = hit5 = rr = 0.0
    started = time.perf_counter()
    for q in questions:
        hits = retriever.search(q.item.question, depth)
        rank = next((i for i, h in enumerate(hits, 1) if h.chunk.doc_id == q.paragraph), None)
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


def answer_scores(chat: ChatService, search: CmrcSearch, questions: list[CmrcQuestion]) -> dict:
    """Each question asked with its paragraph (answerable) and with it removed from the results."""
    with_own: list[Verdict] = []
    without_own: list[Verdict] = []
    gold_when_answered = answered = 0
    started = time.perf_counter()
    for q in questions:
        search.retriever.excluded = None
        answer = chat.ask(q.item.question)
        with_own.append(verdict(q.item, answer))
        if answer.status == "answered":
            answered += 1
            gold_when_answered += any(normalise(a) in normalise(answer.answer) for a in q.item.must_any)
        search.retriever.excluded = q.paragraph
        without_own.append(verdict(q.without_own_paragraph(), chat.ask(q.item.question)))
    search.retriever.excluded = None
    n = len(questions)
    return {
        "questions": n,
        "answered": round(answered / n, 4),
        "gold_span_in_answered": round(gold_when_answered / max(answered, 1), 4),
        "answerable": chat_metrics(with_own),
        "own_paragraph_removed": chat_metrics(without_own),
        "ms_per_question": round(1000 * (time.perf_counter() - started) / (2 * n), 2),
    }


def off_topic_scores(questions: list[CmrcQuestion]) -> dict | None:
    """The questions asked of the policy corpus (``data/index``), which is not about them: share per status."""
    settings = Settings()
    if not (settings.index_dir / "current").exists():
        return None
    chat = chat_service(SearchService(settings))
    statuses = Counter(chat.ask(q.item.question).status for q in questions)
    return {status: round(statuses[status] / len(questions), 4) for status in ("refused", "related", "answered")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_CMRC)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"CMRC data not found at {args.data}; skipping (it is third-party data, not shipped).")
        return 0
    docs, questions = load_cmrc(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        search = build_cmrc_search(docs, Path(tmp) / "index")
        index, encoder = search.retriever.index, search.retriever.encoder
        results = {name: score(HybridRetriever(index, encoder, config=cfg), questions) for name, cfg in ABLATION}
        chat = chat_service(search)
        answers = {
            split: answer_scores(chat, search, [q for q in questions if q.split == split])
            for split in ("heldout", "tune")
        }
    off_topic = off_topic_scores([q for q in questions if q.split == "heldout"])
    summary = {
        "off_topic_of_the_policy_corpus": off_topic,
        "paragraphs": len(docs),
        "questions": len(questions),
        "chunks": len(index.chunks),
        "results": results,
        "answers": answers,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"CMRC 2018 trial: {len(docs)} paragraphs, {len(questions)} questions, {len(index.chunks)} chunks")
        print(f"{'retriever':<24} {'hit@1':>7} {'hit@5':>7} {'MRR':>7} {'ms/q':>7}")
        for name, r in results.items():
            print(f"{name:<24} {r['hit@1']:>7.3f} {r['hit@5']:>7.3f} {r['mrr']:>7.3f} {r['ms_per_query']:>7.1f}")
        for split, r in answers.items():
            yes, no = r["answerable"], r["own_paragraph_removed"]
            print(
                f"chat, {split} half ({r['questions']} questions): answered {r['answered']:.3f}, gold span in "
                f"{r['gold_span_in_answered']:.3f} of answered; answer_acc {yes['answer_acc']:.3f}, useful_acc "
                f"{yes['useful_acc']:.3f}, refused {yes['false_refusals']}; own paragraph removed: answered "
                f"{no['unanswerable_answered']:.3f}, refused {no['refusal_acc']:.3f}"
            )
        if off_topic is None:
            print("off-topic check skipped: no policy index (run policyqa ingest)")
        else:
            print(f"held-out half asked of the policy corpus (off-topic there): {off_topic}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
