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


# a list named by its count (五大工程, 8项重点工程, 十大暖心行动): the count and the words after it, up to the ask
_COUNTED = re.compile(
    r"([两二三四五六七八九十]|\d{1,2})(?:大|项|个|条|种)([\u4e00-\u9fff]{2,6}?)(?=[是有都分具包指的呢吗啥什哪里中”\"」？?，,]|$)"
)
# what they are asked, and nothing else: 都有啥, 分别是什么, 是哪五个, 具体包括哪些, 指的是什么
_ASKS_ITEMS = re.compile(
    r"[”\"」]?(?:都|具体|分别|主要|又|到底)*(?:是|有|指|包括|包含)?的?(?:是)?"
    r"(?:哪[些几两二三四五六七八九十]?[个项条种大样]?[\u4e00-\u9fff]{0,2}|什么|啥|哪些)[？?呢吗啊呀。！!]*"
)
_NUMERALS = "一二三四五六七八九十"
_LIST_NOUN = 2  # characters: the noun a counted list is named by is its last two (重点工程 → 工程)
_ITEM_HEAD = re.compile(r"[^，,。；;！？!?]{2,40}")
_ITEM_KEY = 2  # characters: the lines of one list open alike (实施…, 专栏1…, 一是…) once numerals are set aside


def counted_list(question: str) -> tuple[int, str, str] | None:
    """The list a question names by its count and asks what it holds (包头五大工程都有啥 → 5, 工程, 五大工程), or
    None."""
    found = _COUNTED.search(question)
    if found is None or not _ASKS_ITEMS.fullmatch(question[found.end() :]):
        return None  # not asked what they are (五大工程的案例入选了哪一类)
    numeral, words = found.groups()
    count = int(numeral) if numeral.isdigit() else 2 if numeral == "两" else _NUMERALS.index(numeral) + 1
    return (count, words[-_LIST_NOUN:], found.group(0)) if count >= 2 else None


def counted_items(lines: Sequence[tuple[int, str]], count: int, noun: str, named: str) -> list[tuple[int, int]]:
    """The lines that are the ``count`` items of a list of ``noun`` (实施“强师筑基”工程 … 实施“数字赋能”工程;
    专栏1:…工程 … 专栏8:…工程): of the lines whose head (up to the first comma) holds the noun and not the list's
    own name (``named``, 五大工程), the ones opening alike, when exactly ``count`` do; (offset, end of head) of
    each, else []."""
    groups: dict[str, list[tuple[int, int]]] = {}
    for offset, line in lines:
        head = _ITEM_HEAD.match(line)
        if head is None or noun not in head.group(0) or named in line:
            continue
        key = re.sub(rf"[\d{_NUMERALS}]", "#", line[:_ITEM_KEY])
        groups.setdefault(key, []).append((offset, offset + head.end()))
    return next((items for items in groups.values() if len(items) == count), [])


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
