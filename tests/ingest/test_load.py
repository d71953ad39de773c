"""Loading files of every supported format and encoding; bad files fail alone, with their name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.corpus import read_manifest
from ingest.errors import EmptyDocument, IngestError, UnsupportedFormat
from ingest.load import load_file
from ingest.pipeline import load_corpus

TEXT = "一、总体要求\n玉泉区坚持教育优先发展。公办小学提供3800个学位。"


class TestEncodings:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
    def test_decodes_common_chinese_encodings(self, tmp_path: Path, encoding: str) -> None:
        path = tmp_path / "doc.txt"
        path.write_bytes(TEXT.encode(encoding))
        assert load_file(path).text == TEXT

    def test_binary_file_is_rejected_by_name(self, tmp_path: Path) -> None:
        path = tmp_path / "image.txt"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
        with pytest.raises(IngestError, match=r"image\.txt.*binary"):
            load_file(path)

    def test_empty_file_is_rejected(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.txt"
        path.write_bytes(b"  \n\n")
        with pytest.raises(EmptyDocument, match=r"empty\.txt"):
            load_file(path)

    def test_unsupported_suffix(self, tmp_path: Path) -> None:
        path = tmp_path / "slides.pptx"
        path.write_bytes(b"PK\x03\x04")
        with pytest.raises(UnsupportedFormat, match=r"slides.pptx.*unsupported file type '\.pptx'"):
            load_file(path)


class TestFormats:
    def test_markdown_front_matter_is_metadata(self, tmp_path: Path) -> None:
        path = tmp_path / "notice.md"
        path.write_text(
            "---\ntitle: 招生通知\nregion: 内蒙古自治区乌海市\ndate: 2024-05-01\n---\n# 一、范围\n正文内容。", "utf-8"
        )
        doc = load_file(path)
        assert doc.metadata.title == "招生通知"
        assert doc.metadata.region == "内蒙古自治区乌海市"
        assert doc.metadata.date == "2024-05-01"
        assert doc.text.strip().splitlines() == ["一、范围", "正文内容。"]

    def test_html_boilerplate_is_removed(self, tmp_path: Path) -> None:
        body = "".join(f"<p>第{i}段：玉泉区公办小学提供3800个学位，每个年级缺口1200学位。</p>" for i in range(5))
        html = (
            "<html><head><title>招生政策</title></head><body><nav><a href='/'>首页</a><a>新闻中心</a></nav>"
            f"<article>{body}</article><footer>版权所有 © 某某教育局 备案号</footer></body></html>"
        )
        path = tmp_path / "page.html"
        path.write_text(html, "utf-8")
        doc = load_file(path)
        assert "3800个学位" in doc.text
        assert "版权所有" not in doc.text and "新闻中心" not in doc.text
        assert doc.metadata.title == "招生政策"

    def test_docx_paragraphs_and_tables(self, tmp_path: Path) -> None:
        from docx import Document

        document = Document()
        document.core_properties.title = "学位表"
        document.add_paragraph("一、学位情况")
        document.add_paragraph("公办小学提供3800个学位。")
        table = document.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text = "小学缺口"
        table.rows[0].cells[1].text = "1200"
        path = tmp_path / "places.docx"
        document.save(path)
        doc = load_file(path)
        assert "公办小学提供3800个学位。" in doc.text
        assert "小学缺口 | 1200" in doc.text  # a one-row table is its header line
        assert doc.metadata.title == "学位表"

    def test_pdf_text(self, tmp_path: Path) -> None:
        path = tmp_path / "policy.pdf"
        path.write_bytes(_minimal_pdf("School places: 3800 in 2020"))
        assert "School places: 3800 in 2020" in load_file(path).text

    def test_corrupt_pdf_names_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.pdf"
        path.write_bytes(b"%PDF-1.4 this is not really a pdf")
        with pytest.raises(IngestError, match=r"broken\.pdf"):
            load_file(path)


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica, written by hand (no PDF library needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class TestCorpus:
    def test_bad_files_are_reported_and_the_rest_ingests(self, corpus_copy: Path) -> None:
        (corpus_copy / "empty.txt").write_bytes(b"")
        (corpus_copy / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
        (corpus_copy / "gbk.txt").write_bytes("乌海市教育局发布通知。义务教育阶段免除学杂费。".encode("gbk"))
        result = load_corpus(corpus_copy, progress=False)
        assert sorted(e.path.rsplit("/", 1)[-1] for e in result.errors) == ["empty.txt", "photo.jpg"]
        assert len(result.documents) == 6
        gbk = next(d for d in result.documents if d.doc_id == "gbk")
        assert "免除学杂费" in gbk.text

    def test_manifest_blank_cells_stay_unknown(self, corpus_dir: Path) -> None:
        manifest = read_manifest(corpus_dir)
        kangbashi = manifest["003_7cf374a22d162b33.txt"]
        assert kangbashi.region == "内蒙古自治区鄂尔多斯市康巴什区"
        assert kangbashi.date is None and kangbashi.publisher is None

    def test_missing_directory(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match="does not exist"):
            load_corpus(tmp_path / "nope", progress=False)


def test_files_sharing_a_stem_get_distinct_ids(tmp_path: Path) -> None:
    (tmp_path / "notice.txt").write_text("包头市招生通知\n小学一年级报名时间为每年6月1日至6月10日。\n", "utf-8")
    (tmp_path / "notice.md").write_text("# 包头市招生通知\n初中报名时间为每年7月1日至7月10日。\n", "utf-8")
    (tmp_path / "other.txt").write_text("乌海市通知\n幼儿园报名时间为每年5月。\n", "utf-8")
    loaded = load_corpus(tmp_path, progress=False)
    assert sorted(d.doc_id for d in loaded.documents) == ["notice.md", "notice.txt", "other"]
    assert not loaded.errors


class TestRegionsFromTheText:
    def _region(self, tmp_path: Path, text: str) -> tuple[str | None, str | None]:
        (tmp_path / "doc.txt").write_text(text, "utf-8")
        [doc] = load_corpus(tmp_path, progress=False).documents
        return doc.metadata.region, doc.metadata.region_source

    def test_title(self, tmp_path: Path) -> None:
        assert self._region(tmp_path, "长春市义务教育招生方案\n各学校按学区招生。\n") == ("吉林省长春市", "title")

    def test_publisher(self, tmp_path: Path) -> None:
        text = "关于做好招生工作的通知\n发布机构：乌海市教育局\n各学校按学区招生。\n"
        assert self._region(tmp_path, text) == ("内蒙古自治区乌海市", "publisher")

    def test_issuing_body_in_the_first_lines(self, tmp_path: Path) -> None:
        text = "关于做好招生工作的通知\n包头市教育局\n各学校按学区招生。\n"
        assert self._region(tmp_path, text) == ("内蒙古自治区包头市", "issuer")

    def test_a_place_that_dominates_the_body(self, tmp_path: Path) -> None:
        text = (
            "招生工作安排\n昆区各小学按学区招生。昆都仑区教育局负责审核。包头市统一平台报名。昆区民办学校同步招生。\n"
        )
        assert self._region(tmp_path, text) == ("内蒙古自治区包头市昆都仑区", "body")

    def test_a_place_inside_the_titles_that_the_body_is_about_is_more_specific(self, tmp_path: Path) -> None:
        # a page banner naming only the province above a report about one district (the sample's 康巴什 page)
        text = "奋力书写内蒙古新篇章\n康巴什区新建学校3所。康巴什区学位充足。康巴什教师队伍稳定。康巴什区名校多。\n"
        assert self._region(tmp_path, text) == ("内蒙古自治区鄂尔多斯市康巴什区", "body")
        # the title's place stands when the body is not clearly about one place inside it
        mixed = "包头市招生方案\n昆区按学区招生。青山区按学区招生。东河区按学区招生。\n"
        assert self._region(tmp_path, mixed) == ("内蒙古自治区包头市", "title")

    def test_a_district_report_naming_its_city_and_province_is_the_districts(self, tmp_path: Path) -> None:
        # the sample's 昆区 report: 昆区 ×5 and 昆都仑区 beside 内蒙古 ×2, 包头 ×3 and 北京 (a school's name)
        text = (
            "近年来,昆区贯彻对内蒙古的指示精神,对包头作出的指示。昆区出台文件。包头市支持昆区。昆区与北京101中学结盟。"
            "内蒙古表彰昆区。昆都仑区获评先进。包头市推广经验。\n"
        )
        assert self._region(tmp_path, text) == ("内蒙古自治区包头市昆都仑区", "body")
        # a city's report listing a few of its districts stays the city's
        city = "包头市招生工作。包头市统一报名。包头市公布学区。包头市民办学校同步。昆区、青山区、东河区各设报名点。\n"
        assert self._region(tmp_path, city) == ("内蒙古自治区包头市", "body")

    def test_a_place_named_twice_with_no_other_but_its_province(self, tmp_path: Path) -> None:
        # the sample's 乌海 report: 市教育局 in the text, 乌海 twice, 内蒙古 once
        text = "市教育局推动教育高质量发展。围绕内蒙古、乌海产业链部署教育链。乌海职业教育增强适应性。\n"
        assert self._region(tmp_path, text) == ("内蒙古自治区乌海市", "body")
        # twice, beside another place: no guess
        assert self._region(tmp_path, "招生工作安排\n乌海市和上海市交流。乌海市学习经验。\n") == (None, None)

    def test_no_guess_when_places_are_mixed_or_absent(self, tmp_path: Path) -> None:
        mixed = "招生工作安排\n上海市、北京市、天津市、重庆市的做法值得学习。\n"
        assert self._region(tmp_path, mixed) == (None, None)
        assert self._region(tmp_path, "招生工作安排\n各学校按学区招生。\n") == (None, None)


def test_a_title_with_its_subtitle_is_found_under_a_page_banner(tmp_path: Path) -> None:
    """A scraped news page (the sample's 康巴什 one): a site banner and a photo caption above the title and its
    ——subtitle. The title is the pair, not the banner."""
    text = (
        "\n\n牢记嘱托 奋力书写新篇章\n\n\n\n城市景观。\n\n学在“康城”皆名校\n\n——康巴什全力打造义务教育均衡优质之城\n\n"
        "康巴什区建成各级各类教育机构41所。\n"
    )
    (tmp_path / "page.txt").write_text(text, "utf-8")
    [doc] = load_corpus(tmp_path, progress=False).documents
    assert doc.metadata.title == "学在“康城”皆名校——康巴什全力打造义务教育均衡优质之城"


def test_a_notice_issuing_a_document_is_titled_by_that_document(tmp_path: Path) -> None:
    """关于印发《…》的通知 shows as the document it issues, not a title nested in a title; its issuer still gives the
    region."""
    text = "赛罕区人民政府办公室关于印发《教育事业发展规划(2021-2025)》的通知\n各学校：现印发给你们。\n"
    (tmp_path / "notice.txt").write_text(text, "utf-8")
    [doc] = load_corpus(tmp_path, progress=False).documents
    assert doc.metadata.title == "教育事业发展规划(2021-2025)"
    assert doc.metadata.region is not None and doc.metadata.region.endswith("赛罕区")


def test_a_one_line_notice_is_titled_by_its_opening(tmp_path: Path) -> None:
    """A scraped notice flattened to one line: its title, a space, then the text."""
    text = "长春市教育局关于2024年义务教育阶段招生入学工作的通知 各区教育局：2024年小学一年级新生6月1日起报名。\n"
    (tmp_path / "one.txt").write_text(text, "utf-8")
    [doc] = load_corpus(tmp_path, progress=False).documents
    assert doc.metadata.title == "长春市教育局关于2024年义务教育阶段招生入学工作的通知"
    assert doc.metadata.region == "吉林省长春市"


def test_a_numbered_heading_is_not_taken_for_a_title(tmp_path: Path) -> None:
    """A report with no title line (the sample's 昆区 one opens with a paragraph) gets none, not its first
    numbered heading."""
    text = "近年来,昆区深入推进教育改革,取得了积极成效。\n一、坚持“四项举措”,高起点开展拔尖人才选拔培养\n正文。\n"
    (tmp_path / "report.txt").write_text(text, "utf-8")
    [doc] = load_corpus(tmp_path, progress=False).documents
    assert doc.metadata.title is None
