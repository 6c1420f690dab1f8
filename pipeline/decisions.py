"""Reviewer decisions (outputs.md v2, 审核处理): read back from the files a reviewer saved, checked,
matched to this run's findings.

The reviewer works in Excel (or WPS, or LibreOffice): column 审核处理 / 审核说明 of the 审核意见 sheet
in each scored workbook, and 审核结论 / 审核人 / 审核日期 per workbook in 审核汇总.xlsx. Every run reads
those cells back before it replaces any file; the manifest keeps them (manifest.py). The files are
the reviewer's way in; the manifest is the record.

A decision belongs to a finding by (project, rule, sheet!cell, expected, actual): when the unit's
corrected workbook no longer raises that finding, the decision is retired (已失效), never dropped.
A value that cannot be applied (an unknown 审核处理, a 调整 without a score or outside 0–分值, a 调整
on a line that is not 定性) is kept as typed, counts as 待核实, and the reviewer is told where.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from .cells import parse_a1
from .display import show
from .messages import MSG
from .model import Decision, DecisionKey, Finding, Project, Review, Scores

OPEN, CONFIRMED, WAIVED, ADJUSTED = "待核实", "确认", "豁免", "调整"
STATES = (OPEN, CONFIRMED, WAIVED, ADJUSTED)
PENDING, PASSED, RETURNED = "待审", "通过", "退回修改"
CONCLUSIONS = (PENDING, PASSED, RETURNED)
ACTIVE, RETIRED, REPLACED = "有效", "已失效", "已更改"
QUALITATIVE = "定性"

# The headers a reviewer's file is read by (found by name: a reviewer may move a column).
STATE_HEAD, NOTE_HEAD = "审核处理", "审核说明"
KEY_HEADS = ("规则", "工作表", "单元格", "应为", "实为")
REVIEW_SHEET = "审核意见"
SUMMARY_SHEET = "汇总"
FILE_HEAD, CONCLUSION_HEAD, REVIEWER_HEAD, DATE_HEAD = "文件", "审核结论", "审核人", "审核日期"
MAX_READ_BYTES = 50 * 1024 * 1024  # a scored workbook is ~50 KB; anything this big is not one of ours


# ---------------------------------------------------------------- keys
def value_text(value: object) -> str:
    """An expected/actual value as the key holds it: 94, 94.0 and "94" are one value; text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{float(value):.10g}"
    if isinstance(value, datetime):  # a date written to a cell comes back as midnight
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:  # a number that came back as text (a reviewer's program re-typed the cell)
        number = float(text)
    except ValueError:
        return text
    return f"{number:.10g}" if text and re.fullmatch(r"[-+]?\d+(\.\d+)?", text) else text


def location(sheet: str, cell: str) -> str:
    cell = (cell or "").replace("$", "").strip().upper()
    return f"{sheet}!{cell}" if sheet and cell else sheet or ""


def key_of(project: str, f: Finding) -> DecisionKey:
    return DecisionKey(
        project, f.rule, location(f.sheet, f.cell), value_text(f.expected), value_text(f.actual)
    )


def key_of_dict(project: str, f: Mapping) -> DecisionKey:
    """The key of a finding as findings.json holds it."""
    return DecisionKey(
        project,
        str(f.get("rule") or ""),
        location(str(f.get("sheet") or ""), str(f.get("cell") or "")),
        value_text(f.get("expected")),
        value_text(f.get("actual")),
    )


def digest(decisions: Iterable[Decision]) -> str:
    """What the outputs of one workbook were rendered with (part of what the manifest compares)."""
    rows = sorted(
        [*_key_tuple(d.key), d.state, d.note, d.by, d.at, d.status] for d in decisions if d.status != REPLACED
    )
    if not rows:
        return ""
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _key_tuple(k: DecisionKey) -> tuple[str, str, str, str, str]:
    return k.project, k.rule, k.location, k.expected, k.actual


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


@dataclass(frozen=True)
class Conclusion:
    """A workbook's 审核结论 in 审核汇总.xlsx, as stored."""

    file: str
    state: str
    reviewer: str
    day: str
    by: str
    at: str
    source: str
    problem: str = ""


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
        if REVIEW_SHEET not in wb.sheetnames:
            return saved, []
        ws = wb[REVIEW_SHEET]
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
        if SUMMARY_SHEET not in wb.sheetnames:
            return saved, []
        rows = wb[SUMMARY_SHEET].iter_rows(values_only=True)
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
        problem = "" if state in CONCLUSIONS else MSG["D_conclusion_unknown"].format(value=state, cell=e.cell)
        out.append(
            Conclusion(e.file, state, e.reviewer, e.day, saved.by, saved.at, f"{source}!{e.cell}", problem)
        )
    return out


# ---------------------------------------------------------------- applying them to a run
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def adjusted_score(note: str) -> float | None:
    """The score a 调整 sets: the first number of its 审核说明 (`7`, `7分`, `调整为7.5分，因…`)."""
    found = _NUMBER.search(unicodedata.normalize("NFKC", note or ""))
    return float(found.group()) if found else None


def _line_of(f: Finding, project: Project) -> int | None:
    """The 绩效指标 row a finding points at (one cell of an indicator's row), else None."""
    if not f.cell or ":" in f.cell:
        return None
    try:
        row = parse_a1(f.cell.replace("$", ""))[0] + 1
    except ValueError:
        return None
    for ind in project.indicators:
        ref = ind.claimed.ref or ind.level3.ref
        if ind.row == row and ref is not None and ref.sheet == f.sheet:
            return row
    return None


def _check(d: Decision, f: Finding, project: Project, scores: Scores | None) -> tuple[Decision, int | None]:
    """(the decision, with why it cannot be applied if so; the row a valid 调整 sets)."""
    cell = d.source.rsplit("!", 1)[-1]
    if d.state not in STATES:
        return replace(d, problem=MSG["D_state_unknown"].format(value=d.state, cell=cell)), None
    if d.state != ADJUSTED:
        return d, None
    row = _line_of(f, project)
    line = scores.for_row(row) if scores is not None and row is not None else None
    if line is None or line.kind != QUALITATIVE or line.weight is None:
        return replace(d, problem=MSG["D_adjust_not_qualitative"].format(cell=cell)), None
    value = adjusted_score(d.note)
    if value is None:
        return replace(d, problem=MSG["D_adjust_no_score"].format(cell=cell)), None
    if not 0 <= value <= line.weight:
        return (
            replace(
                d,
                problem=MSG["D_adjust_range"].format(value=show(value), weight=show(line.weight), cell=cell),
            ),
            None,
        )
    return d, row


def resolve(
    project: Project,
    findings: Iterable[Finding],
    decisions: Iterable[Decision],
    scores: Scores | None,
    now: str,
) -> Review:
    """Match the stored decisions of one workbook to this run's findings: a decision whose finding
    still stands applies to it (checked first); an active one whose finding is gone is retired now."""
    findings = list(findings)
    active = {d.key: d for d in decisions if d.status == ACTIVE}
    earlier = tuple(d for d in decisions if d.status == RETIRED)
    decided: dict[Finding, Decision] = {}
    adjustments: dict[int, Decision] = {}
    matched: set[DecisionKey] = set()
    for f in findings:
        d = active.get(key_of(project.file, f))
        if d is None:
            continue
        checked, row = _check(d, f, project, scores)
        decided[f] = checked
        matched.add(d.key)
        if row is not None and row not in adjustments:
            adjustments[row] = checked
    retired = tuple(replace(d, status=RETIRED, retired=now) for k, d in active.items() if k not in matched)
    return Review(decided, earlier + retired, adjustments)


def adjustments_of(review: Review) -> dict[int, tuple[float, str]]:
    """绩效指标 row -> (the adjusted 复核得分, the reviewer's note): what scoring applies."""
    out = {}
    for row, d in review.adjustments.items():
        value = adjusted_score(d.note)
        if value is not None:
            out[row] = (value, d.note)
    return out


def as_dict(d: Decision) -> dict:
    """A decision as findings.json and the export carry it."""
    out = {"state": d.effective, "note": d.note, "by": d.by, "at": d.at}
    if d.problem:  # not applied: it counts as 待核实; what was typed and why it was not used
        out["typed"] = d.state
        out["problem"] = d.problem
    return out
