"""Step 4, composition: exact quotes with [n] markers, led by where and when they apply.

Quotes are exact substrings of passages (numbers, dates and names are never
rewritten). The best sentence is quoted; further sentences are added when the
model finds them nearly as likely to answer and they add something (a list
gathered across sentences, the figure the first one lacks). A sentence longer
than ``max_chars`` is cut to its best run of whole clauses, shown with ……, and
the cut keeps the year or subject a figure belongs to when the sentence opens
with one. Each line is led by the district and the document's title and date:
``玉泉区《…规划》（2022年7月）：…[1]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.answering.analysis import QuestionAnalysis
from app.answering.evidence import Candidate
from app.answering.models import Citation
from ingest.models import DocumentMetadata
from ingest.zh.places import split_region

_CLAUSE_END = re.compile(r"[，,；;：:]")
_OPENING = re.compile(r"^[^，,；;：:]{0,24}?(?:(?:19|20)\d\d年|[“\"《]?“?十[三四五]五”?|到|截至|截止|目前|全[区市旗])")
_OPENING_SLACK = 60
_LIST_SENTENCES = 4
_SENTENCES = 3


@dataclass(frozen=True)
class Quote:
    """An exact span of a passage's text chosen to answer the question."""

    candidate: Candidate
    start: int
    end: int
    cut_before: bool = False
    cut_after: bool = False

    @property
    def text(self) -> str:
        return self.candidate.hit.chunk.text[self.start : self.end]

    @property
    def shown(self) -> str:
        return ("……" if self.cut_before else "") + self.text + ("……" if self.cut_after else "")


_STATED_YEAR = re.compile(r"((?:19|20)\d\d)年")
_OPENING_YEAR = re.compile(r"\s*(?:截[至止])?((?:19|20)\d\d)年")
_NUMBER_FIGURE = re.compile(r"\d[\d.]*\s*(?:余|多)?[万个所名人%]")


def short_region(region: str | None) -> str:
    return split_region(region)[-1] if region else ""


def _clause_score(analysis: QuestionAnalysis, text: str) -> float:
    return analysis.coverage(text) + 0.5 * analysis.type_match(text) + 0.3 * analysis.bigram_recall(text)


def trim(candidate: Candidate, analysis: QuestionAnalysis, max_chars: int = 150) -> Quote:
    """The whole sentence, or its best run of clauses within ``max_chars`` (plus the opening clause that
    names the year or subject, when there is one)."""
    start, end = candidate.start, candidate.end
    if end - start <= max_chars:
        return Quote(candidate, start, end)
    text = candidate.hit.chunk.text
    cuts = sorted({start, *(m.end() for m in _CLAUSE_END.finditer(text, start, end)), end})
    best, span = -1.0, (start, min(end, start + max_chars))
    for i in range(len(cuts) - 1):
        for j in range(i + 1, len(cuts)):
            if cuts[j] - cuts[i] > max_chars:
                break
            score = _clause_score(analysis, text[cuts[i] : cuts[j]]) + 0.001 * (cuts[j] - cuts[i]) / max_chars
            if score > best:
                best, span = score, (cuts[i], cuts[j])
    if span[0] > start and _OPENING.match(text, start, end) and span[1] - start <= max_chars + _OPENING_SLACK:
        span = (start, span[1])  # keep "2020年，" / "到2025年，" that the figure belongs to
    return Quote(candidate, span[0], span[1], span[0] > start, span[1] < end)


def choose(scored: list[Candidate], analysis: QuestionAnalysis, extra_threshold: float) -> list[Candidate]:
    """The best sentence, and those nearly as likely that add to it, in reading order (the best one's passage
    first)."""
    if not scored:
        return []
    best = scored[0]
    limit = _LIST_SENTENCES if analysis.answer_type == "list" else _SENTENCES
    chosen = [best]
    for c in scored[1:]:
        if len(chosen) == limit or c.probability < extra_threshold:
            break
        if any(c.hit.chunk.doc_id != k.hit.chunk.doc_id for k in chosen):
            continue  # one document per line; several regions are composed per region
        said = "".join(k.text for k in chosen)
        if c.text in said:  # the same sentence from an overlapping passage
            continue
        # it adds a word of the question, and says something of what is asked: a sentence only on the earlier
        # question told as context (缺编, before 教育集团有几个) adds nothing
        on_ask = analysis.coverage(c.text, asked_only=True) > 0
        adds = (on_ask and analysis.coverage(said + c.text) > analysis.coverage(said)) or (
            analysis.type_match(c.text) and not analysis.type_match(said)
        )
        if adds or analysis.answer_type == "list":
            chosen.append(c)
    if not analysis.years and (later := _later_year(best, scored)) and all(later.text not in k.text for k in chosen):
        chosen.append(later)  # 2015年在校生5930人; asked for no year: 2020年在校生5147人, what is so now, too
    # in reading order within a passage; the best sentence's passage first, so the answer leads with it
    return sorted(chosen, key=lambda c: (c.rank != best.rank, c.rank, c.start))


def _later_year(best: Candidate, scored: list[Candidate]) -> Candidate | None:
    """The sentence right after ``best`` when it goes on with a later year's figure (…2015年在校生5930人; and
    2020年在校生5147人), or None."""
    years = [int(y) for y in _STATED_YEAR.findall(best.text)]
    text = best.hit.chunk.text
    for c in scored:
        if c.hit.chunk is best.hit.chunk and c.start >= best.end and not text[best.end : c.start].strip():
            opening = _OPENING_YEAR.match(c.text)
            if years and opening and int(opening.group(1)) > max(years) and _NUMBER_FIGURE.search(c.text):
                return c
            return None
    return None


def lead(meta: DocumentMetadata, section: str = "") -> str:
    """``玉泉区《title》（2022年7月）：`` with whatever of the three is known; with ``section`` (for a question
    asking where something is said), ``…（2022年7月）「三、主要任务 > （四）…」：``."""
    region = short_region(meta.region)
    title = f"《{meta.title}》" if meta.title else ""
    date = month_label(meta)
    place = region if region and region not in (meta.title or "") else ""
    text = f"{place}{title}{date}" or "据文件"
    return f"{text}「{section}」：" if section else f"{text}："


def month_label(meta: DocumentMetadata) -> str:
    """``（2022年7月）`` for a dated document, else ``""``."""
    if meta.date and (m := re.match(r"(\d{4})-(\d{2})", meta.date)):
        return f"（{m.group(1)}年{int(m.group(2))}月）"
    return ""


def region_label(meta: DocumentMetadata) -> str:
    """``玉泉区（2022年7月）：`` for a line of a per-region answer; a document of unknown region by its title."""
    name = short_region(meta.region) or (f"《{meta.title}》" if meta.title else "未注明地区的文件")
    return f"{name}{month_label(meta)}："


def _apart(before: Quote, after: Quote) -> bool:
    """Whether text stands between two quotes shown one after the other (they are not one passage read on), so
    the answer marks the gap: "…巩固率95.35%;[1]……2020年在校生5147人。[1]", not a false reading as one."""
    a, b = before.candidate.hit.chunk, after.candidate.hit.chunk
    if a.doc_id != b.doc_id:
        return True
    end, start = a.start + before.end, b.start + after.start
    if a.chunk_id == b.chunk_id:
        return start < end or bool(a.text[before.end : after.start].strip())
    return not 0 <= start - end <= 1


def cite(lines: list[tuple[str, list[Quote]]]) -> tuple[str, list[Citation]]:
    """Compose answer lines ``prefix + quote[n] …`` and the citations they reference, numbered by first use."""
    numbers: dict[str, int] = {}
    used: dict[int, list[Quote]] = {}
    out = []
    for prefix, quotes in lines:
        parts = []
        for i, quote in enumerate(quotes):
            key = quote.candidate.hit.chunk.chunk_id
            n = numbers.setdefault(key, len(numbers) + 1)
            used.setdefault(n, []).append(quote)
            gap = i > 0 and _apart(quotes[i - 1], quote) and not quote.cut_before and not quotes[i - 1].cut_after
            parts.append(f"{'……' if gap else ''}{quote.shown}[{n}]")
        out.append(prefix + "".join(parts))
    citations = []
    for n, quotes in sorted(used.items()):
        in_order = sorted(quotes, key=lambda q: q.start)
        citations.append(Citation.of(n, quotes[0].candidate.hit.chunk, [q.text for q in in_order]))
    return "\n".join(out), citations
