"""A document's outline — its headings as the chunker read them (``Chunk.section``) — and the part of it a question
names before asking one of its items by number (面临挑战第(5)条, 主要任务的第（十）部分, “六大亮点”的第五条)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.models import Chunk

# what a reference to a part and a heading are compared without: quotes, brackets, spaces, joining words
_LOOSE = re.compile(r"[“”\"「」《》‘’（）()\s，,、：:的里中之]")
_MIN_REFERENCE = 3  # characters: a shorter run (规划, 工作) names no part
# which item of a part holds something (放在“六大工程”哪一项里, 写在主要任务的哪一部分, 哪一条)
_WHICH_ITEM = re.compile(r"哪[一个]?(?:项|条|部分|节|方面|个?工程)")
_QUOTED_TERM = re.compile(r"[“\"「]([^”\"」]{2,20})[”\"」]")


def loose(text: str) -> str:
    """``text`` as a reference to a part and a heading are compared: without quotes, brackets, spaces and joining
    words (“面临挑战”的 → 面临挑战)."""
    return _LOOSE.sub("", text)


def which_item(question: str) -> tuple[str, list[str]] | None:
    """For a question asking which item of a part holds something (昆区的“时代新人铸魂工程”是放在“六大工程”哪一项里的):
    the words before the ask, which may name the part, and the terms quoted there that the part's name does not
    hold (时代新人铸魂工程: what must be in the sentence found). None when it asks no such thing."""
    found = _WHICH_ITEM.search(question)
    if found is None:
        return None
    before = question[: found.start()]
    return before, _QUOTED_TERM.findall(before)


def outline(chunks: Sequence[Chunk]) -> list[tuple[str, ...]]:
    """Every heading path of the document (each heading with those above it), in document order."""
    paths: dict[tuple[str, ...], None] = {}
    for chunk in sorted(chunks, key=lambda c: c.start):
        for depth in range(1, len(chunk.section) + 1):
            paths.setdefault(chunk.section[:depth])
    return list(paths)


def children(paths: Sequence[tuple[str, ...]], parent: tuple[str, ...]) -> list[str]:
    """The headings right under ``parent``, in order."""
    return list(dict.fromkeys(p[len(parent)] for p in paths if len(p) == len(parent) + 1 and p[:-1] == parent))


def named_part(paths: Sequence[tuple[str, ...]], reference: str, title: str = "") -> tuple[str, ...] | None:
    """The heading the words before an ordinal name (玉泉区规划“面临挑战” → 3.面临挑战): the first heading holding
    the longest run, of at least ``_MIN_REFERENCE`` characters, that ends those words; ``()``, the document
    itself, when only its ``title`` holds such a run (乌海市教育局推动教育高质量发展第三点). None when nothing does."""
    words = loose(reference)
    for length in range(len(words), _MIN_REFERENCE - 1, -1):
        tail = words[-length:]
        for path in paths:
            if tail in loose(path[-1]):
                return path
        if tail in loose(title):
            return ()
    return None
