"""Every sheet the program writes or reads back, declared once: its name and its columns (header,
width, the style of its cells, whether its text wraps and so sets the row height, the dropdown it
offers). The writers (render/) lay their sheets out from these; batch/reviewer.py reads the
reviewer's columns back by the same headers. The input sheets are schema.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from .decisions import CONCLUSIONS, CONFIRMED, OPEN, STATES, WAIVED
from .model import Severity
from .schema import GRADES


@dataclass(frozen=True)
class Column:
    head: str
    width: float
    style: str = "center"  # the xlsx.Formats style of its cells
    wrap: bool = False  # its text wraps: the row is as high as it needs
    choices: tuple[str, ...] = ()  # a dropdown of these values
    key: str = ""  # the field a row's dict holds it under (评分明细)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]

    def col(self, head: str) -> int:
        """The 0-based position of the column headed `head`."""
        return next(c for c, column in enumerate(self.columns) if column.head == head)

    @property
    def heads(self) -> tuple[str, ...]:
        return tuple(column.head for column in self.columns)

    @property
    def wrapped(self) -> tuple[int, ...]:
        """The positions of the columns whose text wraps."""
        return tuple(c for c, column in enumerate(self.columns) if column.wrap)

    @property
    def wrap_widths(self) -> tuple[float, ...]:
        return tuple(self.columns[c].width for c in self.wrapped)

    @property
    def last(self) -> int:
        return len(self.columns) - 1


def choice_list(choices: tuple[str, ...], last: str = "或") -> str:
    """`待核实、确认、豁免 或 调整`: the values of a dropdown as a sentence names them."""
    return f"{'、'.join(choices[:-1])} {last} {choices[-1]}" if len(choices) > 1 else "".join(choices)


# ---------------------------------------------------------------- the scored workbook
# The reviewer's columns, read back by these headers (a reviewer may move a column)
STATE_HEAD, NOTE_HEAD = "审核处理", "审核说明"
KEY_HEADS = ("规则", "工作表", "单元格", "应为", "实为")  # what a decision belongs to

REVIEW = Sheet(
    "审核意见",
    (
        Column("严重程度", 9),
        Column(KEY_HEADS[0], 7),
        Column(KEY_HEADS[1], 12, wrap=True),
        Column(KEY_HEADS[2], 10),
        Column("审核意见", 66, "text", wrap=True),
        Column(KEY_HEADS[3], 16, wrap=True),
        Column(KEY_HEADS[4], 16, wrap=True),
        Column(STATE_HEAD, 10, choices=STATES),
        Column(NOTE_HEAD, 30, "text"),
    ),
)

RECORD = Sheet(
    "审核记录",  # decisions that no longer apply, or cannot be applied
    (
        Column("状态", 9),
        Column("规则", 7),
        Column("位置", 16),
        Column("应为", 14, wrap=True),
        Column("实为", 14, wrap=True),
        Column(STATE_HEAD, 9),
        Column(NOTE_HEAD, 30, "text", wrap=True),
        Column("审核人", 12),
        Column("时间", 18),
        Column("说明", 50, "text", wrap=True),
    ),
)

DETAIL = Sheet(
    "评分明细",
    (
        Column("行号", 6, "list_center", key="row"),
        Column("一级指标", 15, "list_text", key="level1"),  # holds 总分（百分制） on one line
        Column("二级指标", 13, "list_text", key="level2"),
        Column("三级指标", 24, "list_text", key="level3"),
        Column("指标性质", 7, "list_center", key="kind"),
        Column("方法", 9, "list_center", key="method"),
        Column("分值", 7, "list_score", key="weight"),
        Column("自评得分", 8, "list_score", key="claimed"),
        Column("复核得分", 8, "list_score", key="computed"),
        Column("达成程度", 8, "list_center", key="level"),
        Column("区间", 9, "list_center", key="band"),
        Column("计算过程", 48, "list_text", key="how"),
    ),
)

# ---------------------------------------------------------------- 审核汇总.xlsx
FILE_HEAD, CONCLUSION_HEAD, REVIEWER_HEAD, DATE_HEAD = "文件", "审核结论", "审核人", "审核日期"
FINAL_HEAD = "定稿"  # v3: 已生成 / 未生成：<the open 错误> / blank while not 通过 (batch/final.py)
SEVERITY_HEADS = tuple(s.value for s in Severity)  # 错误, 警告, 提示: the count of each

SUMMARY = Sheet(
    "汇总",
    (
        Column(FILE_HEAD, 24, "text", wrap=True),  # the reviewer's 审核结论 is read back by 文件
        Column("项目名称", 32, "text", wrap=True),
        Column("实施单位", 22, "text", wrap=True),
        Column("预算（万元）", 12, "money"),
        Column("执行数（万元）", 14, "money"),
        Column("执行率", 9, "percent"),
        Column("自评总分", 9, "score"),
        Column("复核总分", 9, "score"),
        Column("等级", 6),
        *(Column(head, 6, "score") for head in SEVERITY_HEADS),
        Column("审核表", 8),
        Column("说明", 40, "text", wrap=True),
        # the review: findings per 审核处理, then the reviewer's columns
        Column(OPEN, 7, "score"),
        Column(CONFIRMED, 6, "score"),
        Column(WAIVED, 6, "score"),
        Column(CONCLUSION_HEAD, 10, choices=CONCLUSIONS),
        Column(REVIEWER_HEAD, 10),
        Column(DATE_HEAD, 12),
        Column(FINAL_HEAD, 16, "text"),
    ),
)

# printed one page wide on A4 landscape at about 80 % (no sheet of 审核汇总 prints below 70 %)
ALL_FINDINGS = Sheet(
    "全部审核意见",
    (
        Column("文件", 20, "text", wrap=True),
        Column("项目名称", 22, "text", wrap=True),
        Column("严重程度", 9),
        Column("规则", 7),
        Column("工作表", 11),
        Column("单元格", 10),
        Column("审核意见", 56, "text", wrap=True),
        Column("应为", 11, wrap=True),
        Column("实为", 11, wrap=True),
        Column("关联工作簿", 18, "text", wrap=True),  # X findings: the other workbook and where it says it
        Column("关联单元格", 11),
    ),
)

BY_DEPARTMENT = Sheet(
    "按主管部门",
    (
        Column("主管部门", 26, "text", wrap=True),
        Column("项目数", 8, "score"),
        Column("预算（万元）", 13, "money"),
        Column("执行数", 13, "money"),
        Column("执行率", 9, "percent"),
        Column("平均复核总分", 11, "score"),
        *(Column(f"等级：{g}", 8, "score") for g in GRADES),
        Column("无法复核", 8, "score"),  # v3: 总分 unknown; left out of 平均复核总分, counted here
        Column(Severity.ERROR.value, 7, "score"),
        Column(Severity.WARNING.value, 7, "score"),
    ),
)

YEAR_OVER_YEAR = Sheet(
    "年度对比",
    (
        Column("项目名称", 26, "text", wrap=True),
        Column("实施单位", 18, "text", wrap=True),
        Column("本年度文件", 18, "text", wrap=True),
        Column("预算年度", 9),
        Column("复核总分", 9, "score"),
        Column("等级", 6),
        Column("执行率", 9, "percent"),
        Column("往年文件", 18, "text", wrap=True),
        Column("往年预算年度", 11),
        Column("往年复核总分", 11, "score"),
        Column("往年等级", 8),
        Column("往年执行率", 10, "percent"),
        Column("总分变化", 9, "score"),
        Column("调低的指标（X004）", 26, "text", wrap=True),
    ),
)

# v3: the approved 绩效目标 beside the workbook's (checks/approved.py's table, one row per line)
TARGETS = Sheet(
    "目标对照",
    (
        Column("文件", 22, "text"),
        Column("项目名称", 28, "text"),
        Column("三级指标", 28, "text"),
        Column("批复指标值", 14, "text"),
        Column("调整后指标值", 13, "text"),
        Column("自评表指标值", 14, "text"),
        Column("对照结果", 16),
        Column("规则", 7),
        Column("一级指标", 10, "text"),
        Column("二级指标", 12, "text"),
        Column("项目对照方式", 16, "text"),
        Column("批复文件", 22, "text"),
        Column("批复单元格", 16, "text"),
    ),
)

# ---------------------------------------------------------------- `decisions --export`
DECISION_RECORD = Sheet(
    "审核处理记录",
    (
        Column("项目（文件）", 24, "text", wrap=True),
        Column("规则", 7),
        Column("位置", 16),
        Column("应为", 14, "text", wrap=True),
        Column("实为", 14, "text", wrap=True),
        Column(STATE_HEAD, 9),
        Column(NOTE_HEAD, 30, "text", wrap=True),
        Column("审核人", 12),
        Column("时间", 18),
        Column("状态", 8),
        Column("失效/更改时间", 18),
        Column("录入位置", 40, "text", wrap=True),
    ),
)
