"""S — indicators and scores (绩效指标, 项目信息 自评总分/等级), checks.md S001–S016.

The scores come from `scoring.score` (ctx.scores); the rules compare what the unit wrote with
them and point at the cell to fix. Thresholds and word lists come from ctx.settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..display import percent, quantity, show
from ..model import CellRef, Finding, Indicator, IndicatorScore, Label, Project, Severity
from ..schema import INDICATORS
from ..scoring import (
    FULL_RATE,
    PERCENT,
    QUALITATIVE,
    QUANTITATIVE,
    Measurement,
    measure,
)
from ..values import AT_LEAST, GREATER, parse_quantity
from .registry import Context, finding, rule

INDICATOR_SHEET = INDICATORS.name
COST_LABEL = "成本指标"
# workbook.md: 成本指标 written as its own 一级指标 is filed under 产出指标, as 财预〔2020〕10号 does
_FILED_UNDER = {COST_LABEL: "产出指标"}
_FLOORS = (AT_LEAST, GREATER)


# ---------------------------------------------------------------- shared reading
def _name(ind: Indicator) -> str:
    """How a message names a line: its 三级指标, else its 二级指标 and row."""
    return ind.level3.text or f"{ind.level2.name or ind.level1.name}（第 {ind.row} 行）"


def _lines(project: Project, ctx: Context) -> Iterator[tuple[Indicator, IndicatorScore]]:
    for ind in project.indicators:
        line = ctx.scores.for_row(ind.row)
        if line is not None:
            yield ind, line


def _measured(project: Project, ctx: Context) -> Iterator[tuple[Indicator, Measurement]]:
    """定量 lines whose 年度指标值 is a quantity."""
    for ind, line in _lines(project, ctx):
        if line.kind == QUANTITATIVE and (m := measure(ind, ctx.settings)) is not None:
            yield ind, m


def _first_word(text: str, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if w and w in text), None)


def _full_marks(ind: Indicator, ctx: Context) -> bool:
    weight, claimed = ind.weight.value, ind.claimed.value
    return weight is not None and claimed is not None and claimed >= weight - ctx.settings.tolerance.score


def _claim_in_range(ind: Indicator, ctx: Context) -> bool:
    """0 ≤ 自评得分 ≤ 分值: outside it S001 has said so, and the other score rules stay quiet."""
    weight, claimed = ind.weight.value, ind.claimed.value
    tolerance = ctx.settings.tolerance.score
    return weight is not None and claimed is not None and -tolerance <= claimed <= weight + tolerance


def _differs(a: float, b: float, ctx: Context) -> bool:
    return abs(a - b) > ctx.settings.tolerance.score


# ---------------------------------------------------------------- rules
@rule("S001", Severity.ERROR)
def claimed_within_weight(project: Project, ctx: Context) -> Iterator[Finding]:
    """自评得分应在 0 与分值之间 | A line's 自评得分 must lie between 0 and its 分值.

    A score above the weight or below zero is a typing error that distorts the total.
    """
    tolerance = ctx.settings.tolerance.score
    for ind in project.indicators:
        weight, claimed = ind.weight.value, ind.claimed.value
        if claimed is None:
            continue
        words = {"name": _name(ind), "claimed": show(claimed), "weight": show(weight or 0)}
        if weight is not None and claimed > weight + tolerance:
            yield finding("S001", ind.claimed, "S001_over", expected=weight, actual=claimed, **words)
        elif claimed < -tolerance:
            yield finding("S001", ind.claimed, "S001_negative", expected=0.0, actual=claimed, **words)


@rule("S002", Severity.ERROR)
def weights_add_to_total(project: Project, ctx: Context) -> Iterator[Finding]:
    """指标分值加预算执行率分值应为 100 | Indicator weights plus the budget weight must add to 100.

    Otherwise the scores are not on the scale the grades assume; the computed total is rescaled.
    """
    scores, scale = ctx.scores, ctx.settings.weights.total
    weights = [ind.weight.ref for ind in project.indicators if ind.weight.ref is not None]
    if not weights or not _differs(scores.weight_total, scale, ctx):
        return
    first, last = weights[0], weights[-1]
    column = first if first == last else CellRef(first.sheet, f"{first.cell}:{last.cell}")
    yield finding(
        "S002",
        column,
        expected=scale,
        actual=scores.weight_total,
        indicators=show(scores.indicator_weight),
        budget=show(scores.budget_weight),
        weight_total=show(scores.weight_total),
        scale=show(scale),
    )


@rule("S003", Severity.WARNING)
def level1_weights_as_standard(project: Project, ctx: Context) -> Iterator[Finding]:
    """一级指标权重应符合财预〔2020〕10号 | 一级指标 weights should follow 财预〔2020〕10号.

    产出 50 / 效益 30 / 满意度 10 (预算执行率 10 is always scored by config) unless the unit explains why.
    """
    if not project.indicators:
        return
    written: dict[str, float] = {}
    labels: dict[str, Label] = {}
    for ind in project.indicators:
        level1 = _FILED_UNDER.get(ind.level1.name, ind.level1.name)
        written[level1] = written.get(level1, 0.0) + (ind.weight.value or 0.0)
        labels.setdefault(level1, ind.level1)
    for level1, standard in ctx.settings.level1_weights.items():
        if level1 not in written:
            yield finding(
                "S003",
                None,
                "S003_missing",
                sheet=INDICATOR_SHEET,
                expected=standard,
                actual=0.0,
                level1=level1,
                standard=show(standard),
            )
        elif _differs(written[level1], standard, ctx):
            yield finding(
                "S003",
                labels[level1],
                expected=standard,
                actual=written[level1],
                level1=level1,
                written=show(written[level1]),
                standard=show(standard),
            )


@rule("S004", Severity.ERROR)
def label_weights_add_up(project: Project, ctx: Context) -> Iterator[Finding]:
    """标签中写明的分值应等于其下指标分值之和 | A weight written in a label must equal its rows' sum.

    `数量指标 (30分)` promises 30 points; rows adding to something else mean one of them is wrong.
    """
    groups: dict[tuple[str, ...], tuple[Label | None, float]] = {}
    for ind in project.indicators:
        for key, label in (
            ((ind.level1.name,), ind.level1),
            ((ind.level1.name, ind.level2.name), ind.level2),
        ):
            written, total = groups.get(key, (None, 0.0))
            if written is None and label.weight is not None:
                written = label  # a merged label repeats on each row: the first written one counts
            groups[key] = (written, total + (ind.weight.value or 0.0))
    for label, rows in groups.values():
        if label is not None and _differs(label.weight, rows, ctx):
            yield finding(
                "S004",
                label,
                expected=rows,
                actual=label.weight,
                label=label.raw or label.name,
                written=show(label.weight),
                rows=show(rows),
            )


@rule("S005", Severity.ERROR)
def quantitative_score_as_computed(project: Project, ctx: Context) -> Iterator[Finding]:
    """定量指标自评得分应等于按完成比例计算的得分 | A 定量 line's score must equal the computed one.

    Scored by scoring.md: full marks when the target is met, else in proportion to the shortfall.
    """
    for ind, line in _lines(project, ctx):
        if line.kind != QUANTITATIVE or line.computed is None or not _claim_in_range(ind, ctx):
            continue
        if _differs(line.claimed, line.computed, ctx):
            formula = line.arithmetic.rsplit("：", 1)[-1]
            yield finding(
                "S005",
                ind.claimed,
                expected=line.computed,
                actual=line.claimed,
                name=_name(ind),
                computed=show(line.computed),
                claimed=show(line.claimed),
                formula=formula,
            )


@rule("S006", Severity.WARNING)
def qualitative_score_in_band(project: Project, ctx: Context) -> Iterator[Finding]:
    """定性指标自评得分应在其完成程度对应的区间内 | A 定性 score must lie in its completion band.

    财预〔2020〕10号 第十二条: 达成 80–100%, 部分达成 60–80%, 未达成 0–60% of the 分值.
    """
    tolerance = ctx.settings.tolerance.score
    for ind, line in _lines(project, ctx):
        if line.kind != QUALITATIVE or line.band is None or not _claim_in_range(ind, ctx):
            continue
        low, high = line.band
        if not low - tolerance <= line.claimed <= high + tolerance:
            yield finding(
                "S006",
                ind.claimed,
                expected=f"{show(low)}–{show(high)}",
                actual=line.claimed,
                name=_name(ind),
                level=line.level,
                done=ind.actual.text,
                low=show(low),
                high=show(high),
                claimed=show(line.claimed),
            )


@rule("S007", Severity.ERROR)
def deduction_explained(project: Project, ctx: Context) -> Iterator[Finding]:
    """扣分须填写偏差原因 | Points deducted need a reason in 偏差原因分析及改进措施.

    财预〔2020〕10号 asks for the cause of every shortfall and what will be done about it.
    """
    for ind in project.indicators:
        weight, claimed = ind.weight.value, ind.claimed.value
        if not _claim_in_range(ind, ctx) or _full_marks(ind, ctx) or not ind.deviation.blank:
            continue
        where = ind.deviation if ind.deviation.ref is not None else ind.claimed
        yield finding(
            "S007",
            where,
            name=_name(ind),
            lost=show(weight - claimed),
            weight=show(weight),
            claimed=show(claimed),
        )


@rule("S008", Severity.WARNING)
def quantitative_actual_comparable(project: Project, ctx: Context) -> Iterator[Finding]:
    """定量指标的实际完成值应为同单位的数值 | A 定量 actual must be a number in the target's unit.

    `超额完成` or a different unit cannot be compared with the target: the score cannot be verified.
    """
    for ind, m in _measured(project, ctx):
        target = ind.target.text
        if m.actual is None:
            key = "S008_blank" if ind.actual.blank else "S008_text"
            yield finding("S008", ind.actual, key, name=_name(ind), done=ind.actual.text, target=target)
        elif m.unit_mismatch:
            yield finding(
                "S008",
                ind.actual,
                "S008_unit",
                expected=m.target.unit,
                actual=m.actual_unit,
                name=_name(ind),
                target_unit=m.target.unit,
                actual_unit=m.actual_unit,
            )


@rule("S009", Severity.WARNING)
def overshoot_explained(project: Project, ctx: Context) -> Iterator[Finding]:
    """超额完成幅度过大 | A target exceeded by more than the configured margin.

    财预〔2020〕10号 asks for the reason: the annual target may have been set too low.
    """
    margin = ctx.settings.scoring.overshoot_margin
    for ind, m in _measured(project, ctx):
        over = m.overshoot
        if over is not None and over > margin:
            yield finding(
                "S009",
                ind.actual,
                expected=m.target.value,
                actual=m.actual,
                name=_name(ind),
                done=quantity(m.actual, m.unit),
                target=quantity(m.target.value, m.unit),
                over=percent(over, ctx.settings.scoring.decimals),
                margin=percent(margin, ctx.settings.scoring.decimals),
            )


@rule("S010", Severity.WARNING)
def full_marks_without_shortfall(project: Project, ctx: Context) -> Iterator[Finding]:
    """满分却写有未完成情况 | Full marks, yet the line describes or shows a shortfall.

    A deviation text describing a problem, or an actual below a 定量 target, contradicts full marks.
    """
    words = ctx.settings.checks.shortfall_words
    for ind, line in _lines(project, ctx):
        if not _full_marks(ind, ctx):
            continue
        m = measure(ind, ctx.settings) if line.kind == QUANTITATIVE else None
        if m is not None and m.completed is False:
            yield finding(
                "S010",
                ind.actual,
                "S010_below",
                name=_name(ind),
                target=ind.target.text,
                done=quantity(m.actual, m.unit),
                weight=show(ind.weight.value),
            )
        elif word := _first_word(ind.deviation.text, words):
            yield finding(
                "S010", ind.deviation, "S010_words", name=_name(ind), word=word, weight=show(ind.weight.value)
            )


@rule("S011", Severity.ERROR)
def claimed_total_as_computed(project: Project, ctx: Context) -> Iterator[Finding]:
    """自评总分应等于复核总分 | The unit's 自评总分 must equal the computed total.

    The report and the grade rest on the total; a mistaken one misstates the project's result.
    """
    claimed = project.info.claimed_total
    total = ctx.scores.total
    if claimed.value is not None and _differs(claimed.value, total, ctx):
        yield finding(
            "S011",
            claimed,
            expected=total,
            actual=claimed.value,
            claimed=show(claimed.value),
            computed=show(total),
            arithmetic=ctx.scores.total_arithmetic,
        )


@rule("S012", Severity.ERROR)
def claimed_grade_as_computed(project: Project, ctx: Context) -> Iterator[Finding]:
    """自评等级应与复核总分的等级一致 | The unit's 自评等级 must be the computed total's grade.

    第十三条 fixes the grade by the total: 90 优, 80 良, 60 中, below 差 (thresholds in config).
    """
    claimed = project.info.claimed_grade
    if claimed.value is not None and claimed.value != ctx.scores.grade:
        yield finding(
            "S012",
            claimed,
            expected=ctx.scores.grade,
            actual=claimed.value,
            claimed=claimed.value,
            total=show(ctx.scores.total),
            computed=ctx.scores.grade,
        )


@rule("S013", Severity.WARNING)
def line_complete(project: Project, ctx: Context) -> Iterator[Finding]:
    """指标行缺少分值或三级指标 | An indicator line without 分值 or without a 三级指标.

    A line with no weight counts nothing in the total; one with no name cannot be reported on.
    """
    for ind in project.indicators:
        if ind.weight.ref is not None and ind.weight.blank:
            yield finding("S013", ind.weight, "S013_weight", row=ind.row, name=_name(ind))
        if ind.level3.ref is not None and ind.level3.blank:
            yield finding("S013", ind.level3, "S013_level3", row=ind.row)


@rule("S014", Severity.WARNING)
def cost_target_capped(project: Project, ctx: Context) -> Iterator[Finding]:
    """成本指标应设上限而非下限 | A 成本指标 target should be a cap (≤), not a floor (≥).

    Costs are controlled from above; `≥` on a cost line is almost always a slip of the comparator.
    """
    for ind in project.indicators:
        if not (ind.level2.name.endswith(COST_LABEL) or ind.level1.name == COST_LABEL):
            continue
        target = parse_quantity(ind.target.raw)
        if target is not None and target.comparator in _FLOORS:
            yield finding(
                "S014", ind.target, name=_name(ind), target=ind.target.text, comparator=target.comparator
            )


@rule("S015", Severity.WARNING)
def capped_rate_at_most_full(project: Project, ctx: Context) -> Iterator[Finding]:
    """比率不应超过 100% | A rate that cannot exceed 100% is stated above it.

    合格率, 满意度, 覆盖率 … are shares of a whole: above 100% is a typing error.
    """
    words = ctx.settings.checks.capped_rate_words
    for ind in project.indicators:
        if _first_word(f"{ind.level2.name}{ind.level3.text}", words) is None:
            continue
        target = parse_quantity(ind.target.raw)
        if target is not None and target.unit == PERCENT and target.value > FULL_RATE:
            yield finding(
                "S015",
                ind.target,
                expected=FULL_RATE,
                actual=target.value,
                name=_name(ind),
                what="年度指标值",
                value=ind.target.text,
            )
        m = measure(ind, ctx.settings)
        if m is not None and m.comparable and m.unit == PERCENT and m.actual > FULL_RATE:
            yield finding(
                "S015",
                ind.actual,
                expected=FULL_RATE,
                actual=m.actual,
                name=_name(ind),
                what="实际完成值",
                value=ind.actual.text,
            )


@rule("S016", Severity.INFO)
def quantitative_target_has_unit(project: Project, ctx: Context) -> Iterator[Finding]:
    """定量指标值应写明单位 | A 定量 target should name its unit.

    `≥36` — 36 what? Without a unit the actual cannot be checked against it.
    """
    for ind, m in _measured(project, ctx):
        if not m.target.unit:
            yield finding("S016", ind.target, name=_name(ind), target=ind.target.text)
