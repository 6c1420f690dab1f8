"""X rules (across workbooks) on small batches built here, and the batch-wide tables under them."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.batch.frames import Entry, build
from pipeline.checks.cross import run_cross
from pipeline.config import Settings
from pipeline.evaluate import evaluate
from pipeline.render.findings_json import document
from pipeline.tables import by_department, key_of, series_of, year_over_year
from tests.builders import clean_sheets, set_info, write_workbook

UNITS = ["县交通运输局", "县教育和体育局", "县卫生健康局", "县文化和旅游局", "县水利局"]


def distinct(i: int, year: int = 2023) -> dict:
    """A clean project of its own: name, unit, vouchers and payment days all differ from project j≠i."""
    s = clean_sheets()
    name = f"{year}年第{i}号专项项目"
    set_info(s, "项目名称", name)
    set_info(s, "实施单位", UNITS[i % len(UNITS)] + f"第{i}所")
    set_info(s, "主管部门", UNITS[i % 2])
    set_info(s, "预算年度", year)
    set_info(s, "评价时间", date(year + 1, 3, 15))
    for n, row in enumerate(s["支付明细"][1:], 1):
        row[1] = date(year, n * 2, 1 + i)
        row[6] = f"记-{i:02d}{n:02d}"
    for row in s["报告正文"][1:]:
        row[1] = f"第{i}号项目：" + row[1].replace("2023年农村饮水安全工程维修养护项目", name)
    return s


def entries(tmp_path, batch: dict[str, dict], archive: dict[str, dict] | None = None) -> list[Entry]:
    out = []
    for in_batch, group in ((True, batch), (False, archive or {})):
        for file, sheets in group.items():
            path = tmp_path / file
            if isinstance(sheets, bytes):
                path.write_bytes(sheets)
            else:
                write_workbook(path, sheets)
            doc = document(evaluate(path, Settings(), today=date(2025, 1, 1)))
            out.append(Entry(file, path.stem, None, doc, in_batch))
    return out


def cross(tmp_path, batch, archive=None) -> dict[str, list[tuple[str, str, str]]]:
    """{file: [(rule, sheet!cell, other file)]}"""
    found = run_cross(build(entries(tmp_path, batch, archive)))
    return {
        file: [(f.rule, f.location, f.other[0] if f.other else "") for f in findings]
        for file, findings in found.items()
    }


def test_all_x_rules_silent_on_distinct_clean_projects(tmp_path):
    batch = {f"p{i}.xlsx": distinct(i) for i in range(5)}
    batch["old.xlsx"] = distinct(9, year=2022)  # another year of a project not in the batch
    assert cross(tmp_path, batch) == {}


def test_x001_two_units_share_a_voucher(tmp_path):
    a, b = distinct(1), distinct(2)
    b["支付明细"][3][6] = a["支付明细"][1][6]  # row 4 of b reuses the voucher of row 2 of a
    found = cross(tmp_path, {"a.xlsx": a, "b.xlsx": b})
    assert found == {
        "a.xlsx": [("X001", "支付明细!G2", "b.xlsx")],
        "b.xlsx": [("X001", "支付明细!G4", "a.xlsx")],
    }


def test_x001_finding_names_both_workbooks_and_cells(tmp_path):
    a, b = distinct(1), distinct(2)
    b["支付明细"][3][6] = " 记－0101 "  # full-width dash, spaces: the same voucher
    result = run_cross(build(entries(tmp_path, {"a.xlsx": a, "b.xlsx": b})))
    (fa,) = result["a.xlsx"]
    assert (fa.sheet, fa.cell, fa.other) == ("支付明细", "G2", ("b.xlsx", "支付明细", "G4"))
    assert "b.xlsx" in fa.message and "支付明细!G4" in fa.message and "记-0101" in fa.message
    assert fa.as_dict()["other"] == {"file": "b.xlsx", "sheet": "支付明细", "cell": "G4"}


def test_x001_voucher_numbers_of_different_years_are_different_books(tmp_path):
    a, b = distinct(1), distinct(2, year=2022)
    b["支付明细"][3][6] = a["支付明细"][1][6]
    assert cross(tmp_path, {"a.xlsx": a, "b.xlsx": b}) == {}


def test_x001_many_sharers_give_one_finding_each_not_n_squared(tmp_path):
    batch = {}
    for i in range(4):
        s = distinct(i)
        s["支付明细"][1][6] = "记-999"
        batch[f"p{i}.xlsx"] = s
    found = run_cross(build(entries(tmp_path, batch)))
    assert sorted(found) == sorted(batch)
    assert all(len(v) == 1 for v in found.values())
    assert "p1.xlsx（支付明细!G2）等 3 个工作簿" in found["p0.xlsx"][0].message


def test_x002_one_payment_in_two_projects_of_one_unit(tmp_path):
    a, b = distinct(1), distinct(2)
    set_info(b, "实施单位", a["项目信息"][5][1])  # a's unit
    b["支付明细"][2][1:6] = a["支付明细"][3][1:6]  # row 3 of b = row 4 of a, its own voucher
    found = cross(tmp_path, {"a.xlsx": a, "b.xlsx": b})
    assert found == {
        "a.xlsx": [("X002", "支付明细!F4", "b.xlsx")],
        "b.xlsx": [("X002", "支付明细!F3", "a.xlsx")],
    }


def test_x002_silent_when_the_units_differ(tmp_path):
    a, b = distinct(1), distinct(2)
    b["支付明细"][2][1:6] = a["支付明细"][3][1:6]
    assert cross(tmp_path, {"a.xlsx": a, "b.xlsx": b}) == {}


def test_x003_the_same_project_in_two_files(tmp_path):
    a, b = distinct(1), distinct(2)
    set_info(b, "项目名称", " 2023年第1号专项项目 ")  # a's, with spaces
    set_info(b, "实施单位", a["项目信息"][5][1])
    for n, row in enumerate(b["支付明细"][1:], 1):  # payments of its own: X001/X002 stay silent
        row[6] = f"记-b{n}"
    found = cross(tmp_path, {"a.xlsx": a, "b.xlsx": b})
    assert found == {
        "a.xlsx": [("X003", "项目信息!B2", "b.xlsx")],
        "b.xlsx": [("X003", "项目信息!B2", "a.xlsx")],
    }


def test_x003_a_byte_identical_copy(tmp_path):
    path = write_workbook(tmp_path / "src.xlsx", distinct(1))
    data = path.read_bytes()
    result = run_cross(
        build(entries(tmp_path, {"a.xlsx": data, "a - 副本.xlsx": data, "c.xlsx": distinct(3)}))
    )
    assert sorted(result) == ["a - 副本.xlsx", "a.xlsx"]
    (f,) = result["a.xlsx"]  # one finding: the copy, not also "the same project"
    assert (f.rule, f.sheet, f.cell, f.other) == ("X003", "", "", ("a - 副本.xlsx", "", ""))
    assert "逐字节相同" in f.message


def test_x003_a_project_sent_three_times_names_every_other_file(tmp_path):
    """v3: each file's X003 names both other files (round 3 saw `X3b等 2 个`, naming only one)."""
    path = write_workbook(tmp_path / "src.xlsx", distinct(1))
    data = path.read_bytes()
    result = run_cross(build(entries(tmp_path, {"X3a.xlsx": data, "X3b.xlsx": data, "X3c.xlsx": data})))
    for name in ("X3a.xlsx", "X3b.xlsx", "X3c.xlsx"):
        (f,) = result[name]
        others = {"X3a.xlsx", "X3b.xlsx", "X3c.xlsx"} - {name}
        assert all(other in f.message for other in others) and "等" not in f.message


def _two_years(target_2021: str, target_2022: str, row: int = 1) -> tuple[dict, dict]:
    old, new = distinct(1, year=2021), distinct(1, year=2022)
    for s in (old, new):
        year = s["项目信息"][2][1]
        for r in s["报告正文"][1:]:  # each year writes its own text: X005 stays out of the way
            r[1] = f"{year}年：" + r[1]
        s["绩效指标"][9][8] = f"{year}年：" + s["绩效指标"][9][8]
    old["绩效指标"][row][4], new["绩效指标"][row][4] = target_2021, target_2022
    return old, new


def test_x004_a_target_lowered_since_last_year(tmp_path):
    old, new = _two_years("≥22公里", "≥20公里")
    found = cross(tmp_path, {"2021.xlsx": old, "2022.xlsx": new})
    assert found == {"2022.xlsx": [("X004", "绩效指标!E2", "2021.xlsx")]}


def test_x004_a_cost_cap_raised_is_lowered_too(tmp_path):
    old, new = _two_years("≤2.5万元/公里", "≤3万元/公里", row=6)
    assert cross(tmp_path, {"2021.xlsx": old, "2022.xlsx": new}) == {
        "2022.xlsx": [("X004", "绩效指标!E7", "2021.xlsx")]
    }


@pytest.mark.parametrize(
    ("before", "after"),
    [("≥20公里", "≥20公里"), ("≥18公里", "≥20公里"), ("≥20公里", "≥20000米"), ("≥20公里", "建成管网")],
)
def test_x004_silent_when_kept_raised_or_not_comparable(tmp_path, before, after):
    old, new = _two_years(before, after)
    assert cross(tmp_path, {"2021.xlsx": old, "2022.xlsx": new}) == {}


def test_x004_history_from_the_archive(tmp_path):
    old, new = _two_years("≥22公里", "≥20公里")
    found = cross(tmp_path, {"2022.xlsx": new}, archive={"2021.xlsx": old})
    assert found == {"2022.xlsx": [("X004", "绩效指标!E2", "2021.xlsx")]}


def test_x004_x005_are_raised_on_the_later_year_whatever_the_order(tmp_path):
    """checks.md v3: on the later year's workbook, naming the earlier one (last year's is final)."""
    old, new = _two_years("≥22公里", "≥20公里")
    new["绩效指标"][9][8] = old["绩效指标"][9][8]  # and a deviation copied word for word
    found = cross(tmp_path, {"a_2022.xlsx": new, "b_2021.xlsx": old})
    assert sorted(found) == ["a_2022.xlsx"]
    assert {(rule, other) for rule, _, other in found["a_2022.xlsx"]} == {
        ("X004", "b_2021.xlsx"),
        ("X005", "b_2021.xlsx"),
    }
    # the later year only in the archive: nothing is raised on the earlier one in the batch
    assert cross(tmp_path, {"b_2021.xlsx": old}, archive={"a_2022.xlsx": new}) == {}


def test_x005_a_deviation_copied_from_last_year(tmp_path):
    old, new = _two_years("≥20公里", "≥20公里")
    new["绩效指标"][9][8] = old["绩效指标"][9][8]
    found = run_cross(build(entries(tmp_path, {"2021.xlsx": old, "2022.xlsx": new})))
    # the clean project's 长效管护机制 line explains a shortfall; both years wrote the same words
    (f,) = found["2022.xlsx"]
    assert (f.rule, f.location, f.other) == ("X005", "绩效指标!I10", ("2021.xlsx", "绩效指标", "I10"))
    assert "2021 年度" in f.message and "长效管护机制" in f.message
    assert "2021.xlsx" not in found  # the earlier year is history: nothing to ask of it


def test_x005_a_report_section_copied(tmp_path):
    old, new = distinct(1, year=2021), distinct(1, year=2022)
    new["绩效指标"][9][8] = "本年度已全面落实村级管护制度，管护员考核办法已经印发执行。"
    found = cross(tmp_path, {"2021.xlsx": old, "2022.xlsx": new})
    # distinct() wrote the sections without a year in them, except 项目基本情况 (it names the project)
    assert ("X005", "报告正文!B4", "2021.xlsx") in found["2022.xlsx"]
    assert all(rule == "X005" for rule, _, _ in found["2022.xlsx"])
    assert ("X005", "报告正文!B2", "2021.xlsx") not in found["2022.xlsx"]


# ---------------------------------------------------------------- the tables
def test_tables_carry_file_and_cell_of_every_row(tmp_path):
    frames = build(entries(tmp_path, {"a.xlsx": distinct(1), "bad.xlsx": b"not a workbook"}))
    assert list(frames.projects["file"]) == ["a.xlsx", "bad.xlsx"]
    a = frames.projects.iloc[0]
    assert (a["name_sheet"], a["name_cell"], a["total"], a["grade"]) == ("项目信息", "B2", 96.5, "优")
    assert not frames.projects.iloc[1]["readable"] and frames.projects.iloc[1]["errors"] == 1
    assert list(frames.payments["voucher_cell"]) == ["G2", "G3", "G4", "G5"]
    assert set(frames.payments["file"]) == {"a.xlsx"}
    assert frames.indicators.iloc[0][["cell", "target", "target_cell"]].tolist() == ["C2", "≥20公里", "E2"]
    assert set(frames.findings["file"]) == {"bad.xlsx"} and frames.findings.iloc[0]["rule"] == "I001"


def test_by_department_pivot(tmp_path):
    low = distinct(2)
    low["资金情况"][1][3] = 50  # executed 50 of 100
    frames = build(entries(tmp_path, {"a.xlsx": distinct(1), "b.xlsx": low, "c.xlsx": distinct(3)}))
    pivot = by_department(frames).set_index("department")
    # distinct(i) puts odd i under UNITS[1], even under UNITS[0]
    assert pivot.loc["县教育和体育局", "projects"] == 2
    assert pivot.loc["县交通运输局", "executed"] == 50
    assert pivot.loc["县交通运输局", "rate"] == pytest.approx(0.5)
    assert pivot.loc["县教育和体育局", "优"] == 2 and pivot.loc["县教育和体育局", "差"] == 0


def test_year_over_year_pairs_the_nearest_earlier_year(tmp_path):
    y21, y22, y23 = distinct(1, year=2021), distinct(1, year=2022), distinct(1, year=2023)
    frames = build(entries(tmp_path, {"23.xlsx": y23, "22.xlsx": y22}, archive={"21.xlsx": y21}))
    yoy = year_over_year(frames, {"23.xlsx": ["维修管网长度"]})
    assert yoy[["file", "prev_file", "prev_year", "lowered"]].values.tolist() == [
        ["23.xlsx", "22.xlsx", 2022, "维修管网长度"],
        ["22.xlsx", "21.xlsx", 2021, ""],
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2021年文化惠民演出项目", "2022年度 文化惠民演出项目"),
        ("２０２１年（文化）惠民演出项目", "2023年文化惠民演出项目"),
    ],
)
def test_a_project_across_years_is_one_series(a, b):
    assert series_of(a, "县文化馆") == series_of(b, "县文化馆 ") != ""
    assert key_of(a, "县文化馆", 2021) != key_of(b, "县文化馆", 2022)
    assert series_of(a, "") == ""


def test_grouped_gives_what_groupby_and_itertuples_give_in_the_same_order():
    import math

    import pandas as pd

    from pipeline.checks.cross import _grouped

    frame = pd.DataFrame(
        {
            "year": [2023, None, 2022, 2023, None, 2022, 2023],
            "v": ["b", "a", "b", "a", "a", "b", "b"],
            "file": ["f1", "f2", "f3", "f4", "f5", "f6", "f7"],
            "cell": ["F3", "F4", "F5", "F6", "F7", "F8", "F9"],
        }
    )

    def plain(t):  # NaN == NaN for the comparison
        return tuple("nan" if isinstance(x, float) and math.isnan(x) else x for x in t)

    for dropna in (True, False):
        expected = [
            [plain(r) for r in g[["file", "cell", "year"]].itertuples(index=False, name=None)]
            for _, g in frame.groupby(["year", "v"], sort=True, dropna=dropna)
        ]
        got = [
            [plain(tuple(r)) for r in g]
            for g in _grouped(frame, ["year", "v"], ["file", "cell", "year"], dropna)
        ]
        assert got == expected
        assert len(got) == (3 if dropna else 4)
