"""Place names written with homophones: voice input and phone typing give 坤区 for 昆区, 康把什 for 康巴什, 包投
for 包头, 乌孩 for 乌海. A run of characters that sounds like a known place name (its pinyin, any reading of each
character, with the usual merges of z/zh, c/ch, s/sh, l/n, an/ang, en/eng, in/ing) and shares a character with it
is read as that name. Only the places the index covers are looked for, so a homophone elsewhere is left alone."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pypinyin import Style, pinyin

_MERGES = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^l"), "n"), (re.compile(r"([aei]n)g$"), r"\1"))
_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=20_000)
def _sounds(char: str) -> frozenset[str]:
    """Every reading of ``char``, toneless and with the merges applied."""
    readings = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
    merged = set()
    for reading in readings:
        for pattern, replacement in _MERGES:
            reading = pattern.sub(replacement, reading)
        merged.add(reading)
    return frozenset(merged)


def _sounds_like(run: str, name: str) -> bool:
    return all(_sounds(a) & _sounds(b) for a, b in zip(run, name, strict=True))


class PlaceSpeller:
    """Rewrites homophones of ``names`` (place names of two characters or more) to the names themselves."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted({n for n in names if len(n) >= 2 and all(_CJK.match(c) for c in n)}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for name in self.names:
            size = len(name)
            out, i = [], 0
            while i <= len(text) - size:
                run = text[i : i + size]
                if self._misspelt(run, name):
                    out.append(name)
                    i += size
                else:
                    out.append(text[i])
                    i += 1
            text = "".join(out) + text[i:]
        return text

    def _misspelt(self, run: str, name: str) -> bool:
        """Whether ``run`` is ``name`` written with homophones. Not when it holds a name spelled right: 包头示范性
        names 包头, and its 示 begins the next word (示范), so it is not 包头市."""
        if run == name or not set(run) & set(name) or not all(map(_CJK.match, run)):
            return False
        return _sounds_like(run, name) and not any(other in run for other in self.names if len(other) < len(run))
