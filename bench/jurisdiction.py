"""Jurisdiction ablation (off / strict / soft, and plain BM25) and the fit of the soft weights.

    python -m bench.jurisdiction            # print the ablation with the current weights
    python -m bench.jurisdiction --fit      # grid-search the soft weights on the tune half, write them, print

Three corpora, each indexed from files the way an operator would load them:

- ``sample``: the bundled corpus with its manifest;
- ``sample, no manifest``: the same files without ``manifest.csv`` (regions only from what the documents state);
- ``mixed``: the sample files without manifest plus every CMRC 2018 trial paragraph as a one-line notice titled
  with its article (北京大学, 淮海中路街道 …; read from ``../shared`` when present, never committed).

Questions: the policy question sets (answerable ones with evidence; follow-ups excluded) and, on the mixed
corpus, the CMRC questions. A hit is a passage containing the evidence. Each question is put in one kind:
``title`` (names a place its answering document's title also names), ``not_title`` (names a place the title
does not name) or ``none`` (names no place). Weights are chosen on the tune half (by the mean hit@5 over the
corpora of hit@5 over all questions and over the place-named ones, then MRR); every figure printed is on the
held-out half.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

from app.config import Settings
from app.evaluation import QAItem, load_qa, select
from app.service import SearchService, ingest_directory
from bench.cmrc_set import SHARED_CMRC
from index.retrieve import WEIGHTS_FILE, HybridRetriever, RetrievalConfig
from ingest.corpus import MANIFEST_NAME

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [ROOT / "data" / "eval" / n for n in ("dev_qa.jsonl", "dev_v2.jsonl", "dev_v3.jsonl", "train_extra.jsonl")]
# a named place's documents, and those of an area containing it, are boosted and other places' pushed down
# (never zero: a city-wide policy applies to its districts; that is what the weights are for)
GRID_OWN = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8)
GRID_AREA = (0.05, 0.1, 0.2, 0.3)
GRID_OTHER = (0.05, 0.1, 0.2, 0.3, 0.5)
K = 5


@dataclass(frozen=True)
class Case:
    item: QAItem
    kind: str  # title | not_title | none
    split: str


def _write_mixed(directory: Path, cmrc: Path) -> list[tuple[QAItem, str, str]]:
    """CMRC paragraphs as one-line notices (title line + text); returns (item, title, split) per question."""
    from bench.cmrc_set import load_cmrc

    data = json.loads(cmrc.read_text(encoding="utf-8"))
    titles = {p["id"]: a["title"] for a in data["data"] for p in a["paragraphs"]}
    docs, questions = load_cmrc(cmrc)
    for doc in docs:
        (directory / f"cmrc_{doc.doc_id}.txt").write_text(f"{titles[doc.doc_id]}\n{doc.text}\n", encoding="utf-8")
    return [(q.item, titles[q.paragraph], q.split) for q in questions]


def _kind(retriever: HybridRetriever, question: str, title: str) -> str:
    places = retriever.named_places(question)
    if not places:
        return "none"
    named_in_title = set(retriever.gazetteer.components_in(title))
    return "title" if any(p[-1] in named_in_title for p in places) else "not_title"


def _policy_cases(retriever: HybridRetriever) -> list[Case]:
    titles = {d: m.title or "" for d, m in retriever.index.documents.items()}
    cases = []
    for path in QUESTIONS:
        if not path.exists():
            continue
        items = [i for i in load_qa(path) if i.answerable and i.evidence and not i.history]
        tune = {i.id for i in select(items, "tune")} if path.name in ("dev_v2.jsonl", "dev_v3.jsonl") else None
        for item in items:
            # the title of the document holding the evidence decides the kind
            holder = next((c for c in retriever.index.chunks if item.is_hit(c.text)), None)
            title = titles.get(holder.doc_id, "") if holder else ""
            split = "tune" if tune is None or item.id in tune else "heldout"
            cases.append(Case(item, _kind(retriever, item.question, title), split))
    return cases


def _metrics(retriever: HybridRetriever, cases: list[Case]) -> dict[str, tuple[int, float, float, float]]:
    """Per kind (and ``all``): n, hit@1, hit@5, MRR."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for case in cases:
        hits = retriever.search(case.item.question, K)
        rank = next((i for i, h in enumerate(hits) if case.item.is_hit(h.chunk.text)), None)
        for key in (case.kind, "all"):
            s = sums[key]
            s[0] += 1
            s[1] += rank == 0
            s[2] += rank is not None
            s[3] += 1 / (rank + 1) if rank is not None else 0.0
    return {k: (int(s[0]), s[1] / s[0], s[2] / s[0], s[3] / s[0]) for k, s in sums.items()}


def _corpora(tmp: Path, cmrc: Path | None) -> dict[str, tuple[HybridRetriever, list[Case]]]:
    corpus = ROOT / "data" / "corpus"
    plain = tmp / "plain"
    plain.mkdir()
    for f in corpus.iterdir():
        if f.is_file() and f.name != MANIFEST_NAME:
            shutil.copy(f, plain / f.name)
    sources = {"sample": corpus, "sample, no manifest": plain}
    cmrc_questions: list[tuple[QAItem, str, str]] = []
    if cmrc is not None:
        mixed = tmp / "mixed"
        shutil.copytree(plain, mixed)
        cmrc_questions = _write_mixed(mixed, cmrc)
        sources["mixed"] = mixed
    out = {}
    for name, directory in sources.items():
        settings = Settings(index_dir=tmp / f"index-{len(out)}")
        ingest_directory(settings, directory, progress=False)
        service = SearchService(settings)
        service.warm_up()
        retriever = service.retriever
        cases = _policy_cases(retriever)
        if name == "mixed":
            cases += [Case(item, _kind(retriever, item.question, title), s) for item, title, s in cmrc_questions]
        out[name] = (retriever, cases)
    return out


def _with(retriever: HybridRetriever, config: RetrievalConfig) -> HybridRetriever:
    return HybridRetriever(retriever.index, retriever.encoder, retriever.gazetteer, config)


def _fit(corpora: dict[str, tuple[HybridRetriever, list[Case]]]) -> RetrievalConfig:
    best: tuple[tuple[float, float], RetrievalConfig] | None = None
    for own, area, other in product(GRID_OWN, GRID_AREA, GRID_OTHER):
        if area > own:
            continue
        config = RetrievalConfig(own_place_bonus=own, area_bonus=area, other_place_penalty=other)
        hit5, mrr = [], []
        for retriever, cases in corpora.values():
            tune = [c for c in cases if c.split == "tune"]
            everything = _metrics(_with(retriever, config), tune)["all"]
            named = _metrics(_with(retriever, config), [c for c in tune if c.kind != "none"])["all"]
            hit5.append((everything[2] + named[2]) / 2)
            mrr.append((everything[3] + named[3]) / 2)
        key = (sum(hit5) / len(hit5), sum(mrr) / len(mrr))
        if best is None or key > best[0]:
            best = (key, config)
    assert best is not None
    print(f"fitted on the tune half: objective hit@5 {best[0][0]:.3f}, MRR {best[0][1]:.3f}")
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help=f"fit the soft weights and write {WEIGHTS_FILE.name}")
    parser.add_argument("--cmrc", type=Path, default=SHARED_CMRC)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpora = _corpora(Path(tmp), args.cmrc if args.cmrc.exists() else None)
        soft = RetrievalConfig()
        if args.fit:
            soft = _fit(corpora)
            weights = {k: getattr(soft, k) for k in ("own_place_bonus", "area_bonus", "other_place_penalty")}
            WEIGHTS_FILE.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
            print(f"wrote {WEIGHTS_FILE}: {weights}")
        configs = {
            "bm25, jurisdiction off": RetrievalConfig(mode="bm25", jurisdiction="off"),
            "hybrid, off": replace(soft, jurisdiction="off"),
            "hybrid, strict": replace(soft, jurisdiction="strict"),
            "hybrid, soft (default)": soft,
        }
        print(f"held-out half; hit@1 / hit@{K} / MRR (n) per kind of question")
        for corpus, (retriever, cases) in corpora.items():
            held = [c for c in cases if c.split == "heldout"]
            print(f"\n{corpus}: {len(retriever.index.documents)} documents, {len(retriever.index.chunks)} passages")
            print(f"{'retrieval':24} " + " ".join(f"{k:>22}" for k in ("title", "not_title", "none", "all")))
            for name, config in configs.items():
                m = _metrics(_with(retriever, config), held)
                cells = [
                    f"{m[k][1]:.3f}/{m[k][2]:.3f}/{m[k][3]:.3f} ({m[k][0]})" if k in m else "-"
                    for k in ("title", "not_title", "none", "all")
                ]
                print(f"{name:24} " + " ".join(f"{c:>22}" for c in cells))
        if not args.cmrc.exists():
            print(f"\n(mixed corpus skipped: {args.cmrc} absent)")


if __name__ == "__main__":
    main()
