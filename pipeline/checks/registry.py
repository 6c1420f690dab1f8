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
    today: date | None = None  # the run's date (M003); None -> date.today()


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
        doc = (self.fn.__doc__ if self.fn else LOADER_DOCS[self.id]) or ""
        lines = [ln.strip() for ln in doc.strip().splitlines()[1:] if ln.strip()]
        return " ".join(lines)


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
    quote: str = "",
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
        quote,
    )


def run_checks(project: Project, ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for r in RULES.values():
        if r.fn is not None:
            findings.extend(r.fn(project, ctx))
    return findings


LOADER_DOCS = {
    "I001": "文件无法读取 | The file cannot be read as a workbook.\n"
    "Not a workbook, a corrupt zip, encrypted, legacy .xls, or over the size limits; the message says which and what to do.",
    "I002": "缺少必需的工作表 | A required sheet is missing.\nNames the sheet and a near-miss name found instead.",
    "I003": "缺少必需的列 | A required column is missing in a sheet.\nRules that need the column stay silent.",
    "I004": "必填项为空 | A required field is empty.\n项目信息 labels, the 年度资金总额 row, a payment's amount or date.",
    "I005": "单元格无法读取为所需类型 | A cell cannot be read as the number, percentage, date or year its column needs.\n"
    "Never a crash and never a silent zero: the value is unknown and the cell is named.",
    "I006": "公式没有缓存值 | A formula cell has no cached value.\n"
    "The file was saved by a program that does not calculate: the value is unknown.",
    "I007": "全年预算数为空，以年初预算数为基数 | 全年预算数 blank: 年初预算数 used as the base.",
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
