"""Tiny workbooks for tests: a clean, consistent synthetic project that each test bends one way.

`clean_sheets()` returns {sheet name: rows}; rows are lists of cell values (str, int, float,
date, None). Row 1 is the header. Tests copy it, change one thing, write it with
`write_workbook`, and run the real loader / scoring / checks on it.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from pipeline.cells import parse_a1
from pipeline.config import Settings
from pipeline.load import load
from pipeline.model import Project, Result

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(first17: str) -> str:
    """A GB 32100-2015 code with its check digit (independent of the rule under test)."""
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return first17 + CREDIT_CHARS[(31 - total % 31) % 31]


# The run date the tests evaluate on (M003 compares 评价时间 with it): fixed, so that no result
# depends on the day the suite runs.
TODAY = date(2025, 6, 30)

# The hand computation of the clean project, written out so a test can compare:
#   预算执行率 10 × 95/100 = 9.5
#   产出 50: every row complete                                  = 50
#   效益 30: 10 + 10 + 7 (定性, 部分达成, band 6–8)                 = 27
#   满意度 10: 92% ≥ 90%                                         = 10
#   total 9.5 + 50 + 27 + 10 = 96.5 -> 优
CLEAN_TOTAL = 96.5
CLEAN_GRADE = "优"

INDICATOR_HEADER = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "年度指标值",
    "实际完成值",
    "分值",
    "自评得分",
    "偏差原因分析及改进措施",
]


def clean_sheets() -> dict[str, list[list]]:
    return copy.deepcopy(_CLEAN)


_CLEAN: dict[str, list[list]] = {
    "项目信息": [
        ["项目", "内容"],
        ["项目名称", "2023年农村饮水安全工程维修养护项目"],
        ["预算年度", 2023],
        ["主管部门", "某县水利局"],
        ["主管部门代码", "301"],
        ["实施单位", "某县农村供水管理站"],
        ["统一社会信用代码", credit_code("12610831016093803")],
        ["评价类型", "项目完成结果评价"],
        ["评价工作组负责人", "李明"],
        ["联系人", "王芳"],
        ["联系电话", "0912-7221234"],
        ["评价时间", date(2024, 3, 15)],
        ["自评总分", 96.5],
        ["自评等级", "优"],
    ],
    "资金情况": [
        ["资金来源", "年初预算数", "全年预算数", "全年执行数", "执行率"],
        ["年度资金总额", 100, 100, 95, 0.95],
        ["财政拨款", 80, 80, 76, 0.95],
        ["上年结转资金", 20, 20, 19, 0.95],
        ["其他资金", 0, 0, 0, None],
    ],
    "分项预算": [
        ["序号", "分项名称", "预算金额", "说明"],
        [1, "管网维修", 60, ""],
        [2, "水质检测", 40, ""],
    ],
    "支付明细": [
        ["序号", "支付日期", "资金性质", "分项名称", "用途", "支付金额", "凭证号"],
        [1, date(2023, 3, 10), "一般公共预算资金", "管网维修", "第一批管网维修", 30, "记-031"],
        [2, date(2023, 6, 20), "一般公共预算资金", "管网维修", "第二批管网维修", 25, "记-102"],
        [3, date(2023, 9, 5), "一般公共预算资金", "水质检测", "上半年水质检测", 20, "记-188"],
        [4, date(2023, 11, 28), "上年结转资金", "水质检测", "下半年水质检测", 20, "记-240"],
    ],
    "支出结构": [
        ["支出类别", "金额"],
        ["维修（护）费", 55],
        ["委托业务费", 40],
    ],
    "绩效目标": [
        ["序号", "预期目标", "实际完成情况"],
        [1, "完成 20 公里老旧管网维修，全年水质检测不少于 120 份", "完成 20 公里管网维修，检测水样 130 份"],
    ],
    "绩效指标": [
        INDICATOR_HEADER,
        ["产出指标", "数量指标", "维修管网长度", "定量", "≥20公里", "20公里", 10, 10, ""],
        ["产出指标", "数量指标", "水样检测份数", "定量", "不少于120份", "130份", 10, 10, ""],
        ["产出指标", "质量指标", "维修验收合格率", "定量", "=100%", "100%", 5, 5, ""],
        ["产出指标", "质量指标", "水质投诉次数", "定量", "<5次", "2次", 5, 5, ""],
        ["产出指标", "时效指标", "维修完成时限", "定量", "≤30天", "25天", 10, 10, ""],
        ["产出指标", "成本指标", "每公里维修成本", "定量", "≤3万元/公里", "2.75万元/公里", 10, 10, ""],
        ["效益指标", "社会效益指标", "受益人口", "定量", "≥5000人", "5200人", 10, 10, ""],
        ["效益指标", "社会效益指标", "供水保证率", "定量", ">95%", "98%", 10, 10, ""],
        [
            "效益指标",
            "可持续影响指标",
            "长效管护机制",
            "定性",
            "建立长效管护机制",
            "基本建立",
            10,
            7,
            "村级管护制度尚未全面落实，下一步将完善管护员考核办法",
        ],
        ["满意度指标", "服务对象满意度指标", "受益群众满意度", "定量", "≥90%", "92%", 10, 10, ""],
    ],
    "报告正文": [
        ["章节", "内容"],
        ["项目基本情况", "2023年农村饮水安全工程维修养护项目年初预算100万元，用于老旧管网维修和水质检测。"],
        ["项目建设内容", "完成老旧管网维修20公里，全年检测水样130份。"],
        ["资金使用及管理情况", "项目全年预算100万元，实际支出95万元，执行率95%，结余资金按规定收回。"],
        ["资金调整情况", "年度内未调整预算。"],
        ["项目管理情况", "项目实行专账核算，严格执行政府采购规定。"],
        ["绩效目标完成情况分析", "经自评，本项目自评得分96.5分，等级为“优”。"],
        ["存在问题", "村级管护制度尚未全面落实。"],
        ["改进措施", "完善管护员考核办法，落实管护经费。"],
        ["其他需要说明的问题", "无。"],
    ],
    "自评小组": [
        ["姓名", "职称/职务", "单位", "角色"],
        ["李明", "站长", "某县农村供水管理站", "组长"],
        ["王芳", "会计", "某县农村供水管理站", "成员"],
    ],
}


def write_workbook(
    path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None
) -> Path:
    """Write {sheet: rows} as an .xlsx (dates as real dates); `merges` = {sheet: ["A2:A4", …]}."""
    path = Path(path)
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    wb.set_properties({"created": datetime(2024, 1, 1)})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (date, datetime)):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), date_fmt)
                else:
                    ws.write(r, c, value)
        for rng in (merges or {}).get(name, []):
            r0, c0 = parse_a1(rng.split(":")[0])
            r1, c1 = parse_a1(rng.split(":")[1])
            ws.merge_range(r0, c0, r1, c1, rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else "")
    wb.close()
    return path


def bent(sheet: str, **cells) -> dict[str, list[list]]:
    """The clean sheets with cells of one sheet replaced by address: bent("支付明细", F2=31)."""
    sheets = clean_sheets()
    for address, value in cells.items():
        row, col = parse_a1(address)
        sheets[sheet][row][col] = value
    return sheets


def set_info(sheets: dict[str, list[list]], label: str, value) -> None:
    for row in sheets["项目信息"]:
        if row[0] == label:
            row[1] = value
            return
    sheets["项目信息"].append([label, value])


def load_sheets(tmp_path: Path, sheets: dict[str, list[list]], name: str = "t.xlsx", **kw) -> Project:
    loaded = load(write_workbook(tmp_path / name, sheets, **kw), Settings())
    assert loaded.project is not None, loaded.findings
    return loaded.project


def run_sheets(
    tmp_path: Path,
    sheets: dict[str, list[list]],
    settings: Settings | None = None,
    name: str = "t.xlsx",
    **kw,
) -> Result:
    from pipeline.evaluate import evaluate

    return evaluate(write_workbook(tmp_path / name, sheets, **kw), settings or Settings(), today=TODAY)


def rules_at(result: Result, *rule_ids: str) -> list[tuple[str, str]]:
    """[(rule, sheet!cell)] of the findings of these rules (all rules when none is named)."""
    return [(f.rule, f.location) for f in result.findings if not rule_ids or f.rule in rule_ids]
