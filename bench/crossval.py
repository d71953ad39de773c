"""Each of the sets ``bench.calibrate.CROSS_SETS`` answered by an answer model fitted without it.

    python -m bench.crossval [--index-dir D]

The answer model is fitted on those sets too, so their figures under the stored model say little. This fits the
model as ``bench.calibrate`` does with one of them left out, asks that set's questions through the whole chat
pipeline (follow-ups with their history), and prints its figures; then the four pooled. Compare two versions of
the code by these figures, not by the stored model's on questions it was fitted on. About two minutes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from app.answering.chat import ChatService, Evidence
from app.answering.evidence import AnswerModel
from app.config import Settings
from app.evaluation import ChatScores, QAItem, evaluate_chat, load_qa, verdict
from bench.calibrate import (
    CMRC_WEIGHT,
    CROSS_SETS,
    DEFAULT_QA,
    TRAIN_ONLY,
    cmrc_examples,
    composed_answer,
    fit,
    off_topic_examples,
    policy_examples,
)
from bench.cmrc_set import SHARED_CMRC

UNANSWERABLE_LET_THROUGH = (0.05, 0.10, 0.15, 0.20)
_HEADER = (
    f"{'left out':18}{'n':>5}{'answer':>8}{'useful':>8}{'false_ref':>10}{'unans_n':>8}{'unans_answered':>15}"
    f"{'tradeoff':>10}"
)

Ranked = list[tuple[bool, float, bool]]  # answerable, confidence, the answer is correct when given


def ranked(chat: ChatService, items: list[QAItem]) -> Ranked:
    """Each question's confidence, and whether the answer would be correct if it were given (whatever the
    threshold): the threshold-free view of the decision."""
    rows = []
    for item in items:
        evidence = chat.gather(item.question, item.history, None)
        scored = chat.model.score(evidence.found) if isinstance(evidence, Evidence) else []
        if not isinstance(evidence, Evidence) or not scored:
            rows.append((item.answerable, -1.0, False))
            continue
        given = verdict(item, composed_answer(chat, evidence, scored, "answered")) == "correct"
        rows.append((item.answerable, chat.model.confidence(scored, evidence.analysis), given))
    return rows


def tradeoff(rows: Ranked) -> float:
    """Answered correctly, averaged over the thresholds that let ``UNANSWERABLE_LET_THROUGH`` of the unanswerable
    questions through: how well confidence separates right answers from unanswerable questions."""
    return float(np.mean(curve(rows)))


def curve(rows: Ranked) -> list[float]:
    """Answered correctly at each threshold letting ``UNANSWERABLE_LET_THROUGH`` of the unanswerable through."""
    unanswerable = sorted((c for answerable, c, _ in rows if not answerable), reverse=True)
    answerable = [(c, given) for ok, c, given in rows if ok]
    if not unanswerable or not answerable:
        return [float("nan")]
    at = [unanswerable[int(share * len(unanswerable))] for share in UNANSWERABLE_LET_THROUGH]
    return [float(np.mean([given and c > t for c, given in answerable])) for t in at]


def _line(name: str, scores: ChatScores, rows: Ranked) -> str:
    m = scores.overall()
    return (
        f"{name:18}{m['answered_n']:>5}{m['answer_acc']:>8.3f}{m['useful_acc']:>8.3f}{m['false_refusals']:>10}"
        f"{m['refusal_n']:>8}{m['unanswerable_answered']:>15.3f}{tradeoff(rows):>10.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--cmrc", type=Path, default=SHARED_CMRC, help="CMRC 2018 trial set (skipped when absent)")
    args = parser.parse_args()
    settings = Settings(**({"index_dir": args.index_dir} if args.index_dir else {}))
    chat, examples = policy_examples(settings, list(DEFAULT_QA), list(TRAIN_ONLY))
    if args.cmrc.exists():
        examples += off_topic_examples(chat, args.cmrc) + cmrc_examples(args.cmrc, CMRC_WEIGHT)
    pooled, pooled_rows = ChatScores(), []
    lines = []
    for left_out in CROSS_SETS:
        chat.model = AnswerModel.from_dict(fit(chat, [ex for ex in examples if ex.source != left_out.name]))
        items = load_qa(left_out)
        scores, rows = evaluate_chat(chat.ask, items), ranked(chat, items)
        lines.append(_line(left_out.stem, scores, rows))
        pooled.verdicts.update({f"{left_out.stem}/{key}": v for key, v in scores.verdicts.items()})
        pooled.groups.update({f"{left_out.stem}/{key}": group for key, group in scores.groups.items()})
        pooled_rows += rows
    print(_HEADER, *lines, _line("pooled", pooled, pooled_rows), sep="\n")
    shares = "/".join(f"{share:.0%}".rstrip("%") for share in UNANSWERABLE_LET_THROUGH)
    points = " ".join(f"{a:.3f}" for a in curve(pooled_rows))
    print(f"pooled, answered correctly at a threshold answering {shares} % of the unanswerable: {points}")
    print(f"\npooled per style\n{'style':18}{'n':>5}{'answer':>8}{'useful':>8}{'unans_n':>8}{'unans_answered':>15}")
    for style, m in pooled.by_group().items():
        print(
            f"{style:18}{m['answered_n']:>5}{m['answer_acc']:>8.3f}{m['useful_acc']:>8.3f}{m['refusal_n']:>8}"
            f"{m['unanswerable_answered']:>15.3f}"
        )


if __name__ == "__main__":
    main()
