"""Evaluation on question files in the format of data/eval/dev_v2.jsonl (dev_qa.jsonl is a subset of it).

A retrieved passage is a hit when, after NFKC normalisation and removal of
whitespace and punctuation, it contains the normalised evidence (or any one of
``evidence_any``). Chat verdicts follow the independent HTTP scorer the project is
judged with (``score_http.py``, kept outside this repository), so the two agree:

- answerable: ``correct`` (status ``answered``, every ``must`` in the answer, a
  citation containing the evidence), ``wrong``, ``false_refusal``, and for status
  ``related`` ``related_hit`` / ``related_miss`` (the same test);
- unanswerable: ``correct_refusal`` (refused, nothing cited), ``hedged`` (related),
  ``answered_unanswerable``.

Tune on one part, measure on the other: ``select`` halves every style into
``tune`` and ``heldout`` by a hash of each question.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from app.answering.models import Answer, Turn
from index.retrieve import Hit

Split = Literal["tune", "heldout"]
Verdict = Literal[
    "correct", "wrong", "false_refusal", "related_hit", "related_miss", "correct_refusal", "hedged",
    "answered_unanswerable",
]  # fmt: skip
_ANSWERABLE_VERDICTS = ("correct", "wrong", "false_refusal", "related_hit", "related_miss")


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
    must_any: tuple[str, ...] = ()
    audience: str | None = None
    style: str | None = None
    history: tuple[Turn, ...] = ()

    @property
    def group(self) -> str:
        """The style a question is reported under (follow-ups are ``followup``)."""
        return self.style or ("followup" if self.history else "plain")

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
            history = tuple(Turn(t["role"], t["content"]) for t in row.get("history", ()))
            items.append(
                QAItem(
                    id=str(row.get("id", number)),
                    question=row["question"],
                    evidence=tuple(evidence),
                    answerable=row.get("answerable", True),
                    must=tuple(row.get("must", ())),
                    must_any=tuple(row.get("must_any", ())),
                    audience=row.get("audience"),
                    style=row.get("style"),
                    history=history,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a valid question record ({exc})") from exc
    return items


def select(items: Sequence[QAItem], split: Split | None) -> list[QAItem]:
    """The questions of one split, or all of them for ``None``.

    Within each style, questions ordered by a hash of their text alternate ``tune``, ``heldout``, so each
    style is halved and the assignment does not depend on how the system does on a question."""
    if split is None:
        return list(items)
    by_group: dict[str, list[QAItem]] = defaultdict(list)
    for item in items:
        by_group[item.group].append(item)
    chosen: set[int] = set()
    for members in by_group.values():
        members.sort(key=lambda i: hashlib.sha1(f"{i.id}|{i.question}".encode()).hexdigest())
        chosen.update(id(item) for n, item in enumerate(members) if (n % 2 == 0) == (split == "tune"))
    return [item for item in items if id(item) in chosen]


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
    """hit@1, hit@5 and MRR (over the top ``depth``) for answerable, self-contained questions with evidence."""
    scored = [item for item in items if item.answerable and item.evidence and not item.history]
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


def answer_is_good(item: QAItem, answer: Answer) -> bool:
    """Every ``must`` (and one of ``must_any``) in the answer, and a citation containing the evidence."""
    text = normalise(answer.answer)
    has_must = all(normalise(m) in text for m in item.must)
    has_any = not item.must_any or any(normalise(m) in text for m in item.must_any)
    cited = not item.evidence or any(item.is_hit(c.text + c.quote) for c in answer.citations)
    return has_must and has_any and cited


def verdict(item: QAItem, answer: Answer) -> Verdict:
    if item.answerable:
        if answer.status == "refused":
            return "false_refusal"
        good = answer_is_good(item, answer)
        if answer.status == "answered":
            return "correct" if good else "wrong"
        return "related_hit" if good else "related_miss"
    if answer.status == "refused" and not answer.citations:
        return "correct_refusal"
    return "hedged" if answer.status == "related" else "answered_unanswerable"


def chat_metrics(verdicts: Sequence[Verdict]) -> dict:
    """The chat metrics of ``score_http.py`` over a list of verdicts."""
    answerable = sum(v in _ANSWERABLE_VERDICTS for v in verdicts)
    unanswerable = len(verdicts) - answerable
    count = verdicts.count
    return {
        "answered_n": answerable,
        "answer_acc": round(count("correct") / max(answerable, 1), 3),
        "useful_acc": round((count("correct") + count("related_hit")) / max(answerable, 1), 3),
        "false_refusals": count("false_refusal"),
        "wrong": count("wrong"),
        "related": count("related_hit") + count("related_miss"),
        "refusal_n": unanswerable,
        "refusal_acc": round(count("correct_refusal") / max(unanswerable, 1), 3),
        "unanswerable_answered": round(count("answered_unanswerable") / max(unanswerable, 1), 3),
    }


@dataclass
class ChatScores:
    """Verdicts per question, and the metrics over all of them and per style."""

    verdicts: dict[str, Verdict] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)

    def overall(self) -> dict:
        return chat_metrics(list(self.verdicts.values()))

    def by_group(self) -> dict[str, dict]:
        grouped: dict[str, list[Verdict]] = defaultdict(list)
        for qid, v in self.verdicts.items():
            grouped[self.groups[qid]].append(v)
        return {g: chat_metrics(vs) for g, vs in sorted(grouped.items())}

    def misses(self) -> list[str]:
        return [qid for qid, v in self.verdicts.items() if v not in ("correct", "correct_refusal")]

    def as_dict(self) -> dict:
        return {**self.overall(), "by_style": self.by_group(), "misses": self.misses()}


def evaluate_chat(ask: Callable[[str, Sequence[Turn]], Answer], items: Sequence[QAItem]) -> ChatScores:
    """Ask every question (with its history) and score the answer as ``score_http.py`` does."""
    scores = ChatScores()
    for item in items:
        key = item.id
        while key in scores.verdicts:
            key += "'"
        scores.verdicts[key] = verdict(item, ask(item.question, item.history))
        scores.groups[key] = item.group
    return scores
