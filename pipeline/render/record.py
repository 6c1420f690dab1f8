"""The bureau's record of reviewer decisions (`python -m pipeline decisions --export FILE.xlsx`)."""

from __future__ import annotations

import io

import xlsxwriter

from ..model import Decision
from ..sheets import DECISION_RECORD
from .xlsx import OPTIONS, PINNED_CREATED, Formats, add_sheet, fit_height, put

RECORD = DECISION_RECORD.name


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
    columns = DECISION_RECORD.columns
    for c, column in enumerate(columns):
        ws.set_column(c, c, column.width)
        ws.write_string(0, c, column.head, fmt("head"))
    for r, d in enumerate(decisions, start=1):
        values = row_of(d)
        for c, value in enumerate(values):
            put(ws, r, c, value, fmt, columns[c].style)
        ws.set_row(r, fit_height((values[c], columns[c].width) for c in DECISION_RECORD.wrapped))
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(len(decisions), 1), DECISION_RECORD.last)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    workbook.close()
    return buffer.getvalue()
