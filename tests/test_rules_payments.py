"""P rules (checks/payments.py): each fires on one bent copy of the clean project and not on it.

支付明细 of the clean project: header in row 1, payments in rows 2–5; columns A 序号, B 支付日期,
C 资金性质, D 分项名称, E 用途, F 支付金额, G 凭证号. Rows 2–3 pay 管网维修 (30 + 25 of 60), rows 4–5
水质检测 (20 + 20 of 40); 全年执行数 95 is 资金情况!D2. 支出结构: B2 55, B3 40.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.checks.payments import closest_name, normalize_name
from tests.builders import bent, clean_sheets, rules_at, run_sheets, set_info

P_RULES = ("P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008")


def bent_payments(**cells) -> dict[str, list[list]]:
    """The clean sheets with 支付明细 cells replaced: bent_payments(F2=31)."""
    return bent("支付明细", **cells)


def test_clean_project_has_no_p_findings(tmp_path):
    assert rules_at(run_sheets(tmp_path, clean_sheets()), *P_RULES) == []


# ---------------------------------------------------------------- P001
def test_p001_payments_do_not_add_up_to_execution(tmp_path):
    result = run_sheets(tmp_path, bent_payments(F2=31))
    assert rules_at(result, "P001") == [("P001", "资金情况!D2")]
    message = next(f.message for f in result.findings if f.rule == "P001")
    assert "96.00 万元" in message and "95.00 万元" in message and "1.00 万元" in message


def test_p001_one_yuan_counts_and_less_does_not(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_payments(F2=30.0001)), "P001") == [("P001", "资金情况!D2")]
    assert rules_at(run_sheets(tmp_path, bent_payments(F2=30.00004), name="u.xlsx"), "P001") == []


def test_p001_an_empty_payment_list_against_spending_fires(tmp_path):
    sheets = clean_sheets()
    del sheets["支付明细"][1:]
    assert rules_at(run_sheets(tmp_path, sheets), "P001") == [("P001", "资金情况!D2")]


def test_p001_an_unreadable_amount_leaves_the_sum_unknown(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_payments(F2="三十万")), "P001", "I005") == [
        ("I005", "支付明细!F2")
    ]


def test_p001_amounts_in_yuan_are_converted(tmp_path):
    sheets = clean_sheets()
    sheets["支付明细"][0][5] = "支付金额（元）"
    for row in sheets["支付明细"][1:]:
        row[5] = row[5] * 10000
    assert rules_at(run_sheets(tmp_path, sheets), "P001") == []


# ---------------------------------------------------------------- P002
def test_p002_a_payment_of_another_year(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_payments(B2=date(2022, 12, 30))), "P002") == [
        ("P002", "支付明细!B2")
    ]


def test_p002_a_payment_after_the_evaluation(tmp_path):
    sheets = clean_sheets()
    set_info(sheets, "评价时间", date(2023, 10, 1))
    assert rules_at(run_sheets(tmp_path, sheets), "P002") == [("P002", "支付明细!B5")]


def test_p002_several_days_in_the_year_are_fine(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_payments(B2="2023.12.07、2023.12.09")), "P002") == []


# ---------------------------------------------------------------- P003
def test_p003_unknown_item_suggests_the_closest_name(tmp_path):
    result = run_sheets(tmp_path, bent_payments(D3="管网维修改造费"))
    assert rules_at(result, "P003") == [("P003", "支付明细!D3")]
    assert "最接近的是“管网维修”" in next(f.message for f in result.findings if f.rule == "P003")


def test_p003_spacing_and_punctuation_do_not_matter(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_payments(D3="管网 维修")), "P003") == []


def test_p003_without_a_subitem_sheet_nothing_to_match(tmp_path):
    sheets = bent_payments(D3="管网维修改造费")
    del sheets["分项预算"]
    assert rules_at(run_sheets(tmp_path, sheets), "P003") == []


def test_closest_name_on_the_seed_names():
    names = [
        "全县党政机关事业单位综合办公暨公文流转系统",
        "政府门户网站维护",
        "子洲县公务用车信息化平台维护费",
        "县政府大院通讯光纤",
    ]
    assert closest_name("全县公务用车定位系统服务平台维护费", names) == "子洲县公务用车信息化平台维护费"
    assert normalize_name("（管网 维修）") == "管网维修"


# ---------------------------------------------------------------- P004
def test_p004_payments_allocated_to_a_subitem_exceed_it(tmp_path):
    sheets = bent_payments(D4="管网维修")  # 管网维修 30 + 25 + 20 = 75 > 60
    assert rules_at(run_sheets(tmp_path, sheets), "P004") == [("P004", "分项预算!C2")]


def test_p004_multi_item_rows_are_not_allocated(tmp_path):
    sheets = bent_payments(D4="管网维修、水质检测")
    assert rules_at(run_sheets(tmp_path, sheets), "P004") == []


# ---------------------------------------------------------------- P005
def test_p005_duplicate_rows(tmp_path):
    sheets = clean_sheets()
    sheets["支付明细"].append(list(sheets["支付明细"][2]))
    assert rules_at(run_sheets(tmp_path, sheets), "P005") == [("P005", "支付明细!F6")]


def test_p005_same_amount_on_another_day_is_not_a_duplicate(tmp_path):
    sheets = bent_payments(F5=20, B5=date(2023, 11, 29))
    assert rules_at(run_sheets(tmp_path, sheets), "P005") == []


def test_p005_same_day_and_amount_under_another_subitem_is_not_a_duplicate(tmp_path):
    """Guards the 分项 in P005's key: one day's 25 万元 paid for 管网维修 and another 25 万元 for 水质检测
    are two payments, not one entered twice."""
    sheets = clean_sheets()
    other = list(sheets["支付明细"][2])
    other[0], other[3], other[4], other[6] = 5, "水质检测", "加测一次", "记-103"
    sheets["支付明细"].append(other)
    assert rules_at(run_sheets(tmp_path, sheets), "P005") == []


# ---------------------------------------------------------------- P006
def test_p006_one_row_several_items(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_payments(D4="管网维修、水质检测")), "P006") == [
        ("P006", "支付明细!D4")
    ]


def test_p006_one_item_per_row(tmp_path):
    assert rules_at(run_sheets(tmp_path, clean_sheets()), "P006") == []


# ---------------------------------------------------------------- P007
def test_p007_structure_does_not_add_up(tmp_path):
    sheets = clean_sheets()
    sheets["支出结构"][2][1] = 45
    assert rules_at(run_sheets(tmp_path, sheets), "P007") == [("P007", "资金情况!D2")]


def test_p007_no_structure_sheet_no_check(tmp_path):
    sheets = clean_sheets()
    del sheets["支出结构"]
    assert rules_at(run_sheets(tmp_path, sheets), "P007") == []


# ---------------------------------------------------------------- P008
@pytest.mark.parametrize("written", ["11.28", "11月28日", "11.27、11.28"])
def test_p008_a_date_without_its_year(tmp_path, written):
    assert rules_at(run_sheets(tmp_path, bent_payments(B5=written)), "P008") == [("P008", "支付明细!B5")]


def test_p008_full_dates_are_fine(tmp_path):
    assert rules_at(run_sheets(tmp_path, bent_payments(B5="2023.11.28")), "P008") == []
