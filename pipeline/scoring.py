"""Project -> Scores: the 复核得分 of every line, by scoring.md v3 (财预〔2020〕10号 第十一–十三条).

Pure: the same project and settings always give the same scores; every weight, band, keyword and
method comes from `Settings`. Each line keeps the arithmetic a reviewer can follow.

v2 principle: a 复核得分 differs from the unit's 自评得分 only where arithmetic proves it (定量 lines,
预算执行率, the 100-point rescaling, a claim outside 0–分值). Judgements never move a score.

Decisions worth knowing:
- 定量 vs 定性: the 指标性质 column when it says 定量/定性; a comparator there (`≥`, `正向`) makes a
  line whose 年度指标值 is a number 定量; a deadline (`12月底前`) is a 时限 line; else 定量 when
  年度指标值 reads as a quantity (`≥36次`, `100%`, `不少于200人`), else 定性.
- Direction: "less is better" first (a target of 0, or a 三级指标 naming a negative event such as
  事故/投诉 — unless it counts what is done about it, 投诉办结率), then the target's own comparator,
  then the 指标性质 column, then the default: bare numbers and `等于` read "at least", except on the
  二级指标 of `scoring.at_most_level2` (成本/时效), which read "at most" (a % on a 时效 row is a rate:
  at least). `>`/`<` are strict: met only when beaten, though the proportional score at equality is
  still the full 分值 (S010 asks about it).
- Units: a 度量单位 column gives bare numbers their unit. An actual with no unit takes the target's
  unit *with its multiplier* (`≤90万元` vs `120` is 120万元). A bare actual of at most 1 against a %
  target is read as whichever of `0.98`→98% / `0.4`→0.4% lies nearer the target (Excel stores a
  %-formatted 98% as 0.98). One number among words (`实际受益4812人`) is that number; two or more are
  not guessed. Units that still differ are not guessed either: the claim stands and S008 says so.
- An "at most 0" target that was missed (1起 against 0起) cannot be prorated: the claim stands.
- Deadlines: met by a date on or before it → full marks (arithmetic); met or missed only in words
  (`按时完成`, `延期`) → the claim stands; a missed deadline with full marks is S010.
- 定性: the completion level is read from 实际完成值 alone (failed words before partial before
  achieved, so `未完成` is not `完成`); the deviation text never changes it. The unit's 自评得分 is
  the 复核得分 (brought into 0–分值 only); the band is shown, and a claim outside it is S006.
- Optional provincial rules, off by default: `deviation_penalty` (points off a 定量 line whose
  actual deviates from the target by a configured share either way) and `total_caps` (a total
  capped when 执行率 is low). Both are arithmetic and appear in the line's / total's arithmetic.
- Rows with neither 分值 nor 自评得分 count nothing: S013 flags them. v3 (unknown.py): a figure the
  workbook does not give — one of those two blank, an unreadable cell, a missing sheet or column —
  makes its line unknown, and 总分 and 等级 with it (None, never a guessed 0); Scores.unknown names
  the cells, Scores.verified what could be verified. A reviewer's 调整 supplies the figure.
- Rounding (v3): lines and the 预算执行率 score are rounded first, 总分 is the sum of the rounded
  lines, a rescaled total is rounded once more.
- The total is Σ得分 when the 分值 add to `weights.total`, else rescaled: Σ得分 ÷ Σ分值 × total.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import date

from .budget_line import score_budget
from .config import Grades, Settings
from .display import quantity, show
from .display import round_half_up as round_score  # a score rounds as it is shown
from .measure import (
    ACHIEVED,
    DEADLINE,
    FAILED,
    FULL_RATE,
    PARTIAL,
    QUALITATIVE,
    QUANTITATIVE,
    SOME_YEAR,
    UNVERIFIABLE,
    Measurement,
    deadline_of,
    measure,
    mentions,
    nature_of,
    qualitative_level,
    stated_level,
)
from .model import CellRef, Indicator, IndicatorScore, Project, Scores, Subtotal, Unknown, Verified
from .schema import GRADES
from .unknown import (
    budget_supplied,
    line_unknowns,
    table_unknowns,
    unknown_total_text,
    weight_unknown,
)
from .values import (
    AT_LEAST,
    AT_MOST,
    EQUAL,
    LESS,
    date_in_words,
)


# ---------------------------------------------------------------- grades
def grade_of(total: float, grades: Grades) -> str:
    """第十三条: 优 / 良 / 中 / 差 (schema.GRADES) by the thresholds of `[grades]`."""
    excellent, good, passed, failed = GRADES
    if total >= grades.excellent:
        return excellent
    if total >= grades.good:
        return good
    if total >= grades.pass_:
        return passed
    return failed


def _comparator_word(m: Measurement) -> str:
    written = m.written
    if m.less_is_better and written not in (AT_MOST, LESS):
        return f"{AT_MOST}（少者为优）"
    if written in (None, EQUAL):
        return f"{EQUAL}（按{m.direction}计）"
    return written


def _clamped(claimed: float | None, weight: float, decimals: int) -> float | None:
    """The unit's claim as a 复核得分: it stands, brought into 0–分值 (S001 says when it was not)."""
    if claimed is None:
        return None
    return round_score(min(max(claimed, 0.0), weight), decimals)


def _claim_stands(claimed: float | None, weight: float, decimals: int) -> str:
    stands = _clamped(claimed, weight, decimals)
    if claimed is None:
        return "未填自评得分"
    if stands != round_score(claimed, decimals):
        return f"自评 {show(claimed, decimals)} 超出 0–{show(weight, decimals)}，取 {show(stands, decimals)}"
    return f"采用自评得分 {show(claimed, decimals)}"


def _score_quantitative(
    ind: Indicator, weight: float, m: Measurement | None, settings: Settings
) -> IndicatorScore:
    d = settings.scoring.decimals
    claimed = ind.claimed.value

    def unverified(reason: str) -> IndicatorScore:
        return IndicatorScore(
            ind.row,
            QUANTITATIVE,
            UNVERIFIABLE,
            weight,
            claimed,
            None,
            arithmetic=f"{reason}，无法核验，采用自评得分 {_claim_text(claimed, d)}",
        )

    if m is None:
        return unverified(f"定量·年度指标值“{ind.target.text}”不是数值")
    lead = f"定量·{_comparator_word(m)}·{quantity(m.target.value, m.target.unit)}"
    if m.actual is None:
        if m.several_numbers:
            written = f"“{ind.actual.text}”含多个数字"
        else:
            written = f"“{ind.actual.text}”不是数值" if ind.actual.text else "未填写"
        return unverified(f"{lead}→实际完成值{written}")
    done = f"{lead}→完成{quantity(m.actual, m.actual_unit)}"
    if m.unit_mismatch:
        return unverified(f"{done}：单位不一致（{m.target.unit}/{m.actual_unit}）")
    method = AT_MOST if m.less_is_better else (m.written or EQUAL)
    if m.zero_cap_missed:
        return IndicatorScore(
            ind.row,
            QUANTITATIVE,
            method,
            weight,
            claimed,
            _clamped(claimed, weight, d),
            arithmetic=f"{done}：目标为 0，超出即未达成，无法按比例计分，{_claim_stands(claimed, weight, d)}",
            met=False,
        )
    if m.completed:
        points, formula = weight, f"达到目标，得满分 {show(weight, d)}"
    else:
        points = _quantitative_points(weight, m, settings)
        shortfall = f"须{m.target.comparator}目标，" if m.strict else ""
        formula = f"{shortfall}{_formula(weight, m, settings)}={show(round_score(points, d), d)}"
    penalty, why = _deviation_penalty(m, settings)
    if penalty:
        points = max(round_score(points, d) - penalty, 0.0)
        formula = f"{formula}；{why}，扣 {show(penalty, d)} 分={show(round_score(points, d), d)}"
    computed = round_score(points, d)
    if claimed is not None and claimed != computed and _rounded_as_written(points, ind, d):
        computed = round_score(claimed, d)  # 8.9 for 8.89: the unit's figure, to the digits it wrote
        formula = f"{formula}（自评 {show(claimed, d)} 为其按所写位数四舍五入，相符）"
    return IndicatorScore(
        ind.row,
        QUANTITATIVE,
        method,
        weight,
        claimed,
        computed,
        arithmetic=f"{done}：{formula}",
        met=bool(m.completed),
    )


def _rounded_as_written(points: float, ind: Indicator, decimals: int) -> bool:
    """The claim is the computed score rounded to the one or more decimals the unit wrote (`8.9`)."""
    m = re.search(r"\.(\d+)", ind.claimed.raw)
    written = len(m.group(1)) if m else 0
    return 1 <= written < decimals and round_score(points, written) == ind.claimed.value


def _deviation_penalty(m: Measurement, settings: Settings) -> tuple[float, str]:
    """[scoring] deviation_penalty (off by default): the points off for the largest band reached."""
    deviation = m.deviation
    if deviation is None or not settings.scoring.deviation_penalty:
        return 0.0, ""
    reached = [(low, pts) for low, pts in settings.scoring.deviation_penalty if deviation >= low - 1e-12]
    if not reached:
        return 0.0, ""
    low, points = max(reached)
    d = settings.scoring.decimals
    return points, f"偏差 {show(deviation * FULL_RATE, d)}%≥{show(low * FULL_RATE, d)}%"


def _score_deadline(
    ind: Indicator, weight: float, deadline: date, year: int, settings: Settings
) -> IndicatorScore:
    """A 时效 line with a deadline: a date proves it met (full marks); words leave the claim standing."""
    d = settings.scoring.decimals
    claimed = ind.claimed.value
    sc = settings.scoring
    lead = f"{DEADLINE}·{deadline.isoformat()}前"
    actual = ind.actual.text
    done_on = date_in_words(ind.actual.raw, year)
    stands = _clamped(claimed, weight, d)

    def line(points: float | None, said: str, met: bool | None, method: str = DEADLINE) -> IndicatorScore:
        return IndicatorScore(
            ind.row, QUANTITATIVE, method, weight, claimed, points, arithmetic=f"{lead}→{said}", met=met
        )

    if done_on is not None and not mentions(actual, sc.deadline_missed_words):
        if done_on <= deadline:
            return line(
                round_score(weight, d), f"{done_on.isoformat()}完成：达到目标，得满分 {show(weight, d)}", True
            )
        return line(
            stands,
            f"{done_on.isoformat()}完成：晚于时限，无法按比例计分，{_claim_stands(claimed, weight, d)}",
            False,
        )
    if mentions(actual, sc.deadline_missed_words):
        return line(
            stands, f"“{actual}”：未按时完成，无法按比例计分，{_claim_stands(claimed, weight, d)}", False
        )
    if mentions(actual, sc.deadline_met_words):
        return line(stands, f"“{actual}”：按时完成（据文字），{_claim_stands(claimed, weight, d)}", True)
    written = f"“{actual}”无法判断是否按时" if actual else "未填写"
    return line(
        None, f"实际完成值{written}，无法核验，采用自评得分 {_claim_text(claimed, d)}", None, UNVERIFIABLE
    )


def _quantitative_points(weight: float, m: Measurement, settings: Settings) -> float:
    """The points of a comparable 定量 line that did not meet its target."""
    a, t = m.actual, m.target.value
    if m.direction == AT_LEAST:
        return weight * max(min(a / t, 1.0), 0.0) if t > 0 else 0.0
    if a <= 0 or t <= 0:  # an "at most 0" cap that was exceeded
        return 0.0
    if settings.scoring.at_most_method == "linear":  # full at the target, 0 at twice the target
        return weight * max(min(2 - a / t, 1.0), 0.0)
    return weight * min(t / a, 1.0)


def _formula(weight: float, m: Measurement, settings: Settings) -> str:
    """`_quantitative_points` in words, as the reviewer checks it."""
    d = settings.scoring.decimals
    a, t = m.actual, m.target.value
    w, at, tt = show(weight, d), show(a), show(t)
    if m.direction == AT_LEAST:
        return f"{w}×{at}/{tt}" if t > 0 else f"{w}×0"
    if a <= 0 or t <= 0:
        return f"{w}×0"
    if settings.scoring.at_most_method == "linear":
        return f"{w}×(2−{at}/{tt})"
    return f"{w}×{tt}/{at}"


def _claim_text(claimed: float | None, decimals: int) -> str:
    return "（未填）" if claimed is None else show(claimed, decimals)


def band_of(level: str, weight: float, settings: Settings) -> tuple[float, float] | None:
    q = settings.qualitative
    fractions = {ACHIEVED: q.achieved_band, PARTIAL: q.partial_band, FAILED: q.failed_band}.get(level)
    if fractions is None:
        return None
    d = settings.scoring.decimals
    return round_score(weight * fractions[0], d), round_score(weight * fractions[1], d)


def in_band(claimed: float, band: tuple[float, float], settings: Settings, level: str = ACHIEVED) -> bool:
    """scoring.md v3, exact edges: 达成 [80%, 100%], 部分达成 [60%, 80%), 未达成 [0, 60%) of 分值 —
    a claim of exactly 80% is 达成's, exactly 60% 部分达成's."""
    low, high = band
    if claimed < low - 1e-9:
        return False
    return claimed <= high + 1e-9 if level == ACHIEVED else claimed < high - 1e-9


def _score_qualitative(ind: Indicator, weight: float, settings: Settings) -> IndicatorScore:
    """The unit's claim is the 复核得分; the band of its level is shown beside it: the 完成程度 the
    unit states (v3), else the level read from 实际完成值."""
    d = settings.scoring.decimals
    claimed = ind.claimed.value
    stated = stated_level(ind)
    level = stated or qualitative_level(ind, settings)
    band = band_of(level, weight, settings)
    stands = _claim_stands(claimed, weight, d)
    if band is None:
        lead = f"定性·完成程度无法从“{ind.actual.text}”判断"
    else:
        source = "（单位填报完成程度）" if stated else ""
        lead = f"定性·{level}{source}·区间 {show(band[0], d)}–{show(band[1], d)}"
        if claimed is not None and not in_band(claimed, band, settings, level):
            stands = f"自评 {show(claimed, d)} 不在区间内（待审核认定），{stands}"
    return IndicatorScore(
        ind.row,
        QUALITATIVE,
        QUALITATIVE,
        weight,
        claimed,
        _clamped(claimed, weight, d),
        band,
        level,
        f"{lead}：{stands}",
        stated_level=bool(stated),
    )


def score_indicator(ind: Indicator, settings: Settings, year: int | None = None) -> IndicatorScore:
    """One line's 复核得分; `year` (the budget year) places a deadline written without its year."""
    weight = ind.weight.value
    m = measure(ind, settings)
    kind = nature_of(ind, settings, year, quantity=m is not None)
    deadline = deadline_of(ind, year) if kind == QUANTITATIVE else None
    if weight is None:
        line = IndicatorScore(
            ind.row, kind, UNVERIFIABLE, None, ind.claimed.value, None, arithmetic="未填分值，不计入总分"
        )
    elif deadline is not None:
        line = _score_deadline(ind, weight, deadline, year or SOME_YEAR, settings)
    elif kind == QUANTITATIVE:
        line = _score_quantitative(ind, weight, m, settings)
    else:
        line = _score_qualitative(ind, weight, settings)
    return dataclasses.replace(line, measurement=m, deadline=deadline)


# ---------------------------------------------------------------- 预算执行率
# ---------------------------------------------------------------- the whole project
def _subtotals(indicators: tuple[Indicator, ...], lines: list[IndicatorScore]) -> tuple[Subtotal, ...]:
    sums: dict[tuple[str, str], list] = {}
    for ind, line in zip(indicators, lines, strict=True):
        acc = sums.setdefault((ind.level1.name, ind.level2.name), [0.0, 0.0, 0.0])
        if line.unknown:  # unknown is a value: the group's sums are unknown with it
            acc[0] = None if line.weight is None else acc[0]
            acc[2] = None
        if line.weight is None:
            continue
        acc[0] = None if acc[0] is None else acc[0] + line.weight
        acc[1] += line.claimed or 0.0
        acc[2] = None if acc[2] is None or line.final is None else acc[2] + line.final
    return tuple(Subtotal(l1, l2, w, c, f) for (l1, l2), (w, c, f) in sums.items())


def _level1_weights(project: Project) -> dict[str, float | None]:
    """Σ 分值 per 一级指标; None for a group that holds an unknown 分值."""
    weights: dict[str, float | None] = {}
    for ind in project.indicators:
        name, had = ind.level1.name, weights.get(ind.level1.name, 0.0)
        unknown = had is None or weight_unknown(ind, project) or bool(table_unknowns(project))
        weights[name] = None if unknown else had + (ind.weight.value or 0.0)
    return weights


def _adjust(line: IndicatorScore, value: float, note: str, decimals: int) -> IndicatorScore:
    """A reviewer's 调整 (decisions.py, checked there): the 定性 or unknown line's 复核得分 is theirs."""
    reason = note.strip() if note and note.strip() != show(value) else ""  # more than the score
    lead = "" if not line.unknown else "无法复核"
    return dataclasses.replace(
        line,
        computed=round_score(value, decimals),
        adjusted=True,
        unknown=(),
        adjust_reason=reason,
        arithmetic=f"{line.arithmetic}{lead}；审核调整为 {show(value, decimals)}"
        + (f"（{note}）" if reason else ""),
    )


def _unknown_line(line: IndicatorScore, blocked: tuple[Unknown, ...]) -> IndicatorScore:
    cells = "、".join(f"{u.location}（{u.what}）" for u in blocked)
    return dataclasses.replace(
        line, computed=None, unknown=blocked, arithmetic=f"{cells}缺失或无法读取，本行得分无法复核"
    )


def _supplied(line: IndicatorScore, ind: Indicator, figures: frozenset[CellRef]) -> IndicatorScore:
    """A 分值 the reviewer's 调整 supplied (decisions.py): said in the line's arithmetic."""
    if ind.weight.ref is None or ind.weight.ref not in figures:
        return line
    return dataclasses.replace(
        line, adjusted=True, arithmetic=f"分值 {show(line.weight)} 为审核调整；{line.arithmetic}"
    )


def score(
    project: Project,
    settings: Settings,
    adjustments: Mapping[int, tuple[float, str]] | None = None,
    figures: frozenset[CellRef] = frozenset(),
) -> Scores:
    """`adjustments`: 绩效指标 row -> (score, note) of the reviewer's valid 调整 decisions on 定性 or
    unknown lines; `figures`: the cells whose unknown figure a 调整 supplied (decisions.with_figures
    has put them into `project`)."""
    d, tol = settings.scoring.decimals, settings.tolerance.score
    budget = score_budget(project.total, settings, project)
    adjustments = adjustments or {}
    year = project.info.year.value
    table_gap = table_unknowns(project)
    lines = []
    for ind in project.indicators:
        line = score_indicator(ind, settings, year)
        blocked = table_gap or line_unknowns(ind, line, project)
        if blocked:
            line = _unknown_line(line, blocked)
        if line.row in adjustments and (line.kind == QUALITATIVE or line.unknown):
            line = _adjust(line, *adjustments[line.row], d)
        lines.append(_decided(_supplied(line, ind, figures), tol))
    unknown = (
        *budget.unknown,
        *(table_gap if not lines else ()),
        *(u for line in lines for u in line.unknown),
    )
    weights_unknown = bool(table_gap) or any(weight_unknown(ind, project) for ind in project.indicators)
    counted = [line for line in lines if line.weight is not None]
    known = [line for line in counted if line.final is not None]
    indicator_weight = None if weights_unknown else round_score(sum(line.weight for line in counted), d)
    budget_weight = settings.weights.budget_execution
    weight_total = None if indicator_weight is None else round_score(budget_weight + indicator_weight, d)
    level1_weights = _level1_weights(project)
    subtotals = tuple(
        dataclasses.replace(t, claimed_differs=t.computed is not None and abs(t.claimed - t.computed) > tol)
        for t in _subtotals(project.indicators, lines)
    )
    common = dict(
        budget=budget.base,
        executed=budget.executed,
        execution_rate=budget.rate,
        budget_weight=budget_weight,
        budget_score=budget.score,
        indicator_weight=indicator_weight,
        weight_total=weight_total,
        indicators=tuple(lines),
        subtotals=subtotals,
        level1_weights=level1_weights,
        paid=_paid(project),
        budget_arithmetic=budget_supplied(budget.arithmetic, project, figures),
        adjusted=any(line.adjusted for line in lines) or bool(figures),
        scale=settings.weights.total,
    )
    if unknown:
        budget_known = budget.score is not None
        verified = Verified(
            len(known) + budget_known,
            round_score(sum(line.final for line in known) + (budget.score or 0.0), d),
            round_score(sum(line.weight for line in known) + (budget_weight if budget_known else 0.0), d),
        )
        return Scores(
            **common,
            indicator_score=None,
            raw_total=None,
            total=None,
            grade=None,
            total_arithmetic=unknown_total_text(unknown, verified, d),
            unknown=unknown,
            verified=verified,
        )
    indicator_score = round_score(sum(line.final for line in counted), d)
    raw_total = round_score(budget.score + indicator_score, d)
    scale = settings.weights.total
    rescaled = abs(weight_total - scale) > tol and weight_total > 0
    if not rescaled:
        total = raw_total
        total_text = f"{show(budget.score, d)}+{show(indicator_score, d)}={show(total, d)}"
    else:  # 分值 do not add to 100: state the total on a 100-point scale
        total = round_score(raw_total / weight_total * scale, d)
        total_text = (
            f"分值合计 {show(weight_total, d)}，折算为 {show(scale, d)} 分制："
            f"({show(budget.score, d)}+{show(indicator_score, d)})÷{show(weight_total, d)}"
            f"×{show(scale, d)}={show(total, d)}"
        )
    cap = _total_cap(budget.rate, settings)
    capped_at = None
    if cap is not None and total > cap[1] + tol / 2:
        below, capped_at = cap
        total = round_score(capped_at, d)
        total_text += (
            f"；执行率 {show(budget.rate * FULL_RATE, d)}% 低于 {show(below * FULL_RATE, d)}%，"
            f"总分不超过 {show(capped_at, d)} 分：{show(total, d)}"
        )
    grade = grade_of(total, settings.grades)
    claimed_total, claimed_grade = project.info.claimed_total.value, project.info.claimed_grade.value
    return Scores(
        **common,
        indicator_score=indicator_score,
        raw_total=raw_total,
        total=total,
        grade=grade,
        total_arithmetic=total_text,
        capped_at=capped_at,
        rescaled=rescaled,
        claimed_total_differs=claimed_total is not None
        and abs(claimed_total - total) > tol + 1e-9,  # 96.9 − 96.89: float noise
        claimed_grade_differs=claimed_grade is not None and claimed_grade != grade,
        decimals=d,
    )


def _decided(line: IndicatorScore, tol: float) -> IndicatorScore:
    """The line with what the renderers say about it decided here, once."""
    computed, claimed, weight, final = line.computed, line.claimed, line.weight, line.final
    return dataclasses.replace(
        line,
        claimed_differs=computed is not None and claimed is not None and abs(computed - claimed) > tol,
        # a line without any usable score has lost its points too: nothing may call it full marks
        # (an unknown line is neither: it is 无法复核, scoring.md v3)
        lost=weight is not None and not line.unknown and (final is None or final < weight - 1e-9),
    )


def _total_cap(rate: float | None, settings: Settings) -> tuple[float, float] | None:
    """[scoring] total_caps (off by default): the tightest (执行率 below, 总分 at most) pair that applies."""
    if rate is None:
        return None
    applying = [(below, cap) for below, cap in settings.scoring.total_caps if rate < below - 1e-12]
    return min(applying, key=lambda pair: pair[1]) if applying else None


def _paid(project: Project) -> float | None:
    """Σ 支付明细, the evidence for 全年执行数; unknown if any amount is unknown (never a silent zero).
    An empty list is a statement too: nothing was paid."""
    amounts = [pay.amount.value for pay in project.payments]
    if "支付明细" in project.missing or any(a is None for a in amounts):
        return None
    return round(sum(amounts), 6)
