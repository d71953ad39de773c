"""Step 3, evidence and decision: which sentence answers, and how sure we are.

Every sentence of the retrieved passages is a candidate, once (overlapping passages share
sentences: the better-ranked copy is kept, so no answer splits its share). A linear ranking model
(``answer_model.json``, fitted by ``python -m bench.calibrate`` on the
tune half of the question sets as a conditional logit: which of a question's
sentences holds the answer) scores each from the signals in ``FEATURES``: concept
coverage with synonyms, character-pair recall, the same in the sentence's
neighbourhood and passage, retrieval rank and scores, the encoder's similarity of
question and sentence, whether it has the kind of answer asked for (a figure with
the asked unit, a date, a list, a name), whether it merely restates the question,
whether the word next to the question word is there, and whether its document is
about the place the question names. A candidate's
``probability`` is its share of the question's softmax.

A second logistic model, over the question as a whole (the best and second
probabilities, whether the best sentences have the answer type asked for, how
much of the question they cover), gives the *confidence* that quoting the best
sentence answers the question: it is fitted on whether that answer was right.
Two fitted thresholds on it decide: ``answered`` at or above ``answer``; below
``relevant`` nothing retrieved is about the question (refused); in between the
documents discuss it without clearly answering (``related``).
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.answering.analysis import QuestionAnalysis, asked_ordinal, content_bigrams, school_names, split_ask
from app.answering.safety import looks_like_instruction
from index.protocols import Encoder
from index.retrieve import Hit
from ingest.zh.sentences import split_sentences

MODEL_FILE = Path(__file__).with_name("answer_model.json")
# answer kinds with an indicator signal of their own (a figure, ``number``, is the baseline; ``time`` counts as a date)
_KIND_FEATURES = ("date", "list", "name", "yesno", "reason", "other", "location", "procedure")
FEATURES = (
    "bias",
    "coverage",
    "literal_coverage",
    "window_coverage",
    "passage_coverage",
    "bigram_recall",
    "passage_bigram_recall",
    "rank",
    "fused_score",
    "dense_score",
    "type_match",
    "type_miss",
    "restates_question",
    "said_before",  # a follow-up, and the sentence is the last answer's (以后的目标呢, after 目前保持在46%以上)
    "echo",  # a follow-up: the encoder's similarity of the sentence and the last answer (康巴什呢, after 昆区's 26%)
    "new_content",
    "is_question",
    "heading_like",
    "heading_asked",  # a heading, and the question asks for a part of a document (哪个专栏, 小标题)
    "place_match",
    "place_area",
    "place_other",
    "similarity",
    "year_found",
    "year_missing",
    "year_other",
    "rarest_missing",
    "missing_most",
    "new_figure",
    "focus_missing",
    "focus_figure",
    "other_stage",
    "stage_elsewhere",  # it names only other school stages than the question's (学前教育, asked 义务教育)
    "only_asked_figures",
    "unasked_target",  # a figure asked, not a target, and its figures are a plan's targets (规划新建幼儿园9所)
    "answer_coverage",
    # the same for every sentence of a question: signals for the decision model only
    "asks_future",
    "asks_after",
    "follow_up",  # completed from the conversation (康巴什呢: 康巴什区教育支出占公共预算支出多少？)
    "unknown_share",
    "first_person",
    "on_topic",  # the question's similarity to what the corpus is about (its passages' mean vector)
    *(f"asks_{kind}" for kind in _KIND_FEATURES),
)
DECISION_FEATURES = (
    "bias",
    "best",
    "second",
    "best_score",
    "best_similarity",
    "best_type_match",
    "best_type_miss",
    "best_figure_miss",  # a figure or date asked, and the best sentence has none of the kind: it cannot say it
    "best_items_miss",  # a list or a name asked, and the best sentence has none
    "type_match_in_top3",
    "best_coverage",
    "best_answer_coverage",
    "top3_answer_coverage",
    "best_passage_coverage",
    "best_bigram_recall",
    "best_restates_question",
    "best_echo",
    "best_year_missing",
    "best_rarest_missing",
    "best_missing_most",
    "best_new_figure",
    "best_focus_missing",
    "best_focus_figure",
    "best_other_stage",
    "best_stage_elsewhere",
    "best_only_asked_figures",
    "asks_future",
    "asks_after",
    "follow_up",
    "unknown_share",
    "first_person",
    "on_topic",
    "concepts",  # how many things the question names: covering all of many is stronger evidence than of two
    # the kind of answer asked for (a figure is the baseline): documents state measures more often than dates
    *(f"asks_{kind}" for kind in _KIND_FEATURES),
)
_SCORE_SCALE = 10.0
_QUERIES_KEPT = 4  # question (and last-answer) vectors kept by ``SentenceSimilarity``
_TOP = 3  # the best candidates a question-level signal looks at
_PASSAGE_COVERAGE = FEATURES.index("passage_coverage")
_OTHER_STAGE = FEATURES.index("other_stage")
_SAID_BEFORE = FEATURES.index("said_before")
_SAID = 0.8  # share of a sentence's character pairs in the last answer: that answer said it
_TYPED = ("number", "date", "time", "list", "name", "location", "procedure")
_MIN_CHARS = 4
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE_END = re.compile(r"[。！？；!?;]")


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with its signals and (once scored) its probability."""

    hit: Hit
    rank: int
    start: int
    end: int
    features: tuple[float, ...]
    score: float = 0.0
    probability: float = 0.0

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start : self.end]

    @property
    def region(self) -> str | None:
        return self.hit.chunk.metadata.region


def _features(
    analysis: QuestionAnalysis,
    hit: Hit,
    rank: int,
    spans: list[tuple[int, int]],
    i: int,
    similarity: float,
    on_topic: float,
    said: AbstractSet[str],
    echo: float,
) -> list[float]:
    text = hit.chunk.text
    start, end = spans[i]
    sentence = text[start:end]
    window = text[spans[max(0, i - 1)][0] : spans[min(len(spans) - 1, i + 1)][1]]
    passage = hit.chunk.index_text()
    own = content_bigrams(sentence)
    restates = len(own & analysis.bigrams) / len(own) if own else 1.0
    typed = analysis.answer_type in _TYPED or analysis.asks_why
    match = typed and analysis.type_match(sentence)
    new_figure = analysis.asks_number and analysis.new_figure(sentence)
    named = bool(analysis.places)
    rarest = analysis.rarest()
    heading = not _SENTENCE_END.search(sentence) and len(sentence) < 30
    return [
        1.0,
        analysis.coverage(sentence),
        analysis.literal_coverage(sentence),
        analysis.coverage(window),
        analysis.coverage(passage),
        analysis.bigram_recall(sentence),
        analysis.bigram_recall(passage),
        1.0 / (1 + rank),
        hit.score,
        hit.dense,
        float(match),
        float(typed and not match),
        restates,
        len(own & said) / len(own) if own and said else 0.0,
        echo,
        math.log1p(len(own - analysis.bigrams)) / 5,
        float("？" in sentence or "?" in sentence),
        float(heading),
        float(heading and analysis.asks_for_part),
        float(named and hit.region_tier == 2),
        float(named and hit.region_tier == 1),
        float(named and hit.region_tier == 0 and hit.chunk.metadata.region is not None),
        similarity,
        float(bool(analysis.years) and all(y in window for y in analysis.years)),
        float(bool(analysis.years) and not all(y in window for y in analysis.years)),
        float(analysis.other_year(sentence)),
        float(rarest is not None and not rarest.found_in(passage)),
        analysis.missing_most(window),
        float(new_figure),
        float(analysis.focus_missing(window)),
        float(analysis.asks_number and analysis.focus_figure(sentence)),
        float(analysis.asks_number and analysis.other_stage(sentence)),
        float(analysis.about_other_stage(sentence)),
        # its figures are all the question's own, or it states the total the question asks a part of (近7万随迁子女
        # asked how many of them 读初中): it cannot answer
        float(analysis.answer_type == "number" and ((match and not new_figure) or analysis.only_the_total(sentence))),
        float(analysis.asks_number and not analysis.asks_target and analysis.only_targets(sentence)),
        analysis.answer_coverage(sentence) if typed else analysis.coverage(sentence),
        float(analysis.asks_future),
        float(analysis.asks_after),
        float(bool(said)),
        analysis.unknown_share(),
        float(analysis.first_person),
        on_topic,
        *(
            float(kind == analysis.answer_type or (kind == "date" and analysis.answer_type == "time"))
            for kind in _KIND_FEATURES
        ),
    ]


class SentenceSimilarity:
    """Cosine similarity of the question and each sentence under the index's encoder (USE by default).

    Sentence vectors are kept in a bounded cache, so a passage seen before costs nothing; a new sentence costs
    about a millisecond with USE on two cores."""

    def __init__(self, encoder: Encoder, cache_size: int = 50_000) -> None:
        self.encoder = encoder
        self.cache_size = cache_size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        # the last few questions' vectors: one is asked for twice, and a follow-up's last answer is encoded too
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    def _query_vector(self, question: str) -> np.ndarray:
        if question not in self._queries:
            self._queries[question] = self.encoder.encode_queries([question])[0]
            while len(self._queries) > _QUERIES_KEPT:
                self._queries.popitem(last=False)
        self._queries.move_to_end(question)
        return self._queries[question]

    def toward(self, question: str, direction: np.ndarray) -> float:
        """Cosine similarity of the question and a unit ``direction`` (the corpus topic)."""
        query = self._query_vector(question)
        return float(query @ direction / max(float(np.linalg.norm(query)), 1e-12))

    def __call__(self, question: str, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0)
        missing = [s for s in dict.fromkeys(sentences) if s not in self._vectors]
        if missing:
            for sentence, vector in zip(missing, self.encoder.encode_documents(missing), strict=True):
                self._vectors[sentence] = vector
            while len(self._vectors) > self.cache_size:
                self._vectors.popitem(last=False)
        for s in sentences:
            self._vectors.move_to_end(s)
        return np.array([self._vectors[s] for s in sentences]) @ self._query_vector(question)


def candidates(
    analysis: QuestionAnalysis,
    hits: list[Hit],
    similarity: SentenceSimilarity | None = None,
    topic: np.ndarray | None = None,
    said: str = "",
) -> list[Candidate]:
    """Every quotable sentence of ``hits`` with its signals (not yet scored); ``topic`` is the corpus's
    (``HybridRetriever.topic``); ``said``, for a follow-up completed from the conversation, the last answer."""
    spans_of = []
    seen: set[tuple[str, int]] = set()  # a sentence in two overlapping passages is one candidate (the better hit's)
    for rank, hit in enumerate(hits):
        spans = split_sentences(hit.chunk.text)
        for i, (start, end) in enumerate(spans):
            sentence = hit.chunk.text[start:end]
            at = (hit.chunk.doc_id, hit.chunk.start + start)
            if len(_CJK.findall(sentence)) >= _MIN_CHARS and not looks_like_instruction(sentence) and at not in seen:
                seen.add(at)
                spans_of.append((rank, hit, spans, i))
    texts = [hit.chunk.text[slice(*spans[i])] for _, hit, spans, i in spans_of]
    ask = split_ask(analysis.question)[1]
    similar = similarity(ask, texts) if similarity else np.zeros(len(texts))
    on_topic = similarity.toward(ask, topic) if similarity and topic is not None and texts else 0.0
    said_pairs = content_bigrams(said) if said else set()
    echoes = similarity(said, texts) if similarity and said else np.zeros(len(texts))
    found = [
        Candidate(
            hit,
            rank,
            *spans[i],
            tuple(_features(analysis, hit, rank, spans, i, float(sim), on_topic, said_pairs, float(echo))),
        )
        for (rank, hit, spans, i), sim, echo in zip(spans_of, similar, echoes, strict=True)
    ]
    # what the last answer said is not what a follow-up asks (那体育比赛这块呢, after 使每个学生掌握1-3项运动技能) —
    # unless it asks a part of the total that answer gave (其中…有多少: the breakdown may stand in that sentence),
    # an item of the list it quoted (第五条是啥), or the sentence has every word of the follow-up's own (那幼儿园有几所,
    # after …中学7所…幼儿园15所: the figure asked is in what was said)
    if said_pairs and analysis.part_of is None and asked_ordinal(analysis.question) is None:
        own = [c for c in analysis.concepts if not c.told]
        found = [
            c
            for c in found
            if c.features[_SAID_BEFORE] < _SAID or (own and all(concept.found_in(c.text) for concept in own))
        ]
    return found


@dataclass(frozen=True)
class Thresholds:
    answer: float
    relevant: float  # not answered: related when the relevance reaches this, else refused
    extra: float  # a further sentence is quoted when its probability is at least this share of the best one's
    region: float  # other regions are answered too when their own confidence reaches this


# before fitting: decide nothing, quote one sentence, never answer per region (1.01 is out of reach)
UNFITTED = Thresholds(answer=0.0, relevant=0.0, extra=0.5, region=1.01)


def decision_features(scored: list[Candidate], analysis: QuestionAnalysis) -> list[float]:
    """Question-level signals from the scored candidates (best first)."""
    if not scored:
        return [1.0] + [0.0] * (len(DECISION_FEATURES) - 1)
    best = dict(zip(FEATURES, scored[0].features, strict=True))
    p2 = scored[1].probability if len(scored) > 1 else 0.0
    top3 = [dict(zip(FEATURES, c.features, strict=True)) for c in scored[:_TOP]]
    return [
        1.0,
        scored[0].probability,
        p2,
        scored[0].score / _SCORE_SCALE,
        best["similarity"],
        best["type_match"],
        best["type_miss"],
        best["type_miss"] * float(analysis.answer_type in ("number", "date", "time")),
        best["type_miss"] * float(analysis.answer_type in ("list", "name")),
        float(any(c["type_match"] for c in top3)),
        best["coverage"],
        best["answer_coverage"],
        max(c["answer_coverage"] for c in top3),
        best["passage_coverage"],
        best["bigram_recall"],
        best["restates_question"],
        best["echo"],
        best["year_missing"],
        best["rarest_missing"],
        best["missing_most"],
        best["new_figure"],
        best["focus_missing"],
        best["focus_figure"],
        best["other_stage"],
        best["stage_elsewhere"],
        best["only_asked_figures"],
        best["asks_future"],
        best["asks_after"],
        best["follow_up"],
        best["unknown_share"],
        best["first_person"],
        best["on_topic"],
        len(analysis.concepts) / 10,
        *(best[f"asks_{kind}"] for kind in _KIND_FEATURES),
    ]


def _only_wider_area(scored: list[Candidate]) -> bool:
    """Whether the best candidate is from a document about an area containing the place asked about and no
    candidate is from one about that place itself (``Hit.region_tier`` 1, never 2)."""
    return scored[0].hit.region_tier == 1 and not any(c.hit.region_tier == 2 for c in scored)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class AnswerModel:
    """Sentence model over ``FEATURES``; over ``DECISION_FEATURES``, the decision model (does the best candidate
    answer?) and the relevance model (are the documents about the question at all?); and the thresholds."""

    weights: tuple[float, ...]
    decision_weights: tuple[float, ...]
    relevance_weights: tuple[float, ...]
    thresholds: Thresholds

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> AnswerModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES or tuple(data["decision_features"]) != DECISION_FEATURES:
            raise ValueError(f"{path} was fitted for other features; refit with: python -m bench.calibrate")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> AnswerModel:
        """The model of a fitted model's JSON object (as ``bench.calibrate`` writes it)."""
        return cls(
            tuple(data["weights"]),
            tuple(data["decision_weights"]),
            tuple(data["relevance_weights"]),
            Thresholds(**data["thresholds"]),
        )

    @classmethod
    def blank(cls) -> AnswerModel:
        """An unfitted model (all weights zero), to start fitting from."""
        unfitted = (0.0,) * len(DECISION_FEATURES)
        return cls((0.0,) * len(FEATURES), unfitted, unfitted, UNFITTED)

    def confidence(self, scored: list[Candidate], analysis: QuestionAnalysis) -> float:
        """Probability that quoting the best candidate answers the question."""
        return self.probabilities(scored, analysis)[0]

    def relevance(self, scored: list[Candidate], analysis: QuestionAnalysis) -> float:
        """Probability that the documents are about the question (a question they discuss but do not answer is
        about them; 包头哪家驾校通过率高 and a quiz question on history are not)."""
        return self.probabilities(scored, analysis)[1]

    def probabilities(self, scored: list[Candidate], analysis: QuestionAnalysis) -> tuple[float, float]:
        """(confidence, relevance), from one set of decision features; both 0 when there is nothing to quote or no
        retrieved passage has a word of the question (今天天气怎么样: nothing retrieved is about it) — unless it asks
        where something is said, which the citation answers, not its words (出自昆区那篇材料的哪一节)."""
        if not scored or (not analysis.asks_source and not any(c.features[_PASSAGE_COVERAGE] for c in scored)):
            return 0.0, 0.0
        x = np.array(decision_features(scored, analysis), dtype=np.float64)
        confidence, relevance = _sigmoid(np.array([self.decision_weights, self.relevance_weights]) @ x)
        if analysis.asks_schools and not school_names(scored[0].text):
            confidence = 0.0  # which school (哪3所名园), and the best sentence names none: not answered
        if scored[0].features[_OTHER_STAGE]:
            confidence = 0.0  # its figures are all another stage's (幼儿园9所, for 新建几所小学): not answered
        if analysis.only_the_total(scored[0].text):
            confidence = 0.0  # 那32所学校里幼儿园有几所, and it gives the 32 without breaking it down: not answered
        if analysis.asks_now and analysis.asks_number and analysis.only_targets(scored[0].text):
            confidence = 0.0  # 现在有多少名专任教师, and its figures are a plan's targets (新培养…1000人): not answered
        if len(analysis.places) == 1 and _only_wider_area(scored):
            confidence = 0.0  # 东河区 asked, only 包头市's documents speak: the city's policy, not the district's
        return float(confidence), float(relevance)

    def score(self, found: list[Candidate]) -> list[Candidate]:
        """``found`` with scores and their shares (softmax over the question's candidates), best first."""
        if not found:
            return []
        z = np.array([c.features for c in found], dtype=np.float64) @ np.array(self.weights)
        share = np.exp(z - z.max())
        share /= share.sum()
        scored = [
            Candidate(c.hit, c.rank, c.start, c.end, c.features, float(zi), float(pi))
            for c, zi, pi in zip(found, z, share, strict=True)
        ]
        return sorted(scored, key=lambda c: (-c.score, c.rank, c.start))
