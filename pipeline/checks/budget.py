"""B rules: the budget (资金情况, 分项预算) — totals, execution, the rate the unit states.

Also home of what the P and N rules share about money (its wording is display.money):
`money_differs()` compares at the configured tolerance, `written_half_unit()` says how precisely a
figure was written (a rate typed as `95%` agrees with 94.55%: it is that rate, rounded as typed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..display import money, percent, round_half_up
from ..model import Cell, Finding, FundRow, Project, Severity
from ..schema import FUND_COMPONENTS, FUNDS
from ..values import half_width
from .registry import BUDGET, Context, finding, rule

AMOUNT_COLUMNS = ("initial", "adjusted", "executed")  # 年初预算数, 全年预算数, 全年执行数
_WRITTEN_NUMBER = re.compile(r"\d+(?:\.(\d+))?")


# ---------------------------------------------------------------- money wording shared by B / P / N
def money_differs(a: float, b: float, tolerance: float) -> bool:
    """True when two amounts differ by at least one tolerance unit (one yuan by default)."""
    return abs(a - b) > tolerance / 2


def written_half_unit(text: str, percent_written: bool = False) -> float:
    """Half a unit of the last digit written: `95` -> 0.5, `94.5` -> 0.05 (÷100 for a percentage)."""
    m = _WRITTEN_NUMBER.search(half_width(text))
    if not m:
        return 0.0
    half = 0.5 * 10 ** -len(m.group(1) or "")
    return half / 100 if percent_written else half


def total_cell(p: Project, column: str) -> Cell[float] | None:
    """The 年度资金总额 cell of one amount column, when its value is known."""
    total = p.total
    cell = getattr(total, column) if total else None
    return cell if cell is not None and cell.value is not None else None


def sum_against(
    rule_id: str, amounts: list[float | None], reference: Cell[float], ctx: Context
) -> Iterator[Finding]:
    """A list of amounts that must add up to a 资金情况 figure; silent when any amount is unknown (I005)."""
    if not amounts or any(a is None for a in amounts):
        return
    added = sum(amounts)
    if money_differs(added, reference.value, ctx.settings.tolerance.money):
        yield finding(
            rule_id,
            reference,
            expected=reference.value,
            actual=round(added, 6),
            added=money(added),
            reference=money(reference.value),
            diff=money(abs(added - reference.value)),
        )


def _column_label(column: str) -> str:
    return FUNDS.column(column).label


# ---------------------------------------------------------------- rules
@rule("B001", Severity.ERROR)
def total_equals_sources(p: Project, ctx: Context) -> Iterator[Finding]:
    """年度资金总额须等于财政拨款、上年结转资金、其他资金之和 | The annual total equals the sum of its sources.
    年初预算数、全年预算数、全年执行数三列分别核对；某一来源空着按 0 计，三个来源都没填（没有分列）或无法读取的列不核对。
    """
    for column in AMOUNT_COLUMNS:
        total = total_cell(p, column)
        parts = [getattr(p.funds[s], column) for s in FUND_COMPONENTS if s in p.funds]
        if total is None or not any(c.value is not None for c in parts):
            continue
        if any(c.value is None and (c.raw or c.ref in p.unreadable) for c in parts):  # I005/I006: unknown
            continue
        added = sum(c.value for c in parts if c.value is not None)
        if money_differs(added, total.value, ctx.settings.tolerance.money):
            yield finding(
                "B001",
                total,
                expected=round(added, 6),
                actual=total.value,
                column=_column_label(column),
                total=money(total.value),
                parts=money(added),
                diff=money(abs(total.value - added)),
            )


@rule("B002", Severity.WARNING, needs=(BUDGET,))
def no_over_execution(p: Project, ctx: Context) -> Iterator[Finding]:
    """全年执行数不应超过全年预算数 | Execution should not exceed the budget.
    超出批复预算的支出须有预算调整或说明；按每个资金来源分别核对。
    """
    for row in p.funds.values():
        budget, executed = row.budget.value, row.executed.value
        if budget is None or executed is None:
            continue
        if executed > budget and money_differs(executed, budget, ctx.settings.tolerance.money):
            yield finding(
                "B002",
                row.executed,
                expected=budget,
                actual=executed,
                source=row.source,
                executed=money(executed),
                budget=money(budget),
                diff=money(executed - budget),
            )


def stated_rate_agrees(row: FundRow, computed: float, tolerance: float) -> bool:
    """The stated 执行率 is the computed one, to the tolerance or at the precision written (v3): the
    computed rate rounded half up to the percentage digits the unit wrote is the stated one — 99.995%
    written `100%` agrees, written `99.9%` it does not.

    A rate is read as a percentage: `95%` typed as text, or 0.95 stored by Excel (shown as 95%), both
    hold whole percentage points, so they agree with any rate that rounds to 95%.
    """
    stated = row.rate.value
    if abs(stated - computed) <= tolerance + 1e-12:
        return True
    raw = half_width(row.rate.raw)
    percentage = raw if "%" in raw else f"{stated * 100:.8f}".rstrip("0")
    m = _WRITTEN_NUMBER.search(percentage)
    digits = len(m.group(1) or "") if m else 2
    as_written = round_half_up(round(computed * 100, 9), digits)  # 9 places: no float noise
    return as_written == round_half_up(round(stated * 100, 9), digits)


@rule("B003", Severity.ERROR, needs=(BUDGET,))
def stated_rate_matches(p: Project, ctx: Context) -> Iterator[Finding]:
    """所填执行率须等于全年执行数 ÷ 全年预算数 | The stated execution rate equals executed ÷ budget.
    执行率决定预算执行率的 10 分，手填的执行率常与旁边的金额对不上。少写几位小数（94.55% 写成“95%”）时，只要是计算值按所写位数四舍五入的结果，就算一致：
    99.995% 写成“100%”一致，写成“99.9%”不一致；其余按 0.01 个百分点比较。
    """
    for row in p.funds.values():
        budget, executed, stated = row.budget.value, row.executed.value, row.rate.value
        if stated is None or budget is None or executed is None or budget <= 0:
            continue
        computed = executed / budget
        if not stated_rate_agrees(row, computed, ctx.settings.tolerance.rate):
            yield finding(
                "B003",
                row.rate,
                expected=round(computed, 6),
                actual=stated,
                source=row.source,
                stated=percent(stated),
                executed=money(executed),
                budget=money(budget),
                computed=percent(computed),
            )


@rule("B004", Severity.ERROR)
def subitems_add_up(p: Project, ctx: Context) -> Iterator[Finding]:
    """分项预算合计须等于年度资金总额的全年预算数 | The sub-item budgets add up to the annual budget.
    支付要按分项预算归集核对（P003/P004），分项合计必须正好覆盖全年预算，不多不少。
    """
    total = p.total.budget if p.total else None
    if not p.has("分项预算", "分项预算.amount") or total is None or total.value is None:
        return
    yield from sum_against("B004", [s.amount.value for s in p.subitems], total, ctx)


def amounts_with_names(p: Project) -> Iterator[tuple[str, Cell[float]]]:
    """Every amount of the workbook, with the words a message uses to name it."""
    for row in p.funds.values():
        for column in AMOUNT_COLUMNS:
            yield f"资金情况“{row.source}”的{_column_label(column)}", getattr(row, column)
    for s in p.subitems:
        yield f"分项预算第 {s.row} 行“{s.name.text}”的预算金额", s.amount
    for pay in p.payments:
        yield f"支付明细第 {pay.row} 行的支付金额", pay.amount
    for r in p.structure:
        yield f"支出结构“{r.category.text}”的金额", r.amount


@rule("B005", Severity.ERROR)
def no_negative_amounts(p: Project, ctx: Context) -> Iterator[Finding]:
    """金额不应为负数 | No amount is negative.
    负数通常是退款、冲销填错了位置，会悄悄把各项合计拉低。
    """
    for what, cell in amounts_with_names(p):
        if cell.value is not None and cell.value < 0:
            yield finding("B005", cell, actual=cell.value, what=what, amount=money(cell.value))


# `因此`/`因而` (therefore) and `原因分析` (a heading) name no cause, though they hold 因 / 原因.
_NO_CAUSE = re.compile(r"因此|因而|原因分析|原因和改进措施|原因及改进措施")


def gives_a_cause(text: str, words: tuple[str, ...]) -> bool:
    """A sentence gives a cause (由于 / 因 / 结余 / 未拨付 …): stating the rate or the amount is not one."""
    said = _NO_CAUSE.sub("", half_width(text))
    return any(word and word in said for word in words)


def low_execution_explained(p: Project, words: tuple[str, ...]) -> bool:
    """资金使用及管理情况 or 资金调整情况, or any 偏差原因, gives a cause for the money not spent."""
    texts = [s.text.text for title in ("资金使用及管理情况", "资金调整情况") if (s := p.section(title))]
    texts += [i.deviation.text for i in p.indicators]
    return any(gives_a_cause(text, words) for text in texts)


@rule("B006", Severity.WARNING, needs=(BUDGET,))
def low_execution_has_reason(p: Project, ctx: Context) -> Iterator[Finding]:
    """执行率偏低须说明原因 | A low execution rate must be explained.
    财预〔2020〕10号要求说明资金为什么没有用完。“说明”指写出原因（由于、因、结余、结转、未拨付、延期、疫情等，
    词表在 config.toml）；只写“全年执行301万元，执行率86%”不算说明。
    """
    rate, threshold = ctx.scores.execution_rate, ctx.settings.checks.low_execution
    total = p.total
    if rate is None or total is None or rate >= threshold:
        return
    if low_execution_explained(p, ctx.settings.checks.execution_reason_words):
        return
    yield finding(
        "B006",
        total.executed,
        expected=threshold,
        actual=round(rate, 6),
        sheet="资金情况",
        rate=percent(rate),
        threshold=percent(threshold),
    )
