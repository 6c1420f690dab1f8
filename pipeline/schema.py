"""The standard workbook (workbook.md v1) as data: sheet names, labels, columns, aliases.

The template writer and the loader both read this module, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from .values import normalize_label

FORMAT_VERSION = "v1"


@dataclass(frozen=True)
class Column:
    key: str  # stable identifier used in code
    label: str  # the Chinese header as printed in the template
    required: bool = True
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | money | number | rate | date | dates | year | int
    width: float = 14  # template column width (characters)
    hint: str = ""  # input message shown in the template

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    money_unit: str = "万元"  # default unit of money columns when the header names none

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class InfoField:
    key: str
    label: str
    required: bool
    kind: str = "text"  # text | year | date | number | grade
    aliases: tuple[str, ...] = ()
    hint: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


INSTRUCTIONS = "填表说明"
INFO = "项目信息"
INFO_COLUMNS = (("项目", 18), ("内容", 60), ("说明", 44))  # the template's header and widths

INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField("name", "项目名称", True),
    InfoField("year", "预算年度", True, "year", ("年度",), "四位年份，如 2021"),
    InfoField("department", "主管部门", True),
    InfoField("department_code", "主管部门代码", False),
    InfoField("unit", "实施单位", True, aliases=("项目单位",)),
    InfoField(
        "credit_code", "统一社会信用代码", False, aliases=("项目单位法人代码",), hint="18 位，含校验位"
    ),
    InfoField("eval_type", "评价类型", False, hint="项目实施过程评价 / 项目完成结果评价，可两者"),
    InfoField("leader", "评价工作组负责人", True),
    InfoField("contact", "联系人", False),
    InfoField("phone", "联系电话", False, hint="11 位手机号，或带区号的固定电话"),
    InfoField("eval_date", "评价时间", True, "date", hint="如 2022-04-12"),
    InfoField("claimed_total", "自评总分", False, "number", hint="单位自评的总分"),
    InfoField("claimed_grade", "自评等级", False, "grade", hint="优 / 良 / 中 / 差"),
    # v3, last so that every other field keeps its row: matches the bureau's approved targets (X006–X008)
    InfoField(
        "project_code", "项目编码", False, aliases=("项目代码",), hint="预算管理一体化中的项目编码，可空"
    ),
)

# 资金情况 rows, by 资金来源
FUND_TOTAL = "年度资金总额"
FUND_ROWS: dict[str, tuple[str, ...]] = {
    FUND_TOTAL: (),
    "财政拨款": ("当年财政拨款", "其中：财政拨款", "其中：当年财政拨款", "其中财政拨款"),
    "上年结转资金": ("上年结转",),
    "其他资金": (),
}
FUND_COMPONENTS = ("财政拨款", "上年结转资金", "其他资金")

FUNDS = Sheet(
    "资金情况",
    (
        Column("source", "资金来源", width=18),
        Column("initial", "年初预算数", kind="money", hint="金额单位默认万元"),
        Column("adjusted", "全年预算数", kind="money", hint="可空：空时以年初预算数为准"),
        Column("executed", "全年执行数", kind="money"),
        Column("rate", "执行率", required=False, kind="rate", hint="可填 100% 或 1"),
    ),
)

SUBITEMS = Sheet(
    "分项预算",
    (
        Column("seq", "序号", required=False, kind="text", width=6),
        Column("name", "分项名称", width=36),
        Column("amount", "预算金额", kind="money"),
        Column("note", "说明", required=False, width=30),
    ),
    required=False,
)

PAYMENTS = Sheet(
    "支付明细",
    (
        Column("seq", "序号", required=False, width=6),
        Column("date", "支付日期", kind="dates", width=16, hint="如 2021-09-18；多日用、分隔"),
        Column("fund_type", "资金性质", required=False, width=18),
        Column("item", "分项名称", width=36, hint="须与分项预算中的名称一致；多个分项用、分隔"),
        Column("purpose", "用途", required=False, width=36),
        Column("amount", "支付金额", kind="money"),
        Column("voucher", "凭证号", required=False, width=12),
    ),
)

STRUCTURE = Sheet(
    "支出结构",
    (
        Column("category", "支出类别", width=24),
        Column("amount", "金额", kind="money"),
    ),
    required=False,
)

GOALS = Sheet(
    "绩效目标",
    (
        Column("seq", "序号", required=False, width=6),
        Column("expected", "预期目标", width=50),
        Column("actual", "实际完成情况", required=False, width=50),
    ),
)

INDICATORS = Sheet(
    "绩效指标",
    (
        Column("level1", "一级指标", width=14),
        Column("level2", "二级指标", width=18),
        Column("level3", "三级指标", width=30),
        Column("nature", "指标性质", required=False, width=8, hint="定量 / 定性；可空，按指标值判断"),
        Column(
            "target",
            "年度指标值",
            width=20,
            hint="如 ≥36次、≤5%、=100%、12月底前",
            aliases=("指标值", "年度目标值", "目标值"),
        ),
        Column("actual", "实际完成值", width=20, aliases=("全年实际值", "实际值", "全年完成值", "完成值")),
        Column("weight", "分值", kind="number", width=8, aliases=("权重",)),
        Column("claimed", "自评得分", kind="number", width=8, aliases=("得分",)),
        Column(
            "deviation",
            "偏差原因分析及改进措施",
            required=False,
            width=36,
            aliases=("未完成原因分析", "偏差原因", "未完成原因和改进措施"),
        ),
        Column(
            "level",
            "完成程度",
            required=False,
            width=12,
            aliases=("完成等级", "达成程度"),
            hint="定性指标选填：达成 / 部分达成 / 未达成；定量指标留空",
        ),
    ),
)
# v3 完成程度: the three levels the template's dropdown offers (the long forms read the same)
LEVEL_CHOICES = ("达成", "部分达成", "未达成")

# workbook.md v2: the unit of bare-number targets and actuals in the 四川/云南 and 预算管理一体化
# layouts. Read when present; the template does not write it (it writes INDICATORS.columns only).
INDICATOR_UNIT = Column("unit", "度量单位", required=False, width=8, aliases=("计量单位", "单位", "指标单位"))
# …and, in some exports, the comparator in a column of its own beside 指标性质 (定量/定性)
INDICATOR_COMPARATOR = Column(
    "comparator",
    "指标方向",
    required=False,
    width=8,
    aliases=("运算符号", "运算符", "比较符号", "指标值符号"),
)

NARRATIVE = Sheet(
    "报告正文",
    (
        Column("section", "章节", width=20),
        Column("text", "内容", width=100),
    ),
)
NARRATIVE_SECTIONS = (
    "项目基本情况",
    "项目建设内容",
    "资金使用及管理情况",
    "资金调整情况",
    "项目管理情况",
    "绩效目标完成情况分析",
    "存在问题",
    "改进措施",
    "其他需要说明的问题",
)

TEAM = Sheet(
    "自评小组",
    (
        Column("name", "姓名", width=10),
        Column("title", "职称/职务", required=False, width=14, aliases=("职务", "职称")),
        Column("unit", "单位", required=False, width=30),
        Column("role", "角色", required=False, width=8),
    ),
    required=False,
)

# v3 (workbook.md "Approved targets"): the bureau's export of the approved 绩效目标, one row per
# indicator, many projects per sheet; read by load/approved.py, laid out by the template's
# 批复绩效目标模板.xlsx. Not a sheet of the unit's workbook.
APPROVED = Sheet(
    "批复绩效目标",
    (
        Column(
            "code", "项目编码", required=False, width=18, aliases=("项目代码",), hint="有编码时按编码对照"
        ),
        Column("name", "项目名称", width=36),
        Column("unit", "实施单位", width=24, aliases=("项目单位",)),
        Column("year", "预算年度", kind="year", width=10, aliases=("年度",)),
        Column("level1", "一级指标", required=False, width=12),
        Column("level2", "二级指标", required=False, width=16),
        Column("level3", "三级指标", width=30),
        Column("target", "指标值", width=16, aliases=("年度指标值", "批复指标值"), hint="如 ≥36次、≤5%"),
        Column("adjusted", "调整后指标值", required=False, width=16, hint="年中调整过的才填"),
        Column("nature", "指标性质", required=False, width=8),
        Column("measure", "度量单位", required=False, width=8, aliases=("计量单位",)),
    ),
)

TABLE_SHEETS: tuple[Sheet, ...] = (FUNDS, SUBITEMS, PAYMENTS, STRUCTURE, GOALS, INDICATORS, NARRATIVE, TEAM)


def template_widths(sheet_name: str) -> dict[str, float]:
    """A sheet's header labels (and aliases), as the loader compares them, -> the template's widths."""
    if normalize_label(sheet_name) == normalize_label(INFO):
        return {normalize_label(label): width for label, width in INFO_COLUMNS}
    for sheet in TABLE_SHEETS:
        if normalize_label(sheet.name) == normalize_label(sheet_name):
            return {normalize_label(name): c.width for c in sheet.columns for name in c.names}
    return {}


# Dropdown lists (the template feeds them from a hidden sheet)
# the 一级指标 the template offers; 成本指标 belongs under 产出指标 (财预〔2020〕10号) and is only
# accepted as a 一级 name, for workbooks that file it so
LEVEL1_CHOICES = ("产出指标", "效益指标", "满意度指标")
LEVEL1 = (*LEVEL1_CHOICES, "成本指标")
# the blank template's 一级/二级 skeleton with the 50/30/10 weights of 财预〔2020〕10号
SKELETON: tuple[tuple[str, str], ...] = (
    *(("产出指标(50分)", l2) for l2 in ("数量指标", "质量指标", "时效指标", "成本指标")),
    *(("效益指标(30分)", l2) for l2 in ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
    ("满意度指标(10分)", "服务对象满意度指标"),
)
FUND_TYPES = (
    "一般公共预算资金",
    "政府性基金预算资金",
    "国有资本经营预算资金",
    "财政专户管理资金",
    "单位资金",
)
ROLES = ("组长", "副组长", "成员")
LEVEL2 = (
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济成本指标",
    "社会成本指标",
    "生态环境成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
)
EVAL_TYPES = ("项目实施过程评价", "项目完成结果评价", "项目实施过程评价、项目完成结果评价")
GRADES = ("优", "良", "中", "差")
# the words a unit writes for a grade (in 自评等级 or in the text) -> the grade
GRADE_WORDS = {
    **{g: g for g in GRADES},
    "优秀": "优",
    "良好": "良",
    "中等": "中",
    "合格": "中",
    "较差": "差",
    "不合格": "差",
}
NATURES = ("定量", "定性")
LISTS_SHEET = "_lists"
