"""Tables as lines a person can read and a quote can cite, wherever the table stands in the document.

The first row is taken as the header. The table becomes its header line (``学校 | 招生范围 | 计划数``) and then
one line per row in which every cell carries its column name (``学校：第一小学 | 招生范围：阳光小区 | 计划数：200``),
so a passage that holds only some rows of a long table still says what each figure is, and a question about
one school finds that school's row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

TABLE_CELL_SEPARATOR = " | "
SHEET_HEADING = "工作表："  # a spreadsheet's sheet opens a section (ingest/chunk.py knows this heading)
_SPACE = re.compile(r"\s+")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACE.sub(" ", str(value)).strip()


def table_lines(rows: Sequence[Sequence[object]]) -> list[str]:
    """The lines of a table (empty rows and columns dropped; merged cells repeated once per row)."""
    cells = [[_cell(v) for v in row] for row in rows]
    cells = [row for row in cells if any(row)]
    if not cells:
        return []
    width = max(len(row) for row in cells)
    cells = [row + [""] * (width - len(row)) for row in cells]
    keep = [i for i in range(width) if any(row[i] for row in cells)]
    cells = [[row[i] for i in keep] for row in cells]
    cells = [row[:1] if len(set(row)) == 1 else row for row in cells]  # one cell merged across the whole row
    header, body = cells[0], cells[1:]
    lines = [TABLE_CELL_SEPARATOR.join(v for v in header if v)]
    for row in body:
        if len(row) == len(header):
            pairs = [f"{h}：{v}" if h and v else v for h, v in zip(header, row, strict=True) if v]
        else:  # a row spanning the table (a caption or a subtotal)
            pairs = [v for v in row if v]
        lines.append(TABLE_CELL_SEPARATOR.join(pairs))
    return [line for line in lines if line]


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE_ROW = re.compile(r"^\s*\|(?:\s*:?-{2,}:?\s*\|)+\s*$")


def pipe_tables_to_lines(text: str) -> str:
    """Markdown pipe tables in ``text`` (as trafilatura writes HTML tables, and as .md files have them)
    rewritten as table lines, in place."""
    out: list[str] = []
    block: list[list[str]] = []
    for line in [*text.split("\n"), ""]:
        if _PIPE_ROW.match(line):
            if not _RULE_ROW.match(line):
                block.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        if block:
            out += table_lines(block)
            block = []
        out.append(line)
    return "\n".join(out[:-1])
