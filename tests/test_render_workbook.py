"""The scored workbook, read back with openpyxl: findings land where they point, text stays text,
the 自评表 holds the seed's figures, and the example matches its reviewed golden dump."""

from __future__ import annotations

import difflib
import gc
import io
import os
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.worksheet import Worksheet

from pipeline.cells import expand_range, parse_a1
from pipeline.config import Settings
from pipeline.evaluate import evaluate
from pipeline.model import Finding, Result, Severity
from pipeline.render import xlsx_fast
from pipeline.render.form import FORM
from pipeline.render.scored_workbook import DETAIL, RESERVED, REVIEW, scored_workbook
from pipeline.render.xlsx import SEVERITY_FILL, clean, sheet_names
from tests.builders import TODAY, clean_sheets, run_sheets

GOLDEN = Path(__file__).parent / "golden" / "example_scored_workbook.txt"
FILL = {s: spec["bg_color"].lstrip("#").upper() for s, spec in SEVERITY_FILL.items()}
_LINK = re.compile(r"^'((?:[^']|'')+)'!([A-Z]+\d+(?::[A-Z]+\d+)?)$")

# text a workbook may hold that a careless writer would turn into a formula, a link, or a broken file
HOSTILE = {
    ("项目信息", 1, 1): '=HYPERLINK("http://x","y")',
    ("项目信息", 5, 1): "=cmd|' /C calc'!A0",
    ("绩效指标", 1, 2): "+1+1",
    ("绩效指标", 2, 2): "-1+1",
    ("绩效指标", 9, 8): "@SUM(A1)",
    ("报告正文", 8, 1): "=====",
    ("绩效目标", 1, 1): "完成\x0b维修😀𠀀",
}


# ---------------------------------------------------------------- helpers
def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def fill_of(cell) -> str | None:
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    rgb = cell.fill.fgColor.rgb
    return rgb[-6:].upper() if isinstance(rgb, str) else None


def _address(f: Finding) -> str:
    r, c = parse_a1(f.cell)
    return openpyxl.utils.get_column_letter(c + 1) + str(r + 1)


def dump(data: bytes) -> str:
    """A reviewer-readable text form of a workbook: per sheet its cells, merges, fills, notes, links,
    dropdowns."""
    wb = read(data)
    out: list[str] = []
    for ws in wb.worksheets:
        out.append(f"=== {ws.title}")
        merges = [str(m) for m in sorted(ws.merged_cells.ranges, key=lambda m: (m.min_row, m.min_col))]
        if merges:
            out.append("merged: " + " ".join(merges))
        fills: dict[str, list[str]] = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    value = cell.value
                    kind = {"s": "", "n": "#", "d": "@", "b": "?", "f": "FORMULA "}.get(
                        cell.data_type, cell.data_type
                    )
                    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
                    out.append(f"{cell.coordinate}: {kind}{text}".replace("\n", "⏎"))
                if cell.hyperlink is not None:
                    out.append(
                        f"{cell.coordinate} link -> {cell.hyperlink.location or cell.hyperlink.target}"
                    )
                if cell.comment is not None:
                    out.append(f"{cell.coordinate} note: " + cell.comment.text.replace("\n", " ⏎ "))
                color = fill_of(cell)
                if color and ws.title not in (REVIEW, DETAIL) and color != "F2F2F2":
                    fills.setdefault(color, []).append(cell.coordinate)
        for color, cells in sorted(fills.items()):
            out.append(f"fill {color}: " + " ".join(cells))
        # dropdowns: where a reviewer can pick, and from what (the 审核处理 column, row by row)
        for dv in ws.data_validations.dataValidation:
            out.append(f"dropdown {dv.sqref}: {dv.type} {dv.formula1} ({dv.errorStyle})")
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def example(example_path) -> tuple[Result, bytes]:
    if not example_path.exists():
        pytest.skip("the filled example is not generated yet (make template)")
    result = evaluate(example_path, Settings(), today=TODAY)
    return result, scored_workbook(result)


@pytest.fixture
def hostile(tmp_path) -> tuple[Result, bytes]:
    sheets = clean_sheets()
    for (sheet, r, c), text in HOSTILE.items():
        sheets[sheet][r][c] = text
    result = run_sheets(tmp_path, sheets)
    return result, scored_workbook(result)


def _with(result: Result, *findings: Finding) -> Result:
    return replace(result, findings=tuple(findings))


# ---------------------------------------------------------------- findings land where they point
@pytest.mark.parametrize("which", ["example", "hostile"])
def test_every_finding_with_a_cell_is_filled_and_noted_in_its_copied_sheet(which, request):
    result, data = request.getfixturevalue(which)
    wb = read(data)
    located = [f for f in result.findings if f.sheet and f.cell]
    for f in located:
        ws = wb[f.sheet]
        top = ws[_address(f)]
        assert top.comment is not None and f.message in top.comment.text, (f.rule, f.location)
        for r, c in expand_range(f.cell):
            assert fill_of(ws.cell(r + 1, c + 1)) in FILL.values(), (f.rule, f.location)


def test_example_has_findings_to_place(example):
    result, _ = example
    assert any(f.sheet and f.cell for f in result.findings)


def test_several_findings_on_one_cell_share_one_note_and_the_worst_fill(tmp_path):
    result = run_sheets(tmp_path, clean_sheets())
    info = Finding("M002", Severity.INFO, "项目信息", "B11", "电话提示")
    error = Finding("S011", Severity.ERROR, "项目信息", "B11", "总分错误")
    wb = read(scored_workbook(_with(result, info, error)))
    cell = wb["项目信息"]["B11"]
    assert fill_of(cell) == FILL[Severity.ERROR]
    assert cell.comment.text.splitlines() == ["【错误 S011】总分错误", "【提示 M002】电话提示"]


def test_a_finding_beyond_the_data_or_on_an_unread_sheet_still_gets_a_filled_cell(tmp_path):
    result = run_sheets(tmp_path, clean_sheets())
    far = Finding("P005", Severity.WARNING, "支付明细", "Z99", "远处")
    elsewhere = Finding("I005", Severity.ERROR, "附表", "C3", "未读取的表")
    wb = read(scored_workbook(_with(result, far, elsewhere)))
    assert fill_of(wb["支付明细"]["Z99"]) == FILL[Severity.WARNING]
    assert wb["支付明细"]["Z99"].comment.text == "【警告 P005】远处"
    assert fill_of(wb["附表"]["C3"]) == FILL[Severity.ERROR]
    links = [c.hyperlink.location for c in wb[REVIEW]["D"][1:] if c.hyperlink]
    assert links == ["'附表'!C3", "'支付明细'!Z99"]


def test_a_range_finding_fills_every_cell_and_notes_the_first_and_the_form_its_total(tmp_path):
    result = run_sheets(tmp_path, clean_sheets())
    wb = read(
        scored_workbook(_with(result, Finding("S002", Severity.ERROR, "绩效指标", "G2:G11", "分值合计")))
    )
    ws = wb["绩效指标"]
    assert all(fill_of(ws[f"G{r}"]) == FILL[Severity.ERROR] for r in range(2, 12))
    assert [r for r in range(2, 12) if ws[f"G{r}"].comment] == [2]
    # on the form the finding is about the sum: the 总分 line's 分值 alone is filled and noted
    # (round 3, issue 24 point 8: all the 分值 were red and the note sat on the first)
    form = wb[FORM]
    weights = [row[6] for row in form.iter_rows() if fill_of(row[6]) == FILL[Severity.ERROR]]
    assert len(weights) == 1 and weights[0].comment and "分值合计" in weights[0].comment.text
    total_row = next(row for row in form.iter_rows() if row[0].value == "总分")
    assert weights[0].coordinate == total_row[6].coordinate


def test_form_cells_showing_a_flagged_value_are_filled_with_the_note(example):
    result, data = example
    form = read(data)[FORM]
    total_row = next(row for row in form.iter_rows() if row[0].value == "总分")
    claimed = total_row[7]
    s011 = next(f for f in result.findings if f.rule == "S011")
    assert claimed.value == 94 and fill_of(claimed) == FILL[Severity.ERROR]
    assert s011.message in claimed.comment.text


def test_review_hyperlinks_name_an_existing_sheet_and_cell(example):
    result, data = example
    wb = read(data)
    review = wb[REVIEW]
    links = [c for c in review["D"][1:] if c.hyperlink is not None]
    assert len(links) == sum(1 for f in result.findings if f.sheet and f.cell)
    for cell in links:
        m = _LINK.match(cell.hyperlink.location)
        assert m, cell.hyperlink.location
        sheet, where = m.group(1).replace("''", "'"), m.group(2)
        assert sheet in wb.sheetnames
        parse_a1(where)  # a valid address
        assert cell.value == where


def test_review_is_sorted_by_severity_then_rule_with_filter_and_frozen_header(example):
    _, data = example
    review = read(data)[REVIEW]
    rows = [(r[0].value, r[1].value) for r in review.iter_rows(min_row=2)]
    rank = {"错误": 0, "警告": 1, "提示": 2}
    assert rows == sorted(rows, key=lambda x: (rank[x[0]], x[1]))
    assert review.auto_filter.ref and review.freeze_panes == "A2"


# ---------------------------------------------------------------- text stays text
def test_workbook_text_is_never_written_as_a_formula(hostile):
    _, data = hostile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode(), name
    wb = read(data)
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    for (sheet, r, c), text in HOSTILE.items():
        survived = wb[sheet].cell(r + 1, c + 1).value
        assert survived == clean(text), (sheet, text)
        assert survived in texts
    assert wb["绩效目标"]["B2"].value == "完成维修😀𠀀"  # the vertical tab is gone, the rest survived
    form_texts = {c.value for row in wb[FORM].iter_rows() for c in row if isinstance(c.value, str)}
    assert {'=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1)"} <= form_texts


def test_clean_strips_what_xml_cannot_hold_and_keeps_the_rest():
    assert clean("a\x00b\x0bc\x1fd\ufffee\ud800f") == "abcdef"
    assert clean("行1\r\n行2\r行3\t制表") == "行1\n行2\n行3\t制表"
    assert clean("_x000B_ 😀𠀀") == "_x000B_ 😀𠀀"
    assert len(clean("字" * 40000)) == 32767


def test_literal_escape_lookalikes_survive_the_round_trip(tmp_path):
    sheets = clean_sheets()
    sheets["报告正文"][8][1] = "_x000B_ 与 _x0041_"
    result = run_sheets(tmp_path, sheets)
    assert read(scored_workbook(result))["报告正文"]["B9"].value == "_x000B_ 与 _x0041_"


# ---------------------------------------------------------------- sheet names
def test_sheet_names_are_valid_unique_and_stable():
    names = sheet_names(
        ["审核意见", "a/b:c*d?e[f]g\\h", "x" * 40, "X" * 40, "'引号'", "", "history", "😀" * 20], RESERVED
    )
    assert names["审核意见"] == "审核意见(2)"
    assert names["a/b:c*d?e[f]g\\h"] == "a_b_c_d_e_f_g_h"
    assert names["x" * 40] == "x" * 31 and names["X" * 40] == "X" * 28 + "(2)"
    assert names["'引号'"] == "引号" and names[""] == "Sheet" and names["history"] == "history(2)"
    assert names["😀" * 20] == "😀" * 15  # 31 UTF-16 units, as Excel counts
    assert len({n.casefold() for n in names.values()}) == len(names)


def test_a_sheet_named_like_an_output_sheet_is_copied_under_a_new_name_and_links_follow(tmp_path):
    result = run_sheets(tmp_path, clean_sheets())
    sheets = dict(result.project.sheets)
    sheets["审核意见"] = [["他们的表"]]
    result = replace(
        result,
        project=replace(result.project, sheets=sheets),
        findings=(Finding("S013", Severity.WARNING, "审核意见", "A1", "同名表"),),
    )
    wb = read(scored_workbook(result))
    assert wb["审核意见(2)"]["A1"].value == "他们的表"
    assert wb[REVIEW]["D2"].hyperlink.location == "'审核意见(2)'!A1"


# ---------------------------------------------------------------- the form and the detail
def test_form_holds_the_seed_figures(example):
    result, data = example
    wb = read(data)
    form = wb[FORM]
    values = [[c.value for c in row] for row in form.iter_rows()]
    assert values[0][0] == FORM and values[1][0] == "（2021年度）"
    fund_total = next(row for row in values if row[1] == "年度资金总额")
    assert fund_total[3] == 121 and fund_total[5] == 121 and fund_total[6] == 10 and fund_total[7] == 1
    head = next(i for i, row in enumerate(values) if row[1] == "一级指标")
    total = next(i for i, row in enumerate(values) if row[0] == "总分")
    assert total - head - 1 == 16  # the 16 indicator rows
    assert values[total][6] == 110 and values[total][7] == 94 and values[total][8] == 94.55  # a number
    grade = values[total + 1]
    assert grade[0] == "等级" and grade[7] == "优" and grade[8] == "优"
    merged = {str(m) for m in form.merged_cells.ranges}
    # 产出指标 over its 14 rows (cut where a page breaks, test_form_repeats_the_indicator_header…)
    produced = sorted((m.min_row, m.max_row) for m in form.merged_cells.ranges if m.min_col == m.max_col == 2)
    spans = [(a, b) for a, b in produced if head + 2 <= a <= head + 15]
    assert spans[0][0] == head + 2 and spans[-1][1] == head + 15 and sum(b - a + 1 for a, b in spans) == 14
    assert str(merged) and values[head + 1][1] == values[spans[-1][0] - 1][1]
    assert values[head + 1][1] == "产出指标\n(80分)"  # the weight under the name: no wrap mid-word


def test_form_prints_on_a4_landscape_one_page_wide(example):
    _, data = example
    form = read(data)[FORM]
    assert form.page_setup.paperSize == 9 and form.page_setup.orientation == "landscape"
    # a fixed scale that fits the width (Excel ignores manual page breaks under fit-to-page)
    assert not form.sheet_properties.pageSetUpPr.fitToPage
    widths = sum(int(form.column_dimensions[c].width * 7 + 5) * 0.75 for c in "ABCDEFGHIJ")
    assert widths * int(form.page_setup.scale) / 100 <= (297 / 25.4 - 0.8) * 72
    assert "第 &P 页 共 &N 页" in form.oddFooter.center.text


def test_form_repeats_the_indicator_header_and_keeps_groups_together(example):
    """Point 12: every page after the first opens with the indicator header; a page breaks only
    between 二级 groups; a merged 一级/绩效指标 label cut by a break is printed on both pages."""
    _, data = example
    form = read(data)[FORM]
    values = [[c.value for c in row] for row in form.iter_rows()]
    head = next(i for i, row in enumerate(values) if row[1] == "一级指标")
    assert form.print_title_rows == f"${head + 1}:${head + 1}"
    breaks = [b.id for b in form.row_breaks.brk]  # the last row of a page (1-based)
    assert breaks, "the example's form runs onto a second page"
    groups = [m for m in form.merged_cells.ranges if m.min_col == 3 and m.min_row > head + 1]
    for row in breaks:
        assert not any(m.min_row <= row < m.max_row for m in groups), (row, str(groups))
        for col in (1, 2):  # 绩效指标, 一级指标: cut at the break, the label on both sides
            cut = [m for m in form.merged_cells.ranges if m.min_col == col and m.max_col == col]
            assert not any(m.min_row <= row < m.max_row for m in cut), (row, col)
            after = next(m for m in cut if m.min_row == row + 1)
            assert form.cell(after.min_row, col).value == form.cell(head + 2, col).value or col == 1


def test_form_labels_fit_their_columns_and_the_fund_block_has_no_empty_box(example):
    """Point 14: 项目资金（万元） on two whole lines, a 二级 label's weight on its own line; 得分
    runs to the last column."""
    _, data = example
    form = read(data)[FORM]
    assert form["A5"].value == "项目资金\n（万元）"
    assert form.column_dimensions["A"].width >= 8 + 1.5  # four CJK characters a line
    merged = {str(m) for m in form.merged_cells.ranges}
    assert "I5:J5" in merged and "I6:J6" in merged and not any(m.startswith("J5:") for m in merged)
    labels = [form.cell(r, 3).value for r in range(1, form.max_row + 1)]
    assert "社会效益指标\n(10分)" in labels


def test_form_total_is_a_number(example):
    """Point 13: 总分's 复核得分 is the number 94.55 (the note beside it says how it was scaled)."""
    _, data = example
    form = read(data)[FORM]
    total = next(r for r in form.iter_rows() if r[0].value == "总分")
    assert total[8].value == 94.55 and "折算" in total[9].value


def test_detail_fits_one_page_and_its_rules_run_under_empty_cells(example):
    """Point 13: a detail list a little longer than a page is shrunk onto one; every cell of a row
    carries the row's rule; 总分（百分制） does not wrap."""
    _, data = example
    detail = read(data)[DETAIL]
    assert (
        detail.sheet_properties.pageSetUpPr.fitToPage and (detail.page_setup.fitToHeight or 1) == 1
    )  # 1: the default
    for row in detail.iter_rows(min_row=2, max_row=detail.max_row):
        assert all(c.border.bottom.style for c in row), row[0].row
    label = next(c for c in detail["B"] if c.value == "总分（百分制）")
    assert detail.column_dimensions["B"].width >= len(label.value) * 2 + 1


def test_copied_input_sheets_keep_the_templates_widths_header_borders_and_frozen_panes(example):
    """Point 15: 报告正文 keeps its 100-wide 内容 column; headers styled, tables bordered, header frozen."""
    _, data = example
    wb = read(data)
    text = wb["报告正文"]
    assert text.column_dimensions["B"].width >= 100
    for name in ("报告正文", "绩效指标", "支付明细", "资金情况"):
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws["A1"].font.b and ws["A1"].border.bottom.style, name
        assert ws.cell(2, 2).border.left.style, name
    assert wb["绩效指标"].column_dimensions["C"].width >= 30  # 三级指标 as the template has it
    # no text cut at the 409 pt row limit for want of width
    assert all((text.row_dimensions[r].height or 0) < 409 for r in range(1, text.max_row + 1))


def test_detail_lists_each_indicator_with_its_arithmetic(example):
    result, data = example
    detail = read(data)[DETAIL]
    rows = [[c.value for c in row] for row in detail.iter_rows(min_row=2)]
    by_row = {row[0]: row for row in rows if isinstance(row[0], int)}
    assert sorted(by_row) == [s.row for s in result.scores.indicators]
    for sc in result.scores.indicators:
        assert by_row[sc.row][11] == (sc.arithmetic or None)
        assert by_row[sc.row][8] == sc.computed
    labels = [row[1] for row in rows]
    assert {"预算执行率", "指标合计", "总分", "总分（百分制）", "等级"} <= set(labels)


def test_same_input_gives_the_same_bytes(example):
    result, data = example
    assert scored_workbook(result) == data


@pytest.mark.parametrize("which", ["example", "hostile"])
def test_the_fast_sheet_writes_the_bytes_xlsxwriter_writes(which, request, monkeypatch):
    """render/xlsx_fast.py's Sheet rewrites xlsxwriter's row and cell loop for speed, not for output."""
    result, data = request.getfixturevalue(which)
    monkeypatch.setattr("pipeline.render.xlsx.Sheet", Worksheet)
    assert scored_workbook(result) == data


def test_rendering_leaves_no_cyclic_garbage(example):
    """A batch renders thousands of workbooks: each must be freed by reference counting, not left
    for the cycle collector (an xlsxwriter workbook is ~1,800 objects in one cycle)."""
    result, _ = example
    gc.collect()
    gc.disable()
    try:
        scored_workbook(result)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 50


def test_an_unreadable_workbook_has_no_scored_workbook(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    result = evaluate(bad, Settings(), today=TODAY)
    with pytest.raises(ValueError):
        scored_workbook(result)


# ---------------------------------------------------------------- the golden
def test_example_matches_the_reviewed_golden(example):
    _, data = example
    text = dump(data)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    if not GOLDEN.exists():
        pytest.fail(f"no golden yet: run UPDATE_GOLDEN=1 pytest {__file__}, review {GOLDEN}")
    want = GOLDEN.read_text(encoding="utf-8")
    if text != want:
        diff = "".join(
            difflib.unified_diff(want.splitlines(True), text.splitlines(True), "golden", "now", n=2)
        )
        pytest.fail(f"scored workbook differs from {GOLDEN.name} (UPDATE_GOLDEN=1 after review):\n{diff}")


# ---------------------------------------------------------------- odd workbooks still render
def test_the_messy_example_renders_and_every_finding_lands(tmp_path):
    from tests.fixtures.messy import write_messy_example

    path = tmp_path / "messy.xlsx"
    write_messy_example(path)
    result = evaluate(path, Settings(), today=TODAY)
    wb = read(scored_workbook(result))
    for f in result.findings:
        if f.sheet and f.cell:
            cell = wb[sheet_names(result.project.sheets, RESERVED).get(f.sheet, f.sheet)][_address(f)]
            assert cell.comment is not None and f.message in cell.comment.text, f.location
    assert len([r for r in wb[FORM].iter_rows() if r[3].value and str(r[3].value).startswith("指标")]) >= 15


def test_a_workbook_missing_its_tables_still_gets_a_form(tmp_path):
    sheets = clean_sheets()
    for name in ("资金情况", "绩效指标", "绩效目标"):
        del sheets[name]
    result = run_sheets(tmp_path, sheets)
    wb = read(scored_workbook(result))
    form = [[c.value for c in row] for row in wb[FORM].iter_rows()]
    assert form[2][2] == "2023年农村饮水安全工程维修养护项目"
    assert any(row[0] == "总分" for row in form) and any(row[0] == "等级" for row in form)
    assert [r[1].value for r in wb[REVIEW].iter_rows(min_row=2)].count("I002") == 3


def test_every_part_of_the_package_is_well_formed_xml(hostile):
    from xml.etree import ElementTree

    _, data = hostile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".vml", ".rels")):
                ElementTree.fromstring(z.read(name))  # raises on anything a reader would reject


def test_the_form_and_the_detail_render_the_rescaling_scoring_decided(example):
    """Whether the total was rescaled is scoring's decision (Scores.rescaled), not the renderer's."""
    result, _ = example
    assert result.scores.rescaled  # the seed's 分值 add to 110
    kept = replace(result, scores=replace(result.scores, rescaled=False))
    for data, says in ((scored_workbook(result), True), (scored_workbook(kept), False)):
        wb = read(data)
        texts = [
            str(c.value) for ws in (wb[FORM], wb[DETAIL]) for row in ws.iter_rows() for c in row if c.value
        ]
        assert any("按百分制折算" in t for t in texts) is says
        assert any(t == "总分（百分制）" for t in texts) is says


def test_the_fast_sheet_is_in_use_with_the_xlsxwriter_we_pin():
    """pyproject's xlsxwriter range is the one the fast path is tested with: there it is taken."""
    assert xlsx_fast.Sheet is xlsx_fast.FastSheet
    assert xlsx_fast.writes_what_xlsxwriter_writes(xlsx_fast.FastSheet)


class _NoRowInfo(xlsx_fast.FastSheet):
    """An xlsxwriter that keeps its row records elsewhere (3.2.3 had no `row_info`)."""

    def __init__(self):
        super().__init__()
        del self.row_info


class _OtherRowTag(xlsx_fast.FastSheet):
    """An xlsxwriter whose rows mean something else: the bytes differ, nothing raises."""

    def _row_tag(self, r, span, row):
        self.fh.write(f'<row r="{r + 1}">')


@pytest.mark.parametrize("moved", [_NoRowInfo, _OtherRowTag])
def test_an_xlsxwriter_whose_internals_moved_gets_the_plain_worksheet(moved):
    """The import-time check: a fast sheet that fails or writes other bytes is not used."""
    assert not xlsx_fast.writes_what_xlsxwriter_writes(moved)
    assert xlsx_fast.writes_what_xlsxwriter_writes(Worksheet)


def test_the_fast_shared_strings_are_in_use_with_the_xlsxwriter_we_pin():
    import xlsxwriter.packager

    assert xlsx_fast.strings_as_xlsxwriter_writes()
    assert xlsxwriter.packager.SharedStrings is xlsx_fast.FastStrings


_SST_ALPHABET = st.sampled_from(
    [
        "a",
        "文",
        " ",
        "\t",
        "\n",
        "\r",
        "\x00",
        "\x01",
        "\x0b",
        "\x1f",
        "_",
        "x",
        "0",
        "A",
        "F",
        "g",
        "&",
        "<",
        ">",
        '"',
        "\ufffe",
        "\uffff",
        "\u3000",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_SST_ALPHABET, max_size=12), max_size=8))
def test_the_fast_shared_strings_write_what_xlsxwriter_writes(strings):
    """Any strings, `_xHHHH_`, control characters, specials and whitespace at either end among them."""
    monkey = xlsx_fast.STRING_SAMPLES
    try:
        xlsx_fast.STRING_SAMPLES = tuple(strings)
        assert xlsx_fast._strings(xlsx_fast.FastStrings) == xlsx_fast._strings(xlsx_fast.SharedStrings)
    finally:
        xlsx_fast.STRING_SAMPLES = monkey


class _Unescaped(xlsx_fast.FastStrings):
    def _write_sst_strings(self):
        for string in self.string_table.string_array:
            self.fh.write(f"<si><t>{string}</t></si>")


def test_shared_strings_that_differ_are_not_used():
    assert xlsx_fast._strings(_Unescaped) != xlsx_fast._strings(xlsx_fast.SharedStrings)


def test_the_fast_attribute_escape_is_in_use_with_the_xlsxwriter_we_pin():
    from xlsxwriter.xmlwriter import XMLwriter

    assert XMLwriter._escape_attributes is xlsx_fast._escape_attributes


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(st.sampled_from(["a", "文", " ", "\n", "&", "<", ">", '"', "'", "_"]), max_size=10),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.none(),
        st.binary(max_size=5),
    )
)
def test_the_fast_attribute_escape_is_xlsxwriters(value):
    fast, plain = xlsx_fast._escape_attributes(None, value), xlsx_fast._ESCAPE_ATTRIBUTES(None, value)
    assert type(fast) is type(plain) and repr(fast) == repr(plain)


def test_the_form_tail_is_not_sent_alone_to_a_second_page_when_the_form_fits():
    """Round 3 (issue 24, point 3): 总分, 等级 and the note were broken onto page 2 by the few per cent
    kept back for Excel's row heights, though the whole form fits the page."""
    from pipeline.render import form

    lay = form.Layout(form.FORM_WIDTHS)
    lay.put(0, 0, "项目支出绩效自评表", "title", fit=False)
    lay.put(1, 1, form.INDICATOR_HEAD[0], "head")
    for r in range(2, 12):
        lay.put(r, 2, "数量指标", "center")
    lay.put(12, 0, "总分", "label")
    lay.put(13, 0, "等级", "label")
    lay.put(14, 0, "注", "note")
    page = form.PRINT_HEIGHT_PT / 0.97
    heights = {r: 20.0 for r in range(15)}
    body = sum(heights.values())
    # the whole form: 99 % of the page, over the 97 % kept for the groups above the tail
    heights = {r: h * 0.99 * page / body for r, h in heights.items()}
    assert form.page_breaks(lay, heights, 1.0) == []
    heights = {r: h * 1.02 for r, h in heights.items()}  # really over the page: the tail moves
    assert form.page_breaks(lay, heights, 1.0) == [12]


def test_copied_tables_keep_number_formats_and_a_long_text_is_never_cut(tmp_path, example):
    """Round 3 (issue 24, point 7): 资金情况 showed 执行率 as "1" and amounts lost their format; a
    报告正文 cell past Excel's 409 pt row lost its first and last lines in print."""
    _, data = example
    funds = read(data)["资金情况"]
    head = {c.value: c.column for c in funds[1]}
    rate = next(col for name, col in head.items() if name and "率" in name)
    money = next(col for name, col in head.items() if name and "执行数" in name)
    rates = [
        funds.cell(r, rate)
        for r in range(2, funds.max_row + 1)
        if isinstance(funds.cell(r, rate).value, (int, float))
    ]
    assert rates and all(c.number_format == "0.00%" for c in rates)
    amounts = [
        funds.cell(r, money)
        for r in range(2, funds.max_row + 1)
        if isinstance(funds.cell(r, money).value, (int, float))
    ]
    assert amounts and all(c.number_format == "#,##0.00##" for c in amounts)
    sheets = clean_sheets()
    sheets["报告正文"][3][1] = "资金使用规范，" * 900  # 6300 characters
    text = read(scored_workbook(run_sheets(tmp_path, sheets)))["报告正文"]
    cell = text["B4"]
    assert cell.alignment.vertical == "top"  # what cannot be shown is the end, never the beginning
    assert text.column_dimensions["B"].width > 100
