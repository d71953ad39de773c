"""Cleaning and metadata on the real seed files: chrome goes, body text stays."""

from __future__ import annotations

from ingest.clean import clean_text, normalise_whitespace
from ingest.corpus import read_manifest
from ingest.load import load_file
from ingest.metadata import extract_metadata
from ingest.models import DocumentMetadata
from ingest.pipeline import prepare_document
from tests.conftest import CORPUS, corpus_file


def body_paragraphs(raw: str) -> list[str]:
    """Long lines of running text in the source (the site's disclaimer aside): what cleaning must never lose."""
    lines = normalise_whitespace(raw).split("\n")
    return [ln for ln in lines if len(ln) >= 60 and "。" in ln and not ln.startswith("免责声明")]


class TestWebPageChrome:
    raw = corpus_file("002").read_text("utf-8")
    cleaned = clean_text(raw)

    def test_site_chrome_is_gone(self) -> None:
        for chrome in (
            "天阅网",
            "logo",
            "责任编辑",
            "水中鱼",
            "免责声明",
            "上一篇",
            "下一篇",
            "推荐您阅读",
            "最新推荐",
            "图文资讯",
            "版权所有",
            "内蒙古,包头市,五大工程",
        ):
            assert chrome not in self.cleaned, chrome

    def test_the_publication_line_stays_without_the_site_address(self) -> None:
        assert self.cleaned.split("\n")[1] == "发布时间:2024-03-25 08:28 来源:包头市人民政府办公室"
        assert "http" not in self.cleaned

    def test_body_and_title_are_kept(self) -> None:
        assert self.cleaned.startswith("内蒙古包头市:“五大工程”让孩子享有公平优质教育\n")
        paragraphs = body_paragraphs(self.raw)
        assert len(paragraphs) == 7
        assert all(p in self.cleaned for p in paragraphs)
        assert self.cleaned.rstrip().endswith(
            "为个性化学习、终身学习、扩大优质教育资源覆盖面和教育现代化提供有效载体。"
        )


class TestGovernmentDocument:
    raw = corpus_file("001").read_text("utf-8")
    cleaned = clean_text(raw)

    def test_repeated_header_block_and_category_are_gone(self) -> None:
        head = self.cleaned[:300]
        for label in ("索 引 号", "主题分类", "发布机构", "成文日期", "公文时效", "历史规划"):
            assert label not in head, label

    def test_the_publication_line_is_kept_once_after_the_title(self) -> None:
        lines = self.cleaned.split("\n")
        assert lines[1] == "发布日期: 2022-07-04 14:40 来源: 政府办公室"
        assert self.cleaned.count("发布日期") == 1

    def test_table_of_contents_is_dropped_but_headings_stay(self) -> None:
        assert "目录" not in self.cleaned
        assert self.cleaned.count("(四)推进义务教育优质均衡发展") == 1
        assert "专栏4:义务教育优质均衡发展工程" in self.cleaned

    def test_file_download_tail_is_gone(self) -> None:
        assert "文件下载" not in self.cleaned
        assert self.cleaned.endswith("2022年6月22日")

    def test_no_body_text_lost(self) -> None:
        assert all(p in self.cleaned for p in body_paragraphs(self.raw))


def test_every_seed_file_keeps_all_body_paragraphs() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        raw = path.read_text("utf-8")
        cleaned = clean_text(raw)
        assert all(p in cleaned for p in body_paragraphs(raw)), path.name


def test_list_page_tail_is_gone() -> None:
    cleaned = clean_text(corpus_file("004").read_text("utf-8"))
    assert "上一条" not in cleaned and "下一条" not in cleaned
    assert cleaned.endswith("成为现实。")


class TestMetadata:
    def test_government_header_fields_are_read(self) -> None:
        meta = extract_metadata(corpus_file("001").read_text("utf-8"))
        assert meta.publisher == "政府办公室"
        assert meta.date == "2022-07-04"

    def test_web_page_time_source_and_url_are_read(self) -> None:
        meta = extract_metadata(corpus_file("002").read_text("utf-8"))
        assert meta.date == "2024-03-25"
        assert meta.publisher == "包头市人民政府办公室"
        assert meta.source_url == "http://www.tianyueo.com"

    def test_nothing_is_invented_when_the_text_states_nothing(self) -> None:
        assert extract_metadata(corpus_file("003").read_text("utf-8")) == DocumentMetadata()

    def test_text_fills_gaps_left_by_the_manifest_and_manifest_wins(self) -> None:
        path = corpus_file("001")
        given = read_manifest(CORPUS)[path.name]
        doc = prepare_document(load_file(path), given)
        assert doc.metadata.publisher == "玉泉区人民政府办公室"  # manifest beats 发布机构 政府办公室
        assert doc.metadata.region == "内蒙古自治区呼和浩特市玉泉区"

        bare = prepare_document(load_file(path), DocumentMetadata())
        assert bare.metadata.publisher == "政府办公室"
        assert bare.metadata.date == "2022-07-04"
        # the notice's title line names the plan it issues: that is the title shown
        assert bare.metadata.title == "玉泉区教育事业发展“十四五” 规划(2021-2025)"
        assert bare.metadata.region == "内蒙古自治区呼和浩特市玉泉区"  # named in the title

    def test_doc_number_is_read_when_stated(self) -> None:
        meta = extract_metadata("关于做好招生工作的通知\n文号:乌教发〔2023〕15号\n发布日期:2023年5月6日\n正文。")
        assert meta.doc_number == "乌教发〔2023〕15号"
        assert meta.date == "2023-05-06"


def test_a_paragraph_broken_mid_sentence_is_joined() -> None:
    """A page break in the source cut "…各类培训达" from "1700多场…": the figure must stay in its sentence."""
    text = (
        "康巴什区组建家庭教育指导师团,“薪火讲堂”开办7年来,各类培训达\n\n1700多场,受益家长达3万多人。\n"
        "自建区以来,康巴什区始终把教育摆在优先发展的战略地\n康巴什区第二中学举办“垃圾分类从我做起”主题活动。\n"
        "位,作为最亮丽的民生工程优先发展。\n"
    )
    cleaned = clean_text(text).split("\n")
    assert cleaned[0].endswith("各类培训达1700多场,受益家长达3万多人。")
    # a photo caption standing in the break goes after the paragraph it broke
    assert cleaned[1:] == [
        "自建区以来,康巴什区始终把教育摆在优先发展的战略地位,作为最亮丽的民生工程优先发展。",
        "康巴什区第二中学举办“垃圾分类从我做起”主题活动。",
    ]


def test_headings_items_and_metadata_are_not_joined() -> None:
    lines = [
        "二、打造“六大亮点”,高标准推动教育扩容提质",  # a heading
        "一是“抓主线”爱国主义教育走深走实,国家统编教材使用率实现100%。",
        "近年来,全区教育事业稳步发展,各项工作取得了积极成效",
        "二是破“五唯”教育改革成效显著。",  # a new item, though short and whole like a caption
        "三是“强队伍”,教师队伍建设成效明显,先后培养了一批名师",
        "发布日期: 2022-07-04 14:40 来源: 政府办公室",
    ]
    cleaned = clean_text("\n".join(lines)).split("\n")
    assert sorted(cleaned) == sorted(lines)  # each line kept whole, none joined to another
