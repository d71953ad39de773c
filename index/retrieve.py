"""Hybrid retrieval: BM25 and dense candidates, fused by calibrated scores, with jurisdiction awareness.

Fusion. Naive reciprocal-rank fusion with the USE encoder loses top-1 to BM25
alone (the encoder is much weaker than BM25 on Chinese). We therefore fuse
*scores*: each side is min-max normalised over the candidate set and combined
as ``w * bm25 + (1 - w) * dense``, with ``w`` (``bm25_weight``) favouring BM25;
the dense side breaks ties and rescues paraphrases with no shared words. The
ablation behind the default is in docs/retrieval.md.

Jurisdiction is evidence, not a wall. When a question names a place (玉泉区, 昆区,
包头 …), the scores of passages of documents about that place are raised by a
share, those of an area containing it (a city-wide policy for a district
question) by a smaller one, and those of documents known to be about a
*different* place lowered; documents whose region is unknown — most of a scraped
corpus without a manifest — compete on their text alone. The three weights are
fitted by ``bench/jurisdiction.py`` (tune half of the question sets, on the
sample corpus with and without its manifest, and mixed with CMRC paragraphs
posing as notices); ``strict`` (the named place's documents always first) and ``off``
are kept for the ablation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from index.protocols import Encoder
from index.store import LoadedIndex
from ingest.models import Chunk
from ingest.zh.homophones import PlaceSpeller, TermSpeller
from ingest.zh.places import Gazetteer, region_tier, split_region

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[Mode, ...] = get_args(Mode)
Fusion = Literal["score", "rrf"]
Jurisdiction = Literal["soft", "strict", "off"]
JURISDICTIONS: tuple[Jurisdiction, ...] = get_args(Jurisdiction)
_RRF_K = 60
_SPELLED_TERM_PASSAGES = 2  # a corpus term a misspelling is read as is used by this many passages at least
_TOPIC_SAMPLE = 20_000  # passages averaged for the corpus topic (40 MB of 512-d vectors)
WEIGHTS_FILE = Path(__file__).with_name("jurisdiction.json")  # written by: python -m bench.jurisdiction --fit
_WEIGHTS = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class RetrievalConfig:
    mode: Mode = "hybrid"
    bm25_weight: float = 0.7
    fusion: Fusion = "score"
    candidates: int = 100
    jurisdiction: Jurisdiction = "soft"
    # soft jurisdiction: shares by which the fused score (0..1) is raised or lowered
    own_place_bonus: float = _WEIGHTS["own_place_bonus"]
    area_bonus: float = _WEIGHTS["area_bonus"]
    other_place_penalty: float = _WEIGHTS["other_place_penalty"]

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got '{self.mode}'")
        if self.fusion not in get_args(Fusion):
            raise ValueError(f"fusion must be one of {get_args(Fusion)}, got '{self.fusion}'")
        if not 0.0 <= self.bm25_weight <= 1.0:
            raise ValueError(f"bm25_weight must be between 0 and 1, got {self.bm25_weight}")
        if self.candidates < 1:
            raise ValueError(f"candidates must be greater than 0, got {self.candidates}")
        if self.jurisdiction not in JURISDICTIONS:
            raise ValueError(f"jurisdiction must be one of {JURISDICTIONS}, got '{self.jurisdiction}'")


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters: only passages that satisfy all given fields are returned."""

    region: str | None = None
    doc_id: str | None = None
    date_from: str | None = None
    date_to: str | None = None


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    bm25: float
    dense: float
    region_tier: int


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.where(values > 0, 1.0, 0.0)


def _rrf(values: np.ndarray) -> np.ndarray:
    """Reciprocal-rank fusion term (kept for the ablation: it loses top-1 to BM25 with USE)."""
    ranks = np.empty(len(values))
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
    return 1.0 / (_RRF_K + ranks)


class HybridRetriever:
    def __init__(
        self,
        index: LoadedIndex,
        encoder: Encoder,
        gazetteer: Gazetteer | None = None,
        config: RetrievalConfig | None = None,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.config = config or RetrievalConfig()
        self.gazetteer = gazetteer or Gazetteer.default(m.region for m in index.documents.values() if m.region)
        self._doc_regions = [index.documents[d].region for d in index.doc_ids]
        self._known_region = np.array([bool(r) for r in self._doc_regions], dtype=bool)
        self._unknown_mentions: frozenset[str] | None = None
        self._spellers: tuple[PlaceSpeller, TermSpeller] | None = None
        self._topic: np.ndarray | None = None

    @property
    def topic(self) -> np.ndarray:
        """What the corpus is about, as one direction of the encoder's space: the mean of the passages' vectors
        (of an evenly spaced sample of ``_TOPIC_SAMPLE`` for a larger corpus), unit length. A question far from
        it is on another subject (老街停车, 高铁票价) whatever words it shares with the text."""
        if self._topic is None:
            count = len(self.index.chunks)
            ids = np.unique(np.linspace(0, count - 1, min(count, _TOPIC_SAMPLE)).astype(np.int64))
            vectors = self.index.vector_store.vectors(ids)
            total = (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).sum(axis=0)
            self._topic = total / max(float(np.linalg.norm(total)), 1e-12)
        return self._topic

    # -- filters and places -----------------------------------------------------------------

    @property
    def covered_regions(self) -> list[str]:
        """The regions of the indexed documents."""
        return sorted({r for r in self._doc_regions if r})

    def respell(self, text: str) -> str:
        """``text`` with homophones of the covered places' names and of the corpus's terms written as the names
        and terms (坤区 → 昆区, 幼儿圆 → 幼儿园)."""
        if self._spellers is None:
            covered = {c for region in self.covered_regions for c in split_region(region)}
            keywords = self.index.keyword_index
            tokenizer = keywords.tokenizer
            terms = TermSpeller(
                keywords.terms(_SPELLED_TERM_PASSAGES), keywords.has_term, tokenizer.cut, tokenizer.dictionary_frequency
            )
            places = PlaceSpeller(self.gazetteer.names_of(covered), tokenizer.cut, tokenizer.dictionary_frequency)
            self._spellers = (places, terms)
        places, terms = self._spellers
        return terms(places(text))

    def covers(self, places: list[tuple[str, ...]]) -> bool:
        """Whether any indexed document is about one of ``places`` or an area containing it, or a document
        whose region is unknown names one of them (its text may well be about it)."""
        return bool(self._doc_tiers(places).any()) or any(p[-1] in self._named_by_unknown() for p in places)

    def _named_by_unknown(self) -> frozenset[str]:
        """Places named in the passages of documents whose region is unknown (computed once per index)."""
        if self._unknown_mentions is None:
            unknown = ~self._known_region[self.index.chunk_doc]
            self._unknown_mentions = frozenset(
                c for row in np.flatnonzero(unknown) for c in self.gazetteer.components_in(self.index.chunks[row].text)
            )
        return self._unknown_mentions

    def matches_any(self, filters: SearchFilters) -> bool:
        """Whether any indexed document passes ``filters``."""
        mask = self._filter_mask(filters)
        return mask is None or bool(mask.any())

    def named_places(self, text: str) -> list[tuple[str, ...]]:
        """The most specific places ``text`` names (呼和浩特玉泉区 → just 玉泉区)."""
        paths = [p for c in self.gazetteer.components_in(text) if (p := self.gazetteer.path_of(c))]
        return [p for p in paths if not any(q != p and q[: len(p)] == p for q in paths)]

    def _place_prior(self, tiers: np.ndarray, known_region: np.ndarray) -> np.ndarray:
        """The share by which the place a question names raises a passage's score: a bonus for documents of
        that place and of areas containing it, a penalty for documents known to be about somewhere else, nothing
        for documents of unknown region. It multiplies the text score, so a passage of the named place that is
        not about the question does not outrank one elsewhere that is."""
        c = self.config
        return np.select(
            [tiers == 2, tiers == 1, known_region], [c.own_place_bonus, c.area_bonus, -c.other_place_penalty], 0.0
        )

    def _doc_tiers(self, places: list[tuple[str, ...]]) -> np.ndarray:
        return np.array([max((region_tier(r, p) for p in places), default=0) for r in self._doc_regions], dtype=np.int8)

    def _filter_mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Per-document boolean mask for the hard filters, or None when there are none."""
        if filters == SearchFilters():
            return None
        keep = np.ones(len(self.index.doc_ids), dtype=bool)
        if filters.region:
            place = self.gazetteer.resolve(filters.region)
            if place:
                keep &= self._doc_tiers([place]) == 2
            else:  # a place the gazetteer does not know: match the region text itself
                keep &= np.array([filters.region in (r or "") for r in self._doc_regions])
        if filters.doc_id:
            keep &= np.array([d == filters.doc_id for d in self.index.doc_ids])
        if filters.date_from or filters.date_to:
            dates = [self.index.documents[d].date for d in self.index.doc_ids]
            keep &= np.array(
                [
                    date is not None
                    and (not filters.date_from or date >= filters.date_from)
                    and (not filters.date_to or date <= filters.date_to)
                    for date in dates
                ]
            )
        return keep

    # -- search ------------------------------------------------------------------------------

    def _candidates(
        self, query: str, qvec: np.ndarray | None, bm25: np.ndarray, allowed_docs: np.ndarray | None
    ) -> np.ndarray:
        rows_allowed = None if allowed_docs is None else np.flatnonzero(allowed_docs[self.index.chunk_doc])
        if rows_allowed is not None and rows_allowed.size == 0:
            return np.zeros(0, dtype=np.int64)
        m = self.config.candidates
        found: list[np.ndarray] = []
        if self.config.mode != "dense":
            scores = bm25 if rows_allowed is None else bm25[rows_allowed]
            top = np.argpartition(-scores, min(m, len(scores) - 1))[:m] if len(scores) else scores
            top = top[scores[top] > 0] if len(top) else top
            found.append(top if rows_allowed is None else rows_allowed[top])
        if self.config.mode != "bm25" and qvec is not None:
            _, ids = self.index.vector_store.search(qvec, m, rows_allowed)
            found.append(ids)
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` passages that best answer ``query``, best first."""
        if k < 1:
            raise ValueError(f"k must be greater than 0, got {k}")
        filters = filters or SearchFilters()
        allowed = self._filter_mask(filters)
        if allowed is not None and not allowed.any():
            return []
        bm25 = self.index.keyword_index.scores(query) if self.config.mode != "dense" else None
        if bm25 is None:
            bm25 = np.zeros(len(self.index.chunks), dtype=np.float32)
        qvec = self.encoder.encode_queries([query])[0] if self.config.mode != "bm25" else None

        tiers = np.zeros(len(self.index.doc_ids), dtype=np.int8)
        places = self.named_places(query) if self.config.jurisdiction != "off" else []
        if places:
            tiers = self._doc_tiers(places)
        candidates = self._candidates(query, qvec, bm25, allowed)
        if tiers.any():  # make sure the named place's passages are among the candidates
            local = tiers > 0 if allowed is None else (tiers > 0) & allowed
            candidates = np.union1d(candidates, self._candidates(query, qvec, bm25, local))
        if candidates.size == 0:
            return []

        cand_bm25 = bm25[candidates]
        cand_dense = (
            self.index.vector_store.scores(qvec, candidates)
            if qvec is not None
            else np.zeros(len(candidates), dtype=np.float32)
        )
        weight = {"hybrid": self.config.bm25_weight, "bm25": 1.0, "dense": 0.0}[self.config.mode]
        if self.config.fusion == "rrf" and self.config.mode == "hybrid":
            fused = _minmax(_rrf(cand_bm25) + _rrf(cand_dense))
        else:
            fused = weight * _minmax(cand_bm25) + (1 - weight) * _minmax(cand_dense)
        cand_docs = self.index.chunk_doc[candidates]
        cand_tiers = tiers[cand_docs]
        if places:
            fused = fused * (1 + self._place_prior(cand_tiers, self._known_region[cand_docs]))
        if self.config.jurisdiction == "strict":
            order = np.lexsort((-fused, -(cand_tiers > 0).astype(np.int8)))[:k]
        else:
            order = np.argsort(-fused, kind="stable")[:k]
        return [
            Hit(
                chunk=self.index.chunks[candidates[i]],
                score=round(float(fused[i]), 4),
                bm25=float(cand_bm25[i]),
                dense=float(cand_dense[i]),
                region_tier=int(cand_tiers[i]),
            )
            for i in order
        ]
