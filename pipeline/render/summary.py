"""The batch outputs (outputs.md "Per batch"): 审核汇总.xlsx and findings.csv.

Rendered from the batch-wide tables (tables.Frames), which are built from findings.json
documents, never from `Result`: a workbook skipped as unchanged contributes the findings.json stored
by its last run. Sheets: 汇总 (one row per workbook), 全部审核意见 (every finding, X findings with the
other workbook), 按主管部门 (the pivot, with a chart of grades), 年度对比 (a project beside its
earlier year), 目标对照 (v3: the approved 绩效目标 beside the workbooks', checks/approved.py's table).
Nothing here computes a figure the tables do not hold.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import xlsxwriter

from .. import sheets
from ..decisions import CONFIRMED, OPEN, PASSED, PENDING, WAIVED, Conclusion
from ..display import round_half_up
from ..messages import MSG
from ..model import Severity
from ..schema import GRADES
from ..tables import FINDING_COLUMNS as FRAME_FINDING_COLUMNS
from ..tables import Frames, by_department, held_twice, year_over_year
from .scored_workbook import RESERVED
from .xlsx import OPTIONS, PINNED_CREATED, Formats, add_sheet, clean, fit_height, put, sheet_names

if TYPE_CHECKING:
    import pandas as pd

SUMMARY = sheets.SUMMARY.name
ALL_FINDINGS = sheets.ALL_FINDINGS.name
BY_DEPARTMENT = sheets.BY_DEPARTMENT.name
YEAR_OVER_YEAR = sheets.YEAR_OVER_YEAR.name
TARGETS = sheets.TARGETS.name

_SUMMARY = sheets.SUMMARY.col  # the position of a 汇总 column, by its header
REVIEW_STATE_COLUMNS = {state: _SUMMARY(state) for state in (OPEN, CONFIRMED, WAIVED)}
CONCLUSION_COL = _SUMMARY(sheets.CONCLUSION_HEAD)
GRADE_COL = _SUMMARY("等级")
COUNT_COLS = tuple(_SUMMARY(head) for head in sheets.SEVERITY_HEADS)  # 错误, 警告, 提示
# what each sheet is printed on: 汇总 (21 columns) and 目标对照 (13 wide ones) on A3, the others on A4; landscape
PAPER = {"A4": (9, 297), "A3": (8, 420)}  # xlsxwriter paper code, width in mm when landscape
TOTAL_LABEL = "合计"
# the first nine as in v1; v2 appends the reviewer's decision and where an X finding's other
# workbook says it
CSV_COLUMNS = tuple(c for c in FRAME_FINDING_COLUMNS if c != "decision_problem")  # said in 说明 instead
# per grade, best first (schema.GRADES): its cell's fill and font, its colour in the chart
GRADE_FILLS = dict(
    zip(
        GRADES,
        (("#C6EFCE", "#006100"), ("#DDEBF7", "#1F4E78"), ("#FFEB9C", "#9C5700"), ("#FFC7CE", "#9C0006")),
        strict=True,
    )
)
CHART_COLORS = dict(zip(GRADES, ("#70AD47", "#5B9BD5", "#FFC000", "#C00000"), strict=True))
LINK_TEXT = "打开"
UNREADABLE_RULE = "I001"


def _py(value: object) -> object:
    """A table value as the writers take it: numpy scalars as Python numbers, NaN/NA as blank."""
    if value is None:
        return None
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, (str, bytes)):
        value = item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@dataclass(frozen=True)
class Letterhead:
    """What every printed page of 审核汇总 says above the table: `<地区><年度>年度项目支出绩效自评审核
    汇总`, 制表单位 (config [bureau]) and the date of the run."""

    region: str = ""
    bureau: str = ""
    day: date | None = None


def summary_workbook(
    frames: Frames,
    conclusions: dict[str, Conclusion] | None = None,
    created: datetime = PINNED_CREATED,
    targets: pd.DataFrame | None = None,
    finals: dict[str, str] | None = None,
    letterhead: Letterhead | None = None,
) -> bytes:
    """审核汇总.xlsx: one row per workbook (汇总), every finding, 按主管部门, 年度对比, 目标对照. `conclusions`:
    the reviewer's 审核结论 per input file (decisions.py), as the manifest stores them; `targets`: the
    目标对照 table of X006–X008 (checks/approved.py), None or empty when no approved targets were given;
    `finals`: the 定稿 column per input file (batch/final.py)."""
    conclusions = conclusions or {}
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, OPTIONS)
    head = letterhead or Letterhead()
    title = _title(frames, head.region)
    workbook.set_properties({"created": created, "title": title, "author": head.bureau})
    fmt = Formats(workbook)
    # a project held twice (X003) counts once in every sum and count
    passed = frozenset(f for f, c in conclusions.items() if c.state == PASSED and not c.problem)
    twice = held_twice(frames.batch_projects(), passed)
    write = (
        (
            SUMMARY,
            "A3",
            lambda ws: _write_summary(ws, workbook, fmt, frames, conclusions, finals or {}, twice),
        ),
        (ALL_FINDINGS, "A4", lambda ws: _write_findings(ws, fmt, frames)),
        (BY_DEPARTMENT, "A4", lambda ws: _write_departments(ws, workbook, fmt, frames, twice)),
        (YEAR_OVER_YEAR, "A4", lambda ws: _write_years(ws, fmt, frames)),
        (TARGETS, "A3", lambda ws: _write_targets(ws, fmt, targets)),
    )
    for name, paper, writer in write:
        ws = add_sheet(workbook, name)
        writer(ws)
        _landscape(ws, paper, title, head)
    workbook.close()
    return buffer.getvalue()


def _title(frames: Frames, region: str) -> str:
    """`<地区><年度>年度项目支出绩效自评审核汇总`: the budget year most workbooks of the batch have."""
    years = [y for y in map(_py, frames.batch_projects()["year"]) if isinstance(y, (int, float))]
    year = f"{int(max(set(years), key=years.count))}年度" if years else ""
    return f"{clean(region).strip()}{year}项目支出绩效自评审核汇总"


def _heads(ws, sheet: sheets.Sheet, fmt: Formats) -> None:
    """The header row and the column widths of `sheet`."""
    for c, column in enumerate(sheet.columns):
        ws.set_column(c, c, column.width)
        ws.write_string(0, c, column.head, fmt("head"))


def _write_summary(
    ws,
    workbook,
    fmt: Formats,
    frames: Frames,
    conclusions: dict[str, Conclusion],
    finals: dict[str, str],
    twice: dict[str, str],
) -> None:
    _heads(ws, sheets.SUMMARY, fmt)
    style = [column.style for column in sheets.SUMMARY.columns]
    f = frames.findings
    # 说明: why it could not be read, and any reviewer's entry that could not be applied
    notes_of: dict[str, list[str]] = {}
    for file, message in zip(
        f.loc[f["rule"] == UNREADABLE_RULE, "file"],
        f.loc[f["rule"] == UNREADABLE_RULE, "message"],
        strict=True,
    ):
        notes_of.setdefault(file, []).append(message or "")
    problems = f[f["decision_problem"].notna() & (f["decision_problem"] != "")]
    for file, problem in zip(problems["file"], problems["decision_problem"], strict=True):
        notes_of.setdefault(file, []).append(problem)
    for file, kept in twice.items():
        notes_of.setdefault(file, []).append(MSG["R_held_twice"].format(other=kept))
    projects = frames.batch_projects()
    for r, p in enumerate(projects.itertuples(index=False), start=1):
        values = (
            p.file,
            p.name,
            p.unit,
            *map(_py, (p.budget, p.executed, p.rate, p.claimed_total, p.total)),
            p.grade,
        )
        for c, value in enumerate(values):  # 文件 … 等级
            put(ws, r, c, value, fmt, style[c])
        for c, n in zip(COUNT_COLS, (p.errors, p.warnings, p.infos), strict=True):
            ws.write_number(r, c, int(n), fmt(style[c]))
        if p.readable and _py(p.total) is None:  # v3: 总分 unknown (findings.json total null)
            for head in ("复核总分", "等级"):
                put(ws, r, _SUMMARY(head), MSG["R_unknown"], fmt, "unknown")
        link = _SUMMARY("审核表")
        if not (p.scored and file_link(ws, r, link, p.scored, "", fmt("link"), LINK_TEXT)):
            put(ws, r, link, p.scored or None, fmt, "text" if p.scored else "center")
        conclusion = conclusions.get(p.file)
        notes = [*notes_of.get(p.file, ()), *((conclusion.problem,) if conclusion is not None else ())]
        unreadable = "；".join(n for n in notes if n)
        put(ws, r, _SUMMARY("说明"), unreadable, fmt, "text")
        for state, n in zip((OPEN, CONFIRMED, WAIVED), (p.open, p.confirmed, p.waived), strict=True):
            ws.write_number(r, REVIEW_STATE_COLUMNS[state], int(n), fmt("score"))
        severity = Severity.ERROR if conclusion is not None and conclusion.problem else None
        put(ws, r, CONCLUSION_COL, conclusion.state if conclusion else PENDING, fmt, "center", severity)
        put(ws, r, _SUMMARY(sheets.REVIEWER_HEAD), conclusion.reviewer if conclusion else None, fmt, "center")
        put(ws, r, _SUMMARY(sheets.DATE_HEAD), conclusion.day if conclusion else None, fmt, "center")
        final = finals.get(p.file) or None
        blocked = Severity.ERROR if final and final != "已生成" else None
        put(ws, r, _SUMMARY(sheets.FINAL_HEAD), final, fmt, "text", blocked)
        wrapped = (p.file, p.name, p.unit, unreadable)
        ws.set_row(r, fit_height(zip(wrapped, sheets.SUMMARY.wrap_widths, strict=True)))
    last = max(len(projects), 1)
    _totals(ws, fmt, projects[~projects["file"].isin(set(twice))], last + 1)
    for grade, (bg, font) in GRADE_FILLS.items():
        ws.conditional_format(
            1,
            GRADE_COL,
            last,
            GRADE_COL,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{grade}"',
                "format": workbook.add_format({"bg_color": bg, "font_color": font}),
            },
        )
    errors = COUNT_COLS[0]
    ws.conditional_format(
        1,
        errors,
        last,
        errors,
        {
            "type": "cell",
            "criteria": ">",
            "value": 0,
            "format": workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True}),
        },
    )
    if len(projects):
        conclusion = sheets.SUMMARY.columns[CONCLUSION_COL]
        ws.data_validation(
            1,
            CONCLUSION_COL,
            len(projects),
            CONCLUSION_COL,
            {
                "validate": "list",
                "source": list(conclusion.choices),
                "error_type": "warning",
                "error_title": conclusion.head,
                "error_message": f"请选择 {sheets.choice_list(conclusion.choices)}",
            },
        )
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last, sheets.SUMMARY.last)


_URL_ESCAPES = {
    "%": "%25",
    '"': "%22",
    " ": "%20",
    "#": "%23",
    "<": "%3c",
    ">": "%3e",
    "[": "%5b",
    "]": "%5d",
    "^": "%5e",
    "`": "%60",
    "{": "%7b",
    "}": "%7d",
}


_URL_TABLE = str.maketrans(_URL_ESCAPES)


def _escape_path(path: str) -> str:
    """A relative path as Excel writes it into a link. Escaped here, not by xlsxwriter, which would
    take a `#` in a file name for the start of an anchor (and then leaves %-escaped text alone)."""
    return clean(path).replace("\\", "/").translate(_URL_TABLE)


def _totals(ws, fmt: Formats, projects, r: int) -> None:
    """A 合计 line under the list (outside its filter): Σ预算, Σ执行数 and their rate, Σ of each count.
    Values, not formulas: nothing in this workbook is a formula."""
    # labelled under 项目名称 with 文件 left blank: a reviewer's 审核结论 is read back by 文件, and
    # this line is no workbook
    ws.write_string(r, _SUMMARY("项目名称"), TOTAL_LABEL, fmt("label"))
    for head in (sheets.FILE_HEAD, "实施单位", "自评总分", "复核总分", "等级", "审核表", "说明"):
        ws.write_blank(r, _SUMMARY(head), None, fmt("label"))
    budget = sum(v for v in map(_py, projects["budget"]) if isinstance(v, (int, float)))
    executed = sum(v for v in map(_py, projects["executed"]) if isinstance(v, (int, float)))
    put(ws, r, _SUMMARY("预算（万元）"), budget, fmt, "money")
    put(ws, r, _SUMMARY("执行数（万元）"), executed, fmt, "money")
    # the rate over the projects that state both (v3: an unknown 执行数 is left out, never 0)
    pairs = [
        (b, e)
        for b, e in zip(map(_py, projects["budget"]), map(_py, projects["executed"]), strict=True)
        if isinstance(b, (int, float)) and isinstance(e, (int, float))
    ]
    known = sum(b for b, _ in pairs)
    put(ws, r, _SUMMARY("执行率"), sum(e for _, e in pairs) / known if known else None, fmt, "percent")
    for c, col in zip(COUNT_COLS, ("errors", "warnings", "infos"), strict=True):
        ws.write_number(r, c, int(sum(int(n) for n in projects[col])), fmt("score"))


def file_link(ws, r: int, c: int, path: str, anchor: str, cell_format, text: str) -> bool:
    """A link to another file, relative to 审核汇总.xlsx, with forward slashes: xlsxwriter writes file
    links with backslashes, which only Windows follows; a relative URI with / opens in Excel on
    Windows and in LibreOffice and WPS alike. False when Excel could not hold the link."""
    target = _escape_path(path)
    try:
        ws.write_url(
            r,
            c,
            "external:" + target + (f"#{anchor}" if anchor else ""),
            cell_format,
            string=text,
            tip=clean(path)[:255],
        )
    except (ValueError, IndexError):  # a path Excel cannot link (too long)
        return False
    url = ws.hyperlinks.get(r, {}).get(c)
    if url is None:  # the link was refused (xlsxwriter warns and writes nothing)
        return False
    url._link = url._relationship_link = target  # the target as written, slashes kept
    return True


def _write_findings(ws, fmt: Formats, frames: Frames) -> None:
    _heads(ws, sheets.ALL_FINDINGS, fmt)
    col = sheets.ALL_FINDINGS.col
    severities = {s.value: s for s in Severity}
    scored_of = dict(zip(frames.projects["file"], frames.projects["scored"], strict=True))
    r = 0
    for f in frames.findings.itertuples(index=False):
        r += 1
        put(ws, r, col("文件"), f.file, fmt, "text")
        put(ws, r, col("项目名称"), f.project, fmt, "text")
        put(ws, r, col("严重程度"), f.severity, fmt, "center", severities.get(f.severity))
        for head, value in (("规则", f.rule), ("工作表", f.sheet), ("单元格", f.cell)):
            put(ws, r, col(head), value, fmt, "center")
        scored = scored_of.get(f.file)
        if scored and f.sheet and f.cell:  # jump to the cell in its scored workbook
            sheet = sheet_names([f.sheet], RESERVED)[f.sheet]
            anchor = "'{}'!{}".format(sheet.replace("'", "''"), str(f.cell).split(":")[0].replace("$", ""))
            file_link(ws, r, col("单元格"), scored, anchor, fmt("link"), clean(str(f.cell)))
        put(ws, r, col("审核意见"), f.message, fmt, "text")
        for head, value in (("应为", _py(f.expected)), ("实为", _py(f.actual))):
            put(ws, r, col(head), value, fmt, "score" if isinstance(value, (int, float)) else "center")
        other_at = f"{f.other_sheet}!{f.other_cell}" if f.other_sheet and f.other_cell else f.other_sheet
        put(ws, r, col("关联工作簿"), f.other_file, fmt, "text")
        put(ws, r, col("关联单元格"), other_at or None, fmt, "center")
        wrapped = (f.file, f.project, f.message, _py(f.expected), _py(f.actual), f.other_file)
        ws.set_row(r, fit_height(zip(wrapped, sheets.ALL_FINDINGS.wrap_widths, strict=True)))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r, 1), sheets.ALL_FINDINGS.last)


def _write_departments(ws, workbook, fmt: Formats, frames: Frames, twice: dict[str, str]) -> None:
    """The pivot per 主管部门 (a project held twice counted once, said under the table), and a
    stacked column chart of its grade counts below it."""
    sheet = sheets.BY_DEPARTMENT
    _heads(ws, sheet, fmt)
    pivot = by_department(frames, twice)
    mean = sheet.col("平均复核总分")
    for r, row in enumerate(pivot.itertuples(index=False), start=1):
        for c, (value, column) in enumerate(zip(row, sheet.columns, strict=True)):
            value = _py(value)
            put(
                ws,
                r,
                c,
                round_half_up(value, 2) if c == mean and value is not None else value,
                fmt,
                column.style,
            )
        ws.set_row(r, fit_height(zip((row.department,), sheet.wrap_widths, strict=True)))
    n = len(pivot)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(n, 1), sheet.last)
    if twice:
        note = MSG["R_held_twice_note"].format(n=len(twice), files="、".join(sorted(twice)))
        ws.write_string(n + 1, 0, note, fmt("text"))
    if not n:
        return
    chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
    for grade in GRADES:
        col = sheet.col(f"等级：{grade}")
        chart.add_series(
            {
                "name": [BY_DEPARTMENT, 0, col],
                "categories": [BY_DEPARTMENT, 1, 0, n, 0],
                "values": [BY_DEPARTMENT, 1, col, n, col],
                "fill": {"color": CHART_COLORS[grade]},
                "border": {"none": True},
            }
        )
    chart.set_title({"name": "各主管部门项目自评等级分布（复核）"})
    # whole projects: an axis of 0.2, 0.5 … projects says nothing a count can be
    chart.set_y_axis(
        {"name": "项目数", "major_gridlines": {"visible": True}, "major_unit": 1, "min": 0, "num_format": "0"}
    )
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 360})
    ws.insert_chart(n + 3 + bool(twice), 0, chart)


def _write_years(ws, fmt: Formats, frames: Frames) -> None:
    """Each project of the batch beside its nearest earlier year (this batch or the archive)."""
    sheet = sheets.YEAR_OVER_YEAR
    _heads(ws, sheet, fmt)
    f = frames.findings
    lowered: dict[str, list[str]] = {}
    x004 = f[f["rule"] == "X004"]
    if not x004.empty:
        names = frames.indicators.set_index(["file", "target_cell"])["level3"].to_dict()
        for file, cell in zip(x004["file"], x004["cell"], strict=True):
            lowered.setdefault(file, []).append(names.get((file, cell), cell))
    table = year_over_year(frames, lowered)
    for r, row in enumerate(table.itertuples(index=False), start=1):
        total, prev = _py(row.total), _py(row.prev_total)
        change = round_half_up(total - prev, 2) if total is not None and prev is not None else None
        values = (
            *(row.name, row.unit, row.file, row.year, row.total, row.grade, row.rate),
            *(row.prev_file, row.prev_year, row.prev_total, row.prev_grade, row.prev_rate),
            change,
            row.lowered,
        )
        for c, (value, column) in enumerate(zip(values, sheet.columns, strict=True)):
            put(ws, r, c, _py(value), fmt, column.style)
        wrapped = (row.name, row.unit, row.file, row.prev_file, row.lowered)
        ws.set_row(r, fit_height(zip(wrapped, sheet.wrap_widths, strict=True)))
    if table.empty:  # printed, a bare header would look like a page that failed
        ws.merge_range(1, 0, 1, sheet.last, MSG["R_no_year_over_year"], fmt("text"))
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(len(table), 1), sheet.last)


def _write_targets(ws, fmt: Formats, table: pd.DataFrame | None) -> None:
    """Each approved line beside the workbook's (and each line only one side has), with its finding."""
    sheet = sheets.TARGETS
    for c, column in enumerate(sheet.columns):
        ws.set_column(c, c, column.width)
        ws.write_string(0, c, column.head, fmt("head"))
    severities = {"X006": Severity.WARNING, "X007": Severity.WARNING, "X008": Severity.INFO}
    rows = table.itertuples(index=False) if table is not None else ()
    r = 0
    for r, t in enumerate(rows, start=1):
        at = f"{t.approved_sheet}!{t.approved_cell}" if t.approved_sheet and t.approved_cell else None
        values = (t.file, t.project, t.level3, t.approved, t.adjusted, t.self)
        for c, value in enumerate(values):
            put(ws, r, c, value or None, fmt, "text")
        put(ws, r, 6, t.verdict, fmt, "center", severities.get(t.rule))
        put(ws, r, 7, t.rule or None, fmt, "center")
        for c, value in enumerate((t.level1, t.level2, t.match, t.approved_file, at), start=8):
            put(ws, r, c, value or None, fmt, "text")
    if r == 0:
        put(ws, 1, 0, MSG["TARGETS_OFF"] if table is None else MSG["TARGETS_NONE"], fmt, "text")
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(r, 1), sheet.last)


def _landscape(ws, paper: str, title: str, head: Letterhead) -> None:
    """Landscape on `paper`, one page wide, the header row on every page; the title, 制表单位 and
    date above the table on every page (a page header: the sheet's first row stays the header a
    reviewer's 审核结论 is read back by)."""
    code, _ = PAPER[paper]
    ws.set_paper(code)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.9, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(0)
    left = f"制表单位：{_header_text(head.bureau)}" if head.bureau.strip() else ""
    right = f"日期：{head.day.year}年{head.day.month}月{head.day.day}日" if head.day else ""
    ws.set_header(f'&L{left}&C&"黑体,Regular"&14{_header_text(title)}&R{right}', {"margin": 0.3})
    ws.set_footer("&C第 &P 页 共 &N 页")


def _header_text(text: str) -> str:
    """Text for a page header: & starts a code there."""
    return clean(text).replace("&", "&&")[:80]


def print_scale(widths: tuple[float, ...], paper: str) -> float:
    """The scale Excel prints `widths` (characters) at, one page wide on `paper` landscape with
    _landscape's margins: what keeps every sheet at 70 % or more."""
    _, mm = PAPER[paper]
    printable = (mm / 25.4 - 0.8) * 72
    return min(1.0, printable / sum(int(w * 7 + 5) * 0.75 for w in widths))


# ---------------------------------------------------------------- findings.csv
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: object) -> str:
    """A CSV field Excel opens as data: numbers plainly, text never read as a formula (OWASP)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    text = clean(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def findings_csv(frames: Frames) -> bytes:
    """findings.csv: every finding of every workbook (the findings table), UTF-8 with BOM so Excel
    reads the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in frames.findings[list(CSV_COLUMNS)].itertuples(index=False):
        writer.writerow([_csv_value(_py(v)) for v in row])
    return out.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- export
def export_tables(frames: Frames, fmt: str) -> dict[str, bytes]:
    """The four tables as <table>.csv (UTF-8 with BOM, text never read as a formula, as
    findings.csv) or <table>.parquet (needs pyarrow, which is not a dependency: README): file name
    -> bytes, for the caller to write."""
    from ..tables import EXPORT_FORMATS

    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    files = {}
    for name, table in frames.tables().items():
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(table.columns)
            for row in table.itertuples(index=False):
                writer.writerow([_csv_value(_py(v)) for v in row])
            data = out.getvalue().encode("utf-8-sig")
        else:
            buffer = io.BytesIO()
            # expected/actual hold a number or a text: parquet wants one type per column
            mixed = {c: "string" for c in ("expected", "actual") if c in table.columns}
            table.astype(mixed).convert_dtypes().to_parquet(buffer, index=False)
            data = buffer.getvalue()
        files[f"{name}.{fmt}"] = data
    return files
