"""The Milvus vector store (embedded Milvus Lite) behind the same VectorStore seam: same answers as FAISS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from app.answering.chat import chat_service
from app.config import Settings
from app.service import SearchService, ingest_directory
from index.retrieve import HybridRetriever, RetrievalConfig, SearchFilters

pytestmark = pytest.mark.slow  # a Milvus Lite server and rebuilds


@pytest.fixture(scope="module")
def milvus_service(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> SearchService:
    tmp = tmp_path_factory.mktemp("milvus")
    settings = Settings(index_dir=tmp / "index", vector_index="milvus", milvus_uri=str(tmp / "milvus.db"))
    assert ingest_directory(settings, corpus_dir, progress=False).build is not None
    service = SearchService(settings)
    service.warm_up()
    return service


def test_dense_search_matches_faiss(milvus_service: SearchService, service: SearchService) -> None:
    encoder = service.retriever.encoder
    dense = RetrievalConfig(mode="dense", jurisdiction="off")
    on_milvus = HybridRetriever(milvus_service.retriever.index, encoder, config=dense)
    on_faiss = HybridRetriever(service.retriever.index, encoder, config=dense)
    for question in ("玉泉区教师缺编多少人？", "包头市“县管校聘”改革是怎么推进的？", "康巴什区课后服务"):
        ids_milvus = [h.chunk.chunk_id for h in on_milvus.search(question, 5)]
        ids_faiss = [h.chunk.chunk_id for h in on_faiss.search(question, 5)]
        assert ids_milvus == ids_faiss
        scores = [h.dense for h in on_milvus.search(question, 5)]
        assert np.allclose(scores, [h.dense for h in on_faiss.search(question, 5)], atol=1e-4)


def test_filters_and_answers_work_on_milvus(milvus_service: SearchService) -> None:
    hits = milvus_service.search("教师", 10, SearchFilters(region="康巴什"))
    assert hits and {h.chunk.doc_id[:3] for h in hits} == {"003"}
    answer = chat_service(milvus_service).ask("玉泉区教师缺编多少人？")
    assert "719名" in answer.answer


def test_rebuild_switches_collections_and_drops_old_ones(tmp_path: Path, corpus_copy: Path) -> None:
    from pymilvus import MilvusClient

    uri = str(tmp_path / "milvus.db")
    settings = Settings(index_dir=tmp_path / "index", vector_index="milvus", milvus_uri=uri)
    builds = []
    for n in range(3):
        (corpus_copy / "extra.txt").write_text(f"乌海市课后服务通知\n第{n}号：课后服务延长到下午{n + 5}点。", "utf-8")
        builds.append(ingest_directory(settings, corpus_copy, progress=False).build.build_id)
    collections = set(MilvusClient(uri).list_collections())
    # the current and the previous build are kept; the oldest build's collection was dropped
    assert {c for c in collections if c.startswith("policyqa_")} == {
        "policyqa_" + b.replace("-", "_") for b in builds[1:]
    }
    service = SearchService(settings)
    service.warm_up()
    assert "下午7点" in service.search("乌海市课后服务延长到几点", 1)[0].chunk.text
