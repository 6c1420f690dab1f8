"""The rule catalogue: every check registers here with its stable ID (checks.md) and severity.

A rule is `fn(project, ctx) -> Iterator[Finding]`. It stays silent when its input is missing
(the loader already said so with I002/I003); any other exception is a bug and propagates.
v3 (checks.md, "nothing is compared against an unknown"): a rule declares the figures it `needs`;
the registry does not run it when one is unknown (TOTAL, BUDGET, WEIGHTS), and a rule that reads
indicator lines (LINES) sees only the lines whose figures are known.
An X rule (`across=True`, checks/cross.py) runs once per batch on the batch-wide tables instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from ..config import Settings
from ..load.rules import LOADER_RULES
from ..messages import MSG
from ..model import Cell, CellRef, Finding, Label, Project, Scores, Severity

# What a rule's comparison may need (checks.md v3 table); the registry knows whether each is known.
TOTAL = "总分"  # 复核总分 and 等级 (every line, the 预算执行率 line, the 分值)
BUDGET = "预算执行率"  # 全年执行数 and its base in 年度资金总额
WEIGHTS = "分值"  # every 分值 of the indicator table
LINES = "指标行"  # a rule reading lines sees the known ones only


@dataclass(frozen=True)
class Context:
    settings: Settings
    scores: Scores
    today: date  # the run's date (M003): the batch's --date, so one input gives one set of files

    def known(self, need: str) -> bool:
        """The figures `need` names are known (LINES: always; the rule gets the known lines)."""
        s = self.scores
        if need == TOTAL:
            return s.total is not None
        if need == BUDGET:
            return s.budget_score is not None
        if need == WEIGHTS:
            return s.indicator_weight is not None
        return True


RuleFn = Callable[[Project, Context], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    fn: RuleFn | None  # None: a loader rule (I-family), documented here, raised in load/
    across: bool = False  # an X rule: fn(frames, CrossContext), run by the batch, not per workbook
    needs: tuple[str, ...] = ()  # v3: the figures its comparison needs (TOTAL, BUDGET, WEIGHTS, LINES)

    @property
    def summary(self) -> str:
        """First docstring line: `中文 | English`."""
        doc = (self.fn.__doc__ if self.fn else LOADER_RULES[self.id][1]) or ""
        return doc.strip().splitlines()[0]

    @property
    def why(self) -> str:
        """The docstring after its first line, in Chinese (docs/rules.md 为什么: its readers are finance staff)."""
        doc = (self.fn.__doc__ if self.fn else LOADER_RULES[self.id][1]) or ""
        lines = [ln.strip() for ln in doc.strip().splitlines()[1:] if ln.strip()]
        text = ""
        for line in lines:  # a docstring wraps Chinese lines with no space between them
            text += " " + line if text[-1:].isascii() and line[:1].isascii() and text else line
        return text


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, severity: Severity, *, across: bool = False, needs: tuple[str, ...] = ()
) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, fn, across, needs)
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
    """Every per-workbook rule whose figures are known; a rule needing LINES sees the known lines."""
    findings: list[Finding] = []
    known_lines = known_indicators(project, ctx.scores)
    for r in RULES.values():
        if r.fn is None or r.across or not all(ctx.known(need) for need in r.needs):
            continue
        findings.extend(r.fn(known_lines if LINES in r.needs else project, ctx))
    return findings


def known_indicators(project: Project, scores: Scores) -> Project:
    """The project with its unknown indicator lines left out (their I finding has said why)."""
    unknown = {line.row for line in scores.indicators if line.unknown}
    if not unknown:
        return project
    return replace(project, indicators=tuple(i for i in project.indicators if i.row not in unknown))


for _id, (_severity, _doc) in LOADER_RULES.items():
    RULES[_id] = Rule(_id, _severity, None)
