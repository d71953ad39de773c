"""The Chinese-text layer: school stages, script and homophones of place names (the other modules of ingest/zh
are tested where used)."""

from __future__ import annotations

import pytest

from ingest.zh.homophones import PlaceSpeller, TermSpeller
from ingest.zh.script import to_simplified
from ingest.zh.stages import (
    about_another_stage,
    figure_of_another_stage,
    stage_words_in,
    stages_in,
    total_over_stages,
)

JUNIOR = "小学毕业学生4200名,公办初中只能提供2800个学位,每个年级缺口为1400个,初中学位缺口为4200个。"
PRIMARY = "公办小学只能提供3800个学位,每个年级缺口1200学位,小学缺口共计7200个学位。"
BOTH = "预计到2025年,小学预计学位缺口9000个,初中预计学位缺口6600个。"


def test_a_figure_of_another_stage_is_recognised() -> None:
    asked = stages_in("玉泉区小学学位缺多少")
    about = ("学位", "缺")
    assert figure_of_another_stage(asked, JUNIOR, about)  # 4200名 is not about 学位 or 缺: only 初中's figures are
    assert not figure_of_another_stage(asked, PRIMARY, about)
    assert not figure_of_another_stage(asked, BOTH, about)  # it gives 小学's too


def test_compulsory_education_covers_primary_and_junior() -> None:
    assert not figure_of_another_stage(stages_in("义务教育学位缺口多少"), PRIMARY, ("缺口",))
    assert figure_of_another_stage(stages_in("高中学位缺口多少"), PRIMARY, ("缺口",))


def test_a_sentence_about_another_stage_is_recognised_whatever_it_says() -> None:
    asked = stages_in("乌海义务教育最后要实现啥")
    assert about_another_stage(asked, "学前教育在“三抓”上下功夫,实现幼有所育、幼有优育。")
    assert not about_another_stage(asked, "义务教育在“四个缩小”上下功夫,实现学有所教、学有优教。")
    assert not about_another_stage(asked, "小学一年级有入学需求的适龄儿童5000人")  # 义务教育 covers 小学
    assert not about_another_stage(asked, "逐步实现区域、城乡、校际间优质均衡")  # it names no stage
    assert not about_another_stage(frozenset(), "学前教育在“三抓”上下功夫")  # the question names none


def test_a_total_over_several_stages_is_not_one_stages_figure() -> None:
    total = "全区公办中小学、幼儿园、特殊教育学校教师缺编共计719名。"
    assert total_over_stages(stages_in("玉泉区幼儿园教师缺编多少人"), total)
    assert total_over_stages(stages_in("初中专任教师缺编多少"), total)  # 中小学 holds 初中
    assert not total_over_stages(stages_in("高等教育缺编多少"), total)  # not among them
    assert not total_over_stages(stages_in("玉泉区教师缺编多少人"), total)  # no stage asked: the total answers
    assert not total_over_stages(stages_in("幼儿园缺编多少"), "幼儿园教师缺编共计120名,中小学教师缺编599名。")
    # broken down after the total: the asked stage's own figure is there
    broken_down = "中小学、幼儿园共有27所,占比近60%(中学5所,占比71.4%;小学8所,占比33.3%;幼儿园14所)。"
    assert not total_over_stages(stages_in("玉泉区有多少所小学进行了集团化办学"), broken_down)


def test_stage_words_leave_out_words_inside_longer_ones() -> None:
    assert stage_words_in("玉泉区幼儿园学位") == ["幼儿园"]
    assert stage_words_in("玉泉区有多少所中小学") == ["中小学"]
    assert stages_in("普惠性幼儿园和特教学校") == {"学前", "特殊教育"}


def test_traditional_characters_are_written_as_simplified_ones() -> None:
    assert to_simplified("玉泉區有多少所幼兒園？") == "玉泉区有多少所幼儿园？"
    simplified = "康巴什区课后服务必须参加吗？“1+X”里的X是什么"
    assert to_simplified(simplified) == simplified


def test_a_place_name_heard_or_typed_as_a_homophone_is_read_as_the_name() -> None:
    speller = PlaceSpeller(["昆区", "昆都仑区", "玉泉区", "玉泉", "康巴什", "包头", "乌海"])
    assert speller("嗯那个坤区就是培养出了几个名校长") == "嗯那个昆区就是培养出了几个名校长"
    assert speller("玉全区学前三年毛入园率") == "玉泉区学前三年毛入园率"
    assert speller("康把什区每年轮岗多少") == "康巴什区每年轮岗多少"
    assert speller("康巴斯老师学历") == "康巴什老师学历"  # s for sh
    assert speller("包投那个数字赋能") == "包头那个数字赋能"
    # a homophone sharing no character with the name, and the names themselves, are left alone
    assert speller("无害化处理") == "无害化处理" and speller("乌海和昆区") == "乌海和昆区"


def test_a_place_homophone_must_begin_a_word_and_be_no_word(service) -> None:
    """With the tokenizer: 贫困区 is not 贫昆区 (困区 begins inside 贫困), 昆曲 is not 昆区 (a word)."""
    tokenizer = service.retriever.index.keyword_index.tokenizer
    speller = PlaceSpeller(["昆区", "康城", "呼市", "玉泉区"], tokenizer.cut, tokenizer.dictionary_frequency)
    for text in ("贫困区的学校有补助吗", "健康成绩怎么算", "打招呼是基本礼貌", "昆曲进校园"):
        assert speller(text) == text
    assert speller("嗯那个坤区就是培养出了几个名校长") == "嗯那个昆区就是培养出了几个名校长"
    assert speller("玉全区学前三年毛入园率") == "玉泉区学前三年毛入园率"


class TestTermSpeller:
    """The corpus's terms, from a real index (its BM25 vocabulary) and jieba's dictionary."""

    @pytest.fixture(scope="class")
    def speller(self, service) -> TermSpeller:
        keywords = service.retriever.index.keyword_index
        tokenizer = keywords.tokenizer
        return TermSpeller(keywords.terms(2), keywords.has_term, tokenizer.cut, tokenizer.dictionary_frequency)

    @pytest.mark.parametrize(
        ("heard", "meant"),
        [
            ("玉泉区幼儿圆学位到25年还差多少啊", "玉泉区幼儿园学位到25年还差多少啊"),
            ("教育管里平台是基于啥建的", "教育管理平台是基于啥建的"),
            ("家庭教育促近法要不要宣传", "家庭教育促进法要不要宣传"),
            ("终生学习体系是要覆盖城相吗", "终生学习体系是要覆盖城乡吗"),
        ],
    )
    def test_a_misspelt_term_is_read_as_the_term(self, speller: TermSpeller, heard: str, meant: str) -> None:
        assert speller(heard) == meant

    @pytest.mark.parametrize(
        "text",
        [
            "孩子一直不够学位，参加了摇号",  # real words the corpus happens not to use (一直, 参加)
            "成绩在年级前十，线上办的有多少场",
            "我是康巴什的家长，网上能学不",  # two-character pieces of grammar (我是, 能学)
            "包头哪家驾校通过率高",  # a dictionary word that sounds like a corpus term (家校)
            "孩子厌学怎么办，老师失德怎么处理",  # rare words, not slips: 厌学 is not 研学, 失德 not 师德
            "美语课怎么上，中介性收费",  # 美语 is a word; 中介性 differs from 综合性 in two characters
            "康巴什建区哪年",  # 建区 is not 强区: 强 may be read jiang, but not in 强区
        ],
    )
    def test_real_words_are_left_alone(self, speller: TermSpeller, text: str) -> None:
        assert speller(text) == text


def test_a_place_name_spelled_right_is_not_read_as_a_longer_name() -> None:
    """包头示范性 names 包头; its 示 begins 示范, though 包头示 sounds like 包头市."""
    speller = PlaceSpeller(["包头市", "包头", "乌海市", "乌海"])
    assert speller("包头示范性普通高中储备了多少个岗位") == "包头示范性普通高中储备了多少个岗位"
    assert speller("乌海是怎么做的") == "乌海是怎么做的"
    assert speller("包投示的高中") == "包头市的高中"  # no name spelled right in it: a homophone
