"""Cut a cleaned Chinese policy document into passages along its heading hierarchy.

Headings (第一章 / 一、 / （一） / 1. / 专栏N / （1）) open sections; each passage
carries the path of the section it belongs to. Passages are packed from whole
sentences (ending in 。！？；) up to ``chunk_size`` characters and overlap by
whole sentences up to ``chunk_overlap`` characters. Only a sentence longer than
``chunk_size`` is cut, first at clause marks (，、：), then hard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import TextSplitter

from ingest.models import Chunk, PolicyDocument
from ingest.tables import TABLE_CELL_SEPARATOR

_LEVELS = (
    (0, re.compile(r"^(?:第[一二三四五六七八九十百]+[章编部分]|工作表：)")),  # 工作表: a spreadsheet's sheet
    (1, re.compile(r"^[一二三四五六七八九十百]+、")),
    (2, re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")),
    (3, re.compile(r"^(?:\d{1,2}[.．、](?!\d)|专栏\s*\d+)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
)
_MAX_HEADING = 40
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)》\"']*|$)")
_CLAUSE = re.compile(r"[^，,、：:\n]*(?:[，,、：:]+|$)")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    section: tuple[str, ...]


def heading_of(line: str) -> tuple[int, str] | None:
    """The (level, label) a line opens, or ``None`` for body text.

    A heading is a short line with a numbering mark, or the short first sentence
    of such a line (``1.落实党的育人目标。“十三五”期间……``).
    """
    for level, pattern in _LEVELS:
        if pattern.match(line):
            first = re.split(r"(?<=[。！？；;])", line, maxsplit=1)[0]
            label = first.rstrip("。；;：: ")
            if len(label) <= _MAX_HEADING and (first == line or first.endswith(("。", "；", ";"))):
                return level, label
            return None
    return None


def _is_title_like(line: str) -> bool:
    """A short line that is not a sentence: a title, subtitle or caption (a table row is body text)."""
    return (
        len(line) <= _MAX_HEADING
        and not line.rstrip().endswith(("。", "！", "？", "；", ";", "!", "?"))
        and TABLE_CELL_SEPARATOR not in line
    )


def _pieces(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
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
        for a, b in _pieces(text, offset, offset + len(line), _SENTENCE):
            previous = line_spans[-1] if line_spans else None
            if previous and text[previous[1] - 1] in "；;" and _open_brackets(text[previous[0] : previous[1]]) > 0:
                line_spans[-1] = (previous[0], b)
            else:
                line_spans.append((a, b))
        spans.extend(line_spans)
        offset += len(line) + 1
    return spans


class PolicyTextSplitter(TextSplitter):
    """LangChain splitter for Chinese official documents; ``split_spans`` keeps offsets and sections."""

    def __init__(self, chunk_size: int = 300, chunk_overlap: int = 60) -> None:
        if chunk_size < 20:
            raise ValueError(f"chunk_size must be at least 20 characters, got {chunk_size}")
        if not 0 <= chunk_overlap < chunk_size:
            raise ValueError(f"chunk_overlap must be in [0, chunk_size), got {chunk_overlap}")
        super().__init__(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        self.size = chunk_size
        self.overlap = chunk_overlap

    def split_text(self, text: str) -> list[str]:
        return [text[s.start : s.end] for s in self.split_spans(text)]

    def _sentences(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        units = []
        for a, b in split_sentences(text, start, end):
            if b - a <= self.size:
                units.append((a, b))
                continue
            for c, d in _pieces(text, a, b, _CLAUSE):
                units.extend((i, min(i + self.size, d)) for i in range(c, d, self.size))
        return units

    def _sections(self, text: str) -> list[tuple[tuple[str, ...], list[tuple[int, int]]]]:
        """Sentence units grouped by the section they stand in, in document order."""
        stack: list[tuple[int, str]] = []
        groups: list[tuple[tuple[str, ...], list[tuple[int, int]]]] = []
        pending: list[tuple[int, int]] = []  # headings with no body yet
        offset = 0
        for line in text.split("\n"):
            start, offset = offset, offset + len(line) + 1
            if not line.strip():
                continue
            heading = heading_of(line)
            if heading:
                stack = [h for h in stack if h[0] < heading[0]] + [heading]
            units = self._sentences(text, start, start + len(line))
            if (heading or _is_title_like(line)) and len(units) == 1:
                pending.extend(units)  # a heading or a title line goes with the text that follows it
                continue
            path = tuple(label for _, label in stack)
            if groups and groups[-1][0] == path and not pending:
                groups[-1][1].extend(units)
            else:
                groups.append((path, pending + units))
            pending = []
        if pending:
            groups.append((tuple(label for _, label in stack), pending))
        return groups

    def _pack(self, units: list[tuple[int, int]]) -> list[tuple[int, int]]:
        chunks: list[tuple[int, int]] = []
        current: list[tuple[int, int]] = []
        for unit in units:
            if current and unit[1] - current[0][0] > self.size:
                chunks.append((current[0][0], current[-1][1]))
                keep: list[tuple[int, int]] = []
                for prev in reversed(current[1:]):
                    if current[-1][1] - prev[0] > self.overlap or unit[1] - prev[0] > self.size:
                        break
                    keep.insert(0, prev)
                current = keep
            current.append(unit)
        if current:
            chunks.append((current[0][0], current[-1][1]))
        return chunks

    def split_spans(self, text: str) -> list[Span]:
        return [Span(start, end, path) for path, units in self._sections(text) for start, end in self._pack(units)]


def chunk_document(doc: PolicyDocument, splitter: PolicyTextSplitter) -> list[Chunk]:
    """The passages of ``doc``, each with its section path, offsets and the document's metadata."""
    return [
        Chunk(
            chunk_id=f"{doc.doc_id}#{i}",
            doc_id=doc.doc_id,
            text=doc.text[span.start : span.end],
            start=span.start,
            end=span.end,
            section=span.section,
            metadata=doc.metadata,
        )
        for i, span in enumerate(splitter.split_spans(doc.text))
    ]
