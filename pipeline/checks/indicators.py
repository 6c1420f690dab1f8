"""S — indicators and scores (绩效指标, 项目信息 自评总分/等级), checks.md v2 S001–S017.

The scores come from `scoring.score` (ctx.scores); the rules compare what the unit wrote with
them and point at the cell to fix. Thresholds and word lists come from ctx.settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..display import percent, quantity, show
from ..measure import (
    DEADLINE,
    FULL_RATE,
    PERCENT,
    QUALITATIVE,
    QUANTITATIVE,
    Measurement,
    column_comparator,
    unit_column,
)
from ..messages import MSG
from ..model import CellRef, Finding, Indicator, IndicatorScore, Label, Project, Severity
from ..schema import INDICATORS, LEVEL1, LEVEL2
from ..scoring import in_band
from ..unknown import weight_unknown
from ..values import AT_LEAST, CLOSEST, GREATER, UNKNOWN, closest_name, indicator_name
from .registry import LINES, TOTAL, WEIGHTS, Context, finding, rule

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
    """Each indicator with its scored line (scoring scores every row, one line per row)."""
    by_row = {line.row: line for line in reversed(ctx.scores.indicators)}  # the first of a row wins
    for ind in project.indicators:
        line = by_row.get(ind.row)
        if line is not None:
            yield ind, line


def _measured(project: Project, ctx: Context) -> Iterator[tuple[Indicator, Measurement]]:
    """定量 lines whose 年度指标值 is a quantity."""
    for ind, line in _lines(project, ctx):
        if line.kind == QUANTITATIVE and (m := line.measurement) is not None:
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
    return abs(a - b) > ctx.settings.tolerance.score + 1e-9  # 96.9 − 96.89 is 0.010000000000005


# ---------------------------------------------------------------- rules
@rule("S001", Severity.ERROR, needs=(LINES,))
def claimed_within_weight(project: Project, ctx: Context) -> Iterator[Finding]:
    """自评得分应在 0 与分值之间 | A line's 自评得分 must lie between 0 and its 分值.
    高于分值或小于 0 的得分是录入错误，会扭曲总分；复核时按 0 至分值计。
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


@rule("S002", Severity.ERROR, needs=(WEIGHTS,))
def weights_add_to_total(project: Project, ctx: Context) -> Iterator[Finding]:
    """指标分值加预算执行率分值应为 100 | Indicator weights plus the budget weight must add to 100.
    否则得分不在等级线所依据的百分制上；复核总分按百分制折算，两个数都列出。
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
    原则上产出 50、效益 30、满意度 10（预算执行率 10 分另计）；确需调整的，应说明理由。
    """
    if not project.indicators:
        return
    written: dict[str, float | None] = {}
    labels: dict[str, Label] = {}
    for ind in project.indicators:  # a group holding an unknown 分值 has an unknown sum (v3)
        level1 = _FILED_UNDER.get(ind.level1.name, ind.level1.name)
        had = written.get(level1, 0.0)
        unknown = had is None or weight_unknown(ind, project)
        written[level1] = None if unknown else had + (ind.weight.value or 0.0)
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
        elif written[level1] is not None and _differs(written[level1], standard, ctx):
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
    “数量指标（30分）”写明了 30 分，各行分值之和不是 30，说明其中某一处写错了。
    """
    groups: dict[tuple[str, ...], tuple[Label | None, float | None]] = {}
    for ind in project.indicators:
        for key, label in (
            ((ind.level1.name,), ind.level1),
            ((ind.level1.name, ind.level2.name), ind.level2),
        ):
            written, total = groups.get(key, (None, 0.0))
            if written is None and label.weight is not None:
                written = label  # a merged label repeats on each row: the first written one counts
            unknown = total is None or weight_unknown(ind, project)  # v3: the group's sum is unknown
            groups[key] = (written, None if unknown else total + (ind.weight.value or 0.0))
    for label, rows in groups.values():
        if label is not None and rows is not None and _differs(label.weight, rows, ctx):
            yield finding(
                "S004",
                label,
                expected=rows,
                actual=label.weight,
                label=label.raw or label.name,
                written=show(label.weight),
                rows=show(rows),
            )


@rule("S005", Severity.ERROR, needs=(LINES,))
def quantitative_score_as_computed(project: Project, ctx: Context) -> Iterator[Finding]:
    """定量指标自评得分应等于按完成比例计算的得分 | A 定量 line's score must equal the computed one.
    按评分规则（scoring.md）：达到目标得满分，否则按完成比例计分；这是算术，复核得分以计算结果为准。
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


@rule("S006", Severity.WARNING, needs=(LINES,))
def qualitative_score_in_band(project: Project, ctx: Context) -> Iterator[Finding]:
    """定性指标自评得分应在其完成程度对应的区间内 | A 定性 score should lie in the band of its completion level.

    财预〔2020〕10号第十二条：达成年度指标得分值的 80%–100%，部分达成 60%–80%，未达成 0–60%。完成程度只看
    实际完成值，是一种判断，所以只提示区间、不改分；复核得分仍为自评得分，是否调整由审核人员决定。
    单位在完成程度列自己选了档次的，不在此列（由 S018 核对）。
    """
    for ind, line in _lines(project, ctx):
        if (
            line.kind != QUALITATIVE
            or line.band is None
            or line.stated_level
            or not _claim_in_range(ind, ctx)
        ):
            continue  # v3: a band the unit stated itself is S018's
        low, high = line.band
        if not in_band(line.claimed, line.band, ctx.settings, line.level):
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


@rule("S007", Severity.ERROR, needs=(LINES,))
def deduction_explained(project: Project, ctx: Context) -> Iterator[Finding]:
    """扣分须填写偏差原因 | Points deducted need a reason in 偏差原因分析及改进措施.
    财预〔2020〕10号要求对每项未完成的指标说明原因和改进措施。
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


@rule("S008", Severity.WARNING, needs=(LINES,))
def quantitative_actual_comparable(project: Project, ctx: Context) -> Iterator[Finding]:
    """定量指标的实际完成值应为同单位的数值 | A 定量 actual should be one number in the target's unit.

    “超额完成”“按时完成”这类文字、含多个数字的句子（“计划40所完成38所”）或单位不同的数值，无法与年度指标值
    比较，得分无法核验，暂按自评得分计。句子中只有一个数字（“实际受益4812人”）就按这个数字核验；
    时限指标（“12月底前”）写“按时完成”视为按期完成，不在此列。“百分比”“百分之”与“%”是同一单位，不提示。
    """
    for ind, line in _lines(project, ctx):
        if line.kind != QUANTITATIVE:
            continue
        if line.deadline is not None:  # a 时限 line: a date or 按时完成
            if line.computed is None and line.weight is not None:
                key = "S008_blank" if ind.actual.blank else "S008_deadline"
                yield finding(
                    "S008", ind.actual, key, name=_name(ind), done=ind.actual.text, target=ind.target.text
                )
            continue
        m = line.measurement
        if m is None:
            continue
        target = ind.target.text
        if m.actual is None:
            key = "S008_blank" if ind.actual.blank else "S008_several" if m.several_numbers else "S008_text"
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


def gives_a_reason(text: str, ctx: Context) -> bool:
    """A 偏差原因 that says something: not blank, and not a placeholder such as `无` or `/`."""
    said = text.strip().rstrip("。.；;，, ")
    return bool(said) and said not in ctx.settings.checks.no_reason_texts


@rule("S009", Severity.WARNING, needs=(LINES,))
def overshoot_explained(project: Project, ctx: Context) -> Iterator[Finding]:
    """超额完成幅度过大且未说明原因 | A target exceeded by more than the margin, with no reason given.

    财预〔2020〕10号要求说明偏差原因：超出太多，可能是年初指标值定得偏低。偏差原因已写明理由的不再提示；
    不自动扣分（是否因目标偏低而扣分由审核人员判断）。
    """
    margin = ctx.settings.scoring.overshoot_margin
    for ind, m in _measured(project, ctx):
        over = m.overshoot
        if over is not None and over > margin and not gives_a_reason(ind.deviation.text, ctx):
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


_NEGATIONS = ("无", "不", "未", "没有", "并未", "没")


def shortfall_word(text: str, words: tuple[str, ...]) -> str | None:
    """The first word of `words` that `text` uses as a shortfall: `无影响`, `不影响` are none."""
    for word in words:
        start = text.find(word)
        while word and start >= 0:
            if word.startswith(_NEGATIONS) or not text[:start].endswith(_NEGATIONS):
                return word
            start = text.find(word, start + 1)
    return None


@rule("S010", Severity.WARNING, needs=(LINES,))
def full_marks_without_shortfall(project: Project, ctx: Context) -> Iterator[Finding]:
    """满分却写有未完成情况 | Full marks, yet the line describes or shows a shortfall.

    偏差原因写了问题（“不足”“延误”等），或实际完成值没有达到定量目标（包括目标为 0 却发生了 1 起、
    时限已过才完成），却得了满分，两者矛盾：请核实是否应扣分。
    """
    words = ctx.settings.checks.shortfall_words
    for ind, line in _lines(project, ctx):
        if not _full_marks(ind, ctx):
            continue
        if line.kind == QUANTITATIVE and line.met is False:
            if line.method == DEADLINE:
                done = ind.actual.text
            else:
                m = line.measurement
                done = (
                    quantity(m.actual, m.unit) if m is not None and m.actual is not None else ind.actual.text
                )
            yield finding(
                "S010",
                ind.actual,
                "S010_below",
                name=_name(ind),
                target=ind.target.text,
                done=done,
                weight=show(ind.weight.value),
            )
        elif word := shortfall_word(ind.deviation.text, words):
            yield finding(
                "S010", ind.deviation, "S010_words", name=_name(ind), word=word, weight=show(ind.weight.value)
            )


def total_differences(project: Project, ctx: Context) -> list[str]:
    """What makes the computed total differ from Σ of the unit's scores: the lines whose 复核得分 is
    not the claim, a 预算执行率 short of full marks, the 100-point rescaling, a provincial cap."""
    scores, d = ctx.scores, ctx.settings.scoring.decimals
    parts = []
    for ind, line in _lines(project, ctx):
        if line.weight is None or line.final is None:
            continue
        if line.claimed is None or _differs(line.final, line.claimed, ctx):
            claimed = "未填" if line.claimed is None else show(line.claimed, d)
            parts.append(
                MSG["S011_line"].format(
                    row=ind.row, name=_name(ind), kind=line.kind, final=show(line.final, d), claimed=claimed
                )
            )
    rescaled = scores.rescaled
    claimed_total = project.info.claimed_total.value
    claimed_lines = [line.claimed for _, line in _lines(project, ctx) if line.weight is not None]
    if scores.budget_score is None:
        parts.append(MSG["S011_budget_unknown"])
    elif not rescaled and claimed_total is not None and None not in claimed_lines:
        implied = claimed_total - sum(claimed_lines)  # what the unit's total gives 预算执行率
        if _differs(implied, scores.budget_score, ctx):
            parts.append(
                MSG["S011_budget_implied"].format(
                    score=show(scores.budget_score, d), implied=show(implied, d)
                )
            )
    elif _differs(scores.budget_score, scores.budget_weight, ctx):
        parts.append(
            MSG["S011_budget"].format(
                score=show(scores.budget_score, d), weight=show(scores.budget_weight, d)
            )
        )
    if rescaled:
        parts.append(
            MSG["S011_rescaled"].format(weight=show(scores.weight_total, d), scale=show(scores.scale, d))
        )
    if scores.capped_at is not None:
        parts.append(MSG["S011_capped"].format(cap=show(scores.capped_at, d)))
    return parts


@rule("S011", Severity.ERROR, needs=(TOTAL,))
def claimed_total_as_computed(project: Project, ctx: Context) -> Iterator[Finding]:
    """自评总分应等于复核总分 | The unit's 自评总分 must equal the computed total.

    等级和报告都以总分为准。v2 起只有算术（定量指标、预算执行率、百分制折算、超出分值的得分）会改变复核总分，
    所以意见逐项写明差在哪几行，单位照此更正即可。
    """
    claimed = project.info.claimed_total
    total = ctx.scores.total
    if claimed.value is None or not ctx.scores.claimed_total_differs:
        return
    parts = total_differences(project, ctx)
    lines = "；".join(parts) if parts else MSG["S011_sum"].format(total=show(total))
    yield finding(
        "S011",
        claimed,
        expected=total,
        actual=claimed.value,
        claimed=show(claimed.value),
        computed=show(total),
        lines=lines,
        arithmetic=ctx.scores.total_arithmetic,
    )


@rule("S012", Severity.ERROR, needs=(TOTAL,))
def claimed_grade_as_computed(project: Project, ctx: Context) -> Iterator[Finding]:
    """自评等级应与复核总分的等级一致 | The unit's 自评等级 must be the computed total's grade.
    第十三条按总分定等级：90 分（含）以上优、80 分（含）以上良、60 分（含）以上中，以下为差（分数线在 config.toml）。
    """
    claimed = project.info.claimed_grade
    if claimed.value is not None and ctx.scores.claimed_grade_differs:
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
    """指标行缺少分值、自评得分或三级指标 | An indicator line without 分值, 自评得分 or a 三级指标.
    分值和自评得分都没填的行不计分；只填了其中一个的，本行和总分无法复核（不按 0 计）；没有名称的指标无法在报告中说明。
    """
    for ind in project.indicators:
        if ind.weight.ref is not None and ind.weight.blank:
            key = "S013_weight" if ind.claimed.blank else "S013_weight_scored"  # v3: the latter is unknown
            yield finding("S013", ind.weight, key, row=ind.row, name=_name(ind))
        line = ctx.scores.for_row(ind.row)
        blocked = {u.cell for u in line.unknown} if line is not None else set()
        if ind.claimed.ref is not None and ind.claimed.blank and ind.claimed.ref.cell in blocked:
            yield finding("S013", ind.claimed, "S013_claimed", row=ind.row, name=_name(ind))
        if ind.level3.ref is not None and ind.level3.blank:
            yield finding("S013", ind.level3, "S013_level3", row=ind.row)


@rule("S014", Severity.WARNING, needs=(LINES,))
def cost_target_capped(project: Project, ctx: Context) -> Iterator[Finding]:
    """成本指标应设上限而非下限 | A 成本指标 target should be a cap (≤), not a floor (≥).
    成本是控制上限的；成本指标写成“≥”，几乎总是比较符号写反了。
    """
    for ind, line in _lines(project, ctx):
        if not (ind.level2.name.endswith(COST_LABEL) or ind.level1.name == COST_LABEL):
            continue
        target = line.measurement.target if line.measurement is not None else None
        comparator = target and (target.comparator or column_comparator(ind))
        if target is not None and comparator in _FLOORS:
            yield finding("S014", ind.target, name=_name(ind), target=ind.target.text, comparator=comparator)


@rule("S015", Severity.WARNING, needs=(LINES,))
def capped_rate_at_most_full(project: Project, ctx: Context) -> Iterator[Finding]:
    """比率不应超过 100% | A rate that cannot exceed 100% is stated above it.
    合格率、满意度、覆盖率等是占整体的比例，超过 100% 一定是录入错误。
    """
    words = ctx.settings.checks.capped_rate_words
    for ind, line in _lines(project, ctx):
        if _first_word(f"{ind.level2.name}{ind.level3.text}", words) is None:
            continue
        m = line.measurement
        if m is None:
            continue
        stated = [(ind.target, "年度指标值", m.target.value if m.target.unit == PERCENT else None)]
        if m.comparable and m.unit == PERCENT:
            stated.append((ind.actual, "实际完成值", m.actual))
        for cell, what, rate in stated:
            if rate is not None and rate > FULL_RATE:
                yield finding(
                    "S015", cell, expected=FULL_RATE, actual=rate, name=_name(ind), what=what, value=cell.text
                )


@rule("S016", Severity.INFO, needs=(LINES,))
def quantitative_target_has_unit(project: Project, ctx: Context) -> Iterator[Finding]:
    """定量指标值应写明单位 | A 定量 target should name its unit.

    “≥36”——36 什么？没有单位就无法核对实际完成值。度量单位（计量单位）列已写明单位的不提示。
    """
    for ind, m in _measured(project, ctx):
        if not m.target.unit and unit_column(ind) is None and not m.less_is_better:
            yield finding("S016", ind.target, name=_name(ind), target=ind.target.text)


@rule("S017", Severity.WARNING)
def indicator_names_known(project: Project, ctx: Context) -> Iterator[Finding]:
    """一级、二级指标名称应为规定的名称 | 一级/二级指标 names should be those of 财预〔2020〕10号.

    名称写错（如“效果指标”），分值会记到一个不存在的一级指标下，S003 的权重核对也就落空。简写（“产出”“满意度”）
    直接按全称计；只有一个相近名称时按该名称计分并提示，否则按原名计分并给出最接近的名称。
    """
    seen: set[tuple[int, str]] = set()
    for ind in project.indicators:
        for level, label, known in ((1, ind.level1, LEVEL1), (2, ind.level2, LEVEL2)):
            written = label.written or label.name
            if not written or (level, written) in seen or label.ref is None:
                continue
            name, how = indicator_name(written, known)
            if how not in (CLOSEST, UNKNOWN):
                continue
            seen.add((level, written))
            words = {"level": "一级指标" if level == 1 else "二级指标", "written": written}
            if how == CLOSEST:
                yield finding(
                    "S017", label, "S017_closest", expected=name, actual=written, closest=name, **words
                )
            else:
                closest = closest_name(written, known)
                key = "S017_unknown" if closest else "S017_none"
                yield finding(
                    "S017", label, key, expected=closest or None, actual=written, closest=closest, **words
                )
