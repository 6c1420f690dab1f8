"""The batch outputs (outputs.md "Per batch"): 审核汇总.xlsx and findings.csv.

Built from findings.json documents (dicts, as `findings_json.document` returns them), never from
`Result`: a workbook skipped as unchanged contributes the findings.json stored by its last run.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import xlsxwriter

from ..decisions import (
    ADJUSTED,
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
from ..model import Severity
from .scored_workbook import RESERVED
from .xlsx import OPTIONS, PINNED_CREATED, Formats, add_sheet, clean, fit_height, put, sheet_names

SUMMARY = "汇总"
ALL_FINDINGS = "全部审核意见"


@dataclass(frozen=True)
class SummaryEntry:
    file: str  # the input file name
    folder: str  # its output subfolder name
    scored_workbook: str | None  # path relative to output/ of its scored workbook; None if unreadable
    doc: dict  # its findings.json document
    conclusion: Conclusion | None = None  # the reviewer's 审核结论 (decisions.py), as stored


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
    # the review (decisions.py): findings per 审核处理, then the reviewer's columns, read back by header
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
)
SUMMARY_FIT_WIDTHS = tuple(SUMMARY_COLUMNS[c][1] for c in (0, 1, 2, 13))  # the columns that wrap

TOTAL_LABEL = "合计"
FINDING_FIT_WIDTHS = tuple(FINDING_COLUMNS[c][1] for c in (0, 1, 6, 7, 8))
CSV_COLUMNS = (
    "file",
    "project",
    "rule",
    "severity",
    "sheet",
    "cell",
    "message",
    "expected",
    "actual",
    "decision",
    "decision_note",
)
GRADE_FILLS = {
    "优": ("#C6EFCE", "#006100"),
    "良": ("#DDEBF7", "#1F4E78"),
    "中": ("#FFEB9C", "#9C5700"),
    "差": ("#FFC7CE", "#9C0006"),
}
LINK_TEXT = "打开"
UNREADABLE_RULE = "I001"


def _project(doc: dict) -> dict:
    return doc.get("project") or {}


def _counts(doc: dict) -> Counter:
    return Counter(f.get("severity") for f in doc.get("findings") or ())


def _ordered(doc: dict) -> list[dict]:
    rank = {s.value: s.rank for s in Severity}
    return sorted(
        doc.get("findings") or (), key=lambda f: (rank.get(f.get("severity"), 9), f.get("rule") or "")
    )


def review_counts(doc: dict) -> Counter:
    """Findings per 审核处理 (absent = 待核实); a 调整 is a confirmed finding the reviewer acted on."""
    counts: Counter = Counter()
    for f in doc.get("findings") or ():
        state = (f.get("decision") or {}).get("state") or OPEN
        counts[CONFIRMED if state == ADJUSTED else state] += 1
    return counts


def summary_workbook(entries: list[SummaryEntry], created: datetime = PINNED_CREATED) -> bytes:
    """审核汇总.xlsx: one row per workbook (汇总), then every finding of every workbook."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, OPTIONS)
    workbook.set_properties({"created": created, "title": "绩效自评审核汇总", "author": ""})
    fmt = Formats(workbook)
    _write_summary(add_sheet(workbook, SUMMARY), workbook, fmt, entries)
    _write_findings(add_sheet(workbook, ALL_FINDINGS), fmt, entries)
    workbook.close()
    return buffer.getvalue()


def _write_summary(ws, workbook, fmt: Formats, entries: list[SummaryEntry]) -> None:
    for c, (head, width) in enumerate(SUMMARY_COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
    for r, e in enumerate(entries, start=1):
        doc, project = e.doc, _project(e.doc)
        computed = doc.get("computed") or {}
        counts = _counts(doc)
        put(ws, r, 0, e.file, fmt, "text")
        put(ws, r, 1, project.get("name"), fmt, "text")
        put(ws, r, 2, project.get("unit"), fmt, "text")
        put(ws, r, 3, computed.get("budget"), fmt, "money")
        put(ws, r, 4, computed.get("executed"), fmt, "money")
        put(ws, r, 5, computed.get("execution_rate"), fmt, "percent")
        put(ws, r, 6, (doc.get("claimed") or {}).get("total"), fmt, "score")
        put(ws, r, 7, computed.get("total"), fmt, "score")
        put(ws, r, 8, computed.get("grade"), fmt, "center")
        for c, severity in enumerate(Severity, start=9):
            ws.write_number(r, c, counts.get(severity.value, 0), fmt("score"))
        link = _COLUMN["审核表"]
        if not (e.scored_workbook and file_link(ws, r, link, e.scored_workbook, "", fmt("link"), LINK_TEXT)):
            put(ws, r, link, e.scored_workbook, fmt, "text" if e.scored_workbook else "center")
        unreadable = [
            f.get("message") or "" for f in doc.get("findings") or () if f.get("rule") == UNREADABLE_RULE
        ]
        conclusion = e.conclusion
        # 说明: why it could not be read, and any reviewer's entry that could not be applied
        notes = [*unreadable, *((f.get("decision") or {}).get("problem") for f in doc.get("findings") or ())]
        if conclusion is not None:
            notes.append(conclusion.problem)
        unreadable = [n for n in notes if n]
        put(ws, r, _COLUMN["说明"], "；".join(unreadable), fmt, "text")
        states = review_counts(doc)
        for state, c in REVIEW_STATE_COLUMNS.items():
            ws.write_number(r, c, states.get(state, 0), fmt("score"))
        severity = Severity.ERROR if conclusion is not None and conclusion.problem else None
        put(ws, r, CONCLUSION_COL, conclusion.state if conclusion else PENDING, fmt, "center", severity)
        put(ws, r, CONCLUSION_COL + 1, conclusion.reviewer if conclusion else None, fmt, "center")
        put(ws, r, CONCLUSION_COL + 2, conclusion.day if conclusion else None, fmt, "center")
        ws.set_row(
            r,
            fit_height(
                zip(
                    (e.file, project.get("name"), project.get("unit"), "；".join(unreadable)),
                    SUMMARY_FIT_WIDTHS,
                    strict=True,
                )
            ),
        )
    last = max(len(entries), 1)
    _totals(ws, fmt, entries, last + 1)
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
    if entries:
        ws.data_validation(
            1,
            CONCLUSION_COL,
            len(entries),
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


def _escape_path(path: str) -> str:
    """A relative path as Excel writes it into a link. Escaped here, not by xlsxwriter, which would
    take a `#` in a file name for the start of an anchor (and then leaves %-escaped text alone)."""
    return "".join(_URL_ESCAPES.get(ch, ch) for ch in clean(path).replace("\\", "/"))


def _totals(ws, fmt: Formats, entries: list[SummaryEntry], r: int) -> None:
    """A 合计 line under the list (outside its filter): Σ预算, Σ执行数 and their rate, Σ of each count.
    Values, not formulas: nothing in this workbook is a formula."""
    docs = [e.doc.get("computed") or {} for e in entries]
    # labelled under 项目名称 with 文件 left blank: a reviewer's 审核结论 is read back by 文件, and
    # this line is no workbook
    ws.write_string(r, 1, TOTAL_LABEL, fmt("label"))
    for c in (0, 2, 6, 7, 8, _COLUMN["审核表"], _COLUMN["说明"]):
        ws.write_blank(r, c, None, fmt("label"))
    budget = sum(d["budget"] for d in docs if isinstance(d.get("budget"), (int, float)))
    executed = sum(d["executed"] for d in docs if isinstance(d.get("executed"), (int, float)))
    put(ws, r, 3, budget, fmt, "money")
    put(ws, r, 4, executed, fmt, "money")
    put(ws, r, 5, executed / budget if budget else None, fmt, "percent")
    for c, severity in enumerate(Severity, start=9):
        ws.write_number(r, c, sum(_counts(e.doc).get(severity.value, 0) for e in entries), fmt("score"))


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


def _write_findings(ws, fmt: Formats, entries: list[SummaryEntry]) -> None:
    for c, (head, width) in enumerate(FINDING_COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
    r = 0
    for e in entries:
        name = _project(e.doc).get("name")
        for f in _ordered(e.doc):
            r += 1
            severity = next((s for s in Severity if s.value == f.get("severity")), None)
            put(ws, r, 0, e.file, fmt, "text")
            put(ws, r, 1, name, fmt, "text")
            put(ws, r, 2, f.get("severity"), fmt, "center", severity)
            for c, key in enumerate(("rule", "sheet", "cell"), start=3):
                put(ws, r, c, f.get(key), fmt, "center")
            if (
                e.scored_workbook and f.get("sheet") and f.get("cell")
            ):  # jump to the cell in its scored workbook
                sheet = sheet_names([f["sheet"]], RESERVED)[f["sheet"]]
                anchor = "'{}'!{}".format(
                    sheet.replace("'", "''"), str(f["cell"]).split(":")[0].replace("$", "")
                )
                file_link(ws, r, 5, e.scored_workbook, anchor, fmt("link"), clean(str(f["cell"])))
            put(ws, r, 6, f.get("message"), fmt, "text")
            for c, key in ((7, "expected"), (8, "actual")):
                value = f.get(key)
                put(ws, r, c, value, fmt, "score" if isinstance(value, (int, float)) else "center")
            ws.set_row(
                r,
                fit_height(
                    zip(
                        (e.file, name, f.get("message"), f.get("expected"), f.get("actual")),
                        FINDING_FIT_WIDTHS,
                        strict=True,
                    )
                ),
            )
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r, 1), len(FINDING_COLUMNS) - 1)
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


def findings_csv(entries: list[SummaryEntry]) -> bytes:
    """findings.csv: every finding of every workbook, UTF-8 with BOM so Excel reads the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        name = _project(e.doc).get("name")
        for f in _ordered(e.doc):
            writer.writerow(
                [
                    _csv_value(v)
                    for v in (
                        e.file,
                        name,
                        f.get("rule"),
                        f.get("severity"),
                        f.get("sheet"),
                        f.get("cell"),
                        f.get("message"),
                        f.get("expected"),
                        f.get("actual"),
                        (f.get("decision") or {}).get("state") or OPEN,
                        (f.get("decision") or {}).get("note"),
                    )
                ]
            )
    return out.getvalue().encode("utf-8-sig")
