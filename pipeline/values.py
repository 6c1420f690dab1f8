"""Parsing what staff really type: 万元/元, full-width digits, %, dates, comparators.

Every parser takes the raw cell value (str, int, float, date, datetime or None) and either returns
a value or raises `Unreadable` with a short Chinese reason; the loader turns that into I005.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

EXCEL_EPOCH = date(1899, 12, 30)
# Excel serials from 1950 to 2100: anything else is not a plausible date of a budget year
SERIAL_RANGE = (18264, 73051)


class Unreadable(ValueError):
    """A cell whose text cannot be read as the type its column needs."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------- text
_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"), None)


def to_text(value: object) -> str:
    """A cell value as the text staff see (numbers without a spurious `.0`)."""
    if type(value) is str:  # the common case first: this runs for every cell read
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def half_width(text: str) -> str:
    """Full-width digits, letters, punctuation and the ideographic space -> ASCII."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


def normalize_label(text: object) -> str:
    """A header or label as the loader compares it: half-width, no spaces, `（）` ≡ `()`."""
    return _normalize_label(to_text(text))


@functools.lru_cache(maxsize=8192)  # the same few hundred labels are compared in every workbook
def _normalize_label(text: str) -> str:
    text = half_width(text)
    text = _SPACES.sub("", text)
    return text.replace("【", "[").replace("】", "]").replace("：", ":").rstrip(":*")


_UNIT_SUFFIX = re.compile(r"^(.*?)[(\[](?:单位[:：]?)?(万元|元)[)\]]$")


def split_unit(label: str) -> tuple[str, str | None]:
    """`预算金额(万元)` -> (`预算金额`, `万元`); labels without a money unit -> (label, None)."""
    norm = normalize_label(label)
    m = _UNIT_SUFFIX.match(norm)
    if m and m.group(1):
        return m.group(1), m.group(2)
    return norm, None


# ---------------------------------------------------------------- numbers
_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+"
_MONEY = re.compile(rf"^[¥￥$]?\s*({_NUMBER})\s*(万元|万|元)?$")
_SCORE = re.compile(rf"^({_NUMBER})\s*分?$")
_RATE = re.compile(rf"^({_NUMBER})\s*(%)?$")


def _clean(value: object) -> str:
    text = half_width(to_text(value)).strip()
    return _SPACES.sub(" ", text)


def _num(token: str) -> float:
    return float(token.replace(",", ""))


def _finite(x: float, what: str) -> float:
    if not math.isfinite(x):
        raise Unreadable(f"不是有效的{what}")
    return x


def parse_money(value: object, column_unit: str = "万元") -> float | None:
    """An amount in 万元. The cell's own unit (`121 万元`, `1,210,000元`) wins over the column's."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Unreadable("不是金额")
    if isinstance(value, (int, float)):
        x = float(value)
        if math.isnan(x):
            return None
        return _finite(x / 10000 if column_unit == "元" else x, "金额")
    text = _clean(value)
    m = _MONEY.match(text)
    if not m:
        raise Unreadable("不是金额")
    x = _num(m.group(1))
    unit = {"万": "万元"}.get(m.group(2) or "", m.group(2)) or column_unit
    return _finite(x / 10000 if unit == "元" else x, "金额")


def parse_number(value: object) -> float | None:
    """A score or weight: `10`, `2.5 分`, `１０分`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Unreadable("不是数字")
    if isinstance(value, (int, float)):
        return None if math.isnan(float(value)) else _finite(float(value), "数字")
    m = _SCORE.match(_clean(value))
    if not m:
        raise Unreadable("不是数字")
    return _finite(_num(m.group(1)), "数字")


def parse_rate(value: object) -> float | None:
    """A rate as a fraction: `100%` -> 1.0; 0.95 -> 0.95; a bare 95 -> 0.95 (nobody executes 95×)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Unreadable("不是百分比")
    if isinstance(value, (int, float)):
        x = float(value)
        if math.isnan(x):
            return None
        return _finite(x / 100 if x > 2 else x, "百分比")
    text = _clean(value).replace("百分之", "")
    m = _RATE.match(text)
    if not m:
        raise Unreadable("不是百分比")
    x = _num(m.group(1))
    return _finite(x / 100 if m.group(2) or x > 2 else x, "百分比")


def parse_year(value: object) -> int | None:
    """`2021`, `2021年`, `2021年度`, 2021.0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (datetime, date)):
        return value.year
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        x = float(value)
        if x.is_integer() and 1990 <= x <= 2100:
            return int(x)
        raise Unreadable("不是年份")
    m = re.match(r"^(\d{4})\s*(?:年度?)?$", _clean(value))
    if not m or not 1990 <= int(m.group(1)) <= 2100:
        raise Unreadable("不是年份")
    return int(m.group(1))


# ---------------------------------------------------------------- dates
_FULL_DATE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SHORT_DATE = re.compile(r"^(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_DATE_SEPARATORS = re.compile(r"\s*[、,;，；和及]\s*|\s+")


@dataclass(frozen=True)
class Dates:
    days: tuple[date, ...]
    year_assumed: bool  # at least one day was written without its year


def _from_serial(x: float) -> date:
    if not SERIAL_RANGE[0] <= x <= SERIAL_RANGE[1]:
        raise Unreadable("不是日期")
    return EXCEL_EPOCH + timedelta(days=int(x))


def _make_date(y: int, m: int, d: int, raw: object) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise Unreadable("不是有效日期") from None


def parse_date(value: object, default_year: int | None = None) -> tuple[date, bool] | None:
    """One date -> (date, year_assumed). `12.07` takes `default_year` and says so."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date(), False
    if isinstance(value, date):
        return value, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value)), False
    text = _clean(value)
    if m := _FULL_DATE.match(text) or _COMPACT_DATE.match(text):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), value), False
    if m := _SHORT_DATE.match(text):
        if default_year is None:
            raise Unreadable("没有写年份，且预算年度未知")
        return _make_date(default_year, int(m.group(1)), int(m.group(2)), value), True
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_serial(float(text)), False
    raise Unreadable("不是日期")


def parse_dates(value: object, default_year: int | None = None) -> Dates | None:
    """A cell that may list several days: `12.07、12.09`, `2021.9.18`, a serial."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        one = parse_date(value, default_year)
        return Dates((one[0],), one[1]) if one else None
    parts = [p for p in _DATE_SEPARATORS.split(_clean(value)) if p]
    # `2021年 9月 18日` with spaces is one date, not three
    if len(parts) > 1 and any(not (_FULL_DATE.match(p) or _SHORT_DATE.match(p)) for p in parts):
        parts = [_clean(value).replace(" ", "")]
    days: list[date] = []
    assumed = False
    for part in parts:
        parsed = parse_date(part, default_year)
        if parsed:
            days.append(parsed[0])
            assumed |= parsed[1]
    return Dates(tuple(days), assumed) if days else None


# ---------------------------------------------------------------- indicator targets
AT_LEAST, AT_MOST, EQUAL, GREATER, LESS = "不低于", "不高于", "等于", "大于", "小于"

# Longest first so that `不低于` is not read as `低于`, nor `大于等于` as `大于`.
_PREFIX_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("大于或等于", AT_LEAST),
    ("小于或等于", AT_MOST),
    ("大于等于", AT_LEAST),
    ("小于等于", AT_MOST),
    ("不低于", AT_LEAST),
    ("不少于", AT_LEAST),
    ("不高于", AT_MOST),
    ("不超过", AT_MOST),
    ("不大于", AT_MOST),
    ("不小于", AT_LEAST),
    ("控制在", AT_MOST),
    ("至少", AT_LEAST),
    ("达到", AT_LEAST),
    ("大于", GREATER),
    ("小于", LESS),
    ("低于", AT_MOST),
    ("高于", GREATER),
    ("超过", GREATER),
    ("等于", EQUAL),
    (">=", AT_LEAST),
    ("<=", AT_MOST),
    ("≥", AT_LEAST),
    ("≧", AT_LEAST),
    ("≤", AT_MOST),
    ("≦", AT_MOST),
    ("=", EQUAL),
    (">", GREATER),
    ("<", LESS),
    ("为", EQUAL),
)
_SUFFIX_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("及以上", AT_LEAST),
    ("以上", AT_LEAST),
    ("及以下", AT_MOST),
    ("以下", AT_MOST),
    ("以内", AT_MOST),
)
_MULTIPLIERS = {"万": 1e4, "亿": 1e8}
# Words after a number that make it a point in time, not a quantity: `12月底前`, `12月份`.
_TIME_POINT = re.compile(r"^(月|月份|月底|月底前|月前|日前|号前|年底|年底前|季度|前)$")
_QUANTITY = re.compile(rf"^({_NUMBER})\s*(.*)$")


@dataclass(frozen=True)
class Quantity:
    comparator: str | None  # None: a bare number (the row kind decides at least / at most)
    value: float  # in base units: `1.68万` -> 16800
    unit: str  # normalised: `%`, `次`, `人次/月`; '' when none was written
    text: str  # as written
    factor: float = 1.0  # the multiplier written with the unit (`万元` -> 1e4): a bare actual takes it


# units that are one unit written another way (checks.md v3 S008: equal after normalising)
_SAME_UNIT = {"百分比": "%", "百分率": "%"}


def normalize_unit(unit: str) -> tuple[float, str]:
    """`万人次/每月` -> (1e4, `人次/月`); `%` stays, `百分比` is `%`; blanks -> ''."""
    unit = _SPACES.sub("", half_width(unit)).replace("每", "").replace("//", "/")
    unit = _SAME_UNIT.get(unit, unit)
    factor = 1.0
    if unit[:1] in _MULTIPLIERS and unit != "万元":
        factor, unit = _MULTIPLIERS[unit[0]], unit[1:]
    elif unit == "万元":
        factor, unit = 1e4, "元"
    return factor, unit.strip("/")


def parse_quantity(text: object) -> Quantity | None:
    """`≥36次`, `≤5%`, `大于95%`, `36次以上`, `1.68万人次/月` -> Quantity; prose -> None."""
    return _parse_quantity(to_text(text).strip())


@functools.lru_cache(maxsize=8192)  # scoring and several S rules read the same targets
def _parse_quantity(raw: str) -> Quantity | None:
    s = _SPACES.sub("", half_width(raw)).replace("百分之", "")
    if not s:
        return None
    comparator = None
    for word, kind in _PREFIX_COMPARATORS:
        if s.startswith(word):
            comparator, s = kind, s[len(word) :]
            break
    for word, kind in _SUFFIX_COMPARATORS:
        if s.endswith(word):  # `控制在3万元以内`: the prefix already said it; drop the suffix anyway
            comparator, s = comparator or kind, s[: -len(word)]
            break
    m = _QUANTITY.match(s)
    if not m:
        return None
    number, rest = m.group(1), m.group(2)
    if "百分之" in raw.replace(" ", "") and not rest.startswith("%"):
        rest = "%" + rest
    if _TIME_POINT.match(rest) or len(rest) > 8 or re.search(r"\d", rest):
        return None
    factor, unit = normalize_unit(rest)
    value = _num(number) * factor
    if not math.isfinite(value):
        return None
    return Quantity(comparator, value, unit, raw, factor)


# A target of zero written in words: `零事故`, `零投诉` (the words after 零 name the event, not a unit).
_ZERO_WORDS = re.compile(r"^零[\u4e00-\u9fff]{1,8}$")
_ANY_NUMBER = re.compile(_NUMBER)
# What may follow a number as its unit inside a sentence: letters, %, / and CJK up to punctuation.
_UNIT_RUN = re.compile(r"[%A-Za-z/\u4e00-\u9fff]{0,8}")


def parse_zero_target(text: object) -> Quantity | None:
    """`零事故` / `零投诉` -> a target of 0 (less is better); anything else -> None."""
    raw = to_text(text).strip()
    s = _SPACES.sub("", half_width(raw))
    for word, _kind in _PREFIX_COMPARATORS:
        if s.startswith(word):
            s = s[len(word) :]
            break
    return Quantity(AT_MOST, 0.0, "", raw) if _ZERO_WORDS.match(s) else None


@dataclass(frozen=True)
class NumberInWords:
    """The numbers a sentence holds (`实际受益4812人` -> one, `计划40所完成38所` -> two)."""

    count: int  # how many numbers the text holds
    value: float = 0.0  # the number as written, when there is exactly one
    before: str = ""  # the words before it (a comparator may end them: `培训人数不少于`)
    after: str = ""  # the unit-like run after it (`人`, `所学校`, `%`, `万人次`)


def numbers_in_words(text: object) -> NumberInWords:
    """Find the numbers in a sentence: only exactly one is ever read (scoring.md: two are not guessed)."""
    s = _SPACES.sub("", half_width(to_text(text))).replace("百分之", "")
    found = list(_ANY_NUMBER.finditer(s))
    if len(found) != 1:
        return NumberInWords(len(found))
    m = found[0]
    value = _num(m.group(0).lstrip("+"))
    if not math.isfinite(value):
        return NumberInWords(0)
    run = _UNIT_RUN.match(s, m.end())
    after = run.group(0) if run else ""
    if "百分之" in to_text(text) and not after.startswith("%"):
        after = "%" + after
    return NumberInWords(1, value, s[: m.start()], after)


def unit_prefix(run: str, wanted: str) -> tuple[float, str] | None:
    """The longest start of `run` that normalises to the unit `wanted` (`所学校` -> `所`), as (factor, unit)."""
    for end in range(len(run), 0, -1):
        factor, unit = normalize_unit(run[:end])
        if unit == wanted:
            return factor, unit
    return None


def comparator_ending(words: str) -> str | None:
    """The comparator a phrase ends with (`培训人数不少于` -> 不低于), or None."""
    for word, kind in _PREFIX_COMPARATORS:
        if word != "为" and words.endswith(word):
            return kind
    return None


def comparator_starting(words: str) -> str | None:
    """The comparator a phrase starts with (`以上人次` -> 不低于) — the suffix forms `36次以上`."""
    for word, kind in _SUFFIX_COMPARATORS:
        if words.startswith(word):
            return kind
    return None


def comparator_word(text: object) -> str | None:
    """A comparator written on its own, as in a 指标性质 column: `≥`, `≤`, `=`, `大于等于`, `正向`, `反向`."""
    s = _SPACES.sub("", half_width(to_text(text))).replace("指标", "")
    if not s:
        return None
    if s in ("正向", "正"):
        return AT_LEAST
    if s in ("反向", "逆向", "负向"):
        return AT_MOST
    for word, kind in _PREFIX_COMPARATORS:
        if s == word or (word != "为" and s.startswith(word) and not re.search(r"\d", s)):
            return kind
    for word, kind in _SUFFIX_COMPARATORS:
        if s == word:
            return kind
    return None


# ---------------------------------------------------------------- deadlines (时效指标)
_DEADLINE = re.compile(
    r"^(?:(\d{4})年)?(?:(\d{1,2})月(?:(\d{1,2})[日号]|底|末|份)?|(年底|年末|年内|当年|年度内|底|末|内))"
    r"(?:之前|以前|前|内|止)?(?:完成|完工|到位|办结|拨付|支付|验收)?(?:之前|以前|前)?$"
)
_DATE_IN_WORDS = re.compile(
    r"(?:(\d{4})[年./-])?(\d{1,2})[月./-](?:(\d{1,2})[日号]?)?|(\d{4})年(?:底|末)|(次年|下年|翌年)(\d{1,2})月"
)


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def parse_deadline(text: object, year: int | None) -> date | None:
    """`12月底前`, `2022年12月31日前`, `6月30日前完成`, `年底前` -> the last day allowed; else None.

    A deadline without its year falls in the budget year; with no budget year known it is not read.
    """
    s = _SPACES.sub("", half_width(to_text(text)))
    m = _DEADLINE.match(s)
    if not m:
        return None
    y = int(m.group(1)) if m.group(1) else year
    if y is None or not 1990 <= y <= 2100:
        return None
    if m.group(4):
        return date(y, 12, 31)
    month = int(m.group(2))
    if not 1 <= month <= 12:
        return None
    if m.group(3):
        try:
            return date(y, month, int(m.group(3)))
        except ValueError:
            return None
    return _month_end(y, month)


def date_in_words(text: object, year: int | None) -> date | None:
    """The one date a sentence names (`2022年11月25日完成`, `11月完成`, `次年3月`); a month means its last day."""
    s = _SPACES.sub("", half_width(to_text(text)))
    found = list(_DATE_IN_WORDS.finditer(s))
    if len(found) != 1:
        return None
    m = found[0]
    try:
        if m.group(4):
            return date(int(m.group(4)), 12, 31)
        if m.group(5):
            return None if year is None else _month_end(year + 1, int(m.group(6)))
        y = int(m.group(1)) if m.group(1) else year
        if y is None or not 1 <= int(m.group(2)) <= 12:
            return None
        if m.group(3):
            return date(y, int(m.group(2)), int(m.group(3)))
        return _month_end(y, int(m.group(2)))
    except ValueError:
        return None


# ---------------------------------------------------------------- 一级/二级指标 names
_NUMBERING = re.compile(r"^(?:[(（]?[一二三四五六七八九十]+[)）、.．]|[(（]?\d{1,2}[)）、.．](?!\d))\s*")
EXACT, CLOSEST, UNKNOWN = "", "closest", "unknown"


def indicator_name(written: str, known: tuple[str, ...]) -> tuple[str, str]:
    """A 一级/二级指标 name -> (the name to score it under, how it was found).

    EXACT: a known name, after the short forms (`满意度` -> 满意度指标) and a numbering (`一、`).
    CLOSEST: not a known name, but exactly one known name is close (`效果指标` -> 效益指标).
    UNKNOWN: no single close name; kept as written (the closest, if any, is `closest_name`).
    """
    name = _NUMBERING.sub("", written).strip()
    if not name:
        return written, EXACT
    for form in (name, f"{name}指标", name.replace("指标", "") + "指标"):
        if form in known:
            return form, EXACT
    core = name.replace("指标", "")
    containing = [k for k in known if core and core in k]
    if len(containing) == 1:
        return containing[0], CLOSEST
    contained = [k for k in known if k.replace("指标", "") in core]
    if len(contained) == 1:
        return contained[0], CLOSEST
    close = difflib.get_close_matches(f"{core}指标", known, n=2, cutoff=0.6)
    if len(close) == 1:
        return close[0], CLOSEST
    return name, UNKNOWN


def closest_name(written: str, known: tuple[str, ...]) -> str:
    """The known name nearest to `written`, for a message; '' when none is near."""
    close = difflib.get_close_matches(written, known, n=1, cutoff=0.3)
    return close[0] if close else ""


_WEIGHT_CHARS = 12  # a weight in a label (`30`, `12.5`) is at most this long; longer runs are a name


def weight_in_label(text: str) -> tuple[str, float | None]:
    """`产出指标（50分）` -> ('产出指标', 50.0); text without a trailing weight -> (text, None).

    Read from the end in one pass: name, an optional bracket, the number, 分, a closing bracket, with the shortest name, as the
    regex this replaces, which backtracked quadratically on long digit runs (96 s per cell)."""
    end = len(text)
    if end and text[end - 1] in ")]":
        end -= 1
    end = len(text[:end].rstrip())
    if end and text[end - 1] == "分":
        end -= 1
    end = len(text[:end].rstrip())
    start = end
    while start and text[start - 1].isdecimal():
        start -= 1
    if start == end:
        return text, None
    if start >= 2 and text[start - 1] == "." and text[start - 2].isdecimal():
        start -= 1
        while start and text[start - 1].isdecimal():
            start -= 1
    number = text[start:end]
    head = text[:start].rstrip()
    if head and head[-1] in "([":
        head = head[:-1]
    if not head or len(number) > _WEIGHT_CHARS:
        return text, None
    return head, float(number)
