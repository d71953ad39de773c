"""The answering pipeline: standalone question → retrieval → refusal decision → answer → citations.

One place decides everything a parent sees:

- **Refusal** comes from retrieval evidence, not from a prompt: the question's
  concept coverage by its best passages (evidence.py) must reach
  ``refusal_threshold`` (0.5, chosen on the dev questions: the answerable ones
  cover 0.57 and up, the unanswerable ones 0.41 and below; docs/answering.md).
  A question about a place no document covers (上海) is refused outright, and so is
  one asking for a kind of figure (几点, 多少钱, 多少所) that no passage states.
- **Jurisdiction**: a question that names a place is answered only from that
  place's documents (or an area containing it). A question that names none, whose
  best evidence comes from several regions, is answered per region, each labelled.
- **Answerer**: an LLM if configured, with every sentence verified against the
  passages it cites (verify.py); otherwise, or when the LLM fails or nothing it
  says survives verification, the extractive answerer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from app.answering.evidence import QuestionAnalysis, analyse_question
from app.answering.extractive import ExtractiveAnswerer, Quote, cite
from app.answering.followup import carry_over
from app.answering.models import Answer, ChatEvent, CitationsEvent, TokenEvent, Turn
from app.answering.protocols import Generator, GeneratorError
from app.answering.verify import VerifiedStream
from app.prompts import render_prompt
from app.service import SearchService
from index.retrieve import Hit, HybridRetriever, SearchFilters
from ingest.regions import split_region

log = logging.getLogger(__name__)

REFUSAL = "现有政策文件中没有找到能回答这个问题的内容。建议直接咨询当地教育局或学校。"
REFUSAL_PLACE = "现有政策文件中没有找到{place}的相关规定（目前收录的文件来自：{covered}）。建议咨询{place}教育局。"
PER_REGION_HINT = "各地区的情况不同："
PER_REGION_TAIL = "如需了解某个地区，请在问题中写明地区。"
_STREAM_PIECE = re.compile(r".+?(?:[，,；;：:。！？!?]+[”’」』）)》]*(?:\[\d+\])*|$)", re.S)


@dataclass(frozen=True)
class ChatConfig:
    refusal_threshold: float = 0.5
    context_passages: int = 5
    max_regions: int = 3
    region_ratio: float = 0.75


def short_region(region: str | None) -> str:
    return split_region(region)[-1] if region else "未注明地区"


class ChatService:
    def __init__(
        self,
        search: SearchService,
        config: ChatConfig | None = None,
        generator: Generator | None = None,
        answerer: ExtractiveAnswerer | None = None,
    ) -> None:
        self.search = search
        self.config = config or ChatConfig()
        self.generator = generator
        self.answerer = answerer or ExtractiveAnswerer()

    # -- public ------------------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[Turn] = (), region: str | None = None) -> Answer:
        answer = None
        for event in self.events(question, history, region):
            if isinstance(event, CitationsEvent):
                answer = event.answer
        assert answer is not None
        return answer

    def events(self, question: str, history: Sequence[Turn] = (), region: str | None = None) -> Iterator[ChatEvent]:
        """Text deltas of the answer, then one ``CitationsEvent`` carrying the whole answer."""
        retriever = self.search.retriever
        query = self.standalone_question(question, history, retriever)
        analysis = analyse_question(query, retriever)
        places = [p for p in [retriever.gazetteer.resolve(region)] if p] if region else list(analysis.places)

        refusal = self._place_refusal(retriever, places, region)
        hits: list[Hit] = []
        if refusal is None:
            filters = SearchFilters(region=region) if region else None
            hits = retriever.search(query, self.config.context_passages, filters)
            if places:
                hits = [h for h in hits if h.region_tier > 0 or region]
            evidence = max((analysis.coverage(h.chunk.index_text()) for h in hits[:3]), default=0.0)
            figure_missing = analysis.unit is not None and not any(analysis.states_quantity(h.chunk.text) for h in hits)
            if evidence < self.config.refusal_threshold or figure_missing:
                refusal = (REFUSAL, "no_evidence")
        if refusal is not None:
            text, reason = refusal
            yield TokenEvent(text)
            yield CitationsEvent(Answer(text, [], refused=True, refusal_reason=reason, query=query))
            return

        if self.generator is not None:
            produced = yield from self._llm_events(query, hits)
            if produced is not None:
                produced.query = query
                yield CitationsEvent(produced)
                return

        text, citations = self._extractive(analysis, hits, per_region_allowed=not places)
        for piece in _STREAM_PIECE.findall(text):
            yield TokenEvent(piece)
        yield CitationsEvent(Answer(text, citations, answerer="extractive", query=query))

    def standalone_question(self, question: str, history: Sequence[Turn], retriever: HybridRetriever) -> str:
        if not history:
            return question
        if self.generator is not None:
            try:
                prompt = render_prompt("condense", history=history, question=question)
                condensed = "".join(self.generator.stream(prompt)).strip()
                condensed = condensed.splitlines()[0].strip() if condensed else ""
                if 0 < len(condensed) <= 200:
                    return condensed
            except GeneratorError as exc:
                log.warning("condense with the LLM failed (%s); carrying the topic over instead", exc)
        return carry_over(question, history, retriever.gazetteer, retriever.index.keyword_index.tokenizer)

    # -- steps -------------------------------------------------------------------------------

    @staticmethod
    def _place_refusal(
        retriever: HybridRetriever, places: list[tuple[str, ...]], region: str | None
    ) -> tuple[str, str] | None:
        if region and not retriever.matches_any(SearchFilters(region=region)):
            places_named = region
        elif not region and places and not retriever.covers(places):
            places_named = "、".join(p[-1] for p in places)
        else:
            return None
        regions = sorted({short_region(r) for r in retriever.covered_regions})
        return REFUSAL_PLACE.format(place=places_named, covered="、".join(regions)), "place_not_covered"

    def _extractive(self, analysis: QuestionAnalysis, hits: list[Hit], per_region_allowed: bool) -> tuple[str, list]:
        quotes = self.answerer.select(analysis, hits)
        if per_region_allowed:
            lines = self._per_region(analysis, hits)
            if lines:
                return cite([(PER_REGION_HINT, []), *lines, (PER_REGION_TAIL, [])])
        title = quotes[0].hit.chunk.metadata.title
        return cite([(f"据《{title}》：" if title else "", quotes)])

    def _per_region(self, analysis: QuestionAnalysis, hits: list[Hit]) -> list[tuple[str, list[Quote]]]:
        """One labelled line per region when several regions each answer the question on their own.

        A region answers when its best sentence covers the question (≥ the refusal threshold) and, for a
        question asking for a figure, states that kind of figure; for other questions it must also score
        close to the best region's sentence, so one clearly better source gives a single answer."""
        best: dict[str, Quote] = {}
        for quote in self.answerer.candidates(analysis, hits):
            best.setdefault(quote.hit.chunk.metadata.region or "", quote)
        top = max((q.score for q in best.values()), default=0.0)

        def answers(quote: Quote) -> bool:
            if analysis.coverage(quote.text) < self.config.refusal_threshold:
                return False
            if analysis.asks_number:
                return analysis.states_quantity(quote.text)
            return quote.score >= self.config.region_ratio * top

        strong = [region for region, quote in best.items() if answers(quote)][: self.config.max_regions]
        if len(strong) < 2:
            return []
        return [(f"{short_region(r)}：", [self.answerer._trim(best[r], analysis)]) for r in strong]

    def _llm_events(self, query: str, hits: list[Hit]) -> Iterator[ChatEvent]:
        """Stream verified LLM sentences; return the answer, or None to fall back to extractive."""
        assert self.generator is not None
        verified = VerifiedStream(hits)
        try:
            for delta in self.generator.stream(render_prompt("answer", passages=hits, question=query)):
                for sentence in verified.feed(delta):
                    yield TokenEvent(sentence)
            for sentence in verified.finish():
                yield TokenEvent(sentence)
        except GeneratorError as exc:
            log.warning("LLM failed (%s)", exc)
        if not verified.text:
            log.info("no LLM sentence survived verification; answering extractively")
            return None
        return Answer(verified.text, verified.citations(), answerer="llm")
