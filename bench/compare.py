"""Quality, side by side, in one run on the same corpus and questions:

- policyqa (cleaning, heading-aware chunks, hybrid BM25 + USE with score fusion, jurisdiction);
- BM25 only (policyqa's keyword side alone, same chunks);
- the naive LangChain recipe: raw file text → RecursiveCharacterTextSplitter → langchain-community FAISS
  vector store with the same USE encoder (same chunk size/overlap, 300/60, so only the method differs).

On data/eval/dev_qa.jsonl (bundled corpus) and, when ../shared is present, the CMRC 2018 trial set.

    python -m bench.compare [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from langchain_community.vectorstores import FAISS
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from app.answering.chat import chat_service
from app.config import Settings
from app.evaluation import QAItem, evaluate_chat, load_qa
from app.service import SearchService, encoder_for, ingest_directory
from bench.cmrc_set import SHARED_CMRC, load_cmrc
from index.build import build_index
from index.encoders.use import UseEncoder
from index.retrieve import HybridRetriever, RetrievalConfig
from index.store import BuildSettings, IndexStore
from ingest.corpus import iter_corpus_files
from ingest.zh.tokens import ChineseTokenizer

ROOT = Path(__file__).resolve().parents[1]
Ranker = Callable[[str, int], list[tuple[str, str]]]  # question, k -> [(doc_id, passage text)]


class UseEmbeddings(Embeddings):
    """The same encoder, as a LangChain ``Embeddings``."""

    def __init__(self, encoder: UseEncoder) -> None:
        self.encoder = encoder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encoder.encode_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encoder.encode_queries([text])[0].tolist()


def naive_langchain(documents: list[tuple[str, str]], encoder: UseEncoder) -> Ranker:
    splitter = RecursiveCharacterTextSplitter(chunk_size=300, chunk_overlap=60)
    chunks = splitter.split_documents([Document(page_content=t, metadata={"doc_id": d}) for d, t in documents])
    store = FAISS.from_documents(chunks, UseEmbeddings(encoder))

    def rank(question: str, k: int) -> list[tuple[str, str]]:
        return [(d.metadata["doc_id"], d.page_content) for d in store.similarity_search(question, k=k)]

    return rank


def policyqa_ranker(retriever: HybridRetriever) -> Ranker:
    def rank(question: str, k: int) -> list[tuple[str, str]]:
        return [(h.chunk.doc_id, h.chunk.text) for h in retriever.search(question, k)]

    return rank


def bm25_only(index, encoder: UseEncoder) -> Ranker:
    return policyqa_ranker(HybridRetriever(index, encoder, config=RetrievalConfig(mode="bm25")))


def score(rank: Ranker, cases: list[tuple[str, Callable[[str, str], bool]]]) -> dict:
    ranks = []
    for question, is_hit in cases:
        found = rank(question, 10)
        ranks.append(next((i for i, (d, t) in enumerate(found, 1) if is_hit(d, t)), None))
    n = len(ranks)
    return {
        "hit@1": round(sum(r == 1 for r in ranks) / n, 4),
        "hit@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
        "mrr": round(float(np.mean([1 / r if r else 0 for r in ranks])), 4),
    }


def dev_set(encoder: UseEncoder) -> dict:
    items: list[QAItem] = [i for i in load_qa(ROOT / "data" / "eval" / "dev_qa.jsonl") if i.answerable and i.evidence]
    cases = [(i.question, lambda d, t, i=i: i.is_hit(t)) for i in items]
    corpus = ROOT / "data" / "corpus"
    raw = [(p.stem, p.read_text("utf-8")) for p in iter_corpus_files(corpus)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", db_path=Path(tmp) / "db.sqlite3")
        ingest_directory(settings, corpus, progress=False)
        service = SearchService(settings)
        service.warm_up()
        index = service.retriever.index
        results = {
            "policyqa": score(policyqa_ranker(service.retriever), cases),
            "bm25 only": score(bm25_only(index, encoder), cases),
            "naive LangChain + FAISS": score(naive_langchain(raw, encoder), cases),
        }
        answers = evaluate_chat(chat_service(service).ask, load_qa(ROOT / "data" / "eval" / "dev_qa.jsonl"))
        results["policyqa"]["answer_accuracy"] = answers.overall()["answer_acc"]
    return {"questions": len(cases), "results": results}


def cmrc_set(encoder: UseEncoder) -> dict | None:
    if not SHARED_CMRC.exists():
        return None
    docs, questions = load_cmrc(SHARED_CMRC)
    cases = [(q.item.question, lambda d, t, p=q.paragraph: d == p) for q in questions]
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(Path(tmp))
        tokenizer = ChineseTokenizer()
        build_index(store, docs, encoder, BuildSettings(), tokenizer, progress=False)
        index = store.load(encoder, tokenizer)
        results = {
            "policyqa": score(policyqa_ranker(HybridRetriever(index, encoder)), cases),
            "bm25 only": score(bm25_only(index, encoder), cases),
            "naive LangChain + FAISS": score(naive_langchain([(d.doc_id, d.text) for d in docs], encoder), cases),
        }
    return {"questions": len(cases), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description="policyqa vs BM25-only vs the naive LangChain recipe")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    encoder = encoder_for(Settings())
    summary = {"dev_qa": dev_set(encoder), "cmrc2018_trial": cmrc_set(encoder)}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    for name, block in summary.items():
        if block is None:
            print(f"{name}: data not present, skipped")
            continue
        print(f"{name} ({block['questions']} questions)")
        print(f"  {'system':<26} {'hit@1':>6} {'hit@5':>6} {'MRR':>6}")
        for system, r in block["results"].items():
            extra = f"   answer accuracy {r['answer_accuracy']:.3f}" if "answer_accuracy" in r else ""
            print(f"  {system:<26} {r['hit@1']:>6.3f} {r['hit@5']:>6.3f} {r['mrr']:>6.3f}{extra}")


if __name__ == "__main__":
    main()
