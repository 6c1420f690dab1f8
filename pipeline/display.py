"""Numbers as people read them: in messages, sheets, the report and the console, one rounding rule.

四舍五入 (half up on the decimal the number is written as, as staff and calculators do), never
Python's banker's rounding or the binary value's own: 2.675 shows as 2.68. Scores are rounded by the
same rule (scoring.py), so a score and the text that shows it cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import ROUND_HALF_UP, Decimal

_HUGE = 1e15  # beyond any real amount or score: written as is (Decimal would overflow the quantum)
MONEY_DECIMALS = 4  # 万元 to the yuan: amounts are compared and shown to this place
# (scores: settings.scoring.decimals, which Scores.decimals carries to the renderers)


def round_half_up(x: float, decimals: int) -> float:
    """`x` rounded half up to `decimals` places."""
    if not math.isfinite(x) or abs(x) >= _HUGE:
        return x
    return float(_decimal(x, decimals))


def _decimal(x: float, decimals: int) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# A workbook's figures recur in every workbook (weights, scores, rates): each is shown a few hundred
# times a workbook (~3 µs through Decimal). Equal numbers show alike (10 and 10.0, 0.0 and -0.0: `no
# "-0.00"`), so they may share an entry.
@functools.lru_cache(maxsize=16384)
def fixed(x: float | None, decimals: int) -> str:
    """Exactly `decimals` places (a table column of 万元: `19.6970`); '' for None."""
    if x is None:
        return ""
    if not math.isfinite(x) or abs(x) >= _HUGE:
        return f"{x:.15g}"
    text = f"{_decimal(x, decimals):f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no "-0.00"


def show(x: float | None, decimals: int | None = None) -> str:
    """At most `decimals` places (six when None: no float noise), no trailing zeros: `10`, `8.89`,
    `2.5`, 0.1 + 0.2 -> `0.3`; '' for None."""
    text = fixed(x, 6 if decimals is None else decimals)
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(fraction: float | None, decimals: int = 2) -> str:
    """A fraction as a percentage: 0.9455 -> `94.55%`, 1 -> `100%`; '' for None."""
    return "" if fraction is None else show(fraction * 100, decimals) + "%"


def quantity(value: float, unit: str) -> str:
    """A measured value with its unit: `3次`, `98.5%`."""
    return show(value) + unit


def money(x: float) -> str:
    """万元 in a message: `120.50`, or four decimals when the yuan matter (`19.6970`)."""
    return fixed(x, 2) if abs(x - round_half_up(x, 2)) < 5e-7 else fixed(x, MONEY_DECIMALS)


def wan(x: float | None) -> str:
    """万元 as a figure in running text: to the yuan, no trailing zeros (`120.5`, `19.697`); '' for None."""
    return show(x, MONEY_DECIMALS)


def wan_column(x: float | None) -> str:
    """万元 in a table column: always to the yuan (`19.6970`); '' for None."""
    return fixed(x, MONEY_DECIMALS)


def money_key(x: float) -> float:
    """An amount as two amounts are compared: to the yuan, half up."""
    return round_half_up(x, MONEY_DECIMALS)


def day(d: dt.date | None) -> str:
    """A date as a document writes it: `2024年5月6日`; '' for None (or anything not a date)."""
    return f"{d.year}年{d.month}月{d.day}日" if isinstance(d, dt.date) else ""
