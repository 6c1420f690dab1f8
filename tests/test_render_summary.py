"""审核汇总.xlsx and findings.csv, built from findings.json documents and read back."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from xlsxwriter.worksheet import Worksheet

from pipeline.batch.frames import Entry, build
from pipeline.load.rules import loader_finding
from pipeline.messages import MSG
from pipeline.render import findings_json
from pipeline.render.summary import (
    ALL_FINDINGS,
    BY_DEPARTMENT,
    CSV_COLUMNS,
    SUMMARY,
    TARGETS,
    YEAR_OVER_YEAR,
    findings_csv,
    summary_workbook,
)
from pipeline.tables import Frames
from tests.builders import clean_sheets, run_sheets

UNREADABLE = findings_json.build(
    "坏文件.xlsx", "0" * 64, [loader_finding("I001", "", "", MSG["I001_not_zip"])]
)


@pytest.fixture
def entries(tmp_path) -> Frames:
    clean = findings_json.document(run_sheets(tmp_path, clean_sheets(), name="干净.xlsx"))
    sheets = clean_sheets()
    sheets["项目信息"][1][1] = '=HYPERLINK("http://x","y")'  # a hostile 项目名称
    sheets["项目信息"][12][1] = 90  # 自评总分 ≠ 96.5 -> S011
    flawed = findings_json.document(run_sheets(tmp_path, sheets, name="有问题.xlsx"))
    return build(
        [
            Entry("干净.xlsx", "干净", "干净/2023年农村饮水安全工程维修养护项目_绩效自评表.xlsx", clean),
            Entry("有问题.xlsx", "有问题", "有问题/项目 #1_绩效自评表.xlsx", flawed),
            Entry("坏文件.xlsx", "坏文件", None, UNREADABLE),
        ]
    )


def _rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_summary_has_one_row_per_workbook_including_the_unreadable_one(entries):
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(entries)))
    ws = wb[SUMMARY]
    head = [c.value for c in ws[1]]
    assert head[:3] == ["文件", "项目名称", "实施单位"] and head[12:14] == ["审核表", "说明"]
    rows = _rows(ws)
    assert [r[0] for r in rows] == ["干净.xlsx", "有问题.xlsx", "坏文件.xlsx", None]
    assert rows[-1][1] == "合计"  # 文件 blank: the 审核结论 read-back skips it
    clean, flawed, bad, total = rows
    assert head[3:8] == ["预算（万元）", "执行数（万元）", "执行率", "自评总分", "复核总分"]
    assert clean[3:12] == [100, 95, 0.95, 96.5, 96.5, "优", 0, 0, 0]
    assert flawed[1] == '=HYPERLINK("http://x","y")' and flawed[9] >= 1  # S011 counted as 错误
    assert bad[1:9] == [None] * 8 and bad[9:12] == [1, 0, 0]
    assert bad[12] is None and bad[13].startswith("文件内容不是 Excel 工作簿")
    # the 合计 line: sums of the amounts and counts, their rate
    assert total[3] == clean[3] + flawed[3] and total[4] == clean[4] + flawed[4]
    assert total[5] == pytest.approx(total[4] / total[3])
    assert total[9:12] == [sum(r[c] for r in (clean, flawed, bad)) for c in (9, 10, 11)]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_summary_links_each_scored_workbook_relatively(entries):
    ws = openpyxl.load_workbook(io.BytesIO(summary_workbook(entries)))[SUMMARY]
    links = [ws.cell(r, 13).hyperlink for r in (2, 3, 4)]
    # forward slashes: a relative URI Excel on Windows, LibreOffice and WPS all follow
    assert links[0].target == "干净/2023年农村饮水安全工程维修养护项目_绩效自评表.xlsx"
    assert links[1].target == "有问题/项目%20%231_绩效自评表.xlsx"  # Excel's escaping of a space and #
    assert links[2] is None


def test_summary_conditional_formats_mark_grades_and_errors(entries):
    ws = openpyxl.load_workbook(io.BytesIO(summary_workbook(entries)))[SUMMARY]
    rules = {
        str(rng.sqref): [(r.operator, r.formula) for r in rng.rules] for rng in ws.conditional_formatting
    }
    assert rules["I2:I4"] == [
        ("equal", ['"优"']),
        ("equal", ['"良"']),
        ("equal", ['"中"']),
        ("equal", ['"差"']),
    ]
    assert rules["J2:J4"] == [("greaterThan", ["0"])]
    assert ws.auto_filter.ref and ws.freeze_panes == "B2"


def test_all_findings_sheet_lists_every_finding_of_every_workbook(entries):
    ws = openpyxl.load_workbook(io.BytesIO(summary_workbook(entries)))[ALL_FINDINGS]
    rows = _rows(ws)
    assert len(rows) == len(entries.findings) == 3
    assert rows[-1][:4] == ["坏文件.xlsx", None, "错误", "I001"]
    assert ws.auto_filter.ref and ws.freeze_panes == "A2"


def test_findings_csv_has_a_bom_and_parses_back(entries):
    data = findings_csv(entries)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]]
    assert len(body) == len(entries.findings) == 3
    s011 = next(r for r in body if r["rule"] == "S011")
    assert s011["file"] == "有问题.xlsx" and s011["severity"] == "错误"
    assert s011["expected"] == "96.5" and s011["actual"] == "90"
    # text Excel would run as a formula is defused with a leading apostrophe
    assert s011["project"] == '\'=HYPERLINK("http://x","y")'
    assert body[-1]["rule"] == "I001" and body[-1]["project"] == "" and body[-1]["cell"] == ""


def test_empty_batch_still_gives_valid_outputs():
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(build([]))))
    assert wb.sheetnames == [SUMMARY, ALL_FINDINGS, BY_DEPARTMENT, YEAR_OVER_YEAR, TARGETS]
    assert findings_csv(build([])).decode("utf-8-sig").splitlines() == [",".join(CSV_COLUMNS)]


def test_the_fast_sheet_writes_the_bytes_xlsxwriter_writes(entries, monkeypatch):
    """The summary uses render/xlsx_fast.py's Sheet for speed, not for output."""
    data = summary_workbook(entries)
    monkeypatch.setattr("pipeline.render.xlsx.Sheet", Worksheet)
    assert summary_workbook(entries) == data


def test_all_findings_link_to_their_cell_in_the_scored_workbook(entries):
    """Point 16: 单元格 in 全部审核意见 opens the scored workbook at the finding's cell (forward slashes)."""
    ws = openpyxl.load_workbook(io.BytesIO(summary_workbook(entries)))[ALL_FINDINGS]
    linked = [(c.value, c.hyperlink) for c in ws["F"][1:] if c.hyperlink is not None]
    assert linked
    for cell, link in linked:
        assert "\\" not in link.target and link.target.endswith("_绩效自评表.xlsx")
        assert link.location.endswith("!" + cell.split(":")[0])
    unreadable = [c for c in ws["F"][1:] if ws.cell(c.row, 1).value == "坏文件.xlsx"]
    assert all(c.hyperlink is None for c in unreadable)  # no scored workbook to open


def test_summary_prints_one_page_wide_within_margins(entries):
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(entries)))
    for ws in (wb[SUMMARY], wb[ALL_FINDINGS]):
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_margins.left == 0.4 and ws.page_margins.bottom == 0.6
        assert ws.print_options.horizontalCentered


def test_every_sheet_prints_at_70_percent_or_more_with_the_title_unit_and_date(entries):
    """Round 3 (issue 24, point 5): 汇总 at about 55 % on A4 was 5.5 pt text; now A3 for it, narrower
    columns for the others; the title, 制表单位 and date on every printed page."""
    from datetime import date

    from pipeline import sheets
    from pipeline.render.summary import Letterhead, print_scale

    for sheet, paper in (
        (sheets.SUMMARY, "A3"),
        (sheets.ALL_FINDINGS, "A4"),
        (sheets.BY_DEPARTMENT, "A4"),
        (sheets.YEAR_OVER_YEAR, "A4"),
        (sheets.TARGETS, "A3"),
    ):
        assert print_scale(tuple(c.width for c in sheet.columns), paper) >= 0.7, sheet.name
    data = summary_workbook(entries, letterhead=Letterhead("某县", "某县财政局", date(2024, 4, 1)))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.properties.title == "某县2023年度项目支出绩效自评审核汇总"
    for ws in wb.worksheets:
        assert "某县2023年度项目支出绩效自评审核汇总" in ws.oddHeader.center.text
        assert (
            ws.oddHeader.left.text == "制表单位：某县财政局"
            and ws.oddHeader.right.text == "日期：2024年4月1日"
        )
    assert wb[SUMMARY].page_setup.paperSize == 8 and wb[ALL_FINDINGS].page_setup.paperSize == 9


def test_a_project_held_twice_counts_once_and_an_empty_year_sheet_says_so(tmp_path):
    """Round 3 (issue 24, point 5): X003 (the same project sent twice) counted once in 合计 and 按主管部门,
    with a note; the chart counts whole projects; an empty 年度对比 says so in a row."""
    doc = findings_json.document(run_sheets(tmp_path, clean_sheets(), name="甲.xlsx"))
    frames = build([Entry(f"{n}.xlsx", n, None, {**doc, "file": f"{n}.xlsx"}) for n in ("甲", "乙")])
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(frames)))
    first, second, total = _rows(wb[SUMMARY])
    assert total[1] == "合计" and total[3] == first[3]  # one budget, not two
    assert "同一项目（X003）" in first[13] and second[13] is None  # the later copy is counted
    departments = _rows(wb[BY_DEPARTMENT])
    assert departments[0][1] == 1 and "甲.xlsx" in departments[1][0]
    assert wb[YEAR_OVER_YEAR]["A2"].value.startswith("本批工作簿中没有可与往年对比的项目")
    xml = io.BytesIO(summary_workbook(frames))
    import zipfile

    chart = zipfile.ZipFile(xml).read("xl/charts/chart1.xml").decode()
    assert '<c:majorUnit val="1"/>' in chart and 'formatCode="0"' in chart
