"""Follow-up questions ("那初中呢？") made standalone using the conversation so far.

Without an LLM, the place and the topic words of the last user question are
carried forward; a school stage named in the follow-up (初中) replaces the one it
had (小学). With an LLM, the condense prompt (prompts/condense.md) rewrites the
question, and the carry-over rule is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.answering.models import Turn
from index.tokenize import ChineseTokenizer
from ingest.regions import Gazetteer

_FOLLOWUP_START = ("那", "那么", "还有", "另外", "再问", "如果是", "换成")
_STAGES = ("幼儿园", "学前", "小学", "初中", "高中", "中职", "职高", "职业", "大学", "特殊教育")
_PUNCT = re.compile(r"[\s？?。！!，,、]")
_SHORT = 12


def is_followup(question: str) -> bool:
    bare = _PUNCT.sub("", question)
    return len(bare) <= _SHORT or bare.startswith(_FOLLOWUP_START) or bare.endswith("呢")


def carry_over(question: str, history: Sequence[Turn], gazetteer: Gazetteer, tokenizer: ChineseTokenizer) -> str:
    """``question`` plus the place and topic of the previous user question, when it is a follow-up."""
    previous = [t.content for t in history if t.role == "user"]
    if not previous or not is_followup(question):
        return question
    last = previous[-1]
    extra: list[str] = []
    if not gazetteer.components_in(question):
        extra.extend(gazetteer.components_in(last))
    names_stage = any(stage in question for stage in _STAGES)
    for word in tokenizer.content_words(gazetteer.strip_places(last)):
        if names_stage and any(stage in word for stage in _STAGES):
            continue
        if word not in question and word not in extra:
            extra.append(word)
    return " ".join([question.strip(), *extra])
