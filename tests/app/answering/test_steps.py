"""The answering steps one by one, on the real index of the bundled corpus: analysis, follow-ups, scope,
the fitted answer model and composition."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.answering.analysis import (
    answer_type_of,
    ordinal_reference,
    outline_ordinal,
    renumbered,
    school_names,
    split_ask,
)
from app.answering.chat import ChatService, Evidence, chat_service
from app.answering.evidence import (
    DECISION_FEATURES,
    FEATURES,
    MODEL_FILE,
    AnswerModel,
    Candidate,
    SentenceSimilarity,
    candidates,
    decision_features,
)
from app.answering.extractive import lead, trim
from app.answering.followup import depends_on_history, only_where_asked, previous_quotes, standalone
from app.answering.models import Turn
from app.answering.outline import children, counted_items, counted_list, named_part, outline
from app.answering.scope import unknown_places
from app.service import SearchService
from bench.calibrate import char_pairs, fit_ranker, fit_weights, near
from bench.crossval import tradeoff
from ingest.models import Chunk, DocumentMetadata
from ingest.zh.places import split_region


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
            ("乌海市教育局推动教育高质量发展有哪几点", "list"),  # which points, not what time (probe, session 11)
            ("乌海在哪几个方面下功夫？", "list"),
            ("“康七条”具体是哪七条？", "list"),  # which seven: the items, however many
            ("家长委员会会议安排在每学期的哪一周？", "date"),
            ("玉泉区打算怎么解决学位紧张？", "reason"),
            ("康巴什课后服务必须参加吗", "yesno"),
            ("专栏3叫什么工程？", "name"),
            ("创客教育中心建在哪条街上？", "location"),
            ("名校网络课堂怎么注册账号？", "procedure"),
            ("外地户口孩子在哪里报名", "procedure"),
            # the steps or papers of doing something, however asked (哪些, 什么), not a list on the topic
            ("开学籍证明要走哪些步骤？", "procedure"),
            ("“一人一策”要走什么审批程序？", "procedure"),
            ("除了居住证还要交哪些材料？", "procedure"),
            ("依法治教要完善哪些决策程序？", "list"),
            ("这是乌海教育局材料里哪一部分讲的？", "name"),
            ("康巴什第三小学在哪儿？", "location"),
            # a standing or a figure of speech is described, not a place
            ("家庭教育被放在什么位置？", "other"),
            ("“五个认同”要扎根在哪？", "other"),
            ("这笔钱都花在哪？", "other"),  # what money is spent on (用于…) is not an address
            # 哪里/哪个 asking for a thing, not an address, is a name
            ("社区教育网络体系建设是放在哪个行动计划里的？", "name"),
            ("“晒单抢单”机制是用在哪项工作上的？", "name"),
            ("心育讲堂每周几开课？", "date"),
            ("特殊专业技术人才多久评一次？", "date"),
            ("学生能去清华附中交流学习几周？", "number"),
            ("“两支队伍”负担重，是哪两支？", "list"),
            # 几点 is o'clock, unless points are counted (outsider probe, session 12)
            ("玉泉区小学几点上学？", "time"),
            ("乌海市教育局推动教育高质量发展一共有几点？", "number"),
            # what something is, not which one: answered by a description
            ("“统筹布局”那一条的定位是什么？", "other"),
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

    def test_a_place_or_a_procedure_must_be_stated_to_answer(self, chat: ChatService, service: SearchService) -> None:
        where = chat.analyse("玉泉区创客教育中心建在哪条街上？", service.retriever)
        assert not where.type_match("建设玉泉区创客教育中心,为学生进行创新活动创造良好环境。")
        assert where.type_match("创客教育中心位于兴隆巷12号")
        how = chat.analyse("名校网络课堂怎么注册账号？", service.retriever)
        assert not how.type_match("开设覆盖全市中小学校的“名校网络课堂”等远程网络课堂。")
        assert how.type_match("关注“包头教育”公众号，点击“名校网络课堂”注册")

    def test_a_share_is_answered_by_a_percentage(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("普惠园能占到几成？", service.retriever)
        assert analysis.states_quantity("覆盖率达到90%以上")
        assert not analysis.states_quantity("覆盖率进一步提高")
        # 几个百分比: the unit written (个) is not the unit of the answer
        rotation = chat.analyse("康巴什每年老师轮岗交流占几个百分比", service.retriever)
        assert rotation.states_quantity("交流轮岗教师的比例不低于10%")
        assert not rotation.states_quantity("交流轮岗教师300个")

    def test_a_figure_may_be_written_in_a_related_unit(self, chat: ChatService, service: SearchService) -> None:
        minutes = chat.analyse("玉泉区要求孩子每天劳动至少多少分钟？", service.retriever)
        assert minutes.states_quantity("劳动时间每天不少于0.5小时")
        assert not minutes.states_quantity("劳动教育每天坚持")
        money = chat.analyse("康巴什每年新建改扩建学校花多少万元？", service.retriever)
        assert money.states_quantity("每年新建改扩建学校支出约1.22亿元")
        # an ordinal (第几个) asks for a number, whatever follows it
        assert chat.analyse("学前教育普惠工程是第几个专栏？", service.retriever).unit is None

    def test_a_name_answer_ends_in_the_noun_asked_for(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("玉泉区学校周边的治安乱象归哪个部门管？", service.retriever)
        assert analysis.asked_noun == "部门"
        assert analysis.type_match("公安部门要加强校园及周边综合治理")
        assert not analysis.type_match("要加强校园及周边综合治理,维护校园正常秩序")

    def test_which_person_is_answered_by_a_person_named(self, chat: ChatService, service: SearchService) -> None:
        hosts = chat.analyse("昆区那30个名校长（名师）工作室的主持人都是谁？", service.retriever)
        assert hosts.asks_person
        assert not hosts.type_match("培养出市级以上名校长9人,各级名校长(名师)工作室30个")
        assert hosts.type_match("工作室由张伟校长主持")
        named = chat.analyse("康巴什的“校园长工作室”是由哪几位校长主持的？", service.retriever)
        assert named.asks_person and not named.type_match("全面提升“校园长工作室”辐射影响力,坚持“一年一主题")
        # who decides, or who leads, is answered by a body or a role: no person is asked for
        body = chat.analyse("康巴什优质均衡县创建工作领导小组是谁当组长？", service.retriever)
        assert not body.asks_person

    def test_a_list_asked_by_its_size_is_answered_by_that_many_items(
        self, chat: ChatService, service: SearchService
    ) -> None:
        three = chat.analyse("玉泉区说的“三个课堂”是哪三个？", service.retriever)
        assert three.asked_count == 3
        assert three.type_match("建设专递课堂、名师课堂、名校课堂,推动优质教育资源共建共享")
        seven = chat.analyse("康巴什《校外非学科培训“康七条”》具体是哪七条？", service.retriever)
        assert not seven.type_match("以“学校下单、少年官买单、名师助力”的方式,助力各校特色课程发展")
        two = chat.analyse("昆区体育、美育这块搞了哪两个行动计划？", service.retriever)
        assert two.type_match("实施体教融合改革发展行动计划和学校美育浸润行动计划")
        assert chat.analyse("昆区有哪些行动计划？", service.retriever).asked_count is None
        # a heading announcing that many has them under it (the probe of session 11 found 哪六个 not answered)
        six = chat.ask("昆区六大工程是哪六个")
        assert six.status == "answered" and "一是实施领航工程" in six.answer and "六是实施续航工程" in six.answer

    def test_a_step_after_a_milestone_is_told_from_a_plan_asked_for(
        self, chat: ChatService, service: SearchService
    ) -> None:
        assert chat.analyse("康巴什青年教师公寓都建成以后，还会再建吗？", service.retriever).asks_after
        assert chat.analyse("集团化办学意见到期后会出新文件吗", service.retriever).asks_after
        # what a question presupposes (…以后，) is told before what it asks, and weighs as a story does
        assert split_ask("昆区争创全国学前教育普及普惠县以后，下一步要争创什么？") == (
            "昆区争创全国学前教育普及普惠县",
            "下一步要争创什么？",
        )
        after = chat.analyse("昆区争创全国学前教育普及普惠县以后，下一步要争创什么？", service.retriever)
        assert after.asks_future and {c.forms[0] for c in after.concepts if c.told} >= {"普及", "普惠县"}
        assert split_ask("最后，要实现啥")[0] == ""  # 最后 is no premise
        planned = chat.analyse("昆区以后还要培养多少个名班主任", service.retriever)
        assert planned.asks_future and not planned.asks_after
        # a forecast asked for (预计) is what a plan states, not a step past it
        forecast = "玉泉区2025年初中学位缺口预计多少"
        assert not chat.analyse(forecast, service.retriever).asks_future
        answer = chat.ask(forecast)
        assert answer.status == "answered" and "初中预计学位缺口6600个" in answer.answer

    @pytest.mark.parametrize(
        ("text", "names"),
        [
            ("康巴什区第三小学等6所学校荣获", ["第三小学"]),
            ("积极推动《包钢一中创新拔尖人才培养实施方案》", ["一中"]),
            ("与清华附中、北京101中学等国内优秀高中结盟", ["附中", "101中学"]),
            ("二十七中、清泉街、头道巷等5所中小学规模小", ["二十七中"]),
            ("将方圆中学转为公办学校", ["方圆中学"]),
            ("规划新建小学4所,新建公办幼儿园9所", []),
            ("在全区中小学幼儿园扎实开展民族团结进步教育", []),
            ("建立区级领导包联学校制度", []),
            ("市教育局将各区小学毕业生按全市统筹入学", []),
            ("鼓励全区高中学校多样化特色化发展", []),  # 高中 + 学校, not a 中学 named 区高
        ],
    )
    def test_a_school_is_named_by_its_name_not_its_kind(self, text: str, names: list[str]) -> None:
        assert school_names(text) == names

    def test_which_school_is_answered_by_a_named_school(self, chat: ChatService, service: SearchService) -> None:
        which = chat.analyse("玉泉区区级领导包联学校，具体是哪位领导包哪所学校？", service.retriever)
        assert not which.type_match("建立区级领导包联学校制度,协调解决教育改革发展中存在的问题。")
        assert which.type_match("方圆中学转为公办学校")
        listed = chat.analyse("康巴什有哪些学校获评市级民族团结进步先进学校？", service.retriever)
        assert listed.type_match("康巴什区第三小学等6所学校荣获市级民族团结进步先进学校")
        assert not listed.type_match("“优质学校+新建学校”、“优质学校+薄弱学校”的办学模式")
        # a list of schools' names, or what schools are called: the documents name none of these, and a sentence
        # on the kind (探索综合高中、特色高中; 鼓励全区高中学校: 高中 + 学校, no school) or the count does not answer
        for question in ("昆区32所集团化学校名单", "玉泉区新建的4所小学叫什么名字", "玉泉区特色高中有哪几所"):
            assert chat.analyse(question, service.retriever).asks_schools
            assert chat.ask(question).status != "answered"

    def test_lists_and_frequencies_are_recognised(self, chat: ChatService, service: SearchService) -> None:
        ways = chat.analyse("乌海“一次办”要实现哪几种办事方式？", service.retriever)
        assert ways.type_match("全面实现“网上办”“掌上办”。")
        assert not ways.type_match("全力推进“一次办”改革。")
        since = chat.analyse("康巴什从什么时候开始把教育当成“第一事业”的？", service.retriever)
        assert since.type_match("自建区以来,康巴什区始终把教育作为“第一事业”")
        often = chat.analyse("特殊专业技术人才多久评一次？", service.retriever)
        assert often.type_match("每两年按照专任教师总数0.5%—1%的比例评审特殊专技人才")
        assert not often.type_match("评审特殊专技人才")
        # a point in time asked for is not answered by how often (定期举办 says nothing of the month)
        # how long in a period (每天运动多久) is a duration: 每天一小时 answers it
        daily = chat.analyse("孩子在学校每天运动多久", service.retriever)
        assert daily.answer_type == "number" and daily.type_match("推行“每天一小时”校园体育")
        assert not daily.type_match("定期举办学生运动会或体育节")
        month = chat.analyse("玉泉区学生运动会一般在几月份举办？", service.retriever)
        assert not month.type_match("定期举办学生运动会或体育节") and month.type_match("每年9月举办学生运动会")
        # a date as fine as asked: the week is not said by 每学期, the year not by a month, the day not by a year
        week = chat.analyse("玉泉区家长委员会会议一般安排在每学期的哪一周开？", service.retriever)
        assert not week.type_match("每学期至少召开1次家长委员会会议") and week.type_match("每学期第2周召开")
        year = chat.analyse("康巴什区哪一年通过国家义务教育均衡县验收？", service.retriever)
        assert year.type_match("2014年在自治区率先通过国家义务教育均衡县验收")
        assert not year.type_match("适时申报国家优质均衡区评估验收") and not year.type_match("每学期组织验收")
        day = chat.analyse("玉泉区教育十四五规划是哪天发布的？", service.retriever)
        assert day.type_match("发布日期: 2022-07-04 14:40") and day.type_match("2022年6月22日")
        assert not day.type_match("玉泉区教育事业发展“十四五”规划(2021-2025)")

    def test_a_year_or_a_number_from_the_question_is_not_the_figure_asked_for(
        self, chat: ChatService, service: SearchService
    ) -> None:
        analysis = chat.analyse("康巴什区2014年验收时校际差异系数是多少？", service.retriever)
        assert not analysis.new_figure("2014年在自治区率先通过国家义务教育均衡县验收")
        assert analysis.new_figure("2014年校际差异系数为0.35")
        assert chat.analyse("新建学校一共多少套公寓？", service.retriever).unit == "套"
        # the noun after 个 is the unit when it is one: 多少个班 asks classes, 几个亿 a sum (0.8亿 is 8000万)
        classes = chat.analyse("玉泉区规划新建的4所小学每所办多少个班？", service.retriever)
        assert classes.unit == "班" and not classes.type_match("规划新建小学4所,新增学位7200个;")
        money = chat.analyse("昆区激励老师的钱是零点几个亿？", service.retriever)
        assert money.unit == "亿" and money.type_match("每年投入8000万元,重点用于激励一线教师和优秀教师。")
        assert chat.analyse("新增多少个学位？", service.retriever).unit == "个"
        # money asked by its name is stated in 元: a share or a date on the topic does not say it
        rent = chat.analyse("康巴什青年教师公寓租金多少", service.retriever)
        assert rent.unit == "钱" and not rent.type_match("2023年6月和7月,青年教师分两批取得入住公寓的钥匙。")
        fee = chat.analyse("玉泉区民办初中学费多少", service.retriever)
        assert not fee.type_match("小学仍有37%的毕业生选择在民办初中就读。")
        assert fee.type_match("保教费每月1200元")
        # how much it grows is a rate, not a sum
        assert chat.analyse("昆区教育经费投入每年增长多少", service.retriever).unit is None

    def test_a_figure_asked_per_unit_is_not_answered_by_a_total(
        self, chat: ChatService, service: SearchService
    ) -> None:
        each = chat.analyse("玉泉区安全大数据平台上，每个巡检点每个月要巡检几次？", service.retriever)
        assert not each.type_match("实现安全巡检点不少于2000个,月巡检次数不低于5000次")
        school = chat.analyse("规划要求每所学校至少建成几个体育特色项目？", service.retriever)
        assert school.type_match("每所学校建成至少1个体育特色项目。")
        assert chat.analyse("每个学段至少要上多少课时？", service.retriever).type_match("各学段不少于12课时")
        # 一个人 asks per person: a yearly total for all does not say it
        person = chat.analyse("昆区优秀人才引进补贴一个人给多少钱", service.retriever)
        assert not person.type_match("区政府每年安排专项资金近1000万元用于优秀教育教学人才的引进、激励和生活补助")
        # 每个月 is a period, not a unit: a monthly total answers it
        monthly = chat.analyse("安全大数据平台要求每个月巡检多少次？", service.retriever)
        assert monthly.type_match("实现安全巡检点不少于2000个,月巡检次数不低于5000次")
        # one stage asked, and a total over several stages given: not that stage's figure
        kindergarten = chat.analyse("玉泉区2020年幼儿园教师缺编多少人？", service.retriever)
        total = "全区公办中小学、幼儿园、特殊教育学校教师缺编共计719名。"
        assert not kindergarten.type_match(total)
        assert chat.analyse("玉泉区中小学幼儿园一共缺编多少老师？", service.retriever).type_match(total)
        # a part of a total the question gives: the total, and figures of other units, do not answer
        part = chat.analyse("昆区集团化办学覆盖的那32所学校里，幼儿园有几所？", service.retriever)
        assert not part.new_figure("集团化办学覆盖32所学校(园)、近1000个班,受益学生4万余人")
        assert part.new_figure("集团化办学覆盖32所学校(园),其中幼儿园12所")
        # the sentence stating that total is the one the question was made from: it does not break it down
        assert part.part_of == "32" and part.only_the_total("集团化办学覆盖32所学校(园),近1000个班")
        assert not part.only_the_total("全区共有幼儿园132所")
        assert chat.analyse("玉泉区2020年高中阶段在校生里普高有多少人？", service.retriever).part_of is None  # a year
        # the 万 left of the question's own 7万 is no figure (nor is 百 in 百姓)
        total = chat.analyse("包头每年近7万随迁子女里，读初中的有多少？", service.retriever)
        assert not total.new_figure("每年解决近7万随迁子女入学问题,让百姓满意")
        assert total.new_figure("每年解决近7万随迁子女入学问题,其中初中2万")
        # a verb asked as A-not-A is the verb (鼓不鼓励 → 鼓励, not 鼓 and 不); 另外问下 only phrases the question
        asked = chat.analyse("另外问下 玉泉区鼓不鼓励社会上出钱支持教育", service.retriever)
        forms = {f for c in asked.concepts for f in c.forms}
        assert "鼓励" in forms and not forms & {"鼓", "不", "另外"}
        # a Latin word is lowered by the tokenizer (x); it is found however the text writes it (“X”)
        latin = chat.analyse("康巴什区课后服务的“1+X”里“X”是什么？", service.retriever)
        assert latin.coverage("以“综合实践活动”为“X”") > latin.coverage("以“综合实践活动”为“Y”")
        # a follow-up asking a part of the total the last answer gave (told after it): that total
        follow = "昆区新培养骨干教师的目标是多少。其中自治区级的有多少 新培养自治区、市、区各级骨干教师1000人。"
        assert chat.analyse(follow, service.retriever).part_of == "1000"
        assert chat.analyse("昆区自治区级骨干教师有多少", service.retriever).part_of is None
        # asked how things are now: a plan's target (新培养…, 到2025年…, the plan word carried on) is not a state;
        # a plan's name (《…三年行动计划》) sets no target
        now = chat.analyse("昆区现在有多少名班主任是名班主任？", service.retriever)
        assert now.asks_now and not chat.analyse("昆区要新培养多少名名班主任", service.retriever).asks_now
        assert now.only_targets("新培养自治区、市、区各级骨干教师1000人,名师200人,名班主任200人")
        assert not now.only_targets("截至2020年,全区共有名班主任120人,到2025年新培养名班主任200人")
        assert not now.only_targets("以《三年行动计划》为抓手,全区名班主任已达到120人")
        assert now.only_targets("全区名班主任达到200人,名师达到300人")  # a plan's 达到, not 已达到
        assert not now.only_targets("力争新建学校,2020年名班主任120人")  # a year stated ends the plan's reach
        # a figure asked without asking a target: a sentence whose figures are all a plan's is marked (not a rule:
        # a signal the ranker weighs); asked for the target, it is not
        unasked = FEATURES.index("unasked_target")
        plan = "“十四五”期间,我区规划新建公办幼儿园9所,新增学位数2670个"
        for question, expected in (("玉泉区有多少所幼儿园", 1.0), ("玉泉区规划新建多少所公办幼儿园", 0.0)):
            found = candidates(chat.analyse(question, service.retriever), service.search(question, 5))
            assert next(c for c in found if c.text.startswith(plan)).features[unasked] == expected

    def test_a_figure_must_stand_by_the_thing_asked(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("康巴什区2014年验收时校际差异系数是多少？", service.retriever)
        assert analysis.focus_figure("校际差异系数为0.35")
        assert not analysis.focus_figure("2014年通过验收，校际差异系数均达到优质均衡标准，新建学校3所")

    def test_the_clauses_around_the_answer_must_be_about_the_question(
        self, chat: ChatService, service: SearchService
    ) -> None:
        analysis = chat.analyse("玉泉区幼儿园教师缺编多少人？", service.retriever)
        answers = "全区幼儿园教师缺编共计719名。"
        # on the topic, but its figure stands in a clause about something else
        elsewhere = "幼儿园教师缺编问题突出,需要统筹解决,近年来新建学校3所,新增学位2670个。"
        assert analysis.coverage(elsewhere) >= analysis.coverage(answers)
        assert analysis.answer_coverage(answers) > analysis.answer_coverage(elsewhere)
        assert analysis.answer_coverage("幼儿园教师缺编问题突出。") == 0.0  # no figure: no answer to cover

    def test_a_plan_period_is_a_year_to_find(self, chat: ChatService, service: SearchService) -> None:
        assert chat.analyse("玉泉区“十四五”期间教育总投资是多少？", service.retriever).years == ("十四五",)

    def test_the_most_specific_missing_word_is_measured(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("玉泉区十四五期间教育总投资是多少亿元？", service.retriever)
        assert analysis.missing_most("十四五期间教育总投资18亿元") == 0.0
        assert analysis.missing_most("十三五期间,全区教育累计投资17.4亿元") > 0.0

    def test_the_word_next_to_the_question_word_is_what_must_be_found(
        self, chat: ChatService, service: SearchService
    ) -> None:
        analysis = chat.analyse("昆区特教学校翻建什么时候完工？", service.retriever)
        assert "完工" in [c.forms[0] for c in analysis.focus]
        assert analysis.focus_missing("推动特殊教育适宜融合质量提升,翻建特教学校")
        assert not chat.analyse("玉泉区缺编多少老师？", service.retriever).focus_missing("缺编教师719名")

    def test_a_word_that_names_nothing_is_not_what_is_asked(self, chat: ChatService, service: SearchService) -> None:
        # 一直 (an adverb) and 由 (a preposition) stand next to the question word but name nothing to find
        why = chat.analyse("玉泉区的初中学位为什么一直不够？", service.retriever)
        assert "一直" not in [c.forms[0] for c in why.focus]
        who = chat.analyse("玉泉区学校里的重大事项，最后由谁集体研究决定？", service.retriever)
        assert not {"由", "最后"} & {c.forms[0] for c in who.focus}

    def test_who_is_answered_by_a_body_or_a_role(self, chat: ChatService, service: SearchService) -> None:
        who = chat.analyse("玉泉区学校里的重大事项，最后由谁集体研究决定？", service.retriever)
        assert who.type_match("重要问题,由学校党政领导班子集体研究决定。")
        assert not who.type_match("坚持科学决策、民主决策、依法决策。")

    def test_how_many_kinds_is_answered_by_a_count_as_by_a_list(
        self, chat: ChatService, service: SearchService
    ) -> None:
        skills = chat.analyse("规划里要求每个学生掌握几项艺术技能？", service.retriever)
        assert skills.answer_type == "list" and skills.type_match("使每个学生掌握1-2项艺术技能。")
        assert not skills.type_match("大力推广覆盖全体学生的艺术体验学习活动。")
        # which ones (哪几项) still asks for the items, not their number
        which = chat.analyse("玉泉区规划有哪几项保障措施？", service.retriever)
        assert not which.type_match("实施8项重点工程。")

    def test_words_the_corpus_never_uses_and_the_askers_own_case(
        self, chat: ChatService, service: SearchService
    ) -> None:
        phone = chat.analyse("乌海市教育局的咨询电话是多少？", service.retriever)
        assert phone.unknown_share() > 0
        assert chat.analyse("乌海市教育局推动教育高质量发展了吗", service.retriever).unknown_share() == 0
        assert chat.analyse("我家孩子小升初会派到哪所初中？", service.retriever).first_person
        assert not chat.analyse("玉泉区小升初怎么派位？", service.retriever).first_person

    def test_why_is_answered_by_a_cause_and_how_by_anything(self, chat: ChatService, service: SearchService) -> None:
        why = chat.analyse("玉泉区教师为什么缺编？", service.retriever)
        assert why.asks_why and why.type_match("教师编制数的核定未能及时调整,导致新建学校教师缺编")
        assert not why.type_match("全区教师缺编共计719名")
        # a plan answers why with its statement of the problem
        training = chat.analyse("玉泉区为啥说老师培训效果不好？", service.retriever)
        assert training.type_match("教师培训引进的多、走出去的少,外在的多、内在的少,培训效果不理想。")
        assert training.type_match("中青年教师受中、高级职称岗位设置比例限制,晋升难度大")
        how = chat.analyse("玉泉区打算怎么解决教师缺编？", service.retriever)
        assert not how.asks_why and how.type_match("全区教师缺编共计719名")

    def test_a_phone_number_or_website_asked_for_must_be_written_out(
        self, chat: ChatService, service: SearchService
    ) -> None:
        phone = chat.analyse("乌海市教育局的咨询电话是多少？", service.retriever)
        assert phone.answer_type == "procedure"
        assert not phone.type_match("开设“青春导航”心理健康公益热线。")
        assert not phone.type_match("全区在校生31469人")
        assert phone.type_match("咨询电话:0473-2012345") and phone.type_match("拨打12345。")
        site = chat.analyse("包头教育云平台的网址是什么？", service.retriever)
        assert not site.type_match("建成包头教育云平台,开设覆盖全市中小学校的“同频互动课堂”")
        assert site.type_match("登录www.btedu.cn") and site.type_match("关注公众号“包头教育”")
        # typed as a search, no question word: 号码 at the end asks for the number
        terse = chat.analyse("包头青春导航心理热线号码", service.retriever)
        assert not terse.type_match("开设“青春导航”心理健康公益热线。") and terse.type_match("拨打12345。")
        # a question whether there is one asks yes or no, and is answered by the sentence saying so
        assert answer_type_of("市里有没有心理方面的热线？") == "yesno"
        # a hotline's name asked for is a name, answered by it ("青春导航"), not a number
        name = chat.analyse("包头心理健康热线叫什么", service.retriever)
        assert name.answer_type == "name" and name.type_match("开设“青春导航”心理健康公益热线。")

    def test_how_big_long_or_far_is_a_question_word_not_a_topic(
        self, chat: ChatService, service: SearchService
    ) -> None:
        share = chat.analyse("康巴什每年交流轮岗的校长占多大比例？", service.retriever)
        words = [c.forms[0] for c in share.concepts]
        assert "校长" in words and not any("多大" in w for w in words)
        assert "校长" in [c.forms[0] for c in share.focus]
        for question in ("劳动课每天要上多长时间？", "包头到呼和浩特坐高铁要多久？", "学校离家有多远？"):
            assert not any(
                w in c.forms[0] for c in chat.analyse(question, service.retriever).concepts for w in "久远长"
            )

    def test_words_that_only_phrase_the_question_weigh_nothing(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("市里对老师成长通道有什么说法？", service.retriever)
        words = [c.forms[0] for c in analysis.concepts]
        assert "通道" in words and "说法" not in words and "市里" not in words
        assert "那些" not in [
            c.forms[0] for c in chat.analyse("管教研的那些人会下到学校吗", service.retriever).concepts
        ]

    def test_the_number_of_a_list_item_or_section_is_not_a_figure(
        self, chat: ChatService, service: SearchService
    ) -> None:
        analysis = chat.analyse("玉泉区义务教育在校生有多少？", service.retriever)
        assert analysis.unit is None  # any number answers it, so a numbered heading looked like one
        assert not analysis.new_figure("(4)教师待遇有待提高")
        assert not analysis.new_figure("二是巩固义务教育成果")
        assert not analysis.focus_figure("专栏4:义务教育优质均衡发展工程")
        assert analysis.new_figure("2020年在校生31469人,巩固率97.5%")
        # asked which section or item, the number is the answer
        which = chat.analyse("学前教育普惠工程是第几个专栏？", service.retriever)
        assert which.type_match("专栏3:学前教育普惠工程")

    def test_an_age_asked_is_answered_in_full_years(self, chat: ChatService, service: SearchService) -> None:
        age = chat.analyse("孩子满几岁能上小学？", service.retriever)
        assert age.type_match("适龄儿童须年满6周岁") and age.type_match("年满6岁的儿童")
        assert not age.type_match("小学一年级新生报名时间为6月1日至6月10日")

    def test_a_sentence_about_another_year_is_marked(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("玉泉区2020年义务教育在校生多少人？", service.retriever)
        assert analysis.other_year("九年义务教育,2015年在校生30756人")
        assert not analysis.other_year("2020年在校生31469人")
        assert not analysis.other_year("在校生31469人")  # states no year: the window may give it
        # a plan period asked is not compared with a year
        assert not chat.analyse("玉泉区十四五期间新建几所小学？", service.retriever).other_year("2020年新建小学2所")

    def test_a_parents_one_character_words_reach_the_documents_words(
        self, chat: ChatService, service: SearchService
    ) -> None:
        # 娃 and 钱 (cnsyn has no one-character words) reach the documents' 学生 and 经费
        forms = {c.forms[0]: c.forms for c in chat.analyse("玉泉区的娃上学要交钱吗", service.retriever).concepts}
        assert "学生" in forms["娃"] and "经费" in forms["钱"]

    def test_typos_still_share_character_pairs(self, chat: ChatService, service: SearchService) -> None:
        analysis = chat.analyse("娃娃每天有体育锻练一小时吗", service.retriever)
        assert analysis.bigram_recall("推行“每天一小时”校园体育") > 0.3


class TestFollowUps:
    @pytest.mark.parametrize(
        "question",
        [
            "那初中呢？",
            "昆区呢？",
            "那2020年呢",
            "名班主任呢？",
            "具体怎么组织？",
            "到2025年要达到多少",
            "昆区那边占多少",
        ],
    )
    def test_elliptical_questions_depend_on_history(self, service: SearchService, question: str) -> None:
        r = service.retriever
        assert depends_on_history(question, r.gazetteer, r.index.keyword_index.tokenizer)

    @pytest.mark.parametrize("question", ["为啥会这样", "这写在规划哪个专栏"])
    def test_a_question_pointing_back_with_a_question_word_only_depends_on_history(
        self, service: SearchService, question: str
    ) -> None:
        r = service.retriever
        assert depends_on_history(question, r.gazetteer, r.index.keyword_index.tokenizer)

    @pytest.mark.parametrize(
        "question",
        [
            "康巴什区哪一年通过国家义务教育均衡县验收？",
            "乌海市教育信息化的战略是什么",
            "教育支出占比是多少？",  # ends like 那初中是多少, but names what it asks about (second probe, session 8)
        ],
    )
    def test_self_contained_questions_do_not(self, service: SearchService, question: str) -> None:
        r = service.retriever
        assert not depends_on_history(question, r.gazetteer, r.index.keyword_index.tokenizer)


class TestScope:
    def test_a_place_name_holding_a_suffix_character_stays_whole(self, service: SearchService) -> None:
        assert split_region("内蒙古自治区乌兰察布市丰镇市") == ("内蒙古自治区", "乌兰察布市", "丰镇市")
        # so 全市 and 市里 name no place (they named 丰镇市's stray 市 and were refused as another place)
        r = service.retriever
        assert r.named_places("全市县域联盟内结对率是多少") == [] and r.named_places("市里每年拨多少专款") == []
        assert r.named_places("丰镇市有几所中学") == [("内蒙古自治区", "乌兰察布市", "丰镇市")]

    def test_unknown_place_words_are_found_but_generic_ones_are_not(self, service: SearchService) -> None:
        assert unknown_places("深圳南山区教师交流轮岗比例是多少", service.retriever) == ["南山区"]
        assert unknown_places("玉泉区南边片区孩子学位紧张怎么办", service.retriever) == []
        assert unknown_places("全市城区学校和社区怎么合作", service.retriever) == []


class TestAnswerModel:
    def test_the_shipped_model_matches_the_features_and_is_fitted(self) -> None:
        data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        assert tuple(data["features"]) == FEATURES and tuple(data["decision_features"]) == DECISION_FEATURES
        assert len(data["relevance_weights"]) == len(DECISION_FEATURES)
        assert data["fitted_on"]["questions"] > 100
        model = AnswerModel.load()
        assert 0 < model.thresholds.relevant < 1 and 0 < model.thresholds.answer < 1  # two models: no order

    def test_a_missing_figure_or_item_weighs_by_the_kind_asked(self, chat: ChatService) -> None:
        """A date asked and a best sentence without one is told apart from a list asked and none listed, and from
        a reason (which any sentence may give): each kind's miss has a weight of its own."""
        for question, kind, figure, items in (
            ("昆区哪一年被评为智能研修平台应用试点工作区？", "date", 1.0, 0.0),
            ("康巴什区有哪些名校长工作室？", "list", 0.0, 1.0),
            ("玉泉区为什么要新建学校？", "reason", 0.0, 0.0),
        ):
            evidence = chat.gather(question, (), None)
            assert isinstance(evidence, Evidence) and evidence.analysis.answer_type == kind
            signals = decision_features(chat.model.score(evidence.found), evidence.analysis)
            best = dict(zip(DECISION_FEATURES, signals, strict=True))
            assert (best["best_figure_miss"], best["best_items_miss"]) == (figure, items)
            assert best["best_figure_miss"] + best["best_items_miss"] == best["best_type_miss"] or kind == "reason"
        # the date's miss is decisive: the sentence naming the award, without its year, is not given as the answer
        assert chat.ask("昆区哪一年被评为智能研修平台应用试点工作区？").status != "answered"

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
        question = "玉泉区公办小学一年级能提供多少个学位？"
        scored = _scored(chat, service, question)
        assert "3800个学位" in scored[0].text
        assert chat.model.confidence(scored, chat.analyse(question, service.retriever)) >= chat.model.thresholds.answer

    def test_a_heading_is_marked_as_asked_only_when_the_question_asks_for_a_part(
        self, chat: ChatService, service: SearchService
    ) -> None:
        heading, asked = FEATURES.index("heading_like"), FEATURES.index("heading_asked")
        for question, expected in (
            ("玉泉区职业教育产教融合工程专栏里提到要实施什么证书制度？", 1.0),
            ("玉泉区职业教育产教融合工程要实施什么证书制度？", 0.0),
        ):
            found = candidates(chat.analyse(question, service.retriever), service.search(question, 5))
            line = next(c for c in found if c.text.startswith("专栏6"))
            assert line.features[heading] == 1.0 and line.features[asked] == expected

    def test_a_follow_up_is_not_answered_with_what_the_last_answer_said(
        self, chat: ChatService, service: SearchService
    ) -> None:
        said = "培养出市级以上名校长9人,各级名校长(名师)工作室30个,区级以上名优骨干教师占专任教师总数保持在46%以上。"
        question = "昆区以后还要新培养多少名校长"
        analysis, hits = chat.analyse(question, service.retriever), service.search(question, 5)
        assert any(c.text == said for c in candidates(analysis, hits))
        assert not any(c.text == said for c in candidates(analysis, hits, said=said))
        # a part of the total that answer gave may stand in the same sentence (其中…): kept, and marked
        part = chat.analyse("那30个工作室里头名师工作室有多少", service.retriever)
        assert part.part_of == "30"
        kept = [c for c in candidates(part, hits, said=said) if c.text == said]
        assert kept and kept[0].features[FEATURES.index("said_before")] == 1.0

    def test_a_follow_up_weighs_how_like_the_last_answer_a_sentence_is(
        self, chat: ChatService, service: SearchService
    ) -> None:
        # 康巴什呢, after 昆区's share of spending: 康巴什's sentence of the same kind is like the last answer
        said = "昆区教育支出占公共预算支出26%，超全市10个百分点。"
        question = "康巴什区教育支出占公共预算支出多少？"
        analysis, hits = chat.analyse(question, service.retriever), service.search(question, 5)
        echo, follow_up = FEATURES.index("echo"), FEATURES.index("follow_up")
        found = candidates(analysis, hits, chat.similarity(service.retriever), said=said)
        share = next(c for c in found if "教育投入占地区财政支出的25%" in c.text)
        other = next(c for c in found if "校园" in c.text or "学校" in c.text)
        assert share.features[echo] > other.features[echo] and share.features[follow_up] == 1.0
        # a question asked on its own is no follow-up
        alone = candidates(analysis, hits, chat.similarity(service.retriever))
        assert all(c.features[echo] == 0.0 and c.features[follow_up] == 0.0 for c in alone)

    def test_a_sentence_in_two_overlapping_passages_is_one_candidate(
        self, chat: ChatService, service: SearchService
    ) -> None:
        # its share of the softmax is not split between two copies (which read as a close second)
        question = "昆区教育支出占比多少"
        hits = service.search(question, 10)
        overlapping = [
            (a, b)
            for i, a in enumerate(hits)
            for b in hits[i + 1 :]
            if a.chunk.doc_id == b.chunk.doc_id and a.chunk.start < b.chunk.end and b.chunk.start < a.chunk.end
        ]
        assert overlapping  # the passages retrieved do share sentences
        found = candidates(chat.analyse(question, service.retriever), hits)
        positions = [(c.hit.chunk.doc_id, c.hit.chunk.start + c.start) for c in found]
        assert len(positions) == len(set(positions))
        better, worse = overlapping[0]
        shared = [c for c in found if c.hit is better and better.chunk.start + c.start >= worse.chunk.start]
        assert shared and not any(c.hit is worse and c.text == shared[0].text for c in found)


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

    def test_a_heading_alone_is_not_an_answer_unless_asked_for_or_its_items_follow(self, chat: ChatService) -> None:
        # the article's title restates 五大工程 and lists nothing: not answered (outsider probe of session 10)
        title_only = chat.ask("包头市五大工程是什么")
        assert title_only.status == "related"
        # how something is done, asked of a heading with item marks under it: the items follow it
        how = chat.ask("昆区拔尖人才怎么选拔")
        assert how.status == "answered" and "一是加强顶层设计和系统谋划" in how.answer
        # asked for a part of the document, the heading is the answer
        part = chat.ask("玉泉区规划“专栏5”讲的是哪方面的工程？")
        assert part.status == "answered" and "普通高中学校特色化发展工程" in part.answer


class TestOutline:
    @staticmethod
    def _chunks(*sections: tuple[str, ...]) -> list[Chunk]:
        return [Chunk(f"c{n}", "d", "正文", n * 10, n * 10 + 2, s, DocumentMetadata()) for n, s in enumerate(sections)]

    def test_a_part_is_found_by_the_words_before_the_number(self) -> None:
        paths = outline(
            self._chunks(
                ("一、发展基础", "(一)“十三五”时期发展情况", "1.落实党的育人目标"),
                ("一、发展基础", "(二)“十四五”时期面临形势", "3.面临挑战", "(1)学位不足"),
                ("一、发展基础", "(二)“十四五”时期面临形势", "3.面临挑战", "(2)教师编制动态调整不完善"),
                ("三、主要任务", "(一)贯彻习近平新时代中国特色社会主义思想"),
            )
        )
        assert paths[:2] == [("一、发展基础",), ("一、发展基础", "(一)“十三五”时期发展情况")]
        part = named_part(paths, "玉泉区规划“面临挑战”")
        assert part == ("一、发展基础", "(二)“十四五”时期面临形势", "3.面临挑战")
        assert children(paths, part) == ["(1)学位不足", "(2)教师编制动态调整不完善"]
        assert named_part(paths, "玉泉区规划主要任务的") == ("三、主要任务",)
        assert named_part(paths, "玉泉区规划") is None  # 规划 names no part

    def test_a_list_named_by_its_count_is_the_lines_that_open_alike(self) -> None:
        """五大工程都有啥: the five lines naming a 工程 and opening alike (实施…), not the title naming the list."""
        assert counted_list("包头五大工程都有啥") == (5, "工程", "五大工程")
        assert counted_list("玉泉区8项重点工程分别是什么") == (8, "工程", "8项重点工程")
        assert counted_list("包头市五大工程是哪五大工程？") == (5, "工程", "五大工程")
        assert counted_list("鹿城那个五大工程的案例是入选了哪一类？") is None  # not asked what they are
        lines = list(
            enumerate(
                [
                    "内蒙古包头市:“五大工程”让孩子享有公平优质教育",
                    "实施“强师筑基”工程,将打造高素质教师队伍作为优质均衡的基点。",
                    "强化教师队伍建设,实施乡村教师支持计划。",
                    "实施“课堂提效”工程,将打造高效课堂作为优质均衡的根本。",
                    "实施“县域联盟”工程,将城乡教育一体化发展作为优质均衡的支撑。",
                ]
            )
        )
        heads = [(at, at + len(line.split(",")[0])) for at, line in lines[1:] if "工程" in line]
        assert counted_items(lines, 3, "工程", "五大工程") == heads and len(heads) == 3
        assert counted_items(lines, 5, "工程", "五大工程") == []  # three, not five: nothing is made up
        numbered = list(
            enumerate(["专栏1:思政课程专项工程", "专栏2:学前教育普惠工程", "结对共建提升工程:以区内外结对模式"])
        )
        assert [at for at, _ in counted_items(numbered, 2, "工程", "两项工程")] == [0, 1]

    def test_an_item_asked_by_number_is_looked_up_in_the_outline(self, chat: ChatService) -> None:
        fifth = chat.ask("玉泉区规划“面临挑战”第(5)条的标题是什么？")
        assert fifth.status == "answered" and "3.面临挑战" in fifth.answer and "(5)教育发展水平相对较低" in fifth.answer
        tenth = chat.ask("玉泉区规划主要任务的第（十）部分是什么？")
        assert tenth.status == "answered" and "(十)加快教育信息化建设步伐" in tenth.answer
        # items that are paragraphs under a heading (一是…五是…), not headings of their own
        listed = chat.ask("昆区材料“六大亮点”的第五条是哪一条？")
        assert listed.status == "answered" and "五是“教育家”教育精神深耕不辍" in listed.answer
        assert "一是" not in listed.answer
        # the part has five items: the seventh is not in the documents
        assert chat.ask("玉泉区规划“面临挑战”第(7)条的标题是什么？").status != "answered"
        # numbers in Chinese numerals past ten (outsider probe of session 11: 第十三项 was answered with the preamble)
        thirteenth = chat.ask("玉泉区规划主要任务第十三项是什么")
        assert thirteenth.status == "answered" and "(十三)全面加强教育系统党建工作" in thirteenth.answer
        # the document's own items, when the words before the number name it by its title
        third = chat.ask("乌海市教育局推动教育高质量发展第三点是什么")
        assert third.status == "answered" and "三是评价引领" in third.answer
        # the list's noun said again after the number (outsider probe, session 12: a seventh of six was answered
        # with all six)
        project = chat.ask("昆区六大工程的第三个工程是什么")
        assert project.status == "answered" and "三是实施引航工程" in project.answer and "一是" not in project.answer
        seventh = chat.ask("昆区六大工程的第七个工程是什么？")
        assert seventh.status == "related" and "七是" not in seventh.answer

    def test_an_item_named_by_a_quoted_term_is_told_with_what_it_says(self, chat: ChatService) -> None:
        answer = chat.ask("昆区“六大亮点”里“均衡化”那一条写了什么？")
        assert answer.status == "answered" and "四是“均衡化”教育服务持续完善" in answer.answer
        assert "14.83%" in answer.answer and "一是" not in answer.answer
        # an item asked by number is quoted to the end of its sentence, not cut at its first comma
        first = chat.ask("玉泉区规划讲发展机遇，第一条是什么？")
        assert first.status == "answered" and "党中央高度重视教育事业" in first.answer

    @pytest.mark.parametrize(
        "question",
        [
            "昆区六大亮点第四条说免除了所有学费，是真的吗",  # says something of the item: its words do not settle it
            "乌海市第三点提到的高考加分政策是什么",
            "为什么玉泉区主要任务第十项被取消了",
            "第二个百年奋斗目标是什么",  # an ordinal that is no item of the outline
            "玉泉区第一个专栏是什么",  # 专栏 is the kind asked; 玉泉区 names no part (second probe, session 11)
        ],
    )
    def test_only_a_question_asking_what_the_item_is_is_looked_up(self, question: str) -> None:
        assert outline_ordinal(question) is None

    def test_a_heading_of_the_outline_lists_the_headings_under_it(self, chat: ChatService) -> None:
        answer = chat.ask("玉泉区面临哪五个挑战")
        assert "(1)学位不足" in answer.answer and "(5)教育发展水平相对较低" in answer.answer

    def test_a_part_named_by_its_heading_lists_its_items(self, chat: ChatService) -> None:
        """保障措施有哪几个方面: the heading 四、保障措施 ranks below a sentence on 党建, but the question names
        it, so its three items are listed (it was `related`, quoting one; outsider probe, session 14). A
        question naming one of the items too asks within that item, not for the list."""
        answer = chat.ask("玉泉区十四五规划的保障措施有哪几个方面？")
        lines = [line.strip("　").split("[")[0] for line in answer.answer.split("\n")]
        assert answer.status == "answered" and lines[0].endswith("四、保障措施")
        assert lines[1:] == ["(一)强化组织保障", "(二)强化经费保障", "(三)强化实施保障"]
        within = chat.ask("玉泉区规划基本原则“坚持改革创新”点了哪些重点领域？")
        assert "——坚持改革创新" in within.answer and "坚持党的领导" not in within.answer

    def test_a_column_lists_the_paragraphs_named_under_it(self, chat: ChatService) -> None:
        """专栏3 has no item marks under it; its paragraphs open with a short sentence naming them (全区幼儿园布局改善
        项目。…): asked what it holds, those are listed, not the heading alone (outsider probe, session 14)."""
        answer = chat.ask("专栏3的内容是什么？")
        lines = answer.answer.split("\n")
        assert answer.status == "answered" and lines[0].endswith("专栏3:学前教育普惠工程[1]")
        assert [line.strip("　").split("[")[0] for line in lines[1:]] == [
            "全区幼儿园布局改善项目",
            "农村幼儿园“双基”提升项目",
            "实施3+X管理模式",
            "完善区级培训体系",
        ]

    @pytest.mark.parametrize(
        ("numeral", "number"), [("五", 5), ("十", 10), ("十三", 13), ("二十", 20), ("二十三", 23), ("12", 12)]
    )
    def test_ordinals_are_read_in_either_numerals(self, numeral: str, number: int) -> None:
        assert ordinal_reference(f"主要任务第{numeral}项是什么") == (number, "主要任务")

    def test_no_item_zero(self) -> None:
        assert ordinal_reference("主要任务第0项是什么") is None  # it failed with an error before (probe, session 11)
        assert renumbered("昆区六大亮点第五条是什么", 1) == "昆区六大亮点第6条是什么"
        assert renumbered("昆区六大亮点第一条是什么", -1) is None

    def test_the_next_item_follows_the_one_asked_before(self, chat: ChatService) -> None:
        history = [Turn("user", "昆区六大亮点第五条是什么"), Turn("assistant", "五是“教育家”教育精神深耕不辍")]
        after = chat.ask("下一条呢", history)
        assert after.status == "answered" and "六是“科教融汇”" in after.answer

    def test_told_more_is_what_follows_the_last_quote(self, chat: ChatService) -> None:
        first = chat.ask("玉泉区要健全终身教育体系吗？")
        history = [Turn("user", "玉泉区要健全终身教育体系吗？"), Turn("assistant", first.answer)]
        more = chat.ask("具体怎么做？", history)
        assert more.status == "answered" and "终身学习" in more.answer
        assert more.citations and "终身学习机制" in more.citations[0].text  # quoted from the passage cited
        # "more specific" alone, or after a refusal, is asked as a question of its own
        assert chat.continuation("具体点", history, chat.search.retriever) is None
        refused = [Turn("user", "包头哪家驾校通过率高"), Turn("assistant", chat.ask("包头哪家驾校通过率高").answer)]
        assert chat.continuation("具体说说", refused, chat.search.retriever) is None
        # an answer in other words (a client's, an LLM's) is found where the documents say it, and told on from there
        told = "是的，要建设覆盖全区城乡、开放便捷的终身学习体系。"
        reworded = [Turn("user", "玉泉区要健全终身教育体系吗？"), Turn("assistant", told)]
        more = chat.ask("具体怎么做？", reworded)
        assert more.status == "answered" and "学历和非学历教育" in more.answer and "终身学习体系" not in more.answer
        # one too short to find (是的。) is not located anywhere
        short = [Turn("user", "玉泉区要健全终身教育体系吗？"), Turn("assistant", "是的。")]
        assert chat.continuation("具体怎么做", short, chat.search.retriever) is None

    def test_a_section_heading_without_items_keeps_the_sentences_under_it(self, chat: ChatService) -> None:
        # the probe of session 11 found the heading alone answered for the measures it heads
        answer = chat.ask("玉泉区推进学前教育普及普惠发展有哪些措施")
        assert "(三)推进学前教育普及普惠发展" in answer.answer and "继续扩大公办和普惠幼儿园覆盖面" in answer.answer

    def test_which_item_of_a_named_part_holds_a_quoted_term(self, chat: ChatService) -> None:
        answer = chat.ask("昆区的“时代新人铸魂工程”是放在“六大工程”哪一项里的？")
        assert (
            answer.status == "answered" and "一是实施领航工程" in answer.answer and "时代新人铸魂工程" in answer.answer
        )
        plan = chat.ask("玉泉区规划里“五项管理”那段写在主要任务的哪一部分？")
        assert plan.status == "answered" and "(二)完善五育融合全面育人体系" in plan.answer


class TestStoryAndFollowUpDetails:
    def test_a_story_question_weighs_the_asked_sentence(self, chat: ChatService, service: SearchService) -> None:
        context, ask = split_ask("我家在玉泉区，孩子今年小学毕业。公办初中学位缺多少？")
        assert context == "我家在玉泉区，孩子今年小学毕业" and ask == "公办初中学位缺多少？"
        analysis = chat.analyse("我家在玉泉区，孩子今年小学毕业。公办初中学位缺多少？", service.retriever)
        weights = {c.forms[0]: c.weight for c in analysis.concepts}
        assert weights["学位"] > weights["毕业"]
        assert split_ask("玉泉区职高学生怎么跟企业对接？有哪些做法？")[0] == ""  # two asks, no story

    def test_a_question_pointing_back_gets_the_previous_answer(self, service: SearchService) -> None:
        r = service.retriever
        history = [Turn("user", "包头义务教育阶段有没有阳光分班？"), Turn("assistant", "有，全面实施“阳光分班”。[1]")]
        query = standalone("这是哪个工程讲的？", history, r.gazetteer, r.index.keyword_index.tokenizer)
        assert "阳光分班" in query and "[1]" not in query

    def test_a_self_contained_question_on_the_same_topic_keeps_the_place(self, service: SearchService) -> None:
        r = service.retriever
        tokenizer = r.index.keyword_index.tokenizer
        history = [Turn("user", "玉泉区安全大数据平台要设多少个巡检点？"), Turn("assistant", "不少于2000个。")]
        assert standalone("巡检次数有要求吗？", history, r.gazetteer, tokenizer) == "玉泉区巡检次数有要求吗？"
        assert standalone("乌海市有几所高中？", history, r.gazetteer, tokenizer) == "乌海市有几所高中？"

    @pytest.mark.parametrize(
        ("before", "said", "question", "completed"),
        [
            # a bare year after a question with no year: that question, of the year
            ("包头有多少个教育集团", "目前已培育创建20个教育集团。", "到2025年呢", "2025年包头有多少个教育集团"),
            ("玉泉区2020年小学学位缺多少", "小学缺口共计7200个学位。", "2025年呢", "玉泉区2025年小学学位缺多少"),
            # an item number: the previous list's item (第4个 after 第一条: the same list)
            ("昆区六大工程是什么", "一是实施领航工程……", "第三个呢", "昆区六大工程第三个是什么"),
            # asked to tell more of an item by its number (outsider probe of session 10: refused before)
            ("昆区六大亮点是什么", "一是…", "第三个具体说说", "昆区六大亮点第三个是什么"),
            ("昆区六大亮点是什么", "一是…", "第三条具体讲的啥", "昆区六大亮点第三条是什么"),
            ("昆区“六大亮点”第一条是什么？", "一是“抓主线”…", "第4个呢", "昆区“六大亮点”第4个是什么？"),
            # its own words name no thing (a verb, a time word): what it is about was said before
            (
                "玉泉区安全大数据平台要设多少个巡检点？",
                "不少于2000个。",
                "每个月要巡检多少次？",
                "玉泉区安全大数据平台要设多少个巡检点。每个月要巡检多少次",
            ),
            (
                "乌海义务教育在什么上下功夫？",
                "在“四个缩小”上下功夫。",
                "最后要实现啥",
                "乌海义务教育在 上下功夫。最后要实现啥",
            ),
        ],
    )
    def test_a_follow_up_is_completed_from_the_previous_question(
        self, service: SearchService, before: str, said: str, question: str, completed: str
    ) -> None:
        r = service.retriever
        history = [Turn("user", before), Turn("assistant", said)]
        assert standalone(question, history, r.gazetteer, r.index.keyword_index.tokenizer) == completed

    @pytest.mark.parametrize(
        ("question", "only_where"),
        [
            ("这是哪个文件说的？", True),
            ("出自哪一部分？", True),
            ("昆都仑区这个数出自哪篇报道？", True),
            ("这个缺口怎么解决，哪个文件里有说法？", False),
            ("玉泉区小学学位缺多少？", False),
        ],
    )
    def test_a_question_asking_only_where_something_is_said(self, question: str, only_where: bool) -> None:
        assert (only_where_asked(question) is not None) is only_where

    def test_the_quotes_of_the_last_answer_are_read_without_their_labels(self) -> None:
        answer = (
            "玉泉区《规划》（2022年7月）「专栏8」：到2025年,中小学智慧校园覆盖率达到60%;[1]专栏3:学前教育普惠工程[2]"
        )
        quotes = previous_quotes([Turn("user", "…"), Turn("assistant", answer)])
        # in the order the answer gave them, each first without its label (and whole, in case the colon is its own)
        assert quotes == [
            "到2025年,中小学智慧校园覆盖率达到60%;",
            "玉泉区《规划》（2022年7月）「专栏8」：到2025年,中小学智慧校园覆盖率达到60%;",
            "专栏3:学前教育普惠工程",
        ]
        assert previous_quotes([Turn("user", "…")]) == []
        # a note no marker closes is not a quote; an answer without markers (the client's own) is all quote
        noted = "注意：以下是昆都仑区的说法，不是包头市整体的。\n昆都仑区《新高地》：教育支出占公共预算支出26%。[1]"
        assert previous_quotes([Turn("assistant", noted)]) == [
            "教育支出占公共预算支出26%。",
            "昆都仑区《新高地》：教育支出占公共预算支出26%。",
        ]
        assert previous_quotes([Turn("assistant", "占公共预算支出26%，超全市10个百分点。")]) == [
            "占公共预算支出26%，超全市10个百分点。"
        ]

    def test_a_bare_term_takes_the_place_of_the_quoted_one_it_parallels(self, service: SearchService) -> None:
        r = service.retriever
        tokenizer = r.index.keyword_index.tokenizer

        def after(previous: str, question: str) -> str:
            return standalone(question, [Turn("user", previous), Turn("assistant", "…")], r.gazetteer, tokenizer)

        assert after("康巴什区课后服务的“1+X”里“1”是什么？", "那X呢？") == "康巴什区课后服务的“1+X”里“X”是什么？"
        assert after("玉泉区“十四五”规划的“专栏3”是什么工程？", "专栏4呢") == "玉泉区“十四五”规划的“专栏4”是什么工程？"
        assert after("玉泉区专栏3是什么内容？", "那专栏4呢？") == "玉泉区专栏4是什么内容？"
        assert after("昆区“六大亮点”第一条是啥？", "第二条呢") == "昆区“六大亮点”第二条是啥？"
        # another stage in place of the one asked about, 教育 kept once
        assert "义务教育普惠工程" in after("玉泉区学前教育普惠工程是第几个专栏？", "那义务教育呢")
        # a term with the same head word: 艺术技能 for 运动技能, 家庭教育 (one word) for 学校教育
        assert after("玉泉区要求每个学生掌握几项运动技能？", "艺术技能呢") == "玉泉区要求每个学生掌握几项艺术技能？"
        assert (
            after("玉泉区学校教育在家校社育人里起啥作用？", "那家庭教育呢") == "玉泉区家庭教育在家校社育人里起啥作用？"
        )
        # whole words: 课程思政 takes the place of 思政课, not of 泉区思政 (玉泉区 stays whole)
        assert after("玉泉区思政课标兵要评多少", "那课程思政呢") == "玉泉区课程思政标兵要评多少"
        # a stage is a stage, not a term: 中小学 is replaced whole
        assert after("玉泉区现在有多少所中小学？", "那幼儿园有几所") == "玉泉区现在有多少所幼儿园。有几所"

    def test_a_chain_of_follow_ups_keeps_the_first_topic(self, service: SearchService) -> None:
        r = service.retriever
        history: list[Turn] = []
        queries = []
        for question in ("玉泉区小学学位缺多少？", "为什么？", "还有吗？", "那初中呢？"):
            queries.append(standalone(question, history, r.gazetteer, r.index.keyword_index.tokenizer))
            history += [Turn("user", question), Turn("assistant", "…")]
        # 为什么 asks its own way: the previous question gives the topic, not its 多少
        assert queries[1] == "玉泉区小学学位缺。为什么"  # told as the context of what is asked now
        assert answer_type_of(queries[1]) == "reason"
        # 还有吗 asks for more of the same, not yes or no; the chain still knows it is about 学位
        assert "吗" not in queries[2] and "玉泉区小学学位缺" in queries[2]
        assert "玉泉区初中学位缺" in queries[3]

    def test_a_question_asking_where_it_is_said_gets_the_section(self) -> None:
        meta = DocumentMetadata(title="规划")
        assert lead(meta, "三、主要任务") == "《规划》「三、主要任务」："


class TestSentenceSimilarity:
    def test_sentences_are_encoded_once(self, service: SearchService) -> None:
        similarity = SentenceSimilarity(service.retriever.encoder, cache_size=3)
        sentences = ["公办小学只能提供3800个学位", "每天一小时校园体育", "教师缺编共计719名"]
        first = similarity("小学学位有多少", sentences)
        assert first.argmax() == 0 and len(similarity._vectors) == 3
        assert similarity("小学学位有多少", sentences).tolist() == first.tolist()
        similarity("别的问题", ["新的句子"])
        assert len(similarity._vectors) == 3  # bounded: the oldest was dropped

    def test_a_question_off_the_corpus_topic_is_far_from_it(self, service: SearchService) -> None:
        similarity = SentenceSimilarity(service.retriever.encoder)
        topic = service.retriever.topic
        assert similarity.toward("玉泉区小学学位缺多少", topic) > similarity.toward("大召寺门票多少钱", topic) + 0.1


class TestFitting:
    def test_the_ranker_learns_which_signal_marks_the_answer(self) -> None:
        rng = np.random.default_rng(0)
        groups = []
        for _ in range(40):
            x = np.column_stack([np.ones(6), rng.random(6), rng.random(6)])
            y = np.zeros(6)
            y[int(np.argmax(x[:, 1]))] = 1  # the answer is the sentence highest on signal 1; signal 2 is noise
            groups.append((x, y, 1.0))
        w = fit_ranker(groups)
        assert w[1] > 2 * abs(w[2])

    def test_weighted_logistic_regression_respects_weights(self) -> None:
        x = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 1.0]])
        y = np.array([0.0, 1.0, 1.0, 0.0])
        heavy_positive = fit_weights(x, y, np.array([1.0, 1.0, 5.0, 1.0]))
        heavy_negative = fit_weights(x, y, np.array([1.0, 1.0, 1.0, 5.0]))
        assert heavy_positive[1] > 0 > heavy_negative[1]

    def test_a_training_question_close_to_a_held_out_one_is_left_out(self) -> None:
        held_out = [
            char_pairs("乌海普通学校和职业学校的党支部分别建在哪一级？"),
            char_pairs("康巴什区现在一共有多少名在职教师？"),
        ]
        assert near("乌海普通学校和职业学校的党支部分别建在哪一级？", held_out)  # word for word
        assert near("康巴什在职教师一共有多少人？", held_out)  # the same question reworded
        assert not near("康巴什新建了几所幼儿园？", held_out)

    def test_the_tradeoff_counts_right_answers_above_the_unanswerable(self) -> None:
        """Twenty unanswerable questions at 0.00–0.95: the thresholds letting 5/10/15/20 % of them through are
        0.90/0.85/0.80/0.75; a right answer at 0.88 is above three of them, one at 0.99 above all four; a wrong
        one counts nowhere, a right one at 0.10 under every threshold."""
        unanswerable = [(False, i / 20, False) for i in range(20)]
        answerable = [(True, 0.99, True), (True, 0.88, True), (True, 0.99, False), (True, 0.10, True)]
        assert tradeoff(unanswerable + answerable) == pytest.approx(np.mean([1 / 4, 2 / 4, 2 / 4, 2 / 4]))

    def test_a_fitted_model_loads_from_its_file_or_its_object(self) -> None:
        data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        assert AnswerModel.from_dict(data) == AnswerModel.load(MODEL_FILE)
