"""Step 2, scope: questions the corpus cannot be about, refused before any evidence is weighed.

A question (or the ``region`` field) that names a place no indexed document is
about, nor an area containing it (上海, 赛罕区 when only 玉泉区 is indexed), is
refused with the list of places the corpus does cover; so is a question naming
another place than the ``region`` field allows (昆区 asked, only 玉泉区 searched). Documents whose region is
unknown do not make a place "covered" — but they are never dropped from the
evidence either: only documents known to be about a *different* place are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.retrieve import Hit, HybridRetriever, SearchFilters
from ingest.zh.places import region_tier, split_region

REFUSAL_OPENING = "现有政策文件中没有"  # how every refusal text opens (so a follow-up can tell one was given)
REFUSAL_PLACE = (
    REFUSAL_OPENING + "{place}的相关规定（目前收录的文件来自：{covered}）。{place}的情况建议咨询当地教育局。"
)

REFUSAL_OTHER_REGION = (
    REFUSAL_OPENING + "{place}的相关内容：这里只查{region}的文件。想了解{place}，请去掉地区限制再问。"
)
UNCLEAR = "请把问题说完整一些，写明想了解的地区和事情，例如“玉泉区小学学位缺多少？”"
NOT_CHINESE = "收录的政策文件都是中文的，请用中文提问，例如“康巴什每年招多少老师？”"
NO_SOURCE = "上一条回答没有引用任何文件，所以没有出处。可以直接问想了解的政策内容。"
# a source asked for a statement of the last answer (written by the client, not quoted by us) no document holds
NOT_SAID = REFUSAL_OPENING + "找到上一条回答里的这个说法（“{claim}”）。请以文件原文为准，可以直接问想了解的政策内容。"
UNKNOWN_REGION = "所选地区"
GREETING = "你好！我可以回答收录的教育政策文件里的问题，例如“玉泉区小学学位缺多少？”“康巴什课后服务必须参加吗？”"
THANKS = "不客气！还有其他教育政策的问题，可以接着问。"  # also for 好的, 知道了
# a message that is only a greeting, thanks or "who are you": answered in kind, not searched for
_GREETING = re.compile(
    r"^(?:你好|您好|哈喽|嗨|hi|hello|在吗|在不在|有人吗|你是谁|您是谁|你能做什么|你会什么)[啊呀呢吗哈～~]*$", re.I
)
_THANKS = re.compile(r"^(?:谢谢|多谢|感谢|谢啦|辛苦了|好的|知道了|明白了|ok|okay)(?:你|您|啦|了)?[啊呀哈～~]*$", re.I)
_BARE = re.compile(r"[\s，,。.！!？?]")


def small_talk(question: str) -> Refusal | None:
    """A greeting or thanks said on its own (你好, 谢谢), answered in kind instead of "nothing found"."""
    bare = _BARE.sub("", question)
    if _GREETING.match(bare):
        return Refusal(GREETING, "small_talk")
    if _THANKS.match(bare):
        return Refusal(THANKS, "small_talk")
    return None


def says_no_more(answer: str) -> bool:
    """Whether ``answer`` is one of ours that states nothing from the documents: a refusal, or a request to ask
    again (a follow-up pointing back at it points at nothing)."""
    return answer.startswith(REFUSAL_OPENING) or answer in (UNCLEAR, NOT_CHINESE, NO_SOURCE, GREETING, THANKS)


@dataclass(frozen=True)
class Refusal:
    text: str
    reason: str


def covered_places(retriever: HybridRetriever) -> str:
    return "、".join(sorted({split_region(r)[-1] for r in retriever.covered_regions})) or "未注明地区的文件"


_PLACE_WORD = re.compile(r"^[\u4e00-\u9fff]{2,8}(?:省|市|区|县|旗|盟)$")
_NOT_A_PLACE = re.compile(
    r"^(?:全|本|我|各|外|城|市|学|片|社|小|园|校|辖|新|郊|山|牧|农|矿|街|老|景|县|超|都|城市|城乡)(?:省|市|区|县|旗|盟)$"
    r"|(?:地区|示范区|试验区|实验区|开发区|功能区|保护区|先行区|集聚区|城区|片区|学区|校区|园区|社区|小区|新区)$"
)


def unknown_places(question: str, retriever: HybridRetriever) -> list[str]:
    """Place-like words (南山区, 达拉特旗 …) that the gazetteer does not know and no passage mentions."""
    keyword = retriever.index.keyword_index
    words = keyword.tokenizer.content_words(retriever.gazetteer.strip_places(question))
    return [
        w
        for w in words
        if _PLACE_WORD.match(w)
        and not _NOT_A_PLACE.search(w)
        and not keyword.has_term(w)
        and not keyword.has_term(w[:-1])
    ]


def place_refusal(
    retriever: HybridRetriever, places: list[tuple[str, ...]], region: str | None, question: str = ""
) -> Refusal | None:
    """A refusal when a place the question names (``places``) or the ``region`` searched is one no document
    covers, or the question names a place outside that region; ``None`` when in scope."""
    path = retriever.gazetteer.resolve(region) if region else None
    if region and not retriever.matches_any(SearchFilters(region=region)):
        # the place's own name when it is one; never the field's text itself (it is the client's, not a place)
        named = path[-1] if path else UNKNOWN_REGION
    elif places and retriever.covered_regions and not retriever.covers(places):
        named = "、".join(p[-1] for p in places)
    elif path and places and not any(region_tier("".join(path), p) for p in places):
        # 昆区 asked where only 玉泉区's documents are searched: they cannot be about it
        asked = "、".join(p[-1] for p in places)
        return Refusal(REFUSAL_OTHER_REGION.format(place=asked, region=path[-1]), "place_not_covered")
    elif not region and not places and (unknown := unknown_places(question, retriever)):
        named = "、".join(unknown)
    else:
        return None
    return Refusal(REFUSAL_PLACE.format(place=named, covered=covered_places(retriever)), "place_not_covered")


def in_jurisdiction(hits: list[Hit], places: list[tuple[str, ...]]) -> list[Hit]:
    """``hits`` without passages of documents known to be about a place other than the one named."""
    if not places:
        return hits
    return [h for h in hits if h.region_tier > 0 or h.chunk.metadata.region is None]
