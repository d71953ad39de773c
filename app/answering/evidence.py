"""What a question asks about, and how much of it a passage or sentence covers.

A question is reduced to *concepts*: its content words (place names and question
words removed), each weighted by how rare it is in the corpus (BM25 idf), with an
everyday word also matched by its official terms (外地户口 ≈ 随迁子女, from
index/synonyms.txt). A concept is found in a text when any of its forms occurs
there as a substring, which is robust to word segmentation. Coverage is the
weighted share of concepts found. Words the corpus never uses weigh most, so a
question about 保教费 or 录取分数线 that the documents never mention covers little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.retrieve import HybridRetriever

_LEADING_QUANTIFIER = re.compile(r"^(?:几|多少)")
_TRAILING_PARTICLE = re.compile(r"(?<=.)[了过着的]$")
_ASKS_NUMBER = re.compile(r"多少|几|哪一?年|什么时候|何时|比例|占比|多大|多长|多久|百分之|数量|人数|规模")
_ASKED_UNIT = re.compile(r"(?:多少|几)(个|所|名|人|项|元|万元|亿元|岁|班|次|天|年|批|家|条|种|万|钱|点)")
_SAME_UNIT = {
    "人": "人|名",
    "名": "人|名",
    "个": "个|所|名|项",
    "钱": "元|万元|亿元",
    "点": "点|时|[:：]\\d",
}
# Chinese numerals, but not a lone 一 (每一所学校, 一所学校 are not counts)
_CHINESE_NUMBER = (
    "(?:[〇零二三四五六七八九十百千万两][〇零一二三四五六七八九十百千万两]*|一[〇零一二三四五六七八九十百千万两]+)"
)
_SINGLE_CHAR_WEIGHT = 0.3
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Concept:
    forms: tuple[str, ...]
    weight: float

    def found_in(self, text: str) -> bool:
        return any(form in text for form in self.forms)


@dataclass(frozen=True)
class QuestionAnalysis:
    question: str
    concepts: tuple[Concept, ...]
    places: tuple[tuple[str, ...], ...]
    asks_number: bool
    unit: str | None = None

    def coverage(self, text: str) -> float:
        """Weighted share of the question's concepts found in ``text`` (0 to 1)."""
        total = sum(c.weight for c in self.concepts)
        if total == 0:
            return 0.0
        return sum(c.weight for c in self.concepts if c.found_in(text)) / total

    def has_digits(self, text: str) -> bool:
        return bool(_DIGIT.search(text))

    def states_quantity(self, text: str) -> bool:
        """Whether ``text`` gives the kind of figure asked for: a number with the unit asked about
        (多少所 → 27所; 多少人 → 719名; 几年 → 十年), or any number when the question names no unit."""
        if not self.asks_number:
            return False
        if self.unit is None:
            return self.has_digits(text)
        units = _SAME_UNIT.get(self.unit, re.escape(self.unit))
        return bool(re.search(rf"(?:\d[\d.,\-—~%]*|{_CHINESE_NUMBER})\s*(?:余|多)?(?:{units})", text))


def analyse_question(question: str, retriever: HybridRetriever) -> QuestionAnalysis:
    keyword = retriever.index.keyword_index
    tokenizer = keyword.tokenizer
    rest = retriever.gazetteer.strip_places(question)
    groups: list[tuple[str, ...]] = []
    for term, official in tokenizer.expansions.items():
        if term in rest:
            groups.append((term, *official))
            rest = rest.replace(term, " ")
    for word in tokenizer.content_words(rest):
        word = _TRAILING_PARTICLE.sub("", _LEADING_QUANTIFIER.sub("", word) or word)
        if word not in tokenizer.stopwords and all(word not in g for g in groups):
            groups.append((word,))
    concepts = []
    for forms in dict.fromkeys(groups):
        weight = float(max(keyword.idf(list(forms))))
        if len(forms[0]) == 1 and not forms[0].isdigit():
            weight *= _SINGLE_CHAR_WEIGHT
        concepts.append(Concept(forms, weight))
    return QuestionAnalysis(
        question=question,
        concepts=tuple(concepts),
        places=tuple(retriever.named_places(question)),
        asks_number=bool(_ASKS_NUMBER.search(question)),
        unit=unit.group(1) if (unit := _ASKED_UNIT.search(question)) else None,
    )
