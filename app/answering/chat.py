"""The answering pipeline: standalone question → analysis → scope → evidence and decision → composition.

Each step lives in its own module and is testable alone:

1. ``followup.standalone`` — an elliptical follow-up inherits the previous topic.
2. ``analysis.analyse_question`` — concepts (with synonyms), places, answer type.
3. ``scope.place_refusal`` — a place the corpus does not cover is refused.
4. ``evidence`` — every retrieved sentence scored by the fitted answer model;
   the best probability decides ``answered`` / ``related`` / ``refused``.
5. ``extractive`` — exact quotes, led by district, title and date; per region
   when several regions each answer a question that names none.

The answer's ``status`` is one of three: ``answered`` (the documents answer it),
``related`` (they discuss it but do not clearly answer: said plainly, with the
closest passages cited), ``refused`` (out of scope, or nothing relevant).

An LLM, when configured, writes the ``answered`` text; every sentence it writes
is verified against the passages it cites (verify.py), and the extractive answer
is the fallback. The decision is made from retrieval evidence before any LLM is
asked, so a prompt cannot talk its way past it.
"""

from __future__ import annotations

import collections.abc
import itertools
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.answering.analysis import (
    CHINESE_DIGITS,
    QuestionAnalysis,
    analyse_question,
    asked_ordinal,
    asks_part,
    asks_when_issued,
    content_bigrams,
    issued_document,
    named_item,
    outline_ordinal,
)
from app.answering.evidence import FEATURES, AnswerModel, Candidate, SentenceSimilarity, candidates
from app.answering.extractive import Quote, choose, cite, lead, month_label, region_label, trim
from app.answering.followup import (
    asks_more,
    cites,
    depends_on_history,
    listed_items,
    only_where_asked,
    previous_quotes,
    quotes_of,
    says_nothing,
    standalone,
)
from app.answering.generators import load_generator
from app.answering.models import Answer, ChatEvent, Citation, CitationsEvent, Status, TokenEvent, Turn
from app.answering.outline import children, counted_items, counted_list, loose, named_part, outline, which_item
from app.answering.prompts import render_prompt
from app.answering.protocols import Generator, GeneratorError
from app.answering.scope import (
    NO_SOURCE,
    NOT_CHINESE,
    NOT_SAID,
    REFUSAL_OPENING,
    UNCLEAR,
    Refusal,
    covered_places,
    in_jurisdiction,
    place_refusal,
    small_talk,
)
from app.answering.verify import VerifiedStream
from app.config import Settings
from index.retrieve import Hit, HybridRetriever, SearchFilters
from ingest.clean import PUBLICATION_LINE
from ingest.models import Chunk
from ingest.zh.places import region_tier, split_region
from ingest.zh.script import to_simplified
from ingest.zh.sentences import heading_of, split_sentences, without_mark
from ingest.zh.stages import stage_words_in
from ingest.zh.synonyms import Lexicon

log = logging.getLogger(__name__)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")

NOT_FOUND = REFUSAL_OPENING + "找到与这个问题相关的内容（目前收录的是{covered}的教育政策文件）。{tail}"
# a place only the documents of an area containing it speak of (东河区: 包头市's), and nothing found in them
NOT_FOUND_WIDER = "现有政策文件中没有专门针对{asked}的文件，{wider}的文件里也没有找到与这个问题相关的内容。{tail}"
TRY_AGAIN = "可以换个说法，或写明地区后再问。"
TRY_AGAIN_NAMED = "可以换个说法再问。"  # the question already names its place
# Said when the documents discuss the question but the answer is not clearly there. Worded so that it is
# true both when the documents do not say it and when the answer is in the quotes but we are not sure: we
# could not confirm it, not "it is not there".
HEDGES = {
    "number": "未能确认文件中写明了这个数字。",
    "date": "未能确认文件中写明了具体时间。",
    "time": "未能确认文件中写明了具体时间。",
    "list": "未能确认文件中有完整的列举。",
    "location": "未能确认文件中写明了具体地点。",
    "procedure": "未能确认文件中写明了办理方式（网址、电话或步骤）。",
    "other": "未能确认文件中有对这个问题的明确回答。",
}
RELATED_TAIL = "最相关的内容如下，请对照原文核实："
PER_REGION_HINT = "各地区的情况不同："
PAST_THE_LIST = "上一条回答列出的{n}项就是文件中这份清单的全部，没有第{nth}项。最后一项是："
PLACE_UNSAID = "{place}：文件中没有找到明确的说法。"
OTHER_AREA_PART = "注意：以下是{quoted}的说法，不是{asked}整体的。"
OTHER_AREA_WHOLE = "注意：以下是{quoted}的说法，不是专门针对{asked}的。"
ITEM_INDENT = "　"  # an item listed under a heading, on its own line
NO_PUBLICATION_LINE = "文件中没有写明发布日期和发布单位。上一条回答引用的是："
NO_PUBLICATION_LINE_NAMED = "文件中没有写明发布日期和发布单位。这份文件是："
_ISSUING_NOTICE = re.compile(r"关于(?:印发|发布|转发)")  # 玉泉区人民政府办公室关于印发《…》的通知
_ASKS_BY_WHOM = re.compile(r"谁|部门|单位|机构")
NO_PUBLICATION_LINE_DATED = "文件正文中没有写明发布日期和发布单位，收录时登记的日期是{date}。上一条回答引用的是："
WHERE_PART = "所在部分："
WHERE_DOCUMENT = "出自："
PER_REGION_TAIL = "如需了解某个地区，请在问题中写明地区。"
PER_REGION_MORE = "另有{n}个地区（{names}等）的文件也有相关内容。"
_STREAM_PIECE = re.compile(r".+?(?:[，,；;：:。！？!?]+[”’」』）)》]*(?:\[\d+\])*|$)", re.S)
_RELATED_QUOTES = 4
_PART_CANDIDATES = 10  # best candidates looked through for the one under the part a question names
_PART_COVERAGE = 0.5  # of the question's words, the share that candidate has when the question quotes no term
_STATUS_RANK = {"refused": 0, "related": 1, "answered": 2}
_HEADING_LINE = FEATURES.index("heading_like")
_QUOTE_CHARS = 150  # longest quote; with more than two quotes or regions, shorter: it is read on a phone
_SHORT_QUOTE_CHARS = 90
_SHORTEST_QUOTE_CHARS = 75  # four quotes or more
_SOURCE_PASSAGES = 5  # passages searched for the one holding a quote of the last answer
# asked alone after an answer, to be told more of it: 具体说说, 具体怎么做, 详细讲讲, 展开说说
_GO_ON = re.compile(
    r"(?:那|那么)?(?:具体|详细|展开|仔细|再)(?:点|些|一点)?(?:说说|讲讲|说一下|讲一下|介绍一下|介绍介绍|说|讲|"
    r"怎么做|怎么搞|咋做|咋搞|怎么落实|怎么弄|有哪些|有啥|是什么|是啥)(?:呢|吧|啊|呀|吗)?"
)
_GO_ON_NOISE = re.compile(r"[\s？?。！!，,~～]")
_GO_ON_SENTENCES = 3  # sentences told at most
# an answer in other words is where the documents say it when one sentence holds this share of its character pairs
_LOCATED = 0.6
_MIN_LOCATED = 6  # character pairs: a shorter answer (是的。) is found anywhere
_FIGURES = re.compile(r"\d+(?:\.\d+)?")
_CLAIM_CHARS = 40  # of a claim quoted back in a refusal
_LAST_ITEM = re.compile(
    r"(?:那|那么)?最后(?:一)?(?:个|条|项|点|部分)(?:是什么|是啥|是哪个|呢|讲了?什么|说了?什么)?[？?。！!]*"
)
_BARE_ORDINAL_LEAD = re.compile(r"[\s，,。]|那么|那|然后|还有|再")  # 那第三个呢: nothing but the ordinal asked
_NAMED_ITEM_SENTENCES = 2  # an item asked by a term it holds (“均衡化”那一条写了什么): its opening and what follows
# an item opening a paragraph (一是…, （一）…, 1.…) and its opening clause
_ITEM_MARK = re.compile(
    r"^(?:(?P<shi>[一二三四五六七八九十]+是)|(?P<paren>[（(][一二三四五六七八九十\d]+[）)])|(?P<dot>\d+[.．、](?!\d)))"
)
_OPENING_CLAUSE = re.compile(r"[^，,：:。；;！？]{2,40}")
_PART_WORDS = 4  # characters: the fewest of a heading's words that name a part when a question holds them
# a paragraph opening with a short sentence of its own that names it, then its body (全区幼儿园布局改善项目。“十四五”…)
_LEAD_SENTENCE = re.compile(r"[^，,：:。；;！？]{2,16}(?=。.)")
# a list inside a paragraph: its heading sentence (short, no comma) and items opening 一是/一要, 二是/二要 …
_INLINE_ITEM = re.compile(r"([一二三四五六七八九十])[是要]")
_CLAUSE_MARK = re.compile(r"[,，;；:：]")
_CLAUSE_END = re.compile(r"[,，;；、]")  # where a quote too long for a phone may stop
_INLINE_HEADING = 30  # characters
_TITLE_SHARE = 0.5  # of the character pairs naming a document in a question that its title holds
_MIN_INLINE_REFERENCE = 4  # characters of the words naming the list that its heading must hold
_TITLE_PART = 4  # characters: a shorter line is not a title line (a title may be cut over lines)


def _quote_chars(quotes: int) -> int:
    if quotes <= 2:
        return _QUOTE_CHARS
    return _SHORT_QUOTE_CHARS if quotes == 3 else _SHORTEST_QUOTE_CHARS


@dataclass(frozen=True)
class ChatConfig:
    context_passages: int = Settings.model_fields["context_passages"].default
    max_regions: int = 4  # regions shown in a per-region answer; more are named in one line
    places_passages: int = 12  # passages read for a question asking which places do something
    max_items: int = 8  # items listed under a heading quoted as an answer


@dataclass(frozen=True)
class Evidence:
    """What steps 1–3 produce for one question: the candidates the answer model scores."""

    query: str
    analysis: QuestionAnalysis
    names_place: bool
    hits: list[Hit]
    found: list[Candidate]


class SearchSource(Protocol):
    """What the pipeline needs from the search service: its settings and the current retriever."""

    settings: Settings

    @property
    def retriever(self) -> HybridRetriever: ...


class ChatService:
    def __init__(
        self,
        search: SearchSource,
        config: ChatConfig | None = None,
        generator: Generator | None = None,
        model: AnswerModel | None = None,
    ) -> None:
        self.search = search
        self.config = config or ChatConfig()
        self.generator = generator
        self.model = model or AnswerModel.load()
        self._lexicon: tuple[str, Lexicon] | None = None
        self._similarity: SentenceSimilarity | None = None
        self._documents: tuple[str, dict[str, list[Chunk]]] | None = None
        self._outlines: dict[str, list[tuple[str, ...]]] = {}

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
        question, history = self.normalise(question, history)
        source = self.previous_source(question, history, retriever)
        if isinstance(source, tuple):  # 这是哪个文件说的: the passages the last answer quoted, found verbatim
            text, citations, status = source
            yield from (TokenEvent(piece) for piece in _STREAM_PIECE.findall(text))
            yield CitationsEvent(Answer(text, citations, status, query=question, confidence=1.0))
            return
        more: tuple[str, list[Citation], Status] | None = None
        if source is None:
            go_on = self.continuation(question, history, retriever)
            more = (*go_on, "answered") if go_on else self.listed_item(question, history, retriever)
        if more is not None:  # 具体说说: what follows the last quote in its document; 第三个呢: its third item
            yield from (TokenEvent(piece) for piece in _STREAM_PIECE.findall(more[0]))
            yield CitationsEvent(Answer(*more, query=question, confidence=1.0 if more[2] == "answered" else 0.0))
            return
        evidence = (question, source) if isinstance(source, Refusal) else self._gather(question, history, region)
        scored: list[Candidate] = []
        if isinstance(evidence, Evidence):
            scored = self.model.score(evidence.found)
            confidence, relevance = self.model.probabilities(scored, evidence.analysis)
            status = self.decide(confidence, relevance)
            if status != "answered" and evidence.query == question and any(t.role == "user" for t in history):
                # not answered on its own, in a conversation: it may lean on what was asked before
                # (最后要形成个啥生态, after 玉泉区's 依法治教; 新学校主要往哪建, after 玉泉区's 大班额)
                retried = self._gather(question, history, region, follow_up=True)
                if isinstance(retried, Evidence) and retried.query != question:
                    again = self.model.score(retried.found)
                    probabilities = self.model.probabilities(again, retried.analysis)
                    if _STATUS_RANK[retried_status := self.decide(*probabilities)] > _STATUS_RANK[status]:
                        evidence, scored, status = retried, again, retried_status
                        confidence, relevance = probabilities
            if (part := self._outline_item(evidence)) is not None:
                # an item asked by its number under the part named: looked up in the outline, nothing guessed;
                # a part with fewer items than that does not say (面临挑战 has five, the seventh is asked)
                status, confidence = ("answered", 1.0) if part[1] is not None else ("related", 0.0)
            elif self._part_holding(evidence, scored) is not None:
                status = "answered"  # which item of a part holds it: the outline says, under a quoted term found
            elif (document := self._issued_document(evidence)) is not None:
                # when or by whom a document named was issued: its publication line, or that it has none
                published = self._issuing_line(evidence, document) is not None
                status, confidence = ("answered", 1.0) if published else ("related", 0.0)
            elif status != "answered" and self._counted_list(evidence) is not None:
                status, confidence = "answered", 1.0  # 五大工程都有啥: the five lines naming one, in a document
            elif status != "answered" and self._part_named(evidence, scored) is not None:
                status, confidence = "answered", 1.0  # 保障措施有哪几个方面: the items under the heading 四、保障措施
            elif status == "answered" and self._only_a_heading(evidence, scored):
                status = "related"  # 包头市五大工程是什么, and the best quote is the article's title: it restates it
            elif status == "answered" and self._not_for_the_places_asked(evidence, scored):
                status = "related"  # a place named and not answered, or a city answered for by one district
            query = evidence.query
            refusal = None
            if status == "refused":
                tail = TRY_AGAIN_NAMED if evidence.names_place else TRY_AGAIN
                text = NOT_FOUND.format(covered=covered_places(retriever), tail=tail)
                if (wider := _only_wider(evidence.analysis.places, retriever.covered_regions)) is not None:
                    text = NOT_FOUND_WIDER.format(asked=wider[0], wider=wider[1], tail=tail)  # 东河区: 包头市's only
                refusal = Refusal(text, "no_evidence")
        else:
            query, refusal = evidence
        if refusal is not None:
            yield TokenEvent(refusal.text)
            yield CitationsEvent(Answer(refusal.text, [], "refused", refusal_reason=refusal.reason, query=query))
            return
        assert isinstance(evidence, Evidence)

        confidence = round(confidence, 3)
        if status == "answered" and self.generator is not None:
            produced = yield from self._llm_events(query, evidence.hits)
            if produced is not None:
                produced.query, produced.confidence = query, confidence
                yield CitationsEvent(produced)
                return

        text, citations = self.compose(evidence, scored, status)
        for piece in _STREAM_PIECE.findall(text):
            yield TokenEvent(piece)
        yield CitationsEvent(Answer(text, citations, status, "extractive", query=query, confidence=confidence))

    def normalise(self, question: str, history: Sequence[Turn]) -> tuple[str, list[Turn]]:
        """The question and the user's turns as the documents write: 玉泉區 → 玉泉区 (Simplified characters),
        坤区 → 昆区 (a covered place's name heard or typed as a homophone). Our own answers are left as they are."""
        respell = self.search.retriever.respell
        turns = [Turn(t.role, respell(to_simplified(t.content)) if t.role == "user" else t.content) for t in history]
        return respell(to_simplified(question)), turns

    def warm_up(self, question: str = "小学学位缺多少？") -> None:
        """Pay the first-use costs of the answering steps (lexicon, jieba, sentence vectors) before the first
        user does; no LLM is called."""
        evidence = self.gather(question, (), None)
        if isinstance(evidence, Evidence):
            self.model.score(evidence.found)

    # -- steps -------------------------------------------------------------------------------

    def gather(self, question: str, history: Sequence[Turn], region: str | None) -> Evidence | tuple[str, Refusal]:
        """Steps 1–3: the standalone question, its analysis, scope, and the unscored candidate sentences;
        or the standalone question and a scope refusal."""
        return self._gather(*self.normalise(question, history), region)

    def _gather(
        self, question: str, history: Sequence[Turn], region: str | None, follow_up: bool = False
    ) -> Evidence | tuple[str, Refusal]:
        """``gather`` of a question and history already normalised; ``follow_up``: completed from the previous
        question whatever it looks like."""
        retriever = self.search.retriever
        tokenizer = retriever.index.keyword_index.tokenizer
        if (talk := small_talk(question)) is not None:
            return question, talk
        if not _CJK.search(question) and _LATIN.search(question):
            return question, Refusal(NOT_CHINESE, "not_chinese")
        if not any(t.role == "user" for t in history) and says_nothing(question, retriever.gazetteer, tokenizer):
            return question, Refusal(UNCLEAR, "unclear")  # 还有吗 said first: nothing to complete it from
        query = self.standalone_question(question, history, retriever, follow_up)
        analysis = self.analyse(query, retriever)
        places = list(analysis.places)
        refusal = place_refusal(retriever, places, region, query)
        if refusal is not None:
            return query, refusal
        hits = self.evidence_hits(query, places, region, retriever, analysis.asks_places)
        # a follow-up completed from the conversation asks something the last answer did not say
        last = next((t.content for t in reversed(history) if t.role == "assistant"), "") if query != question else ""
        found = candidates(analysis, hits, self.similarity(retriever), retriever.topic, last)
        if asks_more(question):  # 还有吗: what no answer so far has quoted
            said = [q for t in history if t.role == "assistant" for q in quotes_of(t.content)]
            found = [c for c in found if not any(c.text in q or q in c.text for q in said)]
        # a place named, by the question or the region searched
        names_place = bool(places) or bool(region and retriever.gazetteer.resolve(region))
        return Evidence(query, analysis, names_place, hits, found)

    def previous_source(
        self, question: str, history: Sequence[Turn], retriever: HybridRetriever
    ) -> tuple[str, list[Citation], Status] | Refusal | None:
        """For a follow-up asking only where the last answer is said (这是哪个文件说的, 出自哪一部分): the passages
        holding that answer's quotes verbatim, each quote led by its document and section (at most
        ``max_regions``; those of the place the question names, if it names one). For one asking when or by whom
        that document was issued (这个文件是哪年发的, 是谁发的): its publication line, quoted (``related``, saying
        so, when it has none). A refusal when the
        last answer was a refusal (it quoted nothing); None when the question asks something else, no passage
        holds a quote (the answer was not ours). Passages are looked for
        among those each quote retrieves, so the cost does not grow with the index."""
        tokenizer = retriever.index.keyword_index.tokenizer
        issued = asks_when_issued(question)
        rest = question if issued else only_where_asked(question)  # 出自哪一部分 depends on the last answer
        if not history or rest is None or stage_words_in(rest):  # 那义务教育那块是哪个专栏 asks about another stage
            return None
        if not depends_on_history(rest, retriever.gazetteer, tokenizer):
            return None
        answers = [t.content for t in history if t.role == "assistant"]
        if answers and answers[-1].startswith(REFUSAL_OPENING):
            return Refusal(NO_SOURCE, "no_evidence")
        named = [path[-1] for path in retriever.named_places(question)]
        quotes = self._last_quotes(history, retriever)
        if not quotes and answers and not cites(answers[-1]):
            # an answer in other words (the client's, an LLM's): where the documents say it; when none does, say
            # so rather than name a document for a claim it does not make (每个入园幼儿每年补贴1000元)
            quotes = self._located(answers[-1], retriever)
            if not quotes and len(content_bigrams(answers[-1])) >= _MIN_LOCATED:
                return Refusal(NOT_SAID.format(claim=_claim(answers[-1])), "not_in_documents")
        found = [
            q
            for q in quotes
            if not named or any(name in (q.candidate.hit.chunk.metadata.region or "") for name in named)
        ]
        if not found:
            return None
        quotes = found[: self.config.max_regions]
        if issued:  # the publication line; when the document has none, say so and show what was quoted
            first = quotes[0].candidate.hit.chunk
            published = self._publication_line(first)
            if published is None:
                date = month_label(first.metadata)
                note = NO_PUBLICATION_LINE_DATED.format(date=date.strip("（）")) if date else NO_PUBLICATION_LINE
                return (*cite([(note, []), (lead(first.metadata), quotes[:1])]), "related")
            return (*cite([(lead(first.metadata), [published])]), "answered")
        lines = [(lead(q.candidate.hit.chunk.metadata, q.candidate.hit.chunk.section_path), [q]) for q in quotes]
        return (*cite([*lines, *self._heading_line(quotes[0].candidate.hit.chunk, question)]), "answered")

    @staticmethod
    def _last_quotes(history: Sequence[Turn], retriever: HybridRetriever) -> list[Quote]:
        """The quotes of the last answer found verbatim in the passages each retrieves, one per passage, in the
        order the answer gave them; none when the answer was not ours."""
        found: dict[str, Quote] = {}
        for quote in previous_quotes(history):
            hits = retriever.search(quote, _SOURCE_PASSAGES)
            chunk = next((h.chunk for h in hits if quote in h.chunk.text), None)
            if chunk is not None and chunk.chunk_id not in found:
                start = chunk.text.index(quote)
                found[chunk.chunk_id] = _verbatim(chunk, start, start + len(quote))
        return list(found.values())

    @staticmethod
    def _located(answer: str, retriever: HybridRetriever) -> list[Quote]:
        """For an answer in other words than the documents' (written by a client or an LLM: 是的，要建设覆盖全区城乡、
        开放便捷的终身学习体系。): the sentence of the passages it retrieves that holds every figure it gives and most
        of its character pairs, when that is at least ``_LOCATED`` of them; none otherwise."""
        said = content_bigrams(answer)
        if len(said) < _MIN_LOCATED:
            return []
        figures = set(_FIGURES.findall(answer))
        best: tuple[float, Quote] | None = None
        for hit in retriever.search(answer, _SOURCE_PASSAGES):
            for start, end in split_sentences(hit.chunk.text):
                sentence = hit.chunk.text[start:end]
                if not figures <= set(_FIGURES.findall(sentence)):
                    continue  # 每年招聘500名 is not said by a sentence with 300名
                share = len(said & content_bigrams(sentence)) / len(said)
                if best is None or share > best[0]:
                    best = share, _verbatim(hit.chunk, start, end)
        return [best[1]] if best is not None and best[0] >= _LOCATED else []

    def continuation(
        self, question: str, history: Sequence[Turn], retriever: HybridRetriever
    ) -> tuple[str, list[Citation]] | None:
        """For 具体说说 / 具体怎么做 / 详细讲讲 said alone after one of our answers: the sentences that follow its
        last quote in its document, in the same part (健全终身教育体系。 → how it is done). None for any other
        question, after a refusal or a hedged answer, or when nothing follows in that part."""
        answers = [t.content for t in history if t.role == "assistant"]
        if not answers or not _GO_ON.fullmatch(_GO_ON_NOISE.sub("", question)):
            return None
        if answers[-1].startswith(REFUSAL_OPENING) or RELATED_TAIL in answers[-1]:
            return None  # after a refusal or a hedged answer there is nothing answered to go on from
        quotes = self._last_quotes(history, retriever) or self._located(answers[-1], retriever)
        if not quotes:
            return None
        last = quotes[-1]
        chunk = last.candidate.hit.chunk
        after = chunk.start + last.end  # where the quote ends, in the document
        for c in self.document(chunk.doc_id):
            if c.section != chunk.section or not c.start <= after < c.end:
                continue
            chosen: list[Quote] = []
            for start, end in split_sentences(c.text, after - c.start):
                if c.text[start:end].strip():
                    chosen.append(_verbatim(c, start, end))
                if len(chosen) == _GO_ON_SENTENCES or sum(q.end - q.start for q in chosen) >= _QUOTE_CHARS:
                    break
            if chosen:
                return cite([(lead(c.metadata, c.section_path), chosen)])
        return None

    def listed_item(
        self, question: str, history: Sequence[Turn], retriever: HybridRetriever
    ) -> tuple[str, list[Citation], Status] | None:
        """For 第六个是什么 / 那第三条呢 / 最后一个呢 asked alone after one of our answers that listed items one per
        line: that item, found in its document, with the sentence after its opening (``answered``); a number past
        the list's end is told so, with its last item (``related``). None for any other question, after an answer
        listing fewer than two items, or when the item is not found verbatim."""
        answers = [t.content for t in history if t.role == "assistant"]
        listed = listed_items(answers[-1], ITEM_INDENT) if answers else []
        asked = outline_ordinal(question)
        if _LAST_ITEM.fullmatch(question.strip()):
            nth = len(listed)
        elif asked is not None and not _BARE_ORDINAL_LEAD.sub("", asked[1]):
            nth = asked[0]
        else:
            return None
        if len(listed) < 2 or (nth > len(listed) and len(listed) >= self.config.max_items):
            return None  # a list cut at max_items may have more than it showed
        item = listed[min(nth, len(listed)) - 1]
        chunk = next((h.chunk for h in retriever.search(item, _SOURCE_PASSAGES) if item in h.chunk.text), None)
        if chunk is None:
            return None
        start = chunk.text.index(item)
        quote = _whole_sentence(_verbatim(chunk, start, start + len(item)), _NAMED_ITEM_SENTENCES)
        if nth > len(listed):  # 第七个呢 after six: there is none, not a guess
            return (
                *cite([(PAST_THE_LIST.format(n=len(listed), nth=nth), []), (lead(chunk.metadata), [quote])]),
                "related",
            )
        return (*cite([(lead(chunk.metadata), [quote])]), "answered")

    def _issued_document(self, evidence: Evidence) -> Chunk | None:
        """For a question asking when or by whom a document it names was issued (玉泉区教育十四五规划是哪天发布的,
        乌海那篇文件是谁发布的): a passage of the first retrieved document whose title holds at least
        ``_TITLE_SHARE`` of the character pairs naming it (places left out: 十四五教育规划), or, named by its place
        alone, the one retrieved document of that place; None for any other question or when none is found."""
        named = issued_document(evidence.query)
        if named is None:
            return None
        retriever = self.search.retriever
        pairs = content_bigrams(retriever.gazetteer.strip_places(named))
        if pairs:
            titled = (
                h
                for h in evidence.hits
                if len(pairs & content_bigrams(h.chunk.metadata.title or "")) >= _TITLE_SHARE * len(pairs)
            )
            return next((h.chunk for h in titled), None)
        places = retriever.named_places(named)
        of_place = {
            h.chunk.doc_id: h.chunk
            for h in evidence.hits
            if any(split_region(h.chunk.metadata.region or "")[: len(p)] == p for p in places)
        }
        return next(iter(of_place.values())) if len(of_place) == 1 else None

    def _issuing_line(self, evidence: Evidence, document: Chunk) -> Quote | None:
        """The line answering when or by whom ``document`` (a passage of it) was issued, as the question asks."""
        return self._publication_line(document, by_whom=bool(_ASKS_BY_WHOM.search(evidence.query)))

    def _publication_line(self, chunk: Chunk, by_whom: bool = False) -> Quote | None:
        """The line of ``chunk``'s document that says when and by whom it was published (发布日期: … 来源: …); asked
        by whom, the notice issuing it first, which names the body in full (玉泉区人民政府办公室关于印发…的通知)."""
        lines = [(c, at, line) for c in self.document(chunk.doc_id) for at, line in _lines(c.text)]
        for pattern in (_ISSUING_NOTICE, PUBLICATION_LINE) if by_whom else (PUBLICATION_LINE,):
            for c, at, line in lines:
                if pattern.search(line):
                    return _verbatim(c, at, at + len(line))
        return None

    def standalone_question(
        self, question: str, history: Sequence[Turn], retriever: HybridRetriever, follow_up: bool = False
    ) -> str:
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
        return standalone(question, history, retriever.gazetteer, retriever.index.keyword_index.tokenizer, follow_up)

    def analyse(self, query: str, retriever: HybridRetriever) -> QuestionAnalysis:
        return analyse_question(query, retriever, self.lexicon(retriever))

    def similarity(self, retriever: HybridRetriever) -> SentenceSimilarity:
        """Sentence similarity under the retriever's encoder (kept while the encoder stays the same)."""
        if self._similarity is None or self._similarity.encoder is not retriever.encoder:
            self._similarity = SentenceSimilarity(retriever.encoder)
        return self._similarity

    def document(self, doc_id: str) -> list[Chunk]:
        """The passages of a document of the current index, in document order (the map is rebuilt when the
        index changes)."""
        index = self.search.retriever.index
        if self._documents is None or self._documents[0] != index.build_id:
            documents: dict[str, list[Chunk]] = {}
            for chunk in sorted(index.chunks, key=lambda c: c.start):
                documents.setdefault(chunk.doc_id, []).append(chunk)
            self._documents = (index.build_id, documents)
            self._outlines = {}
        return self._documents[1].get(doc_id, [])

    def outline_of(self, doc_id: str) -> list[tuple[str, ...]]:
        """The heading paths of a document of the current index (``outline.outline``), read once per index."""
        chunks = self.document(doc_id)  # first: a new index clears the outlines read from the old one
        if doc_id not in self._outlines:
            self._outlines[doc_id] = outline(chunks)
        return self._outlines[doc_id]

    def lexicon(self, retriever: HybridRetriever) -> Lexicon:
        """The synonym lexicon cut to the current index's vocabulary (rebuilt when the index changes)."""
        build = retriever.index.build_id
        if self._lexicon is None or self._lexicon[0] != build:
            keyword = retriever.index.keyword_index
            self._lexicon = (build, Lexicon(keyword.has_term, keyword.tokenizer.expansions))
        return self._lexicon[1]

    def evidence_hits(
        self,
        query: str,
        places: list[tuple[str, ...]],
        region: str | None,
        retriever: HybridRetriever,
        asks_places: bool = False,
    ) -> list[Hit]:
        if region:  # the filter keeps that region's documents; of them, those about a place the question names
            hits = retriever.search(query, self.config.context_passages, SearchFilters(region=region))
            return in_jurisdiction(hits, places)
        if len(places) > 1:  # 昆区和康巴什哪个…: each place's own passages, taken in turn
            found = [retriever.search(query, self.config.context_passages, SearchFilters(region=p[-1])) for p in places]
            turns = (hit for row in itertools.zip_longest(*found) for hit in row if hit is not None)
            return list({hit.chunk.chunk_id: hit for hit in turns}.values())
        k = self.config.places_passages if asks_places and not places else self.config.context_passages
        return in_jurisdiction(retriever.search(query, k), places)

    def decide(self, confidence: float, relevance: float) -> Status:
        """``answered`` when the confidence reaches the fitted ``answer`` threshold; otherwise ``related`` when the
        relevance reaches ``relevant`` (the documents discuss it), else ``refused``. A relevance of 0 (nothing to
        quote, or nothing retrieved has a word of the question) is refused whatever the thresholds are."""
        if confidence >= self.model.thresholds.answer:
            return "answered"
        return "related" if relevance >= self.model.thresholds.relevant and relevance > 0 else "refused"

    def compose(self, evidence: Evidence, scored: list[Candidate], status: Status) -> tuple[str, list]:
        """Step 5: the answer text and its citations for a decided status (``answered`` or ``related``).

        A question that names no place is answered per region when regions other than the best one are
        confident enough on their own (``thresholds.region``)."""
        analysis = evidence.analysis
        thresholds = self.model.thresholds
        hedge = HEDGES.get(analysis.answer_type, HEDGES["other"])
        if (document := self._issued_document(evidence)) is not None:  # 玉泉区教育十四五规划是哪天发布的
            if (published := self._issuing_line(evidence, document)) is not None:  # 发布日期: 2022-07-04 …
                return cite([(lead(document.metadata), [published])])
            first = self.document(document.doc_id)[0]
            at, line = next(_lines(first.text))  # no such line (乌海…): it says so, and which document it is
            return cite(
                [(NO_PUBLICATION_LINE_NAMED, []), (lead(first.metadata), [_verbatim(first, at, at + len(line))])]
            )
        if len(analysis.places) > 1 and not analysis.asks_source:  # 昆区和康巴什哪个…: each place named, in turn
            named, unsaid = self._per_place(scored, analysis)
            if len(named) > 1 or (named and unsaid):
                chars = _quote_chars(len(named))
                lines = [(region_label(f[0].hit.chunk.metadata), [trim(f[0], analysis, chars)]) for f in named]
                hedged: list[tuple[str, list[Quote]]] = [(hedge + RELATED_TAIL, [])] if status == "related" else []
                return cite([*hedged, *lines, *((PLACE_UNSAID.format(place=place), []) for place in unsaid)])
        if status == "related":
            shown = _distinct(scored)[:_RELATED_QUOTES]
            if not evidence.names_place:  # and the closest sentence of other regions that are about it
                shown_regions = {c.region for c in shown}
                # one more region; a question asking which places do something: every region that may (to the limit)
                region_count = self.config.max_regions if analysis.asks_places else len(shown_regions) + 1
                shown += [
                    found[0]
                    for found in self._by_region(scored)
                    if found[0].region not in shown_regions
                    and self.model.relevance(found, analysis) >= thresholds.relevant
                ][: max(0, region_count - len(shown_regions))]
            by_document: dict[str, list[Candidate]] = {}
            for c in shown:
                by_document.setdefault(c.hit.chunk.doc_id, []).append(c)
            many = len(by_document) > 2  # then short labels (the titles are in the citations)
            label = region_label if many else lead
            chars = _quote_chars(len(shown))
            lines = [
                (label(found[0].hit.chunk.metadata), [trim(c, analysis, chars) for c in sorted(found, key=_in_order)])
                for found in by_document.values()
            ]
            note = _other_area(analysis.places, shown[0].region)  # 东河区 asked, 包头市's document shown
            return cite([(hedge + RELATED_TAIL, []), *([(note, [])] if note else []), *lines])
        # per region only for a question about a topic, not one asking where something said is written
        regions = [] if evidence.names_place or analysis.asks_source else self._by_region(scored)
        others = [found for found in regions[1:] if self.model.confidence(found, analysis) >= thresholds.region]
        if others:
            per_region = [regions[0], *others][: self.config.max_regions]
            chars = _quote_chars(len(per_region))
            lines = [
                (region_label(found[0].hit.chunk.metadata), [trim(found[0], analysis, chars)]) for found in per_region
            ]
            more = others[self.config.max_regions - 1 :]
            tail = PER_REGION_TAIL
            if more:
                names = "、".join(region_label(f[0].hit.chunk.metadata).rstrip("：") for f in more[:3])
                tail = PER_REGION_MORE.format(n=len(more), names=names) + tail
            return cite([(PER_REGION_HINT, []), *lines, (tail, [])])
        if evidence.names_place:
            scored = _own_place_first(scored)
        chosen = choose(scored, analysis, thresholds.extra)
        quotes = [trim(c, analysis) for c in chosen]
        first = chosen[0].hit.chunk
        note = _other_area(analysis.places, first.metadata.region)
        caveat: list[tuple[str, list[Quote]]] = [(note, [])] if note else []
        part = self._outline_item(evidence)
        if part is not None and (item := part[1]) is not None:  # 面临挑战第(5)条: the part's heading, its fifth item
            meta = item.candidate.hit.chunk.metadata
            if part[0] is None:  # items of the document itself, which has no title line (乌海…第三点)
                return cite([(lead(meta), [item])])
            return cite([(lead(meta), [part[0]]), (ITEM_INDENT, [item])])
        if (holding := self._part_holding(evidence, scored)) is not None:  # 放在“六大工程”哪一项: 一是实施领航工程
            meta = holding[0].candidate.hit.chunk.metadata
            held = [(ITEM_INDENT, [holding[1]]), (ITEM_INDENT, [trim(holding[2], analysis)])]
            return cite([(lead(meta), [holding[0]]), *held])
        if not analysis.asks_source:
            items: list[tuple[str, list[Quote]]] = []
            nth = asked_ordinal(evidence.query)  # 第五条是什么: that item alone
            heading = scored[0] if nth and heading_of(scored[0].text.strip()) else chosen[0]
            count = analysis.asked_count if _lists_items(analysis) and not nth else None
            # 面临哪五个挑战: of the headings chosen, the one with that many items under it (3.面临挑战, not the
            # (二)…面临形势 above it), whichever sentence the model found as likely
            fitting = (
                [c for c in chosen if heading_of(c.text.strip()) and len(self._listed_under(c)) == count]
                if count
                else []
            )
            if not fitting and (named_part := self._part_named(evidence, scored)) is not None:
                fitting = [named_part]  # 保障措施有哪几个方面: the heading the question names, whatever ranks first
            heading = fitting[0] if fitting else heading
            if (
                (len(chosen) == 1 or heading is scored[0] or bool(fitting))
                and _lists_items(analysis)
                and heading_of(heading.text.strip())
            ):
                # 六大工程是什么: the six under the heading, one per line, not the heading alone
                listed = self._listed_under(heading)
                listed = [listed[nth - 1]] if nth and nth <= len(listed) else listed
                items = [(ITEM_INDENT, [item]) for item in listed]
                if listed:  # else the sentences chosen under it stay (措施 of a section without item marks)
                    quotes, first = [trim(heading, analysis)], heading.hit.chunk
            elif (
                analysis.answer_type == "list"
                and not nth
                and not heading_of(chosen[0].text.strip())  # a heading's own items: only as the branch above lists
                and (listed := self._items_after(chosen[0]))
            ):
                # 有哪几个方面: the paragraph read as the answer, and the paragraphs after it list (一是…, 二是…)
                items = [(ITEM_INDENT, [item]) for item in listed]
                quotes, first = [trim(chosen[0], analysis)], chosen[0].hit.chunk
            if not items and (counted := self._counted_list(evidence)) is not None:
                return cite(
                    [(lead(counted[0].candidate.hit.chunk.metadata), []), *((ITEM_INDENT, [q]) for q in counted)]
                )
            return cite([*caveat, (lead(first.metadata), quotes), *items])
        where = self._heading_line(first, evidence.query)
        return cite([*caveat, (lead(first.metadata, first.section_path), quotes), *where])

    def _per_place(
        self, scored: list[Candidate], analysis: QuestionAnalysis
    ) -> tuple[list[list[Candidate]], list[str]]:
        """For a question naming several places: the candidates of each place whose documents say it (confident
        enough on their own, ``thresholds.region``), and the places whose documents do not."""
        named: list[list[Candidate]] = []
        unsaid: list[str] = []  # a place named whose documents do not say it: said so, not left out
        for place in analysis.places:
            found = _about(scored, place)
            if found and self.model.confidence(found, analysis) >= self.model.thresholds.region:
                named += [found] if all(found[0] is not f[0] for f in named) else []
            else:
                unsaid.append(place[-1])
        return named, unsaid

    def _not_for_the_places_asked(self, evidence: Evidence, scored: list[Candidate]) -> bool:
        """Whether the answer would leave a place the question names unanswered (东胜区和康巴什区哪个投入多: nothing
        on 东胜区), or speak for a city asked about with one of its districts' documents only (呼和浩特市的规划目标:
        玉泉区's plan): the documents discuss it, they do not answer the question as asked."""
        analysis = evidence.analysis
        if analysis.asks_source or not analysis.places:
            return False
        if len(analysis.places) > 1:
            named, unsaid = self._per_place(scored, analysis)
            return bool(named and unsaid)
        first = choose(_own_place_first(scored), analysis, self.model.thresholds.extra)[0]
        return bool(_other_area(analysis.places, first.region))

    def _only_a_heading(self, evidence: Evidence, scored: list[Candidate]) -> bool:
        """Whether the answer would quote only a heading or title line (no sentence of its own) that is not what is
        asked — the question asks for no part of a document — and that lists no items under it: it restates the
        topic (包头市五大工程是什么 → the article's title; 昆区拔尖人才怎么选拔 → a heading without item marks)."""
        analysis = evidence.analysis
        if analysis.asks_source or asks_part(evidence.query):
            return False
        chosen = choose(scored, analysis, self.model.thresholds.extra)
        if len(chosen) > 1 or not chosen[0].features[_HEADING_LINE]:
            return False
        listed = _lists_items(analysis) and heading_of(chosen[0].text.strip()) and self._listed_under(chosen[0])
        return not listed

    def _outline_item(self, evidence: Evidence) -> tuple[Quote | None, Quote | None] | None:
        """For a question asking an item of a part of a document by its number (面临挑战第(5)条的标题, 主要任务的第
        （十）部分, “六大亮点”的第五条, 乌海市教育局推动教育高质量发展第三点): the heading line of the part the words
        before the number name, in a document retrieved (None for the document itself without a title line), and
        its item of that number — a heading under it, or a paragraph opening with an item mark (五是…) — or None
        for the item when the part has fewer items; for one asking the item holding a term it quotes
        (“六大亮点”里“均衡化”那一条写了什么), that item with the sentence after it. None when no retrieved document has
        a part named so with items, or the question asks where something is said (answered by its source)."""
        if evidence.analysis.asks_source:
            return None
        asked = outline_ordinal(evidence.query)
        named = None if asked else named_item(evidence.query)  # “均衡化”那一条: the item holding the term
        if asked is None and named is None:
            return None
        nth, words = asked or (1, named[0] if named else "")
        # a place names no part: 玉泉区第一个专栏 is not the first part of 玉泉区's plan
        reference = self.search.retriever.gazetteer.strip_places(words)
        short: tuple[Quote | None, Quote | None] | None = None
        for doc_id in dict.fromkeys(hit.chunk.doc_id for hit in evidence.hits):
            chunks = self.document(doc_id)
            paths = self.outline_of(doc_id)
            title = chunks[0].metadata.title or "" if chunks else ""
            part = named_part(paths, reference, title)
            if part is None:
                continue
            # the part's heading line; for the document itself, its title line when its text has one
            found = _find_line(chunks, heading=part[-1]) if part else _find_line(chunks, title=title)
            heading = found[0] if found else None
            under = children(paths, part)
            if under:
                items = [line[0] for label in under[:nth] if (line := _find_line(chunks, heading=label))]
            elif heading is not None:
                items = self._items_under(heading.candidate.hit.chunk, heading.start)
            else:
                continue
            if named is not None:
                holding = [item for item in items if named[1] in item.text]
                if holding:  # that item, and what it says
                    return heading, _whole_sentence(holding[0], _NAMED_ITEM_SENTENCES)
                continue
            if len(items) >= nth:
                return heading, _whole_sentence(items[nth - 1])
            if items and short is None:
                short = heading, None
        if short is None and named is None:  # a list inside a paragraph (保障体系。一要…。二是…): its item
            for doc_id in dict.fromkeys(hit.chunk.doc_id for hit in evidence.hits):
                inline = _inline_list(self.document(doc_id), reference)
                if inline is not None:  # fewer items than asked: it does not say
                    return inline[0], _whole_sentence(inline[1][nth - 1]) if len(inline[1]) >= nth else None
        return short

    def _part_holding(self, evidence: Evidence, scored: list[Candidate]) -> tuple[Quote, Quote, Candidate] | None:
        """For a question asking which item of a named part holds something (“时代新人铸魂工程”放在“六大工程”哪一项,
        家校社协同育人放在主要任务的哪一条): among the best candidates, the first under a part the words before the
        ask name that has every term quoted there (or, with none quoted, covers half the question's words), and the
        part's heading and the item it stands under — the heading under the part on its path, or the paragraph
        opening with an item mark (一是实施领航工程) before it. None otherwise."""
        asked = which_item(evidence.query)
        if asked is None or asked_ordinal(evidence.query) is not None:
            return None
        reference, terms = asked
        for c in scored[:_PART_CANDIDATES]:
            chunks = self.document(c.hit.chunk.doc_id)
            paths = self.outline_of(c.hit.chunk.doc_id)
            part = named_part(paths, reference)
            if part is None or c.hit.chunk.section[: len(part)] != part:
                continue
            terms_in = [t for t in terms if t not in part[-1]]
            if not all(t in c.text for t in terms_in) or (
                not terms_in and evidence.analysis.coverage(c.text, asked_only=True) < _PART_COVERAGE
            ):
                continue
            heading = _find_line(chunks, heading=part[-1])
            if heading is None:
                continue
            if len(c.hit.chunk.section) > len(part):
                item = _find_line(chunks, heading=c.hit.chunk.section[len(part)])
                if item is not None:
                    return heading[0], item[0], c
                continue
            at = c.hit.chunk.start + c.start
            listed = self._items_under(heading[0].candidate.hit.chunk, heading[0].start)
            before = [q for q in listed if q.candidate.hit.chunk.start + q.start <= at]
            if before:
                return heading[0], before[-1], c
        return None

    def _listed_under(self, heading: Candidate) -> list[Quote]:
        """The items a heading quoted as an answer announces: the headings right under it when it is a part of
        the outline with two or more (3.面临挑战: (1)学位不足… (5)教育发展水平相对较低), else the paragraphs opening
        with item marks under it (``_items_under``), at most ``max_items``."""
        chunks = self.document(heading.hit.chunk.doc_id)
        paths = self.outline_of(heading.hit.chunk.doc_id)
        label = heading.text.strip().rstrip("。；;：: ")
        part = next((path for path in paths if path[-1] == label), None)
        under = children(paths, part) if part else []
        if len(under) < 2:  # one heading under it (专栏3 under (三)推进学前教育…) is no list of its items
            return self._items_under(heading.hit.chunk, heading.start)
        return [line[0] for item in under[: self.config.max_items] if (line := _find_line(chunks, heading=item))]

    def _items_under(self, chunk: Chunk, start: int) -> list[Quote]:
        """The items a heading quoted as an answer announces (三、实施“六大工程”…: 一是实施领航工程, 二是实施启航工程
        …): the opening clause of each paragraph under it that opens with an item mark of the first kind found
        there (一是, （一）, 1.), in order, at most ``max_items``. Under a heading with no item marks below it, the
        paragraphs that open with a short sentence naming them, when there are two or more (专栏3:学前教育普惠工程:
        全区幼儿园布局改善项目。… 实施3+X管理模式。… 完善区级培训体系。…)."""
        under = [c for c in self.document(chunk.doc_id) if c.start >= chunk.start and c.section == chunk.section]
        items: dict[str, Quote] = {}
        named: dict[str, Quote] = {}
        kind: str | None = None
        for c in under:
            for at, line in _lines(c.text):
                if c.start + at <= chunk.start + start:
                    continue
                mark = _ITEM_MARK.match(line)
                if not mark:
                    if not items and (lead := _LEAD_SENTENCE.match(line)):  # only wanted while no item is marked
                        named.setdefault(lead.group(0), _verbatim(c, at, at + len(lead.group(0))))
                    continue
                style = _mark_style(mark)
                kind = kind or style
                clause = _OPENING_CLAUSE.match(line)
                if style != kind or clause is None or clause.group(0) in items:
                    continue
                end = at + len(clause.group(0))
                items[clause.group(0)] = _verbatim(c, at, end)
        listed = items or (named if len(named) > 1 else {})
        return list(listed.values())[: self.config.max_items]

    def _items_after(self, candidate: Candidate) -> list[Quote]:
        """The list the paragraphs right after ``candidate``'s paragraph make (…新目标、新定位、新要求… then 一是更新
        观念, 二是统筹布局 …): the opening clause of each paragraph numbered on from one with item marks of one kind,
        at most ``max_items``, paragraphs between them passed over; none when the next paragraph opens with no
        item mark, or fewer than two are numbered."""
        chunk = candidate.hit.chunk
        end = chunk.text.find("\n", candidate.end)
        end = len(chunk.text) if end < 0 else end  # the passage ends there (read on, the next line is no item)
        after = chunk.start + end
        items: list[Quote] = []
        kind: str | None = None
        for c in self.document(chunk.doc_id):
            for at, line in _lines(c.text):
                if c.start + at <= after:
                    continue  # before it, or read already (passages may overlap)
                after = c.start + at
                mark = _ITEM_MARK.match(line)
                if mark is None and not items:
                    return []  # the paragraph after it lists nothing
                if mark is None:
                    continue  # what an item says in paragraphs of its own
                style = _mark_style(mark)
                kind = kind or style
                clause = _OPENING_CLAUSE.match(line)
                if style != kind or _item_number(mark.group(0)) != len(items) + 1 or clause is None:
                    return items if len(items) >= 2 else []  # another list, or the list ended
                items.append(_verbatim(c, at, at + len(clause.group(0))))
                if len(items) == self.config.max_items:
                    return items
        return items if len(items) >= 2 else []

    def _part_named(self, evidence: Evidence, scored: list[Candidate]) -> Candidate | None:
        """For a list question naming a part of a document by its heading's words (玉泉区规划的保障措施有哪几个方面,
        主要任务有哪些): the best candidate that is that heading, with two or more items under it — and none of them
        named in the question too (基本原则“坚持改革创新”点了哪些领域 asks within that item); else None."""
        if evidence.analysis.answer_type != "list" or evidence.analysis.asks_source or asked_ordinal(evidence.query):
            return None
        for c in scored:
            words = _part_words(c.text)
            if not heading_of(c.text.strip()) or len(words) < _PART_WORDS or words not in evidence.query:
                continue
            items = [_part_words(q.text) for q in self._listed_under(c)]
            if len(items) > 1 and not any(len(item) > 1 and item in evidence.query for item in items):
                return c
        return None

    def _counted_list(self, evidence: Evidence) -> list[Quote] | None:
        """For a question naming a list by its count (包头五大工程都有啥, 玉泉区8项重点工程分别是什么): that many lines
        of the first retrieved document that name one item each (``outline.counted_items``), each quoted up to its
        first comma; None when the question names no such list or no document has exactly that many."""
        counted = counted_list(evidence.query)
        if counted is None or evidence.analysis.asks_source or asked_ordinal(evidence.query):
            return None
        for doc_id in dict.fromkeys(hit.chunk.doc_id for hit in evidence.hits):
            chunks = self.document(doc_id)
            lines = {c.start + at: (c, at, line) for c in chunks for at, line in _lines(c.text)}
            found = counted_items([(offset, line) for offset, (_, _, line) in sorted(lines.items())], *counted)
            if found:
                return [
                    _verbatim(chunk, at, at + end - start) for start, end in found for chunk, at, _ in [lines[start]]
                ]
        return None

    def _heading_line(self, chunk: Chunk, question: str) -> list[tuple[str, list[Quote]]]:
        """For a question asking where something is said: the heading it stands under (哪个专栏, 哪一部分, 哪个工程)
        or the document's title line (哪篇报道, 哪个文件), quoted from the passage of the document that holds it, so
        the place named is cited like any quote: the deepest heading that is a line of its own, else the clause
        the paragraph opens with (六是数字赋能). Nothing when the document has no such line (a title known only
        from the manifest)."""
        earlier = [c for c in self.document(chunk.doc_id) if c.start <= chunk.start]
        if not asks_part(question):
            found = _find_line(earlier, title=chunk.metadata.title or "")
            return [(WHERE_DOCUMENT, [found[0]])] if found else []
        clause: Quote | None = None
        for label in reversed(chunk.section):
            found = _find_line(earlier, heading=label)
            if found and found[1]:  # a heading line of its own: the part asked for
                return [(WHERE_PART, [found[0]])]
            if found and clause is None:
                clause = found[0]
        return [(WHERE_PART, [clause])] if clause else []

    @staticmethod
    def _by_region(scored: list[Candidate]) -> list[list[Candidate]]:
        """The candidates of each region, best region first."""
        by_region: dict[str, list[Candidate]] = {}
        for c in scored:
            by_region.setdefault(c.region or "", []).append(c)
        return list(by_region.values())

    def _llm_events(self, query: str, hits: list[Hit]) -> collections.abc.Generator[ChatEvent, None, Answer | None]:
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


_OWN_PLACE_SHARE = 0.5


def _whole_sentence(quote: Quote, sentences: int = 1) -> Quote:
    """``quote`` taken on to the end of the sentence it opens (一是从国家层面 → 一是从国家层面,党中央高度重视教育事业…),
    or of as many ``sentences`` as fit in ``_QUOTE_CHARS``; a first sentence longer than that ends at its last
    clause that fits (not inside a word: …用于保障教)."""
    chunk = quote.candidate.hit.chunk
    limit = quote.start + _QUOTE_CHARS
    spans = [span for span in split_sentences(chunk.text, quote.start) if chunk.text[span[0] : span[1]].strip()]
    ends = [stop for _, stop in spans[:sentences] if stop <= limit]
    if ends:
        end = ends[-1]
    elif spans:
        clauses = [m.end() for m in _CLAUSE_END.finditer(chunk.text, quote.end, limit)]
        end = clauses[-1] if clauses else min(spans[0][1], limit)
    else:
        end = quote.end
    return _verbatim(chunk, quote.start, max(end, quote.end))


def _verbatim(chunk: Chunk, start: int, end: int) -> Quote:
    """``chunk.text[start:end]`` quoted as it stands: a span found, not a candidate the model scored."""
    return Quote(Candidate(Hit(chunk, 1.0, 0.0, 0.0, 0), 0, start, end, ()), start, end)


def _find_line(chunks: list[Chunk], heading: str = "", title: str = "") -> tuple[Quote, bool] | None:
    """The line of ``chunks`` nearest the end that starts with ``heading`` (quoted up to its end: the heading
    a passage stands under is the last one before it), or the first that is a part of ``title`` (a title may be
    cut over lines); and whether the quote is the whole line."""
    ordered = sorted(chunks, key=lambda c: c.start, reverse=bool(heading))
    for chunk in ordered:
        lines = list(_lines(chunk.text))
        for at, line in reversed(lines) if heading else lines:
            if heading and line.startswith(heading):
                length = len(heading)
            elif title and len(line) >= _TITLE_PART and line in title:
                length = len(line)
            else:
                continue
            return _verbatim(chunk, at, at + length), length == len(line)
    return None


def _claim(answer: str) -> str:
    """An answer's statement quoted back: its first line, at most ``_CLAIM_CHARS`` characters, without its end mark."""
    line = answer.strip().splitlines()[0].rstrip("。！!；;，, ")
    return line if len(line) <= _CLAIM_CHARS else line[:_CLAIM_CHARS] + "…"


def _inline_list(chunks: list[Chunk], reference: str) -> tuple[Quote, list[Quote]] | None:
    """A sentence of a document (its ``chunks``) that reads as a heading (short, no comma) and holds the end of
    ``reference`` (保障体系, in 完善家校社协同育人保障体系。), and the items numbered from one that follow it in its
    paragraph (一要组建多元化教师队伍…。二是建立有序的监管体系。…), each quoted from its start, read on across
    passages; None when no such sentence is followed by at least two."""
    words = loose(reference)
    if len(words) < _MIN_INLINE_REFERENCE:
        return None
    ordered = sorted(chunks, key=lambda c: c.start)
    for n, chunk in enumerate(ordered):
        for start, end in split_sentences(chunk.text):
            sentence = chunk.text[start:end].strip()
            heading = len(sentence) <= _INLINE_HEADING and not _CLAUSE_MARK.search(sentence)
            if heading and words[-_MIN_INLINE_REFERENCE:] in sentence:
                at = start + chunk.text[start:end].index(sentence)
                items = _inline_items(ordered[n:], chunk.start + end)
                if len(items) >= 2:
                    return _verbatim(chunk, at, at + len(sentence)), items
    return None


def _inline_items(chunks: list[Chunk], after: int) -> list[Quote]:
    """The sentences after document offset ``after``, in its paragraph, that open with 一是/一要, 二是 … in order
    (what an item says after its opening sentence is passed over), each quoted from its mark to its end."""
    items: list[Quote] = []
    for chunk in chunks:
        for start, end in split_sentences(chunk.text):
            if chunk.start + start < after:
                continue
            if "\n" in chunk.text[max(0, after - chunk.start) : start]:
                return items  # the paragraph ended
            after = chunk.start + end
            sentence = chunk.text[start:end]
            mark = _INLINE_ITEM.match(sentence.strip())
            if mark is None:
                continue  # what an item says after its opening sentence
            if CHINESE_DIGITS.find(mark.group(1)) != len(items):
                return items  # another numbering
            at = start + sentence.index(mark.group(0))
            items.append(_verbatim(chunk, at, end))
    return items


def _mark_style(mark: re.Match[str]) -> str:
    """The kind of item mark matched by ``_ITEM_MARK`` (shi: 一是, paren: （一）, dot: 1.)."""
    return next(name for name, value in mark.groupdict().items() if value)


def _item_number(mark: str) -> int:
    """The number an item mark gives (三是 → 3, （四） → 4, 5. → 5)."""
    numeral = mark.strip("是（()）.．、")
    return int(numeral) if numeral.isdigit() else CHINESE_DIGITS.find(numeral) + 1


def _part_words(text: str) -> str:
    """The words naming a part of a document in its heading or item line, without numbering or dashes (四、保障措施:
    保障措施; ——坚持改革创新: 坚持改革创新)."""
    return without_mark(text.strip()).strip("—-　 ")


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) of the lines of ``text``, trimmed of spaces and a closing mark (as headings are)."""
    offset = 0
    for raw in text.split("\n"):
        line = raw.strip().rstrip("。；;：: ")
        if line:
            yield offset + raw.index(line), line
        offset += len(raw) + 1


def _other_area(places: Sequence[tuple[str, ...]], region: str | None) -> str:
    """A line saying the quote is about another area than the one asked about: a district's document for a
    question on its city (包头市 asked, 昆都仑区 quoted), or a city's for a question on a district it does not
    otherwise cover (青山区 asked, 包头市 quoted). Empty when it is the place asked about, or several are."""
    if len(places) != 1 or not region:
        return ""
    asked, quoted = places[0], split_region(region)
    if quoted[: len(asked)] == asked and len(quoted) > len(asked):
        return OTHER_AREA_PART.format(asked=asked[-1], quoted=quoted[-1])
    if asked[: len(quoted)] == quoted and len(asked) > len(quoted):
        return OTHER_AREA_WHOLE.format(asked=asked[-1], quoted=quoted[-1])
    return ""


def _only_wider(places: Sequence[tuple[str, ...]], covered: Iterable[str]) -> tuple[str, str] | None:
    """(the place asked, the area containing it) when the question names one place that no document is about
    and the documents of an area containing it are (东河区 asked, 包头市's documents); else None."""
    if len(places) != 1:
        return None
    tiers = {region: region_tier(region, places[0]) for region in covered}
    if 2 in tiers.values():
        return None  # documents about the place (or a place inside it)
    wider = [split_region(region) for region, tier in tiers.items() if tier == 1]
    return (places[0][-1], max(wider, key=len)[-1]) if wider else None


def _lists_items(analysis: QuestionAnalysis) -> bool:
    """Whether a heading quoted for the question is followed by the items under it: a list, a description
    (…是什么), or how something is done (怎么选拔) — not why."""
    return analysis.answer_type in ("list", "other") or (analysis.answer_type == "reason" and not analysis.asks_why)


def _own_place_first(scored: list[Candidate]) -> list[Candidate]:
    """For a question naming a district, its own document's best sentence before a city-wide one's, when the
    model finds it at least half as likely (昆区 asked: the 昆区 figure, not 包头市's)."""
    if not scored or scored[0].hit.region_tier == 2:
        return scored
    own = next((c for c in scored if c.hit.region_tier == 2), None)
    if own is None or own.probability < _OWN_PLACE_SHARE * scored[0].probability:
        return scored
    return [own, *(c for c in scored if c is not own)]


def _about(scored: list[Candidate], place: tuple[str, ...]) -> list[Candidate]:
    """The candidates of documents about ``place`` (or a place inside it), or else of an area containing it."""
    tiers = [region_tier(c.region, place) for c in scored]
    best = max(tiers, default=0)
    return [c for c, tier in zip(scored, tiers, strict=True) if tier == best] if best else []


def _in_order(c: Candidate) -> tuple[int, int]:
    return c.rank, c.start


def _distinct(scored: list[Candidate]) -> list[Candidate]:
    """Candidates with repeated sentences (overlapping passages) removed, best first."""
    seen: set[str] = set()
    out = []
    for c in scored:
        if c.text not in seen:
            seen.add(c.text)
            out.append(c)
    return out


def chat_service(search: SearchSource) -> ChatService:
    """The answering pipeline for the search service's settings (LLM generator if one is configured)."""
    settings = search.settings
    return ChatService(search, ChatConfig(context_passages=settings.context_passages), load_generator(settings))
