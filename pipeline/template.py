"""The standard input workbook (workbook.md v1): the blank template and the filled seed example.

Labels, columns and lists come from `schema`; this module declares only what the template adds
(formats, dropdowns, pre-filled rows, merges, the instructions) and one writer lays it all out.
The example is the same layout with the values of `EXAMPLE` written in.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline import schema
from pipeline.cells import col_letter
from pipeline.schema import Column, InfoField, Sheet

Value = str | int | float | date | None
Row = dict[str, Value]
Styles = dict[str, Format]

WORKBOOK_OPTIONS: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False}
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
INFO_COLUMNS = (("项目", 18), ("内容", 60), ("说明", 44))
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
        schema.LEVEL1,
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
    Dropdown("资金来源", tuple(schema.FUND_ROWS), schema.FUNDS.name, "source", strict=False),
    Dropdown("评价类型", schema.EVAL_TYPES, schema.INFO, "eval_type", strict=False),
    Dropdown("自评等级", schema.GRADES, schema.INFO, "claimed_grade", strict=True),
)
# first-column labels a blank template already carries
PREFILLED: dict[str, tuple[str, tuple[str, ...]]] = {
    schema.FUNDS.name: ("source", tuple(schema.FUND_ROWS)),
    schema.NARRATIVE.name: ("section", schema.NARRATIVE_SECTIONS),
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


@dataclass(frozen=True)
class WorkbookData:
    """Values to write into the layout: info by InfoField.key, table rows by sheet name."""

    info: dict[str, Value] = field(default_factory=dict)
    tables: dict[str, tuple[Row, ...]] = field(default_factory=dict)


# ---------------------------------------------------------------- public
def write_template(path: Path) -> None:
    """The blank standard workbook."""
    _write_workbook(path, WorkbookData())


def write_example(path: Path) -> None:
    """The standard workbook filled with the seed project (子洲县人民政府办公室 2021)."""
    _write_workbook(path, EXAMPLE)


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
        validation = _validation(info.label, info.hint, _dropdown(schema.INFO, info.key))
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
        validation = _validation(column.label, column.hint, _dropdown(sheet.name, column.key))
        if validation:
            ws.data_validation(1, col, INPUT_ROWS, col, validation)
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
    key, labels = PREFILLED.get(sheet.name, ("", ()))
    return tuple({key: label} for label in labels)


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


def _validation(label: str, hint: str, dropdown: tuple[Dropdown, str] | None) -> dict[str, Any] | None:
    """One validation per cell: a dropdown (with its message) or an input hint, or nothing."""
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


# ---------------------------------------------------------------- the seed project, transcribed faithfully
# 子洲县人民政府办公室《……项目2021年绩效自评报告》(shared/reference): every figure and sentence as the
# unit wrote it, its errors included (a 95-point claim for a 94-point table, 成本指标 said to be worth
# 10 分, a payment whose 分项 matches no budget item, ...). Only PDF line-wrap artefacts are removed.
PROJECT_NAME = (
    "全县党政机关事业单位综合办公暨公文流转系统、政府门户网站维护、政府大楼光纤通讯、公务用车信息化平台维护"
)
UNIT = "子洲县人民政府办公室"
_DOCS_SYSTEM = "全县党政机关事业单位综合办公暨公文流转系统"
_MIXED_ITEMS = "政府门户网站维护、子洲县公务用车信息化平台维护费、全县党政机关事业单位综合办公暨公文流转系统"
_CAR_PLATFORM = "全县公务用车定位系统服务平台维护费"
_PUBLIC_FUND = "一般公共预算资金"
# 年度总体目标 of the 自评表, and its 实际完成情况, split on the unit's own numbers
_OVERALL_GOALS = (
    "1、为了实现“公车运行”全省一张网”要求。",
    "2、为了实现全县无纸化办公，保障文件传阅的及时性、保密性。",
    "3、根据办公场地的需求，政府办公大院的光纤通讯费，电子办公，降低办公运行成本，降低“三公经费”支出，"
    "减少办公支出。",
    "4、政府门户网站达到国家对于政府门户网站的要求及考核指标。",
)
_ACHIEVED_LEAD = "2021年子洲县人民政府办公室充分发挥职能能与单位职能实现"
_ACHIEVED = (
    "1、公务用车“全省一张网”；",
    "2、全县公文流转电子化传阅；",
    "3、运用电子办公降低办公运行成本；",
    "4、完成上级对县政府门户网站考核的各项指标。",
)
# 年度目标 of the second table (2021年专项业务经费（项目）绩效完成表), and its 全年实际完成情况
_ANNUAL_GOAL = (
    "协助政府领导组织起草或审核以政府、政府办名义发布的公文督促检查政府各部门、各乡镇（街道）"
    "对政府决定事项和上级机关文件及领导重要批示的贯彻落实情况。"
)
_ACHIEVED_BY_GOAL = (_ACHIEVED_LEAD + _ACHIEVED[0], *_ACHIEVED[1:])
_ANNUAL_ACHIEVED = f"{_ACHIEVED_LEAD}，根据政府办系统工作任务安排进行全力保障办公室运转{''.join(_ACHIEVED)}"


def _indicator(
    level1: str,
    level2: str,
    level3: str,
    target: str,
    actual: str,
    weight: float,
    claimed: float,
    deviation: str = "",
) -> Row:
    return {
        "level1": level1,
        "level2": level2,
        "level3": level3,
        "nature": None,
        "target": target,
        "actual": actual,
        "weight": weight,
        "claimed": claimed,
        "deviation": deviation or None,
    }


_OUT, _QTY, _QLT = "产出指标", "数量指标(30分)", "质量指标(10分)"
_TIME, _COST = "时效指标(10分)", "成本指标(30分)"
# the 自评表's 16 indicator rows; 分值 add to 100 and 得分 to 94 (the form has no 预算执行率 line)
# fmt: off
EXAMPLE_INDICATORS: tuple[Row, ...] = (
    _indicator(_OUT, _QTY, "指标1：全县机关事业单位公车信息系统", "上级考核", "通过", 10, 10),
    _indicator(_OUT, _QTY, "指标2：涉及全县党政机关事业单位", "公文流转顺畅", "正常运转", 10, 8,
               "硬件配置，影响传输以及软件升级"),
    _indicator(_OUT, _QTY, "指标3：全政府大院机关单位", "网络顺畅", "正常运转", 5, 3,
               "全县网络故障及硬件故障"),
    _indicator(_OUT, _QTY, "指标4：服务于全县人民",
               "政府门户网站、涉及政府所有信息公开查询的主要途径", "正常运行", 5, 5),
    _indicator(_OUT, _QLT, "指标1：有效监督监测公车运行", "公车运行情况的监督", "有效监督", 2.5, 2.5),
    _indicator(_OUT, _QLT, "指标2：文件传输及阅览批示", "党政机关单位，高效、优质，传回文件",
               "传输安全及时", 2.5, 2.5),
    _indicator(_OUT, _QLT, "指标3：保障通讯及办公", "办公及通讯畅通", "通讯顺畅", 2.5, 2.5),
    _indicator(_OUT, _QLT, "指标4：网站升级版，可以多端口登录", "达到国家对于政府门户网站的要求",
               "正常运行", 2.5, 2.5),
    _indicator(_OUT, _TIME, "指标1：及时准确摸底车辆状况", "及时掌握公车运行情况", "及时观测", 5, 5),
    _indicator(_OUT, _TIME, "指标2：及时能够签收传阅", "及时、准确接收文件及上级指示", "及时性", 5, 5),
    _indicator(_OUT, _COST, "指标1：降低公车运行成本", "降低公车运行成本", "公务用车运行成本", 10, 10),
    _indicator(_OUT, _COST, "指标2：降低纸质打印、邮寄费用", "降低办公成本、提升办公效率",
               "办公成本", 10, 10),
    _indicator(_OUT, _COST, "指标3：减低办公成本", "电子办公，降低办公运行成本", "办公成本", 5, 5),
    _indicator(_OUT, _COST, "指标4：降低群众办事了解程序所花费的成本，降低办公运行成本",
               "降低办公运行成本", "办公成本", 5, 5),
    _indicator("效益指标", "社会效益指标(10分)", "指标1：提升群众满意度", "提升政府公信力",
               "政府公信力及访问量", 10, 10),
    _indicator("满意度指标", "服务对象满意度指标(10分)", "", "及时准确发布各类民生信息",
               "访问量及问卷调查", 10, 8, "问卷调查对于门户网站公开的及时性及访问量"),
)
# fmt: on

# The second table's indicators: (一级, 二级, 指标内容, 年度指标值, 全年完成值, 未完成原因和改进措施).
# The PDF lost the 二级 cell of the first row and the 一级 cell of the 社会效益 row; they are filled
# from their position on the standard form (数量指标, 效益指标).
_SECOND_TABLE_INDICATORS = (
    (
        "产出指标",
        "数量指标",
        "督促检查政府各部门、各乡镇(街道)对政府决定事项和上级机关文件及领导重要批示的贯彻落实情况",
        "≥36次",
        "按时完成",
        "客观原因及疫情影响,调整督导督查",
    ),
    ("产出指标", "质量指标", "足额投入业务活动经费", "≥100%", "足额投放", ""),
    ("产出指标", "时效指标", "完成时限", "12月份", "按时完成", ""),
    ("产出指标", "成本指标", "压缩经费支出", "降低办公成本", "同比已降低", ""),
    ("效益指标", "社会效益指标", "网站访问及点击量", "≥1.68万/每月", "超额完成", ""),
    ("满意度指标", "服务对象满意度指标(10分)", "群众满意度", "大于95%", "90%", ""),
)


def _second_table_line(level1: str, level2: str, content: str, target: str, actual: str, reason: str) -> str:
    fields = (
        ("一级指标", level1),
        ("二级指标", level2),
        ("指标内容", content),
        ("年度指标值", target),
        ("全年完成值", actual),
        ("未完成原因和改进措施", reason),
    )
    return "；".join(f"{name}：{value}" for name, value in fields if value)


_NARRATIVE_TEXTS: dict[str, str] = {
    "项目基本情况": "\n".join(
        (
            f"{PROJECT_NAME}项目共计经费 121 万元，分别是：",
            "1、全县党政机关事业单位综合办公暨公文流转系统，经费 25 万元；",
            "2、政府门户网站维护，经费：30 万元；",
            "3、子洲县公务用车信息化平台维护费，经费:36 万元；",
            "4、县政府大院通讯光纤，经费：30 万元；",
            "主要有以下几个方面：",
            "一、子洲县人民政府办公室关于党政机关综合办公暨公文流转系统项目结合子洲县政府政务应用现状，"
            "以及全国各级党政单位的政务应用经验，子洲县电子政务政务办公业务总体需求基出包括以下五个方面：",
            "1. 办公流程化电子化：优化办公审批流程，实现各使用单位公文流转全程电子化，降低工作强度，"
            "提高办事效率。",
            "2. 资料电子化：各使用单位的资料、数据、文献等实现电子化管理。公文流转结束后实现公文自动归档，"
            "提高信息资源利用率，降低工作成本，增强各部门业务的耦合性和协同性。",
            "3. 监督电子化：公文流转历史的电子化，将各种跨部门、跨单位的办公事务流程审批状态进行内部公开，"
            "有效提升单位内部工作的监察效果。",
            "4. 工作移动化：充分融合 4G、4G+、云计算技术，利用移动办公，使广大公务员从办公室、PC 机和"
            "有线网络中解脱出来，有效解决以往因出差、会议、有线网络等限制造成的“卡件”、“死件”、“无期件”、"
            "“遗忘件”、“过时效件”等现象的发生。",
            "5. 提醒智能化：通过工作待办提醒等多种方式提升各种公务事宜的办理及沟通效率。",
            "二、子洲县人民政府办公室关于子洲县政府门户网站改版项目积极响应国务院办公厅对于政府网站建设要求，"
            "严格按照全国政府网站普查标准和省市级政府网站/政务公开考核要求，以涉及群众利益、社会普遍关注的"
            "领域为重点，围绕权力运行全流程、政务服务全过程，全面梳理公开事项，细化公开内容，强化公开平台"
            "建设。同时，对子洲县政府门户网站进行改版建设，充分利用现代信息技术，以促进服务资源整合共享为"
            "核心，以用户需求为中心、以服务公众为导向，以政府信息公开为主线，以创新应用服务模式为突破口，"
            "以完善服务渠道为重要支撑，全面提升网站运行效率，增强网站系统安全性和稳定性，构建可灵活扩展的"
            "网站架构，创新服务模式，将政府网站建成更加全面的政务公开平台、更加权威的政策发布解读和舆论引导"
            "平台、更加及时的回应关切和便民服务平台，打造一流的、创新高效的政府门户网站。",
            "三、根据办公场地的需求，政府办公大院的光纤通讯费，电子办公，降低办公运行成本，降低“三公经费”"
            "支出，减少办公支出。",
            "四、保障政府大院楼内所有单位办公运行顺畅。",
        )
    ),
    "项目建设内容": (
        "2021年我办根据项目计划，开展公文流转系统安全与及时检测、门户网站安全性检测、公务用车平台安全性"
        "检测、大楼光纤通讯顺畅性检测等检验维护升级性能。"
    ),
    "资金使用及管理情况": "\n".join(
        (
            f"我办2021年{PROJECT_NAME}专项经费主要用于单位各项维护升级等支出，包括设备更换、维护升级、"
            "委托服务其他商品服务支出等，共投入121万元。",
            "本级财政预算的项目资金全部用于单位维护系统等支出，资金支出121万元，包括：包括设备升级维护67万元、"
            "设备更换19.44万元、委托服务支出34.56万元等。",
            "项目根据计划如期实施，在资金实际执行和管理中遵守各项财经制度，并严格按财务制度报销项目经费。",
        )
    ),
    "项目管理情况": "\n".join(
        (
            "我单位制定了专项经费管理办法。",
            f"我单位{PROJECT_NAME}项目经费主要用于单位设备维护以及网站升级等，无资金调整情况。",
        )
    ),
    "绩效目标完成情况分析": "\n".join(
        (
            "我单位2021年文艺活动专项经费绩效自评得95分，等级为“优”。",
            "自评主要涉及项目数量指标、质量指标、时效指标、成本指标、社会效益指标和满意度指标等6个方面，"
            "具体如下：",
            "数量指标方面共 30 分，得 26 分，主要原因是硬件配置，影响传输及系统升级，网络故障；"
            "质量指标方面共 10 分，得 10 分；时效指标方面共 10 分，得 10 分；成本指标方面共 10 分，得 10 分；"
            "社会效益指标方面共 30 分，得 30 分；满意度指标方面共 10 分，得 8 分，"
            "主要原因是问卷调查对于网站公开的及时性和访问量。",
        )
    ),
    "存在问题": "专项维护等由于硬件等客观因素，下一步将强硬件改造",
    "改进措施": "科学制定项目方案，下一步将强硬件改造。提升使用的流畅性，安全性、及时性。",
    "其他需要说明的问题": "\n".join(
        (
            "2021年专项业务经费（项目）绩效完成表",
            f"项目名称：{PROJECT_NAME}",
            f"主管部门：{UNIT}",
            "资金金额：实施期资金总额：121万元；其中：财政拨款121万元",
            f"年度目标（年初设定目标）：{_ANNUAL_GOAL}",
            f"全年实际完成情况：{_ANNUAL_ACHIEVED}",
            "年度绩效指标：",
            *(_second_table_line(*row) for row in _SECOND_TABLE_INDICATORS),
            f"总体目标：1、为了实现公车运行”全省一张网”要求。{''.join(_OVERALL_GOALS[1:])}",
            f"年度目标：{_ANNUAL_GOAL}",
        )
    ),
}


def _payment(seq: str, paid_on: date | str, item: str, amount: float) -> Row:
    # the seed's table has one 用途 column: it names the sub-item(s) paid, so 分项名称 repeats it
    return {
        "seq": seq,
        "date": paid_on,
        "fund_type": _PUBLIC_FUND,
        "item": item,
        "purpose": item,
        "amount": amount,
        "voucher": None,
    }


EXAMPLE = WorkbookData(
    info={
        "name": PROJECT_NAME,
        "year": 2021,
        "department": UNIT,
        "department_code": None,
        "unit": UNIT,
        "credit_code": "11610831016093803P",
        "eval_type": "项目实施过程评价、项目完成结果评价",
        "leader": "张虎敦",
        "contact": "王彪",
        "phone": "15596598899",
        "eval_date": date(2022, 4, 12),
        "claimed_total": 94,
        "claimed_grade": "优",
    },
    tables={
        schema.FUNDS.name: (
            {"source": schema.FUND_TOTAL, "initial": 121, "adjusted": None, "executed": 121, "rate": 1},
            {"source": "财政拨款", "initial": 121, "adjusted": None, "executed": 121, "rate": 1},
            {"source": "上年结转资金", "initial": None, "adjusted": None, "executed": None, "rate": None},
            {"source": "其他资金", "initial": None, "adjusted": None, "executed": None, "rate": None},
        ),
        schema.SUBITEMS.name: (
            {"seq": "1", "name": _DOCS_SYSTEM, "amount": 25, "note": None},
            {"seq": "2", "name": "政府门户网站维护", "amount": 30, "note": None},
            {"seq": "3", "name": "子洲县公务用车信息化平台维护费", "amount": 36, "note": None},
            {"seq": "4", "name": "县政府大院通讯光纤", "amount": 30, "note": None},
        ),
        schema.PAYMENTS.name: (
            _payment("1", date(2021, 9, 18), _DOCS_SYSTEM, 19.6970),
            _payment("2", date(2021, 9, 18), _DOCS_SYSTEM, 4.5578),
            _payment("3", date(2021, 11, 24), _DOCS_SYSTEM, 0.0640),
            _payment("4", "12.07、12.09、12.15、12.13、12.12", _MIXED_ITEMS, 62.1212),
            _payment("5", "12.09、12.10", _CAR_PLATFORM, 34.56),
        ),
        schema.STRUCTURE.name: (
            {"category": "设备升级维护", "amount": 67},
            {"category": "设备更换", "amount": 19.44},
            {"category": "委托服务", "amount": 34.56},
        ),
        schema.GOALS.name: (
            *(
                {"seq": str(i), "expected": goal, "actual": done}
                for i, (goal, done) in enumerate(zip(_OVERALL_GOALS, _ACHIEVED_BY_GOAL, strict=True), start=1)
            ),
            {"seq": "5", "expected": _ANNUAL_GOAL, "actual": _ANNUAL_ACHIEVED},
        ),
        schema.INDICATORS.name: EXAMPLE_INDICATORS,
        schema.NARRATIVE.name: tuple(
            {"section": section, "text": _NARRATIVE_TEXTS[section]} for section in schema.NARRATIVE_SECTIONS
        ),
        schema.TEAM.name: (
            {"name": "张虎敦", "title": "主任", "unit": UNIT, "role": "组长"},
            {"name": "张进胜", "title": "副主任", "unit": UNIT, "role": "成员"},
            {"name": "王彪", "title": "主任科员", "unit": UNIT, "role": "成员"},
        ),
    },
)
