"""M rules (checks/info.py): each fires on one bent copy of the clean project and not on it.

项目信息 of the clean project: labels in column A, values in column B; 统一社会信用代码 is row 7,
评价类型 row 8, 联系电话 row 11, 评价时间 row 12.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.checks import RULES, Context
from pipeline.checks.info import CREDIT_CHARS, credit_check_char, phone_valid
from pipeline.config import Settings
from pipeline.model import Scores
from tests.builders import clean_sheets, credit_code, load_sheets, rules_at, run_sheets, set_info

M_RULES = ("M001", "M002", "M003")


def with_info(**values) -> dict[str, list[list]]:
    sheets = clean_sheets()
    for label, value in values.items():
        set_info(sheets, label, value)
    return sheets


def test_clean_project_has_no_m_findings(tmp_path):
    assert rules_at(run_sheets(tmp_path, clean_sheets()), *M_RULES) == []


# ---------------------------------------------------------------- M001
def test_m001_the_seed_code_is_valid(tmp_path):
    """子洲县's 11610831016093803P: its check digit is P, as computed."""
    assert credit_check_char("11610831016093803") == "P"
    assert rules_at(run_sheets(tmp_path, with_info(统一社会信用代码="11610831016093803P")), "M001") == []


def test_m001_wrong_check_digit(tmp_path):
    result = run_sheets(tmp_path, with_info(统一社会信用代码="11610831016093803Q"))
    assert rules_at(result, "M001") == [("M001", "项目信息!B7")]
    assert [f.expected for f in result.findings if f.rule == "M001"] == ["P"]


@pytest.mark.parametrize("code", ["1161083101609380", "11610831016093803PX", "I1610831016093803P"])
def test_m001_wrong_length_or_characters(tmp_path, code):
    assert rules_at(run_sheets(tmp_path, with_info(统一社会信用代码=code)), "M001") == [
        ("M001", "项目信息!B7")
    ]


def test_m001_spaces_and_lower_case_are_forgiven(tmp_path):
    code = "116108 3101609 3803p"
    assert rules_at(run_sheets(tmp_path, with_info(统一社会信用代码=code)), "M001") == []


def test_m001_blank_code_is_not_checked(tmp_path):
    assert rules_at(run_sheets(tmp_path, with_info(统一社会信用代码=None)), "M001") == []


@given(
    st.text(alphabet=CREDIT_CHARS, min_size=17, max_size=17),
    st.integers(0, 16),
    st.sampled_from(CREDIT_CHARS),
)
def test_m001_check_digit_catches_every_single_substitution(first17, position, replacement):
    code = credit_code(first17)
    assert credit_check_char(code[:17]) == code[17]
    typo = first17[:position] + replacement + first17[position + 1 :]
    if typo != first17:
        assert credit_check_char(typo) != code[17]


# ---------------------------------------------------------------- M002
@pytest.mark.parametrize(
    "phone",
    [
        "0912-7221234",
        "(0912)7221234",
        "（0912）7221234",
        "09127221234",
        "029-88881234",
        "0912-7221234转8001",
        "15596598899",
        "155 9659 8899",
        "+8615596598899",
    ],
)
def test_m002_accepts_mobiles_and_landlines_with_area_code(phone):
    assert phone_valid(phone)


def test_m002_several_good_numbers_pass(tmp_path):
    assert rules_at(run_sheets(tmp_path, with_info(联系电话="0912-7221234、15596598899")), "M002") == []


@pytest.mark.parametrize("phone", ["7221234", "1559659889", "12345678901", "0912-72212", "电话待定"])
def test_m002_flags_numbers_that_cannot_be_dialled(tmp_path, phone):
    assert rules_at(run_sheets(tmp_path, with_info(联系电话=phone)), "M002") == [("M002", "项目信息!B11")]


def test_m002_one_bad_number_in_a_list_is_flagged(tmp_path):
    result = run_sheets(tmp_path, with_info(联系电话="0912-7221234、7221235"))
    assert rules_at(result, "M002") == [("M002", "项目信息!B11")]


def test_m002_the_seed_mobile_passes(tmp_path):
    assert rules_at(run_sheets(tmp_path, with_info(联系电话=15596598899)), "M002") == []


# ---------------------------------------------------------------- M003
def test_m003_result_evaluation_inside_the_budget_year(tmp_path):
    result = run_sheets(tmp_path, with_info(评价时间=date(2023, 12, 20)))
    assert rules_at(result, "M003") == [("M003", "项目信息!B12")]


def test_m003_both_evaluation_types_still_need_the_year_to_be_over(tmp_path):
    sheets = with_info(评价时间=date(2023, 12, 31), 评价类型="项目实施过程评价、项目完成结果评价")
    assert rules_at(run_sheets(tmp_path, sheets), "M003") == [("M003", "项目信息!B12")]


def test_m003_a_process_evaluation_may_be_done_during_the_year(tmp_path):
    sheets = with_info(评价时间=date(2023, 9, 1), 评价类型="项目实施过程评价")
    assert rules_at(run_sheets(tmp_path, sheets), "M003") == []


def test_m003_an_evaluation_dated_in_the_future(tmp_path):
    later = date.today() + timedelta(days=30)
    assert rules_at(run_sheets(tmp_path, with_info(评价时间=later)), "M003") == [("M003", "项目信息!B12")]


def test_m003_today_comes_from_the_run(tmp_path):
    project = load_sheets(tmp_path, clean_sheets())  # 评价时间 2024-03-15
    scores = Scores(None, None, None, 10.0, None, 90.0, 0.0, 100.0, 0.0, 0.0, "差")

    def found(today: date) -> list[str]:
        return [f.location for f in RULES["M003"].fn(project, Context(Settings(), scores, today=today))]

    assert found(date(2024, 3, 14)) == ["项目信息!B12"]
    assert found(date(2024, 3, 15)) == []
