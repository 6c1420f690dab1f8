"""X findings through the real batch: every workbook's outputs list the ones that concern it, an
incremental run sees the whole folder (and the archive), and ends where --force ends."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import openpyxl

from pipeline.batch import RunOptions, run
from pipeline.batch.files import FINDINGS_JSON, SCORED_SUFFIX
from pipeline.config import Settings
from pipeline.render.summary import ALL_FINDINGS, BY_DEPARTMENT, YEAR_OVER_YEAR
from tests.builders import write_workbook
from tests.test_rules_cross import _two_years, distinct


def go(src: Path, out: Path, force: bool = False):
    return run(RunOptions(src, out, Settings(), 2, force, False, date(2025, 4, 1)))


def x_findings(out: Path) -> dict[str, list[tuple]]:
    """{folder: [(rule, sheet!cell, other file, other cell)]} from every findings.json."""
    found = {}
    for doc_path in sorted(out.glob(f"*/{FINDINGS_JSON}")):
        doc = json.loads(doc_path.read_bytes())
        found[doc_path.parent.name] = [
            (f["rule"], f"{f['sheet']}!{f['cell']}", f["other"]["file"], f["other"]["cell"])
            for f in doc["findings"]
            if f["rule"].startswith("X")
        ]
    return found


def scored_review(out: Path, folder: str) -> list[tuple]:
    (path,) = (out / folder).glob(f"*{SCORED_SUFFIX}")
    ws = openpyxl.load_workbook(path)["审核意见"]
    return [row[:4] for row in ws.iter_rows(min_row=2, values_only=True) if str(row[1]).startswith("X")]


def batch(src: Path, **sheets) -> None:
    src.mkdir(exist_ok=True)
    for stem, s in sheets.items():
        write_workbook(src / f"{stem}.xlsx", s)


def test_x_findings_reach_findings_json_scored_workbook_and_summary(tmp_path):
    a, b, c = distinct(1), distinct(2), distinct(3)
    b["支付明细"][3][6] = a["支付明细"][1][6]
    batch(tmp_path / "in", a=a, b=b, c=c)
    report = go(tmp_path / "in", tmp_path / "out")
    out = tmp_path / "out"
    assert x_findings(out) == {
        "a": [("X001", "支付明细!G2", "b.xlsx", "G4")],
        "b": [("X001", "支付明细!G4", "a.xlsx", "G2")],
        "c": [],
    }
    assert scored_review(out, "a") == [("警告", "X001", "支付明细", "G2")]
    assert report.warnings == 2
    # rendered once each, with their X findings: none a second time (issue 28)
    assert report.timing.rerendered == 0 and sorted(s.seq for s in report.samples) == [1, 2, 3]
    summary = openpyxl.load_workbook(out / "审核汇总.xlsx")
    rows = [r for r in summary[ALL_FINDINGS].iter_rows(min_row=2, values_only=True) if r[3] == "X001"]
    assert [(r[0], r[9], r[10]) for r in rows] == [
        ("a.xlsx", "b.xlsx", "支付明细!G4"),
        ("b.xlsx", "a.xlsx", "支付明细!G2"),
    ]
    head = [c.value for c in summary["汇总"][1]]
    rows = [r for r in summary["汇总"].iter_rows(min_row=2, values_only=True) if r[0]]  # not the 合计 line
    assert [r[head.index("警告")] for r in rows] == [1, 1, 0]
    csv_text = (out / "findings.csv").read_text("utf-8-sig")
    assert "X001" in csv_text and ",b.xlsx,支付明细,G4" in csv_text


def test_incremental_run_after_an_edit_gives_the_x_findings_of_force(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    a, b, c, d = distinct(1), distinct(2), distinct(3), distinct(4)
    b["支付明细"][3][6] = a["支付明细"][1][6]  # a ↔ b share a voucher
    batch(src, a=a, b=b, c=c, d=d)
    go(src, out)
    # c now claims one of d's payments (same unit), and b no longer shares a's voucher
    c2, b2 = distinct(3), distinct(2)
    c2["项目信息"][5][1] = d["项目信息"][5][1]
    c2["支付明细"][2][1:6] = d["支付明细"][2][1:6]
    batch(src, b=b2, c=c2)
    report = go(src, out)
    assert report.processed == 2 and report.skipped == 2
    assert report.timing.rerendered == 2  # a and d, left as they were: their X findings changed
    incremental = x_findings(out)
    assert incremental == {
        "a": [],  # unchanged, yet its X001 is gone: it was rendered again
        "b": [],
        "c": [("X002", "支付明细!F3", "d.xlsx", "F3")],
        "d": [("X002", "支付明细!F3", "c.xlsx", "F3")],  # unchanged, and now it has one
    }
    assert scored_review(out, "a") == [] and scored_review(out, "d") == [("警告", "X002", "支付明细", "F3")]
    csv_incremental = (out / "findings.csv").read_bytes()
    go(src, out, force=True)
    assert x_findings(out) == incremental
    assert (out / "findings.csv").read_bytes() == csv_incremental
    fresh = tmp_path / "fresh"
    go(src, fresh)
    assert x_findings(fresh) == incremental


def test_an_unchanged_rerun_redoes_nothing(tmp_path):
    a, b = distinct(1), distinct(2)
    b["支付明细"][3][6] = a["支付明细"][1][6]
    batch(tmp_path / "in", a=a, b=b)
    go(tmp_path / "in", tmp_path / "out")
    report = go(tmp_path / "in", tmp_path / "out")
    assert report.processed == 0 and report.timing.rerendered == 0 and report.warnings == 2


def test_history_from_the_archive_x004_and_year_over_year(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    old, new = _two_years("≥22公里", "≥20公里")
    batch(src, y2021=old)
    go(src, out)
    (src / "y2021.xlsx").unlink()  # last year's submission leaves input/, its outputs stay
    batch(src, y2022=new)
    report = go(src, out)
    assert report.removed == ("y2021.xlsx",)
    assert x_findings(out)["y2022"] == [("X004", "绩效指标!E2", "y2021.xlsx", "E2")]
    assert x_findings(out)["y2021"] == []  # history is not rewritten
    ws = openpyxl.load_workbook(out / "审核汇总.xlsx")[YEAR_OVER_YEAR]
    (row,) = ws.iter_rows(min_row=2, values_only=True)
    assert row[2:4] == ("y2022.xlsx", 2022) and row[7:9] == ("y2021.xlsx", 2021)
    assert row[13] == "维修管网长度"
    summary = [
        r[0]
        for r in openpyxl.load_workbook(out / "审核汇总.xlsx")["汇总"].iter_rows(min_row=2, values_only=True)
        if r[1] != "合计"
    ]
    assert summary == ["y2022.xlsx"]  # the archive is history, not part of this batch


def test_by_department_sheet_has_the_pivot_and_a_grade_chart(tmp_path):
    batch(tmp_path / "in", a=distinct(1), b=distinct(2), c=distinct(3))
    go(tmp_path / "in", tmp_path / "out")
    data = (tmp_path / "out" / "审核汇总.xlsx").read_bytes()
    ws = openpyxl.load_workbook(io.BytesIO(data))[BY_DEPARTMENT]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[6]) for r in rows] == [("县交通运输局", 1, 1), ("县教育和体育局", 2, 2)]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert 'barDir val="col"' in chart and "stacked" in chart
    assert "按主管部门" in chart and chart.count("<c:ser>") == 4  # 优 良 中 差


def test_rows_share_short_texts_between_workbooks():
    """Issue 28: json.loads makes a new str for each sheet name, cell and label of each workbook;
    the batch's rows keep one object per text, not one per workbook."""
    from pipeline.batch.frames import Entry, Rows

    doc = json.dumps({"project": {"name": "项目"}, "payments": [{"row": 2, "amount_at": ["支付明细", "F2"]}]})
    rows = Rows()
    rows.add(0, Entry("a.xlsx", "a", None, json.loads(doc)))
    rows.add(1, Entry("b.xlsx", "b", None, json.loads(doc)))
    first, second = (rows._by_order[n][1][0] for n in (0, 1))
    sheet = first.index("支付明细")
    assert first[sheet] is second[sheet]


def test_a_decision_on_an_x_finding_retires_once_the_x_rules_no_longer_find_it(tmp_path):
    """Issue 28: every workbook is rendered after the X rules ran, so an X finding missing from its
    outputs is one the rules no longer make: the reviewer's decision on it retires (已失效), as one
    on a workbook's own finding does. Before, a run could not tell that from "not judged yet"."""
    from pipeline.batch.manifest import Manifest
    from tests.test_decisions_e2e import decide

    src, out = tmp_path / "in", tmp_path / "out"
    a, b = distinct(1), distinct(2)
    b["支付明细"][3][6] = a["支付明细"][1][6]
    batch(src, a=a, b=b)
    go(src, out)
    (scored,) = (out / "a").glob(f"*{SCORED_SUFFIX}")
    decide(scored, {("X001", "支付明细", "G2"): ("豁免", "两个项目共用一张凭证，已核实")})
    go(src, out)

    def states() -> dict:
        m = Manifest(out)
        try:
            return {(d.key.rule, d.key.location): d.status for d in m.decisions("a.xlsx")}
        finally:
            m.close()

    assert states() == {("X001", "支付明细!G2"): "有效"}
    b["支付明细"][3][6] = "记-999"  # the unit corrects its voucher: no X001 any more
    batch(src, b=b)
    go(src, out)
    assert x_findings(out)["a"] == [] and states() == {("X001", "支付明细!G2"): "已失效"}


def test_without_a_temporary_folder_the_second_step_reads_each_workbook_again(tmp_path, monkeypatch):
    """No temporary folder can be made (TEMP on a drive that is gone, a full disk): the batch still
    runs, the second step doing each workbook whole, and its X findings are the same."""
    import tempfile

    def refused(*args, **kwargs):
        raise OSError(28, "No space left on device")

    a, b = distinct(1), distinct(2)
    b["支付明细"][3][6] = a["支付明细"][1][6]
    batch(tmp_path / "in", a=a, b=b)
    monkeypatch.setattr(tempfile, "TemporaryDirectory", refused)
    report = go(tmp_path / "in", tmp_path / "out")
    assert report.processed == 2 and report.unreadable == 0
    assert x_findings(tmp_path / "out") == {
        "a": [("X001", "支付明细!G2", "b.xlsx", "G4")],
        "b": [("X001", "支付明细!G4", "a.xlsx", "G2")],
    }
