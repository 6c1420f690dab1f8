"""X006–X008 through the real batch: an approved-targets export with a title row and two projects in
one sheet -> each workbook's findings.json, scored workbook and report, and 审核汇总's 目标对照."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import docx
import openpyxl

from pipeline.batch import RunOptions, run
from pipeline.batch.files import FINDINGS_JSON, SCORED_SUFFIX
from pipeline.config import Settings
from pipeline.messages import MSG
from pipeline.render.summary import ALL_FINDINGS, TARGETS
from tests.builders import set_info, write_workbook
from tests.test_rules_approved import HEADER, approved_rows
from tests.test_rules_cross import distinct

TARGETS_OFF = MSG["TARGETS_OFF"]
CODE = "61083123000000012345"
APPROVED = "targets/批复绩效目标2023.xlsx"


def go(src: Path, out: Path, targets: Path | None) -> object:
    return run(RunOptions(src, out, Settings(), 2, False, False, date(2025, 4, 1), approved=targets))


def project(sheets: dict) -> tuple[str, str]:
    info = {row[0]: row[1] for row in sheets["项目信息"]}
    return info["项目名称"], info["实施单位"]


def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    a, b, c = distinct(1), distinct(2), distinct(3)
    a["绩效指标"][1][4] = "≥15公里"  # approved ≥20公里: lowered (X006)
    del b["绩效指标"][4]  # 水质投诉次数 dropped (X007)
    set_info(b, "项目编码", CODE)  # b is found by its code, under another name
    src = tmp_path / "in"
    src.mkdir()
    for stem, s in (("a", a), ("b", b), ("c", c)):  # c is not among the approved projects (X008)
        write_workbook(src / f"{stem}.xlsx", s)
    name_a, unit_a = project(a)
    _, unit_b = project(b)
    rows = [
        *approved_rows(name=name_a, unit=unit_a),
        *approved_rows(
            name="农村饮水安全工程（一体化中的名称）", unit=unit_b, code=CODE, drop=("长效管护机制",)
        ),
    ]
    rows.append(["", "年度错的项目", unit_a, "二〇二三", "产出指标", "数量指标", "某指标", "≥1次", ""])
    targets = tmp_path / "targets"
    targets.mkdir()
    title = [["子洲县2023年度项目支出绩效目标批复表"], ["导出时间：2023-01-05"]]
    write_workbook(targets / "批复绩效目标2023.xlsx", {"批复绩效目标": [*title, HEADER, *rows]})
    return src, tmp_path / "out", targets


def x_of(out: Path, folder: str) -> list[tuple]:
    doc = json.loads((out / folder / FINDINGS_JSON).read_bytes())
    return [
        (f["rule"], f"{f['sheet']}!{f['cell']}", (f.get("other") or {}).get("file"))
        for f in doc["findings"]
        if f["rule"] in ("X006", "X007", "X008")
    ]


def test_approved_targets_reach_every_output(tmp_path):
    src, out, targets = setup(tmp_path)
    report = go(src, out, targets)
    # findings.json of each workbook
    assert x_of(out, "a") == [("X006", "绩效指标!E2", APPROVED)]
    assert x_of(out, "b") == [("X007", "绩效指标!", APPROVED), ("X008", "绩效指标!C9", None)]
    assert x_of(out, "c") == [("X008", "项目信息!B2", None)]
    # the scored workbook's 审核意见
    (scored,) = (out / "a").glob(f"*{SCORED_SUFFIX}")
    review = openpyxl.load_workbook(scored)["审核意见"]
    assert [r[:4] for r in review.iter_rows(min_row=2, values_only=True) if r[1] == "X006"] == [
        ("警告", "X006", "绩效指标", "E2")
    ]
    # the report's list of findings
    (report_path,) = (out / "a").glob("*.docx")
    document = docx.Document(str(report_path))
    text = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "“维修管网长度”的年度指标值“≥15公里”与批复的指标值“≥20公里”不一致" in text
    # 审核汇总: 目标对照, and the approved file's reading problem among all findings
    summary = openpyxl.load_workbook(out / "审核汇总.xlsx")
    head = [c.value for c in summary[TARGETS][1]]
    lines = [dict(zip(head, r, strict=True)) for r in summary[TARGETS].iter_rows(min_row=2, values_only=True)]
    flagged = [
        (t["文件"], t["三级指标"], t["批复指标值"], t["自评表指标值"], t["对照结果"], t["规则"])
        for t in lines
        if t["规则"]
    ]
    assert flagged == [
        ("a.xlsx", "维修管网长度", "≥20公里", "≥15公里", "较易", "X006"),
        (
            "b.xlsx",
            "长效管护机制",
            None,
            "建立长效管护机制",
            "批复中没有",
            "X008",
        ),  # the workbook's lines first
        ("b.xlsx", "水质投诉次数", "<5次", None, "自评表中没有", "X007"),  # then the approved ones it lacks
        ("c.xlsx", None, None, None, "批复中未找到本项目", "X008"),
    ]
    assert {t["项目对照方式"] for t in lines if t["文件"] == "b.xlsx"} == {"项目编码"}
    # the lines equal to the approved ones are counted, not listed
    assert [(t["三级指标"], t["对照结果"]) for t in lines if t["文件"] == "a.xlsx"] == [
        ("维修管网长度", "较易"),
        ("（其余 9 条三级指标与批复一致）", "相同"),
    ]
    problems = [r for r in summary[ALL_FINDINGS].iter_rows(min_row=2, values_only=True) if r[0] == APPROVED]
    assert [(r[0], r[3], r[4], r[5]) for r in problems] == [(APPROVED, "I005", "批复绩效目标", "D23")]
    assert any("批复绩效目标中有 1 处无法读取" in line for line in report.notices)


def test_a_new_export_redoes_the_cross_pass(tmp_path):
    src, out, targets = setup(tmp_path)
    go(src, out, targets)
    assert go(src, out, targets).timing.rerendered == 0  # nothing changed: nothing redone
    path = targets / "批复绩效目标2023.xlsx"
    book = openpyxl.load_workbook(path)
    book.active["H4"] = "≥15公里"  # the bureau's corrected export: a's target was adjusted after all
    book.save(path)
    assert go(src, out, targets).timing.rerendered == 1
    assert x_of(out, "a") == []


def test_without_approved_targets_the_run_says_so_once(tmp_path):
    src, out, _ = setup(tmp_path)
    report = go(src, out, tmp_path / "no-targets")
    assert [n for n in report.notices if "X006" in n] == [
        f"未提供批复绩效目标（{tmp_path / 'no-targets'} 不存在或其中没有 .xlsx 文件），不做目标对照（X006–X008）"
    ]
    assert x_of(out, "a") == []
    sheet = openpyxl.load_workbook(out / "审核汇总.xlsx")[TARGETS]
    assert sheet["A2"].value == TARGETS_OFF
