"""Documents as bureaus publish them, built here from text (nothing binary is committed), for the OCR
benchmark (``bench/ocr.py``) and the format tests (``tests/ingest/test_formats.py``): a scanned PDF and a
photo of a notice (text rendered as an image only), a .docx with a table in the middle of a section, an .xlsx
enrolment plan, an HTML page with a table, and a .doc (converted by LibreOffice)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SCANNED_LINES = [
    "玉泉区2024年义务教育招生工作通知",
    "一、报名时间",
    "小学一年级网上报名时间为2024年6月1日至6月10日。",
    "二、入学条件",
    "随迁子女入学需提供居住证和务工证明，由玉泉区教育局审核。",
    "三、咨询电话",
    "招生咨询电话为0471-6900000，工作日上午9点至下午5点。",
]
SCHOOLS = [
    ("学校", "招生范围", "计划数"),
    ("玉泉区第一小学", "阳光小区、幸福家园、南二环以北", "200"),
    ("玉泉区第二小学", "和平路以南、锦绣华城", "150"),
    ("玉泉区第三小学", "昭君路以西、金桥小区", "120"),
]


def need(tool_ok: bool, what: str) -> None:
    """Skip without the tool on a developer machine; in CI it must be there (.ci/run installs it)."""
    if not tool_ok:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI must provide {what} (see .ci/run)")
        pytest.skip(f"{what} is not installed")


def scanned_page(lines: list[str] = SCANNED_LINES):
    """A white A4-ish page image with ``lines`` drawn in a CJK font: what a scanner produces."""
    from PIL import Image, ImageDraw, ImageFont

    need(FONT.exists(), "fonts-noto-cjk")
    font = ImageFont.truetype(str(FONT), 30)
    image = Image.new("RGB", (1240, 160 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((80, 80 + 70 * i), line, font=font, fill="black")
    return image


def scanned_lines(page: int) -> list[str]:
    """The text of scanned page ``page`` (0-based): the notice's lines, rotated, so no line opens or closes
    every page (a line that does is a running header and is dropped, as it should be)."""
    k = page % len(SCANNED_LINES)
    return SCANNED_LINES[k:] + SCANNED_LINES[:k]


def scanned_pdf(pages: int = 1) -> bytes:
    """An image-only PDF (no text layer) of ``pages`` scanned pages."""
    images = [scanned_page(scanned_lines(i)) for i in range(pages)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=150)
    return out.getvalue()


def photo_png() -> bytes:
    out = io.BytesIO()
    scanned_page().save(out, format="PNG")
    return out.getvalue()


def docx_with_table() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("玉泉区2024年小学招生范围")
    document.add_paragraph("一、招生原则")
    document.add_paragraph("各小学按学区划片招生，适龄儿童就近免试入学。")
    document.add_paragraph("二、各校招生范围")
    document.add_paragraph("各校招生范围和计划数如下表。")
    table = document.add_table(rows=len(SCHOOLS), cols=3)
    for r, row in enumerate(SCHOOLS):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("三、报名时间")
    document.add_paragraph("报名时间为6月1日至6月10日。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_plan() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "小学招生计划"
    for row in SCHOOLS:
        sheet.append([int(v) if v.isdigit() else v for v in row])
    second = book.create_sheet("初中招生计划")
    second.append(["学校", "招生范围", "计划数"])
    second.append(["玉泉区第五中学", "第一小学、第二小学毕业生", 300])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def html_with_table() -> bytes:
    rows = "".join(f"<tr>{''.join(f'<td>{v}</td>' for v in row)}</tr>" for row in SCHOOLS[1:])
    head = "".join(f"<th>{v}</th>" for v in SCHOOLS[0])
    return (
        "<html><head><title>玉泉区2024年小学招生范围</title></head><body><article><h1>玉泉区2024年小学招生范围</h1>"
        "<p>一、招生原则</p><p>各小学按学区划片招生，适龄儿童就近免试入学。以下为各校招生范围和计划数。</p>"
        f"<p>二、各校招生范围</p><table><tr>{head}</tr>{rows}</table>"
        "<p>三、报名时间</p><p>报名时间为6月1日至6月10日。</p></article></body></html>"
    ).encode()


def _convert(tmp: Path, source: Path, to: str) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    need(soffice is not None, "LibreOffice (apt-get install libreoffice-writer-nogui)")
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", to, "--outdir",
         str(tmp), str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return source.with_suffix(f".{to}").read_bytes()


def table_pdf(tmp: Path) -> bytes:
    """The .docx fixture with a ruled table (Table Grid), printed to PDF by LibreOffice."""
    from docx import Document

    document = Document(io.BytesIO(docx_with_table()))
    document.tables[0].style = "Table Grid"
    source = tmp / "schools-table.docx"
    document.save(source)
    return _convert(tmp, source, "pdf")


def doc_from_docx(tmp: Path) -> bytes:
    """The .docx fixture saved as Word 97–2003 (.doc) by LibreOffice."""
    source = tmp / "schools.docx"
    source.write_bytes(docx_with_table())
    return _convert(tmp, source, "doc")


def char_accuracy(recognised: str, truth: str) -> float:
    """1 − (edit distance / characters of ``truth``), whitespace ignored."""
    a, b = "".join(recognised.split()), "".join(truth.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return max(0.0, 1 - previous[-1] / max(len(b), 1))


BODY_LINES = [
    f"第{i}条 玉泉区义务教育阶段学校招生坚持免试就近入学，随迁子女凭居住证和务工证明在居住地报名，"
    f"本条第{i}项自2024年9月1日起施行。"
    for i in range(1, 61)
]


def text_pdf(tmp: Path) -> bytes:
    """A four-page Chinese PDF with a real text layer (CID fonts, as LibreOffice writes them), a running header
    and footer, and sentences wrapped across lines."""
    from docx import Document

    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "玉泉区教育局文件"
    section.footer.paragraphs[0].text = "玉泉区人民政府办公室印发"
    for line in BODY_LINES:
        document.add_paragraph(line)
    source = tmp / "rules.docx"
    document.save(source)
    return _convert(tmp, source, "pdf")
