"""checks.md v3: a rule whose comparison needs an unknown figure does not run (the registry's
`needs`); the same rule still fires when the figure is known."""

from __future__ import annotations

import pytest

from pipeline.checks import RULES
from pipeline.checks.registry import BUDGET, LINES, TOTAL, WEIGHTS
from tests.builders import clean_sheets, rules_at, run_sheets, set_info

V3_TABLE = {  # checks.md v3: the rules that do not run on an unknown figure, and what they need
    BUDGET: {"B002", "B003", "B006", "P001", "P007", "N004"},
    TOTAL: {"S011", "S012", "N001", "N002", "S019"},
    WEIGHTS: {"S002"},
    LINES: {"S001", "S005", "S006", "S007", "S009", "S010", "S018"},
}


def test_every_rule_of_the_v3_table_declares_what_it_needs():
    for need, rules in V3_TABLE.items():
        assert {r for r in rules if need in RULES[r].needs} == rules, need


def _wrong_everywhere() -> dict:
    """Total, grade, budget rate and payments all contradicting the figures: every rule fires."""
    sheets = clean_sheets()
    set_info(sheets, "自评总分", 90)  # S011 (computed 96.5)
    set_info(sheets, "自评等级", "良")  # S012
    sheets["资金情况"][1][4] = 0.9  # B003 (95%)
    sheets["支付明细"][1][5] = 31  # P001 (96 paid of 95)
    sheets["报告正文"][6][1] = "经自评，本项目自评得分90分，等级为“良”。"  # N001, N002
    return sheets


CASCADE = {"S011", "S012", "B003", "P001", "N001", "N002"}


def test_the_rules_fire_when_every_figure_is_known(tmp_path):
    result = run_sheets(tmp_path, _wrong_everywhere())
    assert {f.rule for f in result.findings} >= CASCADE


@pytest.mark.parametrize(
    ("cell", "value", "silent"),
    [
        ((1, 3), "95O", CASCADE),  # 全年执行数 unreadable: budget and total unknown
        ((3, 6), "1O", {"S011", "S012", "N001", "N002"}),  # one 分值 unreadable: total unknown
    ],
)
def test_an_unknown_figure_silences_exactly_the_rules_that_need_it(tmp_path, cell, value, silent):
    sheets = _wrong_everywhere()
    sheet = "资金情况" if cell[0] == 1 and cell[1] == 3 else "绩效指标"
    sheets[sheet][cell[0]][cell[1]] = value
    result = run_sheets(tmp_path, sheets)
    rules = {f.rule for f in result.findings}
    assert not rules & silent
    assert rules & (CASCADE - silent) == CASCADE - silent  # the rest still speak
    assert "I005" in rules


def test_an_unknown_weight_silences_the_weight_rules_of_its_group_only(tmp_path):
    sheets = clean_sheets()
    sheets["绩效指标"][1][1] = "数量指标(25分)"  # S004: 数量指标 rows add to 20 …
    sheets["绩效指标"][7][1] = "社会效益指标(25分)"  # … and 社会效益指标 rows to 20
    sheets["绩效指标"][2][6] = "1O"  # a 数量指标 分值 unreadable
    result = run_sheets(tmp_path, sheets)
    assert rules_at(result, "S004") == [("S004", "绩效指标!B8")]  # only the group with known 分值
    assert rules_at(result, "S002", "S003") == []  # 产出指标 and the sum of all 分值 are unknown
