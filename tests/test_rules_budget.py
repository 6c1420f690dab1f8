"""B rules (checks/budget.py): each fires on one bent copy of the clean project and not on it.

资金情况 of the clean project: columns A 资金来源, B 年初预算数, C 全年预算数, D 全年执行数, E 执行率;
rows 2 年度资金总额 100/100/95, 3 财政拨款 80/80/76, 4 上年结转资金 20/20/19, 5 其他资金 0/0/0.
分项预算: C2 管网维修 60, C3 水质检测 40. 支付明细 amounts in F2–F5, 支出结构 in B2–B3.
"""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.checks.budget import money_differs, written_half_unit
from pipeline.config import Settings
from pipeline.display import money, percent
from tests.builders import bent, clean_sheets, rules_at, run_sheets

B_RULES = ("B001", "B002", "B003", "B004", "B005", "B006")


def bent_funds(**cells) -> dict[str, list[list]]:
    """The clean sheets with 资金情况 cells replaced: bent_funds(D3=70)."""
    return bent("资金情况", **cells)


def executed(total: float) -> dict[str, list[list]]:
    """The clean project with the whole execution changed consistently (sources, payments, structure)."""
    share = total / 95
    sheets = bent_funds(D2=total, D3=76 * share, D4=19 * share, E2=None, E3=None, E4=None)
    for row in sheets["支付明细"][1:]:
        row[5] = row[5] * share
    for row in sheets["支出结构"][1:]:
        row[1] = row[1] * share
    return sheets


def test_clean_project_has_no_b_findings(tmp_path):
    assert rules_at(run_sheets(tmp_path, clean_sheets()), *B_RULES) == []


# ---------------------------------------------------------------- wording helpers
@pytest.mark.parametrize(
    ("x", "text"),
    [
        (120.5, "120.50"),
        (121, "121.00"),
        (19.697, "19.6970"),
        (0.064, "0.0640"),
        (0.5, "0.50"),
        (62.1212, "62.1212"),
    ],
)
def test_money_shows_four_decimals_only_when_the_yuan_matter(x, text):
    assert money(x) == text


def test_percent_and_written_precision():
    assert percent(0.9455) == "94.55%" and percent(1.0) == "100%"
    assert written_half_unit("95", percent_written=True) == pytest.approx(0.005)
    assert written_half_unit("121") == 0.5 and written_half_unit("19.44") == pytest.approx(0.005)


def test_money_differs_at_one_yuan():
    assert not money_differs(121.0, 121.00004, 0.0001)
    assert money_differs(121.0, 121.0001, 0.0001)


def test_money_differs_from_half_a_yuan_not_a_whole_one():
    """Guards the tolerance of B001/B002/B004/P001/P004 (money_differs): two amounts differ once they
    are more than half a unit (0.5 元) apart, so 0.6 元 is a difference and 0.4 元 is not. Widened to a
    whole unit, a 0.6 元 difference would pass unseen (the one-yuan test above passes either way)."""
    assert money_differs(121.0, 121.00006, 0.0001)
    assert money_differs(121.00006, 121.0, 0.0001)
    assert not money_differs(121.0, 121.00004, 0.0001)


def test_b001_a_difference_of_six_jiao_is_a_difference(tmp_path):
    """The rule itself, not only the helper: 0.6 元 off (万元 amounts) is reported."""
    assert rules_at(run_sheets(tmp_path, bent_funds(D3=76.00006)), "B001") == [("B001", "资金情况!D2")]


# ---------------------------------------------------------------- B001
def test_b001_total_is_not_the_sum_of_its_sources(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_funds(D3=70)), "B001") == [("B001", "资金情况!D2")]


def test_b001_each_column_is_checked(tmp_path):
    result = run_sheets(tmp_path, bent_funds(B4=25, C4=25))
    assert rules_at(result, "B001") == [("B001", "资金情况!B2"), ("B001", "资金情况!C2")]


def test_b001_blank_sources_count_as_none(tmp_path):
    sheets = bent_funds(B5=None, C5=None, D5=None, B4=None, C4=None, D4=None, B3=100, C3=100, D3=95)
    assert rules_at(run_sheets(tmp_path, sheets), "B001") == []


def test_b001_a_column_with_no_breakdown_or_no_total_is_skipped(tmp_path):
    sheets = bent_funds(C2=None, B3=None, B4=None, B5=None)  # 全年预算数 total unknown; 年初 not split
    assert rules_at(run_sheets(tmp_path, sheets), "B001") == []


# ---------------------------------------------------------------- B002
def test_b002_over_execution(tmp_path):
    sheets = executed(105)
    assert rules_at(run_sheets(tmp_path, sheets), "B002") == [
        ("B002", "资金情况!D2"),
        ("B002", "资金情况!D3"),
        ("B002", "资金情况!D4"),
    ]


def test_b002_full_execution_is_fine(tmp_path):
    assert rules_at(run_sheets(tmp_path, executed(100)), "B002") == []


def test_b002_uses_the_initial_budget_when_the_adjusted_one_is_blank(tmp_path):
    sheets = bent_funds(C2=None, B2=90)
    assert rules_at(run_sheets(tmp_path, sheets), "B002") == [("B002", "资金情况!D2")]


# ---------------------------------------------------------------- B003
def test_b003_stated_rate_differs(tmp_path):
    result = run_sheets(tmp_path, bent_funds(E2=0.9))
    assert rules_at(result, "B003") == [("B003", "资金情况!E2")]
    assert "请改为 95%" in next(f.message for f in result.findings if f.rule == "B003")


@pytest.mark.parametrize(
    ("stated", "fires"),
    [
        ("95%", False),
        ("94.55%", False),
        (0.9455, False),
        ("94%", True),
        ("94.7%", True),
        ("94.58%", True),
        (0.95, False),
        (0.9, True),
    ],
)
def test_b003_a_rate_typed_with_fewer_digits_is_that_rate_rounded(tmp_path, stated, fires):
    sheets = executed(94.55)
    sheets["资金情况"][1][4] = stated
    assert rules_at(run_sheets(tmp_path, sheets), "B003") == ([("B003", "资金情况!E2")] if fires else [])


def test_b003_rows_without_a_stated_rate_are_not_checked(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_funds(E2=None, E3=None, E4=None)), "B003") == []


# ---------------------------------------------------------------- B004
def test_b004_subitems_do_not_add_up(tmp_path):
    sheets = clean_sheets()
    sheets["分项预算"][2][2] = 30
    assert rules_at(run_sheets(tmp_path, sheets), "B004") == [("B004", "资金情况!C2")]


def test_b004_no_subitem_sheet_no_check(tmp_path):
    sheets = clean_sheets()
    del sheets["分项预算"]
    assert rules_at(run_sheets(tmp_path, sheets), "B004") == []


# ---------------------------------------------------------------- B005
def test_b005_negative_amounts_anywhere(tmp_path):
    sheets = bent_funds(D5=-1)
    sheets["支付明细"][2][5] = -25
    sheets["支出结构"][1][1] = -55
    result = run_sheets(tmp_path, sheets)
    assert sorted(rules_at(result, "B005")) == [
        ("B005", "支付明细!F3"),
        ("B005", "支出结构!B2"),
        ("B005", "资金情况!D5"),
    ]


def test_b005_zero_is_not_negative(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_funds(B5=0, C5=0, D5=0)), "B005") == []


# ---------------------------------------------------------------- B006
def silent_about_money(sheets: dict[str, list[list]], text: str = "项目资金专款专用，严格审批。") -> dict:
    for row in sheets["报告正文"]:
        if row[0] == "资金使用及管理情况":
            row[1] = text
    sheets["绩效指标"][9][8] = "村级管护员考核办法有待完善，下一步加强考核"  # gives no cause for money
    return sheets


@pytest.mark.parametrize(
    "text",
    [
        "项目全年预算100万元，全年执行80万元，执行率80%。",  # v2: stating the rate explains nothing
        "全年执行80万元，因此执行率为80%，资金管理规范。",  # 因此 (therefore) is no cause
    ],
)
def test_b006_stating_the_rate_is_not_an_explanation(tmp_path, text):
    sheets = silent_about_money(executed(80), text)
    assert rules_at(run_sheets(tmp_path, sheets), "B006") == [("B006", "资金情况!D2")]


@pytest.mark.parametrize(
    "text",
    [
        "全年执行80万元，执行率80%，主要由于部分设备到货延期，尾款20万元未支付。",
        "受疫情影响，培训改为线上，结余资金20万元按规定收回。",
    ],
)
def test_b006_a_sentence_giving_a_cause_explains_it(tmp_path, text):
    assert rules_at(run_sheets(tmp_path, silent_about_money(executed(80), text)), "B006") == []


def test_b006_low_execution_without_a_reason(tmp_path):
    sheets = silent_about_money(executed(80))
    assert rules_at(run_sheets(tmp_path, sheets), "B006") == [("B006", "资金情况!D2")]


def test_b006_the_money_section_explains_it(tmp_path):
    sheets = executed(80)
    sheets["报告正文"][3][1] = "受工期影响，部分工程款未支付，结余资金 20 万元结转下年使用。"
    assert rules_at(run_sheets(tmp_path, sheets), "B006") == []


def test_b006_a_deviation_explains_it(tmp_path):
    sheets = silent_about_money(executed(80))
    sheets["绩效指标"][1][8] = "施工进度滞后，部分资金未使用"
    assert rules_at(run_sheets(tmp_path, sheets), "B006") == []


def test_b006_threshold_comes_from_settings(tmp_path):
    sheets = silent_about_money(executed(80))
    lenient = dataclasses.replace(
        Settings(), checks=dataclasses.replace(Settings().checks, low_execution=0.75)
    )
    assert rules_at(run_sheets(tmp_path, sheets, lenient), "B006") == []
