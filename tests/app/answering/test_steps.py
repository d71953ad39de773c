"""The answering steps one by one, on the real index of the bundled corpus: analysis, follow-ups, scope,
the fitted answer model and composition."""

from __future__ import annotations

import json

import pytest

from app.answering.analysis import answer_type_of
from app.answering.chat import ChatService, chat_service
from app.answering.evidence import DECISION_FEATURES, FEATURES, MODEL_FILE, AnswerModel, Candidate, candidates
from app.answering.extractive import lead, trim
from app.answering.followup import depends_on_history
from app.answering.scope import unknown_places
from app.service import SearchService
from ingest.models import DocumentMetadata


@pytest.fixture(scope="module")
def chat(service: SearchService) -> ChatService:
    return chat_service(service)


def _scored(chat: ChatService, service: SearchService, question: str) -> list[Candidate]:
    analysis = chat.analyse(question, service.retriever)
    return chat.model.score(candidates(analysis, service.search(question, 5)))


class TestQuestionAnalysis:
    @pytest.mark.parametrize(
        ("question", "kind"),
        [
            ("玉泉区教师缺编多少人？", "number"),
            ("康巴什区哪一年通过验收？", "date"),
            ("小学几点上学？", "time"),
            ("乌海在哪几个方面下功夫？", "list"),
            ("玉泉区打算怎么解决学位紧张？", "reason"),
            ("康巴什课后服务必须参加吗", "yesno"),
            ("专栏3叫什么工程？", "name"),
        ],
    )
    def test_answer_type(self, question: str, kind: str) -> None:
        assert answer_type_of(question) == kind

    def test_a_parents_word_matches_the_official_one(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("玉泉区老师缺编多少？", service.retriever)
        teacher = next(c for c in analysis.concepts if c.forms[0] == "老师")
        assert "教师" in teacher.forms
        assert analysis.coverage("教师缺编共计719名") == 1.0
        assert analysis.literal_coverage("教师缺编共计719名") < 1.0

    def test_a_share_is_answered_by_a_percentage(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("普惠园能占到几成？", service.retriever)
        assert analysis.states_quantity("覆盖率达到90%以上")
        assert not analysis.states_quantity("覆盖率进一步提高")

    def test_typos_still_share_character_pairs(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("娃娃每天有体育锻练一小时吗", service.retriever)
        assert analysis.bigram_recall("推行“每天一小时”校园体育") > 0.3


class TestFollowUps:
    @pytest.mark.parametrize("question", ["那初中呢？", "昆区呢？", "那2020年呢", "名班主任呢？", "具体怎么组织？"])
    def test_elliptical_questions_depend_on_history(self, service: SearchService, question: str) -> None:
        r = service.retriever
        assert depends_on_history(question, r.gazetteer, r.index.keyword_index.tokenizer)

    @pytest.mark.parametrize("question", ["康巴什区哪一年通过国家义务教育均衡县验收？", "乌海市教育信息化的战略是什么"])
    def test_self_contained_questions_do_not(self, service: SearchService, question: str) -> None:
        r = service.retriever
        assert not depends_on_history(question, r.gazetteer, r.index.keyword_index.tokenizer)


class TestScope:
    def test_unknown_place_words_are_found_but_generic_ones_are_not(self, service: SearchService) -> None:
        assert unknown_places("深圳南山区教师交流轮岗比例是多少", service.retriever) == ["南山区"]
        assert unknown_places("玉泉区南边片区孩子学位紧张怎么办", service.retriever) == []
        assert unknown_places("全市城区学校和社区怎么合作", service.retriever) == []


class TestAnswerModel:
    def test_the_shipped_model_matches_the_features_and_is_fitted(self) -> None:
        data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        assert tuple(data["features"]) == FEATURES and tuple(data["decision_features"]) == DECISION_FEATURES
        assert data["fitted_on"]["questions"] > 100
        model = AnswerModel.load()
        assert 0 < model.thresholds.relevant < model.thresholds.answer < 1

    def test_a_model_for_other_features_is_rejected(self, tmp_path) -> None:
        data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        data["features"] = data["features"][:-1]
        path = tmp_path / "model.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(ValueError, match="refit"):
            AnswerModel.load(path)

    def test_the_sentence_with_the_figure_outranks_one_restating_the_question(
        self, chat: ChatService, service: SearchService
    ) -> None:
        scored = _scored(chat, service, "玉泉区公办小学一年级能提供多少个学位？")
        assert "3800个学位" in scored[0].text
        assert chat.model.confidence(scored) >= chat.model.thresholds.answer


class TestComposition:
    def test_lead_names_district_title_and_date(self) -> None:
        meta = DocumentMetadata(title="招生通知", region="内蒙古自治区呼和浩特市玉泉区", date="2024-06-03")
        assert lead(meta) == "玉泉区《招生通知》（2024年6月）："
        assert lead(DocumentMetadata()) == "据文件："

    def test_a_long_sentence_is_cut_at_clauses_and_stays_verbatim(
        self, chat: ChatService, service: SearchService
    ) -> None:
        question = "玉泉区“十三五”期间新增教育用地多少？"
        analysis = chat.analyse(question, service.retriever)
        scored = _scored(chat, service, question)
        long_one = next(c for c in scored if c.end - c.start > 150)
        quote = trim(long_one, analysis, max_chars=60)
        assert quote.text in long_one.hit.chunk.text
        assert len(quote.text) <= 60 + 60
