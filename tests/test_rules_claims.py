"""The v3 rule changes (checks.md v3): S018, S019, the 完成程度 column and the exact band edges
(scoring.md v3), S008 on units equal after normalising."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.config import Checks, Settings
from tests.builders import clean_sheets, rules_at, run_sheets

QUALITATIVE_ROW = 10  # 长效管护机制: 定性, 实际完成值 基本建立, 分值 10, 自评 7


def with_level(level: str, claimed: float | None = None, actual: str | None = None) -> dict:
    """The clean sheets with a v3 完成程度 column, `level` on the 定性 line."""
    sheets = clean_sheets()
    rows = sheets["绩效指标"]
    rows[0] = [*rows[0], "完成程度"]
    for row in rows[1:]:
        row.append("")
    line = rows[QUALITATIVE_ROW - 1]
    line[-1] = level
    if claimed is not None:
        line[7] = claimed
    if actual is not None:
        line[5] = actual
    return sheets


def test_s018_fires_when_the_score_leaves_the_band_of_the_units_own_level(tmp_path):
    result = run_sheets(tmp_path, with_level("达成", claimed=7))  # 达成 is 8–10
    assert rules_at(result, "S018") == [("S018", "绩效指标!H10")]
    f = next(f for f in result.findings if f.rule == "S018")
    assert "达成" in f.message and "8–10" in f.message and f.expected == "8–10" and f.actual == 7
    line = result.scores.for_row(QUALITATIVE_ROW)
    assert line.final == 7 and line.stated_level and line.level == "达成"  # the claim stands
    assert "S006" not in {f.rule for f in result.findings}  # the stated level is S018's, not S006's


def test_s018_is_silent_when_the_score_is_in_the_band_and_the_level_wins_over_the_text(tmp_path):
    # 实际完成值 reads 部分 (基本建立): the unit's 完成程度 decides the band, not the text
    result = run_sheets(tmp_path, with_level("达成年度指标", claimed=9))
    assert rules_at(result, "S018", "S006") == []
    assert result.scores.for_row(QUALITATIVE_ROW).band == (8, 10)


@pytest.mark.parametrize(
    ("level", "claimed", "fires"),
    [
        ("部分达成", 8, True),  # exactly 80% is 达成's, not 部分达成's
        ("达成", 8, False),
        ("部分达成", 6, False),  # exactly 60% is 部分达成's
        ("未达成", 6, True),
        ("未达成", 5.99, False),
    ],
)
def test_band_edges_are_exact(tmp_path, level, claimed, fires):
    result = run_sheets(tmp_path, with_level(level, claimed=claimed))
    assert bool(rules_at(result, "S018")) is fires


def test_a_blank_level_keeps_the_v2_reading_of_the_actual(tmp_path):
    result = run_sheets(tmp_path, with_level(""))
    line = result.scores.for_row(QUALITATIVE_ROW)
    assert (line.level, line.stated_level) == ("部分达成", False)  # 基本建立
    assert rules_at(result, "S018", "S006") == []


def test_s006_claim_of_exactly_80_percent_on_a_partial_line_is_outside_its_band(tmp_path):
    sheets = clean_sheets()
    sheets["绩效指标"][QUALITATIVE_ROW - 1][7] = 8  # 基本建立 (部分达成, [6, 8)) scored 8
    assert rules_at(run_sheets(tmp_path, sheets), "S006") == [("S006", "绩效指标!H10")]


@pytest.mark.parametrize(
    ("actual", "level"),
    [
        ("困难群众基本生活保障到位", "达成"),  # 基本 begins a noun: no verdict, 到位 decides
        ("基本完成", "部分达成"),
        ("部分达成", "部分达成"),
        ("基本医疗服务有效落实", "达成"),
    ],
)
def test_basic_as_a_noun_is_no_verdict(tmp_path, actual, level):
    sheets = clean_sheets()
    sheets["绩效指标"][QUALITATIVE_ROW - 1][5] = actual
    result = run_sheets(tmp_path, sheets)
    assert result.scores.for_row(QUALITATIVE_ROW).level == level


def _low_spending(executed: float) -> dict:
    sheets = clean_sheets()
    funds = sheets["资金情况"]
    funds[1][3], funds[1][4] = executed, executed / 100
    funds[2][3], funds[2][4] = executed - 19, (executed - 19) / 80
    sheets["支付明细"] = sheets["支付明细"][:1]  # the payments are not what this test is about
    sheets["支出结构"] = sheets["支出结构"][:1]
    return sheets


def test_s019_fires_when_indicators_score_far_above_the_money_spent(tmp_path):
    result = run_sheets(tmp_path, _low_spending(60))  # 执行率 60%, indicators 87/90 = 96.67%
    assert rules_at(result, "S019") == [("S019", "资金情况!D2")]
    f = next(f for f in result.findings if f.rule == "S019")
    assert "60%" in f.message and "96.67%" in f.message and "15%" in f.message


def test_s019_is_silent_within_the_gap_and_follows_its_config_key(tmp_path):
    assert rules_at(run_sheets(tmp_path, _low_spending(85), name="a.xlsx"), "S019") == []  # 11.67 points
    wide = dataclasses.replace(Settings(), checks=dataclasses.replace(Checks(), score_execution_gap=0.5))
    assert rules_at(run_sheets(tmp_path, _low_spending(60), wide, name="b.xlsx"), "S019") == []


def test_s019_does_not_run_on_an_unknown_total(tmp_path):
    sheets = _low_spending(60)
    sheets["绩效指标"][2][6] = "1O"  # 分值 unreadable: the indicator score is unknown
    assert rules_at(run_sheets(tmp_path, sheets), "S019") == []


@pytest.mark.parametrize(
    ("target", "actual"), [("≥90百分比", "94%"), ("≥90%", "94百分比"), ("≥90百分比", "百分之94")]
)
def test_s008_is_silent_on_units_equal_after_normalising(tmp_path, target, actual):
    sheets = clean_sheets()
    sheets["绩效指标"][10][4:6] = [target, actual]  # 受益群众满意度
    result = run_sheets(tmp_path, sheets)
    assert rules_at(result, "S008") == []
    assert result.scores.for_row(11).computed == 10


def test_s008_still_fires_on_a_different_unit(tmp_path):
    sheets = clean_sheets()
    sheets["绩效指标"][10][4:6] = ["≥90%", "94分"]
    assert rules_at(run_sheets(tmp_path, sheets), "S008") == [("S008", "绩效指标!F11")]


def _rate(executed: float, stated: str) -> dict:
    sheets = clean_sheets()
    funds = sheets["资金情况"]
    funds[1][2:5] = [200, executed, stated]  # 全年预算数 200
    funds[2][2:5] = [180, executed - 20, None]
    funds[3][2:5] = [20, 20, None]
    return sheets


@pytest.mark.parametrize(
    ("executed", "stated", "fires"),
    [
        (199.99, "100%", False),  # 99.995% rounds half up to 100%
        (199.99, "99.9%", True),  # …and to 100.0%, not 99.9%
        (199.9, "99.9%", True),  # 99.95% rounds half up to 100.0%: written 99.9% it does not agree
        (199.9, "100.0%", False),
        (199.9, "99.95%", False),
    ],
)
def test_b003_compares_at_the_precision_written_rounding_half_up(tmp_path, executed, stated, fires):
    assert bool(rules_at(run_sheets(tmp_path, _rate(executed, stated)), "B003")) is fires


def test_s013_names_the_blank_score_that_blocks_the_total(tmp_path):
    sheets = clean_sheets()
    sheets["绩效指标"][QUALITATIVE_ROW - 1][7] = None  # 定性 line with 分值 10 and no 自评得分
    result = run_sheets(tmp_path, sheets)
    assert rules_at(result, "S013") == [("S013", "绩效指标!H10")]
    assert result.scores.total is None and [u.location for u in result.scores.unknown] == ["绩效指标!H10"]
    assert "无法复核" in next(f.message for f in result.findings if f.rule == "S013")


def test_s013_is_silent_on_a_complete_quantitative_line_without_a_claim(tmp_path):
    sheets = clean_sheets()
    sheets["绩效指标"][1][7] = None  # 定量 line met: its 复核得分 is arithmetic, the claim is not needed
    result = run_sheets(tmp_path, sheets)
    assert rules_at(result, "S013") == [] and result.scores.total == 96.5
