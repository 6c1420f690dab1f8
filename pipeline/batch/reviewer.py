"""Reading a reviewer's files back (outputs.md v2, 审核处理): the 审核处理/审核说明 of each scored
workbook's 审核意见 sheet and the 审核结论 of 审核汇总.xlsx, and the decisions they make that the
manifest does not have yet. What a decision is, and how it applies to a run: decisions.py.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..decisions import CONCLUSIONS, OPEN, PENDING, Conclusion, location, value_text
from ..messages import MSG
from ..model import Decision, DecisionKey
from ..sheets import (
    CONCLUSION_HEAD,
    DATE_HEAD,
    FILE_HEAD,
    KEY_HEADS,
    NOTE_HEAD,
    REVIEW,
    REVIEWER_HEAD,
    STATE_HEAD,
    SUMMARY,
)

MAX_READ_BYTES = 50 * 1024 * 1024  # a scored workbook is ~50 KB; anything this big is not one of ours


# ---------------------------------------------------------------- reading a reviewer's file
@dataclass(frozen=True)
class Entry:
    """One row of 审核意见 as the reviewer left it."""

    rule: str
    location: str
    expected: str
    actual: str
    state: str  # stripped; '' when blank
    note: str
    cell: str  # where the 审核处理 was typed: H5

    @property
    def blank(self) -> bool:
        return self.state in ("", OPEN) and not self.note


@dataclass(frozen=True)
class Saved:
    """Who saved a file, and when: the author property, and the modification time."""

    by: str
    at: str


@dataclass(frozen=True)
class ConclusionEntry:
    file: str  # the input file name (文件 column)
    state: str
    reviewer: str
    day: str
    cell: str


class Unreadable(Exception):
    """A reviewer's file that cannot be read back: the message says why; its decisions stay."""


def saved_by(path: Path, workbook=None) -> Saved:
    mtime = datetime.fromtimestamp(os.stat(path).st_mtime).isoformat(timespec="seconds")
    author = ""
    if workbook is not None:
        props = workbook.properties
        author = (props.lastModifiedBy or props.creator or "").strip()
    return Saved(author, mtime)


def _open(path: Path):
    import openpyxl

    try:
        size = os.stat(path).st_size
    except OSError as e:
        raise Unreadable(e.strerror or str(e)) from None
    if size > MAX_READ_BYTES:
        raise Unreadable(MSG["D_too_big"].format(mb=size / 1024 / 1024))
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except PermissionError as e:
        raise Unreadable(e.strerror or str(e)) from None
    except Exception as e:  # a damaged file, or not a workbook at all: the manifest still has the decisions
        raise Unreadable(f"{type(e).__name__}: {e}") from None


def _headers(row: Iterable[object]) -> dict[str, int]:
    heads: dict[str, int] = {}
    for c, value in enumerate(row):
        text = re.sub(r"\s+", "", str(value)) if value is not None else ""
        if text and text not in heads:
            heads[text] = c
    return heads


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_scored(path: Path) -> tuple[Saved, list[Entry]]:
    """The 审核处理/审核说明 of a scored workbook's 审核意见 sheet (only those columns and the key).
    A workbook from before v2 (no 审核处理 column) gives no entries. Raises Unreadable."""
    from openpyxl.utils import get_column_letter

    wb = _open(path)
    try:
        saved = saved_by(path, wb)
        if REVIEW.name not in wb.sheetnames:
            return saved, []
        ws = wb[REVIEW.name]
        rows = ws.iter_rows(values_only=True)
        heads = _headers(next(rows, ()))
        if STATE_HEAD not in heads or any(h not in heads for h in KEY_HEADS):
            return saved, []
        at = [heads[h] for h in KEY_HEADS]
        state_c, note_c = heads[STATE_HEAD], heads.get(NOTE_HEAD)
        entries = []
        for r, row in enumerate(rows, start=2):

            def cell(c: int | None, row=row) -> object:
                return row[c] if c is not None and c < len(row) else None

            rule = _text(cell(at[0]))
            if not rule:
                continue
            entries.append(
                Entry(
                    rule,
                    location(_text(cell(at[1])), _text(cell(at[2]))),
                    value_text(cell(at[3])),
                    value_text(cell(at[4])),
                    _normal(_text(cell(state_c))),
                    _text(cell(note_c)),
                    f"{get_column_letter(state_c + 1)}{r}",
                )
            )
        return saved, entries
    except Unreadable:
        raise
    except Exception as e:  # a sheet that is not what we wrote: say so, keep what the manifest has
        raise Unreadable(f"{type(e).__name__}: {e}") from None
    finally:
        wb.close()


def read_summary(path: Path) -> tuple[Saved, list[ConclusionEntry]]:
    """审核结论 / 审核人 / 审核日期 per workbook from 审核汇总.xlsx's 汇总 sheet. Raises Unreadable."""
    from openpyxl.utils import get_column_letter

    wb = _open(path)
    try:
        saved = saved_by(path, wb)
        if SUMMARY.name not in wb.sheetnames:
            return saved, []
        rows = wb[SUMMARY.name].iter_rows(values_only=True)
        heads = _headers(next(rows, ()))
        if FILE_HEAD not in heads or CONCLUSION_HEAD not in heads:
            return saved, []
        file_c, state_c = heads[FILE_HEAD], heads[CONCLUSION_HEAD]
        who_c, day_c = heads.get(REVIEWER_HEAD), heads.get(DATE_HEAD)
        out = []
        for r, row in enumerate(rows, start=2):

            def cell(c: int | None, row=row) -> object:
                return row[c] if c is not None and c < len(row) else None

            file = _text(cell(file_c))
            if not file:
                continue
            day = cell(day_c)
            out.append(
                ConclusionEntry(
                    file,
                    _normal(_text(cell(state_c))),
                    _text(cell(who_c)),
                    value_text(day.date() if isinstance(day, datetime) else day),
                    f"{get_column_letter(state_c + 1)}{r}",
                )
            )
        return saved, out
    except Unreadable:
        raise
    except Exception as e:
        raise Unreadable(f"{type(e).__name__}: {e}") from None
    finally:
        wb.close()


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


# ---------------------------------------------------------------- what a read-back changes
def changes(
    project: str, entries: Iterable[Entry], active: Mapping[DecisionKey, Decision], saved: Saved, source: str
) -> list[Decision]:
    """The decisions a reviewer's file makes that the manifest does not have yet. A row left at
    待核实 with no note is no decision (unless it resets one); a file older than the stored decision
    (a copy put back from somewhere) does not override it."""
    out: dict[DecisionKey, Decision] = {}
    for e in entries:
        key = DecisionKey(project, e.rule, e.location, e.expected, e.actual)
        current = active.get(key)
        state = e.state or OPEN
        if current is None and e.blank:
            continue
        if current is not None and (current.state, current.note) == (state, e.note):
            continue
        if current is not None and current.at > saved.at:
            continue
        out[key] = Decision(key, state, e.note, saved.by, saved.at, f"{source}!{e.cell}")
    return list(out.values())


def conclusion_changes(
    entries: Iterable[ConclusionEntry], stored: Mapping[str, Conclusion], saved: Saved, source: str
) -> list[Conclusion]:
    out = []
    for e in entries:
        current = stored.get(e.file)
        state = e.state or PENDING
        if current is None and state == PENDING and not (e.reviewer or e.day):
            continue
        if current is not None and (current.state, current.reviewer, current.day) == (
            state,
            e.reviewer,
            e.day,
        ):
            continue
        if current is not None and current.at > saved.at:
            continue
        problem = (
            ""
            if state in CONCLUSIONS
            else MSG["D_conclusion_unknown"].format(
                value=state, cell=e.cell, states="/".join(CONCLUSIONS), pending=PENDING
            )
        )
        out.append(
            Conclusion(e.file, state, e.reviewer, e.day, saved.by, saved.at, f"{source}!{e.cell}", problem)
        )
    return out
