"""Retrieval evaluation on question files in the format of data/eval/dev_qa.jsonl.

A retrieved passage is a hit when, after NFKC normalisation and removal of
whitespace and punctuation, it contains the normalised evidence (or any one of
``evidence_any``). Scores are over answerable questions that carry evidence.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.answering.models import Answer
from index.retrieve import Hit


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not c.isspace() and not unicodedata.category(c).startswith(("P", "S")))


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    evidence: tuple[str, ...] = ()
    answerable: bool = True
    must: tuple[str, ...] = ()
    audience: str | None = None

    def is_hit(self, passage: str) -> bool:
        text = normalise(passage)
        return any(normalise(e) in text for e in self.evidence)


def load_qa(path: Path) -> list[QAItem]:
    """Read a JSONL question file; a malformed line fails with its line number."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            evidence = row.get("evidence_any") or ([row["evidence"]] if row.get("evidence") else [])
            items.append(
                QAItem(
                    id=str(row.get("id", number)),
                    question=row["question"],
                    evidence=tuple(evidence),
                    answerable=row.get("answerable", True),
                    must=tuple(row.get("must", ())),
                    audience=row.get("audience"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a valid question record ({exc})") from exc
    return items


@dataclass
class RetrievalScores:
    questions: int = 0
    hit_at_1: float = 0.0
    hit_at_5: float = 0.0
    mrr: float = 0.0
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "questions": self.questions,
            "hit@1": round(self.hit_at_1, 4),
            "hit@5": round(self.hit_at_5, 4),
            "mrr": round(self.mrr, 4),
            "misses_at_5": self.misses,
        }


def evaluate_retrieval(
    search: Callable[[str, int], Sequence[Hit]], items: Sequence[QAItem], depth: int = 10
) -> RetrievalScores:
    """hit@1, hit@5 and MRR (over the top ``depth``) for answerable questions with evidence."""
    scored = [item for item in items if item.answerable and item.evidence]
    result = RetrievalScores(questions=len(scored))
    if not scored:
        return result
    for item in scored:
        hits = search(item.question, depth)
        rank = next((i for i, h in enumerate(hits, 1) if item.is_hit(h.chunk.text)), None)
        result.hit_at_1 += rank == 1
        result.hit_at_5 += rank is not None and rank <= 5
        result.mrr += 1 / rank if rank else 0
        if rank is None or rank > 5:
            result.misses.append(item.id)
    result.hit_at_1 /= len(scored)
    result.hit_at_5 /= len(scored)
    result.mrr /= len(scored)
    return result


@dataclass
class AnswerScores:
    answerable: int = 0
    unanswerable: int = 0
    answer_accuracy: float = 0.0
    refusal_accuracy: float = 0.0
    false_refusals: int = 0
    wrong: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
            "answer_accuracy": round(self.answer_accuracy, 4),
            "refusal_accuracy": round(self.refusal_accuracy, 4),
            "false_refusals": self.false_refusals,
            "wrong": self.wrong,
        }


def answer_is_correct(item: QAItem, answer: Answer) -> bool:
    """All ``must`` strings in the answer, and at least one citation's passage contains the evidence."""
    if answer.refused:
        return False
    text = normalise(answer.answer)
    has_must = all(normalise(m) in text for m in item.must)
    return has_must and (not item.evidence or any(item.is_hit(c.text) for c in answer.citations))


def evaluate_answers(ask: Callable[[str], Answer], items: Sequence[QAItem]) -> AnswerScores:
    """Answer accuracy on answerable questions; refusal accuracy (refused, nothing cited) on the others."""
    result = AnswerScores()
    correct = refused_right = 0
    for item in items:
        answer = ask(item.question)
        if item.answerable:
            result.answerable += 1
            ok = answer_is_correct(item, answer)
            correct += ok
            result.false_refusals += answer.refused
        else:
            result.unanswerable += 1
            ok = answer.refused and not answer.citations
            refused_right += ok
        if not ok:
            result.wrong.append(item.id)
    result.answer_accuracy = correct / result.answerable if result.answerable else 0.0
    result.refusal_accuracy = refused_right / result.unanswerable if result.unanswerable else 0.0
    return result
