"""display.py: one rounding rule (half up on the written decimal) for every number people read."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.display import (
    day,
    fixed,
    money,
    money_key,
    percent,
    quantity,
    round_half_up,
    show,
    wan,
    wan_column,
)


@pytest.mark.parametrize(
    ("x", "decimals", "text"),
    [
        (10, 2, "10"),
        (10.0, 2, "10"),
        (8.885, 2, "8.89"),  # half up; f"{8.885:.2f}" gives 8.88 (the binary value is below)
        (2.675, 2, "2.68"),  # round(2.675, 2) gives 2.67
        (0.125, 2, "0.13"),  # an exact tie: banker's rounding would give 0.12
        (2.5, 0, "3"),
        (0.1 + 0.2, None, "0.3"),  # no float noise
        (94.55, 2, "94.55"),
        (19.697, 4, "19.697"),
        (-0.0001, 2, "0"),  # never "-0"
        (-1.005, 2, "-1.01"),
        (None, 2, ""),
    ],
)
def test_show(x, decimals, text):
    assert show(x, decimals) == text


@pytest.mark.parametrize(
    ("x", "decimals", "text"),
    [(19.697, 4, "19.6970"), (121, 4, "121.0000"), (-0.00001, 2, "0.00"), (None, 4, ""), (1e20, 2, "1e+20")],
)
def test_fixed(x, decimals, text):
    assert fixed(x, decimals) == text


@pytest.mark.parametrize(
    ("fraction", "decimals", "text"),
    [(0.9455, 2, "94.55%"), (1.0, 2, "100%"), (0.99995, 2, "100%"), (0.5, 0, "50%"), (None, 2, "")],
)
def test_percent(fraction, decimals, text):
    assert percent(fraction, decimals) == text


@pytest.mark.parametrize(("x", "text"), [(120.5, "120.50"), (19.697, "19.6970"), (121, "121.00")])
def test_money_shows_yuan_only_when_they_matter(x, text):
    assert money(x) == text


def test_quantity_keeps_its_unit():
    assert quantity(36.0, "次") == "36次" and quantity(98.5, "%") == "98.5%"


@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(0, 6))
def test_any_float_shows_without_raising_and_rounds_as_shown(x, decimals):
    text = show(x, decimals)
    assert text
    if math.isfinite(x) and abs(x) < 1e15:
        assert float(text) == pytest.approx(round_half_up(x, decimals), abs=10**-decimals)


def test_amounts_are_shown_and_compared_to_the_yuan():
    """万元 to four decimals (the yuan), half up: in running text without trailing zeros, in a table
    column always four; two amounts are the same when they are the same to the yuan (P005, X001)."""
    assert (wan(120.5), wan(19.697), wan(None)) == ("120.5", "19.697", "")
    assert (wan_column(19.697), wan_column(None)) == ("19.6970", "")
    assert money_key(25.00005) == 25.0001  # half up, where round() gives 25.0 (binary 25.0000499…)
    assert money_key(25.00004) == money_key(24.99996) == 25.0


def test_a_date_as_a_document_writes_it():
    from datetime import date

    assert (day(date(2024, 5, 6)), day(None), day("2024-05-06")) == ("2024年5月6日", "", "")
