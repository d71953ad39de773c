"""The CMRC 2018 trial set as a second, general-domain check of the answering pipeline.

The data is third-party (CC BY-SA 4.0, github.com/ymcui/cmrc2018) and is read from
``../shared/eval/external`` when present; it is never copied into this repository.

All paragraphs are indexed as one corpus. Each question is asked twice:

- *answerable*: as is; correct when the answer is ``answered``, contains a gold
  span and cites the paragraph around it (the verdicts of ``app.evaluation``);
- *unanswerable*: with its own paragraph removed from the results
  (``ExcludingRetriever``), so the closest remaining passages are on a nearby
  topic but do not hold the answer — it should not be ``answered``.

Questions are split into ``tune`` and ``heldout`` by a hash of their paragraph id,
so the two halves share no paragraph.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from app.config import Settings
from app.evaluation import QAItem, Split
from app.service import SearchService, ingest_documents
from index.retrieve import Hit, HybridRetriever, SearchFilters
from ingest.load import sha256_text
from ingest.models import DocumentMetadata, PolicyDocument

SHARED_CMRC = Path(__file__).resolve().parents[2] / "shared" / "eval" / "external" / "cmrc2018_trial.json"
_EVIDENCE_MARGIN = 15  # characters either side of the gold span, as the independent scorer uses
_EXTRA_HITS = 8


@dataclass(frozen=True)
class CmrcQuestion:
    paragraph: str
    item: QAItem

    @property
    def split(self) -> Split:
        return "tune" if hashlib.sha1(self.paragraph.encode()).digest()[0] % 2 == 0 else "heldout"

    def without_own_paragraph(self) -> QAItem:
        return replace(self.item, answerable=False, evidence=(), must_any=())


def load_cmrc(path: Path) -> tuple[list[PolicyDocument], list[CmrcQuestion]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    docs, questions = [], []
    for article in data["data"]:
        for para in article["paragraphs"]:
            text = para["context"]
            docs.append(PolicyDocument(para["id"], para["id"], text, DocumentMetadata(), sha256_text(text)))
            for qa in para["qas"]:
                answers = [a["text"] for a in qa.get("answers", [])]
                first = qa["answers"][0]
                start = first["answer_start"]
                evidence = text[max(0, start - _EVIDENCE_MARGIN) : start + len(first["text"]) + _EVIDENCE_MARGIN]
                item = QAItem(id=qa["id"], question=qa["question"], evidence=(evidence,), must_any=tuple(answers))
                questions.append(CmrcQuestion(para["id"], item))
    return docs, questions


class ExcludingRetriever(HybridRetriever):
    """A retriever that leaves out one document (the question's own paragraph) when ``excluded`` is set."""

    excluded: str | None = None

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]:
        if self.excluded is None:
            return super().search(query, k, filters)
        hits = super().search(query, k + _EXTRA_HITS, filters)
        return [h for h in hits if h.chunk.doc_id != self.excluded][:k]


class CmrcSearch:
    """A search service over a CMRC index whose retriever can hide one paragraph (a ``SearchSource``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        service = SearchService(settings)
        service.warm_up()
        loaded = service.retriever
        self.retriever = ExcludingRetriever(loaded.index, loaded.encoder, loaded.gazetteer, loaded.config)


def build_cmrc_search(docs: list[PolicyDocument], index_dir: Path, settings: Settings | None = None) -> CmrcSearch:
    """Index the CMRC paragraphs into ``index_dir`` and return a search service over them."""
    settings = (settings or Settings()).model_copy(update={"index_dir": index_dir})
    ingest_documents(settings, docs, progress=False)
    return CmrcSearch(settings)
