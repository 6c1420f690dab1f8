"""Reading a reviewer's files back (outputs.md v2, 审核处理): the 审核处理/审核说明 of each scored
workbook's 审核意见 sheet and the 审核结论 of 审核汇总.xlsx, and the decisions they make that the
manifest does not have yet. What a decision is, and how it applies to a run: decisions.py.
"""

from __future__ import annotations

import io
import os
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import AUTHOR
from ..config import Limits
from ..decisions import CONCLUSIONS, OPEN, PENDING, Conclusion, location, value_text
from ..load.container import Refused, inspect_bytes
from ..messages import MSG, os_reason
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
from .files import read_output


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
    """Who saved a file, and when: the author property, and the modification time; and the sha256
    of the bytes that were read (what a last-moment check compares with)."""

    by: str
    at: str
    sha256: str = ""


@dataclass(frozen=True)
class ConclusionEntry:
    file: str  # the input file name (文件 column)
    state: str
    reviewer: str
    day: str
    cell: str


class Unreadable(Exception):
    """A reviewer's file that cannot be read back: the message says why; its decisions stay."""


def saved_by(path: Path, workbook=None, sha256: str = "") -> Saved:
    mtime = datetime.fromtimestamp(os.lstat(path).st_mtime).isoformat(timespec="seconds")
    author = ""
    if workbook is not None:
        props = workbook.properties
        author = str(props.lastModifiedBy or props.creator or "").strip()[:100]
        if author == AUTHOR:  # our own name on the file as we wrote it: no reviewer's
            author = ""
    return Saved(author, mtime, sha256)


def _open(path: Path, limits: Limits | None, sheet: str):
    """A reviewer's file opened as an input is: read once (never through a link, within the size
    limit), its container checked (zip bombs, entity declarations, cells) before openpyxl sees it.
    Returns (workbook, sha256 of the bytes read, when reading must stop)."""
    import openpyxl

    limits = limits or Limits()
    started = time.monotonic()
    try:
        source = read_output(path, int(limits.max_file_mb * 1024 * 1024))
        container = inspect_bytes(source.data, ".xlsx", limits, max_row_elements=most_rows(limits))
    except Refused as e:
        raise Unreadable(e.reason) from None
    except OSError as e:
        raise Unreadable(os_reason(e)) from None
    if sheet in container.extents and container.extent(sheet)[0] > most_rows(limits):
        raise Unreadable(MSG["D_too_many_rows"].format(limit=most_rows(limits)))
    try:
        wb = openpyxl.load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except Exception:  # a damaged file the checks let through: words, never the parser's text
        raise Unreadable(MSG["D_damaged"]) from None
    return wb, source.sha256, started + limits.max_seconds


def most_rows(limits: Limits) -> int:
    """Rows (empty ones too) a sheet we write may have: a row per finding, a few per input row at
    most, or one per workbook. More is not our file, and would take long to parse."""
    return 4 * limits.max_rows + 100


class _Bounded:
    """The rows of a sheet, at most `max_rows` and until `deadline` (the input limits hold here too)."""

    def __init__(self, rows: Iterator[tuple], limits: Limits, deadline: float):
        self.rows, self.limits, self.deadline = rows, limits, deadline

    def __iter__(self) -> Iterator[tuple]:
        for n, row in enumerate(self.rows, start=1):
            if n > most_rows(self.limits):
                raise Unreadable(MSG["D_too_many_rows"].format(limit=most_rows(self.limits)))
            if n % 256 == 0 and time.monotonic() > self.deadline:
                raise Unreadable(MSG["D_too_slow"].format(seconds=self.limits.max_seconds))
            yield row


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


def read_scored(path: Path, limits: Limits | None = None) -> tuple[Saved, list[Entry]]:
    """The 审核处理/审核说明 of a scored workbook's 审核意见 sheet (only those columns and the key).
    A workbook from before v2 (no 审核处理 column) gives no entries. Raises Unreadable."""
    from openpyxl.utils import get_column_letter

    wb, digest, deadline = _open(path, limits, REVIEW.name)
    limits = limits or Limits()
    try:
        saved = saved_by(path, wb, digest)
        if REVIEW.name not in wb.sheetnames:
            return saved, []
        ws = wb[REVIEW.name]
        rows = iter(_Bounded(ws.iter_rows(values_only=True), limits, deadline))
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
    except Exception:  # a sheet that is not what we wrote: say so, keep what the manifest has
        raise Unreadable(MSG["D_damaged"]) from None
    finally:
        wb.close()


def read_summary(path: Path, limits: Limits | None = None) -> tuple[Saved, list[ConclusionEntry]]:
    """审核结论 / 审核人 / 审核日期 per workbook from 审核汇总.xlsx's 汇总 sheet. Raises Unreadable."""
    from openpyxl.utils import get_column_letter

    wb, digest, deadline = _open(path, limits, SUMMARY.name)
    limits = limits or Limits()
    try:
        saved = saved_by(path, wb, digest)
        if SUMMARY.name not in wb.sheetnames:
            return saved, []
        rows = iter(_Bounded(wb[SUMMARY.name].iter_rows(values_only=True), limits, deadline))
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
    except Exception:
        raise Unreadable(MSG["D_damaged"]) from None
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
