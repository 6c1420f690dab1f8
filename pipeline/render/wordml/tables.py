"""Tables: the template's (`@table` / `@th` / `@tr`, widths in mm, equal cells merged down a column)
and grids laid out elsewhere (附件1's form, `grid_table`). Both are written by the same table,
row and cell XML: fixed layout across the 版心, ruled, cells centred vertically."""

from __future__ import annotations

from dataclasses import dataclass

from .layout import TEXT_WIDTH
from .runs import Line, ReportTemplateError, text_runs

_ALIGN = {"l": "left", "c": "center", "r": "right"}
_CELL_MARGIN = 57  # 1 mm each side
_CELL_PAD = 45  # 0.8 mm above and below the text: a ruled line never touches it
_BORDER = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
_TABLE_BORDERS = (
    "<w:tblBorders>"
    + "".join(_BORDER.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + "</w:tblBorders>"
)


# ---------------------------------------------------------------- the XML of every table
def _widths(widths_mm, text_width: int = TEXT_WIDTH) -> list[int]:
    """Column widths in mm, scaled to the 版心 (twips; the last column takes the rounding)."""
    total = sum(widths_mm)
    widths = [round(text_width * mm / total) for mm in widths_mm]
    widths[-1] += text_width - sum(widths)
    return widths


def _table_open(widths: list[int], bottom: bool = True) -> str:
    """<w:tbl> with its properties and grid; `bottom=False`: no bottom rule."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    borders = _TABLE_BORDERS if bottom else _TABLE_BORDERS.replace(_BORDER.format("bottom"), "")
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>{borders}'
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:top w:w="{_CELL_PAD}" w:type="dxa"/><w:left w:w="{_CELL_MARGIN}" w:type="dxa"/>'
        f'<w:bottom w:w="{_CELL_PAD}" w:type="dxa"/><w:right w:w="{_CELL_MARGIN}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
        ' w:noHBand="1" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    )


def _row_open(header: bool) -> str:
    """A row never split over two pages; a header row repeats on every page the table runs onto."""
    return "<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if header else "") + "</w:trPr>"


def _cell(
    width: int,
    span: int,
    merge: str,
    style: str,
    align: str,
    body: str,
    tc_extra: str = "",
    p_extra: str = "",
) -> str:
    """One cell: `merge` a vMerge element or ''; `tc_extra`/`p_extra`: more cell/paragraph properties."""
    span_xml = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_xml}{merge}{tc_extra}'
        f'<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/>{p_extra}'
        f'<w:jc w:val="{align}"/></w:pPr>{body}</w:p></w:tc>'
    )


# ---------------------------------------------------------------- the template's tables
@dataclass
class _Column:
    width: int  # twips
    align: str  # left / center / right
    merge: bool  # equal cells above one another are merged


class TemplateTable:
    """`@table [small] 12:c:m 28 …` then `@th` / `@tr` rows: widths in mm, scaled to the 版心 width."""

    def __init__(self, line: Line) -> None:
        tokens = line.text.split()
        self.small = bool(tokens) and tokens[0] == "small"
        specs = tokens[1:] if self.small else tokens
        columns = []
        for spec in specs:
            width, *flags = spec.split(":")
            try:
                mm = float(width)
            except ValueError:
                raise ReportTemplateError(
                    f"报告模板第 {line.number} 行：列宽“{spec}”应为毫米数，如 12:c"
                ) from None
            align = next((_ALIGN[f] for f in flags if f in _ALIGN), "left")
            columns.append((mm, align, "m" in flags))
        if not columns:
            raise ReportTemplateError(f"报告模板第 {line.number} 行：@table 后应写各列宽度")
        widths = _widths([mm for mm, _, _ in columns])
        self.columns = [_Column(w, a, m) for w, (_, a, m) in zip(widths, columns, strict=True)]
        self.edges = [sum(widths[:i]) for i in range(len(widths) + 1)]  # a span's width: edge - edge
        self.rows: list[tuple[bool, list[tuple[str, int]]]] = []  # (header, [(text, span)])
        self.line = line

    def row(self, line: Line, header: bool) -> None:
        cells: list[tuple[str, int]] = []
        for raw in line.text.split("|"):
            text = raw.strip()
            if text == "~" and cells:
                prev_text, span = cells[-1]
                cells[-1] = (prev_text, span + 1)
            else:
                cells.append((text, 1))
        width = sum(span for _, span in cells)
        if width > len(self.columns):
            raise ReportTemplateError(
                f"报告模板第 {line.number} 行：{width} 个单元格，多于 @table 的 {len(self.columns)} 列"
            )
        cells.extend(("", 1) for _ in range(len(self.columns) - width))
        self.rows.append((header, cells))

    def xml(self) -> str:
        parts = [_table_open([c.width for c in self.columns])]
        text_style = "TableTextSmall" if self.small else "TableText"
        head_style = "TableHeadSmall" if self.small else "TableHead"
        above: list[tuple[int, str, tuple]] = []  # per grid column of the previous body row: merge key
        for header, cells in self.rows:
            parts.append(_row_open(header))
            col, key, keys = 0, (), []
            for text, span in cells:
                column = self.columns[col]
                width = self.edges[col + span] - self.edges[col]
                key = (*key, text) if column.merge else key
                merge = ""
                if column.merge and not header and span == 1 and text:
                    prev = above[col] if col < len(above) else None
                    merge = "<w:vMerge/>" if prev and prev[2] == key else '<w:vMerge w:val="restart"/>'
                keys.extend([(col, text, key)] * span)
                align = "center" if header else column.align
                body = "" if merge == "<w:vMerge/>" else text_runs(text)
                style = head_style if header else text_style
                parts.append(_cell(width, span, merge, style, align, body))
                col += span
            above = [] if header else keys
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        return "".join(parts)


# ---------------------------------------------------------------- grids laid out elsewhere
@dataclass(frozen=True)
class GridCell:
    """One cell of a grid laid out elsewhere (the official form): rows and columns it spans, its text
    (comment marks allowed) and its role: label / head (bold, centred), text (left), center, number."""

    r0: int
    c0: int
    r1: int
    c1: int
    text: str
    role: str


# a filled cell: a table head, a bar of a chart drawn as a table (the county report), or a figure
# that is unknown (无法复核, scoring.md v3): amber, as a 警告 is in the workbook
_SHADE = {
    role: f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
    for role, fill in (("head", "F2F2F2"), ("bar", "7F7F7F"), ("unknown", "FFEB9C"))
}
_ROLE_ALIGN = {
    "label": "center",
    "vlabel": "center",
    "head": "center",
    "text": "left",
    "center": "center",
    "unknown": "center",
}


def grid_table(
    widths_mm: tuple[float, ...],
    cells: list[GridCell],
    header_rows: tuple[int, ...] = (),
    bottom: bool = True,
    whole: bool = False,
    text_width: int = TEXT_WIDTH,
) -> str:
    """A table from placed cells (spans and merges as laid out), in the 五号 table styles, across
    `text_width` (twips: the portrait 版心, or the landscape one). `header_rows`: rows repeated at the
    top of every page the table runs onto (they must open the table); `bottom=False`: no bottom
    rule, for a table that another continues right below; `whole`: the table is kept on one page (a
    chart)."""
    widths = _widths(widths_mm, text_width)
    edges = [sum(widths[:i]) for i in range(len(widths) + 1)]
    at: dict[tuple[int, int], GridCell] = {}
    for cell in cells:
        for r in range(cell.r0, cell.r1 + 1):
            at[(r, cell.c0)] = cell
    rows = sorted({r for cell in cells for r in range(cell.r0, cell.r1 + 1)})
    # a row inside a group merged down the 二级指标 column (the third) keeps with the next: such a
    # group is not split over pages where it fits on one. The labels of the first two columns (绩效
    # 指标, 产出指标) may run on: keeping their groups whole would move the whole indicator table.
    together = {r for cell in cells if cell.c0 == 2 for r in range(cell.r0, cell.r1)}
    if whole:
        together.update(rows[:-1])
    parts = [_table_open(widths, bottom)]
    for r in rows:
        parts.append(_row_open(r in header_rows))
        c = 0
        while c < len(widths):
            cell = at.get((r, c))
            span = cell.c1 - cell.c0 + 1 if cell else 1
            merge = ""
            if cell and cell.r1 > cell.r0:
                merge = '<w:vMerge w:val="restart"/>' if r == cell.r0 else "<w:vMerge/>"
            role = cell.role if cell else "text"
            style = "TableHeadSmall" if role in ("label", "vlabel", "head") else "TableTextSmall"
            shade = _SHADE.get(role, "")
            # a label down a narrow merged column reads top to bottom, as printed forms have it
            vertical = '<w:textDirection w:val="tbRlV"/>' if role == "vlabel" else ""
            parts.append(
                _cell(
                    edges[c + span] - edges[c],
                    span,
                    merge,
                    style,
                    _ROLE_ALIGN.get(role, "left"),
                    text_runs(cell.text) if cell and r == cell.r0 else "",
                    shade + vertical,
                    "<w:keepNext/>" if r in together else "",
                )
            )
            c += span
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)
