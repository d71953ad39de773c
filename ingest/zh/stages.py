"""School stages and the words that name them (幼儿园 and 学前 are one stage; 义务教育 spans 小学 and 初中)."""

from __future__ import annotations

import re

STAGES: dict[str, tuple[str, ...]] = {
    "学前": ("幼儿园", "学前", "入园", "幼儿"),
    "小学": ("小学",),
    "初中": ("初中", "初级中学"),
    "高中": ("高中",),
    "中职": ("中职", "职高", "中等职业", "职业教育", "职业学校"),
    "特殊教育": ("特殊教育", "特教"),
    "义务教育": ("义务教育",),
    "中小学": ("中小学",),
    "高等教育": ("大学", "高校", "高等教育"),
}
STAGE_WORDS = tuple(word for words in STAGES.values() for word in words)
_SPANS = {"义务教育": frozenset({"小学", "初中"}), "中小学": frozenset({"小学", "初中", "高中"})}  # covers others
_CLAUSE = re.compile(r"[^，,；;。：:]+")
_FIGURE = re.compile(r"\d")
_TOTAL = re.compile(r"共计|合计|总计|总数|共有|一共")


def stage_words_in(text: str) -> list[str]:
    """The words naming a stage in ``text``, a word inside a longer one found left out (幼儿园, not also 幼儿)."""
    found = [w for w in STAGE_WORDS if w in text]
    return [w for w in found if not any(w != longer and w in longer for longer in found)]


def stages_in(text: str) -> frozenset[str]:
    """The stages ``text`` names."""
    return frozenset(stage for stage, words in STAGES.items() if any(w in text for w in words))


def _widened(stages: frozenset[str]) -> set[str]:
    return set(stages) | {s for n in stages for s in _SPANS.get(n, ())}


def figure_of_another_stage(asked: frozenset[str], sentence: str, about: tuple[str, ...]) -> bool:
    """Whether every figure ``sentence`` gives for what is asked ``about`` (a clause with a figure and one of
    those words) stands in a clause about another stage than the ``asked`` ones: 小学 asked, and
    "公办初中只能提供2800个学位,每个年级缺口为1400个" gives 初中's. A clause that names no stage takes the stage of
    the clause before it."""
    if not asked:
        return False
    wanted = _widened(asked)
    current: frozenset[str] = frozenset()
    verdicts = []
    for clause in _CLAUSE.findall(sentence):
        current = stages_in(clause) or current
        if _FIGURE.search(clause) and any(word in clause for word in about):
            verdicts.append(bool(current) and not (_widened(current) & wanted))
    return bool(verdicts) and all(verdicts)


def about_another_stage(asked: frozenset[str], sentence: str) -> bool:
    """Whether ``sentence`` names only stages other than the ``asked`` ones (义务教育 asked:
    "学前教育在“三抓”上下功夫"), either side widened (义务教育 covers 小学, so a sentence on 小学 is not another
    stage's). False when either names none."""
    named = stages_in(sentence)
    return bool(asked) and bool(named) and not (_widened(named) & _widened(asked))


def total_over_stages(asked: frozenset[str], sentence: str) -> bool:
    """Whether a figure of ``sentence`` is a total over several stages, the one asked among them, and the asked
    one's own figure is not given (幼儿园 asked: "全区公办中小学、幼儿园、特殊教育学校教师缺编共计719名" does not say
    幼儿园's part; "中小学、幼儿园共有27所(中学5所…;小学8所…)" says 小学's)."""
    if len(asked) != 1 or _own_figure(next(iter(asked))).search(sentence):
        return False
    wanted = _widened(asked)
    for clause in _CLAUSE.findall(sentence):
        named = stages_in(clause)
        if len(named) >= 2 and _FIGURE.search(clause) and _TOTAL.search(clause) and _widened(named) & wanted:
            return True
    return False


def _own_figure(stage: str) -> re.Pattern[str]:
    """A word naming ``stage`` with a figure right after it (小学24所), not inside a longer one (中小学)."""
    words = "|".join(STAGES[stage])
    return re.compile(rf"(?<![中初高])(?:{words})[^，,；;。、\d]{{0,2}}\d")
