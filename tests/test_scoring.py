"""scoring.py: the 复核得分 of each line, the budget line, the total and grade (scoring.md)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import Grades, Settings
from pipeline.measure import (
    ACHIEVED,
    FAILED,
    PARTIAL,
    QUALITATIVE,
    QUANTITATIVE,
    UNVERIFIABLE,
    measure,
    qualitative_level,
)
from pipeline.model import Cell, CellRef, FundRow, Indicator, Label, Project
from pipeline.scoring import grade_of, round_score, score, score_indicator
from tests.builders import CLEAN_GRADE, CLEAN_TOTAL, TODAY, clean_sheets, run_sheets

SETTINGS = Settings()


def text(value: str) -> Cell[str]:
    return Cell(value or None, CellRef("绩效指标", "A1"), value)


def line(
    target: str,
    actual: str,
    weight: float | None = 10,
    claimed: float | None = None,
    *,
    level1: str = "产出指标",
    level2: str = "数量指标",
    nature: str = "",
    deviation: str = "",
    level3: str = "指标",
    row: int = 2,
) -> Indicator:
    return Indicator(
        row=row,
        level1=Label(level1, None, None, level1),
        level2=Label(level2, None, None, level2),
        level3=text(level3),
        nature=text(nature),
        target=text(target),
        actual=text(actual),
        weight=Cell(weight, None, "" if weight is None else str(weight)),
        claimed=Cell(claimed, None, "" if claimed is None else str(claimed)),
        deviation=text(deviation),
    )


def with_scoring(**changes) -> Settings:
    return dataclasses.replace(SETTINGS, scoring=dataclasses.replace(SETTINGS.scoring, **changes))


def project(
    *indicators: Indicator,
    budget: float | None = 100,
    initial: float | None = 100,
    executed: float | None = 100,
) -> Project:
    total = FundRow("年度资金总额", 2, Cell(initial), Cell(budget), Cell(executed))
    return Project("t.xlsx", "", funds={"年度资金总额": total}, indicators=indicators)


# ---------------------------------------------------------------- 定量: comparators
@pytest.mark.parametrize(
    ("target", "actual", "level2", "method", "expected"),
    [
        ("≥36次", "32次", "数量指标", "不低于", 8.89),  # 10×32/36
        ("≥36次", "40次", "数量指标", "不低于", 10),
        ("不少于120份", "100份", "数量指标", "不低于", 8.33),
        ("36次以上", "30次", "数量指标", "不低于", 8.33),
        ("≤30天", "36天", "时效指标", "不高于", 8.33),  # 10×30/36
        ("≤30天", "25天", "时效指标", "不高于", 10),
        ("=100%", "98%", "质量指标", "等于", 9.8),  # equal -> at least for rates
        ("100%", "98%", "质量指标", "等于", 9.8),  # a bare number likewise
        ("30天", "36天", "时效指标", "等于", 8.33),  # a bare duration -> at most
        ("=3万元", "3.3万元", "成本指标", "等于", 9.09),  # an equal cost -> at most
        (">95%", "90%", "质量指标", "大于", 9.47),
        ("<5次", "6次", "质量指标", "小于", 8.33),
        ("<5次", "4次", "质量指标", "小于", 10),
    ],
)
def test_each_comparator_scores_by_its_direction(target, actual, level2, method, expected):
    scored = score_indicator(line(target, actual, level2=level2), SETTINGS)
    assert (scored.kind, scored.method, scored.computed) == (QUANTITATIVE, method, expected)


def test_strict_target_met_exactly_is_not_completed_but_scores_in_proportion():
    m = measure(line(">95%", "95%"), SETTINGS)
    assert m.completed is False
    scored = score_indicator(line(">95%", "95%"), SETTINGS)
    assert scored.computed == 10
    assert scored.arithmetic == "定量·大于·95%→完成95%：须大于目标，10×95/95=10"


def test_arithmetic_shows_the_rule_and_the_sum():
    scored = score_indicator(line("≥36次", "32次"), SETTINGS)
    assert scored.arithmetic == "定量·不低于·36次→完成32次：10×32/36=8.89"


def test_at_most_ratio_versus_linear():
    over = line("≤30天", "36天", level2="时效指标")
    assert score_indicator(over, with_scoring(at_most_method="ratio")).computed == 8.33
    assert score_indicator(over, with_scoring(at_most_method="linear")).computed == 8  # 10×(2−1.2)
    twice = line("≤30天", "70天", level2="时效指标")
    assert score_indicator(twice, with_scoring(at_most_method="linear")).computed == 0


# ---------------------------------------------------------------- units
@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        ("≥1.68万人次/月", "16800人次/月", 10),
        ("≥1.68万人次/月", "1.5万人次/每月", 8.93),  # 10×15000/16800
        ("≥36次", "32", 8.89),  # an actual with no unit takes the target's
        ("≥95%", "0.9", 9.47),  # a bare fraction against a % target is a rate
        ("≥95%", "90", 9.47),
        ("≥100万元", "900000元", 9),
    ],
)
def test_units_are_normalised_before_comparing(target, actual, expected):
    assert score_indicator(line(target, actual), SETTINGS).computed == expected


def test_unit_mismatch_cannot_be_verified_and_the_claim_stands():
    scored = score_indicator(line("≥36次", "32人", claimed=9), SETTINGS)
    assert (scored.method, scored.computed, scored.final) == (UNVERIFIABLE, None, 9)
    assert "单位不一致" in scored.arithmetic


def test_text_actual_on_a_quantitative_target_cannot_be_verified():
    scored = score_indicator(line("≥36次", "超额完成", claimed=10), SETTINGS)
    assert (scored.kind, scored.computed, scored.final) == (QUANTITATIVE, None, 10)


# ---------------------------------------------------------------- nature
def test_nature_is_inferred_from_the_target_when_not_written():
    assert score_indicator(line("≥36次", "40次"), SETTINGS).kind == QUANTITATIVE
    assert score_indicator(line("12月底前", "按时完成", claimed=10), SETTINGS).kind == QUANTITATIVE  # 时限
    assert score_indicator(line("公文流转顺畅", "正常运转", claimed=10), SETTINGS).kind == QUALITATIVE


def test_written_nature_wins_over_the_inference():
    scored = score_indicator(line("≥36次", "完成", claimed=9, nature="定性"), SETTINGS)
    assert (scored.kind, scored.level, scored.computed) == (QUALITATIVE, ACHIEVED, 9)


# ---------------------------------------------------------------- 定性
@pytest.mark.parametrize(
    ("actual", "deviation", "level"),
    [
        ("通过", "", ACHIEVED),
        ("基本完成", "", PARTIAL),  # partial beats achieved
        ("未完成", "", FAILED),  # failed beats achieved
        ("部分未完成", "", FAILED),
        # v2: the deviation never changes the level — it explains the lost point (S007)
        ("正常运转", "硬件配置，影响传输以及软件升级", ACHIEVED),
        ("正常运转", "全县网络故障及硬件故障", ACHIEVED),
        ("有效运行", "部分乡镇培训不足，下一步加强", ACHIEVED),
        ("完成", "没有偏差", ACHIEVED),
        ("基本完成", "进度滞后", PARTIAL),
        ("机制健全", "", ACHIEVED),
        ("制度不健全", "", FAILED),  # negations first
        ("效果不明显", "", PARTIAL),  # an achieved word only in the negative
        ("未发生安全事故", "", ACHIEVED),
        ("未按期完成", "", PARTIAL),
        ("办公成本", "", ""),  # no keyword: unknown
        ("访问量及问卷调查", "问卷调查对于门户网站公开的及时性", ""),  # nor does it raise one
    ],
)
def test_qualitative_level_from_the_actual_alone(actual, deviation, level):
    assert qualitative_level(line("公文流转顺畅", actual, deviation=deviation), SETTINGS) == level


def test_qualitative_claim_inside_band_stands_and_band_is_reported():
    scored = score_indicator(line("公文流转顺畅", "正常运转", claimed=8, deviation="影响传输"), SETTINGS)
    assert (scored.level, scored.band, scored.computed) == (ACHIEVED, (8, 10), 8)


@pytest.mark.parametrize(
    ("actual", "claimed"), [("完成", 5), ("未完成", 8), ("基本完成", 10), ("有效运行", 8.5)]
)
def test_qualitative_claim_is_the_review_score_even_outside_its_band(actual, claimed):
    """v2: a judgement never moves a score; S006 warns, a reviewer's 调整 decides."""
    scored = score_indicator(line("建立制度", actual, claimed=claimed), SETTINGS)
    assert scored.computed == claimed
    assert ("不在区间内" in scored.arithmetic) == (actual != "有效运行")


@pytest.mark.parametrize(("claimed", "computed"), [(11, 10), (-1, 0), (None, None)])
def test_qualitative_claim_outside_zero_to_weight_is_brought_into_it(claimed, computed):
    assert score_indicator(line("建立制度", "完成", claimed=claimed), SETTINGS).computed == computed


def test_qualitative_unknown_level_keeps_the_claim_without_band():
    scored = score_indicator(line("降低办公成本", "办公成本", claimed=7), SETTINGS)
    assert (scored.band, scored.level, scored.computed) == (None, "", 7)


def test_qualitative_bands_come_from_config():
    strict = dataclasses.replace(
        SETTINGS, qualitative=dataclasses.replace(SETTINGS.qualitative, achieved_band=(0.9, 1.0))
    )
    scored = score_indicator(line("建立制度", "完成", claimed=8), strict)
    assert (scored.band, scored.computed) == ((9, 10), 8)


# ---------------------------------------------------------------- rounding
def test_rounding_is_half_up_to_configured_decimals():
    assert round_score(2.675, 2) == 2.68  # float round() gives 2.67
    assert round_score(8.885, 2) == 8.89
    one_decimal = with_scoring(decimals=1)
    assert score_indicator(line("≥36次", "32次"), one_decimal).computed == 8.9
    # the renderers show every score to the same places (Scores.decimals), never a fixed 2 or 4
    assert score(project(line("≥36次", "32次")), one_decimal).decimals == 1


# ---------------------------------------------------------------- budget
def test_budget_score_in_proportion_and_capped_at_full():
    assert score(project(executed=95), SETTINGS).budget_score == 9.5
    over = score(project(executed=110), SETTINGS)
    assert (over.execution_rate, over.budget_score) == (1.1, 10)


def test_budget_base_falls_back_to_initial_budget():
    s = score(project(budget=None, initial=120, executed=90), SETTINGS)
    assert (s.budget, s.execution_rate, s.budget_score) == (120, 0.75, 7.5)
    assert "年初预算数" in s.budget_arithmetic


def test_budget_banded_method_from_config():
    banded = with_scoring(budget_method="banded")
    assert score(project(executed=95), banded).budget_score == 9  # ≥90% band: 90%
    assert score(project(executed=50), banded).budget_score == 0  # below the last band


def test_unknown_execution_is_unknown_never_zero_and_so_is_the_total():
    """v3 (scoring.md "Unknown figures"): v2 counted the 预算执行率 line as 0 here."""
    s = score(project(line("≥36次", "40次", claimed=10), executed=None), SETTINGS)
    assert (s.executed, s.execution_rate, s.budget_score) == (None, None, None)
    assert (s.raw_total, s.total, s.grade) == (None, None, None)
    assert [u.what for u in s.unknown] == ["年度资金总额·全年执行数"]
    assert (s.verified.lines, s.verified.score, s.verified.weight) == (1, 10, 10)
    assert "无法复核" in s.budget_arithmetic and "按 0 计" not in s.budget_arithmetic


# ---------------------------------------------------------------- totals
def _ninety_points(claimed_last: float = 10) -> tuple[Indicator, ...]:
    rows = [line("≥10次", "10次", 10, 10, row=r) for r in range(2, 10)]
    return (*rows, line("≥10次", "10次", 10, claimed_last, row=10))


def test_total_on_weights_of_100_is_the_plain_sum():
    s = score(project(*_ninety_points(), executed=90), SETTINGS)
    assert (s.indicator_weight, s.weight_total, s.raw_total, s.total) == (90, 100, 99, 99)


def test_total_is_rescaled_to_100_when_weights_do_not_add_up():
    rows = (*_ninety_points(), line("≥10次", "5次", 10, 5, row=11))
    s = score(project(*rows), SETTINGS)
    assert (s.weight_total, s.raw_total, s.total) == (110, 105, 95.45)  # 105 ÷ 110 × 100
    assert s.total_arithmetic.endswith("(10+95)÷110×100=95.45")


def test_rescaling_is_decided_here_with_the_score_tolerance():
    """Renderers show `rescaled` and `scale` as decided: a 分值 sum within the tolerance is not rescaled."""
    loose = dataclasses.replace(SETTINGS, tolerance=dataclasses.replace(SETTINGS.tolerance, score=0.5))
    near = (*_ninety_points()[:-1], line("≥10次", "10次", 10.3, 10, row=10))
    s = score(project(*near), loose)
    assert (s.weight_total, s.rescaled, s.scale, s.total) == (100.3, False, 100, s.raw_total)
    rows = (*_ninety_points(), line("≥10次", "5次", 10, 5, row=11))
    assert score(project(*rows), SETTINGS).rescaled
    fifty = dataclasses.replace(SETTINGS, weights=dataclasses.replace(SETTINGS.weights, total=50.0))
    s = score(project(*rows), fifty)
    assert (s.rescaled, s.scale, s.total) == (True, 50, 47.73)  # 105 ÷ 110 × 50


def test_each_line_says_whether_its_claim_differs_and_whether_it_lost_points():
    s = score(
        project(
            line("≥36次", "32次", claimed=8, row=2),  # computed 8.89: differs, lost
            line("≥36次", "32次", claimed=8.885, row=3),  # within the tolerance of 8.89: same, lost
            line("≥36次", "36次", claimed=10, row=4),  # full marks
            line("≥36次", "35.99次", claimed=10, row=5),  # 9.997 -> 10.0 at two decimals: no deduction left
        ),
        SETTINGS,
    )
    assert [(x.claimed_differs, x.lost) for x in s.indicators] == [
        (True, True),
        (False, True),
        (False, False),
        (False, False),
    ]
    assert [t.claimed_differs for t in s.subtotals] == [True]  # Σ自评 36.885 against Σ复核 37.78


def test_a_line_without_any_usable_score_is_unknown_not_lost():
    """Decided by scoring, read by the report: an unverifiable line whose claim is blank too is unknown
    (v3: 无法复核, never 计0分), neither lost nor full marks; a line with neither 分值 nor claim counts
    nothing and loses nothing."""
    s = score(
        project(
            line("≥36次", "超额完成", claimed=None, row=2), line("≥36次", "超额完成", weight=None, row=3)
        ),
        SETTINGS,
    )
    assert [(x.final, x.lost, bool(x.unknown)) for x in s.indicators] == [
        (None, False, True),
        (None, False, False),
    ]


def test_rows_without_weight_or_score_count_nothing():
    s = score(project(*_ninety_points(), line("≥10次", "10次", None, None, row=11)), SETTINGS)
    assert (s.indicator_weight, s.indicator_score, s.total) == (90, 90, 100)


def test_a_row_with_a_score_but_no_weight_is_unknown_not_dropped():
    """v3: one of 分值 / 自评得分 blank makes the line unknown (v2 dropped it and rescaled)."""
    s = score(project(*_ninety_points(), line("≥10次", "10次", None, 10, row=11)), SETTINGS)
    assert (s.indicator_weight, s.indicator_score, s.total, s.grade) == (None, None, None, None)
    assert [u.what for u in s.unknown] == ["第 11 行分值"]
    assert s.for_row(11).final is None and s.for_row(11).unknown
    assert (s.verified.lines, s.verified.score, s.verified.weight) == (10, 100, 100)


def test_subtotals_and_level1_weights_in_table_order():
    rows = (
        line("≥1次", "1次", 30, 30, level2="数量指标", row=2),
        line("≥1次", "1次", 20, 20, level2="质量指标", row=3),
        line("≥1次", "1次", 30, 15, level1="效益指标", level2="社会效益指标", row=4),
        line("≥1次", "1次", 10, 10, level1="满意度指标", level2="服务对象满意度指标", row=5),
    )
    s = score(project(*rows), SETTINGS)
    assert [(t.level1, t.level2, t.weight, t.claimed, t.computed) for t in s.subtotals] == [
        ("产出指标", "数量指标", 30, 30, 30),
        ("产出指标", "质量指标", 20, 20, 20),
        ("效益指标", "社会效益指标", 30, 15, 30),
        ("满意度指标", "服务对象满意度指标", 10, 10, 10),
    ]
    assert s.level1_weights == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}


@pytest.mark.parametrize(
    ("total", "grade"), [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (60, "中"), (59.99, "差")]
)
def test_grade_boundaries(total, grade):
    assert grade_of(total, Grades()) == grade


def test_grade_thresholds_come_from_config():
    assert grade_of(92, Grades(excellent=95)) == "良"


# ---------------------------------------------------------------- properties
positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False)


@given(target=positive, actual=positive, weight=st.sampled_from([2.5, 5.0, 10.0, 20.0]))
def test_at_least_score_lies_between_zero_and_weight_and_is_full_iff_met(target, actual, weight):
    scored = score_indicator(line(f"≥{target!r}次", f"{actual!r}次", weight), SETTINGS)
    assert 0 <= scored.computed <= weight
    if actual >= target:
        assert scored.computed == weight


@given(target=positive, actual=positive, method=st.sampled_from(["ratio", "linear"]))
def test_at_most_score_lies_between_zero_and_weight(target, actual, method):
    scored = score_indicator(
        line(f"≤{target!r}天", f"{actual!r}天", level2="时效指标"), with_scoring(at_most_method=method)
    )
    assert 0 <= scored.computed <= 10
    if actual <= target:
        assert scored.computed == 10


# ---------------------------------------------------------------- whole workbooks
def test_clean_project_total_matches_the_hand_computation(tmp_path):
    s = run_sheets(tmp_path, clean_sheets()).scores
    assert (s.budget_score, s.indicator_score, s.total, s.grade) == (9.5, 87, CLEAN_TOTAL, CLEAN_GRADE)


def test_seed_example_scores_94_55(example_path):
    if not example_path.exists():
        pytest.skip("the filled example has not been generated")
    from pipeline.evaluate import evaluate

    s = evaluate(example_path, SETTINGS, today=TODAY).scores
    assert (s.budget, s.executed, s.execution_rate, s.budget_score) == (121, 121, 1.0, 10)
    assert (s.indicator_weight, s.indicator_score, s.weight_total) == (100, 94, 110)
    assert (s.total, s.grade) == (94.55, "优")
    assert s.level1_weights == {"产出指标": 80, "效益指标": 10, "满意度指标": 10}


# ---------------------------------------------------------------- v2: comparator and unit columns
def sichuan(target, actual, comparator: str, unit: str, **kw) -> Indicator:
    ind = line(str(target), str(actual), nature=comparator, **kw)
    return dataclasses.replace(ind, unit=text(unit))


@pytest.mark.parametrize(
    ("target", "actual", "comparator", "unit", "expected"),
    [
        (1, 0.4, "≤", "%", 10),  # 停机率 ≤1% met at 0.4% (v1: a shortfall, 4)
        (1, 2, "≤", "%", 5),  # 10×1/2
        (5000, 4500, "≥", "亩", 9),
        (90, 0.94, "≥", "%", 10),  # a %-formatted 94%
        (90, 0.85, "正向", "%", 9.44),  # 10×85/90
        (3, 4, "反向", "天", 7.5),
        (120, 100, "=", "万元", 8.33),  # equal -> at least for a count of money on a 数量 row
    ],
)
def test_comparator_and_unit_columns_score_bare_numbers(target, actual, comparator, unit, expected):
    assert score_indicator(sichuan(target, actual, comparator, unit), SETTINGS).computed == expected


def test_a_comparator_column_of_its_own_beside_nature():
    ind = dataclasses.replace(line("1", "0.4", nature="定量"), comparator=text("≤"), unit=text("%"))
    assert score_indicator(ind, SETTINGS).computed == 10


def test_the_targets_own_comparator_wins_over_the_column():
    assert score_indicator(sichuan("≥95%", "90%", "≤", ""), SETTINGS).computed == 9.47


def test_a_placeholder_unit_is_no_unit():
    assert measure(sichuan("36", "32", "≥", "—"), SETTINGS).target.unit == ""


# ---------------------------------------------------------------- v2: multipliers
@pytest.mark.parametrize(
    ("target", "actual", "level2", "expected"),
    [
        ("≤90万元", "120", "成本指标", 7.5),  # 120万元, not 120元 (v1: full marks)
        ("≤90万元", "86", "成本指标", 10),
        ("≥1.5万人次", "1.2", "数量指标", 8),  # 1.2万人次
        ("≤3万元/公里", "2.75", "成本指标", 10),
    ],
)
def test_a_bare_actual_takes_the_targets_multiplier(target, actual, level2, expected):
    assert score_indicator(line(target, actual, level2=level2), SETTINGS).computed == expected


# ---------------------------------------------------------------- v2: less is better, zero targets
@pytest.mark.parametrize(
    ("level3", "target", "actual", "expected", "claimed"),
    [
        ("食品安全事故", "=0起", "0起", 10, 10),
        ("食品安全事故", "0起", "未发生", 10, 10),
        ("安全生产", "零事故", "0", 10, 10),
        ("群众有效投诉", "≥3次", "2次", 10, 10),  # a negative event: at most whatever ≥ says
        ("群众有效投诉", "3次", "4次", 7.5, 7.5),
        ("设备故障率", "5%", "4%", 10, 10),
        ("投诉办结率", "≥95%", "90%", 9.47, 9.47),  # what is done about complaints: at least
    ],
)
def test_less_is_better_lines_are_at_most(level3, target, actual, expected, claimed):
    scored = score_indicator(line(target, actual, claimed=claimed, level3=level3), SETTINGS)
    assert scored.computed == expected


def test_an_at_most_zero_target_missed_keeps_the_claim_and_says_why():
    scored = score_indicator(line("=0起", "1起", claimed=6, level3="食品安全事故"), SETTINGS)
    assert (scored.computed, scored.met) == (6, False)
    assert "目标为 0，超出即未达成，无法按比例计分" in scored.arithmetic


# ---------------------------------------------------------------- v2: one number among words
@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        ("≥4500人", "实际受益4812人", 10),
        ("≥40所", "共38所", 9.5),
        ("=100%", "完成率达98%", 9.8),
        ("≥40所", "共改造38所学校", 9.5),  # the unit is the start of the words after the number
        ("培训人数不少于200人", "180人", 9),  # a target among words, after its comparator
        ("受益群众5000人以上", "5200人", 10),
    ],
)
def test_one_number_among_words_is_that_number(target, actual, expected):
    assert score_indicator(line(target, actual), SETTINGS).computed == expected


def test_two_numbers_are_not_guessed():
    scored = score_indicator(line("≥40所", "计划40所完成38所", claimed=9), SETTINGS)
    assert (scored.method, scored.computed, scored.final) == (UNVERIFIABLE, None, 9)
    assert measure(line("≥40所", "计划40所完成38所"), SETTINGS).several_numbers


# ---------------------------------------------------------------- v2: deadlines
@pytest.mark.parametrize(
    ("target", "actual", "claimed", "computed", "met"),
    [
        ("12月底前", "2023年11月20日完成", 4, 5, True),  # a date proves it: full marks
        ("2023年6月30日前", "6月28日", 5, 5, True),
        ("12月底前", "按时完成", 4, 4, True),  # words: the claim stands
        ("10月底前", "延期至12月", 3, 3, False),
        ("10月底前", "2023年12月5日完成", 5, 5, False),  # late: nothing to prorate
        ("年底前", "次年3月完成", 2, 2, False),
    ],
)
def test_deadlines(target, actual, claimed, computed, met):
    scored = score_indicator(line(target, actual, 5, claimed, level2="时效指标"), SETTINGS, 2023)
    assert (scored.kind, scored.method, scored.computed, scored.met) == (QUANTITATIVE, "时限", computed, met)


def test_a_deadline_written_as_qualitative_stays_qualitative():
    scored = score_indicator(line("12月底前", "按时完成", 5, 5, nature="定性"), SETTINGS, 2023)
    assert scored.kind == QUALITATIVE


# ---------------------------------------------------------------- v2: optional provincial rules
def test_deviation_penalty_is_off_by_default_and_arithmetic_when_on():
    over = line("≥100次", "140次", claimed=10)
    assert score_indicator(over, SETTINGS).computed == 10
    penalised = score_indicator(over, with_scoring(deviation_penalty=((0.3, 2.0), (0.5, 4.0))))
    assert penalised.computed == 8
    assert penalised.arithmetic.endswith("达到目标，得满分 10；偏差 40%≥30%，扣 2 分=8")
    short = score_indicator(line("≥100次", "40次"), with_scoring(deviation_penalty=((0.3, 2.0), (0.5, 4.0))))
    assert short.computed == 0  # 10×40/100 = 4, −4 (60% ≥ 50%)


def test_total_caps_are_off_by_default_and_arithmetic_when_on():
    rows = _ninety_points()
    assert score(project(*rows, executed=75), SETTINGS).total == 97.5
    capped = score(project(*rows, executed=75), with_scoring(total_caps=((0.8, 89.0), (0.7, 79.0))))
    assert (capped.total, capped.capped_at) == (89, 89)
    assert capped.total_arithmetic.endswith("；执行率 75% 低于 80%，总分不超过 89 分：89")
    lower = score(project(*rows, executed=65), with_scoring(total_caps=((0.8, 89.0), (0.7, 79.0))))
    assert lower.total == 79


def test_a_note_after_the_unit_is_not_part_of_it():
    assert score_indicator(line("≥90%", "95.5%（抽样调查）"), SETTINGS).computed == 10


@pytest.mark.parametrize(("actual", "expected"), [("降低6%", 10), ("降低4%", 8)])
def test_a_change_target_on_a_cost_row_is_at_least_that_change(actual, expected):
    """`成本降低5%` (定量): more reduction is better, though bare costs read "at most"."""
    ind = line("成本降低5%", actual, level2="成本指标", nature="定量")
    assert score_indicator(ind, SETTINGS).computed == expected


def test_a_change_target_without_a_nature_is_qualitative():
    assert score_indicator(line("降低5%", "降低6%", claimed=10), SETTINGS).kind == QUALITATIVE


@pytest.mark.parametrize(("claimed", "computed"), [(8.9, 8.9), (8.89, 8.89), (9, 8.89), (8.8, 8.89)])
def test_a_claim_rounded_to_the_decimals_it_was_written_with_agrees(claimed, computed):
    """10×32/36 = 8.888…: `8.9` is that score to one decimal; `9` (no decimal) and `8.8` are not."""
    assert score_indicator(line("≥36次", "32次", claimed=claimed), SETTINGS).computed == computed
