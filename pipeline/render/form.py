"""The official form, 项目支出绩效自评表 (财预〔2020〕10号 附件), as the first sheet of the scored workbook.

Laid out as placed items first (`form_layout`), so that each finding on an input cell can also be
shown on the form cell that displays that value; then written (`write_form`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from xlsxwriter.worksheet import Worksheet

from ..cells import parse_a1
from ..display import show
from ..messages import MSG
from ..model import Finding, Indicator, IndicatorScore, Result, Scores
from ..schema import FUND_TOTAL
from .xlsx import (
    MIN_ROW,
    STYLES,
    Formats,
    Marks,
    comment,
    finding_cells,
    fit_height,
    print_setup,
    put,
    shown,
    text_width,
)

FORM = "项目支出绩效自评表"
ADJUSTED_LABEL = "审核调整"  # how a reviewer's 调整 is shown, wherever it is shown
# 财预〔2020〕10号 附件 layout; ours adds 复核得分 and an 等级 line.
# A..J, fits A4 landscape at 100%; A holds "项目资金 / （万元）" on two lines
FORM_WIDTHS = (10, 13, 14, 24, 19, 15, 6, 8, 10, 23)
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
# Columns by what they hold: INDICATOR_HEAD runs from column B (A holds the block's label), so its
# third header on (三级指标 … 偏差原因分析及改进措施) names columns D…J; the fund block and the total
# lines put their 分值, 自评 and 复核 figures in the same columns.
LEVEL3_COL, TARGET_COL, ACTUAL_COL, WEIGHT_COL, CLAIMED_COL, COMPUTED_COL, DEVIATION_COL = (
    1 + c for c in range(2, len(INDICATOR_HEAD))
)
FUND_AMOUNT_COLS = tuple(LEVEL3_COL + i for i in range(3))  # 年初预算数, 全年预算数, 全年执行数
RATE_COL = CLAIMED_COL  # the fund block's 执行率 sits where the claims do
FUND_LINES = (
    (FUND_TOTAL, FUND_TOTAL),
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
class Layout:
    """The form as placed items, plus which input cell each form cell shows (finding -> form cell)."""

    widths: tuple[float, ...]
    items: list[_Item] = field(default_factory=list)
    # (input sheet, row, col) of a value -> the form cell (row, col) that shows it
    sources: dict[tuple[str, int, int], tuple[int, int]] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)  # cell -> a note of ours (审核调整)
    # v3: cell -> why it shows 无法复核 (the cells that block it; what was verified)
    unknown: dict[tuple[int, int], str] = field(default_factory=dict)

    def put_unknown(self, r: int, c: int, why: str, to: tuple[int, int] | None = None) -> None:
        """无法复核 (amber) where a figure the workbook does not give would be (scoring.md v3)."""
        self.put(r, c, MSG["R_unknown"], "unknown", to)
        self.unknown[(r, c)] = why

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


def _level_label(name: str, weight: float | None, width: float, decimals: int) -> str:
    """`产出指标(50分)`; on two lines, the weight below the name, when one line does not fit `width`."""
    if not name or weight is None:
        return name
    points = f"({show(weight, decimals)}分)"
    return name + points if text_width(name + points) <= width - 1.5 else f"{name}\n{points}"


def _runs(keys: list[object]) -> list[tuple[int, int]]:
    """Runs of equal consecutive keys: [(first, last)] indexes."""
    runs: list[tuple[int, int]] = []
    for i, key in enumerate(keys):
        if runs and keys[runs[-1][0]] == key:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


# the last form laid out: a worker lays out the same form twice, for the scored workbook and for
# the report's 附件1 (and a third time for a 定稿), one right after the other
_LAST: tuple[Result, Scores, Layout] | None = None


def form_layout(result: Result, s: Scores) -> Layout:
    """The form of `result`, laid out (read only: write_form and the report's 附件1 copy what they change).

    A Result and its Scores are frozen: the layout of the last pair asked for is kept and given again
    for the same pair (the same objects), which is how a worker asks, instead of laid out anew."""
    global _LAST
    last = _LAST
    if last is not None and last[0] is result and last[1] is s:
        return last[2]
    lay = _form_layout(result, s)
    _LAST = (result, s, lay)
    return lay


def _form_layout(result: Result, s: Scores) -> Layout:
    p, info = result.project, result.project.info
    lay = Layout(FORM_WIDTHS)
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
    for i, head in enumerate(FUND_HEAD):  # 得分 runs to the last column: no empty box beside it
        c = FUND_AMOUNT_COLS[0] + i
        lay.put(top, c, head, "head", (top, last) if c == COMPUTED_COL else None)
    for i, (source, label) in enumerate(FUND_LINES, start=top + 1):
        row = p.funds.get(source)
        lay.put(i, 1, label, "text", (i, 2))
        for c, cell in zip(
            FUND_AMOUNT_COLS, (row.initial, row.adjusted, row.executed) if row else (None,) * 3, strict=True
        ):
            value = shown(cell)
            lay.put(i, c, value, "money" if isinstance(value, (int, float)) else "center", src=[cell])
        if source == FUND_TOTAL:
            lay.put(i, WEIGHT_COL, s.budget_weight, "score")
            if s.budget_score is None and s.unknown:
                lay.put_unknown(i, RATE_COL, s.budget_arithmetic)
                lay.put_unknown(i, COMPUTED_COL, s.budget_arithmetic, (i, last))
                continue
            lay.put(i, RATE_COL, s.execution_rate, "percent")
            lay.put(i, COMPUTED_COL, s.budget_score, "score", (i, last))
        else:
            lay.put(i, WEIGHT_COL, "—", "center")
            rate = shown(row.rate) if row else None  # the unit's own figure on a 其中 line
            lay.put(
                i,
                7,
                rate,
                "percent" if isinstance(rate, (int, float)) else "center",
                src=[row.rate] if row else (),
            )
            lay.put(i, COMPUTED_COL, "—", "center", (i, last))
    r = top + len(FUND_LINES) + 1

    # 年度总体目标
    goals = p.goals or ()
    n = max(len(goals), 1)
    lay.put(r, 0, "年度\n总体\n目标", "label", (r + n, 0), fit=False)
    lay.put(r, 1, "预期目标", "head", (r, 4))
    lay.put(r, 5, "实际完成情况", "head", (r, last))
    for i in range(n):
        g = goals[i] if goals else None
        lay.put(
            r + 1 + i, 1, shown(g.expected) if g else None, "text", (r + 1 + i, 4), [g.expected] if g else ()
        )
        lay.put(
            r + 1 + i, 5, shown(g.actual) if g else None, "text", (r + 1 + i, last), [g.actual] if g else ()
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
            _level_label(name, s.level1_weights.get(name), FORM_WIDTHS[1], s.decimals),
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
                _level_label(l2, sub_weight.get((name, l2)), FORM_WIDTHS[2], s.decimals),
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
    lay.put(r, 0, "总分", "label", (r, 5))
    if s.weight_total is None:
        lay.put_unknown(r, WEIGHT_COL, s.total_arithmetic)
    else:
        lay.put(r, WEIGHT_COL, s.weight_total, "score")
    lay.put(r, CLAIMED_COL, shown(info.claimed_total), "score", src=[info.claimed_total])
    if s.total is None:  # v3: the cells that block it and what was verified, beside it
        lay.put_unknown(r, COMPUTED_COL, s.total_arithmetic)
        lay.put(r, last, s.total_arithmetic.removeprefix(MSG["R_unknown"] + "："), "text")
    else:
        lay.put(
            r, COMPUTED_COL, s.total, "score"
        )  # a number, whatever the scale: the note beside it says how
    if s.total is not None and s.rescaled:
        lay.put(
            r,
            last,
            MSG["R_rescaled"].format(
                raw=show(s.raw_total, s.decimals),
                weight=show(s.weight_total, s.decimals),
                scale=show(s.scale, s.decimals),
                total=show(s.total, s.decimals),
            ),
            "text",
        )
    elif s.total is not None:
        lay.put(r, last, MSG["D_adjusted_total"] if s.adjusted else None, "text")
    lay.put(r + 1, 0, "等级", "label", (r + 1, 5))
    lay.put(r + 1, WEIGHT_COL, None, "center")
    lay.put(r + 1, CLAIMED_COL, shown(info.claimed_grade), "center", src=[info.claimed_grade])
    if s.grade is None:
        lay.put_unknown(r + 1, COMPUTED_COL, s.total_arithmetic)
    else:
        lay.put(r + 1, COMPUTED_COL, s.grade, "center")
    lay.put(r + 1, last, None, "text")
    lay.put(r + 2, 0, MSG["R_form_note"], "note", (r + 2, last))
    return lay


def form_marks(lay: Layout, findings: Iterable[Finding], resolve: Callable[[str], str | None]) -> Marks:
    """The form cells showing the values the findings point at (the scored workbook's notes, the
    report's comments); `resolve`: a finding's sheet -> the input sheet name the layout knows."""
    placed = Marks()
    total_row = next((i.r0 for i in lay.items if i.c0 == 0 and i.value == "总分"), None)
    for f in findings:
        key = resolve(f.sheet)
        if key is not None:
            anchors = {lay.sources.get((key, r, c)) for r, c in finding_cells(f)} - {None}
            columns = {c for _, c in anchors}
            # a finding on a whole column of lines (S002: the 分值 add up wrong) is about their sum:
            # marked once, on the 总分 line's cell of that column, not on every line
            if ":" in (f.cell or "") and len(anchors) > 1 and len(columns) == 1 and total_row is not None:
                anchors = {(total_row, columns.pop())}
            placed.add(f, sorted(anchors))
    return placed


def _indicator_line(lay: Layout, r: int, ind: Indicator, sc: IndicatorScore | None) -> None:
    lay.put(r, LEVEL3_COL, shown(ind.level3), "text", src=[ind.level3, ind.nature])
    lay.put(r, TARGET_COL, shown(ind.target), "center", src=[ind.target])
    lay.put(r, ACTUAL_COL, shown(ind.actual), "center", src=[ind.actual])
    lay.put(r, WEIGHT_COL, shown(ind.weight), "score", src=[ind.weight])
    lay.put(r, CLAIMED_COL, shown(ind.claimed), "score", src=[ind.claimed])
    if sc is not None and sc.unknown:
        lay.put_unknown(r, COMPUTED_COL, sc.arithmetic)
    else:
        lay.put(r, COMPUTED_COL, sc.final if sc else None, "score")
    if sc is not None and sc.adjusted:
        lay.notes[(r, COMPUTED_COL)] = ADJUSTED_LABEL + "：" + sc.arithmetic.rsplit("；", 1)[-1]
    lay.put(r, DEVIATION_COL, shown(ind.deviation), "text", src=[ind.deviation])


# A4 landscape, print_setup's margins, in points: what one printed page holds at 100%
PRINT_WIDTH_PT = (297 / 25.4 - 0.4 - 0.4) * 72
PRINT_HEIGHT_PT = (210 / 25.4 - 0.5 - 0.6) * 72 * 0.97  # a little kept back: Excel's rows are not ours


def _column_points(width: float) -> float:
    """Excel's printed width of a column `width` characters wide (Calibri 11: 7 px a character)."""
    return (int(width * 7 + 5)) * 0.75


def page_breaks(lay: Layout, heights: dict[int, float], scale: float) -> list[int]:
    """Rows a printed page starts at, so that no 二级指标 group is split where it fits on a page; the
    indicator header (repeated on every page) and the 总分/等级 lines travel with their neighbours."""
    head = next((i.r0 for i in lay.items if i.c0 == 1 and i.value == INDICATOR_HEAD[0]), None)
    if head is None:
        return []
    last = max(i.r1 for i in lay.items)
    # blocks that must not be split: a 二级 group (its merged cell in column C), else one row
    group_of = {
        r: (i.r0, i.r1) for i in lay.items if i.c0 == 2 and i.r0 > head for r in range(i.r0, i.r1 + 1)
    }
    blocks: list[tuple[int, int]] = []
    r = head + 1
    while r <= last:
        start, end = group_of.get(r, (r, r))
        blocks.append((start, end))
        r = end + 1
    if len(blocks) >= 2:  # the note under the table stays with 总分 and 等级
        blocks[-3:] = [(blocks[-3][0], blocks[-1][1])] if len(blocks) >= 3 else blocks[-2:]

    def height(a: int, b: int) -> float:
        return sum(heights.get(x, MIN_ROW) for x in range(a, b + 1)) * scale

    capacity = PRINT_HEIGHT_PT
    y = height(0, head)  # page 1: everything above the first group, the header included
    breaks = []
    for n, (a, b) in enumerate(blocks):
        need = height(a, b)
        # the last block (总分, 等级, the note) is measured against the whole page: the few per cent
        # kept back for Excel's rows must not send it alone to a page of its own when the form fits
        room = PRINT_HEIGHT_PT / 0.97 if n == len(blocks) - 1 else capacity
        if y + need > room and y > height(head, head) + 1e-9:
            # the first group takes the header along: a page never ends on a lone header row
            breaks.append(head if n == 0 else a)
            y = height(head, head) if n else 0.0
            if n == 0:
                y += height(head, head)
        y += need
    return breaks


def _split_at(items: list[_Item], breaks: list[int]) -> list[_Item]:
    """A label merged down across a page break is cut there and printed on each page (a merged cell
    prints its text once, wherever its middle falls)."""
    out = []
    for item in items:
        cuts = [b for b in breaks if item.r0 < b <= item.r1]
        if not cuts:
            out.append(item)
            continue
        edges = [item.r0, *cuts, item.r1 + 1]
        for a, b in zip(edges, edges[1:], strict=False):
            out.append(_Item(a, item.c0, b - 1, item.c1, item.value, item.style))
    return out


def write_form(ws: Worksheet, fmt: Formats, lay: Layout, marks: Marks) -> None:
    for c, width in enumerate(lay.widths):
        ws.set_column(c, c, width)
    heights = dict(lay.heights)
    for item in lay.items:  # a label merged down several rows: the rows together must hold it
        if item.r1 > item.r0 and isinstance(item.value, str):
            need = fit_height([(item.value, sum(lay.widths[item.c0 : item.c1 + 1]))])
            have = sum(heights.get(r, MIN_ROW) for r in range(item.r0, item.r1 + 1))
            if have < need:
                heights[item.r1] = heights.get(item.r1, MIN_ROW) + need - have
    # a fixed scale, not fit-to-width: Excel ignores manual page breaks under "fit to"; a few per
    # cent kept back: LibreOffice lays the same widths out about 14 % wider than Excel (measured)
    scale = min(1.0, PRINT_WIDTH_PT / sum(_column_points(w) for w in lay.widths)) * 0.86
    breaks = page_breaks(lay, heights, scale)
    for whole in lay.items:
        severity = marks.fill.get((whole.r0, whole.c0))  # a label cut at a break is filled on each page
        for item in _split_at([whole], breaks):
            if (item.r0, item.c0) != (item.r1, item.c1):
                # the cells under a merge draw its border and fill; a merge with neither needs none written
                drawn = severity or not STYLES[item.style].keys().isdisjoint(("border", "bg_color"))
                ws.merge_range(
                    item.r0, item.c0, item.r1, item.c1, None, fmt(item.style, severity) if drawn else None
                )
            put(ws, item.r0, item.c0, item.value, fmt, item.style, severity)
    for (r, c), found in marks.notes.items():
        comment(ws, r, c, found)
    for (r, c), text in (lay.notes | lay.unknown).items():
        if (r, c) not in marks.notes:
            ws.write_comment(r, c, text, {"author": "复核", "width": 320, "height": 60})
    for r, h in heights.items():
        ws.set_row(r, h)
    last_row = max(item.r1 for item in lay.items)
    head = next((i.r0 for i in lay.items if i.c0 == 1 and i.value == INDICATOR_HEAD[0]), None)
    # page 1 opens with the title; every later page with the indicator header
    print_setup(ws, repeat=(head, head) if head is not None else (0, 1))
    ws.fit_page = False  # print_setup's fit-to-width off (xlsxwriter has no call for it)
    ws.set_print_scale(max(10, math.floor(scale * 100)))
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, last_row, len(lay.widths) - 1)
    ws.center_horizontally()
