"""Extractive answers on the real corpus: exact figures, resolvable citations, refusals, regions, follow-ups."""

from __future__ import annotations

import re

import pytest

from app.answering.chat import (
    HEDGES,
    NO_PUBLICATION_LINE_NAMED,
    NO_SOURCE,
    PAST_THE_LIST,
    PER_REGION_HINT,
    PLACE_UNSAID,
    RELATED_TAIL,
    ChatConfig,
    ChatService,
    Evidence,
    chat_service,
)
from app.answering.models import Answer, Turn
from app.evaluation import evaluate_chat, load_qa
from app.service import SearchService
from tests.conftest import DEV_QA
from tests.fakes import ScriptedGenerator


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

    @pytest.mark.parametrize(
        ("question", "published", "doc"),
        [
            ("玉泉区教育十四五规划是哪天发布的？", "2022-07-04", "001"),
            ("包头“五大工程”那篇报道是什么时候发的？", "2024-03-25", "002"),
        ],
    )
    def test_when_a_document_was_published_is_quoted_from_its_publication_line(
        self, chat: ChatService, service: SearchService, question: str, published: str, doc: str
    ) -> None:
        answer = chat.ask(question)
        cited = next(c for c in answer.citations if published in c.quote)
        assert cited.doc_id.startswith(doc) and published in answer.answer
        assert_citations_resolve(answer, service)

    def test_a_question_in_traditional_characters_is_answered_like_the_simplified_one(self, chat: ChatService) -> None:
        traditional = chat.ask("玉泉區教師缺編多少人？")
        assert traditional.query == "玉泉区教师缺编多少人？"
        assert traditional.answer == chat.ask("玉泉区教师缺编多少人？").answer and "719名" in traditional.answer

    def test_answers_are_short_enough_for_a_phone(self, chat: ChatService) -> None:
        for item in load_qa(DEV_QA):
            answer = chat.ask(item.question)
            body = re.sub(r"^[^《\n]*《[^》]*》(?:（[^）]*）)?：", "", answer.answer)
            assert len(body) <= 400, (item.id, len(body))

    def test_answer_leads_with_district_title_and_date(self, chat: ChatService) -> None:
        answer = chat.ask("玉泉区教师缺编多少人？")
        assert answer.answer.startswith("《玉泉区教育事业发展“十四五”规划(2021-2025)》（2022年7月）：")
        answer = chat.ask("昆区每年安排多少专项资金引进优秀教育人才？")
        assert answer.answer.startswith("昆都仑区《昆区打造教育高质量发展新高地》：")

    def test_dev_questions_none_answered_wrongly_when_unanswerable(self, chat: ChatService) -> None:
        scores = evaluate_chat(chat.ask, load_qa(DEV_QA)).overall()
        assert scores["false_refusals"] == 0
        assert scores["useful_acc"] >= 0.8
        assert scores["unanswerable_answered"] == 0.0

    def test_quotes_shown_one_after_another_mark_the_text_between(self, chat: ChatService) -> None:
        """Two sentences of one passage that are not next to each other are shown with …… between them, so
        "巩固率95.35%;" and the 2020 sentence after it (another part of the plan) do not read as one statement."""
        answer = chat.ask("玉泉区2018年在园幼儿多少人")
        assert "毛入园率为65%;[1]2020年在园幼儿8483人" in answer.answer  # next to each other: no mark
        # apart: marked, and what stands between them in the passage is not shown as said
        passage = answer.citations[0].text
        pairs = re.findall(r"([^\]\n：]{6})\[1\]……([^\[\n]{6})[^\[\n]*\[1\]", answer.answer)
        assert pairs
        for before, after in pairs:
            assert before in passage and after in passage and before + after not in passage

    def test_the_answer_leads_with_its_best_sentence(self, chat: ChatService) -> None:
        """The chat page's first starter question: the 随迁子女 sentence first, not a further one on 学位 from a
        passage retrieved higher."""
        answer = chat.ask("外地户口孩子能在玉泉区上公办小学吗？")
        first_quote = answer.answer.split("[1]")[0]
        assert answer.status == "answered" and "随迁子女" in first_quote

    def test_asked_for_no_year_the_later_figure_follows(self, chat: ChatService) -> None:
        """高中在校生多少人: the 2015 figure, then the sentence going on with 2020's (what is so now)."""
        answer = chat.ask("玉泉区高中在校生多少人")
        assert "2015年在校生5930人;[1]2020年在校生5147人" in answer.answer
        asked = chat.ask("玉泉区2015年高中在校生多少人")  # a year asked: that year's figure alone
        assert "5930人" in asked.answer and "5147人" not in asked.answer

    def test_a_misheard_term_is_read_as_the_term(self, chat: ChatService) -> None:
        """幼儿圆 (voice input) is 幼儿园: the kindergarten places, not the primary school ones."""
        answer = chat.ask("玉泉区幼儿圆学位到25年还差多少啊")
        assert answer.status == "answered" and "学位缺口预计2600个" in answer.answer

    def test_a_heading_answer_lists_the_items_under_it(self, chat: ChatService, service: SearchService) -> None:
        """六大工程是什么: the heading alone restates the question; the six are the paragraphs under it."""
        answer = chat.ask("昆区六大工程是什么")
        lines = answer.answer.split("\n")
        assert "六大工程" in lines[0] and len(lines) == 7
        for n, name in enumerate(("领航", "启航", "引航", "助航", "护航", "续航"), start=1):
            assert name + "工程" in lines[n] and lines[n].startswith("　")
        assert_citations_resolve(answer, service)

    def test_an_item_asked_by_its_number_is_given_alone(self, chat: ChatService, service: SearchService) -> None:
        first = chat.ask("昆区“六大亮点”第一条是什么？")
        history = [Turn("user", "昆区“六大亮点”第一条是什么？"), Turn("assistant", first.answer)]
        for ask, item in (("第五条是啥", "五是“教育家”教育精神深耕不辍"), ("第4个呢", "四是“均衡化”教育服务持续完善")):
            answer = chat.ask(ask, history)
            lines = answer.answer.split("\n")
            assert "六大亮点" in lines[0] and len(lines) == 2 and item in lines[1]
            assert_citations_resolve(answer, service)

    def test_an_item_of_a_list_inside_a_paragraph_is_asked_by_its_number(
        self, chat: ChatService, service: SearchService
    ) -> None:
        """保障体系: 完善家校社协同育人保障体系。一要…。二是…。三是…。四是… — one paragraph, items marked 一要/二是,
        each with sentences of its own after it, read on across passages."""
        third = chat.ask("玉泉区家校社协同育人保障体系第三条是什么")
        lines = third.answer.split("\n")
        assert third.status == "answered" and len(lines) == 2
        assert "完善家校社协同育人保障体系" in lines[0] and lines[1].startswith("　三是完善评估体系")
        assert_citations_resolve(third, service)
        # after an answer written in other words (not our quote), 第二条 is the list's second
        history = [
            Turn("user", "保障体系第一条是啥？"),
            Turn("assistant", "组建多元化教师队伍，吸纳专家、家长代表等加入。"),
        ]
        second = chat.ask("那第二条是啥", history)
        assert second.status == "answered" and "二是建立有序的监管体系" in second.answer
        # it has four: a fifth is not made up
        fifth = chat.ask("玉泉区家校社协同育人保障体系第五条是什么")
        assert fifth.status == "related" and "五是" not in fifth.answer

    def test_a_list_in_the_paragraphs_after_the_answer_is_given_and_its_items_asked_by_number(
        self, chat: ChatService, service: SearchService
    ) -> None:
        """乌海's article: an opening paragraph (…新目标、新定位、新要求…), then paragraphs 一是更新观念 … 六是数字赋能:
        asked which aspects, the six are listed; 第六个是什么 / 那第三个呢 after it are those items, not the opening
        again."""
        question = "乌海市推动教育高质量发展有哪几个方面"
        listed = chat.ask(question)
        items = [line.strip("　") for line in listed.answer.split("\n")[1:]]
        assert listed.status == "answered" and len(items) == 6
        assert items[0].startswith("一是更新观念") and items[5].startswith("六是数字赋能")
        assert_citations_resolve(listed, service)
        history = [Turn("user", question), Turn("assistant", listed.answer)]
        sixth = chat.ask("第六个是什么", history)
        assert sixth.status == "answered" and "六是数字赋能,将推进教育信息化" in sixth.answer
        third = chat.ask("那第三个呢", history)
        assert "三是评价引领" in third.answer and "二是" not in third.answer
        assert_citations_resolve(third, service)
        # a seventh is not made up from a list of six: it says there are six, and shows the last
        seventh = chat.ask("第七个是什么", history)
        assert seventh.status == "related" and seventh.answer.startswith(PAST_THE_LIST.format(n=6, nth=7))
        assert "六是数字赋能" in seventh.answer and "七是" not in seventh.answer
        last = chat.ask("最后一个是什么", history)
        assert last.status == "answered" and "六是数字赋能" in last.answer
        # asked to be told about it (outsider probe, session 14: 第三个具体说啥 matched 第三批 elsewhere)
        for question in ("第三个具体说啥", "第三个主要讲什么", "第三个具体讲讲"):
            told = chat.ask(question, history)
            assert told.status == "answered" and "三是评价引领" in told.answer and "二是" not in told.answer

    def test_a_list_named_by_its_count_is_listed_from_the_lines_naming_its_items(
        self, chat: ChatService, service: SearchService
    ) -> None:
        """包头五大工程都有啥: the article names the five in paragraphs opening 实施“…”工程 (no item marks, no outline):
        all five, each quoted; 玉泉区8项重点工程 are its 专栏1–8, and 第三个 after them is 专栏3; 十大暖心行动, which no
        document lists item by item, gets no list."""
        five = chat.ask("包头五大工程都有啥")
        items = five.answer.split("\n")[1:]
        assert five.status == "answered" and len(items) == 5
        assert items[0].startswith("　实施“强师筑基”工程") and items[4].startswith("　实施“数字赋能”工程")
        assert_citations_resolve(five, service)
        eight = chat.ask("玉泉区8项重点工程分别是什么")
        assert [line.strip("　")[:3] for line in eight.answer.split("\n")[1:]] == [f"专栏{n}" for n in range(1, 9)]
        third = chat.ask("第三个是什么", [Turn("user", "玉泉区8项重点工程分别是什么"), Turn("assistant", eight.answer)])
        assert "专栏3:学前教育普惠工程" in third.answer
        # an item quoted with what follows it ends where a sentence or clause does, not inside a word
        county = chat.ask("第三个是什么", [Turn("user", "包头五大工程都有啥"), Turn("assistant", five.answer)])
        assert re.search(r"实施“县域联盟”工程,[^\n]*[。，,；;]\[1\]$", county.answer)
        assert "\n　" not in chat.ask("康巴什十大暖心行动具体有哪些").answer  # no ten lines: no list is made up


class TestThreeStates:
    @pytest.mark.parametrize(
        "question",
        ["上海市小学入学需要积分吗？", "北京市海淀区的学区划分是怎样的？", "深圳南山区教师交流轮岗比例是多少？"],
    )
    def test_a_place_the_corpus_does_not_cover_is_refused(self, chat: ChatService, question: str) -> None:
        answer = chat.ask(question)
        assert answer.status == "refused" and answer.refused and answer.citations == []
        assert answer.refusal_reason == "place_not_covered"
        assert "目前收录的文件来自" in answer.answer and "玉泉区" in answer.answer

    def test_a_district_only_its_citys_documents_cover_is_named_in_the_refusal(self, chat: ChatService) -> None:
        # 东河区 has no document of its own; 包头市's say nothing on it: the refusal says both, not a list of places
        answer = chat.ask("东河区小学学位缺多少")
        assert answer.status == "refused" and answer.refusal_reason == "no_evidence"
        assert "没有专门针对东河区的文件" in answer.answer and "包头市的文件里也没有找到" in answer.answer

    @pytest.mark.parametrize(
        ("question", "hedge"),
        [
            ("康巴什区第一中学的录取分数线是多少？", HEDGES["number"]),
            ("玉泉区小学几点上学？", HEDGES["time"]),  # a time no passage states
        ],
    )
    def test_near_topic_questions_are_not_answered_as_if_answered(
        self, chat: ChatService, service: SearchService, question: str, hedge: str
    ) -> None:
        assert chat.ask(question).status != "answered"
        # shown as related (the model decides whether its passages are close enough), it says what is missing
        evidence = chat.gather(question, (), None)
        assert isinstance(evidence, Evidence)
        text, citations = chat.compose(evidence, chat.model.score(evidence.found), "related")
        assert text.startswith(hedge + RELATED_TAIL) and "建议咨询" not in text
        assert_citations_resolve(Answer(text, citations, "related"), service)

    @pytest.mark.parametrize("question", ["玉泉区幼儿园每个月保教费多少钱？", "明天呼和浩特天气怎么样？"])
    def test_questions_the_documents_do_not_answer_are_never_answered(self, chat: ChatService, question: str) -> None:
        assert chat.ask(question).status in ("related", "refused")

    @pytest.mark.parametrize(
        "question", ["红楼梦的作者是谁？", "世界上最高的山峰叫什么名字？", "孩子发烧38度5要不要去医院？"]
    )
    def test_a_question_the_documents_are_not_about_is_refused(self, chat: ChatService, question: str) -> None:
        answer = chat.ask(question)
        assert answer.status == "refused" and answer.refusal_reason == "no_evidence" and not answer.citations

    @pytest.mark.parametrize("question", ["康巴什的小学课后服务每天几点结束？", "玉泉区幼儿园每个月保教费多少钱？"])
    def test_a_question_the_documents_discuss_without_answering_is_related(
        self, chat: ChatService, question: str
    ) -> None:
        assert chat.ask(question).status == "related"

    @pytest.mark.parametrize("question", ["今天天气怎么样？", "股票明天会涨吗"])
    def test_a_question_no_passage_has_a_word_of_is_refused(self, chat: ChatService, question: str) -> None:
        answer = chat.ask(question)
        assert answer.status == "refused" and answer.refusal_reason == "no_evidence" and not answer.citations

    @pytest.mark.parametrize("question", ["还有吗？", "那初中呢", "？？", "玉泉区呢", "为什么？", "玉泉区"])
    def test_a_first_question_that_says_nothing_is_asked_again(self, chat: ChatService, question: str) -> None:
        answer = chat.ask(question)
        assert answer.status == "refused" and answer.refusal_reason == "unclear" and not answer.citations
        assert answer.answer.startswith("请把问题说完整一些")

    @pytest.mark.parametrize("question", ["玉泉区有多少所小学", "康巴什小学怎么样", "玉泉区初中咋样"])
    def test_a_place_and_a_stage_or_a_question_word_is_a_question(self, chat: ChatService, question: str) -> None:
        """Said first, a stage asked about in a place, or a place with a question word, asks something."""
        reply = chat.ask(question)
        assert reply.refusal_reason != "unclear" and reply.citations
        if question == "玉泉区有多少所小学":
            assert "小学24所" in reply.answer

    def test_a_place_typed_as_a_homophone_is_answered_from_its_documents(self, chat: ChatService) -> None:
        answer = chat.ask("坤区教育支出占公共预算多少")
        assert answer.query.startswith("昆区") and "26%" in answer.answer
        assert all("昆都仑区" in (c.region or "") for c in answer.citations)

    @pytest.mark.parametrize(("said", "opening"), [("你好", "你好！"), ("谢谢！", "不客气！"), ("你是谁", "你好！")])
    def test_a_greeting_or_thanks_is_answered_in_kind(self, chat: ChatService, said: str, opening: str) -> None:
        answer = chat.ask(said)
        assert answer.refusal_reason == "small_talk" and answer.answer.startswith(opening) and not answer.citations
        # not taken for a greeting when it asks something
        assert chat.ask("你好，玉泉区小学学位缺多少？").refusal_reason != "small_talk"

    def test_a_question_in_english_is_asked_in_chinese(self, chat: ChatService) -> None:
        answer = chat.ask("How many teachers does Kangbashi recruit each year?")
        assert answer.refusal_reason == "not_chinese" and "请用中文提问" in answer.answer

    def test_refusal_text_depends_on_the_reason(self, chat: ChatService) -> None:
        place = chat.ask("上海市小学入学需要积分吗？").answer
        assert "上海市的情况建议咨询当地教育局" in place
        nothing = chat.ask("今天天气怎么样？").answer
        assert nothing.startswith("现有政策文件中没有找到与这个问题相关的内容") and "上海市" not in nothing
        assert nothing.endswith("或写明地区后再问。")
        named = chat.ask("乌海今天天气怎么样？")
        assert named.refusal_reason == "no_evidence" and "写明地区" not in named.answer  # it named one

    def test_region_filter_outside_the_corpus_refuses(self, chat: ChatService) -> None:
        answer = chat.ask("小学学位缺多少？", region="赤峰市")
        assert answer.refused and answer.answer.startswith("现有政策文件中没有赤峰市的相关规定")
        # a region field that is no place is not echoed (it is the client's text, not a place)
        odd = chat.ask("小学学位缺多少？", region="请访问www.example.com领取补贴")
        assert odd.refused and "example" not in odd.answer and "所选地区" in odd.answer


class TestJurisdiction:
    def test_no_place_named_and_regions_differ_answers_per_region(self, chat: ChatService, service) -> None:
        answer = chat.ask("集团化办学覆盖多少所学校？")
        assert not answer.refused
        assert "昆都仑区：" in answer.answer and "32所" in answer.answer
        assert "玉泉区（2022年7月）：" in answer.answer and "27所" in answer.answer  # each region with its date
        assert_citations_resolve(answer, service)

    def test_asked_which_places_every_region_that_says_so_is_shown(self, chat: ChatService, service) -> None:
        answer = chat.ask("哪些地方在推行县管校聘？")
        assert answer.status != "refused"
        for place, words in (
            ("昆都仑区", "县管校聘"),
            ("康巴什区", "县管校聘"),
            ("玉泉区", "区管校聘"),
            ("包头", "县管校聘"),
        ):
            assert any(place in (c.region or "") and words in c.quote for c in answer.citations), place
        assert_citations_resolve(answer, service)

    def test_more_regions_than_shown_are_named(self, service: SearchService) -> None:
        narrow = ChatService(service, ChatConfig(max_regions=2))
        answer = narrow.ask("县管校聘怎么搞")
        assert answer.status == "answered"
        named = re.search(r"另有(\d)个地区（(.+?)等）", answer.answer)
        assert answer.answer.count("：") >= 3 and named is not None
        assert all(name not in answer.answer.split("另有")[0] for name in named.group(2).split("、"))

    def test_a_district_question_quotes_the_district_before_the_city(self, chat: ChatService) -> None:
        answer = chat.ask("昆区县管校聘储备多少个岗位")
        assert "200个岗位" in answer.answer and "300个岗位" not in answer.answer
        assert answer.citations[0].doc_id.startswith("000")

    def test_a_quote_about_another_area_than_asked_says_so(self, chat: ChatService) -> None:
        """A city asked about, a district's document quoted (and the other way round): the answer says whose
        figure it is, before the quote (the 26% is 昆区's, 10 points above the city's) — and it is `related`: the
        documents do not give the city's own figure (outsider probe, session 14: 呼和浩特市的规划目标 was answered
        with 玉泉区's plan)."""
        city = chat.ask("包头市教育支出占公共预算多少")
        assert city.status == "related" and "26%" in city.answer
        assert city.answer.split("\n")[1] == "注意：以下是昆都仑区的说法，不是包头市整体的。"
        district = chat.ask("昆区教育支出占公共预算多少")
        assert district.status == "answered" and not district.answer.startswith("注意")

    def test_a_district_only_its_city_speaks_of_is_not_answered(self, chat: ChatService) -> None:
        """青山区 asked, only 包头市's document speaks: the city's figure (20个教育集团) is shown as related,
        saying whose it is, not given as the district's answer."""
        district = chat.ask("包头市青山区教育集团有几个")
        assert district.status == "related" and district.confidence == 0.0
        assert district.answer.split("\n")[1] == "注意：以下是包头市的说法，不是专门针对青山区的。"
        assert "20个教育集团" in district.answer
        assert chat.ask("包头市教育集团有几个").status == "answered"  # the city's own question is answered

    def test_named_place_is_answered_only_from_its_documents(self, chat: ChatService) -> None:
        answer = chat.ask("昆区集团化办学覆盖多少所学校？")
        assert "32所" in answer.answer and "27所" not in answer.answer
        assert {c.doc_id[:3] for c in answer.citations} == {"000"}

    def test_two_places_named_are_each_answered(self, chat: ChatService, service: SearchService) -> None:
        """昆区和康巴什哪个…: a line for each, from its own document (the 26% and the 25%), not one of them."""
        question = "昆区和康巴什哪个教育投入占比高"
        answer = chat.ask(question)  # answered or, below the fitted threshold, related: both figures either way
        assert answer.status != "refused" and "26%" in answer.answer and "25%" in answer.answer
        assert {c.region for c in answer.citations} == {"内蒙古自治区包头市昆都仑区", "内蒙古自治区鄂尔多斯市康巴什区"}
        assert_citations_resolve(answer, service)
        # composed as an answer: a line for each place, in the order named
        evidence = chat.gather(question, (), None)
        assert isinstance(evidence, Evidence)
        text, _ = chat.compose(evidence, chat.model.score(evidence.found), "answered")
        lines = text.split("\n")
        assert lines[0].startswith("昆都仑区") and "26%" in lines[0]
        assert lines[1].startswith("康巴什区") and "25%" in lines[1]

    def test_a_place_named_whose_documents_do_not_say_it_is_said_so(self, chat: ChatService) -> None:
        """昆区和康巴什区…分别: 昆区's 32所 is quoted, and 康巴什区 gets a line saying its documents do not say, not
        left out as if the answer covered both; and the question is not answered as asked, so it is `related`
        (outsider probe, session 14: 东胜区和康巴什区哪个教育投入多 was `answered`)."""
        answer = chat.ask("昆区和康巴什区集团化办学分别覆盖多少所学校？")
        lines = answer.answer.split("\n")
        assert answer.status == "related" and lines[0].startswith("未能确认")
        assert lines[1].startswith("昆都仑区") and "32所" in lines[1]
        assert lines[-1] == PLACE_UNSAID.format(place="康巴什区")
        assert {c.doc_id[:3] for c in answer.citations} == {"000"}
        compared = chat.ask("东胜区和康巴什区哪个教育投入多？")
        assert compared.status == "related" and compared.answer.split("\n")[-1] == PLACE_UNSAID.format(place="东胜区")

    def test_a_place_outside_the_region_searched_is_refused_with_the_reason(self, chat: ChatService) -> None:
        answer = chat.ask("昆区教育支出占财政支出多少", region="玉泉区")
        assert answer.status == "refused" and answer.refusal_reason == "place_not_covered"
        assert "昆都仑区" in answer.answer and "只查玉泉区的文件" in answer.answer and not answer.citations
        inside = chat.ask("昆区教育支出占财政支出多少", region="包头")  # 昆区 is in 包头: searched
        assert inside.status == "answered" and "26%" in inside.answer

    def test_a_place_inside_a_wide_region_is_not_answered_from_another_district(self, chat: ChatService) -> None:
        """九原区 (in 包头, no document of its own) asked with region=内蒙古: not 玉泉区's 学位缺口."""
        answer = chat.ask("九原区学位缺口多少", region="内蒙古")
        assert answer.status != "answered" or all(
            "九原" in (c.region or "") or "包头市" in (c.region or "") for c in answer.citations
        )
        assert "7200" not in answer.answer

    def test_region_parameter_restricts_the_answer(self, chat: ChatService) -> None:
        answer = chat.ask("集团化办学覆盖多少所学校？", region="玉泉区")
        assert "27所" in answer.answer
        assert {c.region for c in answer.citations} == {"内蒙古自治区呼和浩特市玉泉区"}
        traditional = chat.ask("集团化办学覆盖多少所学校？", region="崑區")  # 昆区 on a phone set to 繁體
        assert "32所" in traditional.answer
        assert {c.region for c in traditional.citations} == {"内蒙古自治区包头市昆都仑区"}


class TestWhichSchool:
    def test_which_schools_unnamed_in_the_documents_is_not_answered(self, chat: ChatService) -> None:
        # 依托3所名园: the three are never named; the sentence giving the count does not answer which
        answer = chat.ask("玉泉区依托哪3所名园带动幼儿园发展？")
        assert answer.status != "answered"

    def test_which_schools_named_in_the_documents_is_answered(self, chat: ChatService) -> None:
        answer = chat.ask("康巴什哪两所学校被自治区确定为智慧课堂教学教育信息化试点学校？")
        assert answer.status == "answered" and "康一中、康五小" in answer.answer


class TestAnotherStage:
    def test_a_figure_of_another_stage_is_not_given_as_the_answer(self, chat: ChatService) -> None:
        # the plan's sentence on new kindergartens (幼儿园9所) does not say how many primary schools are built
        answer = chat.ask("玉泉区“十四五”期间规划新建几所公办小学？")
        assert answer.status != "answered"
        assert chat.ask("玉泉区公办初中能提供多少个学位？").status == "answered"

    def test_a_plan_s_target_does_not_say_how_things_are_now(self, chat: ChatService) -> None:
        """新培养…名班主任200人 is a target: it does not say how many there are now; asked for the target, it does."""
        now = chat.ask("昆区现在有多少名班主任是名班主任？")
        assert now.status == "related" and "名班主任200人" in now.answer
        assert chat.ask("昆区要新培养多少名名班主任").status == "answered"


class TestFollowUps:
    history = (Turn("user", "玉泉区每个年级的小学学位缺多少？"), Turn("assistant", "每个年级缺口1200学位。[1]"))

    def test_which_item_of_a_document_is_asked_like_which_part(self, chat: ChatService) -> None:
        """这是材料里哪一条讲的: the item the last answer's quote stands under, not a new question."""
        question = "乌海普通学校的党支部建在哪一级？"
        first = chat.ask(question)
        then = chat.ask("这是材料里哪一条讲的", [Turn("user", question), Turn("assistant", first.answer)])
        assert then.status == "answered" and "所在部分：一是更新观念[" in then.answer

    def test_a_part_of_the_total_just_given_is_not_answered_with_the_total(self, chat: ChatService) -> None:
        """其中自治区级的有多少, after …各级骨干教师1000人: the documents never break the 1000 down."""
        first = chat.ask("昆区新培养骨干教师的目标是多少？")
        assert first.status == "answered" and "1000人" in first.answer
        part = chat.ask(
            "其中自治区级的有多少", [Turn("user", "昆区新培养骨干教师的目标是多少？"), Turn("assistant", first.answer)]
        )
        assert part.status != "answered"

    def test_a_question_nothing_answers_alone_is_tried_as_a_follow_up(self, chat: ChatService) -> None:
        question = "最后要形成个啥生态"
        assert chat.ask(question).status == "refused"  # said first: nothing is about it
        earlier = "玉泉区依法治教要完善哪些决策程序？"
        answer = chat.ask(question, [Turn("user", earlier), Turn("assistant", chat.ask(earlier).answer)])
        assert answer.status == "answered" and "教育法治生态" in answer.answer

    def test_a_question_only_discussed_alone_is_tried_as_a_follow_up(self, chat: ChatService) -> None:
        question = "新学校主要往哪建"
        assert chat.ask(question).status != "answered"  # said first: which new schools?
        earlier = "玉泉区要完全消除大班额吗？"
        answer = chat.ask(question, [Turn("user", earlier), Turn("assistant", chat.ask(earlier).answer)])
        assert answer.status == "answered" and "入学压力过大的区域" in answer.answer
        assert answer.query.startswith("玉泉区")

    def test_junior_secondary_follow_up_keeps_the_district(self, chat: ChatService) -> None:
        answer = chat.ask("那初中呢？", self.history)
        assert "玉泉区" in answer.query and "初中" in answer.query and "小学" not in answer.query
        assert "公办初中只能提供2800个学位" in answer.answer
        assert {c.doc_id[:3] for c in answer.citations} == {"001"}

    def test_a_full_new_question_is_not_rewritten(self, chat: ChatService) -> None:
        question = "乌海市教育信息化的“云网端”战略是什么？"
        assert chat.ask(question, self.history).query == question

    def test_a_bare_place_keeps_the_topic_and_changes_the_place(self, chat: ChatService) -> None:
        answer = chat.ask("昆区呢？", self.history)
        assert answer.query == "昆都仑区每个年级的小学学位缺多少？"
        assert "玉泉区" not in answer.query

    def test_where_the_last_answer_is_said_is_the_passage_it_quoted(
        self, chat: ChatService, service: SearchService
    ) -> None:
        question = "玉泉区到2025年中小学智慧校园覆盖率要达到多少？"
        first = chat.ask(question)
        then = chat.ask("这是规划哪个专栏里的？", [Turn("user", question), Turn("assistant", first.answer)])
        assert then.status == "answered" and "专栏8:教育信息化建设工程" in then.answer
        assert then.citations[0].quote in first.answer
        # the heading named is quoted from the document like any quote, and cited
        assert "所在部分：专栏8:教育信息化建设工程[" in then.answer
        assert any(c.quote == "专栏8:教育信息化建设工程" for c in then.citations)
        assert_citations_resolve(then, service)

    @pytest.mark.parametrize(
        ("question", "said", "where", "line"),
        [
            (
                "玉泉区课程思政要评多少名教学标兵？",
                "到2025年评选课程思政教学标兵50名。",
                "这写在规划哪个专栏",
                "所在部分：专栏1:思政课程专项工程",
            ),
            (
                "乌海的“一次办”改革是怎么回事",
                "以“蒙速办”为入口，全面实现“网上办”“掌上办”。",
                "这是乌海教育局材料里哪一部分讲的？",
                "所在部分：六是数字赋能",  # a part named by the clause its paragraph opens with
            ),
            ("康巴什在职老师里本科以上学历占多少？", "占比95.4%。", "这个数出自哪篇报道", "出自：学在“康城”皆名校"),
        ],
    )
    def test_where_something_is_said_cites_the_heading_or_title_line(
        self, chat: ChatService, service: SearchService, question: str, said: str, where: str, line: str
    ) -> None:
        """Asked after an answer told in other words than ours (no quote to look up), the heading or the title
        line is still quoted and cited, not only named in the label."""
        then = chat.ask(where, [Turn("user", question), Turn("assistant", said)])
        assert then.status == "answered" and line + "[" in then.answer
        assert any(c.quote == line.split("：", 1)[1] for c in then.citations)
        assert not then.answer.startswith(PER_REGION_HINT)  # asked where, not per region
        assert_citations_resolve(then, service)

    def test_where_something_is_said_takes_the_place_named_and_each_document(self, chat: ChatService) -> None:
        question = "集团化办学覆盖多少所学校？"
        first = chat.ask(question)
        history = [Turn("user", question), Turn("assistant", first.answer)]
        kun = chat.ask("昆都仑区这个数出自哪篇报道？", history)
        assert kun.status == "answered" and all(c.region and "昆都仑区" in c.region for c in kun.citations)
        everywhere = chat.ask("出自哪一部分？", history)
        assert {c.doc_id for c in everywhere.citations} == {c.doc_id for c in first.citations}

    def test_when_the_document_was_issued_is_its_publication_line(self, chat: ChatService, service) -> None:
        """这个文件是哪年发的 / 是谁发的, after an answer: the publication line of the document quoted, not the
        answer again; a document without one says so (the probe found the earlier quote repeated)."""
        for question in ("玉泉区教师缺编多少人？", "包头每年解决多少随迁子女入学？"):
            first = chat.ask(question)
            history = [Turn("user", question), Turn("assistant", first.answer)]
            for follow_up in ("这个文件是哪年发的？", "是谁发的？", "哪年的？"):  # 哪年的: outsider probe, session 10
                then = chat.ask(follow_up, history)
                assert then.status == "answered" and ("发布日期" in then.answer or "发布时间" in then.answer)
                assert "来源" in then.citations[0].quote and then.citations[0].doc_id == first.citations[0].doc_id
                assert_citations_resolve(then, service)
        question = "康巴什每年招多少老师？"
        first = chat.ask(question)
        undated = chat.ask("这个文件是哪年发的？", [Turn("user", question), Turn("assistant", first.answer)])
        assert undated.status == "related" and undated.answer.startswith("文件中没有写明发布日期和发布单位")

    def test_where_a_refusal_is_said_is_nowhere(self, chat: ChatService) -> None:
        question = "上海市浦东新区小学学位缺多少？"
        refused = chat.ask(question)
        then = chat.ask("这是哪个文件说的？", [Turn("user", question), Turn("assistant", refused.answer)])
        assert then.status == "refused" and then.answer == NO_SOURCE and not then.citations

    def test_when_a_document_named_was_issued_is_its_publication_line(
        self, chat: ChatService, service: SearchService
    ) -> None:
        # outsider probe, session 12: the hedge said no date was written while its quote held 发布日期
        for question, line in (
            ("玉泉区十四五教育规划是什么时候印发的？", "发布日期: 2022-07-04"),
            ("包头五大工程那篇文章是哪天发布的？", "发布时间:2024-03-25"),
        ):
            answer = chat.ask(question)
            assert answer.status == "answered" and line in answer.answer and answer.confidence == 1.0
            assert_citations_resolve(answer, service)
        # a plan the document mentions is not the document: its date is not the document's
        assert "发布日期" not in chat.ask("玉泉区社区教育行动计划是哪年出台的？").answer
        # by whom: the notice issuing it names the body in full
        who = chat.ask("玉泉区教育“十四五”规划是哪个单位印发的？")
        assert who.status == "answered" and "玉泉区人民政府办公室关于印发" in who.answer
        # a document named by its place alone, with no publication line (outsider probe, session 14: refused as
        # if the corpus had nothing on it): it says so, and which document it is
        for question in ("乌海的文件是谁发布的？", "乌海那篇文件是什么时候发布的"):
            unsaid = chat.ask(question)
            assert unsaid.status == "related" and unsaid.answer.startswith(NO_PUBLICATION_LINE_NAMED)
            assert "《乌海市教育局推动教育高质量发展》" in unsaid.answer
            assert_citations_resolve(unsaid, service)

    def test_where_a_claim_in_other_words_is_said_is_where_the_documents_say_it_or_nowhere(
        self, chat: ChatService, service: SearchService
    ) -> None:
        """A client or an LLM wrote the last answer: its source is the sentence saying it, figures and all; a
        claim no document makes (an outsider probe's made-up subsidy, a wrong count) gets no document named."""
        asked = "康巴什区每年招多少老师？"
        said = chat.ask("出自哪个文件？", [Turn("user", asked), Turn("assistant", "每年选聘300名左右优秀教师。")])
        assert (
            said.status == "answered" and "选聘300名左右优秀教师" in said.answer and "学在“康城”皆名校" in said.answer
        )
        assert_citations_resolve(said, service)
        for question, claim in (
            ("康巴什区每年招多少老师？", "康巴什区每年招聘500名左右教师。"),  # the document says 300
            ("玉泉区有没有入园补贴？", "玉泉区给每个入园幼儿每年补贴1000元。"),
        ):
            then = chat.ask("这是哪个文件说的？", [Turn("user", question), Turn("assistant", claim)])
            assert then.status == "refused" and then.refusal_reason == "not_in_documents" and not then.citations
            assert claim.rstrip("。") in then.answer

    def test_a_question_of_its_own_that_also_asks_for_a_source_is_answered_as_a_question(
        self, chat: ChatService
    ) -> None:
        question = "玉泉区每个年级的小学学位缺多少？"
        history = [Turn("user", question), Turn("assistant", chat.ask(question).answer)]
        then = chat.ask("这个缺口怎么解决，哪个文件里有说法？", history)
        assert then.confidence is not None and then.confidence < 1.0  # weighed by the model, not looked up

    def test_why_after_a_figure_is_answered_by_the_cause(self, chat: ChatService) -> None:
        question = "玉泉区教师缺编多少"
        first = chat.ask(question)
        assert "719名" in first.answer
        why = chat.ask("为什么？", [Turn("user", question), Turn("assistant", first.answer)])
        assert why.query == "玉泉区教师缺编。为什么"  # the previous question is the context of what is asked
        assert "导致" in why.answer and "719名" not in why.answer

    def test_a_follow_up_on_another_thing_does_not_get_the_last_answer_again(self, chat: ChatService) -> None:
        """那教育集团有几个 after 缺编多少: the previous question is context, not what is asked (the probe found the
        719 缺编 sentence answered again, confidently)."""
        question = "玉泉区教师缺编多少人？"
        first = chat.ask(question)
        then = chat.ask("那教育集团有几个？", [Turn("user", question), Turn("assistant", first.answer)])
        assert then.query.endswith("。教育集团有几个")
        assert not (then.status == "answered" and "719名" in then.answer)

    def test_asking_for_more_quotes_what_was_not_said_yet(self, chat: ChatService) -> None:
        history: list[Turn] = []
        quotes: list[str] = []
        for question in ("玉泉区新增学位多少", "还有吗？", "还有吗？"):
            answer = chat.ask(question, history)
            assert answer.status == "answered" and "学位" in answer.answer
            assert not {c.quote for c in answer.citations} & set(quotes)
            quotes += [c.quote for c in answer.citations]
            history += [Turn("user", question), Turn("assistant", answer.answer)]

    def test_a_question_pointing_back_at_a_refusal_does_not_search_the_refusal(self, chat: ChatService) -> None:
        question = "上海市浦东新区小学学位缺多少？"
        history = [Turn("user", question), Turn("assistant", chat.ask(question).answer)]
        assert "现有政策文件" not in chat.ask("它是哪年定的？", history).query

    def test_asking_where_another_stage_is_covered_is_a_question_of_its_own(self, chat: ChatService) -> None:
        question = "玉泉区规划里学前教育普惠工程是第几个专栏？"
        history = [Turn("user", question), Turn("assistant", chat.ask(question).answer)]
        then = chat.ask("那义务教育那块是哪个专栏", history)
        assert "义务教育" in then.query and "专栏4" in then.answer

    def test_a_self_contained_question_after_another_topic_is_answered(self, chat: ChatService) -> None:
        answer = chat.ask("康巴什区哪一年通过国家义务教育均衡县验收？", self.history)
        assert answer.query == "康巴什区哪一年通过国家义务教育均衡县验收？"
        assert answer.status == "answered" and "2014年" in answer.answer


def test_a_stage_question_quotes_that_stage_s_figure(chat: ChatService) -> None:
    # the 初中 sentence shares 小学, 学位 and 缺口 with the question, but its figures are 初中's
    answer = chat.ask("玉泉区小学学位缺多少")
    assert answer.status == "answered" and "7200" in answer.answer and "初中学位缺口" not in answer.answer


class TestWithAGenerator:
    """The LLM path of the pipeline with an in-process scripted generator."""

    QUESTION = "玉泉区公办小学一年级能提供多少个学位？"

    def test_only_verified_sentences_of_the_reply_are_kept(self, service: SearchService) -> None:
        generator = ScriptedGenerator("公办小学只能提供3800个学位[1]。每个年级缺口高达9999个学位[1]。")
        answer = ChatService(service, ChatConfig(), generator).ask(self.QUESTION)
        assert answer.answerer == "llm" and "3800" in answer.answer and "9999" not in answer.answer
        assert_citations_resolve(answer, service)

    def test_a_failing_generator_leaves_the_extractive_answer(self, service: SearchService) -> None:
        answer = ChatService(service, ChatConfig(), ScriptedGenerator(fail=True)).ask(self.QUESTION)
        assert answer.answerer == "extractive" and "3800个学位" in answer.answer

    def test_the_decision_is_made_before_the_generator_is_asked(self, service: SearchService) -> None:
        generator = ScriptedGenerator("上海市浦东新区小学学位充足[1]。")
        answer = ChatService(service, ChatConfig(), generator).ask("上海市浦东新区小学学位够吗？")
        assert answer.status == "refused" and not generator.prompts  # out of scope: the LLM is never called
