"""Documents as bureaus publish them: scans (OCR), tables in place, spreadsheets, old Word files.

Each fixture is built in the test (bench/fixtures.py) and ingested into a real index; the assertions are
what a user sees: the passage text, its section, that a question about one table row finds and quotes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.answering.chat import chat_service
from app.config import Settings
from app.service import SearchService, ingest_directory
from bench import fixtures
from ingest.load import load_file
from ingest.pipeline import load_corpus


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def bureau(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """An index of one document per format."""
    tmp = tmp_path_factory.mktemp("formats")
    corpus = tmp / "corpus"
    corpus.mkdir()
    _write(corpus, "scan.pdf", fixtures.scanned_pdf())
    _write(corpus, "schools.docx", fixtures.docx_with_table())
    _write(corpus, "plan.xlsx", fixtures.xlsx_plan())
    settings = Settings(index_dir=tmp / "index")
    outcome = ingest_directory(settings, corpus, progress=False)
    assert not outcome.corpus.errors, outcome.corpus.errors
    service = SearchService(settings)
    service.warm_up()
    return service


@pytest.mark.slow  # OCR of rendered pages
class TestScans:
    def test_a_scanned_pdf_is_recognised_accurately_and_marked(self, tmp_path: Path) -> None:
        raw = load_file(_write(tmp_path, "scan.pdf", fixtures.scanned_pdf()))
        accuracy = fixtures.char_accuracy(raw.text, "\n".join(fixtures.SCANNED_LINES))
        assert accuracy >= 0.95, (accuracy, raw.text)
        assert raw.metadata.ocr
        assert raw.text.index("一、报名时间") < raw.text.index("二、入学条件")  # reading order kept

    def test_every_page_of_a_multi_page_scan_is_kept(self, tmp_path: Path) -> None:
        raw = load_file(_write(tmp_path, "scan3.pdf", fixtures.scanned_pdf(3)))
        truth = "\n".join(line for page in range(3) for line in fixtures.scanned_lines(page))
        assert fixtures.char_accuracy(raw.text, truth) >= 0.95

    def test_the_ocr_page_limit_is_a_setting(self, tmp_path: Path) -> None:
        from app.config import Settings
        from ingest.errors import IngestError

        limits = Settings(ocr_max_pages=2).read_limits()
        with pytest.raises(IngestError, match="3 scanned pages to recognise; at most 2"):
            load_file(_write(tmp_path, "long-scan.pdf", fixtures.scanned_pdf(3)), limits=limits)

    def test_a_photo_of_a_notice_is_read(self, tmp_path: Path) -> None:
        raw = load_file(_write(tmp_path, "notice.png", fixtures.photo_png()))
        assert "居住证" in raw.text and raw.metadata.ocr

    def test_an_answer_from_a_scan_says_so(self, bureau: SearchService) -> None:
        answer = chat_service(bureau).ask("玉泉区随迁子女入学要提供什么证明？")
        cited = [c for c in answer.citations if c.doc_id == "scan"]
        assert cited and cited[0].ocr and "居住证" in cited[0].quote


class TestPdfText:
    def test_a_chinese_pdf_reads_as_its_sentences_without_running_headers(self, tmp_path: Path) -> None:
        raw = load_file(_write(tmp_path, "rules.pdf", fixtures.text_pdf(tmp_path)))
        lines = raw.text.split("\n")
        squeeze = "".join
        for sentence in fixtures.BODY_LINES:  # every sentence whole on one line (wrapped lines joined)
            assert any(squeeze(sentence.split()) == squeeze(line.split()) for line in lines), sentence
        assert "玉泉区教育局文件" not in raw.text and "人民政府办公室印发" not in raw.text
        assert "2024年9月1日" in raw.text  # no spaces pushed between digits and characters

    def test_page_numbers_and_running_lines_are_dropped(self) -> None:
        from ingest.pdftext import clean_pages

        pages = [f"某某市教育局文件\n正文第{i}页的内容。\n- {i} -" for i in range(1, 5)]
        pages[1] = pages[1].replace("- 2 -", "第 2 页 共 4 页")
        assert clean_pages(pages) == "\n".join(f"正文第{i}页的内容。" for i in range(1, 5))


class TestTablesInPlace:
    def test_a_docx_table_stays_in_its_section_as_readable_rows(self, tmp_path: Path) -> None:
        [doc] = load_corpus(_tables_dir(tmp_path, "schools.docx", fixtures.docx_with_table()), progress=False).documents
        text = doc.text
        assert text.index("二、各校招生范围") < text.index("学校：玉泉区第二小学") < text.index("三、报名时间")
        assert "学校：玉泉区第二小学 | 招生范围：和平路以南、锦绣华城 | 计划数：150" in text

    def test_a_question_about_one_school_finds_and_quotes_its_row(self, bureau: SearchService) -> None:
        hits = bureau.search("玉泉区第二小学的招生范围是哪里", 2)
        assert {h.chunk.doc_id for h in hits} == {"schools", "plan"}  # the .docx table and the .xlsx sheet
        assert all("和平路以南、锦绣华城" in h.chunk.text for h in hits)
        from_docx = next(h for h in hits if h.chunk.doc_id == "schools")
        assert from_docx.chunk.section == ("二、各校招生范围",)
        answer = chat_service(bureau).ask("玉泉区第二小学招生范围包括哪些小区？")
        assert any("和平路以南" in c.quote for c in answer.citations)

    def test_a_pdf_table_is_kept_in_place_as_rows(self, tmp_path: Path) -> None:
        raw = load_file(_write(tmp_path, "schools.pdf", fixtures.table_pdf(tmp_path)))
        text = raw.text
        assert text.index("二、各校招生范围") < text.index("学校：玉泉区第二小学") < text.index("三、报名时间")
        assert (
            "学校：玉泉区第一小学 | 招生范围：阳光小区、幸福家园、南二环以北 | 计划数：200" in text
        )  # a wrapped cell whole
        assert "学校招生范围计划数" not in text  # the header row is not also left as loose words

    def test_an_html_table_is_kept_in_place(self, tmp_path: Path) -> None:
        raw = load_file(_write(tmp_path, "schools.html", fixtures.html_with_table()))
        assert (
            raw.text.index("二、各校招生范围") < raw.text.index("学校：玉泉区第三小学") < raw.text.index("三、报名时间")
        )

    def test_each_spreadsheet_sheet_is_a_section(self, bureau: SearchService) -> None:
        hit = bureau.search("玉泉区第五中学招多少人", 1)[0]
        assert hit.chunk.doc_id == "plan" and hit.chunk.section == ("工作表：初中招生计划",)
        assert "学校：玉泉区第五中学 | 招生范围：第一小学、第二小学毕业生 | 计划数：300" in hit.chunk.text


@pytest.mark.slow  # LibreOffice conversions
class TestOldFormats:
    def test_a_doc_file_is_converted_and_keeps_its_table(self, tmp_path: Path) -> None:
        data = fixtures.doc_from_docx(tmp_path)
        raw = load_file(_write(tmp_path, "old.doc", data))
        assert "学校：玉泉区第一小学 | 招生范围：阳光小区、幸福家园、南二环以北 | 计划数：200" in raw.text

    def test_without_libreoffice_the_message_says_what_to_install(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from ingest.errors import IngestError

        monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on this PATH
        with pytest.raises(IngestError, match="apt-get install libreoffice-writer-nogui"):
            load_file(_write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)))


def _tables_dir(tmp_path: Path, name: str, data: bytes) -> Path:
    directory = tmp_path / "corpus"
    directory.mkdir()
    _write(directory, name, data)
    return directory
