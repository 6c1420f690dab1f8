"""The rule catalogue: every check registers here with its stable ID (checks.md) and severity.

A rule is `fn(project, ctx) -> Iterator[Finding]`. It stays silent when its input is missing
(the loader already said so with I002/I003); any other exception is a bug and propagates.
An X rule (`across=True`, checks/cross.py) runs once per batch on the batch-wide tables instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from ..config import Settings
from ..load.rules import LOADER_RULES
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
    across: bool = False  # an X rule: fn(frames, CrossContext), run by the batch, not per workbook

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


def rule(rule_id: str, severity: Severity, *, across: bool = False) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, fn, across)
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
        if r.fn is not None and not r.across:
            findings.extend(r.fn(project, ctx))
    return findings


for _id, (_severity, _doc) in LOADER_RULES.items():
    RULES[_id] = Rule(_id, _severity, None)
