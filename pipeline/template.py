"""The standard input workbook (workbook.md v1): the blank template and the filled seed example.

Labels, columns and lists come from `schema`; this module declares only what the template adds
(formats, dropdowns, pre-filled rows, merges, the instructions) and one writer lays it all out.
The example is the same layout with the values of `seed.EXAMPLE` written in.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline import schema
from pipeline.cells import col_letter
from pipeline.schema import Column, InfoField, Sheet
from pipeline.seed import APPROVED_EXAMPLE, EXAMPLE, Row, Value, WorkbookData

Styles = dict[str, Format]

WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    # a CJK font for every cell (xlsxwriter's default is Calibri, which has no Chinese)
    "default_format_properties": {"font_name": "宋体", "font_size": 11},
}
PROPERTIES: dict[str, Any] = {
    "title": "项目支出绩效自评填报工作簿",
    "subject": f"填报格式 {schema.FORMAT_VERSION}",
    "author": "项目支出绩效自评工具",
    "created": datetime(2024, 1, 1),
}
INPUT_ROWS = 500  # rows below the header that carry dropdowns and input hints
LINE_HEIGHT = 15.0  # points per line of the default 11 pt font
MAX_ROW_HEIGHT = 409.0  # Excel's limit

# ---------------------------------------------------------------- formats, in one table
STYLE_SPECS: dict[str, dict[str, Any]] = {
    "header": {
        "bold": True,
        "bg_color": "#DDEBF7",
        "border": 1,
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
    },
    "text": {"num_format": "@", "valign": "top", "text_wrap": True},
    "money": {"num_format": "0.0000", "valign": "top"},
    "rate": {"num_format": "0.00%", "valign": "top"},
    "date": {"num_format": "yyyy-mm-dd", "valign": "top", "align": "left"},
    "number": {"valign": "top"},
    "year": {"num_format": "0", "valign": "top", "align": "left"},
    "merged": {"valign": "vcenter", "align": "center", "text_wrap": True},
    "label": {"valign": "top"},
    "required_label": {"bold": True, "valign": "top"},
    "required_mark": {"bold": True, "font_color": "#C00000"},
    "hint": {"font_color": "#595959", "text_wrap": True, "valign": "top"},
    "title": {"bold": True, "font_size": 16},
    "heading": {"bold": True, "font_size": 12},
    "para": {"text_wrap": True, "valign": "top"},
}
# column / info-field kind -> style; anything else is wrapped text
KIND_STYLES = {
    "money": "money",
    "rate": "rate",
    "date": "date",
    "dates": "date",
    "year": "year",
    "int": "number",
    "number": "number",
}
INFO_COLUMNS = schema.INFO_COLUMNS
REQUIRED_MARK = "＊必填"


@dataclass(frozen=True)
class Dropdown:
    """A list validation fed from one column of the hidden list sheet."""

    title: str  # header of the list column on the hidden sheet
    values: tuple[str, ...]
    sheet: str  # where the dropdown goes: a table sheet, or 项目信息
    key: str  # Column.key of that sheet, or InfoField.key on 项目信息
    strict: bool  # False: other text is accepted after a warning (e.g. `数量指标(30分)`)
    message: str = "请从下拉列表中选择"


DROPDOWNS: tuple[Dropdown, ...] = (
    Dropdown(
        "一级指标",
        schema.LEVEL1_CHOICES,
        schema.INDICATORS.name,
        "level1",
        strict=False,
        message="从列表选择；成本指标一般归入产出指标",
    ),
    Dropdown(
        "二级指标",
        schema.LEVEL2,
        schema.INDICATORS.name,
        "level2",
        strict=False,
        message="从列表选择；可带分值，如 数量指标(30分)",
    ),
    Dropdown("指标性质", schema.NATURES, schema.INDICATORS.name, "nature", strict=True),
    Dropdown(
        "完成程度",
        schema.LEVEL_CHOICES,
        schema.INDICATORS.name,
        "level",
        strict=False,
        message="定性指标选择：达成 / 部分达成 / 未达成；定量指标留空",
    ),
    Dropdown("资金来源", tuple(schema.FUND_ROWS), schema.FUNDS.name, "source", strict=False),
    Dropdown("评价类型", schema.EVAL_TYPES, schema.INFO, "eval_type", strict=False),
    Dropdown("自评等级", schema.GRADES, schema.INFO, "claimed_grade", strict=True),
    Dropdown("资金性质", schema.FUND_TYPES, schema.PAYMENTS.name, "fund_type", strict=False),
    Dropdown("角色", schema.ROLES, schema.TEAM.name, "role", strict=False),
)
# dropdowns drawn from what the unit typed on another sheet: (sheet, key) -> (source sheet, its key)
# 支付明细.分项名称 offers the names of 分项预算 (a name typed otherwise is P003)
LINKED_DROPDOWNS: dict[tuple[str, str], tuple[str, str]] = {
    (schema.PAYMENTS.name, "item"): (schema.SUBITEMS.name, "name"),
}
# what a number or date column enforces (Excel refuses anything else, with this message)
KIND_VALIDATIONS: dict[str, dict[str, Any]] = {
    "money": {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "error_message": "请填写金额（万元），只填数字。",
    },
    "number": {"validate": "decimal", "criteria": ">=", "value": 0, "error_message": "请只填数字。"},
    "rate": {
        "validate": "decimal",
        "criteria": "between",
        "minimum": 0,
        "maximum": 10,
        "error_message": "请填写比率，如 95% 或 0.95。",
    },
    "int": {"validate": "integer", "criteria": ">=", "value": 0, "error_message": "请填写整数。"},
    "year": {
        "validate": "integer",
        "criteria": "between",
        "minimum": 2000,
        "maximum": 2100,
        "error_message": "请填写四位年份，如 2021。",
    },
    "date": {
        "validate": "date",
        "criteria": "between",
        "minimum": datetime(2000, 1, 1),
        "maximum": datetime(2100, 12, 31),
        "error_message": "请按 2021-09-18 的格式填写日期。",
    },
}
# first-column labels a blank template already carries
PREFILLED: dict[str, tuple[dict[str, str], ...]] = {
    schema.FUNDS.name: tuple({"source": s} for s in schema.FUND_ROWS),
    schema.NARRATIVE.name: tuple({"section": s} for s in schema.NARRATIVE_SECTIONS),
    # 一级/二级 skeleton: the loader skips a row that has nothing but these two labels
    schema.INDICATORS.name: tuple({"level1": l1, "level2": l2} for l1, l2 in schema.SKELETON),
}
# a note on a header cell of the blank template
HEADER_NOTES: dict[tuple[str, str], str] = {
    (
        schema.INDICATORS.name,
        "weight",
    ): "预算执行率（默认 10 分）不是指标行，不在本表填写：程序根据《资金情况》计算。"
    "本表各指标分值合计一般为 90 分：产出指标 50 分、效益指标 30 分、满意度指标 10 分。",
}
# columns whose runs of equal values are merged vertically, as on the paper form
MERGED_COLUMNS: dict[str, tuple[str, ...]] = {schema.INDICATORS.name: ("level1", "level2")}

_IND = schema.INDICATORS
_PAY = schema.PAYMENTS
INSTRUCTION_LINES: tuple[tuple[str, str], ...] = (
    ("title", "项目支出绩效自评填报工作簿 · 填表说明"),
    (
        "para",
        f"格式版本 {schema.FORMAT_VERSION}。请按本说明填写，程序读取后自动复核计分，生成自评表和自评报告。",
    ),
    ("heading", "一、基本要求"),
    (
        "para",
        "1. 一个工作簿只填一个项目、一个预算年度；多个项目请复制本模板分别填写，文件名建议写明单位和项目。",
    ),
    ("para", "2. 不要修改工作表名称和第 1 行表头文字；列的先后顺序可以调整，可以增加备注列（程序忽略）。"),
    (
        "para",
        "3. 金额单位一律为“万元”（保留四位小数即精确到元）；只有表头写明“（元）”的列才按元填写，"
        f"例如表头改为“{_PAY.column('amount').label}（元）”。",
    ),
    (
        "para",
        "4. 日期按 2021-09-18 的格式填写；一笔支付涉及多个日期时，用顿号“、”连接，"
        "如 2021-12-07、2021-12-09。",
    ),
    ("para", "5. 比率填 100% 或 1 均可；分值、得分只填数字。"),
    ("para", "6. 带下拉箭头的单元格请从列表中选择；选中单元格可看到填写提示。"),
    ("para", "7. 不必填写“合计”行，合计由程序计算；数据行之间不要插入说明文字。"),
    ("heading", "二、各工作表填写要点"),
    (
        "para",
        f"《{schema.INFO}》：在“内容”列填写；“说明”列标有“{REQUIRED_MARK}”的必须填写。"
        "统一社会信用代码为 18 位；自评总分、自评等级填单位自评结果，程序会与复核结果核对。",
    ),
    (
        "para",
        f"《{schema.FUNDS.name}》：四行资金来源已预置，请勿改名。"
        f"{schema.FUND_TOTAL} = {' + '.join(schema.FUND_COMPONENTS)}；"
        f"{schema.FUNDS.column('adjusted').label}为调整后的预算，未调整可留空（以"
        f"{schema.FUNDS.column('initial').label}为准）；"
        f"{schema.FUNDS.column('rate').label} = {schema.FUNDS.column('executed').label} ÷ 预算数。",
    ),
    (
        "para",
        f"《{schema.SUBITEMS.name}》：列出项目由哪些分项组成及各分项预算金额，"
        f"合计应等于{schema.FUND_TOTAL}。",
    ),
    (
        "para",
        f"《{_PAY.name}》：每笔支付一行。“{_PAY.column('item').label}”必须与"
        f"《{schema.SUBITEMS.name}》中的名称完全一致；一笔支付涉及多个分项时可用“、”连接，"
        f"但无法分摊到分项，建议拆成多行。{_PAY.column('amount').label}合计应等于"
        f"{schema.FUNDS.column('executed').label}。",
    ),
    (
        "para",
        f"《{schema.STRUCTURE.name}》：按支出类别（如设备升级维护、设备更换、委托服务）填写，"
        f"合计应等于{schema.FUNDS.column('executed').label}。",
    ),
    ("para", f"《{schema.GOALS.name}》：每条年度目标一行，实际完成情况与之对应。"),
    (
        "para",
        f"《{_IND.name}》：{_IND.column('level1').label}选产出指标、效益指标或满意度指标"
        "（成本指标归入产出指标）；"
        f"{_IND.column('level2').label}可带分值，如“数量指标(30分)”；一级、二级指标可以合并单元格，"
        "也可以每行重复填写。",
    ),
    (
        "para",
        f"    {_IND.column('target').label}尽量量化，如 ≥36次、≤5%、=100%、12月底前；"
        f"带比较符号和数字的为定量指标，其余为定性指标，{_IND.column('nature').label}可留空。"
        f"扣分的指标须在“{_IND.column('deviation').label}”中说明原因。",
    ),
    (
        "para",
        "    预算执行率（默认 10 分）不是指标行，不要填在本表：程序根据"
        f"《{schema.FUNDS.name}》计算。本表各指标分值合计一般为 90 分，与预算执行率合为 100 分。",
    ),
    (
        "para",
        f"《{schema.NARRATIVE.name}》：A 列的 {len(schema.NARRATIVE_SECTIONS)} 个章节已预置，"
        "在 B 列填写正文，单元格内分段按 Alt+Enter。正文中写到的得分、等级、金额、执行率"
        "须与表格一致，程序会逐一核对。",
    ),
    ("para", f"《{schema.TEAM.name}》：每人一行，角色填“组长”或“成员”。"),
    ("heading", "三、示例"),
    (
        "para",
        "示例工作簿《示例_子洲县政府办2021.xlsx》按子洲县人民政府办公室 2021 年自评报告原样转录，"
        "原报告中的错误也照录未改，可用来查看程序能发现哪些问题。",
    ),
)


# ---------------------------------------------------------------- public
def write_template(path: Path) -> None:
    """The blank standard workbook."""
    _write_workbook(path, WorkbookData())


def write_example(path: Path) -> None:
    """The standard workbook filled with the seed project (子洲县人民政府办公室 2021)."""
    _write_workbook(path, EXAMPLE)


APPROVED_NOTES = (
    ("title", "批复绩效目标（财政局填写，不是单位填报的工作簿）"),
    (
        "para",
        "把预算管理一体化导出的批复绩效目标（每行一个三级指标，多个项目可在同一张表中）整理成"
        "“批复绩效目标”表的列，放进 config.toml 中 [paths] approved_targets 所指的目录（默认 targets）。"
        "表头上方可以有标题行，列的顺序不限，合并单元格、项目信息只在第一行填写均可。",
    ),
    (
        "para",
        "有项目编码的，按项目编码与自评工作簿对照；没有的，按项目名称、实施单位、预算年度对照；"
        "三级指标按名称对照。年中调整过的指标填“调整后指标值”，以它为准。",
    ),
    ("para", "表中的示例行是子洲县示例报告“（二）项目目标”一表（年初设定目标），用前请删除。"),
)


def write_approved_template(path: Path) -> None:
    """The approved-targets sheet the bureau fills from its export, with the seed's rows as example."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS) as workbook:
        workbook.set_properties(PROPERTIES | {"title": "批复绩效目标"})
        styles = {name: workbook.add_format(spec) for name, spec in STYLE_SPECS.items()}
        _write_table(workbook.add_worksheet(schema.APPROVED.name), schema.APPROVED, APPROVED_EXAMPLE, styles)
        notes = workbook.add_worksheet(schema.INSTRUCTIONS)
        notes.set_column(0, 0, 80)
        for row, (style, text) in enumerate(APPROVED_NOTES):
            notes.write_string(row, 0, text, styles[style])
            _fit_row(notes, row, [(text, 80)])


# ---------------------------------------------------------------- writer
def _write_workbook(path: Path, data: WorkbookData) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS) as workbook:
        workbook.set_properties(PROPERTIES)
        styles = {name: workbook.add_format(spec) for name, spec in STYLE_SPECS.items()}
        _write_instructions(workbook.add_worksheet(schema.INSTRUCTIONS), styles)
        _write_info(workbook.add_worksheet(schema.INFO), data.info, styles)
        for sheet in schema.TABLE_SHEETS:
            rows = data.tables.get(sheet.name) or _prefilled_rows(sheet)
            _write_table(workbook.add_worksheet(sheet.name), sheet, rows, styles)
        _write_lists(workbook.add_worksheet(schema.LISTS_SHEET), styles)


def _page_setup(ws: Worksheet) -> None:
    """Print landscape, one page wide, the header row on every page."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def _write_instructions(ws: Worksheet, styles: Styles) -> None:
    width = 80  # fits a portrait A4 page
    ws.set_column(0, 0, width)
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    for row, (style, text) in enumerate(INSTRUCTION_LINES):
        ws.write_string(row, 0, text, styles[style])
        _fit_row(ws, row, [(text, width)])


def _write_info(ws: Worksheet, values: dict[str, Value], styles: Styles) -> None:
    for col, (label, width) in enumerate(INFO_COLUMNS):
        ws.set_column(col, col, width)
        ws.write_string(0, col, label, styles["header"])
    ws.freeze_panes(1, 0)
    _page_setup(ws)
    for row, info in enumerate(schema.INFO_FIELDS, start=1):
        ws.write_string(row, 0, info.label, styles["required_label" if info.required else "label"])
        ws.write(row, 1, values.get(info.key), styles[_info_style(info)])
        _write_info_note(ws, row, info, styles)
        _fit_row(ws, row, [(values.get(info.key), INFO_COLUMNS[1][1]), (info.hint, INFO_COLUMNS[2][1])])
        validation = _validation(info.label, info.hint, _dropdown(schema.INFO, info.key), info.kind)
        if validation:
            ws.data_validation(row, 1, row, 1, validation)


def _write_info_note(ws: Worksheet, row: int, info: InfoField, styles: Styles) -> None:
    if info.required and info.hint:
        ws.write_rich_string(
            row, 2, styles["required_mark"], REQUIRED_MARK, styles["hint"], f"　{info.hint}", styles["hint"]
        )
    elif info.required:
        ws.write_string(row, 2, REQUIRED_MARK, styles["required_mark"])
    elif info.hint:
        ws.write_string(row, 2, info.hint, styles["hint"])


def _write_table(ws: Worksheet, sheet: Sheet, rows: tuple[Row, ...], styles: Styles) -> None:
    for col, column in enumerate(sheet.columns):
        ws.set_column(col, col, column.width, styles[_column_style(column)])
        ws.write_string(0, col, column.label, styles["header"])
        validation = _validation(
            column.label,
            column.hint,
            _dropdown(sheet.name, column.key),
            column.kind,
            (sheet.name, column.key),
        )
        if validation:
            ws.data_validation(1, col, INPUT_ROWS, col, validation)
        note = HEADER_NOTES.get((sheet.name, column.key))
        if note:
            ws.write_comment(0, col, note, {"author": "填表说明", "x_scale": 2, "y_scale": 1.6})
    ws.freeze_panes(1, 0)
    _page_setup(ws)
    merges = _merge_runs(sheet, rows)
    covered = {(r, c) for first, last, c in merges for r in range(first, last + 1)}
    wrapped = [c for c in sheet.columns if _column_style(c) == "text"]
    for r, row in enumerate(rows, start=1):
        for col, column in enumerate(sheet.columns):
            if (r, col) not in covered:
                ws.write(r, col, row.get(column.key), styles[_column_style(column)])
        _fit_row(ws, r, [(row.get(c.key), c.width) for c in wrapped])
    for first, last, col in merges:
        ws.merge_range(first, col, last, col, rows[first - 1][sheet.columns[col].key], styles["merged"])


def _write_lists(ws: Worksheet, styles: Styles) -> None:
    for col, dropdown in enumerate(DROPDOWNS):
        ws.set_column(col, col, max(len(v) for v in dropdown.values) * 2 + 2)
        ws.write_string(0, col, dropdown.title, styles["header"])
        for row, value in enumerate(dropdown.values, start=1):
            ws.write_string(row, col, value)
    ws.hide()


# ---------------------------------------------------------------- layout helpers
def _prefilled_rows(sheet: Sheet) -> tuple[Row, ...]:
    return tuple(dict(row) for row in PREFILLED.get(sheet.name, ()))


def _column_style(column: Column) -> str:
    return KIND_STYLES.get(column.kind, "text")


def _info_style(info: InfoField) -> str:
    return KIND_STYLES.get(info.kind, "text")


def _fit_row(ws: Worksheet, row: int, cells: Iterable[tuple[Value, float]]) -> None:
    """Give a row of wrapped text its height: not every spreadsheet program refits rows on opening."""
    lines = max((_line_count(text, width) for text, width in cells if isinstance(text, str)), default=1)
    if lines > 1:
        ws.set_row(row, min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT))


def _line_count(text: str, width: float) -> int:
    """Lines a text takes in a column `width` characters wide (a CJK character is two wide)."""
    return sum(max(1, math.ceil(_display_width(part) / width)) for part in text.split("\n"))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _dropdown(sheet: str, key: str) -> tuple[Dropdown, str] | None:
    """The dropdown of a sheet's column (or info field) and its source range on the list sheet."""
    for col, dropdown in enumerate(DROPDOWNS):
        if (dropdown.sheet, dropdown.key) == (sheet, key):
            letter = col_letter(col)
            return dropdown, f"='{schema.LISTS_SHEET}'!${letter}$2:${letter}${len(dropdown.values) + 1}"
    return None


def _validation(
    label: str,
    hint: str,
    dropdown: tuple[Dropdown, str] | None,
    kind: str = "text",
    where: tuple[str, str] | None = None,
) -> dict[str, Any] | None:
    """One validation per cell: a dropdown (with its message), a number/date rule, an input hint,
    or nothing."""
    linked = LINKED_DROPDOWNS.get(where) if where else None
    if linked is not None:
        sheet = next(s for s in schema.TABLE_SHEETS if s.name == linked[0])
        letter = col_letter(next(i for i, c in enumerate(sheet.columns) if c.key == linked[1]))
        return {
            "validate": "list",
            "source": f"='{sheet.name}'!${letter}$2:${letter}${INPUT_ROWS + 1}",
            "input_title": label[:32],
            "input_message": hint or f"从《{sheet.name}》的名称中选择",
            "error_type": "warning",  # several names joined by 、 are allowed
            "error_title": label[:32],
            "error_message": f"不是《{sheet.name}》中的名称，确定要这样填写吗？",
        }
    rule = KIND_VALIDATIONS.get(kind) if dropdown is None else None
    if rule is not None:
        return {
            **{k: v for k, v in rule.items() if k != "error_message"},
            "input_title": label[:32],
            "input_message": hint or rule["error_message"],
            "error_type": "stop",
            "error_title": label[:32],
            "error_message": rule["error_message"],
        }
    if dropdown is None:
        return {"validate": "any", "input_title": label[:32], "input_message": hint} if hint else None
    choice, source = dropdown
    return {
        "validate": "list",
        "source": source,
        "input_title": label[:32],
        "input_message": hint or choice.message,
        "error_type": "stop" if choice.strict else "warning",
        "error_title": label[:32],
        "error_message": "请从下拉列表中选择。" if choice.strict else "不在下拉列表中，确定要这样填写吗？",
    }


def _merge_runs(sheet: Sheet, rows: tuple[Row, ...]) -> list[tuple[int, int, int]]:
    """(first_row, last_row, col) of every run of two or more equal, non-blank cells to merge."""
    keys = MERGED_COLUMNS.get(sheet.name, ())
    runs: list[tuple[int, int, int]] = []
    for col, column in enumerate(sheet.columns):
        if column.key not in keys:
            continue
        start = 0
        for i in range(1, len(rows) + 1):
            value = rows[start].get(column.key)
            if i == len(rows) or rows[i].get(column.key) != value:
                if value not in (None, "") and i - start > 1:
                    runs.append((start + 1, i, col))
                start = i
    return runs
