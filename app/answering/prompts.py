"""Prompts live as files in prompts/ and are loaded by name; this module only fills them in.

A prompt file has ``## system`` and ``## user`` sections; ``{question}``,
``{passages}`` and ``{history}`` are replaced in one pass, so text inside a
passage can never be mistaken for a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from app.answering.models import Turn
from app.answering.safety import MASK, looks_like_instruction
from index.retrieve import Hit
from ingest.zh.sentences import split_sentences

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
_SECTION = re.compile(r"^## (system|user)\s*$", re.M)
_PLACEHOLDER = re.compile(r"\{(question|passages|history)\}")


@cache
def load_prompt(name: str) -> dict[str, str]:
    path = PROMPTS_DIR / f"{name}.md"
    if not path.exists():
        raise FileNotFoundError(f"prompt '{name}' not found in {PROMPTS_DIR}")
    parts = _SECTION.split(path.read_text(encoding="utf-8"))
    return {role: body.strip() for role, body in zip(parts[1::2], parts[2::2], strict=True)}


def format_passages(hits: Sequence[Hit]) -> str:
    blocks = []
    for n, hit in enumerate(hits, 1):
        meta = hit.chunk.metadata
        source = "，".join(p for p in (meta.region, meta.date) if p)
        head = f"[{n}] 《{meta.title or '未命名文件'}》" + (f"（{source}）" if source else "")
        if hit.chunk.section_path:
            head += f" {hit.chunk.section_path}"
        text = hit.chunk.text
        for a, b in reversed(split_sentences(text)):
            if looks_like_instruction(text[a:b]):
                text = text[:a] + MASK + text[b:]
        blocks.append(f"{head}\n{text}")
    return "\n\n".join(blocks)


def format_history(history: Sequence[Turn]) -> str:
    return "\n".join(f"{'用户' if t.role == 'user' else '助手'}：{t.content}" for t in history)


def render_prompt(
    name: str, question: str, passages: Sequence[Hit] = (), history: Sequence[Turn] = ()
) -> list[dict[str, str]]:
    values = {"question": question, "passages": format_passages(passages), "history": format_history(history)}
    return [
        {"role": role, "content": _PLACEHOLDER.sub(lambda m: values[m.group(1)], body)}
        for role, body in load_prompt(name).items()
    ]
