"""Open-domain retrieval on the CMRC 2018 trial set (third-party; read from ../shared when present)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cmrc import score
from bench.cmrc_set import load_cmrc
from index.build import build_index
from index.encoders import load_encoder
from index.retrieve import HybridRetriever, RetrievalConfig
from index.store import BuildSettings, IndexStore
from ingest.zh.tokens import ChineseTokenizer
from tests.conftest import SHARED_CMRC

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SHARED_CMRC.exists(), reason="CMRC trial set not present in ../shared"),
]


def test_hybrid_is_at_least_as_good_as_bm25_alone(tmp_path: Path) -> None:
    docs, questions = load_cmrc(SHARED_CMRC)
    assert len(docs) == 256 and len(questions) == 1002
    encoder, tokenizer = load_encoder("use"), ChineseTokenizer()
    store = IndexStore(tmp_path)
    build_index(store, docs, encoder, BuildSettings(), tokenizer, progress=False)
    index = store.load(encoder, tokenizer)
    bm25 = score(HybridRetriever(index, encoder, config=RetrievalConfig(mode="bm25")), questions)
    hybrid = score(HybridRetriever(index, encoder), questions)
    assert hybrid["hit@1"] >= bm25["hit@1"]
    assert hybrid["hit@5"] >= bm25["hit@5"]
    assert hybrid["mrr"] >= bm25["mrr"]
    assert bm25["hit@5"] > 0.95  # the keyword side works as a real BM25 does on this set
