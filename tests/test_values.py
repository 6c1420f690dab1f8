"""The parsers of what staff type: examples from real workbooks, then properties (hypothesis)."""

import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.values import (
    AT_LEAST,
    AT_MOST,
    GREATER,
    Unreadable,
    comparator_word,
    date_in_words,
    half_width,
    indicator_name,
    normalize_label,
    numbers_in_words,
    parse_date,
    parse_dates,
    parse_deadline,
    parse_money,
    parse_number,
    parse_quantity,
    parse_rate,
    parse_year,
    parse_zero_target,
    split_unit,
)

FULL_WIDTH = str.maketrans("0123456789.,%", "０１２３４５６７８９．，％")


@pytest.mark.parametrize(
    ("typed", "unit", "wan"),
    [
        (121, "万元", 121.0),
        ("121", "万元", 121.0),
        ("121.0", "万元", 121.0),
        ("121 万元", "万元", 121.0),
        ("121万", "元", 121.0),
        ("1,210,000元", "万元", 121.0),
        ("１２１", "万元", 121.0),
        ("￥1,210,000.00元", "万元", 121.0),
        (1210000, "元", 121.0),
        ("196970", "元", 19.697),
        ("", "万元", None),
        (None, "万元", None),
    ],
)
def test_money_as_staff_type_it(typed, unit, wan):
    assert (
        parse_money(typed, unit) == pytest.approx(wan)
        if wan is not None
        else parse_money(typed, unit) is None
    )


@pytest.mark.parametrize("typed", ["十二万", "121万元整 ", "abc", "1.2.3", "12 34", True])
def test_money_that_is_not_money_is_unreadable(typed):
    with pytest.raises(Unreadable):
        parse_money(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("100%", 1.0),
        ("１００％", 1.0),
        (0.95, 0.95),
        (1, 1.0),
        ("95", 0.95),
        ("95.5%", 0.955),
        ("百分之九十", None),
    ],
)
def test_rates(typed, expected):
    if expected is None:
        with pytest.raises(Unreadable):
            parse_rate(typed)
    else:
        assert parse_rate(typed) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("typed", "day", "assumed"),
    [
        ("2021.9.18", date(2021, 9, 18), False),
        ("2021年9月18日", date(2021, 9, 18), False),
        ("2021/9/18", date(2021, 9, 18), False),
        ("2021-09-18", date(2021, 9, 18), False),
        ("20210918", date(2021, 9, 18), False),
        (44457, date(2021, 9, 18), False),
        ("12.07", date(2021, 12, 7), True),
        ("12月7日", date(2021, 12, 7), True),
    ],
)
def test_dates_in_every_common_form(typed, day, assumed):
    assert parse_date(typed, 2021) == (day, assumed)


def test_a_cell_listing_several_days_reads_them_all_and_says_the_year_was_assumed():
    parsed = parse_dates("12.07、12.09、 12.15，12.13", 2021)
    assert parsed.days == (date(2021, 12, 7), date(2021, 12, 9), date(2021, 12, 15), date(2021, 12, 13))
    assert parsed.year_assumed


@pytest.mark.parametrize("typed", ["2021.2.30", "13.45", "明年", "2021年13月1日", 5])
def test_impossible_dates_are_unreadable(typed):
    with pytest.raises(Unreadable):
        parse_dates(typed, 2021)


def test_a_date_without_year_and_no_budget_year_is_unreadable_not_guessed():
    with pytest.raises(Unreadable):
        parse_date("12.07", None)


@pytest.mark.parametrize(
    ("typed", "year"), [(2021, 2021), ("2021年", 2021), ("2021年度", 2021), ("２０２１", 2021)]
)
def test_years(typed, year):
    assert parse_year(typed) == year


@pytest.mark.parametrize(
    ("text", "comparator", "value", "unit"),
    [
        ("≥36次", AT_LEAST, 36, "次"),
        ("≤5%", AT_MOST, 5, "%"),
        ("大于95%", GREATER, 95, "%"),
        ("36次以上", AT_LEAST, 36, "次"),
        ("≥1.68万人次/月", AT_LEAST, 16800, "人次/月"),
        ("不低于 90 %", AT_LEAST, 90, "%"),
        ("控制在3万元以内", AT_MOST, 30000, "元"),
        ("90%", None, 90, "%"),
    ],
)
def test_quantitative_targets(text, comparator, value, unit):
    q = parse_quantity(text)
    assert (q.comparator, q.value, q.unit) == (comparator, pytest.approx(value), unit)


@pytest.mark.parametrize(
    "text", ["12月底前", "12月份", "上级考核", "公文流转顺畅", "", "网站升级版，可以多端口登录"]
)
def test_prose_targets_are_not_quantities(text):
    assert parse_quantity(text) is None


def test_header_labels_normalise_and_name_their_unit():
    assert split_unit("支付金额（元）") == ("支付金额", "元")
    assert split_unit("预算金额 (万元)") == ("预算金额", "万元")
    assert normalize_label(" 分　值 ") == "分值"
    assert normalize_label("资金来源：") == "资金来源"


# ---------------------------------------------------------------- properties
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amounts)
def test_money_typed_in_yuan_with_separators_equals_the_number_in_wan(amount):
    yuan = f"{amount:,.2f}元"
    assert parse_money(yuan) == pytest.approx(float(amount) / 10000, rel=1e-12, abs=1e-9)


@given(amounts)
def test_full_width_digits_read_as_half_width(amount):
    text = f"{amount:.2f}"
    assert parse_money(text.translate(FULL_WIDTH)) == parse_money(text)


@given(
    st.dates(min_value=date(1951, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["{y}.{m}.{d}", "{y}年{m}月{d}日", "{y}/{m}/{d}", "{y}-{m:02d}-{d:02d}"]),
)
def test_every_written_form_of_a_date_reads_back_to_that_date(day, form):
    text = form.format(y=day.year, m=day.month, d=day.day)
    assert parse_date(text) == (day, False)


@given(st.dates(min_value=date(1951, 1, 1), max_value=date(2099, 12, 31)))
def test_excel_serials_round_trip(day):
    serial = (day - date(1899, 12, 30)).days
    assert parse_date(serial) == (day, False)


@given(st.text(max_size=40))
def test_parsers_never_raise_anything_but_unreadable(text):
    for parser in (parse_money, parse_number, parse_rate, parse_year, lambda t: parse_dates(t, 2021)):
        with contextlib.suppress(Unreadable):
            parser(text)
    parse_quantity(text)
    half_width(text)


@given(
    amounts,
    st.sampled_from(["≥", "≤", "不低于", "大于", "<"]),
    st.sampled_from(["次", "%", "人", "个", "万元"]),
)
def test_a_target_reads_back_its_number(x, comparator, unit):
    q = parse_quantity(f"{comparator}{x}{unit}")
    assert q is not None
    factor = 1e4 if unit == "万元" else 1
    assert q.value == pytest.approx(float(x) * factor)


# ---------------------------------------------------------------- v2 parsers


@pytest.mark.parametrize(
    ("text", "count", "value", "after"),
    [
        ("实际受益4812人", 1, 4812, "人"),
        ("共38所", 1, 38, "所"),
        ("完成率达98%", 1, 98, "%"),
        ("受益１，２００户", 1, 1200, "户"),  # full-width, thousands separator
        ("计划40所完成38所", 2, 0, ""),
        ("已完成", 0, 0, ""),
    ],
)
def test_numbers_among_words(text, count, value, after):
    n = numbers_in_words(text)
    assert (n.count, n.value, n.after) == (count, value, after)


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("12月底前", date(2023, 12, 31)),
        ("2023年6月30日前", date(2023, 6, 30)),
        ("6月30日前完成", date(2023, 6, 30)),
        ("年底前", date(2023, 12, 31)),
        ("2023年内", date(2023, 12, 31)),
        ("11月份", date(2023, 11, 30)),
        ("≥36次", None),
        ("及时拨付", None),
    ],
)
def test_deadlines_as_written(text, deadline):
    assert parse_deadline(text, 2023) == deadline


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2023年11月20日完成", date(2023, 11, 20)),
        ("11月完工", date(2023, 11, 30)),
        ("次年3月完成", date(2024, 3, 31)),
        ("2023-11-20", date(2023, 11, 20)),
        ("按时完成", None),
    ],
)
def test_a_date_among_words(text, day):
    assert date_in_words(text, 2023) == day


@pytest.mark.parametrize(
    ("text", "kind"),
    [("≥", AT_LEAST), ("≤", AT_MOST), ("正向", AT_LEAST), ("反向指标", AT_MOST), ("定量", None)],
)
def test_a_comparator_written_alone(text, kind):
    assert comparator_word(text) == kind


def test_a_zero_target_in_words():
    assert parse_zero_target("零事故").value == 0
    assert parse_zero_target("事故") is None


def test_indicator_names_short_forms_and_closest():
    known = ("产出指标", "效益指标", "满意度指标", "成本指标")
    assert indicator_name("满意度", known) == ("满意度指标", "")
    assert indicator_name("二、效益指标", known) == ("效益指标", "")
    assert indicator_name("效果指标", known) == ("效益指标", "closest")


@given(st.text(max_size=40))
def test_the_v2_parsers_never_raise(text):
    numbers_in_words(text)
    parse_deadline(text, 2023)
    parse_deadline(text, None)
    date_in_words(text, 2023)
    comparator_word(text)
    parse_zero_target(text)
    indicator_name(text, ("产出指标", "效益指标"))
