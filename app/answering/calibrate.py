"""Fit the answer model (``answer_model.json``) on the *tune* half of the question sets.

    python -m app.answering.calibrate [--index-dir D] [--qa FILE ...]

1. Every tune question is run through the pipeline up to the scored candidates.
   A candidate sentence is positive when it holds the answer: it contains one of
   the question's ``must`` strings (or overlaps its evidence) and its passage
   contains the evidence. Every sentence retrieved for an unanswerable question
   is negative, so the best probability also says whether the documents answer.
2. A logistic regression (L2, L-BFGS) is fitted on those sentences.
3. The thresholds (``answer``, ``relevant``, ``extra``) are chosen by grid search
   to maximise the utility of the verdicts the scorer gives on the tune half
   (a correct answer +1, related with the answer +0.6, a wrong answer -0.5, a
   false refusal -1, a correct refusal +1, an unanswerable hedged +0.5, an
   unanswerable answered -1.5).

The held-out half is never read here; ``policyqa eval --split heldout`` reports it.
"""

from __future__ import annotations

import argparse
import json
from difflib import SequenceMatcher
from itertools import product
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from app.answering.chat import ChatService, Evidence, chat_service
from app.answering.evidence import (
    DECISION_FEATURES,
    FEATURES,
    MODEL_FILE,
    AnswerModel,
    Candidate,
    Thresholds,
    decision_features,
)
from app.answering.models import Answer
from app.config import Settings
from app.evaluation import QAItem, load_qa, normalise, select, verdict
from app.service import SearchService

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_QA = (ROOT / "data" / "eval" / "dev_v2.jsonl", ROOT / "data" / "eval" / "dev_v3.jsonl")
UTILITY = {
    "correct": 1.0,
    "related_hit": 0.3,
    "related_miss": 0.0,
    "wrong": -0.5,
    "false_refusal": -1.0,
    "correct_refusal": 1.0,
    "hedged": 0.3,
    "answered_unanswerable": -1.0,
}
L2 = 1.0
GRID_ANSWER = tuple(np.round(np.arange(0.2, 0.86, 0.05), 2))
GRID_RELEVANT = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15)
GRID_EXTRA = (0.2, 0.3, 0.4, 0.5, 0.6)
_MIN_OVERLAP = 8


def holds_answer(item: QAItem, candidate: Candidate) -> bool:
    """Whether the candidate sentence holds (part of) the gold answer."""
    if not item.answerable or not item.is_hit(candidate.hit.chunk.text):
        return False
    sentence = normalise(candidate.text)
    musts = [normalise(m) for m in (*item.must, *item.must_any)]
    if any(m and m in sentence for m in musts):
        return True
    for evidence in map(normalise, item.evidence):
        match = SequenceMatcher(None, sentence, evidence, autojunk=False).find_longest_match()
        if match.size >= min(_MIN_OVERLAP, len(evidence)):
            return True
    return False


def question_evidence(chat: ChatService, item: QAItem) -> Evidence | None:
    """The pipeline's evidence for ``item``, or None when scope refuses it before evidence is weighed."""
    evidence = chat.gather(item.question, item.history, None)
    return evidence if isinstance(evidence, Evidence) else None


def fit_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """L2-regularised logistic regression (the bias is not penalised)."""
    penalty = np.ones(x.shape[1])
    penalty[0] = 0.0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        p = 1 / (1 + np.exp(-z))
        value = np.sum(np.logaddexp(0, z) - y * z) + 0.5 * L2 * np.sum(penalty * w * w)
        return value, x.T @ (p - y) + L2 * penalty * w

    return minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x


def _answer(chat: ChatService, evidence: Evidence | None, scored: list[Candidate], status: str | None = None) -> Answer:
    if evidence is None:
        return Answer("", [], "refused")
    status = status or chat.decide(chat.model.confidence(scored) if scored else 0.0)
    if status == "refused":
        return Answer("", [], "refused")
    text, citations = chat.compose(evidence, scored, status)
    return Answer(text, citations, status)


def fit(chat: ChatService, items: list[QAItem]) -> dict:
    per_question = [(item, question_evidence(chat, item)) for item in items]
    rows = [(c.features, holds_answer(item, c)) for item, ev in per_question if ev for c in ev.found]
    x = np.array([f for f, _ in rows], dtype=np.float64)
    y = np.array([label for _, label in rows], dtype=np.float64)
    weights = fit_weights(x, y)

    # the decision model: does quoting the best candidate answer the question?
    chat.model = AnswerModel(tuple(weights), (0.0,) * len(DECISION_FEATURES), Thresholds(0.0, 0.0, 0.5))
    scored_all = [(item, ev, chat.model.score(ev.found) if ev else []) for item, ev in per_question]
    decided = [
        (decision_features(s), verdict(item, _answer(chat, ev, s, "answered")) == "correct")
        for item, ev, s in scored_all
        if ev is not None
    ]
    dx = np.array([f for f, _ in decided], dtype=np.float64)
    dy = np.array([ok for _, ok in decided], dtype=np.float64)
    decision_weights = fit_weights(dx, dy)

    best: tuple[float, Thresholds] | None = None
    for answer, relevant, extra in product(GRID_ANSWER, GRID_RELEVANT, GRID_EXTRA):
        if relevant >= answer:
            continue
        thresholds = Thresholds(float(answer), float(relevant), float(extra))
        chat.model = AnswerModel(tuple(weights), tuple(decision_weights), thresholds)
        utility = sum(UTILITY[verdict(item, _answer(chat, ev, scored))] for item, ev, scored in scored_all)
        if best is None or utility > best[0] + 1e-9:
            best = (utility, chat.model.thresholds)
    assert best is not None
    return {
        "features": list(FEATURES),
        "weights": [round(float(w), 4) for w in weights],
        "decision_features": list(DECISION_FEATURES),
        "decision_weights": [round(float(w), 4) for w in decision_weights],
        "thresholds": {k: round(v, 3) for k, v in vars(best[1]).items()},
        "fitted_on": {
            "questions": len(items),
            "sentences": len(rows),
            "positives": int(y.sum()),
            "answered_right_if_forced": int(dy.sum()),
            "tune_utility": round(best[0], 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--qa", type=Path, nargs="*", default=list(DEFAULT_QA))
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    settings = Settings(**({"index_dir": args.index_dir} if args.index_dir else {}))
    service = SearchService(settings)
    service.warm_up()
    chat = chat_service(service)
    items = select([item for path in args.qa for item in load_qa(path)], "tune")
    model = fit(chat, items)
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in model.items() if k != "features"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
