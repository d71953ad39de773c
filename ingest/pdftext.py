"""PDF page text that reads right: running headers, footers and page numbers removed, hard-wrapped lines
joined back into sentences, the spaces PDF extraction puts around digits in Chinese text removed, and ruled
tables kept in place as readable rows (pdfplumber, MIT).

Text extraction itself stays with pypdf: on a Chinese PDF with CID fonts, a running header and footer and
wrapped lines (bench/fixtures.text_pdf), pypdf and pypdfium2 both scored 0.981 character accuracy raw
and 1.000 after this cleaning, so switching would gain nothing measurable."""

from __future__ import annotations

import io
import re
from collections import Counter

from ingest.tables import TABLE_CELL_SEPARATOR, table_lines
from ingest.zh.sentences import heading_of

_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|\d+)[-—–\s]*$")
_SENTENCE_END = ("。", "！", "？", "；", "：", ":", "!", "?", ";", "”", "」", "）", ")")
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\d％%]) +(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff]) +(?=[\d％%])")
_DIGITS = re.compile(r"\d+")
_FULL_LINE = 0.8  # a line at least this share of the page's longest line was wrapped because it was full
_RUNNING_SHARE = 0.5  # a first/last line repeated on at least half the pages is a running header/footer
_RUNNING_CHARS = 40


def _lines(page: str) -> list[str]:
    return [line.strip() for line in page.replace("\r", "").split("\n") if line.strip()]


def _running(pages: list[list[str]]) -> set[str]:
    """Lines that open or close most pages (digits ignored, so '第 3 页' and '第 4 页' are one line)."""
    if len(pages) < 3:
        return set()
    edges = Counter(_DIGITS.sub("#", line) for lines in pages for line in {*lines[:1], *lines[-1:]})
    return {
        line for line, n in edges.items() if n >= max(3, _RUNNING_SHARE * len(pages)) and len(line) <= _RUNNING_CHARS
    }


def _unwrap(lines: list[str]) -> list[str]:
    if not lines:
        return []
    full = _FULL_LINE * max(len(line) for line in lines)
    out = [lines[0]]
    for line in lines[1:]:
        previous = out[-1]
        wrapped = len(previous) >= full and not previous.endswith(_SENTENCE_END)
        in_table = TABLE_CELL_SEPARATOR in previous or TABLE_CELL_SEPARATOR in line
        if wrapped and not in_table and not heading_of(line):
            out[-1] = previous + line
        else:
            out.append(line)
    return out


def clean_pages(pages: list[str]) -> str:
    split = [_lines(page) for page in pages]
    running = _running(split)
    kept = [
        [line for line in lines if not _PAGE_NUMBER.match(line) and _DIGITS.sub("#", line) not in running]
        for lines in split
    ]
    return "\n".join(_CJK_SPACE.sub("", line) for lines in kept for line in _unwrap(lines))


MAX_TABLE_PAGES = 300  # table detection (pdfplumber, pure Python) is skipped for longer PDFs


def _cell_text(value: str | None) -> str:
    return (value or "").replace("\n", "")  # a cell's text wrapped inside the cell is one value


def _text_between(page, top: float, bottom: float) -> str:
    """The text of the characters whose vertical middle lies between ``top`` and ``bottom``."""
    inside = page.filter(lambda o: "top" not in o or top <= (o["top"] + o["bottom"]) / 2 < bottom)
    return inside.extract_text() or ""


def pages_with_tables(data: bytes) -> dict[int, str]:
    """For each page holding ruled tables: its text with every table in place as readable rows (ingest/tables.py)
    and the text above, between and below the tables as it reads. Pages without tables are not returned."""
    import pdfplumber

    out: dict[int, str] = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        if len(pdf.pages) > MAX_TABLE_PAGES:
            return out
        for number, page in enumerate(pdf.pages):
            tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
            if not tables:
                continue
            parts, top = [], page.bbox[1]
            for table in tables:
                _, t_top, _, t_bottom = table.bbox
                parts.append(_text_between(page, top, t_top))
                parts += table_lines([[_cell_text(c) for c in row] for row in table.extract()])
                top = t_bottom
            parts.append(_text_between(page, top, page.bbox[3]))
            out[number] = "\n".join(p for p in parts if p)
    return out
