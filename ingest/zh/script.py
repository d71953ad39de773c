"""Traditional characters written as Simplified ones (玉泉區 → 玉泉区), with OpenCC's t2s table.

The documents are in Simplified Chinese; a question typed in Traditional characters (a phone set to 繁體)
is converted before it is analysed and searched, so 玉泉區有多少所幼兒園 finds what 玉泉区有多少所幼儿园 finds.
Quotes are never converted: they stay exact substrings of the documents.
"""

from __future__ import annotations

from functools import cache

import opencc


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")


def to_simplified(text: str) -> str:
    """``text`` with Traditional characters replaced by Simplified ones (Simplified text is unchanged)."""
    return _converter().convert(text)
