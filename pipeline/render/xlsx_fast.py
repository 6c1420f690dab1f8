"""xlsxwriter where a scored workbook spends its time: storing each cell, and writing its XML on close.

A scored workbook is ~12 small sheets and ~650 formatted cells, and xlsxwriter's general path costs
more per cell than the cell itself: every write goes through an A1-notation wrapper and a dimension
check; on close, the row loop visits every column of every row in the used range (twice: once more
for the `spans` attribute), and each `<c>` element is built from a list of attribute pairs, each
run through a regex in case it needs escaping. Our cells are a shared string, a number or a blank,
each with a format, addressed by (row, col); their attributes never need escaping. `Sheet` stores
and writes those directly and hands everything else (A1 notation, keyword arguments, long strings,
NaN, formulas, rich strings, row formats, constant_memory) to xlsxwriter unchanged.

It subclasses through xlsxwriter's own extension point (`Workbook.add_worksheet(name, worksheet_class)`,
as in its examples/inheritance1.py) and affects only the sheets created with it. It does use
xlsxwriter internals (the cell records, `table`, `str_table`, `dim_*`, `row_info`, `_write_row`),
so pyproject pins the xlsxwriter versions it is tested with, and at import a small workbook that
takes every path here is written both ways: unless the bytes are equal (an internal moved, or
means something else), `Sheet` is plain `Worksheet`, so an xlsxwriter upgrade makes us slower,
never wrong. tests/test_render_workbook.py checks the same on the example and hostile workbooks
(and the bench on every workbook of its corpus).

Two more of its costs, where it has no extension point, by the names it looks them up under: the
shared strings part (`FastStrings`, for xlsxwriter.packager) and the escape of attributes
(`XMLwriter._escape_attributes`). Each is taken only where it writes what xlsxwriter writes,
checked at import on samples of every case, and by hypothesis tests on any input.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from io import BytesIO, StringIO

import xlsxwriter.packager
import xlsxwriter.xmlwriter
from xlsxwriter import Workbook
from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

try:  # the cell records, as xlsxwriter names them; older and newer versions may not
    from xlsxwriter.worksheet import CellBlankTuple, CellDatetimeTuple, CellNumberTuple, CellStringTuple
except ImportError:  # then Sheet is plain Worksheet (below)
    CellBlankTuple = CellDatetimeTuple = CellNumberTuple = CellStringTuple = None  # type: ignore[assignment,misc]

_ROWS, _COLS = 1_048_576, 16_384
_record = tuple.__new__  # a cell record (a namedtuple) from its fields, without its Python-level __new__
_SHORT = 16_383  # a str this long is < 32,767 UTF-16 units: xlsxwriter's limit, checked no further


class FastSheet(Worksheet):
    """A worksheet whose rows and formatted string, number and blank cells are written without the
    general path."""

    # The writes: what xlsxwriter does for an in-range cell (track the used range, store the record),
    # without its A1-notation wrapper and the checks our values never need; anything else goes to it.
    def write_string(self, *args, **kwargs):
        if not kwargs and len(args) == 4:
            row, col, string, cell_format = args
            if type(string) is str and len(string) <= _SHORT and self._plain(row, col):
                index = self.str_table._get_shared_string_index(string)
                self.table[row][col] = _record(CellStringTuple, (index, cell_format))
                return 0
        return super().write_string(*args, **kwargs)

    def write_number(self, *args, **kwargs):
        if not kwargs and len(args) == 4:
            row, col, number, cell_format = args
            if type(number) in (int, float) and math.isfinite(number) and self._plain(row, col):
                self.table[row][col] = _record(CellNumberTuple, (number, cell_format))
                return 0
        return super().write_number(*args, **kwargs)

    def write_blank(self, *args, **kwargs):
        if not kwargs and len(args) == 4 and args[3] is not None and self._plain(args[0], args[1]):
            self.table[args[0]][args[1]] = _record(CellBlankTuple, (args[3],))
            return 0
        return super().write_blank(*args, **kwargs)

    def _plain(self, row, col) -> bool:
        """An in-range (row, col) pair, now counted in the used range; False: xlsxwriter's path."""
        if type(row) is not int or type(col) is not int or self.constant_memory:
            return False
        if not (0 <= row < _ROWS and 0 <= col < _COLS):
            return False
        # set_row() and set_column() track one axis only: either may still be unset here
        if self.dim_rowmin is None:
            self.dim_rowmin = self.dim_rowmax = row
        elif row < self.dim_rowmin:
            self.dim_rowmin = row
        elif row > self.dim_rowmax:
            self.dim_rowmax = row
        if self.dim_colmin is None:
            self.dim_colmin = self.dim_colmax = col
        elif col < self.dim_colmin:
            self.dim_colmin = col
        elif col > self.dim_colmax:
            self.dim_colmax = col
        return True

    def _write_rows(self) -> None:
        # xlsxwriter visits every column of every row in the used range, twice (once for the
        # `spans` attribute); this visits the cells there are, in the same order, for the same bytes.
        if self.constant_memory or self.excel_version == 2010 or self.dim_rowmin is None:
            super()._write_rows()
            return
        table, info, comments = self.table, self.row_info, self.comments
        rows = sorted({r for r, cells in table.items() if cells}.union(info, comments))
        rows = [r for r in rows if self.dim_rowmin <= r <= self.dim_rowmax]
        self.row_spans = spans = _spans(rows, table, comments)
        write, super_cell, kinds = self.fh.write, super()._write_cell, _KINDS
        for r in rows:
            span = spans.get(r // 16)
            cells = table.get(r)
            if not cells:
                self._write_row(r, span, info.get(r), empty_row=True)
                continue
            self._row_tag(r, span, info.get(r))
            number = str(r + 1)
            for c in sorted(cells):
                cell = cells[c]
                kind, cell_format = kinds.get(type(cell)), cell.format
                if kind is None or cell_format is None:
                    super_cell(r, c, cell)  # unformatted cells, formulas, rich strings, ...
                    continue
                xf = cell_format.xf_index  # set once the format has been written (_get_xf_index)
                if xf is None:
                    xf = cell_format._get_xf_index()
                name = _COLUMN_NAMES.get(c) or _column_name(c)
                if kind == "s":  # .string: the string's index in the shared strings
                    write(f'<c r="{name}{number}" s="{xf}" t="s"><v>{cell.string}</v></c>')
                elif kind == "b":
                    write(f'<c r="{name}{number}" s="{xf}"/>')
                else:  # a number, or a date as its serial number
                    write(f'<c r="{name}{number}" s="{xf}"><v>{cell.number:.16G}</v></c>')
            write("</row>")

    def _row_tag(self, r: int, span: str | None, row) -> None:
        if row is not None and (row.row_format or row.hidden or row.level or row.collapsed):
            self._write_row(r, span, row)
            return
        height = row.height if row is not None and row.height is not None else self.default_row_height
        attrs = f' spans="{span}"' if span else ""
        if height != self.original_row_height or height != self.default_row_height:
            attrs += f' ht="{height * 0.75:.16g}" customHeight="1"'
        self.fh.write(f'<row r="{r + 1}"{attrs}>')


# the cell records written here, by their exact type (a subclass goes to xlsxwriter's path)
_KINDS = {CellStringTuple: "s", CellBlankTuple: "b", CellNumberTuple: "n", CellDatetimeTuple: "n"}
_COLUMN_NAMES: dict[int, str] = {}  # 0-based column -> its letters, as xl_rowcol_to_cell_fast names it


def _column_name(col: int) -> str:
    name = _COLUMN_NAMES[col] = xl_rowcol_to_cell_fast(0, col)[:-1]
    return name


def _spans(rows: list[int], table, comments) -> dict[int, str]:
    """xlsxwriter's `spans`: per block of 16 rows, the first and last column used (1-based)."""
    spans: dict[int, tuple[int, int]] = {}
    for r in rows:
        cols = [*table.get(r, ()), *comments.get(r, ())]
        if cols:
            lo, hi = min(cols), max(cols)
            old = spans.get(r // 16)
            spans[r // 16] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
    return {block: f"{lo + 1}:{hi + 1}" for block, (lo, hi) in spans.items()}


def _sample(sheet_class: type[Worksheet]) -> bytes:
    """A small workbook through every path of FastSheet: strings (short and long), numbers, a date,
    blanks, an unformatted cell, a formula, a merge, row heights, a row format, a hidden row, a
    comment, and a far cell (spans over several blocks of 16 rows)."""
    buffer = BytesIO()
    wb = Workbook(buffer, {"in_memory": True})
    wb.set_properties({"created": datetime(2000, 1, 1)})
    fmt, bold = wb.add_format({"border": 1}), wb.add_format({"bold": True})
    ws = wb.add_worksheet("s", sheet_class)
    ws.write_string(0, 0, "文本", fmt)
    ws.write_string(0, 3, "x" * 20_000, fmt)
    ws.write_number(1, 1, 94.55, fmt)
    ws.write_datetime(2, 0, date(2021, 9, 18), wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_blank(2, 1, None, fmt)
    ws.write_string(3, 0, "plain")
    ws.write_formula(3, 1, "=B2*2", fmt, 189.1)
    ws.merge_range(4, 0, 5, 2, "merged", fmt)
    ws.set_row(0, 30)
    ws.set_row(6, None, bold)
    ws.set_row(7, 15, None, {"hidden": True})
    ws.write_comment(8, 4, "note")
    ws.write_string(40, 20, "far", fmt)
    wb.add_worksheet("plain", sheet_class)
    wb.close()
    return buffer.getvalue()


def writes_what_xlsxwriter_writes(sheet_class: type[Worksheet]) -> bool:
    try:
        return _sample(sheet_class) == _sample(Worksheet)
    except Exception:  # an internal that moved: AttributeError, TypeError, ...
        return False


# The class to add worksheets with (xlsx.add_sheet): ours where it is proven equal, else xlsxwriter's.
Sheet: type[Worksheet] = (
    FastSheet if CellStringTuple is not None and writes_what_xlsxwriter_writes(FastSheet) else Worksheet
)


# ---------------------------------------------------------------- the shared strings
# What makes xlsxwriter write a string otherwise than `<si><t>string</t></si>`: an `_xHHHH_` it
# escapes, a control character, U+FFFE/U+FFFF, an XML special, leading or trailing whitespace
# (xml:space="preserve"), a rich string (`<r>…</r>`, caught by its `<`). Its regexes, in one.
_CARE = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|^\s|\s$")


class FastStrings(SharedStrings):
    """xl/sharedStrings.xml with each plain string written as it is: xlsxwriter runs every string
    through two substitutions, two whitespace searches and an escape search, and builds its
    element from a list of attributes (~3.5 µs a string; a scored workbook has ~210)."""

    def _write_sst_strings(self) -> None:
        write, care, general = self.fh.write, _CARE.search, self._write_si
        for string in self.string_table.string_array:
            if type(string) is str and not care(string):
                write(f"<si><t>{string}</t></si>")
            else:
                general(string)


STRING_SAMPLES = (
    "文本", "plain", " lead", "trail ", "tab\t", "line\n", "\nfirst", "a\x01b", "\x1f", "x_x00A9_y",
    "_x005F_", "a&b", "<r>rich</r>", "1 < 2 > 0", 'say "hi"', "\ufffe\uffff", "\u3000全角空格", "全角\u3000",
    "", "_x12G4_", "_xABCD", "\x7f\x0b\x0c",
)  # fmt: skip


def _strings(strings_class: type[SharedStrings]) -> str:
    table = SharedStringTable()
    for string in STRING_SAMPLES:
        table._get_shared_string_index(string)
    table._sort_string_data()
    sst = strings_class()
    sst.string_table = table
    out = StringIO()
    sst._set_xml_writer(out)
    sst._assemble_xml_file()
    return out.getvalue()


def strings_as_xlsxwriter_writes() -> bool:
    try:
        return _strings(FastStrings) == _strings(SharedStrings)
    except Exception:  # an internal that moved
        return False


# The one name xlsxwriter's Packager makes the shared strings part with: ours where proven equal.
if strings_as_xlsxwriter_writes():
    xlsxwriter.packager.SharedStrings = FastStrings


# ---------------------------------------------------------------- attributes
# xlsxwriter escapes every attribute of every element it writes (~1,000 a scored workbook) with a
# regex search in a try block: for the numbers among them (column widths, margins, style and font
# ids) the search raises TypeError, which is caught and the number written as it is.
_ESCAPE_ATTRIBUTES = XMLwriter._escape_attributes
_SPECIAL = getattr(xlsxwriter.xmlwriter, "xml_escapes", None)


def _escape_attributes(self, attribute):
    """xlsxwriter's, without the search on a number or on a text with nothing to escape."""
    if isinstance(attribute, str):
        return _ESCAPE_ATTRIBUTES(self, attribute) if _SPECIAL.search(attribute) else attribute
    if isinstance(attribute, (int, float)):
        return attribute
    return _ESCAPE_ATTRIBUTES(self, attribute)


ATTRIBUTE_SAMPLES = ("plain", 'a "q" & <b>\n', "", 0, 3, -1.5, 8.43, True, None, b"x&y", "文本")


def attributes_as_xlsxwriter_writes() -> bool:
    try:
        return all(
            _escape_attributes(None, a) == _ESCAPE_ATTRIBUTES(None, a)
            and type(_escape_attributes(None, a)) is type(_ESCAPE_ATTRIBUTES(None, a))
            for a in ATTRIBUTE_SAMPLES
        )
    except Exception:  # an internal that moved
        return False


if _SPECIAL is not None and attributes_as_xlsxwriter_writes():
    XMLwriter._escape_attributes = _escape_attributes
