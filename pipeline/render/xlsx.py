"""xlsxwriter where a scored workbook spends its time: writing each cell's XML when the file is closed.

xlsxwriter builds every `<c>` element through a general path: a list of attribute pairs, each value
run through a regex in case it needs escaping, the cell's kind found by its class name. Most of our
cells are a shared string, a number or a blank, each with a format, and their attributes are a cell
address and a style index, which never need escaping. `Sheet` writes those in one f-string, the same
bytes xlsxwriter writes, and hands every other cell to xlsxwriter unchanged: about a tenth of a
workbook's CPU time.

It subclasses through xlsxwriter's own extension point (`Workbook.add_worksheet(name, worksheet_class)`,
as in its examples/inheritance1.py) and affects only the sheets created with it. It does override a
private method, `_write_cell(row, col, cell)`, whose signature has not changed since xlsxwriter 1.x;
the bytes are those xlsxwriter 3.3 writes (checked on every workbook of the bench corpus). A release
that renames its cell records sends every cell back to xlsxwriter's writer; one that changes their
fields fails loudly, in every test that writes a workbook.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import Worksheet

_FAST = {"String", "Blank", "Number", "Datetime"}  # the cell records written here; others: xlsxwriter


class Sheet(Worksheet):
    """A worksheet whose formatted string, number and blank cells are written without the general path."""

    def _write_cell(self, row: int, col: int, cell) -> None:
        kind = type(cell).__name__  # the cell record's kind, as xlsxwriter itself tells them apart
        if cell.format is None or kind not in _FAST or self.constant_memory:
            super()._write_cell(row, col, cell)  # unformatted cells, formulas, inline strings, ...
            return
        attrs = f'r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell.format._get_xf_index()}"'
        if kind == "String":  # .string is the string's index in the shared strings
            self.fh.write(f'<c {attrs} t="s"><v>{cell.string}</v></c>')
        elif kind == "Blank":
            self.fh.write(f"<c {attrs}/>")
        else:  # a number, or a date as its serial number
            self.fh.write(f"<c {attrs}><v>{cell.number:.16G}</v></c>")
