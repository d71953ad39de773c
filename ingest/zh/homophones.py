"""Words written with homophones: voice input and phone typing give 坤区 for 昆区, 康把什 for 康巴什, 包投 for 包头,
幼儿圆 for 幼儿园, 创克 for 创客, 促近法 for 促进法.

A run of characters that sounds like a name or term (its pinyin, any reading of each character, with the usual
merges of z/zh, c/ch, s/sh, l/n, an/ang, en/eng, in/ing) and shares a character with it is read as that word.

- ``PlaceSpeller``: the names of the places the index covers, so a homophone elsewhere is left alone.
- ``TermSpeller``: the corpus's own terms, replacing only a word that is no word: one the corpus never uses and
  the dictionary does not know (or, three characters or more, knows as very rare: 幼儿圆), cut as whole words, so
  一直, 参加, 厌学, 失德, 美语 — real words the corpus happens not to use — stay as they are."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from pypinyin import Style, pinyin

_MERGES = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^l"), "n"), (re.compile(r"([aei]n)g$"), r"\1"))
_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=20_000)
def _sounds(char: str) -> frozenset[str]:
    """Every reading of ``char``, toneless and with the merges applied."""
    return frozenset(_merged(reading) for reading in pinyin(char, style=Style.NORMAL, heteronym=True)[0])


def _merged(reading: str) -> str:
    for pattern, replacement in _MERGES:
        reading = pattern.sub(replacement, reading)
    return reading


@lru_cache(maxsize=20_000)
def _term_sounds(term: str) -> tuple[frozenset[str], ...]:
    """How ``term`` is read as a word: one reading per character, chosen by the phrase (强区 is qiang-qu, though
    强 alone may be read jiang), with the merges applied."""
    return tuple(frozenset({_merged(r[0])}) for r in pinyin(term, style=Style.NORMAL))


def _sounds_like(run: str, name: str) -> bool:
    return all(_sounds(a) & _sounds(b) for a, b in zip(run, name, strict=True))


def _sounds_like_term(run: str, term: str) -> bool:
    """Whether ``run``, read any way, sounds like ``term`` read as the word it is (建区 is not 强区)."""
    return all(_sounds(a) & b for a, b in zip(run, _term_sounds(term), strict=True))


def _spans(words: list[str]) -> list[tuple[int, int]]:
    """Where each of ``words`` (a text cut into words) starts and ends in the text."""
    spans, at = [], 0
    for word in words:
        spans.append((at, at + len(word)))
        at += len(word)
    return spans


class PlaceSpeller:
    """Rewrites homophones of ``names`` (place names of two characters or more) to the names themselves.

    With ``cut`` and ``frequency`` (a tokenizer's words and the dictionary's counts), a run must begin a word and
    be no common word itself: 贫困区 is not 贫昆区 (困区 begins inside 贫困), 昆曲 is not 昆区."""

    def __init__(
        self,
        names: Iterable[str],
        cut: Callable[[str], list[str]] | None = None,
        frequency: Callable[[str], int | None] | None = None,
    ) -> None:
        self.names = sorted({n for n in names if len(n) >= 2 and all(_CJK.match(c) for c in n)}, key=len, reverse=True)
        self.cut, self.frequency = cut, frequency

    def __call__(self, text: str) -> str:
        starts, cut_from = None, None
        for name in self.names:
            size = len(name)
            out, i = [], 0
            if cut_from != text:  # the words again only when a name was written in
                starts, cut_from = self._word_starts(text), text
            while i <= len(text) - size:
                run = text[i : i + size]
                if (starts is None or i in starts) and self._misspelt(run, name):
                    out.append(name)
                    i += size
                else:
                    out.append(text[i])
                    i += 1
            text = "".join(out) + text[i:]
        return text

    def _word_starts(self, text: str) -> set[int] | None:
        return None if self.cut is None else {start for start, _ in _spans(self.cut(text))}

    def _misspelt(self, run: str, name: str) -> bool:
        """Whether ``run`` is ``name`` written with homophones. Not when it holds a name spelled right: 包头示范性
        names 包头, and its 示 begins the next word (示范), so it is not 包头市."""
        if run == name or not set(run) & set(name) or not all(map(_CJK.match, run)):
            return False
        if self.frequency is not None and (self.frequency(run) or 0) >= _RARE:
            return False  # a word of its own (昆曲)
        return _sounds_like(run, name) and not any(other in run for other in self.names if len(other) < len(run))


# a two-character word with one of these is a grammatical piece (我是, 能学, 一截), not a misspelt term
_FUNCTION_CHARS = frozenset("是的了在有它他她我你这那么个能会要想得给把被让老一二三四五六七八九十几")
_RARE = 4  # a dictionary word used fewer times than this (in jieba's counts) may be a misspelling
_TERM_CHARS = (2, 4)


def _one_slip(run: str, term: str) -> bool:
    """Whether ``run`` differs from ``term`` in one character only (幼儿圆 and 幼儿园; not 中介性 and 综合性)."""
    return sum(a != b for a, b in zip(run, term, strict=True)) == 1


class TermSpeller:
    """Rewrites misspelt words that sound like a term of the corpus, and differ from it in one character, to the
    term (幼儿圆 → 幼儿园).

    ``terms`` maps each corpus term to how many passages use it (the most used wins a tie of sounds);
    ``is_term`` tells whether the corpus uses a word; ``cut`` splits text into words, joined they give it back;
    ``frequency`` is a word's count in the general dictionary (None: not a dictionary word)."""

    def __init__(
        self,
        terms: dict[str, int],
        is_term: Callable[[str], bool],
        cut: Callable[[str], list[str]],
        frequency: Callable[[str], int | None],
    ) -> None:
        self.terms = terms
        self.is_term, self.cut, self.frequency = is_term, cut, frequency
        self._by_sound: dict[tuple[str, int], list[str]] = {}
        for term in terms:
            if _TERM_CHARS[0] <= len(term) <= _TERM_CHARS[1] and all(map(_CJK.match, term)):
                for reading in _term_sounds(term)[0]:
                    self._by_sound.setdefault((reading, len(term)), []).append(term)

    def __call__(self, text: str) -> str:
        spans = _spans(self.cut(text))
        starts = {start for start, _ in spans}
        ends = {end for _, end in spans}
        unknown = {i for start, end in spans if self._no_word(text[start:end]) for i in range(start, end)}
        out, i = [], 0
        while i < len(text):
            term = self._term_at(text, i, starts, ends, unknown)
            out.append(term or text[i])
            i += len(term) if term else 1
        return "".join(out)

    def _no_word(self, word: str) -> bool:
        if len(word) < 2 or not all(map(_CJK.match, word)) or self.is_term(word):
            return False
        count = self.frequency(word)
        if len(word) == 2:  # a rare two-character dictionary word is a word (厌学, 失德, 插班), not a slip
            return count is None and not set(word) & _FUNCTION_CHARS
        return count is None or 0 < count < _RARE

    def _term_at(self, text: str, i: int, starts: set[int], ends: set[int], unknown: set[int]) -> str | None:
        """The term the whole words starting at ``i`` misspell (the longest), or None."""
        if i not in starts:
            return None
        for size in range(_TERM_CHARS[1], _TERM_CHARS[0] - 1, -1):
            run = text[i : i + size]
            if len(run) < size or i + size not in ends or not unknown & set(range(i, i + size)):
                continue
            if not all(map(_CJK.match, run)) or self.is_term(run):
                continue
            alike = [
                t
                for reading in _sounds(run[0])
                for t in self._by_sound.get((reading, size), ())
                if t != run and _one_slip(run, t) and _sounds_like_term(run, t)
            ]
            if alike:
                return max(alike, key=lambda t: (self.terms[t], t))
        return None
