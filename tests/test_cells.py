"""cells.py: A1 notation, table-driven (after XlsxWriter's test_utility), plus round trips."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cells import a1, a1_range, col_index, col_letter, expand_range, parse_a1

COLUMNS = [
    (0, "A"),
    (1, "B"),
    (25, "Z"),
    (26, "AA"),
    (51, "AZ"),
    (52, "BA"),
    (701, "ZZ"),
    (702, "AAA"),
    (16_383, "XFD"),  # Excel's last column
]


@pytest.mark.parametrize(("index", "letters"), COLUMNS)
def test_col_letter(index, letters):
    assert col_letter(index) == letters


@pytest.mark.parametrize(("index", "letters"), COLUMNS)
def test_col_index(index, letters):
    assert col_index(letters) == index
    assert col_index(letters.lower()) == index
    assert col_index(letters.encode()) == index  # as sheet XML spells it


def test_col_index_reads_at_most_eight_letters():
    assert col_index("A" * 9) == col_index("A" * 8) == col_index("A" * 100_000)


def test_col_letter_of_a_negative_index_raises():
    with pytest.raises(ValueError):
        col_letter(-1)


@pytest.mark.parametrize(
    ("row", "col", "address"),
    [(0, 0, "A1"), (6, 5, "F7"), (0, 26, "AA1"), (1_048_575, 16_383, "XFD1048576"), (9, 2, "C10")],
)
def test_a1_and_parse_a1(row, col, address):
    assert a1(row, col) == address
    assert parse_a1(address) == (row, col)


@pytest.mark.parametrize(
    ("address", "cell"),
    [("$F$7", (6, 5)), ("f7", (6, 5)), ("B2:D4", (1, 1)), ("$A1", (0, 0))],
)
def test_parse_a1_accepts_absolute_lower_case_and_ranges(address, cell):
    assert parse_a1(address) == cell


@pytest.mark.parametrize("address", ["", "7F", "A", "1", "ABCD1", "A-1", "A1B", "支付明细!F7"])
def test_parse_a1_rejects_what_is_no_address(address):
    with pytest.raises(ValueError):
        parse_a1(address)


@pytest.mark.parametrize(
    ("corners", "text"), [((0, 0, 0, 0), "A1"), ((1, 1, 3, 3), "B2:D4"), ((6, 5, 9, 5), "F7:F10")]
)
def test_a1_range(corners, text):
    assert a1_range(*corners) == text


@pytest.mark.parametrize(
    ("address", "cells"),
    [
        ("A1", [(0, 0)]),
        ("A1:B2", [(0, 0), (0, 1), (1, 0), (1, 1)]),
        ("B2:A1", [(0, 0), (0, 1), (1, 0), (1, 1)]),  # corners in either order
        ("C3:C5", [(2, 2), (3, 2), (4, 2)]),
    ],
)
def test_expand_range(address, cells):
    assert expand_range(address) == cells


@given(st.integers(0, 1_048_575), st.integers(0, 16_383))
def test_any_cell_round_trips(row, col):
    assert parse_a1(a1(row, col)) == (row, col)
    assert col_index(col_letter(col)) == col
