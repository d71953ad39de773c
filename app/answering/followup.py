"""Follow-up questions made standalone from the conversation so far.

Only a question that depends on the previous turn inherits its topic: an
elliptical one (那…呢, …呢 on its own, a bare place, stage or year, a pronoun
such as 这个/它/其中 with little else). A self-contained question never does,
whatever came before. Inheriting means: the previous user question, with the
place, school stage or year the follow-up names put in place of the old ones,
and the follow-up's own words put first (they say what is asked now).

With an LLM, the condense prompt (prompts/condense.md) rewrites the question
instead, and this rule is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.answering.models import Turn
from index.tokenize import ChineseTokenizer
from ingest.regions import Gazetteer

_ELLIPSIS_START = re.compile(r"^(?:那么?|还有|另外|再问|如果是|换成|换到|要是|那如果)")
_ELLIPSIS_END = re.compile(r"(?:呢|怎么样|咋样|如何|又是多少|是多少)$")
_PRONOUN = re.compile(r"这个|这些|这项|这是|那个|它|其中|他们|上面|刚才|前面|该")
_STAGES = ("幼儿园", "学前", "小学", "初中", "高中", "中职", "职高", "职业教育", "大学", "特殊教育", "义务教育")
_YEAR = re.compile(r"(?:19|20)\d\d年?")
_PUNCT = re.compile(r"[\s？?。！!，,、~～]")
_FEW_WORDS = 2


def _bare(question: str) -> str:
    return _PUNCT.sub("", question)


def depends_on_history(question: str, gazetteer: Gazetteer, tokenizer: ChineseTokenizer) -> bool:
    """Whether ``question`` is elliptical: it cannot be understood without the previous turn."""
    bare = _bare(question)
    if _ELLIPSIS_START.match(bare) or _ELLIPSIS_END.search(bare):
        return True
    rest = gazetteer.strip_places(_YEAR.sub(" ", bare))
    for stage in _STAGES:
        rest = rest.replace(stage, " ")
    words = [w for w in tokenizer.content_words(rest) if len(w) > 1]
    return len(words) < _FEW_WORDS or bool(_PRONOUN.search(bare) and len(words) <= 3)


def _replace(previous: str, found: list[str], new: list[str]) -> str:
    for i, old in enumerate(found):
        previous = previous.replace(old, new[0] if i == 0 else "")
    return previous


def standalone(question: str, history: Sequence[Turn], gazetteer: Gazetteer, tokenizer: ChineseTokenizer) -> str:
    """``question`` completed from the previous user question when it depends on it; otherwise unchanged."""
    previous = [t.content for t in history if t.role == "user"]
    if not previous or not depends_on_history(question, gazetteer, tokenizer):
        return question
    last = previous[-1]
    core = _ELLIPSIS_END.sub("", _ELLIPSIS_START.sub("", _bare(question)))
    for kind in (_YEAR.findall, lambda t: [s for s in _STAGES if s in t]):
        new, old = kind(core), kind(last)
        if new and old:
            last = _replace(last, old, new)
            for n in new:
                core = core.replace(n, " ")
    new_places = gazetteer.components_in(core)
    if new_places:
        old_names = gazetteer.mentions(last)
        last = _replace(last, old_names, new_places) if old_names else f"{new_places[0]}{last}"
        core = gazetteer.strip_places(core)
    core = core.strip()
    return f"{core} {last}".strip() if core else last
