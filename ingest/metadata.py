"""Metadata a document states about itself (发布机构, 成文日期, 发布时间, 来源, 文号, URL).

Only what the text says is returned; a field the text does not state stays ``None``.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise

from ingest.clean import normalise_whitespace
from ingest.models import DocumentMetadata
from ingest.zh.sentences import heading_of

_HEAD_LINES = 40
_TITLE_LINES = 10  # the non-blank lines a title is looked for in
_TITLE_OPENING = re.compile(r"^(\S{6,60}?(?:通知|意见|决定|办法|方案|规划|公告|通告|细则|规定))[ \u3000]+\S")
_ISSUING_NOTICE = re.compile(r"关于(?:印发|转发|发布|公布)《(.+)》的(?:通知|决定)$")
_SUBTITLE = re.compile(r"^(?:——|—|－－|--)\s*\S")
_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_LABELLED_DATE = {
    label: re.compile(rf"{pattern}\s*[:：]?\s*{_DATE}")
    for label, pattern in (
        ("written", r"成\s*文\s*日\s*期"),
        ("published", r"发\s*布\s*(?:日\s*期|时\s*间)"),
    )
}
_PUBLISHER = re.compile(r"发\s*布\s*机\s*构\s*[:：]?\s*([^\s:：]{2,30})")
_SOURCE = re.compile(r"来\s*源\s*[:：]\s*([^\s:：]{2,30})")
_DOC_NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,10}[〔\[【(（]\d{4}[〕\]】)）]\s*\d{1,4}\s*号)")
_URL = re.compile(r"https?://[^\s\u4e00-\u9fa5<>\"']+")
_LABEL_ONLY = re.compile(r"^(?:文\s*号|公\s*文\s*时\s*效|主\s*题\s*分\s*类|成\s*文\s*日\s*期)$")


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"  # the form dates are stored and asked in (iso_date checks it is a real date)


def iso_date(value: str | None) -> str | None:
    """``value`` as ``YYYY-MM-DD`` when it is a real calendar date (2025-02-30 and 9999-99-99 are not), else None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


def web_url(value: str | None) -> str | None:
    """``value`` when it is an http(s) URL (never ``javascript:``, ``data:`` …), else None."""
    return value if value and re.match(r"^https?://[^\s<>\"']+$", value.strip(), re.I) else None


def _iso(match: re.Match[str]) -> str | None:
    year, month, day = match.group(1), int(match.group(2)), int(match.group(3))
    return iso_date(f"{year}-{month:02d}-{day:02d}")


def extract_metadata(text: str) -> DocumentMetadata:
    """Read the fields the head of ``text`` states. Missing fields stay ``None``."""
    head = "\n".join(normalise_whitespace(text).split("\n")[:_HEAD_LINES])
    dates = {k: p.search(head) for k, p in _LABELLED_DATE.items()}
    date = next((_iso(m) for m in (dates["written"], dates["published"]) if m), None)
    publisher = _PUBLISHER.search(head)
    source = _SOURCE.search(head)
    publisher_name = publisher.group(1) if publisher else (source.group(1) if source else None)
    if publisher_name and _LABEL_ONLY.match(publisher_name):
        publisher_name = None
    number = _DOC_NUMBER.search(head)
    url = _URL.search(head)
    return DocumentMetadata(
        publisher=publisher_name,
        date=date,
        doc_number=number.group(1) if number else None,
        source_url=url.group(0).rstrip(".,;") if url else None,
    )


def first_title_line(cleaned: str) -> str | None:
    """A title for a document that has none: a line followed by its subtitle (学在“康城”皆名校 / ——康巴什全力打造…,
    however many banner lines stand above it on a scraped page), else its first short line that is not a numbered
    heading."""
    lines = [line.strip() for line in cleaned.split("\n") if line.strip()][:_TITLE_LINES]
    for line, after in pairwise(lines):
        if _titled(line) and _SUBTITLE.match(after) and _titled(after.lstrip("—－- ")):
            return line + after
    title = next((line for line in lines if _titled(line)), None)
    if title is None and lines and (opening := _TITLE_OPENING.match(lines[0])):
        title = opening.group(1)  # a one-line notice: its title, then a space and the text (…的通知 各区教育局：…)
    return title


def issued_document(title: str | None) -> str | None:
    """The document a notice issues (…关于印发《玉泉区教育事业发展“十四五”规划》的通知 → that plan), else
    ``title``: the name to show for it."""
    issued = _ISSUING_NOTICE.search(title or "")
    return issued.group(1).strip() if issued else title


def _titled(line: str) -> bool:
    return 4 <= len(line) <= 60 and not line.endswith(("。", "；", ";", "：", ":")) and heading_of(line) is None
