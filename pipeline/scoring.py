"""Project -> Scores: the 复核得分 of every line, by scoring.md (财预〔2020〕10号 第十一–十三条).

Pure: the same project and settings always give the same scores; every weight, band, keyword and
method comes from `Settings`. Each line keeps the arithmetic a reviewer can follow.

Decisions worth knowing:
- 定量 vs 定性: the 指标性质 column when it says 定量/定性, else 定量 when 年度指标值 reads as a
  quantity (`≥36次`, `100%`, `=5`), else 定性.
- Bare numbers and `等于` read as "at least", except on the 二级指标 of `scoring.at_most_level2`
  (成本/时效), which read as "at most". `>`/`<` are strict: the target is met only when beaten,
  though the proportional score at equality is still the full 分值 (S010 asks about it).
- Units: an actual with no unit takes the target's (a bare number against a `%` target is read
  as a rate the way values.parse_rate reads one: 0.98 and 98 both mean 98%). Units that still
  differ after normalising are not guessed at: the line cannot be verified, the unit's claim
  stands and S008 says so.
- 定性 completion level (`qualitative_level`): 实际完成值 is matched against the keyword lists
  of `[qualitative]`, failed words before partial before achieved (`未完成` is failed, `基本完成`
  partial). The deviation text can only lower the level: a reason that describes a shortfall
  (a `[qualitative] partial` word or a `[checks] shortfall_words` word such as 故障/影响) turns
  "achieved" into "partial", because a unit that explains a problem did not fully reach the
  target. That is how the seed's `正常运转` rows with `硬件配置，影响传输…` (8 of 10) and
  `全县网络故障…` (3 of 5) read as 部分达成 and their claims stand. The deviation never raises a
  level, nor sets "failed" by itself (`没有偏差` must not read as failure). No keyword: level
  unknown, the claim stands, no band.
- Bands are closed intervals of the 分值: a score on a boundary (8 of 10) fits both neighbouring
  levels, so S006 flags only a claim that no reading of the band allows. A claim outside the band
  is brought to the nearest edge of the band.
- Rows with no 分值 count nothing (neither weight nor score): S013 flags them.
- The total is Σ得分 when the 分值 add to `weights.total`, else rescaled: Σ得分 ÷ Σ分值 × total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .config import Grades, Settings
from .display import quantity, show
from .display import round_half_up as round_score  # a score rounds as it is shown
from .model import FundRow, Indicator, IndicatorScore, Project, Scores, Subtotal
from .values import AT_LEAST, AT_MOST, EQUAL, GREATER, LESS, Quantity, parse_quantity, parse_rate

QUANTITATIVE, QUALITATIVE = "定量", "定性"
UNVERIFIABLE = "无法核验"
ACHIEVED, PARTIAL, FAILED = "达成", "部分达成", "未达成"
PERCENT = "%"
FULL_RATE = 100.0  # percent: a rate's natural ceiling

# comparator as written -> (the direction it is scored in, strict?)
_DIRECTIONS: dict[str, tuple[str, bool]] = {
    AT_LEAST: (AT_LEAST, False),
    GREATER: (AT_LEAST, True),
    AT_MOST: (AT_MOST, False),
    LESS: (AT_MOST, True),
}


# ---------------------------------------------------------------- grades
def grade_of(total: float, grades: Grades) -> str:
    """第十三条: 优 / 良 / 中 / 差 by the thresholds of `[grades]`."""
    if total >= grades.excellent:
        return "优"
    if total >= grades.good:
        return "良"
    if total >= grades.pass_:
        return "中"
    return "差"


# ---------------------------------------------------------------- 定量 / 定性
def nature_of(ind: Indicator) -> str:
    """定量/定性 as written in 指标性质, else inferred from whether 年度指标值 is a quantity."""
    written = ind.nature.text
    for kind in (QUANTITATIVE, QUALITATIVE):
        if kind in written:
            return kind
    return QUANTITATIVE if parse_quantity(ind.target.raw) is not None else QUALITATIVE


def _reads_at_most(ind: Indicator, settings: Settings) -> bool:
    at_most = settings.scoring.at_most_level2
    return ind.level2.name in at_most or ind.level1.name in at_most


@dataclass(frozen=True)
class Measurement:
    """A 定量 line's target and actual, in the target's unit, as the score reads them."""

    target: Quantity
    actual: float | None  # None: 实际完成值 is blank or not a number (`超额完成`)
    actual_unit: str  # after normalising; the target's when none was written
    direction: str  # AT_LEAST or AT_MOST: how the line is scored
    strict: bool  # `>` / `<`: the target must be beaten, not met

    @property
    def unit(self) -> str:
        return self.target.unit or self.actual_unit

    @property
    def unit_mismatch(self) -> bool:
        return bool(self.target.unit and self.actual_unit and self.target.unit != self.actual_unit)

    @property
    def comparable(self) -> bool:
        return self.actual is not None and not self.unit_mismatch

    @property
    def completed(self) -> bool | None:
        """Target met (beaten, when strict); None when the two cannot be compared."""
        if not self.comparable:
            return None
        a, t = self.actual, self.target.value
        if self.direction == AT_LEAST:
            return a > t if self.strict else a >= t
        return a < t if self.strict else a <= t

    @property
    def overshoot(self) -> float | None:
        """actual ÷ target − 1 for an "at least" line (how far the target was exceeded)."""
        if not self.comparable or self.direction != AT_LEAST or self.target.value <= 0:
            return None
        return self.actual / self.target.value - 1


def measure(ind: Indicator, settings: Settings) -> Measurement | None:
    """The quantities of a 定量 line; None when 年度指标值 is not a quantity."""
    target = parse_quantity(ind.target.raw)
    if target is None:
        return None
    if target.comparator in _DIRECTIONS:
        direction, strict = _DIRECTIONS[target.comparator]
    else:  # a bare number or 等于: counts and rates at least, costs and durations at most
        direction, strict = (AT_MOST if _reads_at_most(ind, settings) else AT_LEAST), False
    actual = parse_quantity(ind.actual.raw)
    if actual is None:
        return Measurement(target, None, "", direction, strict)
    value, unit = actual.value, actual.unit
    if not unit and target.unit == PERCENT:
        rate = parse_rate(value)  # 0.98 or 98 against `≥95%`: both 98%
        value, unit = (rate if rate is not None else value) * FULL_RATE, PERCENT
    return Measurement(target, value, unit or target.unit, direction, strict)


def _comparator_word(m: Measurement) -> str:
    written = m.target.comparator
    if written in (None, EQUAL):
        return f"{EQUAL}（按{m.direction}计）"
    return written


def _score_quantitative(ind: Indicator, weight: float, settings: Settings) -> IndicatorScore:
    d = settings.scoring.decimals
    m = measure(ind, settings)
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
        written = f"“{ind.actual.text}”不是数值" if ind.actual.text else "未填写"
        return unverified(f"{lead}→实际完成值{written}")
    done = f"{lead}→完成{quantity(m.actual, m.actual_unit)}"
    if m.unit_mismatch:
        return unverified(f"{done}：单位不一致（{m.target.unit}/{m.actual_unit}）")
    method = m.target.comparator or EQUAL
    if m.completed:
        return IndicatorScore(
            ind.row,
            QUANTITATIVE,
            method,
            weight,
            claimed,
            round_score(weight, d),
            arithmetic=f"{done}：达到目标，得满分 {show(weight, d)}",
        )
    computed = round_score(_quantitative_points(weight, m, settings), d)
    formula = _formula(weight, m, settings)
    shortfall = f"须{m.target.comparator}目标，" if m.strict else ""
    return IndicatorScore(
        ind.row,
        QUANTITATIVE,
        method,
        weight,
        claimed,
        computed,
        arithmetic=f"{done}：{shortfall}{formula}={show(computed, d)}",
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


def _mentions(text: str, words: Iterable[str]) -> bool:
    return any(w and w in text for w in words)


def qualitative_level(ind: Indicator, settings: Settings) -> str:
    """达成 / 部分达成 / 未达成 read from 实际完成值, lowered by a deviation describing a shortfall; '' unknown."""
    q = settings.qualitative
    actual = ind.actual.text
    if _mentions(actual, q.failed):
        level = FAILED
    elif _mentions(actual, q.partial):
        level = PARTIAL
    elif _mentions(actual, q.achieved):
        level = ACHIEVED
    else:
        return ""
    if level == ACHIEVED and _mentions(ind.deviation.text, (*q.partial, *settings.checks.shortfall_words)):
        return PARTIAL
    return level


def band_of(level: str, weight: float, settings: Settings) -> tuple[float, float] | None:
    q = settings.qualitative
    fractions = {ACHIEVED: q.achieved_band, PARTIAL: q.partial_band, FAILED: q.failed_band}.get(level)
    if fractions is None:
        return None
    d = settings.scoring.decimals
    return round_score(weight * fractions[0], d), round_score(weight * fractions[1], d)


def _score_qualitative(ind: Indicator, weight: float, settings: Settings) -> IndicatorScore:
    d = settings.scoring.decimals
    claimed = ind.claimed.value
    level = qualitative_level(ind, settings)
    band = band_of(level, weight, settings)
    if band is None:
        return IndicatorScore(
            ind.row,
            QUALITATIVE,
            QUALITATIVE,
            weight,
            claimed,
            claimed,
            arithmetic=f"定性·完成程度无法从“{ind.actual.text}”判断，采用自评得分 {_claim_text(claimed, d)}",
        )
    lo, hi = band
    lead = f"定性·{level}·区间 {show(lo, d)}–{show(hi, d)}"
    if claimed is None:
        return IndicatorScore(
            ind.row, QUALITATIVE, QUALITATIVE, weight, None, None, band, level, f"{lead}：未填自评得分"
        )
    tolerance = settings.tolerance.score
    if lo - tolerance <= claimed <= hi + tolerance:
        computed, verdict = claimed, f"自评 {show(claimed, d)} 在区间内"
    else:
        computed = round_score(min(max(claimed, lo), hi), d)
        verdict = f"自评 {show(claimed, d)} 超出区间，复核取 {show(computed, d)}"
    return IndicatorScore(
        ind.row, QUALITATIVE, QUALITATIVE, weight, claimed, computed, band, level, f"{lead}：{verdict}"
    )


def score_indicator(ind: Indicator, settings: Settings) -> IndicatorScore:
    weight = ind.weight.value
    kind = nature_of(ind)
    if weight is None:
        return IndicatorScore(
            ind.row, kind, UNVERIFIABLE, None, ind.claimed.value, None, arithmetic="未填分值，不计入总分"
        )
    if kind == QUANTITATIVE:
        return _score_quantitative(ind, weight, settings)
    return _score_qualitative(ind, weight, settings)


# ---------------------------------------------------------------- 预算执行率
@dataclass(frozen=True)
class BudgetScore:
    base: float | None
    executed: float | None
    rate: float | None
    score: float | None
    arithmetic: str


def score_budget(total: FundRow | None, settings: Settings) -> BudgetScore:
    """第十一条: 预算执行率 得分 = 分值 × min(执行率, 100%) (or the configured bands)."""
    d = settings.scoring.decimals
    weight = settings.weights.budget_execution
    if total is None:
        return BudgetScore(
            None, None, None, None, "资金情况缺少年度资金总额，预算执行率得分无法计算，按 0 计"
        )
    base, executed = total.budget.value, total.executed.value
    base_name = "全年预算数" if total.adjusted.value is not None else "年初预算数"
    if base is None or executed is None or base <= 0:
        return BudgetScore(
            base,
            executed,
            None,
            None,
            f"{base_name}或全年执行数缺失（或为 0），预算执行率得分无法计算，按 0 计",
        )
    rate = executed / base
    share, how = _budget_share(rate, settings)
    points = round_score(weight * share, d)
    rate_text = f"{show(rate * FULL_RATE, d)}%"
    return BudgetScore(
        base,
        executed,
        rate,
        points,
        f"执行率 {show(executed)}/{show(base)}（{base_name}）={rate_text}："
        f"{show(weight, d)}×{how}={show(points, d)}",
    )


def _budget_share(rate: float, settings: Settings) -> tuple[float, str]:
    d = settings.scoring.decimals
    if settings.scoring.budget_method == "banded":
        for lowest, share in settings.scoring.budget_bands:
            if rate >= lowest:
                return share, f"{show(share * FULL_RATE, d)}%（执行率≥{show(lowest * FULL_RATE, d)}%档）"
        return 0.0, "0（低于最低档）"
    capped = min(rate, 1.0)
    return capped, f"{show(capped * FULL_RATE, d)}%"


# ---------------------------------------------------------------- the whole project
def _subtotals(indicators: tuple[Indicator, ...], lines: list[IndicatorScore]) -> tuple[Subtotal, ...]:
    sums: dict[tuple[str, str], list[float]] = {}
    for ind, line in zip(indicators, lines, strict=True):
        acc = sums.setdefault((ind.level1.name, ind.level2.name), [0.0, 0.0, 0.0])
        if line.weight is None:
            continue
        acc[0] += line.weight
        acc[1] += line.claimed or 0.0
        acc[2] += line.final or 0.0
    return tuple(Subtotal(l1, l2, w, c, f) for (l1, l2), (w, c, f) in sums.items())


def _level1_weights(indicators: tuple[Indicator, ...]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for ind in indicators:
        weights[ind.level1.name] = weights.get(ind.level1.name, 0.0) + (ind.weight.value or 0.0)
    return weights


def score(project: Project, settings: Settings) -> Scores:
    d = settings.scoring.decimals
    budget = score_budget(project.total, settings)
    lines = [score_indicator(ind, settings) for ind in project.indicators]
    counted = [line for line in lines if line.weight is not None]
    indicator_weight = round_score(sum(line.weight for line in counted), d)
    indicator_score = round_score(sum(line.final or 0.0 for line in counted), d)
    budget_weight = settings.weights.budget_execution
    weight_total = round_score(budget_weight + indicator_weight, d)
    raw_total = round_score((budget.score or 0.0) + indicator_score, d)
    scale = settings.weights.total
    if abs(weight_total - scale) <= settings.tolerance.score or weight_total <= 0:
        total = raw_total
        total_text = f"{show(budget.score or 0.0, d)}+{show(indicator_score, d)}={show(total, d)}"
    else:  # 分值 do not add to 100: state the total on a 100-point scale
        total = round_score(raw_total / weight_total * scale, d)
        total_text = (
            f"分值合计 {show(weight_total, d)}，折算为 {show(scale, d)} 分制："
            f"({show(budget.score or 0.0, d)}+{show(indicator_score, d)})÷{show(weight_total, d)}"
            f"×{show(scale, d)}={show(total, d)}"
        )
    return Scores(
        budget=budget.base,
        executed=budget.executed,
        execution_rate=budget.rate,
        budget_weight=budget_weight,
        budget_score=budget.score,
        indicator_weight=indicator_weight,
        indicator_score=indicator_score,
        weight_total=weight_total,
        raw_total=raw_total,
        total=total,
        grade=grade_of(total, settings.grades),
        indicators=tuple(lines),
        subtotals=_subtotals(project.indicators, lines),
        level1_weights=_level1_weights(project.indicators),
        paid=_paid(project),
        budget_arithmetic=budget.arithmetic,
        total_arithmetic=total_text,
    )


def _paid(project: Project) -> float | None:
    """Σ 支付明细, the evidence for 全年执行数; unknown if any amount is unknown (never a silent zero).
    An empty list is a statement too: nothing was paid."""
    amounts = [pay.amount.value for pay in project.payments]
    if "支付明细" in project.missing or any(a is None for a in amounts):
        return None
    return round(sum(amounts), 6)
