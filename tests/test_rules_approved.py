"""X006–X008: the workbooks of a batch against the bureau's approved 绩效目标 (checks/approved.py),
and the approved-targets folder as load/approved.py reads it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.batch.frames import build
from pipeline.checks.approved import EASIER, HARDER, SAME, compare, read_target, target_comparison
from pipeline.checks.cross import CrossContext, run_cross
from pipeline.config import Limits, Settings
from pipeline.load.approved import read_approved
from tests.builders import clean_sheets, set_info, write_workbook
from tests.test_rules_cross import entries

NAME, UNIT, YEAR = "2023年农村饮水安全工程维修养护项目", "某县农村供水管理站", 2023
HEADER = [
    "项目编码",
    "项目名称",
    "实施单位",
    "预算年度",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "调整后指标值",
]


def approved_rows(name=NAME, unit=UNIT, year=YEAR, code="", changes=None, drop=()) -> list[list]:
    """The approved targets of the builders' clean project, as its own 绩效指标 states them."""
    rows = []
    for level1, level2, level3, _, target, *_ in clean_sheets()["绩效指标"][1:]:
        if level3 in drop:
            continue
        approved, adjusted = (changes or {}).get(level3, (target, ""))
        rows.append([code, name, unit, year, level1, level2, level3, approved, adjusted])
    return rows


def write_approved(folder: Path, rows: list[list], title: bool = True, merges=None, name="批复.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sheet = ([["2023年度项目支出绩效目标批复表（预算管理一体化导出）"]] if title else []) + [HEADER, *rows]
    return write_workbook(folder / name, {"批复绩效目标": sheet}, merges)


def x_findings(tmp_path, batch: dict[str, dict], rows: list[list], **kw) -> dict[str, list[tuple]]:
    """{file: [(rule, sheet!cell, expected, actual)]} of X006–X008."""
    approved = read_approved(write_approved(tmp_path / "targets", rows, **kw).parent, Limits())
    assert approved.problems == ()
    found = run_cross(build(entries(tmp_path, batch)), CrossContext(Settings(), approved))
    return {
        file: [(f.rule, f.location, f.expected, f.actual) for f in fs if f.rule in ("X006", "X007", "X008")]
        for file, fs in found.items()
    }


# ---------------------------------------------------------------- comparing targets as values
@pytest.mark.parametrize(
    ("mine", "approved", "verdict"),
    [
        ("≥3.6万人次", "≥36000人次", SAME),
        ("≥36次", "≥36次", SAME),
        ("≥90百分比", "≥90%", SAME),
        ("=100%", "≥100%", SAME),  # 等于 reads in the approved one's direction
        ("≥30次", "≥36次", EASIER),  # an at-least target lowered
        ("≤4万元/公里", "≤3万元/公里", EASIER),  # an at-most target raised
        ("≥95%", "大于95%", EASIER),  # a weaker comparator
        ("12月底前", "11月底前", EASIER),  # a later deadline
        ("≥40次", "≥36次", HARDER),
        ("≤2万元/公里", "≤3万元/公里", HARDER),
        ("≥3.7万人次", "≥36000人次", HARDER),
    ],
)
def test_targets_compare_as_values(mine, approved, verdict):
    assert compare(read_target(mine), read_target(approved))[0] == verdict


@pytest.mark.parametrize(
    ("mine", "approved", "reason"),
    [
        ("≥36次", "≥36人次", "X006_unit"),
        ("公文流转顺畅", "上级考核通过", "X006_text"),
        ("≥36次", "按时完成", "X006_kind"),
        ("≥36次", "≤36次", "X006_direction"),
    ],
)
def test_targets_that_differ_without_a_direction(mine, approved, reason):
    assert compare(read_target(mine), read_target(approved)) == ("不同", reason)


def test_a_bare_number_takes_its_measure_unit():
    assert compare(read_target("3.6", measure_unit="万人次"), read_target("≥36000人次"))[0] == SAME


def test_targets_are_read_as_the_scoring_reads_them():
    """measure.py decides what a target means: a number among words, the direction of a bare number."""
    assert compare(read_target("培训人数不少于200人"), read_target("≥200人"))[0] == SAME
    cost = {"level2": "成本指标", "level3": "每公里维修成本"}  # a bare number on a cost line: at most
    assert compare(read_target("4万元/公里", **cost), read_target("≤3万元/公里", **cost))[0] == EASIER


# ---------------------------------------------------------------- X006
def test_x006_a_lowered_target_is_easier(tmp_path):
    mine = clean_sheets()
    mine["绩效指标"][1][4] = "≥15公里"  # approved ≥20公里
    found = x_findings(tmp_path, {"a.xlsx": mine}, approved_rows())
    assert found == {"a.xlsx": [("X006", "绩效指标!E2", "≥20公里", "≥15公里")]}


def test_x006_message_says_easier_and_names_the_approved_cell(tmp_path):
    mine = clean_sheets()
    mine["绩效指标"][1][4] = "≥15公里"
    approved = read_approved(write_approved(tmp_path / "targets", approved_rows()).parent, Limits())
    (f,) = run_cross(build(entries(tmp_path, {"a.xlsx": mine})), CrossContext(Settings(), approved))["a.xlsx"]
    assert "更容易达到" in f.message and "≥20公里" in f.message
    assert f.other == ("targets/批复.xlsx", "批复绩效目标", "H3")  # title row 1, header row 2


def test_x006_a_raised_target_is_harder(tmp_path):
    mine = clean_sheets()
    mine["绩效指标"][8][4] = ">96%"  # 供水保证率: approved >95%
    found = x_findings(tmp_path, {"a.xlsx": mine}, approved_rows())
    ((rule, where, expected, actual),) = found["a.xlsx"]
    assert (rule, where, expected, actual) == ("X006", "绩效指标!E9", ">95%", ">96%")


def test_x006_silent_when_equal_after_units(tmp_path):
    changes = {"受益人口": ("≥0.5万人", ""), "维修验收合格率": ("100%", "")}
    assert x_findings(tmp_path, {"a.xlsx": clean_sheets()}, approved_rows(changes=changes)) == {}


def test_x006_the_adjusted_target_is_the_one_to_carry(tmp_path):
    changes = {"维修管网长度": ("≥25公里", "≥20公里")}  # approved 25, adjusted to 20 during the year
    assert x_findings(tmp_path, {"a.xlsx": clean_sheets()}, approved_rows(changes=changes)) == {}
    changes = {"维修管网长度": ("≥20公里", "≥25公里")}
    found = x_findings(tmp_path / "b", {"a.xlsx": clean_sheets()}, approved_rows(changes=changes))
    assert found == {"a.xlsx": [("X006", "绩效指标!E2", "≥25公里", "≥20公里")]}


# ---------------------------------------------------------------- X007, X008
def test_x007_an_approved_indicator_dropped(tmp_path):
    mine = clean_sheets()
    del mine["绩效指标"][4]  # 水质投诉次数, approved <5次
    found = x_findings(tmp_path, {"a.xlsx": mine}, approved_rows())
    assert found == {"a.xlsx": [("X007", "绩效指标", "<5次", None)]}


def test_x008_an_indicator_added(tmp_path):
    found = x_findings(tmp_path, {"a.xlsx": clean_sheets()}, approved_rows(drop=("长效管护机制",)))
    assert found == {"a.xlsx": [("X008", "绩效指标!C10", None, "建立长效管护机制")]}


def test_indicators_match_by_name_after_normalising(tmp_path):
    mine = clean_sheets()
    mine["绩效指标"][1][2] = "指标1：维修管网 长度"
    mine["绩效指标"][2][2] = "（2）水样检测份数"
    assert x_findings(tmp_path, {"a.xlsx": mine}, approved_rows()) == {}


# ---------------------------------------------------------------- finding the project
def _coded(code: str) -> dict:
    s = clean_sheets()
    set_info(s, "项目编码", code)
    return s


def test_a_project_matched_by_code_whatever_its_name(tmp_path):
    rows = approved_rows(name="农村饮水维修养护（一体化名称）", code="61083123000000012345")
    rows[0][7] = "≥25公里"
    found = x_findings(tmp_path, {"a.xlsx": _coded("61083123000000012345")}, rows)
    assert found == {"a.xlsx": [("X006", "绩效指标!E2", "≥25公里", "≥20公里")]}
    table = target_comparison_of(tmp_path / "t2", {"a.xlsx": _coded("61083123000000012345")}, rows)
    assert set(table["match"]) == {"项目编码"}


def test_a_project_matched_by_name_unit_and_year(tmp_path):
    rows = approved_rows(name=" 2023年农村饮水安全工程维修养护项目 ", unit="某县农村供水管理站")
    rows[0][7] = "≥25公里"
    found = x_findings(tmp_path, {"a.xlsx": clean_sheets()}, rows)
    assert found == {"a.xlsx": [("X006", "绩效指标!E2", "≥25公里", "≥20公里")]}
    assert set(target_comparison_of(tmp_path / "t2", {"a.xlsx": clean_sheets()}, rows)["match"]) == {
        "项目名称、实施单位、预算年度"
    }


def test_codes_that_differ_decide_against_a_matching_name(tmp_path):
    rows = approved_rows(code="61083123000000099999")
    found = x_findings(tmp_path, {"a.xlsx": _coded("61083123000000012345")}, rows)
    assert found == {"a.xlsx": [("X008", "项目信息!B2", None, None)]}


def test_a_project_not_found_gets_one_note_on_its_name(tmp_path):
    found = x_findings(tmp_path, {"a.xlsx": clean_sheets()}, approved_rows(year=2022))
    assert found == {"a.xlsx": [("X008", "项目信息!B2", None, None)]}


def test_silent_without_approved_targets(tmp_path):
    mine = clean_sheets()
    mine["绩效指标"][1][4] = "≥15公里"
    found = run_cross(build(entries(tmp_path, {"a.xlsx": mine})), CrossContext(Settings(), None))
    assert not any(f.rule in ("X006", "X007", "X008") for fs in found.values() for f in fs)


def target_comparison_of(tmp_path, batch, rows):
    tmp_path.mkdir(parents=True, exist_ok=True)
    approved = read_approved(write_approved(tmp_path / "targets", rows).parent, Limits())
    return target_comparison(build(entries(tmp_path, batch)), CrossContext(Settings(), approved))


# ---------------------------------------------------------------- reading the folder
def test_two_projects_per_sheet_with_merged_project_cells(tmp_path):
    other = approved_rows(name="2023年农村道路养护项目", unit="某县公路段")[:2]
    rows = approved_rows() + other + [["", "合计", "", "", "", "", "", "", ""]]  # a 合计 line: skipped
    n = len(rows) - 1
    merges = {"批复绩效目标": [f"B3:B{2 + n - 2}", f"C3:C{2 + n - 2}"]}  # the first project's name, unit
    approved = read_approved(write_approved(tmp_path / "targets", rows, merges=merges).parent, Limits())
    assert approved.problems == ()
    assert [(r.name, r.level3) for r in approved.rows][-3:] == [
        (NAME, "受益群众满意度"),
        ("2023年农村道路养护项目", "维修管网长度"),
        ("2023年农村道路养护项目", "水样检测份数"),
    ]
    assert {r.unit for r in approved.rows[: n - 2]} == {UNIT}


def test_a_project_written_once_above_its_rows(tmp_path):
    rows = approved_rows()
    for row in rows[1:]:
        row[:4] = ["", "", "", ""]
    approved = read_approved(write_approved(tmp_path / "targets", rows, title=False).parent, Limits())
    assert approved.problems == ()
    assert {(r.name, r.unit, r.year) for r in approved.rows} == {(NAME, UNIT, YEAR)}


def test_reading_problems_are_findings_with_file_and_cell(tmp_path):
    rows = approved_rows()
    rows[2][3] = "二〇二三"  # unreadable year
    rows[3][7] = ""  # no target
    folder = tmp_path / "targets"
    write_approved(folder, rows)
    (folder / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (folder / "~$批复.xlsx").write_bytes(b"lock")  # Excel's lock file: not an input
    approved = read_approved(folder, Limits())
    found = [(file, f.rule, f.location) for file, f in approved.problems]
    assert found == [
        ("targets/批复.xlsx", "I005", "批复绩效目标!D5"),
        ("targets/批复.xlsx", "I004", "批复绩效目标!H6"),
        ("targets/旧格式.xls", "I001", ""),
    ]
    assert len(approved.rows) == len(rows) - 2


def test_a_missing_column_is_i003(tmp_path):
    folder = tmp_path / "targets"
    folder.mkdir()
    write_workbook(
        folder / "a.xlsx",
        {"Sheet1": [["项目名称", "实施单位", "预算年度", "三级指标"], [NAME, UNIT, 2023, "x"]]},
    )
    approved = read_approved(folder, Limits())
    assert [(f.rule, f.sheet) for _, f in approved.problems] == [("I003", "Sheet1")]
    assert not approved.active


def test_a_missing_folder_reads_as_no_targets(tmp_path):
    approved = read_approved(tmp_path / "nowhere", Limits())
    assert (approved.files, approved.rows, approved.problems, approved.active) == ((), (), (), False)


# ---------------------------------------------------------------- the template, and the example
def test_the_approved_template_reads_back_as_the_seed_table(tmp_path):
    from pipeline.seed import APPROVED_EXAMPLE
    from pipeline.template import write_approved_template

    write_approved_template(tmp_path / "targets" / "批复绩效目标模板.xlsx")
    approved = read_approved(tmp_path / "targets", Limits())
    assert approved.problems == ()
    assert [(r.level3, r.target) for r in approved.rows] == [
        (r["level3"], r["target"]) for r in APPROVED_EXAMPLE
    ]
    assert [r.target for r in approved.rows] == [
        "≥36次",
        "≥100%",
        "12月份",
        "降低办公成本",
        "≥1.68万/每月",
        "大于95%",
    ]


def test_the_seed_reports_own_target_table_shares_no_indicator_with_its_form(tmp_path):
    """The opt-in demonstration the README describes: the example against its report's 项目目标 table."""
    from pipeline.batch.frames import Entry
    from pipeline.evaluate import evaluate
    from pipeline.render.findings_json import document
    from pipeline.template import write_approved_template
    from tests.conftest import EXAMPLE

    write_approved_template(tmp_path / "targets" / "批复绩效目标模板.xlsx")
    approved = read_approved(tmp_path / "targets", Limits())
    doc = document(evaluate(EXAMPLE, Settings(), today=date(2022, 5, 1)))
    found = run_cross(build([Entry(EXAMPLE.name, "x", None, doc)]), CrossContext(Settings(), approved))
    rules = [f.rule for f in found[EXAMPLE.name]]
    assert (rules.count("X006"), rules.count("X007"), rules.count("X008")) == (0, 6, 15)


def test_the_view_lists_flagged_lines_and_counts_the_rest(tmp_path):
    from pipeline.checks.approved import comparison_view

    mine = clean_sheets()
    mine["绩效指标"][1][4] = "≥15公里"
    view = comparison_view(target_comparison_of(tmp_path / "a", {"a.xlsx": mine}, approved_rows()))
    assert [(v.level3, v.verdict, v.rule) for v in view.itertuples()] == [
        ("维修管网长度", "较易", "X006"),
        ("（其余 9 条三级指标与批复一致）", "相同", ""),
    ]
    alone = comparison_view(target_comparison_of(tmp_path / "b", {"a.xlsx": mine}, approved_rows(year=2022)))
    assert [(v.file, v.verdict, v.rule) for v in alone.itertuples()] == [
        ("a.xlsx", "批复中未找到本项目", "X008")
    ]


def test_a_batch_with_no_readable_workbook_compares_nothing(tmp_path):
    approved = read_approved(write_approved(tmp_path / "targets", approved_rows()).parent, Limits())
    frames = build(entries(tmp_path, {"bad.xlsx": b"PK\x03\x04 not a workbook"}))
    assert target_comparison(frames, CrossContext(Settings(), approved)).empty
    assert run_cross(frames, CrossContext(Settings(), approved)) == {}
