"""The gaps report: what people ask most, what was refused, what was marked 没帮助 — grouped by similarity,
so staff see which policy topics the corpus is missing."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

from app.conversations import ConversationLog
from index.protocols import Encoder

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection): a leading ' when it starts like one."""
    return "'" + text if text.startswith(_FORMULA_START) else text


SIMILAR = 0.8  # cosine (USE) at which two questions count as the same question


@dataclass
class QuestionGroup:
    question: str  # the most asked wording
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class Report:
    days: int
    conversations: int
    frequent: list[QuestionGroup]
    refused: list[QuestionGroup]
    unhelpful: list[QuestionGroup]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["kind", "question", "count", "examples"])
        for kind in ("frequent", "refused", "unhelpful"):
            for group in getattr(self, kind):
                writer.writerow([kind, _cell(group.question), group.count, _cell(" | ".join(group.examples))])
        return out.getvalue()

    def as_dict(self) -> dict:
        return asdict(self)


def group_questions(questions: list[str], encoder: Encoder, top: int) -> list[QuestionGroup]:
    """Greedy clustering: most asked wording first; each question joins the first group it is similar to."""
    counts = Counter(q.strip() for q in questions if q.strip())
    if not counts:
        return []
    wordings = [q for q, _ in counts.most_common()]
    vectors = encoder.encode_queries(wordings)
    groups: list[tuple[np.ndarray, QuestionGroup]] = []
    for wording, vector in zip(wordings, vectors, strict=True):
        match = next((g for v, g in groups if float(v @ vector) >= SIMILAR), None)
        if match is None:
            groups.append((vector, QuestionGroup(wording, counts[wording], [wording])))
        else:
            match.count += counts[wording]
            if len(match.examples) < 5:
                match.examples.append(wording)
    ranked = sorted((g for _, g in groups), key=lambda g: -g.count)
    return ranked[:top]


def build_report(log: ConversationLog, encoder: Encoder, days: int = 30, top: int = 20) -> Report:
    log.purge()
    rows = log.since(days)
    return Report(
        days=days,
        conversations=len(rows),
        frequent=group_questions([r.question for r in rows], encoder, top),
        refused=group_questions([r.question for r in rows if r.status != "answered"], encoder, top),
        unhelpful=group_questions([r.question for r in rows if r.helpful is False], encoder, top),
    )
