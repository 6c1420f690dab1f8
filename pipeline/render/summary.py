"""The batch outputs (outputs.md "Per batch"): 审核汇总.xlsx and findings.csv.

Rendered from the batch-wide tables (tables.Frames), which are built from findings.json
documents, never from `Result`: a workbook skipped as unchanged contributes the findings.json stored
by its last run. Sheets: 汇总 (one row per workbook), 全部审核意见 (every finding, X findings with the
other workbook), 按主管部门 (the pivot, with a chart of grades), 年度对比 (a project beside its
earlier year). Nothing here computes a figure the tables do not hold.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime

import xlsxwriter

from ..decisions import (
    CONCLUSION_HEAD,
    CONCLUSIONS,
    CONFIRMED,
    DATE_HEAD,
    OPEN,
    PENDING,
    REVIEWER_HEAD,
    WAIVED,
    Conclusion,
)
from ..display import round_half_up
from ..messages import MSG
from ..model import Severity
from ..tables import FINDING_COLUMNS as FRAME_FINDING_COLUMNS
from ..tables import GRADES, Frames, by_department, year_over_year
from .scored_workbook import RESERVED
from .xlsx import OPTIONS, PINNED_CREATED, Formats, add_sheet, clean, fit_height, put, sheet_names

SUMMARY = "汇总"
ALL_FINDINGS = "全部审核意见"
BY_DEPARTMENT = "按主管部门"
YEAR_OVER_YEAR = "年度对比"


# ---------------------------------------------------------------- layouts
SUMMARY_COLUMNS = (
    ("文件", 24),
    ("项目名称", 32),
    ("实施单位", 22),
    ("预算（万元）", 12),
    ("执行数（万元）", 14),
    ("执行率", 9),
    ("自评总分", 9),
    ("复核总分", 9),
    ("等级", 6),
    ("错误", 6),
    ("警告", 6),
    ("提示", 6),
    ("审核表", 8),
    ("说明", 40),
    # the review (batch/reviewer.py): findings per 审核处理, then the reviewer's columns, read back by header
    (OPEN, 7),
    (CONFIRMED, 6),
    (WAIVED, 6),
    (CONCLUSION_HEAD, 10),
    (REVIEWER_HEAD, 10),
    (DATE_HEAD, 12),
)
_COLUMN = {head: c for c, (head, _) in enumerate(SUMMARY_COLUMNS)}
REVIEW_STATE_COLUMNS = {state: _COLUMN[state] for state in (OPEN, CONFIRMED, WAIVED)}
CONCLUSION_COL = _COLUMN[CONCLUSION_HEAD]  # then 审核人, 审核日期
FINDING_COLUMNS = (
    ("文件", 28),
    ("项目名称", 30),
    ("严重程度", 9),
    ("规则", 7),
    ("工作表", 12),
    ("单元格", 10),
    ("审核意见", 72),
    ("应为", 12),
    ("实为", 12),
    ("关联工作簿", 24),  # X findings: the other workbook and where it says it
    ("关联单元格", 12),
)
DEPARTMENT_COLUMNS = (
    ("主管部门", 26),
    ("项目数", 8),
    ("预算（万元）", 13),
    ("执行数", 13),
    ("执行率", 9),
    ("平均复核总分", 11),
    *((f"等级：{g}", 8) for g in GRADES),
    ("无法复核", 8),  # v3: 总分 unknown; left out of 平均复核总分, counted here
    ("错误", 7),
    ("警告", 7),
)
YEAR_COLUMNS = (
    ("项目名称", 32),
    ("实施单位", 22),
    ("本年度文件", 24),
    ("预算年度", 9),
    ("复核总分", 9),
    ("等级", 6),
    ("执行率", 9),
    ("往年文件", 24),
    ("往年预算年度", 11),
    ("往年复核总分", 11),
    ("往年等级", 8),
    ("往年执行率", 10),
    ("总分变化", 9),
    ("调低的指标（X004）", 30),
)
SUMMARY_FIT_WIDTHS = tuple(SUMMARY_COLUMNS[c][1] for c in (0, 1, 2, 13))  # the columns that wrap

TOTAL_LABEL = "合计"
FINDING_FIT_WIDTHS = tuple(FINDING_COLUMNS[c][1] for c in (0, 1, 6, 7, 8, 9))
# the first nine as in v1; v2 appends the reviewer's decision and where an X finding's other
# workbook says it
CSV_COLUMNS = tuple(c for c in FRAME_FINDING_COLUMNS if c != "decision_problem")  # said in 说明 instead
GRADE_FILLS = {
    "优": ("#C6EFCE", "#006100"),
    "良": ("#DDEBF7", "#1F4E78"),
    "中": ("#FFEB9C", "#9C5700"),
    "差": ("#FFC7CE", "#9C0006"),
}
CHART_COLORS = {"优": "#70AD47", "良": "#5B9BD5", "中": "#FFC000", "差": "#C00000"}
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


def summary_workbook(
    frames: Frames, conclusions: dict[str, Conclusion] | None = None, created: datetime = PINNED_CREATED
) -> bytes:
    """审核汇总.xlsx: one row per workbook (汇总), every finding, 按主管部门, 年度对比. `conclusions`:
    the reviewer's 审核结论 per input file (decisions.py), as the manifest stores them."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, OPTIONS)
    workbook.set_properties({"created": created, "title": "绩效自评审核汇总", "author": ""})
    fmt = Formats(workbook)
    _write_summary(add_sheet(workbook, SUMMARY), workbook, fmt, frames, conclusions or {})
    _write_findings(add_sheet(workbook, ALL_FINDINGS), fmt, frames)
    _write_departments(add_sheet(workbook, BY_DEPARTMENT), workbook, fmt, frames)
    _write_years(add_sheet(workbook, YEAR_OVER_YEAR), fmt, frames)
    workbook.close()
    return buffer.getvalue()


def _write_summary(ws, workbook, fmt: Formats, frames: Frames, conclusions: dict[str, Conclusion]) -> None:
    for c, (head, width) in enumerate(SUMMARY_COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
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
    projects = frames.batch_projects()
    for r, p in enumerate(projects.itertuples(index=False), start=1):
        put(ws, r, 0, p.file, fmt, "text")
        put(ws, r, 1, p.name, fmt, "text")
        put(ws, r, 2, p.unit, fmt, "text")
        put(ws, r, 3, _py(p.budget), fmt, "money")
        put(ws, r, 4, _py(p.executed), fmt, "money")
        put(ws, r, 5, _py(p.rate), fmt, "percent")
        put(ws, r, 6, _py(p.claimed_total), fmt, "score")
        if p.readable and _py(p.total) is None:  # v3: 总分 unknown (findings.json total null)
            put(ws, r, 7, MSG["R_unknown"], fmt, "unknown")
            put(ws, r, 8, MSG["R_unknown"], fmt, "unknown")
        else:
            put(ws, r, 7, _py(p.total), fmt, "score")
            put(ws, r, 8, p.grade, fmt, "center")
        for c, n in enumerate((p.errors, p.warnings, p.infos), start=9):
            ws.write_number(r, c, int(n), fmt("score"))
        link = _COLUMN["审核表"]
        if not (p.scored and file_link(ws, r, link, p.scored, "", fmt("link"), LINK_TEXT)):
            put(ws, r, link, p.scored or None, fmt, "text" if p.scored else "center")
        conclusion = conclusions.get(p.file)
        notes = [*notes_of.get(p.file, ()), *((conclusion.problem,) if conclusion is not None else ())]
        unreadable = "；".join(n for n in notes if n)
        put(ws, r, _COLUMN["说明"], unreadable, fmt, "text")
        for state, n in zip((OPEN, CONFIRMED, WAIVED), (p.open, p.confirmed, p.waived), strict=True):
            ws.write_number(r, REVIEW_STATE_COLUMNS[state], int(n), fmt("score"))
        severity = Severity.ERROR if conclusion is not None and conclusion.problem else None
        put(ws, r, CONCLUSION_COL, conclusion.state if conclusion else PENDING, fmt, "center", severity)
        put(ws, r, CONCLUSION_COL + 1, conclusion.reviewer if conclusion else None, fmt, "center")
        put(ws, r, CONCLUSION_COL + 2, conclusion.day if conclusion else None, fmt, "center")
        ws.set_row(
            r,
            fit_height(zip((p.file, p.name, p.unit, unreadable), SUMMARY_FIT_WIDTHS, strict=True)),
        )
    last = max(len(projects), 1)
    _totals(ws, fmt, projects, last + 1)
    for grade, (bg, font) in GRADE_FILLS.items():
        ws.conditional_format(
            1,
            8,
            last,
            8,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{grade}"',
                "format": workbook.add_format({"bg_color": bg, "font_color": font}),
            },
        )
    ws.conditional_format(
        1,
        9,
        last,
        9,
        {
            "type": "cell",
            "criteria": ">",
            "value": 0,
            "format": workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True}),
        },
    )
    if len(projects):
        ws.data_validation(
            1,
            CONCLUSION_COL,
            len(projects),
            CONCLUSION_COL,
            {
                "validate": "list",
                "source": list(CONCLUSIONS),
                "error_type": "warning",
                "error_title": CONCLUSION_HEAD,
                "error_message": "请选择 待审、通过 或 退回修改",
            },
        )
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last, len(SUMMARY_COLUMNS) - 1)
    _landscape(ws)


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
    ws.write_string(r, 1, TOTAL_LABEL, fmt("label"))
    for c in (0, 2, 6, 7, 8, _COLUMN["审核表"], _COLUMN["说明"]):
        ws.write_blank(r, c, None, fmt("label"))
    budget = sum(v for v in map(_py, projects["budget"]) if isinstance(v, (int, float)))
    executed = sum(v for v in map(_py, projects["executed"]) if isinstance(v, (int, float)))
    put(ws, r, 3, budget, fmt, "money")
    put(ws, r, 4, executed, fmt, "money")
    # the rate over the projects that state both (v3: an unknown 执行数 is left out, never 0)
    pairs = [
        (b, e)
        for b, e in zip(map(_py, projects["budget"]), map(_py, projects["executed"]), strict=True)
        if isinstance(b, (int, float)) and isinstance(e, (int, float))
    ]
    known_budget = sum(b for b, _ in pairs)
    put(ws, r, 5, sum(e for _, e in pairs) / known_budget if known_budget else None, fmt, "percent")
    for c, col in enumerate(("errors", "warnings", "infos"), start=9):
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
    for c, (head, width) in enumerate(FINDING_COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
    severities = {s.value: s for s in Severity}
    scored_of = dict(zip(frames.projects["file"], frames.projects["scored"], strict=True))
    r = 0
    for f in frames.findings.itertuples(index=False):
        r += 1
        put(ws, r, 0, f.file, fmt, "text")
        put(ws, r, 1, f.project, fmt, "text")
        put(ws, r, 2, f.severity, fmt, "center", severities.get(f.severity))
        for c, value in enumerate((f.rule, f.sheet, f.cell), start=3):
            put(ws, r, c, value, fmt, "center")
        scored = scored_of.get(f.file)
        if scored and f.sheet and f.cell:  # jump to the cell in its scored workbook
            sheet = sheet_names([f.sheet], RESERVED)[f.sheet]
            anchor = "'{}'!{}".format(sheet.replace("'", "''"), str(f.cell).split(":")[0].replace("$", ""))
            file_link(ws, r, 5, scored, anchor, fmt("link"), clean(str(f.cell)))
        put(ws, r, 6, f.message, fmt, "text")
        for c, value in ((7, _py(f.expected)), (8, _py(f.actual))):
            put(ws, r, c, value, fmt, "score" if isinstance(value, (int, float)) else "center")
        other_at = f"{f.other_sheet}!{f.other_cell}" if f.other_sheet and f.other_cell else f.other_sheet
        put(ws, r, 9, f.other_file, fmt, "text")
        put(ws, r, 10, other_at or None, fmt, "center")
        ws.set_row(
            r,
            fit_height(
                zip(
                    (f.file, f.project, f.message, _py(f.expected), _py(f.actual), f.other_file),
                    FINDING_FIT_WIDTHS,
                    strict=True,
                )
            ),
        )
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r, 1), len(FINDING_COLUMNS) - 1)
    _landscape(ws)


def _write_departments(ws, workbook, fmt: Formats, frames: Frames) -> None:
    """The pivot per 主管部门, and a stacked column chart of its grade counts beside it."""
    for c, (head, width) in enumerate(DEPARTMENT_COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
    pivot = by_department(frames)
    styles = (
        "text",
        "score",
        "money",
        "money",
        "percent",
        "score",
        *("score" for _ in GRADES),
        "score",
        "score",
        "score",
    )
    for r, row in enumerate(pivot.itertuples(index=False), start=1):
        for c, (value, style) in enumerate(zip(row, styles, strict=True)):
            value = _py(value)
            put(ws, r, c, round_half_up(value, 2) if c == 5 and value is not None else value, fmt, style)
        ws.set_row(r, fit_height([(row.department, DEPARTMENT_COLUMNS[0][1])]))
    n = len(pivot)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(n, 1), len(DEPARTMENT_COLUMNS) - 1)
    _landscape(ws)
    if not n:
        return
    chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
    for i, grade in enumerate(GRADES):
        col = 6 + i  # the 等级 columns of DEPARTMENT_COLUMNS
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
    chart.set_y_axis({"name": "项目数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 360})
    ws.insert_chart(n + 3, 0, chart)


def _write_years(ws, fmt: Formats, frames: Frames) -> None:
    """Each project of the batch beside its nearest earlier year (this batch or the archive)."""
    for c, (head, width) in enumerate(YEAR_COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
    f = frames.findings
    lowered: dict[str, list[str]] = {}
    x004 = f[f["rule"] == "X004"]
    if not x004.empty:
        names = frames.indicators.set_index(["file", "target_cell"])["level3"].to_dict()
        for file, cell in zip(x004["file"], x004["cell"], strict=True):
            lowered.setdefault(file, []).append(names.get((file, cell), cell))
    table = year_over_year(frames, lowered)
    styles = ("text", "text", "text", "center", "score", "center", "percent")
    for r, row in enumerate(table.itertuples(index=False), start=1):
        now = (row.name, row.unit, row.file, row.year, row.total, row.grade, row.rate)
        before = (row.prev_file, row.prev_year, row.prev_total, row.prev_grade, row.prev_rate)
        for c, value in enumerate(now):
            put(ws, r, c, _py(value), fmt, styles[c])
        for c, value in enumerate(before, start=7):
            put(ws, r, c, _py(value), fmt, styles[c - 5])
        total, prev = _py(row.total), _py(row.prev_total)
        change = round_half_up(total - prev, 2) if total is not None and prev is not None else None
        put(ws, r, 12, change, fmt, "score")
        put(ws, r, 13, row.lowered, fmt, "text")
        ws.set_row(
            r,
            fit_height(
                zip(
                    (row.name, row.unit, row.file, row.prev_file, row.lowered),
                    (32, 22, 24, 24, 30),
                    strict=True,
                )
            ),
        )
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(len(table), 1), len(YEAR_COLUMNS) - 1)
    _landscape(ws)


def _landscape(ws) -> None:
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(0)
    ws.set_footer("&C第 &P 页 共 &N 页")


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
