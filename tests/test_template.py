"""The template and the example workbook, read back with openpyxl."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import schema
from pipeline.cells import col_letter, expand_range
from pipeline.schema import Sheet
from pipeline.seed import EXAMPLE
from pipeline.template import DROPDOWNS, REQUIRED_MARK, Dropdown, write_example, write_template
from pipeline.values import parse_dates, parse_money, split_unit
from tests.fixtures.messy import EXTRA_SHEET, PAYMENTS_TITLE, write_messy_example

SHEET_ORDER = [schema.INSTRUCTIONS, schema.INFO, *(s.name for s in schema.TABLE_SHEETS), schema.LISTS_SHEET]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    path = tmp_path_factory.mktemp("template") / "模板.xlsx"
    write_template(path)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    path = tmp_path_factory.mktemp("example") / "示例.xlsx"
    write_example(path)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    path = tmp_path_factory.mktemp("messy") / "乱填.xlsx"
    write_messy_example(path)
    return openpyxl.load_workbook(path)


def _records(ws: Worksheet, sheet: Sheet) -> list[dict[str, object]]:
    """Data rows under a row-1 header, keyed by Column.key, merged cells repeated on every row."""
    merged = {
        cell: rng.start_cell.value for rng in ws.merged_cells.ranges for cell in expand_range(rng.coord)
    }
    keys = {c.label: c.key for c in sheet.columns}
    header = [keys[cell.value] for cell in ws[1]]
    records = []
    for r, row in enumerate(ws.iter_rows(min_row=2), start=1):
        values = [merged.get((r, c), cell.value) for c, cell in enumerate(row)]
        if any(v is not None for v in values):
            records.append({key: _plain(v) for key, v in zip(header, values, strict=True)})
    return records


def _plain(value: object) -> object:
    return value.date() if isinstance(value, datetime) else None if value == "" else value


def _validation_at(ws: Worksheet, address: str) -> DataValidation:
    hits = [dv for dv in ws.data_validations.dataValidation if address in dv.sqref]
    assert len(hits) == 1, f"{ws.title}!{address}: {len(hits)} validations"
    return hits[0]


def _width(ws: Worksheet, col: int) -> float:
    """Column width; openpyxl keeps a run of equal columns under the run's first letter."""
    dims = ws.column_dimensions.values()
    return next(d.width for d in dims if d.min is not None and d.min <= col + 1 <= d.max)


def _column_letter(sheet: Sheet, key: str) -> str:
    return col_letter([c.key for c in sheet.columns].index(key))


def _info_row(key: str) -> int:
    return [f.key for f in schema.INFO_FIELDS].index(key) + 2


# ---------------------------------------------------------------- the blank template
def test_template_has_every_sheet_in_order(template: Workbook) -> None:
    assert template.sheetnames == SHEET_ORDER


def test_only_the_list_sheet_is_hidden(template: Workbook) -> None:
    assert {ws.title: ws.sheet_state for ws in template if ws.sheet_state != "visible"} == {
        schema.LISTS_SHEET: "hidden"
    }


@pytest.mark.parametrize("sheet", schema.TABLE_SHEETS, ids=lambda s: s.name)
def test_table_sheet_has_schema_header_widths_and_frozen_row(template: Workbook, sheet: Sheet) -> None:
    ws = template[sheet.name]
    assert [cell.value for cell in ws[1]] == [c.label for c in sheet.columns]
    assert ws.freeze_panes == "A2"
    for col, column in enumerate(sheet.columns):
        assert _width(ws, col) == pytest.approx(column.width, abs=1), column.label


def test_info_sheet_lists_every_field_with_required_marks_in_the_note(template: Workbook) -> None:
    ws = template[schema.INFO]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("项目", "内容", "说明")
    assert [r[0] for r in rows[1:]] == [f.label for f in schema.INFO_FIELDS]
    for field, (_, value, note) in zip(schema.INFO_FIELDS, rows[1:], strict=True):
        assert value is None
        assert (REQUIRED_MARK in str(note or "")) == field.required, field.label
        assert field.hint in str(note or "")
    assert ws.freeze_panes == "A2"


def test_template_prefills_fund_sources_and_narrative_sections(template: Workbook) -> None:
    funds = template[schema.FUNDS.name]
    assert [row[0] for row in funds.iter_rows(min_row=2, values_only=True)] == list(schema.FUND_ROWS)
    narrative = template[schema.NARRATIVE.name]
    assert [row[0] for row in narrative.iter_rows(min_row=2, values_only=True)] == list(
        schema.NARRATIVE_SECTIONS
    )
    assert all(row[1] is None for row in narrative.iter_rows(min_row=2, values_only=True))


def test_other_table_sheets_are_empty(template: Workbook) -> None:
    for sheet in schema.TABLE_SHEETS:
        if sheet not in (schema.FUNDS, schema.NARRATIVE, schema.INDICATORS):
            assert template[sheet.name].max_row == 1, sheet.name


# ---------------------------------------------------------------- issue 15, point 17
def test_indicators_carry_the_one_two_level_skeleton_with_50_30_10(template: Workbook) -> None:
    ws = template[schema.INDICATORS.name]
    records = _records(ws, schema.INDICATORS)
    assert [(r["level1"], r["level2"]) for r in records] == list(schema.SKELETON)
    assert {r["level1"] for r in records} == {"产出指标(50分)", "效益指标(30分)", "满意度指标(10分)"}
    note = ws[f"{_column_letter(schema.INDICATORS, 'weight')}1"].comment
    assert note is not None and "预算执行率" in note.text and "90 分" in note.text


def test_an_unfilled_skeleton_reads_as_no_indicators(tmp_path: Path) -> None:
    from pipeline.config import Settings
    from pipeline.load import load

    path = tmp_path / "blank.xlsx"
    write_template(path)
    loaded = load(path, Settings())
    assert loaded.project is not None and loaded.project.indicators == ()


def test_level1_dropdown_offers_exactly_the_names_the_loader_files_as_level1(template: Workbook) -> None:
    level1 = next(d for d in DROPDOWNS if d.title == "一级指标")
    assert level1.values == ("产出指标", "效益指标", "满意度指标")
    assert "成本指标" not in level1.values and set(level1.values) < set(schema.LEVEL1)


def test_payment_item_offers_the_names_of_the_sub_item_budget(template: Workbook) -> None:
    dv = _validation_at(template[schema.PAYMENTS.name], f"{_column_letter(schema.PAYMENTS, 'item')}2")
    letter = _column_letter(schema.SUBITEMS, "name")
    assert dv.type == "list" and dv.formula1 == f"'{schema.SUBITEMS.name}'!${letter}$2:${letter}$501"
    assert dv.errorStyle == "warning"  # several names joined by 、 stay possible


@pytest.mark.parametrize(
    ("sheet", "key", "kind"),
    [
        (schema.PAYMENTS, "amount", "decimal"),
        (schema.INDICATORS, "weight", "decimal"),
        (schema.INDICATORS, "claimed", "decimal"),
        (schema.FUNDS, "initial", "decimal"),
    ],
)
def test_number_columns_refuse_what_is_not_a_number(
    template: Workbook, sheet: Sheet, key: str, kind: str
) -> None:
    dv = _validation_at(template[sheet.name], f"{_column_letter(sheet, key)}2")
    assert dv.type == kind and dv.errorStyle in (None, "stop") and dv.showErrorMessage


def test_dates_and_years_on_the_info_sheet_are_enforced(template: Workbook) -> None:
    ws = template[schema.INFO]
    assert _validation_at(ws, f"B{_info_row('eval_date')}").type == "date"
    assert _validation_at(ws, f"B{_info_row('year')}").type == "whole"


def test_fund_type_and_role_have_dropdowns() -> None:
    titles = {d.title: d for d in DROPDOWNS}
    assert titles["资金性质"].values[0] == "一般公共预算资金" and titles["资金性质"].key == "fund_type"
    assert titles["角色"].values[:2] == ("组长", "副组长") and titles["角色"].sheet == schema.TEAM.name


def test_the_template_is_set_in_a_cjk_font(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "t.xlsx"
    write_template(path)
    styles = zipfile.ZipFile(path).read("xl/styles.xml").decode()
    assert "Calibri" not in styles and "宋体" in styles


@pytest.mark.parametrize("dropdown", DROPDOWNS, ids=lambda d: d.title)
def test_dropdown_is_fed_from_the_hidden_list_sheet(template: Workbook, dropdown: Dropdown) -> None:
    if dropdown.sheet == schema.INFO:
        address = f"B{_info_row(dropdown.key)}"
    else:
        sheet = next(s for s in schema.TABLE_SHEETS if s.name == dropdown.sheet)
        address = f"{_column_letter(sheet, dropdown.key)}2"
    validation = _validation_at(template[dropdown.sheet], address)
    assert validation.type == "list"
    sheet_name, cells = validation.formula1.split("!")
    assert sheet_name == f"'{schema.LISTS_SHEET}'"
    lists = template[schema.LISTS_SHEET]
    listed = tuple(lists.cell(r + 1, c + 1).value for r, c in expand_range(cells.replace("$", "")))
    assert listed == dropdown.values


def test_level_dropdowns_cover_the_indicator_columns(template: Workbook) -> None:
    ws = template[schema.INDICATORS.name]
    for key in ("level1", "level2"):
        letter = _column_letter(schema.INDICATORS, key)
        assert _validation_at(ws, f"{letter}2").sqref == _validation_at(ws, f"{letter}300").sqref


def test_columns_with_a_hint_show_it_as_input_message(template: Workbook) -> None:
    for sheet in schema.TABLE_SHEETS:
        for column in sheet.columns:
            if column.hint:
                validation = _validation_at(template[sheet.name], f"{_column_letter(sheet, column.key)}2")
                assert validation.prompt == column.hint, (sheet.name, column.label)
                assert validation.showInputMessage


def test_instructions_cover_units_dates_and_the_execution_line(template: Workbook) -> None:
    text = "\n".join(str(row[0]) for row in template[schema.INSTRUCTIONS].iter_rows(values_only=True))
    for phrase in ("万元", "（元）", "2021-09-18", "、", "数量指标(30分)", "预算执行率", "不是指标行"):
        assert phrase in text, phrase
    assert schema.PAYMENTS.column("item").label in text


def test_template_bytes_are_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(first)
    write_template(second)
    assert first.read_bytes() == second.read_bytes()
    assert openpyxl.load_workbook(first).properties.created == datetime(2024, 1, 1)


# ---------------------------------------------------------------- the example
def test_example_has_the_template_layout(template: Workbook, example: Workbook) -> None:
    assert example.sheetnames == template.sheetnames
    for sheet in schema.TABLE_SHEETS:
        assert [c.value for c in example[sheet.name][1]] == [c.value for c in template[sheet.name][1]]


@pytest.mark.parametrize("sheet", schema.TABLE_SHEETS, ids=lambda s: s.name)
def test_example_tables_hold_the_example_data(example: Workbook, sheet: Sheet) -> None:
    expected = [{c.key: _plain(row.get(c.key)) for c in sheet.columns} for row in EXAMPLE.tables[sheet.name]]
    assert _records(example[sheet.name], sheet) == expected


def test_example_info_holds_the_seed_values(example: Workbook) -> None:
    ws = example[schema.INFO]
    values = {f.key: ws.cell(_info_row(f.key), 2).value for f in schema.INFO_FIELDS}
    assert {k: _plain(v) for k, v in values.items()} == EXAMPLE.info
    assert values["phone"] == "15596598899"
    assert ws.cell(_info_row("eval_date"), 2).is_date
    assert ws.cell(_info_row("eval_date"), 2).number_format == "yyyy-mm-dd"


def test_example_funds_are_121_with_rates_formatted_as_percent(example: Workbook) -> None:
    funds = {r["source"]: r for r in _records(example[schema.FUNDS.name], schema.FUNDS)}
    assert list(funds) == list(schema.FUND_ROWS)
    total = funds[schema.FUND_TOTAL]
    assert (total["initial"], total["adjusted"], total["executed"], total["rate"]) == (121, None, 121, 1)
    ws = example[schema.FUNDS.name]
    assert ws[f"{_column_letter(schema.FUNDS, 'rate')}2"].number_format == "0.00%"
    assert ws[f"{_column_letter(schema.FUNDS, 'initial')}2"].number_format == "0.0000"


def test_example_payments_add_up_to_121(example: Workbook) -> None:
    payments = _records(example[schema.PAYMENTS.name], schema.PAYMENTS)
    amounts = [p["amount"] for p in payments]
    assert amounts == [19.6970, 4.5578, 0.0640, 62.1212, 34.56]
    assert math.isclose(sum(amounts), 121.0, abs_tol=1e-9)
    assert [p["date"] for p in payments[:3]] == [date(2021, 9, 18), date(2021, 9, 18), date(2021, 11, 24)]
    assert payments[3]["date"] == "12.07、12.09、12.15、12.13、12.12"
    assert example[schema.PAYMENTS.name]["B2"].number_format == "yyyy-mm-dd"


def test_example_indicators_are_the_16_rows_of_the_self_evaluation_form(example: Workbook) -> None:
    indicators = _records(example[schema.INDICATORS.name], schema.INDICATORS)
    assert len(indicators) == 16
    assert sum(i["weight"] for i in indicators) == 100
    assert sum(i["claimed"] for i in indicators) == 94
    assert {i["level2"] for i in indicators} == {
        "数量指标(30分)",
        "质量指标(10分)",
        "时效指标(10分)",
        "成本指标(30分)",
        "社会效益指标(10分)",
        "服务对象满意度指标(10分)",
    }
    assert all(i["nature"] is None for i in indicators)
    satisfaction = indicators[-1]
    assert (satisfaction["level1"], satisfaction["level3"]) == ("满意度指标", None)
    assert (satisfaction["weight"], satisfaction["claimed"]) == (10, 8)


def test_example_merges_level_cells_as_the_paper_form_does(example: Workbook) -> None:
    level1 = _column_letter(schema.INDICATORS, "level1")
    level2 = _column_letter(schema.INDICATORS, "level2")
    assert {r.coord for r in example[schema.INDICATORS.name].merged_cells.ranges} == {
        f"{level1}2:{level1}15",
        f"{level2}2:{level2}5",
        f"{level2}6:{level2}9",
        f"{level2}10:{level2}11",
        f"{level2}12:{level2}15",
    }


def test_example_narrative_keeps_the_units_errors(example: Workbook) -> None:
    sections = {r["section"]: r["text"] for r in _records(example[schema.NARRATIVE.name], schema.NARRATIVE)}
    assert list(sections) == list(schema.NARRATIVE_SECTIONS)
    analysis = sections["绩效目标完成情况分析"]
    assert "95分" in analysis and "文艺活动专项经费" in analysis
    assert "成本指标方面共 10 分，得 10 分；社会效益指标方面共 30 分，得 30 分" in analysis
    assert "包括：包括设备升级维护67万元" in sections["资金使用及管理情况"]
    assert "≥36次" in sections["其他需要说明的问题"]
    assert all(text and "\n\n" not in text for text in sections.values())


def test_example_goals_rejoin_into_the_forms_text(example: Workbook) -> None:
    goals = _records(example[schema.GOALS.name], schema.GOALS)
    assert "".join(g["actual"] for g in goals[:4]) == (
        "2021年子洲县人民政府办公室充分发挥职能能与单位职能实现1、公务用车“全省一张网”；2、全县公文流转电子化传阅；"
        "3、运用电子办公降低办公运行成本；4、完成上级对县政府门户网站考核的各项指标。"
    )
    assert goals[4]["expected"].startswith("协助政府领导")


# ---------------------------------------------------------------- the messy fixture
def test_messy_fixture_writes_and_opens(messy: Workbook) -> None:
    assert EXTRA_SHEET in messy.sheetnames
    assert set(messy.sheetnames) - {EXTRA_SHEET} == {schema.INFO, *(s.name for s in schema.TABLE_SHEETS)}
    payments = messy[schema.PAYMENTS.name]
    assert payments["A1"].value == PAYMENTS_TITLE
    assert "支付金额（元）" in [c.value for c in payments[2]]
    assert messy[schema.INDICATORS.name].merged_cells.ranges


def test_messy_payments_still_read_as_the_seed_amounts_and_days(messy: Workbook) -> None:
    ws = messy[schema.PAYMENTS.name]
    header = [split_unit(c.value) for c in ws[2]]
    amount_col = next(i for i, (name, _) in enumerate(header) if name == "支付金额")
    date_col = next(i for i, (name, _) in enumerate(header) if name == "支付日期")
    rows = [row for row in ws.iter_rows(min_row=3, values_only=True) if any(v is not None for v in row)]
    amounts = [parse_money(row[amount_col], header[amount_col][1] or "万元") for row in rows]
    assert amounts == pytest.approx([p["amount"] for p in EXAMPLE.tables[schema.PAYMENTS.name]], abs=1e-9)
    days = [parse_dates(row[date_col], 2021).days for row in rows]
    assert days[:3] == [(date(2021, 9, 18),), (date(2021, 9, 18),), (date(2021, 11, 24),)]
    assert len(days[3]) == 5 and len(days[4]) == 2
