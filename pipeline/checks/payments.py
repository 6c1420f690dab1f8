"""P rules: the payments (支付明细) and the expenditure structure (支出结构) against the budget."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from ..display import money, money_key
from ..model import Finding, Payment, Project, Severity, SubItem
from ..values import half_width
from .budget import money_differs, sum_against, total_cell
from .registry import BUDGET, Context, finding, rule

_NAME_NOISE = re.compile(r"[\s，。、,.;；:：\"'“”‘’()（）\[\]【】<>《》·\-—_/]")


def normalize_name(name: str) -> str:
    """A 分项名称 as compared: half-width, without spaces or punctuation."""
    return _NAME_NOISE.sub("", half_width(name))


def subitems_by_name(p: Project) -> dict[str, SubItem]:
    return {normalize_name(s.name.text): s for s in p.subitems if s.name.text}


def payment_items(pay: Payment) -> tuple[str, ...]:
    return pay.items.value or ()


def closest_name(name: str, candidates: list[str]) -> str:
    """The candidate most like `name` (difflib ratio on the normalised text)."""
    target = normalize_name(name)
    return max(candidates, key=lambda c: difflib.SequenceMatcher(None, target, normalize_name(c)).ratio())


def day_list(days: list[date] | tuple[date, ...]) -> str:
    return "、".join(d.isoformat() for d in days)


@rule("P001", Severity.ERROR, needs=(BUDGET,))
def payments_match_execution(p: Project, ctx: Context) -> Iterator[Finding]:
    """支付明细合计须等于全年执行数 | Payments add up to the executed amount.
    全年执行数决定预算执行率得分，支付明细是它的凭据，两者必须一致。
    """
    executed = total_cell(p, "executed")
    if executed is None or not p.has("支付明细", "支付明细.amount"):
        return
    yield from sum_against("P001", [ctx.scores.paid], executed, ctx)  # Σ computed once, in scoring


@rule("P002", Severity.ERROR)
def payment_dates_in_year(p: Project, ctx: Context) -> Iterator[Finding]:
    """支付日期须在预算年度内且不晚于评价时间 | Payment dates fall in the budget year, before the evaluation.
    其他年度的支付属于其他年度的账；评价时间之后的支付并未被评价。
    """
    year, evaluated = p.info.year.value, p.info.eval_date.value
    for pay in p.payments:
        days = pay.dates.value or ()
        other_year = [d for d in days if year is not None and d.year != year]
        too_late = [d for d in days if evaluated is not None and d > evaluated and d not in other_year]
        if other_year:
            yield finding(
                "P002",
                pay.dates,
                "P002_year",
                actual=day_list(other_year),
                row=pay.row,
                dates=day_list(other_year),
                year=year,
            )
        if too_late:
            yield finding(
                "P002",
                pay.dates,
                "P002_after",
                expected=evaluated.isoformat(),
                actual=day_list(too_late),
                row=pay.row,
                dates=day_list(too_late),
                evaluated=evaluated.isoformat(),
            )


@rule("P003", Severity.WARNING)
def payment_items_known(p: Project, ctx: Context) -> Iterator[Finding]:
    """支付明细的分项名称须与分项预算一致 | Each payment names a sub-item of the budget split.
    只有找得到所属分项的支付才能归集，也才能核对是否超支（P004）；意见给出最接近的分项名称。
    """
    if not p.has("分项预算", "分项预算.name") or not p.subitems:
        return
    known = subitems_by_name(p)
    names = [s.name.text for s in p.subitems if s.name.text]
    for pay in p.payments:
        for item in payment_items(pay):
            if normalize_name(item) not in known:
                yield finding(
                    "P003",
                    pay.items,
                    actual=item,
                    row=pay.row,
                    item=item,
                    closest=closest_name(item, names),
                    expected=closest_name(item, names),
                )


def allocated_payments(p: Project, known: dict[str, SubItem]) -> dict[str, float]:
    """Σ amount per 分项 of the payments naming exactly one known 分项 (others cannot be split)."""
    paid: dict[str, float] = defaultdict(float)
    for pay in p.payments:
        items = payment_items(pay)
        if len(items) == 1 and pay.amount.value is not None and normalize_name(items[0]) in known:
            paid[normalize_name(items[0])] += pay.amount.value
    return paid


@rule("P004", Severity.ERROR)
def subitem_not_overspent(p: Project, ctx: Context) -> Iterator[Finding]:
    """单个分项的支付合计不应超过其预算金额 | Payments allocated to a sub-item stay within its budget.
    只归集只写了一个分项的支付行，所以算出的合计只会偏小：超出预算是确定的。
    """
    if not p.has("分项预算", "分项预算.amount"):
        return
    known = subitems_by_name(p)
    for key, paid in allocated_payments(p, known).items():
        item = known[key]
        budget = item.amount.value
        if budget is not None and paid > budget and money_differs(paid, budget, ctx.settings.tolerance.money):
            yield finding(
                "P004",
                item.amount,
                expected=budget,
                actual=round(paid, 6),
                item=item.name.text,
                paid=money(paid),
                budget=money(budget),
                diff=money(paid - budget),
            )


@rule("P005", Severity.WARNING)
def no_duplicate_payments(p: Project, ctx: Context) -> Iterator[Finding]:
    """支付日期、金额、分项完全相同的两行可能是重复录入 | Two identical payment rows may be a double entry.
    日期、金额、分项完全相同的两笔支付在真实账目中很少见，多半是重复录入，会虚增支付合计。
    """
    first_row: dict[tuple, int] = {}
    for pay in p.payments:
        if pay.dates.value is None or pay.amount.value is None:
            continue
        key = (
            pay.dates.value,
            money_key(pay.amount.value),  # the same to the yuan
            tuple(sorted(map(normalize_name, payment_items(pay)))),
        )
        if key in first_row:
            yield finding(
                "P005",
                pay.amount,
                actual=pay.amount.value,
                row=pay.row,
                first=first_row[key],
                amount=money(pay.amount.value),
            )
        else:
            first_row[key] = pay.row


@rule("P006", Severity.INFO)
def payment_single_item(p: Project, ctx: Context) -> Iterator[Finding]:
    """一笔支付记在多个分项下，无法分摊 | A payment row names several sub-items and cannot be allocated.
    这一笔的金额无法分到各个分项，不计入分项合计，因此无法核对这些分项是否超支。
    """
    for pay in p.payments:
        items = payment_items(pay)
        if len(items) > 1:
            yield finding(
                "P006", pay.items, actual=len(items), row=pay.row, n=len(items), items="、".join(items)
            )


@rule("P007", Severity.ERROR, needs=(BUDGET,))
def structure_matches_execution(p: Project, ctx: Context) -> Iterator[Finding]:
    """支出结构合计须等于全年执行数 | The expenditure structure adds up to the executed amount.
    支出结构是同一笔支出按经济分类的拆分，合计不同说明漏了或多了某一行。
    """
    executed = total_cell(p, "executed")
    if executed is None or not p.has("支出结构", "支出结构.amount"):
        return
    yield from sum_against("P007", [r.amount.value for r in p.structure], executed, ctx)


@rule("P008", Severity.WARNING)
def payment_dates_name_year(p: Project, ctx: Context) -> Iterator[Finding]:
    """支付日期没有写年份 | A payment date names no year.
    “12.07”按预算年度读取；如果其实是次年 1 月的支付，这样写就会放错年度。
    """
    year = p.info.year.value
    for pay in p.payments:
        if pay.year_assumed:
            yield finding("P008", pay.dates, actual=pay.dates.raw, row=pay.row, raw=pay.dates.raw, year=year)
