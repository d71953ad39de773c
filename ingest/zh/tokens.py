"""Chinese words: jieba search-mode cut (for the keyword index) and precise cut (for question analysis), with
a policy-term user dictionary, stop words and punctuation removed, Latin text lower-cased."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cached_property
from pathlib import Path

import jieba
import jieba.posseg

from ingest.zh.synonyms import HAND_LIST, read_hand_list

_HERE = Path(__file__).parent
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff%％]")
# jieba's part-of-speech tags of words that qualify or relate, and name nothing: adverbs (一直, 到底),
# prepositions (由, 比照), time and direction words (现在, 最后), pronouns, conjunctions, particles, adjectives
# and distinguishing words (具体, 主要), numerals and measure words
_FUNCTION_TAGS = frozenset(["d", "p", "f", "t", "r", "c", "u", "a", "ad", "b", "m", "q"])

jieba.setLogLevel(logging.WARNING)


class ChineseTokenizer:
    """jieba with our user dictionary, in its own ``jieba.Tokenizer`` (no global state)."""

    def __init__(
        self,
        user_dict: Path = _HERE / "userdict.txt",
        stopwords: Path = _HERE / "stopwords.txt",
        synonyms: Path = HAND_LIST,
    ):
        self.user_dict = user_dict
        self.stopwords = frozenset(stopwords.read_text(encoding="utf-8").split())
        self.expansions = read_hand_list(synonyms)

    @cached_property
    def _jieba(self) -> jieba.Tokenizer:
        tokenizer = jieba.Tokenizer()
        tokenizer.load_userdict(str(self.user_dict))
        return tokenizer

    @cached_property
    def _tagger(self) -> jieba.posseg.POSTokenizer:
        return jieba.posseg.POSTokenizer(self._jieba)

    def names_nothing(self, word: str) -> bool:
        """Whether ``word`` is a function word by its part of speech (一直, 由, 最后, 具体): it qualifies what
        is asked and names no thing a sentence could state."""
        tags = {pair.flag for pair in self._tagger.cut(word)}
        return bool(tags) and tags <= _FUNCTION_TAGS

    def nouns(self, text: str) -> list[str]:
        """The words of ``text`` that name a thing by their part of speech (学校, 经费, 目标; not 实现, 最后)."""
        return [pair.word for pair in self._tagger.cut(text) if pair.flag.startswith("n") or pair.flag == "vn"]

    def dictionary_frequency(self, word: str) -> int | None:
        """How often jieba's dictionary counts ``word`` (None: not a dictionary word)."""
        self._jieba.check_initialized()
        return self._jieba.FREQ.get(word)

    def tokenize(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        return [
            token
            for token in self._jieba.cut_for_search(text)
            if token.strip() and token not in self.stopwords and _WORDLIKE.search(token)
        ]

    def cut(self, text: str) -> list[str]:
        """Every piece of ``text`` in jieba's precise mode, in order: joined, they give ``text`` back."""
        return list(self._jieba.cut(text))

    def content_words(self, text: str) -> list[str]:
        """Words of ``text`` in jieba's precise mode (no overlapping sub-words), stop words removed."""
        text = unicodedata.normalize("NFKC", text).lower()
        return [
            word
            for word in (w.strip() for w in self._jieba.cut(text))
            if word and word not in self.stopwords and _WORDLIKE.search(word)
        ]

    def query_tokens(self, query: str) -> list[str]:
        """Tokens of a question, plus the official terms for the everyday words it uses (外地户口 → 随迁子女)."""
        tokens = self.tokenize(query)
        extra = [t for term, official in self.expansions.items() if term in query for t in official]
        return tokens + [t for t in dict.fromkeys(extra) if t not in tokens]
