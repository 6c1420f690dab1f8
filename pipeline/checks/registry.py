"""The rule catalogue: every check registers here with its stable ID (checks.md) and severity.

A rule is `fn(project, ctx) -> Iterator[Finding]`. It stays silent when its input is missing
(the loader already said so with I002/I003); any other exception is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from ..config import Settings
from ..messages import MSG
from ..model import Cell, CellRef, Finding, Label, Project, Scores, Severity


@dataclass(frozen=True)
class Context:
    settings: Settings
    scores: Scores
    today: date  # the run's date (M003): the batch's --date, so one input gives one set of files


RuleFn = Callable[[Project, Context], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    fn: RuleFn | None  # None: a loader rule (I-family), documented here, raised in load/

    @property
    def summary(self) -> str:
        """First docstring line: `中文 | English`."""
        doc = (self.fn.__doc__ if self.fn else LOADER_DOCS[self.id]) or ""
        return doc.strip().splitlines()[0]

    @property
    def why(self) -> str:
        """The docstring after its first line, in Chinese (docs/rules.md 为什么: its readers are finance staff)."""
        doc = (self.fn.__doc__ if self.fn else LOADER_DOCS[self.id]) or ""
        lines = [ln.strip() for ln in doc.strip().splitlines()[1:] if ln.strip()]
        text = ""
        for line in lines:  # a docstring wraps Chinese lines with no space between them
            text += " " + line if text[-1:].isascii() and line[:1].isascii() and text else line
        return text


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, fn)
        fn.rule_id = rule_id  # type: ignore[attr-defined]
        return fn

    return register


def finding(
    rule_id: str,
    where: Cell | CellRef | Label | None,
    key: str | None = None,
    *,
    expected: float | str | None = None,
    actual: float | str | None = None,
    sheet: str = "",
    **fmt: object,
) -> Finding:
    """Build a finding: severity from the catalogue, wording from messages.MSG[key or rule_id]."""
    ref = where.ref if isinstance(where, (Cell, Label)) else where
    message = MSG[key or rule_id].format(**fmt)
    return Finding(
        rule_id,
        RULES[rule_id].severity,
        ref.sheet if ref else sheet,
        ref.cell if ref else "",
        message,
        expected,
        actual,
    )


def run_checks(project: Project, ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for r in RULES.values():
        if r.fn is not None:
            findings.extend(r.fn(project, ctx))
    return findings


LOADER_DOCS = {
    "I001": "文件无法读取 | The file cannot be read as a workbook.\n"
    "不是工作簿、压缩包损坏、设有密码、旧版 .xls，或超过大小限制；意见说明是哪一种、该怎么做。",
    "I002": "缺少必需的工作表 | A required sheet is missing.\n"
    "意见写明缺的是哪张表，以及工作簿中名称相近的表。",
    "I003": "缺少必需的列 | A required column is missing in a sheet.\n"
    "依赖这一列的规则不再运行，以免连锁误报。",
    "I004": "必填项为空 | A required field is empty.\n"
    "项目信息的必填项、资金情况的年度资金总额行、支付的金额或日期。",
    "I005": "单元格无法读取为所需类型 | A cell cannot be read as the number, percentage, date or year its column needs.\n"
    "不会中断处理，也不会悄悄当作 0：该值记为未知，并指明单元格。",
    "I006": "公式没有缓存值 | A formula cell has no cached value.\n"
    "文件由不计算公式的程序保存，公式的结果未知：请在 Excel/WPS 中打开并保存一次。",
    "I007": "全年预算数为空，以年初预算数为基数 | 全年预算数 blank: 年初预算数 used as the base.\n"
    "预算执行率以年初预算数为基数计算。",
}
for _id, _sev in (
    ("I001", Severity.ERROR),
    ("I002", Severity.ERROR),
    ("I003", Severity.ERROR),
    ("I004", Severity.ERROR),
    ("I005", Severity.ERROR),
    ("I006", Severity.WARNING),
    ("I007", Severity.INFO),
):
    RULES[_id] = Rule(_id, _sev, None)
