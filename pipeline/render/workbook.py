"""The scored workbook (outputs.md): the official 自评表, 审核意见, 评分明细, then the input sheets.

Finished values in, bytes out: every score comes from `result.scores`, every problem from
`result.findings`; nothing here recomputes. Text that came from a workbook is always written with
`write_string` (never a formula, whatever it starts with), stripped of XML-illegal characters.
Formats live in one table and are created once per workbook; column layouts are data.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..cells import a1, expand_range, parse_a1
from ..messages import MSG
from ..model import Cell, Finding, Indicator, IndicatorScore, Result, Scores, Severity
from ..values import normalize_label
from .xlsx import Sheet, close

OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
PINNED_CREATED = datetime(2000, 1, 1)  # same input -> same bytes; the run may pass its own date
FORM = "项目支出绩效自评表"
REVIEW = "审核意见"
DETAIL = "评分明细"
RESERVED = (FORM, REVIEW, DETAIL, "History")  # Excel reserves "History"
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
    "text": {**_BOX, "align": "left"},
    "center": {**_BOX, "align": "center"},
    "score": {**_BOX, "align": "center"},  # looks like center; named for what it holds
    "money": {**_BOX, "align": "right", "num_format": "#,##0.00##"},
    "percent": {**_BOX, "align": "center", "num_format": "0.00%"},
    "date": {**_BOX, "align": "center", "num_format": "yyyy-mm-dd"},
    "link": {**_BOX, "align": "center", "font_color": "#0563C1", "underline": 1},
    "note": {**_BASE, "font_size": 9, "align": "left"},
    # 评分明细: a list, not a form: no borders, so blank cells need not be written
    "list_text": {**_BASE, "align": "left", "bottom": 4, "bottom_color": "#BFBFBF"},
    "list_center": {**_BASE, "align": "center", "bottom": 4, "bottom_color": "#BFBFBF"},
    "list_score": {**_BASE, "align": "center", "bottom": 4, "bottom_color": "#BFBFBF"},
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


def number_text(x: float | None) -> str:
    """94.55 -> '94.55', 104.0 -> '104', None -> ''."""
    if x is None:
        return ""
    return f"{x:.4f}".rstrip("0").rstrip(".")


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


def _comment(ws: Worksheet, r: int, c: int, findings: list[Finding]) -> None:
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


def sheet_names(names: Iterable[str], reserved: Iterable[str] = RESERVED) -> dict[str, str]:
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


# ---------------------------------------------------------------- the official form
# 财预〔2020〕10号 附件 layout; ours adds 复核得分 and an 等级 line.
FORM_WIDTHS = (6, 13, 14, 24, 19, 15, 6, 8, 10, 25)  # A..J, fits A4 landscape at 100%
INDICATOR_HEAD = (
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "自评得分",
    "复核得分",
    "偏差原因分析及改进措施",
)
FUND_HEAD = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
FUND_LINES = (
    ("年度资金总额", "年度资金总额"),
    ("财政拨款", "其中：当年财政拨款"),
    ("上年结转资金", "　　　上年结转资金"),
    ("其他资金", "　　　其他资金"),
)


@dataclass
class _Item:
    r0: int
    c0: int
    r1: int
    c1: int
    value: object
    style: str


@dataclass
class _Layout:
    """The form as placed items, plus which input cell each form cell shows (finding -> form cell)."""

    widths: tuple[float, ...]
    items: list[_Item] = field(default_factory=list)
    # (input sheet, row, col) of a value -> the form cell (row, col) that shows it
    sources: dict[tuple[str, int, int], tuple[int, int]] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)

    def put(
        self,
        r: int,
        c: int,
        value: object,
        style: str,
        to: tuple[int, int] | None = None,
        src: Iterable[object] = (),
        fit: bool = True,
    ) -> None:
        r1, c1 = to or (r, c)
        self.items.append(_Item(r, c, r1, c1, value, style))
        for s in src:
            ref = getattr(s, "ref", None)
            at = _address(ref.cell) if ref is not None and ref.cell else None
            if at is not None:
                self.sources.setdefault((ref.sheet, *at), (r, c))
        if fit and isinstance(value, str) and value and r1 == r:
            need = fit_height(((value, sum(self.widths[c : c1 + 1])),))
            self.heights[r] = max(self.heights.get(r, MIN_ROW), need)
        self.heights.setdefault(r, MIN_ROW)


@functools.lru_cache(maxsize=4096)  # every workbook of a template names the same cells
def _address(cell: str) -> tuple[int, int] | None:
    """A source's A1 address -> 0-based (row, col); None for one that is no address (it shows nowhere)."""
    try:
        return parse_a1(cell.replace("$", ""))
    except ValueError:
        return None


def _norm_cell(cell: str) -> str:
    try:
        return a1(*parse_a1(cell.replace("$", "")))
    except ValueError:
        return cell


def _level_label(name: str, weight: float | None) -> str:
    return f"{name}({number_text(weight)}分)" if name and weight is not None else name


def _runs(keys: list[object]) -> list[tuple[int, int]]:
    """Runs of equal consecutive keys: [(first, last)] indexes."""
    runs: list[tuple[int, int]] = []
    for i, key in enumerate(keys):
        if runs and keys[runs[-1][0]] == key:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def form_layout(result: Result, s: Scores) -> _Layout:
    """The official form as placed items: the scored workbook's first sheet and the report's 附件1."""
    p, info = result.project, result.project.info
    lay = _Layout(FORM_WIDTHS)
    last = len(FORM_WIDTHS) - 1
    year = info.year.value
    lay.put(0, 0, FORM, "title", (0, last), fit=False)
    lay.heights[0] = 30
    lay.put(1, 0, f"（{year}年度）" if year else "（    年度）", "subtitle", (1, last), [info.year])
    lay.put(2, 0, "项目名称", "label", (2, 1))
    lay.put(2, 2, shown(info.name), "text", (2, last), [info.name])
    lay.put(3, 0, "主管部门", "label", (3, 1))
    lay.put(3, 2, shown(info.department), "text", (3, 4), [info.department])
    lay.put(3, 5, "实施单位", "label", (3, 6))
    lay.put(3, 7, shown(info.unit), "text", (3, last), [info.unit])

    # 项目资金 block: the 预算执行率 line's 分值 / 执行率 / 得分 live here
    top = 4
    lay.put(top, 0, "项目资金\n（万元）", "label", (top + len(FUND_LINES), 0), fit=False)
    lay.put(top, 1, "", "label", (top, 2))
    for i, head in enumerate(FUND_HEAD):
        lay.put(top, 3 + i, head, "head")
    lay.put(top, last, "", "label", (top + len(FUND_LINES), last))
    for i, (source, label) in enumerate(FUND_LINES, start=top + 1):
        row = p.funds.get(source)
        lay.put(i, 1, label, "text", (i, 2))
        for c, cell in zip(
            (3, 4, 5), (row.initial, row.adjusted, row.executed) if row else (None,) * 3, strict=True
        ):
            value = shown(cell)
            lay.put(i, c, value, "money" if isinstance(value, (int, float)) else "center", src=[cell])
        if source == "年度资金总额":
            lay.put(i, 6, s.budget_weight, "score")
            lay.put(i, 7, s.execution_rate, "percent")
            lay.put(i, 8, s.budget_score, "score")
        else:
            lay.put(i, 6, "—", "center")
            rate = shown(row.rate) if row else None  # the unit's own figure on a 其中 line
            lay.put(
                i,
                7,
                rate,
                "percent" if isinstance(rate, (int, float)) else "center",
                src=[row.rate] if row else (),
            )
            lay.put(i, 8, "—", "center")
    r = top + len(FUND_LINES) + 1

    # 年度总体目标
    goals = p.goals or ()
    n = max(len(goals), 1)
    lay.put(r, 0, "年度\n总体\n目标", "label", (r + n, 0), fit=False)
    lay.put(r, 1, "预期目标", "head", (r, 5))
    lay.put(r, 6, "实际完成情况", "head", (r, last))
    for i in range(n):
        g = goals[i] if goals else None
        lay.put(
            r + 1 + i, 1, shown(g.expected) if g else None, "text", (r + 1 + i, 5), [g.expected] if g else ()
        )
        lay.put(
            r + 1 + i, 6, shown(g.actual) if g else None, "text", (r + 1 + i, last), [g.actual] if g else ()
        )
    r += n + 1

    # 绩效指标
    inds = list(p.indicators)
    scored = {sc.row: sc for sc in s.indicators}
    sub_weight = {(t.level1, t.level2): t.weight for t in s.subtotals}
    lay.put(r, 0, "绩效\n指标", "label", (r + max(len(inds), 1), 0), fit=False)
    for i, head in enumerate(INDICATOR_HEAD, start=1):
        lay.put(r, i, head, "head")
    first = r + 1
    for a, b in _runs([ind.level1.name for ind in inds]):
        name = inds[a].level1.name
        lay.put(
            first + a,
            1,
            _level_label(name, s.level1_weights.get(name)),
            "center",
            (first + b, 1),
            [ind.level1 for ind in inds[a : b + 1]],
            fit=a == b,
        )
        for c, d in _runs([(inds[a].level1.name, ind.level2.name) for ind in inds[a : b + 1]]):
            l2 = inds[a + c].level2.name
            lay.put(
                first + a + c,
                2,
                _level_label(l2, sub_weight.get((name, l2))),
                "center",
                (first + a + d, 2),
                [ind.level2 for ind in inds[a + c : a + d + 1]],
                fit=c == d,
            )
    for i, ind in enumerate(inds):
        _indicator_line(lay, first + i, ind, scored.get(ind.row))
    if not inds:
        for c in range(1, last + 1):
            lay.put(first, c, None, "center")
    r = first + max(len(inds), 1)

    # 总分 and 等级
    rescaled = abs(s.weight_total - 100) > 1e-9
    lay.put(r, 0, "总分", "label", (r, 5))
    lay.put(r, 6, s.weight_total, "score")
    lay.put(r, 7, shown(info.claimed_total), "score", src=[info.claimed_total])
    if rescaled:
        lay.put(
            r,
            8,
            f"{number_text(s.raw_total)} / {number_text(s.weight_total)} → {number_text(s.total)}",
            "center",
        )
        lay.put(
            r,
            last,
            MSG["R_rescaled"].format(
                raw=number_text(s.raw_total), weight=number_text(s.weight_total), total=number_text(s.total)
            ),
            "text",
        )
    else:
        lay.put(r, 8, s.total, "score")
        lay.put(r, last, None, "text")
    lay.put(r + 1, 0, "等级", "label", (r + 1, 5))
    lay.put(r + 1, 6, None, "center")
    lay.put(r + 1, 7, shown(info.claimed_grade), "center", src=[info.claimed_grade])
    lay.put(r + 1, 8, s.grade, "center")
    lay.put(r + 1, last, None, "text")
    lay.put(r + 2, 0, MSG["R_form_note"], "note", (r + 2, last))
    return lay


def form_marks(lay: _Layout, findings: Iterable[Finding], resolve: Callable[[str], str | None]) -> Marks:
    """The form cells showing the values the findings point at (the note on the first of each)."""
    placed = Marks()
    for f in findings:
        key = resolve(f.sheet)
        if key is not None:
            anchors = {lay.sources.get((key, r, c)) for r, c in finding_cells(f)} - {None}
            placed.add(f, sorted(anchors))
    return placed


def resolver(sheets: Iterable[str]) -> Callable[[str], str | None]:
    """finding sheet -> input sheet name (exact name, else the loader's normalised name)."""
    return _resolver(dict.fromkeys(sheets))


def _indicator_line(lay: _Layout, r: int, ind: Indicator, sc: IndicatorScore | None) -> None:
    lay.put(r, 3, shown(ind.level3), "text", src=[ind.level3, ind.nature])
    lay.put(r, 4, shown(ind.target), "center", src=[ind.target])
    lay.put(r, 5, shown(ind.actual), "center", src=[ind.actual])
    lay.put(r, 6, shown(ind.weight), "score", src=[ind.weight])
    lay.put(r, 7, shown(ind.claimed), "score", src=[ind.claimed])
    lay.put(r, 8, sc.final if sc else None, "score")
    lay.put(r, 9, shown(ind.deviation), "text", src=[ind.deviation])


def _write_form(ws: Worksheet, fmt: Formats, lay: _Layout, marks: Marks) -> None:
    for c, width in enumerate(lay.widths):
        ws.set_column(c, c, width)
    for item in lay.items:
        severity = marks.fill.get((item.r0, item.c0))
        if (item.r0, item.c0) != (item.r1, item.c1):
            # the cells under a merge draw its border and fill; a merge with neither needs none written
            drawn = severity or not STYLES[item.style].keys().isdisjoint(("border", "bg_color"))
            ws.merge_range(
                item.r0, item.c0, item.r1, item.c1, None, fmt(item.style, severity) if drawn else None
            )
        put(ws, item.r0, item.c0, item.value, fmt, item.style, severity)
    for (r, c), found in marks.notes.items():
        _comment(ws, r, c, found)
    heights = dict(lay.heights)
    for item in lay.items:  # a label merged down several rows: the rows together must hold it
        if item.r1 > item.r0 and isinstance(item.value, str):
            need = fit_height([(item.value, sum(lay.widths[item.c0 : item.c1 + 1]))])
            have = sum(heights.get(r, MIN_ROW) for r in range(item.r0, item.r1 + 1))
            if have < need:
                heights[item.r1] = heights.get(item.r1, MIN_ROW) + need - have
    for r, h in heights.items():
        ws.set_row(r, h)
    last_row = max(item.r1 for item in lay.items)
    _print_setup(ws, repeat=(0, 1))
    ws.print_area(0, 0, last_row, len(lay.widths) - 1)
    ws.center_horizontally()


def _print_setup(ws: Worksheet, repeat: tuple[int, int] = (0, 0)) -> None:
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.repeat_rows(*repeat)
    ws.set_footer("&C第 &P 页 共 &N 页")


# ---------------------------------------------------------------- 审核意见
REVIEW_COLUMNS = (
    ("严重程度", 9),
    ("规则", 7),
    ("工作表", 12),
    ("单元格", 10),
    ("审核意见", 66),
    ("应为", 16),
    ("实为", 16),
)


REVIEW_WIDTHS = tuple(REVIEW_COLUMNS[c][1] for c in (2, 4, 5, 6))  # the columns that may wrap


def _write_review(
    ws: Worksheet, fmt: Formats, findings: list[Finding], target_of: Callable[[str], str | None]
) -> None:
    for c, (head, width) in enumerate(REVIEW_COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
    ordered = sorted(findings, key=finding_order)
    for r, f in enumerate(ordered, start=1):
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
        ws.set_row(r, fit_height(zip((f.sheet, f.message, f.expected, f.actual), REVIEW_WIDTHS, strict=True)))
    if not ordered:
        ws.merge_range(1, 0, 1, len(REVIEW_COLUMNS) - 1, MSG["R_no_findings"], fmt("center"))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(ordered), 1), len(REVIEW_COLUMNS) - 1)
    _print_setup(ws)


# ---------------------------------------------------------------- 评分明细
# (key, header, width, style of text in it)
DETAIL_COLUMNS = (
    ("row", "行号", 6, "list_center"),
    ("level1", "一级指标", 11, "list_text"),
    ("level2", "二级指标", 13, "list_text"),
    ("level3", "三级指标", 24, "list_text"),
    ("kind", "指标性质", 7, "list_center"),
    ("method", "方法", 9, "list_center"),
    ("weight", "分值", 7, "list_score"),
    ("claimed", "自评得分", 8, "list_score"),
    ("computed", "复核得分", 8, "list_score"),
    ("level", "达成程度", 8, "list_center"),
    ("band", "区间", 9, "list_center"),
    ("how", "计算过程", 52, "list_text"),
)


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
                "method": sc.method,
                "weight": sc.weight,
                "claimed": sc.claimed,
                "computed": sc.computed,
                "level": sc.level,
                "band": f"{number_text(sc.band[0])}–{number_text(sc.band[1])}" if sc.band else None,
                "how": sc.arithmetic,
            }
        )
    rate = f"{s.execution_rate:.2%}" if s.execution_rate is not None else "—"
    lines.append(
        {
            "label": "预算执行率",
            "kind": "定量",
            "method": "执行率",
            "weight": s.budget_weight,
            "computed": s.budget_score,
            "how": MSG["R_budget_line"].format(
                rate=rate, executed=number_text(s.executed), budget=number_text(s.budget)
            ),
        }
    )
    lines += [
        {
            "label": t.level1,
            "level2": t.level2,
            "level3": "小计",
            "weight": t.weight,
            "claimed": t.claimed,
            "computed": t.computed,
        }
        for t in s.subtotals
    ]
    lines.append({"label": "指标合计", "weight": s.indicator_weight, "computed": s.indicator_score})
    info = result.project.info
    total = {
        "label": "总分",
        "weight": s.weight_total,
        "claimed": shown(info.claimed_total),
        "computed": s.raw_total,
    }
    lines.append(total)
    if abs(s.weight_total - 100) > 1e-9:
        total["how"] = MSG["R_rescaled"].format(
            raw=number_text(s.raw_total), weight=number_text(s.weight_total), total=number_text(s.total)
        )
        lines.append({"label": "总分（百分制）", "weight": 100, "computed": s.total})
    lines.append({"label": "等级", "claimed": shown(info.claimed_grade), "computed": s.grade})
    return lines


def _write_detail(
    ws: Worksheet, fmt: Formats, lines: list[dict], target_of: Callable[[str], str | None]
) -> None:
    for c, (_, head, width, _) in enumerate(DETAIL_COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt("head"))
    for r, line in enumerate(lines, start=1):
        label = line.get("label")  # a summary line: its label in the 一级指标 column, bold
        texts = []  # (text, column width): what sets the row height
        for c, (key, _, width, style) in enumerate(DETAIL_COLUMNS):
            value = label if label is not None and key == "level1" else line.get(key)
            if value is None or value == "":
                continue
            if label is not None and key == "level1":
                style = "list_label"
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
        ws.set_row(r, fit_height(texts))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(lines), 1), len(DETAIL_COLUMNS) - 1)
    _print_setup(ws)


# ---------------------------------------------------------------- the input sheets
COPY_MIN_WIDTH, COPY_MAX_WIDTH = 6.0, 50.0


def _write_copy(ws: Worksheet, fmt: Formats, rows: list[list[object]], marks: Marks) -> None:
    fill = marks.fill
    plain = fmt("copy")
    widths: dict[int, float] = {}
    texts: list[tuple[int, list[tuple[int, str]]]] = []  # (row, its text cells): what sets row heights
    for r, row in enumerate(rows):
        row_texts = []
        for c, value in enumerate(row):
            severity = fill.get((r, c)) if fill else None
            if isinstance(value, str) and value:  # most cells: text
                ws.write_string(r, c, clean(value), fmt("copy", severity) if severity else plain)
                row_texts.append((c, value))
                w = min(text_width(value) + 2, COPY_MAX_WIDTH)
            elif value is None or value == "":
                if severity:
                    ws.write_blank(r, c, None, fmt("copy", severity))
                continue
            else:
                put(ws, r, c, value, fmt, "copy", severity)
                w = 12.0
            if w > widths.get(c, 0):
                widths[c] = w
        if row_texts:
            texts.append((r, row_texts))
    for (r, c), severity in fill.items():
        if r >= len(rows) or c >= len(rows[r]):  # beyond the data: still a visible, filled cell
            ws.write_blank(r, c, None, fmt("copy", severity))
    for (r, c), found in marks.notes.items():
        _comment(ws, r, c, found)
    for c, w in widths.items():
        widths[c] = max(w, COPY_MIN_WIDTH)
        ws.set_column(c, c, widths[c])
    for r, row_texts in texts:
        ws.set_row(r, fit_height((value, widths[c]) for c, value in row_texts))
    _print_setup(ws)


# ---------------------------------------------------------------- the workbook
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
    names = sheet_names(sheets)

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
            "author": "",
            "comments": "复核评分与审核意见",
        }
    )
    fmt = Formats(workbook)
    _write_form(workbook.add_worksheet(FORM, Sheet), fmt, lay, placed)
    _write_review(workbook.add_worksheet(REVIEW, Sheet), fmt, findings, target_of)
    _write_detail(workbook.add_worksheet(DETAIL, Sheet), fmt, _detail_lines(result, s), target_of)
    for key, rows in sheets.items():
        _write_copy(workbook.add_worksheet(names[key], Sheet), fmt, rows, marks[key])
    close(workbook)
    return buffer.getvalue()
