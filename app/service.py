"""The functions the CLI and the HTTP API share: build the index, and search it.

``SearchService`` is cheap to construct; ``warm_up()`` loads the encoder and the
index once. While serving, it notices when ``policyqa ingest`` switched in a new
build and loads it, so queries keep being answered from the old index until the
new one is ready.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from app.config import Settings
from index.build import BuildReport, build_index
from index.encoders import load_encoder
from index.errors import IndexError_, IndexNotBuilt
from index.protocols import Encoder
from index.retrieve import Hit, HybridRetriever, SearchFilters
from index.store import IndexStore
from ingest.models import PolicyDocument
from ingest.pipeline import CorpusLoad, load_corpus
from ingest.zh.script import to_simplified
from ingest.zh.tokens import ChineseTokenizer

log = logging.getLogger(__name__)
_WARM_UP_QUERY = "义务教育学校招生入学"


def encoder_for(settings: Settings) -> Encoder:
    return load_encoder(settings.encoder, settings.model_dir, settings.query_prefix, settings.threads)


@dataclass
class IngestOutcome:
    corpus: CorpusLoad
    build: BuildReport | None


def ingest_directory(settings: Settings, directory: Path | None = None, progress: bool = True) -> IngestOutcome:
    """Read a corpus directory and build (incrementally) the index for it.

    With no readable document at all, nothing is built and the current index stays.
    """
    corpus = load_corpus(directory or settings.corpus_dir, progress=progress, limits=settings.read_limits())
    if not corpus.documents:
        return IngestOutcome(corpus, None)
    return IngestOutcome(corpus, ingest_documents(settings, corpus.documents, progress))


def ingest_documents(settings: Settings, documents: list[PolicyDocument], progress: bool = True) -> BuildReport:
    """Build (incrementally) the index of ``settings.index_dir`` for documents already loaded."""
    store = IndexStore(settings.index_dir)
    return build_index(store, documents, encoder_for(settings), settings.build_settings(), ChineseTokenizer(), progress)


class ReindexRunning(Exception):
    """A re-index was asked for while one is running."""

    def __init__(self, message: str = "已有索引任务在运行，请稍后再试") -> None:
        super().__init__(message)
        self.message = message


class IndexJob:
    """One background re-index at a time; the server picks up the new build by itself when it is switched in."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.last: dict | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start re-indexing the corpus directory; raises ``ReindexRunning`` when a re-index is under way."""
        with self._lock:
            if self.running:
                raise ReindexRunning
            self._thread = threading.Thread(target=self._run, name="reindex", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        started = time.time()
        try:
            outcome = ingest_directory(self.settings, progress=False)
            report = outcome.build
            self.last = {
                "ok": report is not None,
                "finished_at": time.time(),
                "seconds": round(time.time() - started, 1),
                "skipped": [str(e) for e in outcome.corpus.errors],
                "cleaning": [
                    {"file": d.path, "kept": d.kept_chars, "removed": d.removed_chars}
                    for d in outcome.corpus.documents
                    if d.removed_chars
                ],
                "build": asdict(report) if report else None,
            }
        except Exception as exc:  # reported in /api/admin/index; the previous index keeps serving
            log.exception("re-index failed")
            self.last = {"ok": False, "finished_at": time.time(), "error": str(exc)}


class SearchService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = IndexStore(settings.index_dir)
        self._retriever: HybridRetriever | None = None
        self._build_link: str | None = None
        self._checked_at = 0.0
        self._reload_lock = threading.Lock()
        self.reload_error: str | None = None  # a new build that could not be loaded (the old one keeps serving)
        self._failed_link: str | None = None

    @property
    def ready(self) -> bool:
        return self._retriever is not None

    @property
    def retriever(self) -> HybridRetriever:
        self._maybe_reload()
        if self._retriever is None:
            raise IndexNotBuilt(f"no index is loaded from '{self.settings.index_dir}'. Build one with: policyqa ingest")
        return self._retriever

    def warm_up(self) -> None:
        """Load the current index and the encoder's weights, and answer one query, so the first user does not
        wait for them (idempotent)."""
        if self._retriever is None:
            self._load()
            assert self._retriever is not None
            self._retriever.search(_WARM_UP_QUERY, 1)

    def _load(self) -> None:
        link = self.store.current_build_id()
        encoder = encoder_for(self.settings)
        index = self.store.load(encoder, ChineseTokenizer())
        self._retriever = HybridRetriever(index, encoder, config=self.settings.retrieval_config())
        self._build_link = link
        log.info("loaded index %s (%d passages)", index.build_id, len(index.chunks))

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.settings.reload_check_seconds:
            return
        self._checked_at = now
        link = self.store.current_build_id()
        if self._retriever is not None and link in (self._build_link, self._failed_link):
            return
        if not self._reload_lock.acquire(blocking=False):
            return  # another request is loading the new build; keep serving the old one
        try:
            self._load()
            self.reload_error = self._failed_link = None
        except (IndexError_, OSError, ValueError) as exc:
            if self._retriever is None:
                raise
            # a corrupt build or another encoder: keep answering from the loaded index, say so in /api/health
            self.reload_error, self._failed_link = f"build {link} could not be loaded: {exc}", link
            log.error("%s; still serving %s", self.reload_error, self._build_link)
        finally:
            self._reload_lock.release()

    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None) -> list[Hit]:
        return self.retriever.search(self.retriever.respell(to_simplified(query)), k, filters)
