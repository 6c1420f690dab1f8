"""Which figures the workbook does not give (scoring.md v3, "Unknown figures"): unknown is a value.

A figure that is missing or cannot be read — the cell behind an I002, I003, I004, I005 or I006
finding — is unknown, never 0 and never dropped. scoring.py asks this module which of the figures a
line needs are unknown; a line that needs one is unknown, and so are 总分 and 等级. The checks read
the result (Scores.unknown, IndicatorScore.unknown) through the registry's `needs`, not again here.
"""

from __future__ import annotations

from .display import fixed, show
from .measure import QUALITATIVE
from .model import Cell, CellRef, FundRow, Indicator, IndicatorScore, Project, Unknown, Verified
from .schema import FUND_TOTAL, FUNDS, INDICATORS

# the indicator table's columns without which no line can be scored (checks.md v3)
_SCORED_COLUMNS = {"weight": "分值", "claimed": "自评得分"}


def _unknown(cell: Cell, what: str) -> Unknown:
    ref = cell.ref
    return Unknown(ref.sheet if ref else INDICATORS.name, ref.cell if ref else "", what)


def unread(cell: Cell, project: Project) -> bool:
    """The cell holds a figure the loader could not read (I005, I006)."""
    return cell.ref is not None and cell.ref in project.unreadable


def table_unknowns(project: Project) -> tuple[Unknown, ...]:
    """A missing 绩效指标 sheet or 分值 / 自评得分 column: every indicator line is unknown."""
    sheet = INDICATORS.name
    if sheet in project.missing:
        return (Unknown(sheet, "", f"{sheet}表"),)
    return tuple(
        Unknown(sheet, "", f"{label}列")
        for key, label in _SCORED_COLUMNS.items()
        if f"{sheet}.{key}" in project.missing
    )


def weight_unknown(ind: Indicator, project: Project) -> bool:
    """Its 分值 is unreadable or its column missing, or blank while 自评得分 is not (both blank: not a
    scored line, S013)."""
    weight = ind.weight
    missing = f"{INDICATORS.name}.weight" in project.missing
    return missing or unread(weight, project) or (weight.value is None and not ind.claimed.blank)


def line_unknowns(ind: Indicator, line: IndicatorScore, project: Project) -> tuple[Unknown, ...]:
    """The figures this line's 复核得分 needs that the workbook does not give."""
    row = ind.row
    out = []
    if weight_unknown(ind, project):
        out.append(_unknown(ind.weight, f"第 {row} 行分值"))
    if line.kind != QUALITATIVE:  # a 定量 line's target or actual the loader could not read
        for cell, what in ((ind.target, "年度指标值"), (ind.actual, "实际完成值")):
            if unread(cell, project):
                out.append(_unknown(cell, f"第 {row} 行{what}"))
    elif unread(ind.target, project) and not out:  # no target: not even the kind is known
        out.append(_unknown(ind.target, f"第 {row} 行年度指标值"))
    # the claim is the score (定性, or a 定量 line that cannot be verified) and it is not given
    if line.weight is not None and line.computed is None and line.claimed is None:
        out.append(_unknown(ind.claimed, f"第 {row} 行自评得分"))
    return tuple(out)


def budget_unknowns(total: FundRow | None, project: Project) -> tuple[Unknown, ...]:
    """The 预算执行率 line needs 全年执行数 and its base (全年预算数, else 年初预算数)."""
    sheet = FUNDS.name
    if total is None:
        what = f"{sheet}表" if sheet in project.missing else FUND_TOTAL
        return (Unknown(sheet, "", what),)
    label = FUNDS.column
    out = []
    adjusted = total.adjusted
    if adjusted.value is None and (unread(adjusted, project) or adjusted.raw.strip()):
        out.append(_fund(adjusted, f"{FUND_TOTAL}·{label('adjusted').label}"))  # unreadable: no fallback
    elif adjusted.value is None and total.initial.value is None:
        out.append(_fund(total.initial, f"{FUND_TOTAL}·{label('initial').label}"))
    if total.executed.value is None:
        out.append(_fund(total.executed, f"{FUND_TOTAL}·{label('executed').label}"))
    return tuple(out)


def _fund(cell: Cell, what: str) -> Unknown:
    ref = cell.ref
    return Unknown(ref.sheet if ref else FUNDS.name, ref.cell if ref else "", what)


def budget_supplied(arithmetic: str, project: Project, figures: frozenset[CellRef]) -> str:
    """The 年度资金总额 amounts a reviewer's 调整 supplied, said after the line's arithmetic."""
    total = project.total
    if total is None or not figures:
        return arithmetic
    cells = (("年初预算数", total.initial), ("全年预算数", total.adjusted), ("全年执行数", total.executed))
    named = "、".join(name for name, cell in cells if cell.ref in figures)
    return f"{arithmetic}（{named}为审核调整）" if named else arithmetic


def unknown_total_text(unknown: tuple[Unknown, ...], verified: Verified, d: int) -> str:
    cells = "、".join(f"{u.location}（{u.what}）" for u in unknown)
    return (
        f"无法复核：{cells}缺失或无法读取；已复核 {verified.lines} 项，计 {fixed(verified.score, d)} 分"
        f" / 分值 {show(verified.weight, d)} 分"
    )
