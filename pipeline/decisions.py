"""Reviewer decisions (outputs.md v2, 审核处理): read back from the files a reviewer saved, checked,
matched to this run's findings.

The reviewer works in Excel (or WPS, or LibreOffice): column 审核处理 / 审核说明 of the 审核意见 sheet
in each scored workbook, and 审核结论 / 审核人 / 审核日期 per workbook in 审核汇总.xlsx. Every run reads
those cells back before it replaces any file (batch/reviewer.py); the manifest keeps them
(batch/manifest.py). The files are the reviewer's way in; the manifest is the record. This module
says what a decision is and how it applies to a run.

A decision belongs to a finding by (project, rule, sheet!cell, expected, actual): when the unit's
corrected workbook no longer raises that finding, the decision is retired (已失效), never dropped.
A value that cannot be applied (an unknown 审核处理, a 调整 without a score or outside 0–分值, a 调整
on a line that is not 定性) is kept as typed, counts as 待核实, and the reviewer is told where.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from .cells import parse_a1
from .display import show
from .messages import MSG
from .model import Cell, CellRef, Decision, DecisionKey, Finding, Project, Review, Scores

OPEN, CONFIRMED, WAIVED, ADJUSTED = "待核实", "确认", "豁免", "调整"
STATES = (OPEN, CONFIRMED, WAIVED, ADJUSTED)
PENDING, PASSED, RETURNED = "待审", "通过", "退回修改"
CONCLUSIONS = (PENDING, PASSED, RETURNED)
ACTIVE, RETIRED, REPLACED = "有效", "已失效", "已更改"
QUALITATIVE = "定性"


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


# Findings that compare the unit's figure with the computed total or grade: a reviewer's own 调整
# moves their expected value, not the finding; only a change in the unit's workbook retires a
# decision on them (outputs.md v3).
TOTAL_RULES = frozenset({"S011", "S012", "N001", "N002"})


def loose(k: DecisionKey) -> tuple[str, str, str, str]:
    """A key without its expected value: what a finding on the total keeps when a 调整 moves it."""
    return k.project, k.rule, k.location, k.actual


def digest(decisions: Iterable[Decision], conclusion: Conclusion | None = None) -> str:
    """What the outputs of one workbook were rendered with (part of what the manifest compares):
    the decisions, and a 审核结论 of 通过 (it decides whether a 定稿 is written, and signs it)."""
    rows = sorted(
        [*_key_tuple(d.key), d.state, d.note, d.by, d.at, d.status] for d in decisions if d.status != REPLACED
    )
    if conclusion is not None and conclusion.state == PASSED:
        rows.append(["审核结论", conclusion.state, conclusion.reviewer, conclusion.day, "", "", "", "", ""])
    if not rows:
        return ""
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _key_tuple(k: DecisionKey) -> tuple[str, str, str, str, str]:
    return k.project, k.rule, k.location, k.expected, k.actual


# ---------------------------------------------------------------- a workbook's 审核结论, as stored
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


def final_blockers(findings: Iterable[Mapping]) -> list[str]:
    """The 错误 findings (as findings.json holds them) that keep a 通过 from its 定稿: those still
    待核实 or 确认, each as `S002 绩效指标!G2:G17 待核实`."""
    out = []
    for f in findings:
        state = (f.get("decision") or {}).get("state") or OPEN
        if f.get("severity") == "错误" and state in (OPEN, CONFIRMED):
            where = location(str(f.get("sheet") or ""), str(f.get("cell") or ""))
            out.append(" ".join(x for x in (str(f.get("rule") or ""), where, state) if x))
    return out


# ---------------------------------------------------------------- applying them to a run
# The score a 调整 sets, as a reviewer writes it: a lone number (`7`, `7分`), or a clear statement of
# the new score (`调整为7.5分，因…`, `原5分，调整为4分`). Anything else is not guessed (issue 23).
_SCORE = r"([-+]?\d{1,6}(?:\.\d{1,6})?)"
_LONE = re.compile(_SCORE + r"\s*分?")
_STATED = re.compile(r"(?:调整|调|改|核定|更正)(?:为|到|至|成)\s*" + _SCORE + r"\s*分")


def adjusted_score(note: str) -> float | None:
    """The score a 调整 sets: a lone number, or the one score stated as `调整为N分`; else None."""
    text = unicodedata.normalize("NFKC", note or "").strip()
    lone = _LONE.fullmatch(text)
    if lone:
        return float(lone.group(1))
    stated = {float(m) for m in _STATED.findall(text)}
    return stated.pop() if len(stated) == 1 else None


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


_UNKNOWN_RULES = ("I004", "I005", "I006")  # their cell holds a figure the workbook does not give


def _figure_cell(f: Finding, project: Project) -> CellRef | None:
    """The cell of an unknown figure a 调整 supplies as a number: a 分值, a 年度资金总额 amount."""
    if f.rule not in _UNKNOWN_RULES or not f.cell:
        return None
    ref = CellRef(f.sheet, f.cell)
    total = project.total
    amounts = (total.initial, total.adjusted, total.executed) if total is not None else ()
    cells = [ind.weight for ind in project.indicators] + list(amounts)
    return ref if any(c.ref == ref for c in cells) else None


def _check(
    d: Decision, f: Finding, project: Project, scores: Scores | None
) -> tuple[Decision, int | CellRef | None]:
    """(the decision, with why it cannot be applied if so; the row a valid 调整 sets, or the cell of
    the unknown figure it supplies — scoring.md v3)."""
    cell = d.source.rsplit("!", 1)[-1]
    if d.state not in STATES:
        return replace(
            d,
            problem=MSG["D_state_unknown"].format(
                value=d.state, cell=cell, states="/".join(STATES), open=OPEN
            ),
        ), None
    if d.state != ADJUSTED:
        return d, None
    value = adjusted_score(d.note)
    figure = _figure_cell(f, project)
    if figure is not None:
        if value is None or value < 0:
            return replace(d, problem=MSG["D_adjust_no_score"].format(cell=cell)), None
        return d, figure
    row = _line_of(f, project)
    line = scores.for_row(row) if scores is not None and row is not None else None
    unknown = line is not None and f.rule in _UNKNOWN_RULES  # the line's 复核得分 needs this cell
    if line is None or (line.kind != QUALITATIVE and not unknown) or line.weight is None:
        return replace(d, problem=MSG["D_adjust_not_qualitative"].format(cell=cell)), None
    if value is None:
        unclear = re.search(r"\d", unicodedata.normalize("NFKC", d.note or ""))
        why = MSG["D_adjust_unclear"].format(cell=cell, note=d.note[:40]) if unclear else None
        return replace(d, problem=why or MSG["D_adjust_no_score"].format(cell=cell)), None
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
    moved: Mapping[DecisionKey, DecisionKey] | None = None,
) -> Review:
    """Match the stored decisions of one workbook to this run's findings: a decision whose finding
    still stands applies to it (checked first); an active one whose finding is gone is retired now.
    `moved`: a finding on the total as the reviewer's own 调整 moved it -> its key before that."""
    findings = list(findings)
    moved = moved or {}
    active = {d.key: d for d in decisions if d.status == ACTIVE}
    earlier = tuple(d for d in decisions if d.status == RETIRED)
    decided: dict[Finding, Decision] = {}
    adjustments: dict[int, Decision] = {}
    figures: dict[CellRef, Decision] = {}
    matched: set[DecisionKey] = set()
    for f in findings:
        key = key_of(project.file, f)
        d = active.get(key) or active.get(moved.get(key))  # type: ignore[arg-type]
        if d is None:
            continue
        checked, target = _check(d, f, project, scores)
        decided[f] = checked
        matched.add(d.key)
        if isinstance(target, CellRef):
            figures.setdefault(target, checked)
        elif target is not None and target not in adjustments:
            adjustments[target] = checked
    retired = tuple(replace(d, status=RETIRED, retired=now) for k, d in active.items() if k not in matched)
    return Review(decided, earlier + retired, adjustments, figures)


def adjustments_of(review: Review) -> dict[int, tuple[float, str]]:
    """绩效指标 row -> (the adjusted 复核得分, the reviewer's note): what scoring applies."""
    out = {}
    for row, d in review.adjustments.items():
        value = adjusted_score(d.note)
        if value is not None:
            out[row] = (value, d.note)
    return out


def with_figures(project: Project, review: Review) -> Project:
    """The project with the unknown figures a reviewer's 调整 supplied (a 分值, a 年度资金总额 amount):
    they are known from now on, shown as the reviewer's adjustment (scoring.md v3)."""
    values = {ref: adjusted_score(d.note) for ref, d in review.figures.items()}
    values = {ref: v for ref, v in values.items() if v is not None}
    if not values:
        return project

    def supplied(cell: Cell) -> Cell:
        return Cell(values[cell.ref], cell.ref, show(values[cell.ref])) if cell.ref in values else cell

    indicators = tuple(replace(ind, weight=supplied(ind.weight)) for ind in project.indicators)
    funds = {
        k: replace(
            r, initial=supplied(r.initial), adjusted=supplied(r.adjusted), executed=supplied(r.executed)
        )
        for k, r in project.funds.items()
    }
    return replace(project, indicators=indicators, funds=funds, unreadable=project.unreadable - values.keys())


def as_dict(d: Decision) -> dict:
    """A decision as findings.json and the export carry it."""
    out = {"state": d.effective, "note": d.note, "by": d.by, "at": d.at}
    if d.problem:  # not applied: it counts as 待核实; what was typed and why it was not used
        out["typed"] = d.state
        out["problem"] = d.problem
    return out
