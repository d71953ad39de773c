"""Hybrid retrieval over the real sample index: questions parents and staff ask, places, filters."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import Settings
from app.evaluation import evaluate_retrieval, load_qa
from app.service import SearchService, ingest_directory
from index.retrieve import HybridRetriever, RetrievalConfig, SearchFilters
from ingest.corpus import MANIFEST_NAME
from tests.conftest import CORPUS, DEV_QA

# a notice as scraped: its title names no place and it has no manifest row, but it answers a 玉泉区 question
UNKNOWN_REGION_NOTICE = (
    "关于做好2024年义务教育阶段招生入学工作的通知\n"
    "各学校：\n"
    "为做好今年秋季招生，现将有关事项通知如下。玉泉区、赛罕区、新城区、回民区适龄儿童统一通过招生平台报名。"
    "随迁子女入学需提供居住证、务工证明和户口簿，报名时间为7月1日至7月10日。\n"
)


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

    def test_more_results_extend_the_fewer(self, service: SearchService) -> None:
        # asking for more passages adds to the list; it does not reorder what a smaller k returned
        five = [h.chunk.chunk_id for h in service.search("集团化办学", 5)]
        seven = [h.chunk.chunk_id for h in service.search("集团化办学", 7)]
        assert seven[:5] == five and len(seven) == 7
        assert "集团化办学" in service.search("集团化办学", 1)[0].chunk.text

    def test_k_must_be_positive(self, service: SearchService) -> None:
        with pytest.raises(ValueError, match="k must be greater than 0"):
            service.search("学位", 0)

    def test_a_query_no_passage_shares_a_word_with_scores_below_a_real_match(self, service: SearchService) -> None:
        # only the encoder can match gibberish; its passages must not look as sure as a keyword match does
        nonsense = service.search("zzzz qqqq", 3)
        real = service.search("玉泉区教师缺编多少人", 1)[0]
        assert nonsense and max(h.score for h in nonsense) < real.score / 2


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
        # 昆区 is in 包头: its own passages first, then 包头's 县管校聘 reform (it applies there) before
        # 玉泉区's (in 呼和浩特, another city)
        hits = service.search("昆区 县管校聘", 20)
        docs = [h.chunk.doc_id[:3] for h in hits]
        assert docs[0] == "000" and "县管校聘" in hits[0].chunk.text
        assert "002" in docs
        assert "001" not in docs[: docs.index("002")]

    def test_aliases_and_hierarchy(self, service: SearchService) -> None:
        retriever = service.retriever
        assert retriever.named_places("呼和浩特玉泉区的特殊儿童怎么上学") == [("内蒙古自治区", "呼和浩特市", "玉泉区")]
        assert retriever.named_places("昆区") == [("内蒙古自治区", "包头市", "昆都仑区")]

    def test_place_outside_the_corpus_changes_nothing(self, service: SearchService) -> None:
        hits = service.search("上海市小学入学需要积分吗", 5)
        assert all(h.region_tier == 0 for h in hits)


@pytest.fixture(scope="module")
def no_manifest(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """The sample files without their manifest, plus a notice whose region nothing states."""
    tmp = tmp_path_factory.mktemp("no-manifest")
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns(MANIFEST_NAME))
    (corpus / "notice.txt").write_text(UNKNOWN_REGION_NOTICE, encoding="utf-8")
    settings = Settings(index_dir=tmp / "index")
    ingest_directory(settings, corpus, progress=False)
    service = SearchService(settings)
    service.warm_up()
    return service


class TestSoftJurisdiction:
    QUESTION = "玉泉区随迁子女入学报名要带什么材料，什么时候报名"

    def test_a_document_of_unknown_region_competes_on_its_text(self, no_manifest: SearchService) -> None:
        assert no_manifest.retriever.index.documents["notice"].region is None
        assert no_manifest.search(self.QUESTION, 1)[0].chunk.doc_id == "notice"

    def test_strict_jurisdiction_walls_it_off(self, no_manifest: SearchService) -> None:
        r = no_manifest.retriever
        strict = HybridRetriever(r.index, r.encoder, r.gazetteer, RetrievalConfig(jurisdiction="strict"))
        assert "notice" not in [h.chunk.doc_id for h in strict.search(self.QUESTION, 5)]

    def test_regions_come_from_what_the_documents_state(self, no_manifest: SearchService) -> None:
        documents = no_manifest.retriever.index.documents
        yuquan = next(m for d, m in documents.items() if d.startswith("001"))
        assert yuquan.region == "内蒙古自治区呼和浩特市玉泉区" and yuquan.region_source in ("title", "publisher")

    def test_a_place_named_only_in_an_unknown_region_document_is_covered(self, no_manifest: SearchService) -> None:
        r = no_manifest.retriever
        assert r.covers(r.named_places("赛罕区怎么报名"))  # only the notice names it
        assert not r.covers(r.named_places("上海市怎么报名"))


class TestTopic:
    def test_the_corpus_topic_separates_its_subject_from_others(self, service: SearchService) -> None:
        r = service.retriever
        assert abs(float(np.linalg.norm(r.topic)) - 1.0) < 1e-6
        near = r.encoder.encode_queries(["家里困难的孩子上学有没有补助", "小学学位够不够"])
        far = r.encoder.encode_queries(["周末去哪里停车方便", "高铁票多少钱一张"])
        assert min(near @ r.topic) > max(far @ r.topic) + 0.1


class TestFilters:
    def test_region_filter_includes_districts_of_a_city(self, service: SearchService) -> None:
        hits = service.search("教师", 20, SearchFilters(region="包头"))
        assert {h.chunk.doc_id[:3] for h in hits} == {"000", "002"}

    def test_region_filter_by_alias(self, service: SearchService) -> None:
        hits = service.search("教师", 10, SearchFilters(region="昆区"))
        assert {h.chunk.doc_id[:3] for h in hits} == {"000"}

    def test_region_filter_in_traditional_characters(self, service: SearchService) -> None:
        hits = service.search("教师", 10, SearchFilters(region="崑區"))  # a phone set to 繁體
        assert {h.chunk.doc_id[:3] for h in hits} == {"000"}

    def test_doc_and_date_filters(self, service: SearchService) -> None:
        assert {
            h.chunk.doc_id[:3] for h in service.search("教育", 10, SearchFilters(doc_id="004_d6cde3a42d9d44eb"))
        } == {"004"}
        dated = service.search("教育", 20, SearchFilters(date_from="2023-01-01"))
        assert {h.chunk.doc_id[:3] for h in dated} == {"002"}  # undated documents never pass a date filter
        assert service.search("教育", 5, SearchFilters(date_to="2000-01-01")) == []


class TestFiltersNeverCrash:
    PLACES = (None, "乌海市", "昆区", "包头", "上海市", "不存在区")
    QUESTIONS = ("玉泉区小学学位缺多少", "昆区县管校聘", "上海市积分入学", "学位", "zzz")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        question=st.sampled_from(QUESTIONS),
        region=st.sampled_from(PLACES),
        doc_id=st.sampled_from((None, "004_d6cde3a42d9d44eb", "001_b2c1ccd4563cbf07", "missing")),
        date_from=st.sampled_from((None, "2000-01-01", "2023-01-01", "2030-01-01")),
        date_to=st.sampled_from((None, "2000-01-01", "2024-12-31")),
        k=st.integers(1, 20),
        mode=st.sampled_from(("hybrid", "bm25", "dense")),
        jurisdiction=st.sampled_from(("soft", "strict", "off")),
    )
    def test_any_combination_returns_hits_that_pass_the_filters(
        self, service: SearchService, question, region, doc_id, date_from, date_to, k, mode, jurisdiction
    ) -> None:
        r = service.retriever
        config = RetrievalConfig(mode=mode, jurisdiction=jurisdiction)
        retriever = HybridRetriever(r.index, r.encoder, r.gazetteer, config)
        hits = retriever.search(question, k, SearchFilters(region, doc_id, date_from, date_to))
        assert len(hits) <= k
        for hit in hits:
            meta = hit.chunk.metadata
            assert doc_id is None or hit.chunk.doc_id == doc_id
            assert date_from is None or (meta.date is not None and meta.date >= date_from)
            assert date_to is None or (meta.date is not None and meta.date <= date_to)

    def test_the_reported_crash(self, service: SearchService) -> None:
        hits = service.search("玉泉区小学学位缺多少", 5, SearchFilters(region="乌海市"))
        assert hits and {h.chunk.doc_id[:3] for h in hits} == {"004"}


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
