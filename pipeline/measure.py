"""Reading what staff typed on an indicator line (scoring.md v2): 定量 or 定性, the target and the
actual as quantities in one unit, the direction a line is scored in, a deadline, the completion
level of a 定性 line. Scoring (scoring.py) does the arithmetic on what is read here; the checks and
renderers read the `Measurement` a line's `IndicatorScore` carries, never reading the text again.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .config import Settings
from .model import Indicator
from .values import (
    AT_LEAST,
    AT_MOST,
    EQUAL,
    GREATER,
    LESS,
    Quantity,
    comparator_ending,
    comparator_starting,
    comparator_word,
    normalize_unit,
    numbers_in_words,
    parse_deadline,
    parse_quantity,
    parse_zero_target,
    unit_prefix,
)

_SPACES = re.compile(r"\s+")

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


# ---------------------------------------------------------------- 定量 / 定性
DEADLINE = "时限"


def column_comparator(ind: Indicator) -> str | None:
    """A comparator written in 指标性质 (`≥`, `≤`, `=`, `正向`, `反向`), as the 四川/一体化 layouts do,
    or in a column of its own (`指标方向`, `运算符号`) beside a 指标性质 of 定量/定性."""
    return comparator_word(ind.comparator.text) or comparator_word(ind.nature.text)


# A deadline written without its year, in a workbook whose 预算年度 is unknown (I004 said so), is
# still a deadline: its month and day are compared in this stand-in year.
SOME_YEAR = 2000


def deadline_of(ind: Indicator, year: int | None) -> date | None:
    """The last day a 时效 target allows (`12月底前` in the budget year), unless 指标性质 says 定性."""
    if QUALITATIVE in ind.nature.text:
        return None
    return parse_deadline(ind.target.raw, year or SOME_YEAR)


def nature_of(
    ind: Indicator, settings: Settings | None = None, year: int | None = None, quantity: bool | None = None
) -> str:
    """定量/定性 as written in 指标性质, else inferred: a deadline or a quantity is 定量 (`quantity`:
    whether 年度指标值 reads as one, when the caller has read it already)."""
    written = ind.nature.text
    for kind in (QUANTITATIVE, QUALITATIVE):
        if kind in written:
            return kind
    if parse_deadline(ind.target.raw, year or SOME_YEAR) is not None:
        return QUANTITATIVE
    if quantity is None:
        quantity = target_quantity(ind, settings or Settings()) is not None
    return QUANTITATIVE if quantity else QUALITATIVE


_NO_UNIT = ("—", "-", "/", "／", "——", "无", "－")


def unit_column(ind: Indicator) -> tuple[float, str] | None:
    """The 度量单位 column as (multiplier, unit); a placeholder (`—`, `/`) is no unit."""
    text = ind.unit.text
    return normalize_unit(text) if text and text not in _NO_UNIT else None


def target_quantity(ind: Indicator, settings: Settings) -> Quantity | None:
    """年度指标值 as a quantity: as typed, `零事故`, or one number after a comparator among words
    (`培训人数不少于200人`); a bare number takes the unit of the 度量单位 column."""
    q = parse_quantity(ind.target.raw) or parse_zero_target(ind.target.raw)
    if q is None:
        q = _quantity_in_words(ind)
    if q is None:
        return None
    column = unit_column(ind)
    if not q.unit and column is not None:
        factor, unit = column
        q = dataclasses.replace(q, value=q.value * factor, unit=unit, factor=factor)
    if (
        q.unit == PERCENT
        and 0 < q.value <= 1
        and _names_a_rate(ind, settings)
        and not _less_is_better(ind, q, settings)
    ):
        q = dataclasses.replace(q, value=q.value * FULL_RATE)  # `≥0.95` on a 合格率: a %-formatted cell
    return q


def _quantity_in_words(ind: Indicator) -> Quantity | None:
    n = numbers_in_words(ind.target.raw)
    if n.count != 1 or _TIME_WORDS.match(n.after) or (n.after.startswith("年") and n.value >= 1900):
        return None
    comparator = comparator_ending(n.before)
    unit_run = n.after
    for word in ("及以上", "以上", "及以下", "以下", "以内"):
        at = unit_run.find(word)
        if at >= 0:
            comparator = comparator or comparator_starting(unit_run[at:])
            unit_run = unit_run[:at]
            break
    # `降低5%` is 定性 unless 指标性质 says 定量 (a comparator and a number make a target 定量)
    if comparator is None and column_comparator(ind) is None and QUANTITATIVE not in ind.nature.text:
        return None  # a number in a sentence is a target only when something says how to compare it
    factor, unit = normalize_unit(unit_run) if len(unit_run) <= 4 else (1.0, "")
    return Quantity(comparator, n.value * factor, unit, ind.target.text, factor)


_TIME_WORDS = re.compile(r"^(月|日|号|年底|月底|月份|季度|周|个月前)")
# `成本降低5%`, `同比增长10%`: the change itself is the quantity, and more of it is better
_CHANGE_WORDS = re.compile(r"(降低|下降|减少|节约|压减|压缩|提高|提升|增长|增加)(了)?$")


def _a_change(ind: Indicator) -> bool:
    """年度指标值 is a change (`降低5%`) with no comparator of its own: at least that much change."""
    n = numbers_in_words(ind.target.raw)
    return n.count == 1 and _CHANGE_WORDS.search(n.before) is not None


def _names_a_rate(ind: Indicator, settings: Settings) -> bool:
    name = f"{ind.level2.name}{ind.level3.text}"
    return any(w and w in name for w in settings.checks.capped_rate_words)


def _less_is_better(ind: Indicator, target: Quantity, settings: Settings) -> bool:
    """A target of 0, or a 三级指标 naming a negative event (and not what is done about one)."""
    if target.value == 0:
        return True
    name = ind.level3.text
    sc = settings.scoring
    return mentions(name, sc.less_is_better_words) and not mentions(name, sc.less_is_better_exceptions)


def _reads_at_most(ind: Indicator, target: Quantity, settings: Settings) -> bool:
    at_most = settings.scoring.at_most_level2
    on_row = ind.level2.name in at_most or ind.level1.name in at_most
    if on_row and target.unit == PERCENT and not ind.level2.name.endswith("成本指标"):
        return False  # 及时率, 按时完成率 on a 时效 row: a rate, at least
    return on_row


@dataclass(frozen=True)
class Measurement:
    """A 定量 line's target and actual, in the target's unit, as the score reads them."""

    target: Quantity
    actual: float | None  # None: 实际完成值 is blank or not a number (`超额完成`)
    actual_unit: str  # after normalising; the target's when none was written
    direction: str  # AT_LEAST or AT_MOST: how the line is scored
    strict: bool  # `>` / `<`: the target must be beaten, not met
    several_numbers: bool = False  # 实际完成值 holds two or more numbers: not guessed (S008)
    less_is_better: bool = False  # a target of 0 or a negative event: at most, whatever was written
    written: str | None = None  # the comparator as written, in 年度指标值 or else in 指标性质

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
    def zero_cap_missed(self) -> bool:
        """An "at most 0" target (`=0起`) that was not kept: there is nothing to prorate."""
        return self.direction == AT_MOST and self.target.value <= 0 and self.completed is False

    @property
    def overshoot(self) -> float | None:
        """actual ÷ target − 1 for an "at least" line (how far the target was exceeded)."""
        if not self.comparable or self.direction != AT_LEAST or self.target.value <= 0:
            return None
        return self.actual / self.target.value - 1

    @property
    def deviation(self) -> float | None:
        """|actual ÷ target − 1|, either way (the optional deviation_penalty)."""
        if not self.comparable or self.target.value <= 0:
            return None
        return abs(self.actual / self.target.value - 1)


_NONE_HAPPENED = ("无", "未发生", "没有发生", "无发生", "零", "杜绝", "无一")


def measure(ind: Indicator, settings: Settings) -> Measurement | None:
    """The quantities of a 定量 line; None when 年度指标值 is not a quantity."""
    target = target_quantity(ind, settings)
    if target is None:
        return None
    less = _less_is_better(ind, target, settings)
    written = target.comparator
    column = column_comparator(ind) if written in (None, EQUAL) else None
    if less:
        direction, strict = AT_MOST, written == LESS
    elif written in _DIRECTIONS:
        direction, strict = _DIRECTIONS[written]
    elif column in _DIRECTIONS:
        direction, strict = _DIRECTIONS[column]
    elif _a_change(ind):
        direction, strict = AT_LEAST, False
    else:  # a bare number or 等于: counts and rates at least, costs and durations at most
        direction, strict = (AT_MOST if _reads_at_most(ind, target, settings) else AT_LEAST), False
    value, unit, several = _actual(ind, target, less)
    shown = written if written not in (None, EQUAL) else column or written
    return Measurement(target, value, unit, direction, strict, several, less, shown)


def _actual(ind: Indicator, target: Quantity, less: bool) -> tuple[float | None, str, bool]:
    """(value in the target's base unit, its unit, holds several numbers?) of 实际完成值."""
    raw = ind.actual.raw
    actual = parse_quantity(raw)
    if actual is not None and actual.unit:
        if target.unit and actual.unit != target.unit:  # `95.5%（抽样调查）`: the unit is its start
            found = unit_prefix(actual.unit, target.unit)
            if found is not None:
                return actual.value / actual.factor * found[0], found[1], False
        return actual.value, actual.unit, False
    if actual is None:
        if less and _SPACES.sub("", ind.actual.text) in _NONE_HAPPENED:
            return 0.0, target.unit, False  # `未发生` against `=0起`
        n = numbers_in_words(raw)
        if n.count != 1:
            return None, "", n.count > 1
        if n.after:
            found = unit_prefix(n.after, target.unit) if target.unit else None
            if found is not None:
                return n.value * found[0], found[1], False
            if target.unit or n.after.startswith(PERCENT):
                factor, unit = normalize_unit(n.after[:1] if n.after[0] != "万" else n.after[:2])
                return n.value * factor, unit, False
        bare = n.value
    else:
        bare = actual.value
    column = unit_column(ind)
    if target.unit == PERCENT and 0 < bare <= 1 and target.value > 0:
        return _nearer_rate(bare, target.value), PERCENT, False
    factor = column[0] if column is not None else target.factor
    return bare * factor, target.unit, False


def _nearer_rate(bare: float, target: float) -> float:
    """0.98 against 95%: 98%; 0.4 against 1%: 0.4% — the reading nearer the target (a ratio)."""
    as_written, as_fraction = bare, bare * FULL_RATE
    return (
        as_fraction
        if abs(math.log(as_fraction / target)) < abs(math.log(as_written / target))
        else as_written
    )


# ---------------------------------------------------------------- 定性: the completion level
def mentions(text: str, words: Iterable[str]) -> bool:
    return any(w and w in text for w in words)


def qualitative_level(ind: Indicator, settings: Settings) -> str:
    """达成 / 部分达成 / 未达成 read from 实际完成值 alone (failed words first); '' when unknown.

    The 偏差原因 never changes it: a unit that lost one point explains that point (S007). v3: 基本 that
    begins a noun (基本生活, config `basic_nouns`) is no verdict; the rest of the text decides."""
    q = settings.qualitative
    actual = ind.actual.text
    for noun in q.basic_nouns:
        actual = actual.replace(noun, "·") if noun else actual
    if mentions(actual, q.failed):
        return FAILED
    if mentions(actual, q.partial):
        return PARTIAL
    said = [_negated(actual, w) for w in q.achieved if w and w in actual]
    if not said:
        return ""
    return PARTIAL if all(said) else ACHIEVED  # `效果不明显`: achieved only in the negative


def stated_level(ind: Indicator) -> str:
    """v3 完成程度: the band the unit chose (达成 / 部分达成 / 未达成, long forms too); '' when blank
    or none of them (the v2 reading of 实际完成值 then applies)."""
    text = ind.level.text.replace(" ", "")
    for level in (FAILED, PARTIAL, ACHIEVED):  # 未达成 and 部分达成 hold 达成: the longest first
        if text.startswith(level):
            return level
    return ""


_NEGATIONS = ("不", "未", "没有", "没", "无", "并非")


def _negated(text: str, word: str) -> bool:
    """Every occurrence of `word` in `text` follows a negation (`不明显`); a word that is itself one
    (`未发生`) is never negated."""
    if word.startswith(_NEGATIONS):
        return False
    start = text.find(word)
    while start >= 0:
        if not text[:start].endswith(_NEGATIONS):
            return False
        start = text.find(word, start + 1)
    return True
