"""The bureau's record of reviewer decisions (`python -m pipeline decisions --export FILE.xlsx`)."""

from __future__ import annotations

import io

import xlsxwriter

from ..model import Decision
from .xlsx import OPTIONS, PINNED_CREATED, Formats, add_sheet, fit_height, put

RECORD = "审核处理记录"
COLUMNS = (
    ("项目（文件）", 24),
    ("规则", 7),
    ("位置", 16),
    ("应为", 14),
    ("实为", 14),
    ("审核处理", 9),
    ("审核说明", 30),
    ("审核人", 12),
    ("时间", 18),
    ("状态", 8),
    ("失效/更改时间", 18),
    ("录入位置", 40),
)
WRAPPED = (0, 3, 4, 6, 11)


def row_of(d: Decision) -> tuple[str, ...]:
    k = d.key
    return (
        k.project,
        k.rule,
        k.location,
        k.expected,
        k.actual,
        d.state,
        d.note,
        d.by,
        d.at,
        d.status,
        d.retired,
        d.source,
    )


def record_workbook(decisions: list[Decision]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, OPTIONS)
    workbook.set_properties({"created": PINNED_CREATED, "title": RECORD, "author": ""})
    fmt = Formats(workbook)
    ws = add_sheet(workbook, RECORD)
    for c, (head, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
    for r, d in enumerate(decisions, start=1):
        values = row_of(d)
        for c, value in enumerate(values):
            put(ws, r, c, value, fmt, "text" if c in WRAPPED else "center")
        ws.set_row(r, fit_height((values[c], COLUMNS[c][1]) for c in WRAPPED))
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(len(decisions), 1), len(COLUMNS) - 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    workbook.close()
    return buffer.getvalue()
