"""The offline answerer: quote the one to three sentences that answer the question, with [n] markers.

Sentences are scored by how much of the question they cover (see evidence.py),
with a little help from the passage around them and from the retrieval rank,
and a bonus when the question asks for a figure or date and the sentence has
one. Sentences are quoted exactly (numbers, dates and names are never
rewritten); a long sentence is cut down to its best run of clauses, and the cut
is shown with ……. Quotes from several regions are labelled by region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.answering.evidence import QuestionAnalysis
from app.answering.models import Citation
from app.answering.safety import looks_like_instruction
from index.retrieve import Hit
from ingest.chunk import split_sentences

_CLAUSE_END = re.compile(r"[，,；;：:]")
_CONTEXT_WEIGHT = 0.3
_RANK_PENALTY = 0.03
_NUMBER_BONUS = 0.15
_SECOND_SENTENCE_RATIO = 0.8


@dataclass(frozen=True)
class Quote:
    """An exact span of a passage's text chosen to answer the question."""

    hit: Hit
    rank: int
    start: int
    end: int
    score: float
    cut_before: bool = False
    cut_after: bool = False

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start : self.end]

    @property
    def shown(self) -> str:
        return ("……" if self.cut_before else "") + self.text + ("……" if self.cut_after else "")


def _best_clause_window(text: str, start: int, end: int, analysis: QuestionAnalysis, limit: int) -> tuple[int, int]:
    """The run of whole clauses within ``limit`` characters that covers most of the question."""
    cuts = [start] + [m.end() for m in _CLAUSE_END.finditer(text, start, end)] + [end]
    cuts = sorted(set(cuts))
    best, best_span = -1.0, (start, min(end, start + limit))
    for i in range(len(cuts) - 1):
        for j in range(i + 1, len(cuts)):
            if cuts[j] - cuts[i] > limit:
                break
            score = analysis.coverage(text[cuts[i] : cuts[j]]) + 0.001 * (cuts[j] - cuts[i]) / limit
            if score > best:
                best, best_span = score, (cuts[i], cuts[j])
    return best_span


class ExtractiveAnswerer:
    def __init__(self, max_sentence_chars: int = 120, max_sentences: int = 3) -> None:
        self.max_sentence_chars = max_sentence_chars
        self.max_sentences = max_sentences

    def candidates(self, analysis: QuestionAnalysis, hits: list[Hit]) -> list[Quote]:
        """Every sentence of the passages, scored, best first."""
        quotes = []
        for rank, hit in enumerate(hits):
            text = hit.chunk.text
            context = analysis.coverage(hit.chunk.index_text())
            for start, end in split_sentences(text):
                sentence = text[start:end]
                if looks_like_instruction(sentence):
                    continue
                score = analysis.coverage(sentence) + _CONTEXT_WEIGHT * context - _RANK_PENALTY * rank
                if analysis.states_quantity(sentence):
                    score += _NUMBER_BONUS
                quotes.append(Quote(hit, rank, start, end, score))
        quotes.sort(key=lambda q: (-q.score, q.rank, q.start))
        return quotes

    def _trim(self, quote: Quote, analysis: QuestionAnalysis) -> Quote:
        if quote.end - quote.start <= self.max_sentence_chars:
            return quote
        text = quote.hit.chunk.text
        start, end = _best_clause_window(text, quote.start, quote.end, analysis, self.max_sentence_chars)
        return Quote(quote.hit, quote.rank, start, end, quote.score, start > quote.start, end < quote.end)

    def select(self, analysis: QuestionAnalysis, hits: list[Hit]) -> list[Quote]:
        """The best sentence, plus up to two more that score nearly as well and add something it lacks."""
        ranked = self.candidates(analysis, hits)
        if not ranked:
            return []
        chosen = [ranked[0]]
        for quote in ranked[1:]:
            if len(chosen) == self.max_sentences or quote.score < _SECOND_SENTENCE_RATIO * chosen[0].score:
                break
            said = "".join(c.text for c in chosen)
            if analysis.coverage(said + quote.text) > analysis.coverage(said) or (
                analysis.states_quantity(quote.text) and not analysis.states_quantity(said)
            ):
                chosen.append(quote)
        chosen = [self._trim(q, analysis) for q in chosen]
        return sorted(chosen, key=lambda q: (q.rank, q.start))


def cite(quotes_by_line: list[tuple[str, list[Quote]]]) -> tuple[str, list[Citation]]:
    """Compose answer lines ``prefix + quote[n] …`` and the citations they reference, numbered by first use."""
    numbers: dict[str, int] = {}
    used: dict[int, list[Quote]] = {}
    lines = []
    for prefix, quotes in quotes_by_line:
        parts = []
        for quote in quotes:
            key = quote.hit.chunk.chunk_id
            n = numbers.setdefault(key, len(numbers) + 1)
            used.setdefault(n, []).append(quote)
            parts.append(f"{quote.shown}[{n}]")
        lines.append(prefix + "".join(parts))
    citations = []
    for n, quotes in sorted(used.items()):
        in_order = sorted(quotes, key=lambda q: q.start)
        citations.append(Citation.of(n, quotes[0].hit.chunk, [q.text for q in in_order]))
    return "\n".join(lines), citations
