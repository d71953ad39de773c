"""Sentences, clauses and headings of Chinese official text.

Headings (第一章 / 一、 / （一） / 1. / 专栏N / （1）) open sections at five levels; a
sentence ends at 。！？； (and a line end); a clause at ，、：. Chunking, cleaning,
PDF repair and answering all cut text with these rules.
"""

from __future__ import annotations

import re

HEADING_LEVELS = (
    (0, re.compile(r"^(?:第[一二三四五六七八九十百]+[章编部分]|工作表：)")),  # 工作表: a spreadsheet's sheet
    (1, re.compile(r"^(?:[一二三四五六七八九十百]+、|第[一二三四五六七八九十百]+节)")),
    (2, re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")),
    (3, re.compile(r"^(?:\d{1,2}[.．、](?!\d)|专栏\s*\d+)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
)
MAX_HEADING = 40  # characters: a longer line is body text, whatever it starts with
SENTENCE_END = "。！？；;!?"
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)》\"']*|$)")
CLAUSE = re.compile(r"[^，,、：:\n]*(?:[，,、：:]+|$)")


def heading_of(line: str) -> tuple[int, str] | None:
    """The (level, label) a line opens, or ``None`` for body text.

    A heading is a short line with a numbering mark, or the short first sentence
    of such a line (``1.落实党的育人目标。“十三五”期间……``).
    """
    for level, pattern in HEADING_LEVELS:
        if pattern.match(line):
            first = re.split(r"(?<=[。！？；;])", line, maxsplit=1)[0]
            label = first.rstrip("。；;：: ")
            if len(label) <= MAX_HEADING and (first == line or first.endswith(("。", "；", ";"))):
                return level, label
            return None
    return None


def without_mark(line: str) -> str:
    """``line`` without the numbering mark a heading opens with (四、保障措施 → 保障措施; 专栏3:学前教育普惠工程 →
    学前教育普惠工程); the line itself when it opens with none."""
    for _, pattern in HEADING_LEVELS:
        if found := pattern.match(line):
            return line[found.end() :].lstrip(":： ")
    return line


def pieces(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Non-blank pieces of ``text[start:end]`` matched by ``pattern``, trimmed of spaces."""
    out = []
    for m in pattern.finditer(text, start, end):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def _open_brackets(text: str) -> int:
    return text.count("(") + text.count("（") - text.count(")") - text.count("）")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text[start:end]``; a line end also ends a sentence.

    A semicolon inside brackets (中学7所,其中含市直属3所;小学24所) separates list items, not sentences.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    offset = start
    for line in text[start:end].split("\n"):
        line_spans: list[tuple[int, int]] = []
        for a, b in pieces(text, offset, offset + len(line), _SENTENCE):
            previous = line_spans[-1] if line_spans else None
            if previous and text[previous[1] - 1] in "；;" and _open_brackets(text[previous[0] : previous[1]]) > 0:
                line_spans[-1] = (previous[0], b)
            else:
                line_spans.append((a, b))
        spans.extend(line_spans)
        offset += len(line) + 1
    return spans
