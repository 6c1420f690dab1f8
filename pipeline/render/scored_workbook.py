"""The scored workbook (outputs.md): the official 自评表, 审核意见, 评分明细, then the input sheets.

Finished values in, bytes out: every score comes from `result.scores`, every problem from
`result.findings`; nothing here recomputes. Text that came from a workbook is always written with
`write_string` (never a formula, whatever it starts with), stripped of XML-illegal characters.
The form is form.py; how cells are written (formats, heights, notes), xlsx.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from io import BytesIO

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .. import AUTHOR, sheets
from ..cells import a1, parse_a1
from ..decisions import OPEN, RETIRED
from ..display import percent, show, wan
from ..messages import MSG
from ..model import NO_REVIEW, Decision, Finding, Result, Review, Scores, Severity
from ..schema import template_widths
from ..values import normalize_label
from .form import ADJUSTED_LABEL, FORM, form_layout, form_marks, write_form
from .xlsx import (
    OPTIONS,
    PINNED_CREATED,
    Formats,
    Marks,
    add_sheet,
    clean,
    close,
    comment,
    finding_cells,
    finding_order,
    fit_height,
    internal_link,
    print_setup,
    put,
    sheet_names,
    shown,
    text_width,
    too_tall,
)

REVIEW = sheets.REVIEW.name
DETAIL = sheets.DETAIL.name
RECORD = sheets.RECORD.name
RESERVED = (FORM, REVIEW, DETAIL, RECORD, "History")  # Excel reserves "History"


def _norm_cell(cell: str) -> str:
    try:
        return a1(*parse_a1(cell.replace("$", "")))
    except ValueError:
        return cell


# ---------------------------------------------------------------- 审核意见
# the reviewer's columns: batch/reviewer.py reads them back by their headers
STATE_COL, NOTE_COL = sheets.REVIEW.col(sheets.STATE_HEAD), sheets.REVIEW.col(sheets.NOTE_HEAD)


def _write_review(
    ws: Worksheet,
    fmt: Formats,
    findings: list[Finding],
    target_of: Callable[[str], str | None],
    review: Review = NO_REVIEW,
) -> None:
    for c, column in enumerate(sheets.REVIEW.columns):
        ws.set_column(c, c, column.width)
        ws.write_string(0, c, column.head, fmt("reviewer_head" if c >= STATE_COL else "head"))
    ordered = sorted(findings, key=finding_order)
    for r, f in enumerate(ordered, start=1):
        decision = review.decided.get(f)
        # what the reviewer typed stays, even when it cannot be applied (the note says why)
        put(ws, r, STATE_COL, decision.state if decision else OPEN, fmt, "center", _problem(decision))
        put(ws, r, NOTE_COL, decision.note if decision else None, fmt, "text")
        if decision is not None and decision.problem:
            ws.write_comment(r, STATE_COL, decision.problem, {"author": "复核", "width": 320, "height": 90})
        ws.write_string(r, 0, f.severity.value, fmt("center", f.severity))
        ws.write_string(r, 1, f.rule, fmt("center"))
        put(ws, r, 2, f.sheet, fmt, "center")
        target = target_of(f.sheet)
        if target and finding_cells(f):
            cell = ":".join(_norm_cell(part) for part in f.cell.split(":"))
            ws.write_url(
                r, 3, internal_link(target, cell), fmt("link"), string=cell, tip=f"转到 {target}!{cell}"[:255]
            )
        else:
            put(ws, r, 3, f.cell, fmt, "center")
        put(ws, r, 4, f.message, fmt, "text")
        put(ws, r, 5, f.expected, fmt, "score" if isinstance(f.expected, (int, float)) else "center")
        put(ws, r, 6, f.actual, fmt, "score" if isinstance(f.actual, (int, float)) else "center")
        wrapped = (f.sheet, f.message, f.expected, f.actual)
        ws.set_row(r, fit_height(zip(wrapped, sheets.REVIEW.wrap_widths, strict=True)))
    if not ordered:
        ws.merge_range(1, 0, 1, sheets.REVIEW.last, MSG["R_no_findings"], fmt("center"))
    else:
        state = sheets.REVIEW.columns[STATE_COL]
        ws.data_validation(
            1,
            STATE_COL,
            len(ordered),
            STATE_COL,
            {
                "validate": "list",
                "source": list(state.choices),
                "error_type": "warning",  # Excel warns; a value it lets through is checked on the next run
                "error_title": state.head,
                "error_message": f"请选择 {sheets.choice_list(state.choices)}",
                "input_title": state.head,
                "input_message": "调整：在审核说明中填写调整后的得分（仅定性指标）",
            },
        )
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(ordered), 1), sheets.REVIEW.last)
    print_setup(ws)


def _problem(decision: Decision | None) -> Severity | None:
    return Severity.ERROR if decision is not None and decision.problem else None


# ---------------------------------------------------------------- 审核记录


def _write_record(ws: Worksheet, fmt: Formats, review: Review) -> None:
    """Decisions that no longer apply (已失效, with the old text) and those that cannot be applied."""
    columns = sheets.RECORD.columns
    for c, column in enumerate(columns):
        ws.set_column(c, c, column.width)
        ws.write_string(0, c, column.head, fmt("head"))
    rows = [(d, RETIRED, MSG["D_retired_note"]) for d in review.retired]
    rows += [(d, "未采用", d.problem) for d in review.problems]
    for r, (d, status, why) in enumerate(rows, start=1):
        k = d.key
        values = (status, k.rule, k.location, k.expected, k.actual, d.state, d.note, d.by, d.at, why)
        for c, value in enumerate(values):
            put(ws, r, c, value, fmt, columns[c].style)
        wrapped = (values[c] for c in sheets.RECORD.wrapped)
        ws.set_row(r, fit_height(zip(wrapped, sheets.RECORD.wrap_widths, strict=True)))
    ws.freeze_panes(1, 0)
    print_setup(ws)


# ---------------------------------------------------------------- 评分明细
# the printable height of an A4 landscape page (print_setup's margins), in points: a list up to
# a third longer is shrunk onto one page rather than leave its last rows alone on a second
PAGE_HEIGHT_PT = (210 / 25.4 - 0.5 - 0.6) * 72
PAGE_WIDTH_PT = (297 / 25.4 - 0.4 - 0.4) * 72
SHRINK_TO_ONE_PAGE = 4 / 3


def _detail_lines(result: Result, s: Scores) -> list[dict]:
    """The lines of 评分明细: each indicator, the 预算执行率 line, the 二级 subtotals, the totals."""
    by_row = {ind.row: ind for ind in result.project.indicators}
    lines: list[dict] = []
    for sc in s.indicators:
        ind = by_row.get(sc.row)
        lines.append(
            {
                "row": sc.row,
                "sheet": ind.level3.ref.sheet if ind and ind.level3.ref else "",
                "level1": ind.level1.name if ind else None,
                "level2": ind.level2.name if ind else None,
                "level3": shown(ind.level3) if ind else None,
                "kind": sc.kind,
                "method": ADJUSTED_LABEL if sc.adjusted else sc.method,
                "weight": sc.weight,
                "claimed": sc.claimed,
                "computed": UNKNOWN if sc.unknown else sc.computed,
                "level": sc.level,
                "band": f"{show(sc.band[0], s.decimals)}–{show(sc.band[1], s.decimals)}" if sc.band else None,
                "how": sc.arithmetic,
            }
        )
    rate = percent(s.execution_rate) or "—"
    lines.append(
        {
            "label": "预算执行率",
            "kind": "定量",
            "method": "执行率",
            "weight": s.budget_weight,
            "computed": s.budget_score,
            "how": MSG["R_budget_line"].format(rate=rate, executed=wan(s.executed), budget=wan(s.budget)),
        }
        if s.budget_score is not None or s.known
        else {  # v3: 全年执行数 or its base is unknown
            "label": "预算执行率",
            "kind": "定量",
            "method": "执行率",
            "weight": s.budget_weight,
            "computed": UNKNOWN,
            "how": s.budget_arithmetic,
        }
    )
    lines += [
        {
            "label": t.level1,
            "level2": t.level2,
            "level3": "小计",
            "weight": _known(t.weight),
            "claimed": t.claimed,
            "computed": _known(t.computed),
        }
        for t in s.subtotals
    ]
    lines.append(
        {"label": "指标合计", "weight": _known(s.indicator_weight), "computed": _known(s.indicator_score)}
    )
    info = result.project.info
    total = {
        "label": "总分",
        "weight": _known(s.weight_total),
        "claimed": shown(info.claimed_total),
        "computed": _known(s.raw_total),
    }
    lines.append(total)
    if not s.known:  # v3: the cells that block it, and what was verified
        total["how"] = s.total_arithmetic
    elif s.rescaled:
        total["how"] = MSG["R_rescaled"].format(
            raw=show(s.raw_total, s.decimals),
            weight=show(s.weight_total, s.decimals),
            scale=show(s.scale, s.decimals),
            total=show(s.total, s.decimals),
        )
        lines.append({"label": "总分（百分制）", "weight": s.scale, "computed": s.total})
    lines.append({"label": "等级", "claimed": shown(info.claimed_grade), "computed": _known(s.grade)})
    return lines


UNKNOWN = MSG["R_unknown"]  # v3: shown (amber) where a figure the workbook does not give would be


def _known(value: float | str | None) -> float | str:
    """A summary figure, or 无法复核 when it depends on an unknown one (scoring.md v3)."""
    return UNKNOWN if value is None else value


def _write_detail(
    ws: Worksheet, fmt: Formats, lines: list[dict], target_of: Callable[[str], str | None]
) -> None:
    columns = sheets.DETAIL.columns
    for c, column in enumerate(columns):
        ws.set_column(c, c, column.width)
        ws.write_string(0, c, column.head, fmt("head"))
    total_height = fit_height([("", 1)])
    for r, line in enumerate(lines, start=1):
        label = line.get("label")  # a summary line: its label in the 一级指标 column, bold
        texts = []  # (text, column width): what sets the row height
        for c, column in enumerate(columns):
            key, width, style = column.key, column.width, column.style
            value = label if label is not None and key == "level1" else line.get(key)
            if value is None or value == "":
                ws.write_blank(r, c, None, fmt(style))  # the row's rule runs under empty cells too
                continue
            if label is not None and key == "level1":
                style = "list_label"
            elif value == UNKNOWN:
                style = "list_unknown"
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                style = "list_score"
            put(ws, r, c, value, fmt, style)
            if isinstance(value, str):
                texts.append((value, width))
        target = target_of(line["sheet"]) if line.get("sheet") else None
        if target:  # 行号 jumps to the row in the copied 绩效指标
            ws.write_url(
                r, 0, internal_link(target, f"A{line['row']}"), fmt("list_link"), string=str(line["row"])
            )
            ws.write_number(r, 0, line["row"], fmt("list_link"))  # keeps the link, shows a number
        height = fit_height(texts)
        total_height += height
        ws.set_row(r, height)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(lines), 1), sheets.DETAIL.last)
    print_setup(ws, repeat=(0, 0))
    width_pt = sum(int(column.width * 7 + 5) * 0.75 for column in columns)
    to_width = min(1.0, PAGE_WIDTH_PT / width_pt)  # what fit-to-width shrinks it by anyway
    if total_height * to_width <= PAGE_HEIGHT_PT * SHRINK_TO_ONE_PAGE:
        ws.fit_to_pages(1, 1)


# ---------------------------------------------------------------- the input sheets
COPY_MIN_WIDTH, COPY_MAX_WIDTH = 6.0, 50.0
COPY_LONG_WIDTH = 120.0  # about the width of a landscape page: the most a long text is given
MONEY_WORDS = ("预算数", "执行数", "金额", "万元", "资金")
HEADER_SEARCH_ROWS = 5  # staff put a title row or two above the header


def _header_row(rows: list[list[object]], known: dict[str, float]) -> int | None:
    """The row holding the template's header (two of its labels at least), near the top."""
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(isinstance(v, str) and normalize_label(v) in known for v in row) >= 2:
            return r
    return None


def _write_copy(ws: Worksheet, fmt: Formats, rows: list[list[object]], marks: Marks, name: str = "") -> None:
    """An input sheet as the unit filled it: the template's column widths, header style, borders and
    frozen header where the sheet is one of the template's; findings filled and noted in place."""
    fill = marks.fill
    known = template_widths(name)
    head = _header_row(rows, known) if known else None
    boxed = head is not None  # the table from its header down: bordered, as the template draws it
    widths: dict[int, float] = {}
    if boxed:
        for c, value in enumerate(rows[head]):
            if isinstance(value, str) and normalize_label(value) in known:
                widths[c] = known[normalize_label(value)]
    fixed_width = set(widths)
    width_of = len(max(rows, key=len)) if rows else 0
    texts: list[tuple[int, list[tuple[int, str]]]] = []  # (row, its text cells): what sets row heights
    # a number in a copied table keeps the format of what its column holds (执行率 as 100.00%, not 1)
    number_style = {
        c: ("percent" if "率" in value else "money" if any(w in value for w in MONEY_WORDS) else "text")
        for c, value in enumerate(rows[head] if boxed else ())
        if isinstance(value, str)
    }
    write_string = ws.write_string
    for r, row in enumerate(rows):
        row_texts = []
        in_table = boxed and r >= head
        style = ("head" if r == head else "table_text") if in_table else "copy"
        row_fmt = fmt(style)
        for c in range(width_of if in_table else len(row)):
            value = row[c] if c < len(row) else None
            severity = fill.get((r, c)) if fill else None
            if isinstance(value, str) and value:  # most cells: text
                write_string(r, c, clean(value), fmt(style, severity) if severity else row_fmt)
                row_texts.append((c, value))
                w = min(text_width(value) + 2, COPY_MAX_WIDTH)
            elif value is None or value == "":
                if severity or in_table:
                    ws.write_blank(r, c, None, fmt(style, severity))
                continue
            else:
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                cell_style = number_style.get(c, "text") if in_table and r != head and number else style
                if cell_style == "percent" and not 0 <= value <= 5:  # typed as 97 (per cent): as typed
                    cell_style = "text"
                put(ws, r, c, value, fmt, cell_style, severity)
                w = 12.0
            if c not in fixed_width and w > widths.get(c, 0):
                widths[c] = w
        if row_texts:
            texts.append((r, row_texts))
    for (r, c), severity in fill.items():
        if r >= len(rows) or c >= len(rows[r]):  # beyond the data: still a visible, filled cell
            ws.write_blank(r, c, None, fmt("copy", severity))
    for (r, c), found in marks.notes.items():
        comment(ws, r, c, found)
    for c, w in widths.items():
        widths[c] = max(w, COPY_MIN_WIDTH)
    # a text taller than Excel's tallest row (409 pt) widens its column, up to a landscape page
    for _, row_texts in texts:
        for c, value in row_texts:
            width = widths.get(c, COPY_MIN_WIDTH)
            while width < COPY_LONG_WIDTH and too_tall(value, width):
                width = min(width + 10, COPY_LONG_WIDTH)
            widths[c] = width
    for c, w in widths.items():
        ws.set_column(c, c, w)
    for r, row_texts in texts:
        ws.set_row(r, fit_height((value, widths.get(c, COPY_MIN_WIDTH)) for c, value in row_texts))
    if boxed:
        ws.freeze_panes(head + 1, 0)
    print_setup(ws, repeat=(head, head) if boxed else (0, 0))


# ---------------------------------------------------------------- the workbook
def resolver(sheets: Iterable[str]):
    """finding sheet -> input sheet name (exact, else the loader's normalised name): for the report."""
    return _resolver(dict.fromkeys(sheets))


def _resolver(copies: dict[str, str]):
    """finding sheet -> input sheet key in `copies` (exact name, else the loader's normalised name)."""
    by_norm = {normalize_label(name): name for name in copies}

    def resolve(sheet: str) -> str | None:
        if sheet in copies:
            return sheet
        return by_norm.get(normalize_label(sheet)) if sheet else None

    return resolve


def scored_workbook(result: Result, created: datetime = PINNED_CREATED) -> bytes:
    """The scored workbook of one readable workbook (an unreadable one has none: outputs.md)."""
    s = result.scores
    if s is None:
        raise ValueError(
            f"{result.project.file}: no scores (unreadable workbook) - no scored workbook to render"
        )
    findings = list(result.findings)
    sheets = dict(result.project.sheets)
    resolve = _resolver(sheets)
    for f in findings:  # a finding on a sheet that was not copied still gets a sheet to land on
        if f.sheet and finding_cells(f) and resolve(f.sheet) is None:
            sheets.setdefault(f.sheet, [])
            resolve = _resolver(sheets)
    names = sheet_names(sheets, RESERVED)

    def target_of(sheet: str) -> str | None:
        key = resolve(sheet)
        return names[key] if key is not None else None

    marks = {name: Marks() for name in sheets}
    for f in findings:
        key = resolve(f.sheet)
        if key is not None:
            marks[key].add(f, finding_cells(f))

    lay = form_layout(result, s)
    placed = form_marks(lay, findings, resolve)

    buffer = BytesIO()
    workbook = xlsxwriter.Workbook(buffer, OPTIONS)
    workbook.set_properties(
        {
            "created": created,
            "title": clean(f"{shown(result.project.info.name) or ''}绩效自评表"),
            "author": AUTHOR,
            "comments": "复核评分与审核意见",
        }
    )
    fmt = Formats(workbook)
    write_form(add_sheet(workbook, FORM), fmt, lay, placed)
    _write_review(add_sheet(workbook, REVIEW), fmt, findings, target_of, result.review)
    _write_detail(add_sheet(workbook, DETAIL), fmt, _detail_lines(result, s), target_of)
    if result.review.retired or result.review.problems:
        _write_record(add_sheet(workbook, RECORD), fmt, result.review)
    for key, rows in sheets.items():
        _write_copy(add_sheet(workbook, names[key]), fmt, rows, marks[key], key)
    close(workbook)
    return buffer.getvalue()
