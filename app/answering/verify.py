"""Verification of generated answers, sentence by sentence, as they stream.

A sentence is kept only if it cites passages that exist ([n] with 1 ≤ n ≤ the
number of passages), every number in it appears in a passage it cites, and at
least half of its Chinese character pairs occur in the cited passages (so
gibberish with a made-up [1] does not pass). Kept sentences are renumbered by
first use, and each citation quotes the passage sentence that best supports
what was said.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from app.answering.models import Citation
from app.answering.safety import looks_like_instruction
from index.retrieve import Hit
from ingest.zh.sentences import split_sentences

_MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+[”’」』）)》]*")
_TRAILING_MARKERS = re.compile(r"(?:\s*\[\d+\])+")
_PARTIAL_MARKER = re.compile(r"\s*(?:\[\d*)?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MIN_SUPPORT = 0.5


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _bigrams(text: str) -> set[str]:
    han = [c for c in _plain(text) if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    return {a + b for a, b in itertools.pairwise(han)}


def support(claim: str, source: str) -> float:
    """Share of the claim's character pairs found in the source."""
    pairs = _bigrams(claim)
    return len(pairs & _bigrams(source)) / len(pairs) if pairs else 0.0


def _without_instructions(passage: str) -> str:
    """A passage minus sentences that address a model: they cannot support anything said."""
    return "".join(passage[a:b] for a, b in split_sentences(passage) if not looks_like_instruction(passage[a:b]))


class VerifiedStream:
    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self._buffer = ""
        self._kept: list[str] = []
        self._renumber: dict[int, int] = {}
        self._quotes: dict[int, list[str]] = {}

    @property
    def text(self) -> str:
        return "".join(self._kept)

    def feed(self, delta: str) -> list[str]:
        """Add streamed text; return the sentences completed and verified so far."""
        self._buffer += delta
        out: list[str] = []
        while True:
            match = _SENTENCE_END.search(self._buffer)
            if not match:
                return out
            end = match.end()
            markers = _TRAILING_MARKERS.match(self._buffer, end)
            if markers:
                end = markers.end()
            if _PARTIAL_MARKER.fullmatch(self._buffer, end):  # a marker may still follow: wait for more
                return out
            sentence, self._buffer = self._buffer[:end], self._buffer[end:]
            out.extend(self._check(sentence))

    def finish(self) -> list[str]:
        sentence, self._buffer = self._buffer, ""
        return self._check(sentence) if sentence.strip() else []

    def _check(self, sentence: str) -> list[str]:
        cited = [int(n) for n in _MARKER.findall(sentence)]
        body = _MARKER.sub("", sentence).strip()
        if not cited or not body or any(not 1 <= n <= len(self.hits) for n in cited):
            return []
        sources = [_without_instructions(self.hits[n - 1].chunk.text) for n in dict.fromkeys(cited)]
        joined = _plain("".join(sources))
        if any(number not in joined for number in _NUMBER.findall(_plain(body))):
            return []
        if support(body, "".join(sources)) < _MIN_SUPPORT:
            return []
        for n in dict.fromkeys(cited):
            new = self._renumber.setdefault(n, len(self._renumber) + 1)
            passage = self.hits[n - 1].chunk.text
            best = max(split_sentences(passage), key=lambda s: support(body, passage[s[0] : s[1]]))
            quote = passage[best[0] : best[1]]
            if quote not in self._quotes.setdefault(new, []):
                self._quotes[new].append(quote)
        kept = _MARKER.sub(lambda m: f"[{self._renumber[int(m.group(1))]}]", sentence.strip())
        self._kept.append(kept)
        return [kept]

    def citations(self) -> list[Citation]:
        by_new = {new: old for old, new in self._renumber.items()}
        out = []
        for new in sorted(by_new):
            chunk = self.hits[by_new[new] - 1].chunk
            out.append(Citation.of(new, chunk, self._quotes[new]))
        return out
