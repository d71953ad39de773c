"""Strip web-page chrome and repeated header blocks from a document's text, keeping the body.

Rules are line based and conservative: a line is dropped only when it matches a
chrome pattern (navigation, logo, breadcrumb, disclaimer, keyword list, file
metadata block, table of contents), and a tail block (after 责任编辑, 上一篇,
文件下载 …) is cut only when no body paragraph follows it.

Body text is never lost to a rule: a long line that matches a chrome pattern —
a scraped notice stored as one line, whose breadcrumb or "门户网站" footer sits in
the same line as the body — is not dropped whole; only its chrome segments are.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.zh.sentences import heading_of

_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u200b]+")

# Labels of the metadata table government sites print above a document.
_GOV_LABEL = (
    r"(?:索\s*引\s*号|主\s*题\s*分\s*类|发\s*布\s*机\s*构|文\s*号|成\s*文\s*日\s*期|公\s*文\s*时\s*效|"
    r"发\s*布\s*日\s*期|发\s*布\s*时\s*间|来\s*源|有\s*效\s*性|生\s*效\s*日\s*期|废\s*止\s*日\s*期|"
    r"信\s*息\s*名\s*称|发\s*文\s*机\s*关|发\s*文\s*字\s*号|主\s*题\s*词|公\s*开\s*方\s*式|浏览次数|阅读次数)"
)
_GOV_META_LINE = re.compile(rf"^(?:(?:https?://\S+\s*)?{_GOV_LABEL}(?:[:：]|\s|$)[^。]{{0,40}}?)+$")
# 发布日期: 2022-07-04 14:40 来源: 政府办公室 — the one metadata line a reader asks about (when was it published,
# by whom): kept once, without its URL, so it can be quoted
PUBLICATION_LINE = re.compile(r"发\s*布\s*(?:日\s*期|时\s*间)\s*[:：]?\s*\d{4}")
_URL = re.compile(r"https?://\S+\s*")

_CHROME_LINE = [
    re.compile(p)
    for p in (
        r"^.{0,20}(?:logo|LOGO|Logo)$",
        r"^.{0,40}(?:>|»|＞|›).{0,40}(?:>|»|＞|›).{0,40}$",  # breadcrumb: 首页 > 教育 > 正文
        r"^.{0,30}(?:当前位置|您的位置)[:：]",
        r"^.{0,60}(?:门户网站|版权所有|©|Copyright|ICP备|网站地图|联系我们|主办单位|技术支持)",
        r"^(?:责任编辑|编辑|审核|校对|作者|记者|通讯员)[:：].{0,20}$",
        r"^.{0,10}(?:上一篇|下一篇|上一条|下一条)[:：]?",
        r"^\s*免责声明",
        r"^.{0,40}(?:推荐您阅读|以下文章|以下词汇|相关阅读|推荐阅读|延伸阅读|相关新闻|热点推荐)[:：]?$",
        r"^(?:更多|最新推荐|图文资讯|打印本页|关闭窗口|【打印】|【关闭】|分享到.{0,20}|字号[:：].{0,10}|扫一扫.{0,20})$",
        r"^(?:文件下载|附件下载|附件[:：]?)$",
    )
]
# A keyword list: 内蒙古,包头市,五大工程,孩子,… (many short items, no sentence).
_KEYWORD_LIST = re.compile(r"^(?:[^,，、。\s]{1,8}[,，、]){4,}[^,，、。\s]{1,8}$")

_TAIL_MARKER = re.compile(
    r"^(?:责任编辑|免责声明|.{0,10}上一篇|.{0,10}上一条|文件下载|附件下载|相关阅读|推荐阅读|"
    r".{0,20}推荐您阅读)"
)
_TOC_TITLE = re.compile(r"^目\s*录$")


def normalise_whitespace(text: str) -> str:
    """Unify line ends and spaces; keep characters otherwise as the source wrote them."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


def is_chrome_line(line: str) -> bool:
    if _GOV_META_LINE.match(line) and len(line) <= 80:
        return True
    return any(p.search(line) for p in _CHROME_LINE) or bool(_KEYWORD_LIST.match(line))


def is_body_paragraph(line: str) -> bool:
    """A line that reads like running text of the document, not page furniture."""
    return len(line) >= 40 and any(c in line for c in "。；;！？") and not is_chrome_line(line)


def _drop_leading_category(lines: list[str]) -> list[str]:
    """A site category label (such as 历史规划) above a government metadata block is chrome."""
    for i, line in enumerate(lines[:15]):
        if _GOV_META_LINE.match(line):
            return [ln for j, ln in enumerate(lines) if j >= i or len(ln) > 8]
    return lines


def _drop_table_of_contents(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _TOC_TITLE.match(lines[i]):
            j = i + 1
            while j < len(lines) and (not lines[j] or (heading_of(lines[j]) is not None and "。" not in lines[j])):
                j += 1
            if j > i + 2:  # a real TOC lists several headings
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


_MIN_BODY = 20  # characters of a non-chrome line that make it body text
_LONG_LINE = 200  # a line this long is (or holds) body text: cleaned within, never dropped whole
_SEGMENT = re.compile(r"[^。！？!?；;\s]*(?:[。！？!?；;]+|\s+|$)")
_INLINE_BREADCRUMB = re.compile(
    r"(?:(?:当前位置|您的位置)[:：]\s*)?[^\s>»＞›]{1,12}(?:\s*[>»＞›]\s*[^\s>»＞›]{1,12}){2,}"
)
_WORD = re.compile(r"[\w\u4e00-\u9fff]")


def _strip_inline_chrome(line: str) -> str:
    """A line without its chrome segments (a breadcrumb, and sentences or space-separated runs that are chrome)."""
    line = _INLINE_BREADCRUMB.sub(" ", line)
    kept = [seg for seg in _SEGMENT.findall(line) if _WORD.search(seg) and not is_chrome_line(seg.strip())]
    return "".join(kept).strip()


def _cut_tail(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if i > 0 and _TAIL_MARKER.match(line) and not any(is_body_paragraph(ln) for ln in lines[i + 1 :]):
            return lines[:i]
    return lines


def _publication_line(lines: list[str]) -> str | None:
    """The first metadata line stating when the document was published, without its URL."""
    for line in lines[:40]:
        if _GOV_META_LINE.match(line) and PUBLICATION_LINE.search(line):
            return _URL.sub("", line).strip()
    return None


# a paragraph of running text (it has a clause break) that stops mid-sentence, and the line that goes on with it
_STOPS_MID_SENTENCE = re.compile(r"[，,].*[\u4e00-\u9fff\w]$")
_GOES_ON = re.compile(r"^[\u4e00-\u9fff\d]")
_NEW_ITEM = re.compile(r"^[一二三四五六七八九十]+是|^——")
_CAPTION = re.compile(r"^[^，,。]{4,40}。$")  # a short sentence of its own (a photo caption: 某校举办…活动。)


def _join_broken_paragraphs(lines: list[str]) -> list[str]:
    """Lines with a paragraph broken mid-sentence (a page break in the source: "…各类培训达" then
    "1700多场,受益家长达3万多人。") joined, so the sentence, and its figure, can be quoted whole. A photo caption
    standing in the break (a short sentence of its own) goes after the joined paragraph. Headings, new items
    (二是…), metadata and chrome lines are never joined."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if out and _stops_mid_sentence(out[-1]):
            if _goes_on(line):
                out[-1] += line
                i += 1
                continue
            if _is_caption(line) and i + 1 < len(lines) and _goes_on(lines[i + 1]):
                out[-1] += lines[i + 1]
                out.append(line)
                i += 2
                continue
        out.append(line)
        i += 1
    return out


def _stops_mid_sentence(line: str) -> bool:
    return len(line) >= _MIN_BODY and bool(_STOPS_MID_SENTENCE.search(line)) and heading_of(line) is None


def _goes_on(line: str) -> bool:
    return (
        bool(_GOES_ON.match(line))
        and not _NEW_ITEM.match(line)
        and heading_of(line) is None
        and not is_chrome_line(line)
        and not PUBLICATION_LINE.search(line)
        and not _CAPTION.match(line)
    )


def _is_caption(line: str) -> bool:
    return bool(_CAPTION.match(line)) and not _NEW_ITEM.match(line) and heading_of(line) is None


def clean_text(text: str) -> str:
    """Return the document body: chrome removed, paragraphs one per line, no blank runs. The publication line
    (发布日期: … 来源: …) is kept, once, after the title."""
    lines = normalise_whitespace(text).split("\n")
    published = _publication_line(lines)
    lines = _drop_leading_category([ln for ln in lines if ln])
    lines = _drop_table_of_contents(lines)
    lines = _cut_tail(lines)
    chrome = [is_chrome_line(ln) for ln in lines]
    # chrome lines are dropped whole only beside other body text; otherwise (a one-line notice) and in long
    # lines, only the chrome inside them goes
    body_elsewhere = any(not c and len(ln) >= _MIN_BODY for ln, c in zip(lines, chrome, strict=True))
    kept = [
        _strip_inline_chrome(ln) if c and (len(ln) > _LONG_LINE or not body_elsewhere) else ln
        for ln, c in zip(lines, chrome, strict=True)
        if not c or len(ln) > _LONG_LINE or not body_elsewhere
    ]
    kept = _join_broken_paragraphs([ln for ln in kept if ln])
    if published and body_elsewhere and kept and published not in kept:
        kept.insert(1, published)
    return "\n".join(kept)
