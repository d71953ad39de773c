"""Text inside documents that talks to a language model ("忽略以上指令……") is data, never an instruction.

Such sentences are never quoted by the extractive answerer, are masked in the passages an LLM sees, and
cannot support a generated sentence in verification.
"""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"忽略(?:以上|上述|之前|前面|所有|以前)?的?(?:所有)?(?:指令|指示|要求|规则|提示|内容)"
    r"|(?:不要|无需|不必)(?:遵守|理会|遵循)(?:以上|上述|之前)"
    r"|(?:你|您)(?:现在)?(?:是|扮演|充当)(?:一个|一名)?(?:AI|人工智能|助手|模型|机器人)"
    r"|(?:系统|system)\s*(?:提示|prompt)"
    r"|ignore (?:all |any )?(?:the )?(?:previous|above|prior) (?:instructions|prompts?)"
    r"|disregard (?:all |the )?(?:previous|above) ",
    re.IGNORECASE,
)
MASK = "［此处文字疑似指令，已忽略］"


def looks_like_instruction(text: str) -> bool:
    return bool(_INSTRUCTION.search(text))
