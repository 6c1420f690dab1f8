"""S rules (checks/indicators.py): each fires on one bent copy of the clean project and not on it.

绩效指标 of the clean project: header in row 1, data in rows 2–11; columns A 一级, B 二级, C 三级,
D 指标性质, E 年度指标值, F 实际完成值, G 分值, H 自评得分, I 偏差原因.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline.config import Settings, load_settings
from pipeline.evaluate import evaluate
from pipeline.model import Result, Severity
from tests.builders import CLEAN_TOTAL, TODAY, bent, clean_sheets, rules_at, run_sheets, set_info

SETTINGS = Settings()
S_RULES = [f"S{n:03d}" for n in range(1, 18)]


def bent_indicators(**cells) -> dict[str, list[list]]:
    """The clean sheets with 绩效指标 cells replaced: bent_indicators(E3="不少于120", H2=12)."""
    return bent("绩效指标", **cells)


def run(tmp_path: Path, sheets: dict[str, list[list]], settings: Settings = SETTINGS) -> Result:
    return run_sheets(tmp_path, sheets, settings)


def replaced(section: str, **changes) -> Settings:
    return dataclasses.replace(
        SETTINGS, **{section: dataclasses.replace(getattr(SETTINGS, section), **changes)}
    )


# ---------------------------------------------------------------- the clean project
def test_clean_project_has_no_errors_or_warnings_over_all_rules(tmp_path):
    result = run(tmp_path, clean_sheets())
    serious = [
        (f.rule, f.location, f.message)
        for f in result.findings
        if f.severity in (Severity.ERROR, Severity.WARNING)
    ]
    assert serious == []
    assert rules_at(result, *S_RULES) == []
    assert result.scores.total == CLEAN_TOTAL


# ---------------------------------------------------------------- S001
@pytest.mark.parametrize("claimed", [12, -1])
def test_s001_claimed_outside_zero_to_weight_without_cascade(tmp_path, claimed):
    result = run(tmp_path, bent_indicators(H2=claimed))
    assert rules_at(result, "S001", "S005", "S006", "S007") == [("S001", "绩效指标!H2")]


def test_s001_on_a_qualitative_line_is_not_also_s006(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(H10=11)), "S001", "S006") == [("S001", "绩效指标!H10")]


def test_s001_silent_at_full_marks(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(H2=10)), "S001") == []


# ---------------------------------------------------------------- S002
def test_s002_weights_not_adding_to_100(tmp_path):
    result = run(tmp_path, bent_indicators(G2=15, H2=15))
    assert rules_at(result, "S002") == [("S002", "绩效指标!G2:G11")]
    finding = next(f for f in result.findings if f.rule == "S002")
    assert (finding.expected, finding.actual) == (100, 105)


def test_s002_silent_when_the_total_scale_is_configured(tmp_path):
    assert (
        rules_at(run(tmp_path, bent_indicators(G2=15, H2=15), replaced("weights", total=105)), "S002") == []
    )


# ---------------------------------------------------------------- S003
def _ten_points_moved_to_benefit() -> dict[str, list[list]]:
    return bent_indicators(A7="效益指标")  # the 成本指标 row (10 分): 产出 40, 效益 40


def test_s003_names_each_level1_that_departs(tmp_path):
    result = run(tmp_path, _ten_points_moved_to_benefit())
    assert rules_at(result, "S003") == [("S003", "绩效指标!A2"), ("S003", "绩效指标!A7")]
    messages = [f.message for f in result.findings if f.rule == "S003"]
    assert "产出指标分值合计 40 分" in messages[0] and "效益指标分值合计 40 分" in messages[1]


def test_s003_disappears_when_config_weights_match(tmp_path):
    settings = replaced("weights", output=40.0, benefit=40.0)
    assert rules_at(run(tmp_path, _ten_points_moved_to_benefit(), settings), "S003") == []


def test_s003_disappears_with_a_real_config_file(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[weights]\noutput = 40\nbenefit = 40\n", encoding="utf-8")
    assert rules_at(run(tmp_path, _ten_points_moved_to_benefit(), load_settings(config)), "S003") == []


def test_s003_missing_level1_points_at_the_sheet(tmp_path):
    sheets = clean_sheets()
    sheets["绩效指标"] = sheets["绩效指标"][:-1]  # no 满意度指标 line
    assert rules_at(run(tmp_path, sheets), "S003") == [("S003", "绩效指标")]


def test_s003_cost_as_its_own_level1_is_filed_under_output(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(A7="成本指标")), "S003") == []


# ---------------------------------------------------------------- S004
def test_s004_level2_label_weight_differs_from_its_rows(tmp_path):
    result = run(
        tmp_path, bent_indicators(B2="数量指标(30分)", B3="数量指标(30分)")
    )  # merged: repeated on each row
    assert rules_at(result, "S004") == [("S004", "绩效指标!B2")]


def test_s004_level1_label_weight(tmp_path):
    cells = {f"A{r}": "产出指标（60分）" for r in range(2, 8)}
    assert rules_at(run(tmp_path, bent_indicators(**cells)), "S004") == [("S004", "绩效指标!A2")]


def test_s004_silent_when_labels_add_up(tmp_path):
    cells = {f"A{r}": "产出指标(50分)" for r in range(2, 8)}
    result = run(tmp_path, bent_indicators(B2="数量指标 (20分)", B3="数量指标 (20分)", **cells))
    assert rules_at(result, "S004") == []


# ---------------------------------------------------------------- S005
def test_s005_quantitative_claim_differs_from_computed(tmp_path):
    result = run(tmp_path, bent_indicators(F3="100份", I3="汛期停工"))  # 10×100/120 = 8.33, claimed 10
    assert rules_at(result, "S005") == [("S005", "绩效指标!H3")]
    finding = next(f for f in result.findings if f.rule == "S005")
    assert (finding.expected, finding.actual) == (8.33, 10)
    assert "10×100/120" in finding.message


def test_s005_silent_when_claim_matches(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(F3="100份", H3=8.33, I3="汛期停工")), "S005") == []


# ---------------------------------------------------------------- S006
def test_s006_qualitative_claim_outside_its_band(tmp_path):
    result = run(tmp_path, bent_indicators(H10=10))  # 基本建立: 部分达成, 6–8
    assert rules_at(result, "S006") == [("S006", "绩效指标!H10")]
    assert next(f for f in result.findings if f.rule == "S006").expected == "6–8"


def test_s006_silent_inside_band(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(H10=6)), "S006") == []


# ---------------------------------------------------------------- S007
def test_s007_deduction_without_reason(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(I10=None)), "S007") == [("S007", "绩效指标!I10")]


def test_s007_silent_with_reason(tmp_path):
    assert rules_at(run(tmp_path, clean_sheets()), "S007") == []


# ---------------------------------------------------------------- S008
@pytest.mark.parametrize("actual", ["超额完成", "20人"])
def test_s008_actual_not_comparable(tmp_path, actual):
    result = run(tmp_path, bent_indicators(F2=actual))
    assert rules_at(result, "S008") == [("S008", "绩效指标!F2")]
    assert rules_at(result, "S005") == []  # cannot verify: the claim stands


def test_s008_silent_with_a_number_in_the_targets_unit(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(F2="20")), "S008") == []


# ---------------------------------------------------------------- S009
def test_s009_target_exceeded_by_more_than_the_margin(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(F3="150份")), "S009") == [("S009", "绩效指标!F3")]  # +25%


def test_s009_margin_comes_from_config(tmp_path):
    wider = replaced("scoring", overshoot_margin=0.3)
    assert rules_at(run(tmp_path, bent_indicators(F3="150份"), wider), "S009") == []


def test_s009_ignores_a_cost_well_under_its_cap(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(F6="10天")), "S009") == []


# ---------------------------------------------------------------- S010
def test_s010_full_marks_with_a_shortfall_in_the_deviation(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(I2="受汛期影响部分管段延误")), "S010") == [
        ("S010", "绩效指标!I2")
    ]


def test_s010_full_marks_on_a_strict_target_only_met(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(F9="95%")), "S010") == [("S010", "绩效指标!F9")]


def test_s010_silent_on_full_marks_without_shortfall(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(I2="已按计划完成")), "S010") == []


# ---------------------------------------------------------------- S011 / S012
def test_s011_claimed_total_differs(tmp_path):
    sheets = clean_sheets()
    set_info(sheets, "自评总分", 95)
    result = run(tmp_path, sheets)
    assert rules_at(result, "S011") == [("S011", "项目信息!B13")]
    finding = next(f for f in result.findings if f.rule == "S011")
    assert (finding.expected, finding.actual) == (CLEAN_TOTAL, 95)


def test_s012_claimed_grade_differs(tmp_path):
    sheets = clean_sheets()
    set_info(sheets, "自评等级", "良")
    assert rules_at(run(tmp_path, sheets), "S012") == [("S012", "项目信息!B14")]


def test_s012_grade_thresholds_come_from_config(tmp_path):
    result = run(tmp_path, clean_sheets(), replaced("grades", excellent=97.0))
    assert result.scores.grade == "良"
    assert rules_at(result, "S012") == [("S012", "项目信息!B14")]


def test_s011_s012_silent_when_claims_match(tmp_path):
    assert rules_at(run(tmp_path, clean_sheets()), "S011", "S012") == []


# ---------------------------------------------------------------- S013
def test_s013_no_weight_and_blank_level3(tmp_path):
    result = run(tmp_path, bent_indicators(G2=None, C3=None))
    assert rules_at(result, "S013") == [("S013", "绩效指标!G2"), ("S013", "绩效指标!C3")]


# ---------------------------------------------------------------- S014
def test_s014_cost_target_as_floor(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(E7="≥3万元/公里")), "S014") == [("S014", "绩效指标!E7")]


def test_s014_silent_on_a_floor_elsewhere(tmp_path):
    assert rules_at(run(tmp_path, clean_sheets()), "S014") == []


# ---------------------------------------------------------------- S015
def test_s015_rate_above_100_percent_in_target_and_actual(tmp_path):
    result = run(tmp_path, bent_indicators(E4="≥105%", F4="106%"))
    assert rules_at(result, "S015") == [("S015", "绩效指标!E4"), ("S015", "绩效指标!F4")]


def test_s015_silent_for_a_count_above_100(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(F3="110份")), "S015") == []


# ---------------------------------------------------------------- S016
def test_s016_quantitative_target_without_unit(tmp_path):
    result = run(tmp_path, bent_indicators(E3="不少于120"))
    assert rules_at(result, "S016") == [("S016", "绩效指标!E3")]
    assert rules_at(result, "S008", "S005") == []  # the actual's 份 is taken as the unit


# ---------------------------------------------------------------- config: at_most_method
def test_at_most_method_decides_whether_a_claim_is_right(tmp_path):
    sheets = bent_indicators(F6="36天", H6=8, I6="部分管段因雨延期")  # linear 10×(2−36/30)=8, ratio 8.33
    assert rules_at(run(tmp_path, sheets, replaced("scoring", at_most_method="linear")), "S005") == []
    assert rules_at(run(tmp_path, sheets, replaced("scoring", at_most_method="ratio")), "S005") == [
        ("S005", "绩效指标!H6")
    ]


# ---------------------------------------------------------------- the seed example
def test_seed_example_findings(example_path):
    if not example_path.exists():
        pytest.skip("the filled example has not been generated")
    result = evaluate(example_path, SETTINGS, today=TODAY)
    found = rules_at(result, *S_RULES)
    assert {"S002", "S003", "S011"} <= {rule for rule, _ in found}
    assert [loc for rule, loc in found if rule == "S003"] == ["绩效指标!A2", "绩效指标!A16"]
    assert not {"S004", "S005", "S007", "S017"} & {rule for rule, _ in found}
    # v2: 指标3 (网络顺畅 → 正常运转, 3 of 5) reads 达成 from its actual alone: 3 lies below the band
    # 4–5, a 警告; the claim stands, so the total is v1's
    assert [loc for rule, loc in found if rule == "S006"] == ["绩效指标!H4"]
    assert (result.scores.total, result.scores.grade) == (94.55, "优")


# ---------------------------------------------------------------- v2 (issue 13): judgements are warnings
def test_v2_s006_a_qualitative_claim_the_deviation_explains_is_no_error(tmp_path):
    """有效运行 scored 9 of 10, the lost point explained: v1 read 部分达成 and raised S011/N001."""
    sheets = bent_indicators(F10="长效管护机制有效运行", H10=9, I10="部分村管护员培训不足，下一步加强培训")
    set_info(sheets, "自评总分", 98.5)
    sheets["报告正文"][6][1] = "经自评，本项目自评得分98.5分，等级为“优”。"
    result = run(tmp_path, sheets)
    assert result.scores.total == 98.5
    assert rules_at(result, "S006", "S011", "N001", "S010") == []


def test_v2_s006_warns_with_the_band_and_leaves_the_score(tmp_path):
    result = run(tmp_path, bent_indicators(F10="已建立并有效运行", H10=6))  # 达成: 8–10
    [s006] = [f for f in result.findings if f.rule == "S006"]
    assert (s006.location, s006.severity, s006.expected) == ("绩效指标!H10", Severity.WARNING, "8–10")
    assert "8–10" in s006.message and "复核得分仍按自评 6 分计" in s006.message
    assert result.scores.for_row(10).computed == 6 and result.scores.total == CLEAN_TOTAL - 1


@pytest.mark.parametrize("actual", ["实际维修20公里", "共20公里", "完成率达100%"])
def test_v2_s008_one_number_among_words_is_a_number(tmp_path, actual):
    target = "=100%" if "%" in actual else "≥20公里"
    result = run(tmp_path, bent_indicators(E2=target, F2=actual))
    assert rules_at(result, "S008", "S005") == []


def test_v2_s008_several_numbers_are_not_guessed(tmp_path):
    result = run(tmp_path, bent_indicators(F2="计划22公里完成20公里"))
    assert rules_at(result, "S008") == [("S008", "绩效指标!F2")]
    assert "多个数字" in next(f.message for f in result.findings if f.rule == "S008")


@pytest.mark.parametrize(
    ("target", "actual"), [("12月底前", "按时完成"), ("2023年11月30日前", "2023年11月20日")]
)
def test_v2_s008_a_deadline_met_is_not_s008(tmp_path, target, actual):
    result = run(tmp_path, bent_indicators(E6=target, F6=actual))
    assert rules_at(result, "S008", "S005", "S010") == []
    assert result.scores.total == CLEAN_TOTAL


def test_v2_s008_a_deadline_actual_that_says_nothing_about_time(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(E6="12月底前", F6="已验收")), "S008") == [
        ("S008", "绩效指标!F6")
    ]


def test_v2_s009_silent_when_the_deviation_gives_the_reason(tmp_path):
    sheets = bent_indicators(F3="150份", I3="汛期加密抽检，检测份数超出计划")
    assert rules_at(run(tmp_path, sheets), "S009") == []


@pytest.mark.parametrize("placeholder", ["无", "/", "—"])
def test_v2_s009_a_placeholder_is_no_reason(tmp_path, placeholder):
    sheets = bent_indicators(F3="150份", I3=placeholder)
    assert rules_at(run(tmp_path, sheets), "S009") == [("S009", "绩效指标!F3")]


def test_v2_s010_an_at_most_zero_target_missed_at_full_marks(tmp_path):
    result = run(tmp_path, bent_indicators(C5="水质安全事故", E5="=0起", F5="1起"))
    assert rules_at(result, "S010") == [("S010", "绩效指标!F5")]
    assert rules_at(result, "S005") == []  # nothing to prorate: the claim stands
    assert "目标为 0" in result.scores.for_row(5).arithmetic


def test_v2_s010_silent_when_the_deviation_negates_the_word(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(I2="汛期对施工无影响，按计划完成")), "S010") == []


def test_v2_s010_a_deadline_missed_at_full_marks(tmp_path):
    assert rules_at(run(tmp_path, bent_indicators(E6="10月底前", F6="延期至12月完成")), "S010") == [
        ("S010", "绩效指标!F6")
    ]


def test_v2_s011_names_the_lines_behind_the_difference(tmp_path):
    sheets = bent_indicators(F3="100份", I3="汛期停工")  # 10×100/120 = 8.33, claimed 10
    result = run(tmp_path, sheets)
    [s011] = [f for f in result.findings if f.rule == "S011"]
    assert "绩效指标第 3 行“水样检测份数”定量复核 8.33 分、自评 10 分" in s011.message
    assert "预算执行率" not in s011.message  # the unit's 96.5 gave it 9.5 already


def test_v2_s011_names_the_budget_line_when_the_units_total_took_full_marks_for_it(tmp_path):
    sheets = clean_sheets()
    set_info(sheets, "自评总分", 97)  # Σ lines 87 + 10, though 95 of 100 was spent
    [s011] = [f for f in run(tmp_path, sheets).findings if f.rule == "S011"]
    assert "预算执行率复核 9.5 分（自评总分减各行自评得分为 10 分）" in s011.message


def test_v2_s011_silent_when_only_judgements_differ(tmp_path):
    sheets = bent_indicators(H10=9.5)  # 基本建立 (部分达成) at 9.5: S006 only, the claim counts
    set_info(sheets, "自评总分", 99)
    result = run(tmp_path, sheets)
    assert result.scores.total == 99
    assert rules_at(result, "S011", "S006") == [("S006", "绩效指标!H10")]


def test_v2_s016_silent_when_a_unit_column_gives_the_unit(tmp_path):
    sheets = bent_indicators(E3="不少于120")
    for i, row in enumerate(sheets["绩效指标"]):
        row.append("度量单位" if i == 0 else ("份" if i == 2 else ""))
    assert rules_at(run(tmp_path, sheets), "S016") == []


@pytest.mark.parametrize(
    ("cell", "written", "key", "scored"),
    [
        ("A8", "效果指标", "已按最接近的“效益指标”计分", "效益指标"),
        ("B11", "满意度", "已按最接近的“服务对象满意度指标”计分", "服务对象满意度指标"),
        ("B8", "效益指标", "无法确定应归入哪一项", "效益指标"),
    ],
)
def test_s017_a_name_that_is_not_in_the_list(tmp_path, cell, written, key, scored):
    result = run(tmp_path, bent_indicators(**{cell: written}))
    [s017] = [f for f in result.findings if f.rule == "S017"]
    assert (s017.location, s017.severity) == (f"绩效指标!{cell}", Severity.WARNING)
    assert key in s017.message
    row = int(cell[1:])
    ind = next(i for i in result.project.indicators if i.row == row)
    assert (ind.level1 if cell[0] == "A" else ind.level2).name == scored


@pytest.mark.parametrize("written", ["满意度", "一、满意度指标", "满意度指标（10分）"])
def test_s017_silent_on_short_forms_which_are_scored_under_the_full_name(tmp_path, written):
    result = run(tmp_path, bent_indicators(A11=written))
    assert rules_at(result, "S017", "S003") == []
    assert result.scores.level1_weights["满意度指标"] == 10


def test_s017_merged_cells_report_once(tmp_path):
    cells = {f"A{r}": "效果指标" for r in range(8, 11)}
    assert rules_at(run(tmp_path, bent_indicators(**cells)), "S017") == [("S017", "绩效指标!A8")]
