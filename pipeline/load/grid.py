"""Sheets as grids of raw values (python-calamine), merges filled in, headers found by label.

calamine reads a small workbook in ~2 ms against openpyxl's ~24 ms, and python-calamine reports
merged ranges itself, so openpyxl is not needed to read. Formulas without cached values come
back as blanks; container.py finds them in the XML so the loader can say I006 instead of "empty".
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

from ..schema import Sheet
from ..values import normalize_label, split_unit

HEADER_SCAN_ROWS = 10
_LETTER_SUFFIX = re.compile(r"\([A-Za-z/+\-×÷]+\)$")  # 全年执行数（B）, 执行率（B/A）


@dataclass
class Grid:
    name: str  # the sheet's real name in the workbook
    rows: list[list[object]]
    uncached: frozenset[str] = frozenset()

    def value(self, row: int, col: int) -> object:
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            v = self.rows[row][col]
            return None if v == "" else v
        return None


def fill_merges(rows: list[list[object]], merges: list) -> list[list[object]]:
    """Every cell of a merged range takes the top-left value (staff merge 一级/二级指标).

    A merge is clipped to the cells that exist: a range reaching past the last row or column that
    holds anything adds nothing but blanks (and `A1:XFD1048576` would ask for 17 billion cells).
    """
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    for (r0, c0), (r1, c1) in merges or ():
        if r0 >= height or c0 >= width:
            continue
        r1, c1 = min(r1, height - 1), min(c1, width - 1)
        top = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, r1 + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = top
    return rows


def sheet_key(name: str) -> str:
    return normalize_label(name)


def find_sheet(names: list[str], wanted: str, visible: set[str]) -> str | None:
    """The workbook's sheet whose normalised name is `wanted`; a visible one wins over a hidden twin."""
    key = sheet_key(wanted)
    matches = [n for n in names if sheet_key(n) == key]
    matches.sort(key=lambda n: (n not in visible, n))
    return matches[0] if matches else None


def near_miss(names: list[str], wanted: str) -> str | None:
    keys = {sheet_key(n): n for n in names}
    close = difflib.get_close_matches(sheet_key(wanted), list(keys), n=1, cutoff=0.5)
    if close:
        return keys[close[0]]
    return next((n for n in names if sheet_key(wanted)[:2] in sheet_key(n)), None)


def header_key(label: object) -> tuple[str, str | None]:
    """A header cell -> (normalised name, money unit it names or None)."""
    return _header_key(str(label) if label is not None else "")


@functools.lru_cache(maxsize=8192)  # every workbook repeats the same few dozen header texts
def _header_key(label: str) -> tuple[str, str | None]:
    name, unit = split_unit(label)
    return _LETTER_SUFFIX.sub("", name), unit


@dataclass
class Header:
    row: int  # 0-based row of the header
    columns: dict[str, int]  # column key -> 0-based column index
    units: dict[str, str]  # column key -> 万元/元 where the header names a unit
    sheet_unit: str | None  # `金额单位：元` written above the header


_SHEET_UNIT = re.compile(r"单位[:：]?\s*(万元|元)")


@functools.lru_cache(maxsize=64)  # a handful of sheet shapes, asked for by every workbook
def _keys_named(sheet: Sheet) -> dict[str, tuple[str, ...]]:
    """A header text (as header_key gives it) -> the keys of the columns it may name, in the
    sheet's order: a cell takes the first of them still free."""
    keys: dict[str, list[str]] = {}
    for column in sheet.columns:
        for name in dict.fromkeys(header_key(n)[0] for n in column.names):
            keys.setdefault(name, []).append(column.key)
    return {name: tuple(k) for name, k in keys.items()}


def find_header(grid: Grid, sheet: Sheet) -> Header:
    """The row (among the first few) that names the most of the sheet's columns."""
    keys_named = _keys_named(sheet)
    best = Header(0, {}, {}, None)
    for r in range(min(HEADER_SCAN_ROWS, len(grid.rows))):
        columns: dict[str, int] = {}
        units: dict[str, str] = {}
        for c, cell in enumerate(grid.rows[r]):
            if cell is None or cell == "":
                continue
            name, unit = header_key(cell)
            for key in keys_named.get(name, ()):
                if key not in columns:
                    columns[key] = c
                    if unit:
                        units[key] = unit
                    break
        if len(columns) > len(best.columns):
            best = Header(r, columns, units, None)
    for r in range(best.row + 1):
        for cell in grid.rows[r] if r < len(grid.rows) else ():
            m = _SHEET_UNIT.search(normalize_label(str(cell))) if isinstance(cell, str) else None
            if m:
                best.sheet_unit = m.group(1)
    return best
