"""The one place that knows A1 notation and Excel's 1-based rows."""

from __future__ import annotations

import re

_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_letter(index: int) -> str:
    """0-based column index -> letters (0 -> A, 26 -> AA)."""
    if index < 0:
        raise ValueError(index)
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str | bytes) -> int:
    """Letters (text, or bytes of sheet XML) -> 0-based column index (A -> 0). At most 8 letters
    are read: anything longer is far past Excel's last column (XFD) anyway, and stays a small int."""
    if isinstance(letters, bytes):
        letters = letters.decode("latin-1")
    n = 0
    for ch in letters.upper()[:8]:
        n = n * 26 + ord(ch) - 64
    return n - 1


def a1(row: int, col: int) -> str:
    """0-based (row, col) -> A1 address."""
    return f"{col_letter(col)}{row + 1}"


def parse_a1(address: str) -> tuple[int, int]:
    """A1 address -> 0-based (row, col). For a range, its top-left cell."""
    first = address.split(":")[0]
    m = _A1.match(first.upper())
    if not m:
        raise ValueError(f"not an A1 address: {address!r}")
    return int(m.group(2)) - 1, col_index(m.group(1))


def a1_range(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    start, end = a1(first_row, first_col), a1(last_row, last_col)
    return start if start == end else f"{start}:{end}"


def expand_range(address: str) -> list[tuple[int, int]]:
    """Every 0-based (row, col) of an A1 range (or the single cell)."""
    parts = address.split(":")
    r0, c0 = parse_a1(parts[0])
    r1, c1 = parse_a1(parts[-1])
    return [(r, c) for r in range(min(r0, r1), max(r0, r1) + 1) for c in range(min(c0, c1), max(c0, c1) + 1)]
