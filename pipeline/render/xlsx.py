"""The xlsx layer every workbook we write is built on (the scored workbook and 审核汇总.xlsx):
formats from one table, values written by type (text always as text, cleaned), row heights, sheet
names, findings as fills and notes on cells, print set-up, and the worksheet class to add sheets with.

What a workbook says lives in scored_workbook.py / form.py / summary.py; how it is written, here.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.worksheet import Worksheet

from ..cells import expand_range
from ..model import Cell, Finding, Severity
from .deflate import Zip
from .xlsx_fast import Sheet

OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
PINNED_CREATED = datetime(2000, 1, 1)  # same input -> same bytes; the run may pass its own date
MAX_RANGE_CELLS = 400  # a finding on a range fills at most this many cells
EXCEL_ROWS, EXCEL_COLS, EXCEL_TEXT = 1_048_576, 16_384, 32_767

# ---------------------------------------------------------------- formats: one table
_BASE = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "text_wrap": True}
_BOX = {**_BASE, "border": 1}
STYLES: dict[str, dict] = {
    "title": {
        **_BASE,
        "font_name": "黑体",
        "font_size": 16,
        "bold": True,
        "align": "center",
        "text_wrap": False,
    },
    "subtitle": {**_BASE, "font_size": 11, "align": "center"},
    "label": {**_BOX, "align": "center", "bold": True},
    "head": {**_BOX, "align": "center", "bold": True, "bg_color": "#F2F2F2"},
    "reviewer_head": {
        **_BOX,
        "align": "center",
        "bold": True,
        "bg_color": "#E2EFDA",
    },  # the reviewer's columns
    "text": {**_BOX, "align": "left"},
    "center": {**_BOX, "align": "center"},
    "score": {**_BOX, "align": "center"},  # looks like center; named for what it holds
    # v3: a figure that cannot be verified (无法复核): amber, as a 警告
    "unknown": {**_BOX, "align": "center", "bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "money": {**_BOX, "align": "right", "num_format": "#,##0.00##"},
    "percent": {**_BOX, "align": "center", "num_format": "0.00%"},
    "date": {**_BOX, "align": "center", "num_format": "yyyy-mm-dd"},
    "link": {**_BOX, "align": "center", "font_color": "#0563C1", "underline": 1},
    "note": {**_BASE, "font_size": 9, "align": "left"},
    # 评分明细: a list, not a form: no borders, so blank cells need not be written
    "list_text": {**_BASE, "align": "left", "bottom": 4, "bottom_color": "#BFBFBF"},
    "list_center": {**_BASE, "align": "center", "bottom": 4, "bottom_color": "#BFBFBF"},
    "list_score": {**_BASE, "align": "center", "bottom": 4, "bottom_color": "#BFBFBF"},
    "list_unknown": {
        **_BASE,
        "align": "center",
        "bottom": 4,
        "bottom_color": "#BFBFBF",
        "bg_color": "#FFEB9C",
        "font_color": "#9C5700",
    },
    "list_link": {
        **_BASE,
        "align": "center",
        "font_color": "#0563C1",
        "underline": 1,
        "bottom": 4,
        "bottom_color": "#BFBFBF",
    },
    "list_label": {**_BASE, "align": "left", "bold": True, "bottom": 4, "bottom_color": "#BFBFBF"},
    "copy": {**_BASE, "valign": "top", "num_format": "General"},
    # a copied table's text: from the top, so a cell taller than Excel's 409 pt row loses its end
    # only (centred, it lost its first and last lines in print)
    "table_text": {**_BOX, "align": "left", "valign": "top"},
    "copy_date": {**_BASE, "valign": "top", "num_format": "yyyy-mm-dd"},
    "copy_datetime": {**_BASE, "valign": "top", "num_format": "yyyy-mm-dd hh:mm"},
    "copy_time": {**_BASE, "valign": "top", "num_format": "hh:mm:ss"},
    "copy_duration": {**_BASE, "valign": "top", "num_format": "[h]:mm:ss"},
}
SEVERITY_FILL: dict[Severity, dict] = {
    Severity.ERROR: {"bg_color": "#FFC7CE", "font_color": "#9C0006"},  # red
    Severity.WARNING: {"bg_color": "#FFEB9C", "font_color": "#9C5700"},  # amber
    Severity.INFO: {"bg_color": "#DDEBF7", "font_color": "#1F4E78"},  # blue
}


class Formats:
    """(style, severity) -> xlsxwriter Format, created on first use and reused for the workbook.

    Styles that look the same (score and center) share one Format: xlsxwriter caches the style index
    only on the first Format of a look and would recompute it for a twin at every cell it writes.
    """

    def __init__(self, workbook: xlsxwriter.Workbook):
        self._workbook = workbook
        self._made: dict[tuple[str, Severity | None], object] = {}
        self._by_look: dict[frozenset, object] = {}

    def __call__(self, style: str, severity: Severity | None = None):
        key = (style, severity)
        fmt = self._made.get(key)
        if fmt is None:
            spec = STYLES[style] | (SEVERITY_FILL[severity] if severity else {})
            look = frozenset(spec.items())
            fmt = self._by_look.get(look)
            if fmt is None:
                fmt = self._by_look[look] = self._workbook.add_format(spec)
            self._made[key] = fmt
        return fmt


# ---------------------------------------------------------------- text and values
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """Text as an .xlsx may hold it: line ends as \\n, no XML-illegal characters, ≤ 32767 chars.

    xlsxwriter would write a vertical tab as `_x000B_`, which Excel shows as a box and other
    readers show literally; a lone surrogate would not encode at all.
    """
    if text.isprintable() and len(text) <= EXCEL_TEXT:  # nearly every cell: nothing to clean
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL.sub("", text)[:EXCEL_TEXT]


def _date_style(value: object) -> str:
    if isinstance(value, datetime):
        return "copy_datetime" if value.time() != time() else "copy_date"
    if isinstance(value, date):
        return "copy_date"
    if isinstance(value, time):
        return "copy_time"
    return "copy_duration"


def put(
    ws: Worksheet, r: int, c: int, value: object, fmt: Formats, style: str, severity: Severity | None = None
):
    """Write one value by its type; text always as text. Dates use the date variant of `copy` styles."""
    if isinstance(value, str) and value:
        ws.write_string(r, c, clean(value), fmt(style, severity))
    elif value is None or value == "":
        ws.write_blank(r, c, None, fmt(style, severity))
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt(style, severity))
    elif isinstance(value, (int, float)):
        if math.isfinite(value):
            ws.write_number(r, c, value, fmt(style, severity))
        else:
            ws.write_string(r, c, str(value), fmt(style, severity))
    elif isinstance(value, (datetime, date, time, timedelta)):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        dstyle = _date_style(value) if style.startswith("copy") else "date"
        ws.write_datetime(r, c, value, fmt(dstyle, severity))
    else:
        ws.write_string(r, c, clean(str(value)), fmt(style, severity))


def shown(cell: Cell | None) -> object:
    """What a staff cell showed: its parsed value, or the text typed when it could not be read."""
    if cell is None:
        return None
    if cell.value is None or (isinstance(cell.value, tuple)):
        return cell.raw or None
    return cell.value


def text_width(text: str) -> float:
    """Display width in column units: CJK and other wide characters count about two."""
    return (len(text) + len(text.encode("utf-8", "surrogatepass"))) / 2


@functools.lru_cache(maxsize=16384)  # row heights re-measure the same labels in every workbook
def _lines(text: str, width: float) -> int:
    usable = max(width - 1.5, 2.0)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


# Row heights are set explicitly: neither LibreOffice nor Excel grows a row for wrapped text in a
# file they did not lay out themselves (and never for merged cells).
LINE_HEIGHT, ROW_PAD, MIN_ROW = 13.0, 4.0, 18.0
MAX_ROW = 409.0  # Excel's limit


def fit_height(cells: Iterable[tuple[object, float]], minimum: float = MIN_ROW) -> float:
    """The height (points) a row needs for its (value, column width) pairs."""
    lines = max((_lines(v, w) for v, w in cells if isinstance(v, str) and v), default=1)
    return min(max(lines * LINE_HEIGHT + ROW_PAD, minimum), MAX_ROW)


# the fewest lines that make a row as tall as Excel allows: fit_height(...) >= MAX_ROW exactly then
TALLEST_LINES = math.ceil((MAX_ROW - ROW_PAD) / LINE_HEIGHT)


def too_tall(text: str, width: float) -> bool:
    """fit_height([(text, width)]) >= MAX_ROW, for a non-empty text, without building the pair."""
    return _lines(text, width) >= TALLEST_LINES


# ---------------------------------------------------------------- findings by cell
def finding_order(f: Finding) -> tuple:
    return f.severity.rank, f.rule


def note_text(findings: Iterable[Finding]) -> str:
    """One note for a cell: every finding on it, worst first."""
    ordered = sorted(dict.fromkeys(findings), key=finding_order)
    return "\n".join(f"【{f.severity.value} {f.rule}】{clean(f.message)}" for f in ordered)


@dataclass
class Marks:
    """Where findings land on one sheet: every cell they cover is filled (worst severity wins);
    the note goes on the first cell of each finding, so a range carries one note, not one per cell."""

    fill: dict[tuple[int, int], Severity] = field(default_factory=dict)
    notes: dict[tuple[int, int], list[Finding]] = field(default_factory=dict)

    def add(self, f: Finding, cells: list[tuple[int, int]]) -> None:
        if not cells:
            return
        for rc in cells:
            old = self.fill.get(rc)
            if old is None or f.severity.rank < old.rank:
                self.fill[rc] = f.severity
        note = self.notes.setdefault(cells[0], [])
        if f not in note:
            note.append(f)


def finding_cells(f: Finding) -> list[tuple[int, int]]:
    """The 0-based cells a finding points at (a range is capped); [] when it names no cell."""
    if not f.cell:
        return []
    try:
        cells = expand_range(f.cell.replace("$", ""))
    except ValueError:
        return []
    return [(r, c) for r, c in cells[:MAX_RANGE_CELLS] if r < EXCEL_ROWS and c < EXCEL_COLS]


def comment(ws: Worksheet, r: int, c: int, findings: list[Finding]) -> None:
    text = note_text(findings)
    lines = sum(max(1, math.ceil(text_width(part) / 44)) for part in text.split("\n"))
    ws.write_comment(r, c, text, {"author": "复核", "width": 320, "height": min(20 + 16 * lines, 600)})


# ---------------------------------------------------------------- sheet names
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _utf16_cut(text: str, limit: int) -> str:
    out, used = [], 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            break
        out.append(ch)
    return "".join(out)


def sheet_names(names: Iterable[str], reserved: Iterable[str] = ("History",)) -> dict[str, str]:
    """Input sheet name -> a valid, unique Excel sheet name (≤ 31 chars, none of []:*?/\\)."""
    used = {n.casefold() for n in reserved}
    out: dict[str, str] = {}
    for name in names:
        if name in out:
            continue
        base = _BAD_SHEET_CHARS.sub("_", clean(name)).replace("\n", " ").strip().strip("'")
        base = _utf16_cut(base, 31).strip("'") or "Sheet"
        candidate, n = base, 2
        while candidate.casefold() in used:
            suffix = f"({n})"
            candidate, n = _utf16_cut(base, 31 - len(suffix)) + suffix, n + 1
        used.add(candidate.casefold())
        out[name] = candidate
    return out


def internal_link(sheet: str, cell: str) -> str:
    return "internal:'{}'!{}".format(sheet.replace("'", "''"), cell)


def print_setup(ws: Worksheet, repeat: tuple[int, int] = (0, 0)) -> None:
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.repeat_rows(*repeat)
    ws.set_footer("&C第 &P 页 共 &N 页")


def add_sheet(workbook: xlsxwriter.Workbook, name: str) -> Worksheet:
    """A new worksheet, of xlsx_fast.Sheet: the fast class where it writes the same bytes, else plain."""
    return workbook.add_worksheet(name, Sheet)


# xlsxwriter has no option for the deflate level, and passes each part as a ZipInfo, which zipfile
# would deflate at its own default: it writes into our Zip (deflate.py), under the one name its
# Workbook._store_workbook opens the file with
xlsxwriter.workbook.ZipFile = Zip


def close(workbook: xlsxwriter.Workbook) -> None:
    """Write the workbook, then cut the one reference from its worksheets back to it (a bound
    `add_format` each holds). Left in place, that cycle makes the whole workbook (~1,800 objects:
    cell records, formats, row and column records) garbage that only the cycle collector frees,
    which cost ~2.5 ms a workbook in a batch; cut, reference counting frees it as it goes."""
    workbook.close()
    for ws in workbook.worksheets():
        ws.workbook_add_format = None
