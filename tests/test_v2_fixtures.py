"""Issue 13 on realistic workbooks: each honest one totals right with no 错误; each injected error is found.

The workbooks (tests/fixtures/v2_workbooks.py) are written to the v2 contract, one per sector, each
carrying the patterns that made round 1 tell honest units their total was wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline.model import Result, Severity
from tests.builders import run_sheets, set_info
from tests.fixtures.v2_workbooks import (
    AGRICULTURE_MONEY_SILENT,
    AGRICULTURE_TOTAL,
    EDUCATION_TOTAL,
    HEALTH_TOTAL,
    agriculture,
    education,
    health,
)

HONEST = {
    "education": (education, EDUCATION_TOTAL),
    "agriculture": (agriculture, AGRICULTURE_TOTAL),
    "health": (health, HEALTH_TOTAL),
}


def errors(result: Result) -> list[tuple[str, str, str]]:
    return [(f.rule, f.location, f.message) for f in result.findings if f.severity is Severity.ERROR]


def at(result: Result, rule: str) -> list[str]:
    return [f.location for f in result.findings if f.rule == rule]


@pytest.mark.parametrize("sector", list(HONEST))
def test_an_honest_workbook_totals_right_with_no_error(tmp_path, sector):
    build, total = HONEST[sector]
    result = run_sheets(tmp_path, build())
    assert result.scores.total == pytest.approx(total, abs=0.01)
    assert result.scores.grade == "优"
    assert errors(result) == []
    # nor the round-1 false warnings: no band complaint, no unverifiable actual, no unit asked for
    assert {f.rule for f in result.findings} & {
        "S006",
        "S008",
        "S009",
        "S010",
        "S016",
        "S017",
        "B006",
    } == set()


def test_qualitative_lines_keep_the_units_score_and_show_their_band(tmp_path):
    result = run_sheets(tmp_path, education())
    lines = {s.row: s for s in result.scores.indicators}
    assert (lines[7].level, lines[7].band, lines[7].computed) == ("达成", (8, 10), 9)
    assert (lines[8].level, lines[8].band, lines[8].computed) == ("达成", (8, 10), 8.5)


def test_numbers_among_words_and_a_written_date_are_verified(tmp_path):
    lines = {s.row: s for s in run_sheets(tmp_path, education()).scores.indicators}
    assert "完成38所" in lines[2].arithmetic and lines[2].computed == 15
    assert "完成4812人" in lines[3].arithmetic
    assert lines[5].method == "时限" and lines[5].computed == 5 and lines[5].met
    assert lines[9].method == "不高于" and lines[9].met  # =0起 is "at most 0"


def test_a_sichuan_sheet_reads_comparators_and_units_from_their_columns(tmp_path):
    lines = {s.row: s for s in run_sheets(tmp_path, agriculture()).scores.indicators}
    assert lines[4].arithmetic == "定量·≤·1%→完成0.4%：达到目标，得满分 10".replace("≤", "不高于")
    assert lines[10].arithmetic.startswith("定量·不低于·90%→完成94%")  # 0.94 typed in a % cell


def test_a_bare_actual_takes_the_targets_multiplier(tmp_path):
    lines = {s.row: s for s in run_sheets(tmp_path, health()).scores.indicators}
    assert "完成860000元" in lines[6].arithmetic and lines[6].computed == 10


# ---------------------------------------------------------------- injected errors
def _indicator(row: int, col: int, value) -> Callable[[dict], None]:
    def change(sheets: dict) -> None:
        sheets["绩效指标"][row - 1][col] = value

    return change


def _narrative(title: str, text: str) -> Callable[[dict], None]:
    def change(sheets: dict) -> None:
        for row in sheets["报告正文"]:
            if row[0] == title:
                row[1] = text

    return change


def _claimed_total(value: float) -> Callable[[dict], None]:
    return lambda sheets: set_info(sheets, "自评总分", value)


INJECTED = [
    # (cause, workbook, change, rule expected, where)
    (
        "定性 9/8.5: the text rounds the total up",
        education,
        _narrative("绩效目标完成情况分析", "经自评，本项目自评得分98分，等级为“优”。"),
        "N001",
        "报告正文!B7",
    ),
    ("定性: a claim above 分值", education, _indicator(7, 7, 11), "S001", "绩效指标!H7"),
    (
        "one number among words: 共36所 at full marks",
        education,
        _indicator(2, 5, "共36所"),
        "S005",
        "绩效指标!H2",
    ),
    (
        "several numbers are not guessed",
        education,
        _indicator(2, 5, "计划40所完成38所"),
        "S008",
        "绩效指标!F2",
    ),
    ("zero target: 1起 at full marks", education, _indicator(9, 5, "1起"), "S010", "绩效指标!F9"),
    (
        "deadline missed at full marks",
        education,
        _indicator(5, 5, "2022年12月20日完工"),
        "S010",
        "绩效指标!F5",
    ),
    ("四川 sheet: 停机率 1.6% against ≤1%", agriculture, _indicator(4, 6, 1.6), "S005", "绩效指标!I4"),
    (
        "四川 sheet: 自评总分 not the computed total",
        agriculture,
        _claimed_total(98.6),
        "S011",
        "项目信息!B13",
    ),
    (
        "执行率 86% only stated",
        agriculture,
        _narrative("资金使用及管理情况", AGRICULTURE_MONEY_SILENT),
        "B006",
        "资金情况!D2",
    ),
    ("一级指标 效果指标 for 效益指标", agriculture, _indicator(7, 0, "效果指标"), "S017", "绩效指标!A7"),
    ("≤90万元 against a bare 120", health, _indicator(6, 5, 120), "S005", "绩效指标!H6"),
    ("30% over without a reason", health, _indicator(3, 8, ""), "S009", "绩效指标!F3"),
    ("less is better: 3起 against ≤2起", health, _indicator(8, 5, "3起"), "S005", "绩效指标!H8"),
]


@pytest.mark.parametrize(
    ("cause", "build", "change", "rule", "where"), INJECTED, ids=[c[0] for c in INJECTED]
)
def test_an_injected_error_is_still_found(tmp_path, cause, build, change, rule, where):
    sheets = build()
    change(sheets)
    assert where in at(run_sheets(tmp_path, sheets), rule)


def test_a_wrong_level1_name_is_scored_under_the_closest_one(tmp_path):
    sheets = agriculture()
    _indicator(7, 0, "效果指标")(sheets)
    result = run_sheets(tmp_path, sheets)
    assert result.scores.total == pytest.approx(AGRICULTURE_TOTAL, abs=0.01)
    assert at(result, "S003") == [] and errors(result) == []


def test_the_injected_multiplier_error_names_the_line_in_s011(tmp_path):
    sheets = health()
    _indicator(6, 5, 120)(sheets)  # 10 × 90/120 = 7.5
    result = run_sheets(tmp_path, sheets)
    assert result.scores.total == pytest.approx(96.5, abs=0.01)
    [s011] = [f for f in result.findings if f.rule == "S011"]
    assert "绩效指标第 6 行“心电监护设备采购成本”定量复核 7.5 分、自评 10 分" in s011.message
