"""Cut a cleaned Chinese policy document into passages along its heading hierarchy.

Headings (``ingest/zh/sentences.py``) open sections; each passage carries the
path of the section it belongs to. Passages are packed from whole
sentences (ending in 。！？；) up to ``chunk_size`` characters and overlap by
whole sentences up to ``chunk_overlap`` characters. Only a sentence longer than
``chunk_size`` is cut, first at clause marks (，、：), then hard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import TextSplitter

from ingest.clean import PUBLICATION_LINE
from ingest.models import Chunk, PolicyDocument
from ingest.tables import TABLE_CELL_SEPARATOR
from ingest.zh.sentences import CLAUSE, MAX_HEADING, heading_of, pieces, split_sentences

_SUBTITLE_LEVEL = 1
_LEAD_LEVEL = 2
# a paragraph's opening clause that names its topic: short, no figure, and followed by more of the sentence
_LEAD_CLAUSE = re.compile(r"^(?:——)?([^，,。；;：:\d]{4,14})[，,](?=.{20,})")
CHUNK_SIZE = 300  # characters: the largest passage
CHUNK_OVERLAP = 60  # characters of whole sentences repeated between neighbouring passages


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    section: tuple[str, ...]


def _balanced(text: str) -> bool:
    """Every quotation mark and bracket closed and opened within ``text``: a clause cut inside a quote
    ("本着“一体化构建" of "本着“一体化构建,融合化推进”的原则") or a line broken in a title ("四五规划》等…") is no
    section label."""
    return all(text.count(a) == text.count(b) for a, b in ("《》", "“”", "（）", "()"))


def _is_title_like(line: str) -> bool:
    """A short line that is not a sentence: a title, subtitle or caption (a table row and the publication
    line are body text)."""
    return (
        len(line) <= MAX_HEADING
        and not PUBLICATION_LINE.search(line)
        and not line.rstrip().endswith(("。", "！", "？", "；", ";", "!", "?"))
        and TABLE_CELL_SEPARATOR not in line
    )


class PolicyTextSplitter(TextSplitter):
    """LangChain splitter for Chinese official documents; ``split_spans`` keeps offsets and sections."""

    def __init__(self, chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> None:
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
            for c, d in pieces(text, a, b, CLAUSE):
                units.extend((i, min(i + self.size, d)) for i in range(c, d, self.size))
        return units

    def _sections(self, text: str) -> list[tuple[tuple[str, ...], list[tuple[int, int]]]]:
        """Sentence units grouped by the section they stand in, in document order."""
        stack: list[tuple[int, str]] = []
        groups: list[tuple[tuple[str, ...], list[tuple[int, int]]]] = []
        pending: list[tuple[int, int]] = []  # headings with no body yet
        lines = text.split("\n")
        # a report without numbered headings (news articles) is divided by its subtitles: short lines that are
        # not sentences ("打造协同体系 从“减什么”到“增什么”"); and below them by the short lead clause a paragraph
        # opens with ("实施“县域联盟”工程,将…", "六是数字赋能,将…")
        numbered = any(heading_of(line) for line in lines)
        title = next((n for n, line in enumerate(lines) if line.strip()), -1)  # the first line: not a section
        offset = 0
        for n, line in enumerate(lines):
            start, offset = offset, offset + len(line) + 1
            if not line.strip():
                continue
            heading = heading_of(line)
            if heading is None and not numbered:
                if _is_title_like(line):
                    heading = (_SUBTITLE_LEVEL, line.strip()) if n != title else None
                elif (lead := _LEAD_CLAUSE.match(line.strip())) and _balanced(lead.group(1)):
                    heading = (_LEAD_LEVEL, lead.group(1))
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
