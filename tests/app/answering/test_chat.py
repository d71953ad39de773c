"""Extractive answers on the real corpus: exact figures, resolvable citations, refusals, regions, follow-ups."""

from __future__ import annotations

import re

import pytest

from app.answering.chat import ChatService
from app.answering.models import Answer, Turn
from app.evaluation import evaluate_answers, load_qa
from app.service import SearchService, chat_service
from tests.conftest import DEV_QA


@pytest.fixture(scope="module")
def chat(service: SearchService) -> ChatService:
    return chat_service(service)


def assert_citations_resolve(answer: Answer, service: SearchService) -> None:
    """Every [n] has a citation, every citation is referenced, and each quote is verbatim from its passage."""
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}
    index = service.retriever.index
    for c in answer.citations:
        for part in c.quote.split("……"):
            assert part in c.text
        passage = next(ch for ch in index.chunks if ch.doc_id == c.doc_id and ch.text == c.text)
        assert passage.metadata.title == c.title and passage.section_path == c.section


class TestExtractiveAnswers:
    @pytest.mark.parametrize(
        ("question", "figure", "doc"),
        [
            ("玉泉区公办小学一年级能提供多少个学位？", "3800个学位", "001"),
            ("玉泉区教师缺编多少人？", "719名", "001"),
            ("昆区每年安排多少专项资金引进优秀教育人才？", "近1000万元", "000"),
            ("康巴什区哪一年通过国家义务教育均衡县验收？", "2014年", "003"),
            ("玉泉区十三五期间教育累计投资多少？", "17.4 亿元", "001"),
        ],
    )
    def test_exact_figures_with_their_source(
        self, chat: ChatService, service: SearchService, question: str, figure: str, doc: str
    ) -> None:
        answer = chat.ask(question)
        assert not answer.refused and answer.answerer == "extractive"
        assert figure in answer.answer
        assert answer.citations[0].doc_id.startswith(doc)
        assert figure in answer.citations[0].quote
        assert_citations_resolve(answer, service)

    def test_answers_are_short_enough_for_a_phone(self, chat: ChatService) -> None:
        for item in load_qa(DEV_QA):
            answer = chat.ask(item.question)
            body = re.sub(r"^据《[^》]*》：", "", answer.answer)
            assert len(body) <= 400, (item.id, len(body))

    def test_dev_questions_meet_the_bar(self, chat: ChatService) -> None:
        scores = evaluate_answers(chat.ask, load_qa(DEV_QA))
        assert scores.answer_accuracy >= 0.85
        assert scores.refusal_accuracy == 1.0
        assert scores.false_refusals <= 1


class TestRefusals:
    @pytest.mark.parametrize(
        ("question", "reason"),
        [
            ("上海市小学入学需要积分吗？", "place_not_covered"),
            ("北京市海淀区的学区划分是怎样的？", "place_not_covered"),
            ("玉泉区幼儿园每个月保教费多少钱？", "no_evidence"),
            ("康巴什区第一中学的录取分数线是多少？", "no_evidence"),
            ("明天呼和浩特天气怎么样？", "no_evidence"),
            ("玉泉区小学几点上学？", "no_evidence"),  # asks for a time no passage states
            ("玉泉区幼儿园一个月多少钱？", "no_evidence"),  # asks for a price no passage states
        ],
    )
    def test_refuses_with_no_citations(self, chat: ChatService, question: str, reason: str) -> None:
        answer = chat.ask(question)
        assert answer.refused and answer.citations == []
        assert answer.refusal_reason == reason
        assert answer.answer.startswith("现有政策文件中没有找到")
        assert "教育局" in answer.answer

    def test_place_refusal_says_what_is_covered(self, chat: ChatService) -> None:
        answer = chat.ask("上海市小学入学需要积分吗？")
        assert "上海市" in answer.answer and "玉泉区" in answer.answer

    def test_region_filter_outside_the_corpus_refuses(self, chat: ChatService) -> None:
        assert chat.ask("小学学位缺多少？", region="赤峰市").refused


class TestJurisdiction:
    def test_no_place_named_and_regions_differ_answers_per_region(self, chat: ChatService, service) -> None:
        answer = chat.ask("集团化办学覆盖多少所学校？")
        assert not answer.refused
        assert "昆都仑区：" in answer.answer and "32所" in answer.answer
        assert "玉泉区：" in answer.answer and "27所" in answer.answer
        assert_citations_resolve(answer, service)

    def test_named_place_is_answered_only_from_its_documents(self, chat: ChatService) -> None:
        answer = chat.ask("昆区集团化办学覆盖多少所学校？")
        assert "32所" in answer.answer and "27所" not in answer.answer
        assert {c.doc_id[:3] for c in answer.citations} == {"000"}

    def test_region_parameter_restricts_the_answer(self, chat: ChatService) -> None:
        answer = chat.ask("集团化办学覆盖多少所学校？", region="玉泉区")
        assert "27所" in answer.answer
        assert {c.region for c in answer.citations} == {"内蒙古自治区呼和浩特市玉泉区"}


class TestFollowUps:
    history = (Turn("user", "玉泉区每个年级的小学学位缺多少？"), Turn("assistant", "每个年级缺口1200学位。[1]"))

    def test_junior_secondary_follow_up_keeps_the_district(self, chat: ChatService) -> None:
        answer = chat.ask("那初中呢？", self.history)
        assert "玉泉区" in answer.query and "初中" in answer.query and "小学" not in answer.query
        assert "公办初中只能提供2800个学位" in answer.answer
        assert {c.doc_id[:3] for c in answer.citations} == {"001"}

    def test_a_full_new_question_is_not_rewritten(self, chat: ChatService) -> None:
        question = "乌海市教育信息化的“云网端”战略是什么？"
        assert chat.ask(question, self.history).query == question
