"""Hybrid retrieval over the real sample index: questions parents and staff ask, places, filters."""

from __future__ import annotations

import pytest

from app.evaluation import evaluate_retrieval, load_qa
from app.service import SearchService
from index.retrieve import HybridRetriever, RetrievalConfig, SearchFilters
from tests.conftest import DEV_QA


def top_doc(service: SearchService, question: str, **filters) -> str:
    return service.search(question, 1, SearchFilters(**filters))[0].chunk.doc_id[:3]


class TestQuestions:
    def test_parent_question_finds_the_yuquan_migrant_children_policy(self, service: SearchService) -> None:
        hits = service.search("外地户口孩子能在玉泉区上公办小学吗", 5)
        assert all(h.chunk.doc_id.startswith("001") for h in hits)
        assert any("外来务工人员随迁子女" in h.chunk.text for h in hits)

    def test_exact_figure_is_in_the_top_passage(self, service: SearchService) -> None:
        hit = service.search("玉泉区公办小学一年级能提供多少个学位？", 1)[0]
        assert "公办小学只能提供3800个学位" in hit.chunk.text
        assert hit.chunk.metadata.date == "2022-07-04"
        assert hit.chunk.section_path.startswith("一、发展基础")

    def test_results_are_best_first_and_k_is_respected(self, service: SearchService) -> None:
        hits = service.search("集团化办学", 7)
        assert len(hits) == 7
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    def test_k_must_be_positive(self, service: SearchService) -> None:
        with pytest.raises(ValueError, match="k must be greater than 0"):
            service.search("学位", 0)

    def test_query_with_no_known_word_returns_nothing_misleading(self, service: SearchService) -> None:
        hits = service.search("zzzz qqqq", 3)
        assert all(h.bm25 == 0 for h in hits)


class TestJurisdiction:
    @pytest.mark.parametrize(
        ("question", "doc"),
        [
            ("昆区集团化办学覆盖多少所学校", "000"),
            ("玉泉区集团化办学覆盖多少所学校", "001"),
            ("昆都仑区集团化办学覆盖多少所学校", "000"),
            ("康巴什教师队伍建设", "003"),
            ("乌海市教师队伍建设", "004"),
        ],
    )
    def test_named_place_comes_first(self, service: SearchService, question: str, doc: str) -> None:
        assert top_doc(service, question) == doc

    def test_district_question_can_use_the_city_wide_policy(self, service: SearchService) -> None:
        # 昆区 is in 包头; 包头's 县管校聘 reform applies there, 玉泉区's (in 呼和浩特) does not
        hits = service.search("昆区 县管校聘", 10)
        docs = [h.chunk.doc_id[:3] for h in hits]
        assert "002" in docs
        assert "001" not in docs[: docs.index("002")]

    def test_aliases_and_hierarchy(self, service: SearchService) -> None:
        retriever = service.retriever
        assert retriever.named_places("呼和浩特玉泉区的特殊儿童怎么上学") == [("内蒙古自治区", "呼和浩特市", "玉泉区")]
        assert retriever.named_places("昆区") == [("内蒙古自治区", "包头市", "昆都仑区")]

    def test_place_outside_the_corpus_changes_nothing(self, service: SearchService) -> None:
        hits = service.search("上海市小学入学需要积分吗", 5)
        assert all(h.region_tier == 0 for h in hits)


class TestFilters:
    def test_region_filter_includes_districts_of_a_city(self, service: SearchService) -> None:
        hits = service.search("教师", 20, SearchFilters(region="包头"))
        assert {h.chunk.doc_id[:3] for h in hits} == {"000", "002"}

    def test_region_filter_by_alias(self, service: SearchService) -> None:
        hits = service.search("教师", 10, SearchFilters(region="昆区"))
        assert {h.chunk.doc_id[:3] for h in hits} == {"000"}

    def test_doc_and_date_filters(self, service: SearchService) -> None:
        assert {
            h.chunk.doc_id[:3] for h in service.search("教育", 10, SearchFilters(doc_id="004_d6cde3a42d9d44eb"))
        } == {"004"}
        dated = service.search("教育", 20, SearchFilters(date_from="2023-01-01"))
        assert {h.chunk.doc_id[:3] for h in dated} == {"002"}  # undated documents never pass a date filter
        assert service.search("教育", 5, SearchFilters(date_to="2000-01-01")) == []


class TestFusion:
    def test_config_is_validated(self) -> None:
        with pytest.raises(ValueError, match="bm25_weight"):
            RetrievalConfig(bm25_weight=1.5)
        with pytest.raises(ValueError, match="mode"):
            RetrievalConfig(mode="magic")  # type: ignore[arg-type]

    def test_hybrid_is_not_worse_than_either_side_on_the_dev_questions(self, service: SearchService) -> None:
        items = load_qa(DEV_QA)
        index, encoder = service.retriever.index, service.retriever.encoder
        scores = {
            mode: evaluate_retrieval(HybridRetriever(index, encoder, config=RetrievalConfig(mode=mode)).search, items)
            for mode in ("bm25", "dense", "hybrid")
        }
        assert scores["hybrid"].mrr >= max(scores["bm25"].mrr, scores["dense"].mrr)
        assert scores["hybrid"].hit_at_5 >= 0.95
