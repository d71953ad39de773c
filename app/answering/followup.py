"""Follow-up questions made standalone from the conversation so far.

Only a question that depends on the previous turn inherits its topic: an
elliptical one (那…呢, …呢 on its own, a bare place, stage or year, few words or none naming a
thing) or
one that points back (这是哪个文件说的, 他们还一起干啥). Inheriting means: the
previous user question, with the place, school stage or year the follow-up
names put in place of the old ones, told before the follow-up's own words as
their context (玉泉区教师缺编多少人。教育集团有几个: what is asked now is the
last sentence, and the previous question weighs as a story's context does); a
question pointing back also gets the start of the previous answer, which is
what it points at.

A self-contained question keeps its own topic; when it names no place but
shares a word with the previous question, it keeps that question's place
(巡检次数有要求吗 after 玉泉区的巡检点). When it is not answered on its own,
the chat tries it once more completed (``follow_up``) and keeps that when it
does better: it leaned on the conversation after all (最后要形成个啥生态, after
玉泉区's 依法治教; 新学校主要往哪建, after 玉泉区要完全消除大班额吗).

With an LLM, the condense prompt (prompts/condense.md) rewrites the question
instead, and this rule is the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import accumulate

from app.answering.analysis import ORDINAL_UNITS, answer_type_of, renumbered, source_asked, without_question_words
from app.answering.models import Turn
from app.answering.scope import says_no_more
from ingest.zh.places import Gazetteer
from ingest.zh.stages import STAGE_WORDS, stage_words_in
from ingest.zh.tokens import ChineseTokenizer

_ELLIPSIS_START = re.compile(r"^(?:那么?|还有|另外|再问|如果是|换成|换到|要是|那如果)")
_ELLIPSIS_END = re.compile(r"(?:呢|怎么样|咋样|如何|又是多少)$")
_PRONOUN = re.compile(
    r"^这|这个|这些|这项|这种|这是|这里|这句|这段|这条|这话|这样|这么|那个|它|其中|他们|她们|上面|上述|刚才|前面"
)
_ANSWER_CHARS = 80
_OVER_THERE = re.compile(r"那边|这边|那头|那块儿?")  # after a place: the same question, asked of it
_YEAR = re.compile(r"(?:19|20)\d\d年?")
_PUNCT = re.compile(r"[\s？?。！!，,、~～]")
_FEW_WORDS = 2
_ASKS = re.compile(r"多少|几|什么|啥|哪|吗|怎么|如何|是否|有没有|能不能")
_MORE = re.compile(r"(?:还有|其他|其它|别的|另外)(?:的|别的|其他的|其他|什么|啥)?(?:吗|呢|没有|没|么|不)?")
_PARTICLES = re.compile(r"^[吗呢啊吧呀]+$")
_QUOTED = re.compile(r"[“\"「]([^”\"」]{1,12})[”\"」]")
_NUMERAL = "[\\d一二三四五六七八九十]"
_ORDINAL = re.compile(rf"第{_NUMERAL}+(?:{'|'.join(ORDINAL_UNITS)})")
# the item after or before the one asked by number (下一条, 再下一个, 上一项)
_NEXT_ITEM = re.compile(rf"(?:那|那么)?((?:再)?[上下](?:一)?)(?:{'|'.join(ORDINAL_UNITS)})")
_ASK_TAIL = re.compile(r"(?:是|讲的是|讲|说的是|说)?(?:什么|啥)(?:内容)?$")
# asking to be told more of what was named (第三个具体说说, 第三条讲的啥, 是什么意思)
_TELL_MORE = re.compile(
    r"(?:具体|详细|展开)?(?:说说|讲讲|介绍一下|说一下|讲一下|讲的?啥|讲的?是?什么|是?什么意思|指的?是?什么)$"
)
_HEADED_TERM = 4  # characters: a one-word term this long has a head word (家庭教育: 教育)
_SHORT_TERM = 6  # characters: a follow-up this short that names no place, stage or year names a term (那X呢)
_SHORT_ASK = 8  # characters: a question this short with no word of its own says nothing when said first


def _bare(question: str) -> str:
    return _PUNCT.sub("", question)


def depends_on_history(question: str, gazetteer: Gazetteer, tokenizer: ChineseTokenizer) -> bool:
    """Whether ``question`` cannot be understood without the previous turn: it points back at it, or it is
    elliptical."""
    return refers_back(question) or elliptical(question, gazetteer, tokenizer)


def elliptical(question: str, gazetteer: Gazetteer, tokenizer: ChineseTokenizer) -> bool:
    """Whether ``question`` leaves out what it is about (那初中呢, 还有吗, 具体怎么组织)."""
    bare = _bare(question)
    if _ELLIPSIS_START.match(bare) or _ELLIPSIS_END.search(bare):
        return True
    if _OVER_THERE.search(bare) and gazetteer.components_in(bare):
        return True  # 昆区那边占多少: the same question, of another place
    no_year = _YEAR.sub(" ", bare)
    rest = _without_subjects(no_year, gazetteer)
    # few words of its own, or none naming a thing: elliptical ("具体怎么组织？", "到2025年要达到多少",
    # "最后要实现啥"), unless it names a place or a stage it asks about ("乌海市有几所高中？"); a year alone is
    # not what is asked about
    names_subject = rest != no_year and _ASKS.search(rest)
    own = _own_words(rest, tokenizer)
    names_nothing = not set(own) & set(tokenizer.nouns(without_question_words(rest)))  # 最后要实现啥
    return (len(own) < _FEW_WORDS or names_nothing) and not names_subject


def says_nothing(question: str, gazetteer: Gazetteer, tokenizer: ChineseTokenizer) -> bool:
    """Whether ``question`` has no word of its own beyond a place, stage or year and leans on something said
    before (还有吗, 那初中呢, 玉泉区呢, 为什么): said first, with nothing before it to complete it, nothing can be
    looked up. A school stage asked about in a place (玉泉区有几所小学, 康巴什小学怎么样), or a place with a
    question word (昆区是哪里), is a question of its own."""
    bare = _bare(question)
    if len(bare) > _SHORT_ASK:
        return False
    core = _ELLIPSIS_END.sub("", _ELLIPSIS_START.sub("", bare))
    if _own_words(_without_subjects(_YEAR.sub(" ", core), gazetteer), tokenizer):
        return False
    if _ELLIPSIS_START.match(bare) or bare.endswith("呢") or asks_more(question):
        return True
    asks = bool(_ASKS.search(bare))
    return not stage_words_in(bare) and not (gazetteer.components_in(bare) and asks)


def _without_subjects(text: str, gazetteer: Gazetteer) -> str:
    """``text`` without the places and school stages it names."""
    rest = gazetteer.strip_places(text)
    for stage in STAGE_WORDS:
        rest = rest.replace(stage, " ")
    return rest


def _own_words(text: str, tokenizer: ChineseTokenizer) -> list[str]:
    return [w for w in tokenizer.content_words(without_question_words(text)) if len(w) > 1]


def asks_more(question: str) -> bool:
    """Whether ``question`` asks for more of what was just answered (还有吗, 其他的呢, 别的呢)."""
    return bool(_MORE.fullmatch(_bare(question)))


def refers_back(question: str) -> bool:
    """Whether ``question`` points at what was said before (这是哪个文件说的, 他们还一起干啥)."""
    return bool(_PRONOUN.search(_bare(question)))


def _replace(previous: str, found: list[str], new: list[str]) -> str:
    for i, old in enumerate(found):
        previous = previous.replace(old, new[0] if i == 0 else "")
    return previous


def standalone(
    question: str, history: Sequence[Turn], gazetteer: Gazetteer, tokenizer: ChineseTokenizer, follow_up: bool = False
) -> str:
    """``question`` completed from the previous user question when it depends on it (or, with ``follow_up``,
    whatever it looks like: it was not answered on its own); otherwise unchanged. The previous question is
    itself taken completed, so a chain of follow-ups keeps the topic (玉泉区小学学位缺多少 → 为什么？ → 那初中呢？)."""
    last = None
    for turn in history:
        if turn.role == "user":
            last = turn.content if last is None else _completed(turn.content, last, gazetteer, tokenizer)
    if last is None:
        return question
    completed = _completed(question, last, gazetteer, tokenizer, follow_up)
    if completed != question and refers_back(question) and (referent := _referent(history)):
        completed = f"{completed} {referent}"  # what 它 points at: the last answer's first quote
    return completed


def _referent(history: Sequence[Turn]) -> str:
    """What the last answer said, for a question pointing back at it: the start of its first quote, without the
    label, hedge or per-region heading that led it; nothing after a refusal (it said nothing)."""
    answers = [t.content for t in history if t.role == "assistant"]
    if not answers or says_no_more(answers[-1]):
        return ""
    said = (q for q in previous_quotes(history) if not q.endswith(("：", ":")))
    return next(said, "")[:_ANSWER_CHARS]


def _completed(
    question: str, last: str, gazetteer: Gazetteer, tokenizer: ChineseTokenizer, follow_up: bool = False
) -> str:
    """``question`` completed from ``last``, the previous (completed) user question."""
    if not follow_up and not depends_on_history(question, gazetteer, tokenizer):
        return _same_place(question, last, gazetteer, tokenizer)
    core = _ELLIPSIS_END.sub("", _ELLIPSIS_START.sub("", _bare(question))).replace("呢", " ")
    for kind, is_year in ((_YEAR.findall, True), (stage_words_in, False)):
        new, old = kind(core), kind(last)
        if new and old:
            last = _replace(last, old, new).replace("教育教育", "教育")  # 学前教育 → 义务教育, not 义务教育教育
            for n in new:
                core = core.replace(n, " ")
        elif new and is_year and not _YEAR.sub("", core).strip(" 到在的"):
            last, core = new[0] + last, ""  # 2025年呢, after a question with no year: that question, of 2025
    new_places = gazetteer.components_in(core)
    if new_places:
        old_names = gazetteer.mentions(last)
        last = _replace(last, old_names, new_places) if old_names else f"{new_places[0]}{last}"
        core = gazetteer.strip_places(core)
    core = _PARTICLES.sub("", core.strip())  # 还有吗: asks for more of the same, not yes or no
    bare_ask = _ASK_TAIL.sub("", _TELL_MORE.sub("", core))
    step = _NEXT_ITEM.fullmatch(bare_ask)
    if step and (moved := renumbered(last, step.group(1).count("下") - step.group(1).count("上"))) is not None:
        return moved  # 下一条呢, after 第五条: 第6条; 上一条呢: 第4条
    ordinal = _ORDINAL.fullmatch(bare_ask)
    if ordinal and not _ORDINAL.search(last):  # 第三个呢 / 第三个具体说说, after 六大工程是什么: its third item
        return f"{_ASK_TAIL.sub('', last.rstrip('？?。 '))}{ordinal.group(0)}是什么"
    if core and (swapped := _swap_term(last, core, tokenizer)) is not None:  # “1”是什么 → 那X呢: “X”是什么
        last, core = swapped, ""
    if _ASKS.search(core) and answer_type_of(core) != answer_type_of(last):
        last = without_question_words(last)  # it asks another way (为什么 after 缺多少): the previous gives the topic
    # told before the follow-up as its context: the follow-up is what is asked now, the previous question
    # weighs as a story's context does (split_ask), so its words do not make the old answer win again
    return f"{last.rstrip('？?。 ')}。{core}" if core else last


def _swap_term(previous: str, term: str, tokenizer: ChineseTokenizer) -> str | None:
    """``previous`` with the term that ``term`` parallels replaced by ``term``: the same word with another number
    (专栏3, for 专栏4), the quoted term most like it (“1”, for X), or the term with the same head word (运动技能,
    for 艺术技能; 学校教育, for 家庭教育). None when ``term`` is not a bare short term (it has a question word) or
    ``previous`` has nothing it parallels."""
    term = _ASK_TAIL.sub("", term).strip('“”"「」')  # 第二条是啥: the term is 第二条
    if not term or len(term) > _SHORT_TERM or _ASKS.search(term):
        return None
    # 专栏4 after 专栏3 (with or without quotes), 第二条 after 第一条
    numbered = re.fullmatch(rf"(\D*?)({_NUMERAL}+)(\D*)", term)
    if numbered and (numbered.group(1) or numbered.group(3)):
        head, tail = map(re.escape, (numbered.group(1), numbered.group(3)))
        if numbered.group(1) == "第" and numbered.group(3) in ORDINAL_UNITS:
            tail = "(?:" + "|".join(ORDINAL_UNITS) + ")"  # 第4个 after 第一条: the same list
        if same := re.search(rf"{head}{_NUMERAL}+{tail}", previous):
            return previous[: same.start()] + term + previous[same.end() :]
    quoted = [m for m in _QUOTED.finditer(previous) if term not in m.group(1)]
    if not quoted:
        return _swap_head(previous, term, tokenizer)
    # the most alike: characters shared (专栏4 for 专栏3), then length (X for 1), then the later one
    best = min(quoted, key=lambda m: (-len(set(m.group(1)) & set(term)), abs(len(m.group(1)) - len(term)), -m.start()))
    return previous[: best.start(1)] + term + previous[best.end(1) :]


def _swap_head(previous: str, term: str, tokenizer: ChineseTokenizer) -> str | None:
    """``previous`` with the term ending in ``term``'s head word replaced by ``term``: 艺术技能 for 运动技能, 家庭教育
    for 学校教育 (the head: the last word, or the last two characters of a one-word term). None when ``previous``
    has no term of the same length and head made of whole words, nor a word opening or ending with the head."""
    words = tokenizer.content_words(term)
    head = words[-1] if len(words) > 1 else term[-2:] if len(term) >= _HEADED_TERM else ""
    if len(head) < 2 or len(head) >= len(term) or term in previous:
        return None
    pieces = tokenizer.cut(previous)
    bounds = set(accumulate(map(len, pieces), initial=0))
    for match in re.finditer(re.escape(head), previous):
        start = match.end() - len(term)
        # whole words only: 课程思政 does not replace 泉区思政 of 玉泉区思政课
        if {start, match.end()} <= bounds and re.fullmatch(r"[\u4e00-\u9fff]+", previous[start : match.end()]):
            return previous[:start] + term + previous[match.end() :]
    # else a word opening or ending with the head: 课程思政 for 思政课
    for i, word in enumerate(pieces):
        if word != term and (word.startswith(head) or word.endswith(head)):
            return "".join(pieces[:i]) + term + "".join(pieces[i + 1 :])
    return None


_MARKER_SPLIT = re.compile(r"\[\d+\]|……|\n")
_MARKER = re.compile(r"\[\d+\]")
_MARKED = re.compile(r"([^\n\[\]]*)\[\d+\]")  # the text a citation marker closes
_LABEL_END = re.compile(r"：")  # a label (玉泉区《…》「section」：) ends with a full-width colon
_MIN_QUOTE = 8  # characters of a quote that identify its passage
_OWN_ASK = re.compile(r"多少|几|什么|啥|为什么|怎么|如何|是否|吗|有没有|能不能")


def previous_quotes(history: Sequence[Turn]) -> list[str]:
    """The quotes of the last answer, in the order it gave them (``quotes_of``)."""
    answers = [t.content for t in history if t.role == "assistant"]
    return quotes_of(answers[-1]) if answers else []


def cites(answer: str) -> bool:
    """Whether ``answer`` carries citation markers ([1]): one of ours, quoting the documents."""
    return bool(_MARKER.search(answer))


def listed_items(answer: str, indent: str) -> list[str]:
    """The items ``answer`` listed one per line (the lines opening with ``indent``), without citation marks."""
    return [_MARKER.sub("", line[len(indent) :]).strip() for line in answer.splitlines() if line.startswith(indent)]


def quotes_of(answer: str) -> list[str]:
    """The quotes of ``answer``, in the order it gave them: its text between citation markers, each without the
    label it was led by (玉泉区《…》（2022年7月）：), or whole when the colon may be the quote's own. In an answer
    with markers, text no marker closes (a hedge, a note on whose figure it is) is not a quote; an answer
    without any (one the client wrote) is all quote."""
    if _MARKER.search(answer):
        answer = "\n".join(m.group(1) for m in _MARKED.finditer(answer))
    quotes = []
    for piece in _MARKER_SPLIT.split(answer):
        piece = piece.strip()
        labelled = _LABEL_END.search(piece)
        for text in (piece[labelled.end() :] if labelled else "", piece):
            if len(text) >= _MIN_QUOTE:
                quotes.append(text)
    return list(dict.fromkeys(quotes))


def only_where_asked(question: str) -> str | None:
    """For a question asking only where something is said (这个数出自哪篇报道, 出自哪一部分): the rest of it,
    without the asking (这个数, ""); None for any other question, including one of its own that also asks for a
    source (这个缺口怎么解决，哪个文件里有说法)."""
    where = source_asked(question)
    if where is None:
        return None
    rest = question[: where.start()] + question[where.end() :]
    return None if _OWN_ASK.search(rest) else rest


def _same_place(question: str, last: str, gazetteer: Gazetteer, tokenizer: ChineseTokenizer) -> str:
    """A self-contained question that names no place but goes on about the previous topic (shares a word
    with it: 巡检 after a question on 玉泉区's 巡检点) keeps the previous question's place."""
    places = gazetteer.mentions(last)
    if not places or gazetteer.components_in(question):
        return question
    previous_words = {w for w in tokenizer.content_words(gazetteer.strip_places(last)) if len(w) > 1}
    if previous_words & {w for w in tokenizer.content_words(question) if len(w) > 1}:
        return f"{places[0]}{question}"
    return question
