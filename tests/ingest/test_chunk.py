"""Chunk boundaries: section paths on the real plan, and the chunker's invariants as properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunk import PolicyTextSplitter, chunk_document
from ingest.load import load_file
from ingest.models import DocumentMetadata
from ingest.pipeline import prepare_document
from ingest.zh.sentences import heading_of, without_mark
from tests.conftest import corpus_file


@pytest.fixture(scope="module")
def plan_chunks():
    doc = prepare_document(load_file(corpus_file("001")), DocumentMetadata(title="玉泉区教育事业发展规划"))
    return doc, chunk_document(doc, PolicyTextSplitter(300, 60))


class TestOnTheYuquanPlan:
    def test_box_inside_numbered_section_has_full_path(self, plan_chunks) -> None:
        _, chunks = plan_chunks
        box = [c for c in chunks if "实施学校标准化建设计划" in c.text]
        assert box
        assert box[0].section == ("三、主要任务", "(四)推进义务教育优质均衡发展", "专栏4:义务教育优质均衡发展工程")

    def test_heading_with_body_on_one_line(self, plan_chunks) -> None:
        _, chunks = plan_chunks
        chunk = next(c for c in chunks if "全区教育累计投资 17.4 亿元" in c.text)
        assert chunk.section_path == "一、发展基础 > (一)“十三五”时期发展情况 > 5.基本教育条件得到进一步改善"

    def test_offsets_point_into_the_cleaned_text_and_metadata_travels(self, plan_chunks) -> None:
        doc, chunks = plan_chunks
        assert all(doc.text[c.start : c.end] == c.text for c in chunks)
        assert all(c.metadata.title == "玉泉区教育事业发展规划" for c in chunks)
        assert len({c.chunk_id for c in chunks}) == len(chunks)

    def test_sections_do_not_mix(self, plan_chunks) -> None:
        _, chunks = plan_chunks
        for chunk in chunks:
            for line in chunk.text.split("\n")[1:]:
                opened = heading_of(line)
                # a heading inside a chunk is only allowed as the chunk's own (sub)section heading
                assert opened is None or opened[1] in chunk.section, (chunk.chunk_id, line)


class TestHeadings:
    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ("一、发展基础", (1, "一、发展基础")),
            ("（四）推进义务教育优质均衡发展", (2, "（四）推进义务教育优质均衡发展")),
            ("1.落实党的育人目标。“十三五”期间,全区教育始终坚持。", (3, "1.落实党的育人目标")),
            ("专栏4:义务教育优质均衡发展工程", (3, "专栏4:义务教育优质均衡发展工程")),
            ("(1)学位不足,布局不合理。", (4, "(1)学位不足,布局不合理")),
            ("17.4亿元投入教育。", None),
            ("一是加强顶层设计和系统谋划,完善新时代人才培养体制机制。", None),
        ],
    )
    def test_levels(self, line: str, expected) -> None:
        assert heading_of(line) == expected

    def test_the_words_after_the_mark_name_the_part(self) -> None:
        assert without_mark("四、保障措施") == "保障措施"
        assert without_mark("（四）推进义务教育优质均衡发展") == "推进义务教育优质均衡发展"
        assert without_mark("专栏4:义务教育优质均衡发展工程") == "义务教育优质均衡发展工程"
        assert without_mark("(1)学位不足,布局不合理") == "学位不足,布局不合理"
        assert without_mark("17.4亿元投入教育") == "17.4亿元投入教育"  # no mark: the line itself


def test_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="chunk_overlap"):
        PolicyTextSplitter(100, 100)
    with pytest.raises(ValueError, match="chunk_size"):
        PolicyTextSplitter(5, 0)


def test_is_a_langchain_text_splitter() -> None:
    docs = PolicyTextSplitter(50, 10).create_documents(
        ["一、总则\n第一句话。第二句话很长很长很长很长很长很长很长。第三句。"]
    )
    assert docs[0].page_content.startswith("一、总则")


# -- properties -----------------------------------------------------------------------------

# a closing quote only ever ends a sentence (。”), as in real text
sentence = st.builds(
    lambda body, end: body + end,
    st.text(alphabet="教育学位公办小学玉泉区入学儿童政策0123456789,、“", min_size=1, max_size=120),
    st.sampled_from(["。", "！", "？", "；", ";", "。”"]),
)
heading = st.sampled_from(
    ["一、总体要求", "二、主要任务", "(一)学前教育", "（二）义务教育", "1.学位建设", "专栏3:工程"]
)
# a line is a heading or a run of sentences; the document is generated as its sentences, so where each one
# starts and ends is known by construction (not recomputed with the splitter's own rules)
line = st.one_of(heading.map(lambda h: [h]), st.lists(sentence, min_size=1, max_size=6))
document = st.lists(line, min_size=1, max_size=25)


def assemble(lines: list[list[str]]) -> tuple[str, list[tuple[int, int]]]:
    """The text of ``lines`` (one per line) and the (start, end) of every sentence and heading in it."""
    text, sentences = "", []
    for n, parts in enumerate(lines):
        text += "\n" if n else ""
        for part in parts:
            sentences.append((len(text), len(text) + len(part)))
            text += part
    return text, sentences


@settings(max_examples=150, deadline=None)
@given(lines=document, size=st.integers(40, 400), overlap_ratio=st.floats(0, 0.5))
def test_chunk_invariants(lines: list[list[str]], size: int, overlap_ratio: float) -> None:
    text, sentences = assemble(lines)
    overlap = int(size * overlap_ratio)
    spans = PolicyTextSplitter(size, overlap).split_spans(text)

    # offsets are in order and every chunk stays within the size bound
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(s.end - s.start <= size for s in spans)
    # chunks cover every non-blank character of the text
    covered = set()
    for s in spans:
        covered.update(range(s.start, s.end))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())
    # never split a sentence that fits: each chunk starts and ends on sentence boundaries
    starts, ends = {a for a, _ in sentences}, {b for _, b in sentences}
    for s in spans:
        longest = max(b - a for a, b in sentences if a < s.end and b > s.start)
        if longest <= size:
            assert s.start in starts and s.end in ends
    # consecutive chunks overlap by at most `overlap` characters, and only by whole sentences
    for prev, nxt in itertools.pairwise(spans):
        if nxt.start < prev.end:
            assert prev.end - nxt.start <= overlap
            assert nxt.start in starts


def test_a_report_without_numbered_headings_is_divided_by_its_subtitles() -> None:
    report = (
        "学在“康城”皆名校\n"
        "明确均衡方向 从“培良才”到“育新人”\n"
        "康巴什区始终把教育作为“第一事业”。坚持教育经费优先保障。\n"
        "打造协同体系 从“减什么”到“增什么”\n"
        "成立家庭教育指导中心,建立家庭教育指导师团。“薪火讲堂”开办7年来,各类培训达1700多场。\n"
    )
    spans = PolicyTextSplitter(60, 0).split_spans(report)
    assert {s.section[0] for s in spans} == {"明确均衡方向 从“培良才”到“育新人”", "打造协同体系 从“减什么”到“增什么”"}
    assert any("薪火讲堂" in report[s.start : s.end] for s in spans if s.section[0].startswith("打造协同体系"))
    # below a subtitle, a paragraph opening with a short clause naming its topic is a subsection of its own
    lead = "六是数字赋能,将推进教育信息化作为推动教育高质量发展的新支撑,建设智慧校园。"
    assert PolicyTextSplitter(60, 0).split_spans(lead)[0].section == ("六是数字赋能",)
    broken = "四五规划》等支撑文件,为全区教育事业发展提供了政策保障和行动指南。"  # a line broken inside a title
    assert PolicyTextSplitter(60, 0).split_spans(broken)[0].section == ()
    cut = "本着“一体化构建,融合化推进”的原则,从体制机制一体化、队伍建设一体化等方面推进。"  # a clause cut in a quote
    assert PolicyTextSplitter(60, 0).split_spans(cut)[0].section == ()
    # the first line is the document's title, not a section of it
    titled = (
        "内蒙古包头市:“五大工程”让孩子享有公平优质教育\n近日,教育部公布2023年全国100个基础教育领域实践创新典型案例。\n"
    )
    assert {s.section for s in PolicyTextSplitter(60, 0).split_spans(titled)} == {()}
    # in a document with numbered headings a short line is not a section of its own
    numbered = "一、总体要求\n康城概况\n全区学校共41所。\n"
    assert {s.section for s in PolicyTextSplitter(60, 0).split_spans(numbered)} == {("一、总体要求",)}
