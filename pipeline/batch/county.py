"""The bureau's own report on a year's self-evaluations (outputs.md v3, "the county report"): the
batch tables -> `CountyFigures` (its shape: pipeline/county.py), every figure that report prints,
computed here and nowhere else.

`figures()` is pure: the batch-wide tables (tables.Frames), the settings, the reviewer's
审核结论 per input file and the run date in; a frozen dataclass out. No workbook and no file is read.
render/county_report.py formats and lays the figures out and never recomputes one.

What is counted (outputs.md v3):
- the year is the 预算年度 most readable workbooks of the batch have (ties: the later year); the
  workbooks of other years are named, not counted; unreadable files are named, not counted;
- a project held twice (X003: same 项目名称 + 实施单位 + 预算年度, or byte-identical files) counts
  once: the copy the reviewer gave a 审核结论 (通过 first), else the first in input order;
- a project whose total is unknown (total None: 无法复核) counts in the money and apart in the grades.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from ..county import (
    RATE_BINS,
    RATE_DIGITS,
    UNKNOWN_GRADE,
    CountyFigures,
    CrossGroup,
    CrossItem,
    DepartmentLine,
    Duplicate,
    ProblemGroup,
    ProblemRule,
    ProjectLine,
    Share,
)
from ..decisions import PASSED, PENDING, RETURNED, WAIVED, Conclusion
from ..schema import GRADES
from ..tables import by_department, department_name, held_twice

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Settings
    from ..tables import Frames

# The problems as a reader groups them (county_report.md, "problem categories reviewers name"):
# a rule goes to the first group one of whose prefixes it starts with.
PROBLEM_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("资金管理", ("B", "P")),
    ("指标设置", ("S002", "S003", "S004", "S009", "S013", "S014", "S015", "S016", "S017")),
    ("自评打分", ("S",)),
    ("报告质量", ("N", "M", "I")),
)
NOT_A_PROBLEM = ("I001",)  # unreadable files are named apart
INFO = "提示"  # notes, not problems: left out of the problems
# the cross-project findings, in the report's order; X003 is the duplicates list
CROSS_RULES = ("X001", "X002", "X004", "X005")
SYMMETRIC = ("X001", "X002")  # both workbooks of a pair carry the finding: one line per pair


def figures(
    frames: Frames,
    settings: Settings,
    conclusions: dict[str, Conclusion],
    run_date: dt.date,
) -> CountyFigures:
    """Every figure of the county report, from the batch tables."""
    import pandas as pd

    batch = frames.batch_projects()
    readable = batch[batch["readable"]]
    year = _main_year(readable)
    this_year = readable[readable["year"] == year] if year is not None else readable.iloc[0:0]
    others = readable.drop(this_year.index)
    other_years: dict[str, list[str]] = {}
    for y, f in zip(others["year"], others["file"], strict=True):
        other_years.setdefault(str(y) if y is not None and y == y else "", []).append(f)
    counted, duplicates = _once(this_year, conclusions)
    files = set(counted["file"])
    lines = tuple(_line(r, conclusions) for r in counted[list(LINE_COLUMNS)].to_dict("records"))
    budget = pd.to_numeric(counted["budget"], errors="coerce")
    executed = pd.to_numeric(counted["executed"], errors="coerce")
    known = budget.notna() & executed.notna()
    total_budget, total_executed = float(budget[known].sum()), float(executed[known].sum())
    n = len(lines)
    rates = [_rounded(p.rate) for p in lines]
    bin_counts = [
        [p for p, r in zip(lines, rates, strict=True) if r is not None and _in(r, lo, hi)]
        for _, lo, hi in RATE_BINS
    ]
    grade_groups = {g: [p for p in lines if p.grade == g] for g in (*GRADES, UNKNOWN_GRADE)}
    totals = [p.total for p in lines if p.total is not None]
    gaps = [
        (p.claimed - p.total)
        for p in lines
        if p.total is not None
        and p.claimed is not None
        and abs(p.claimed - p.total) > settings.tolerance.score
    ]
    conclusion_of = Counter(p.conclusion for p in lines)
    departments = _departments(frames, counted)
    f = frames.findings
    findings = f[f["file"].isin(files) & (f["decision"] != WAIVED)]
    return CountyFigures(
        region=settings.bureau.region.strip(),
        bureau=settings.bureau.name.strip(),
        year=year,
        run_date=run_date,
        score_decimals=settings.scoring.decimals,
        files=len(batch),
        unreadable=tuple(batch.loc[~batch["readable"], "file"]),
        other_years=tuple((y, tuple(fs)) for y, fs in sorted(other_years.items())),
        duplicates=duplicates,
        projects=n,
        departments=len({p.department for p in lines}),
        units=len({p.unit for p in lines if p.unit}),
        budget=total_budget,
        executed=total_executed,
        rate=total_executed / total_budget if total_budget > 0 else None,
        money_unknown=int((~known).sum()),
        rate_bins=_shares([(label, ps) for (label, _, _), ps in zip(RATE_BINS, bin_counts, strict=True)], n),
        rate_unknown=sum(r is None for r in rates),
        grades=_shares(list(grade_groups.items()), n),
        mean_total=sum(totals) / len(totals) if totals else None,
        scored=len(totals),
        differs=len(gaps),
        higher=sum(g > 0 for g in gaps),
        mean_gap=sum(abs(g) for g in gaps) / len(gaps) if gaps else None,
        passed=conclusion_of[PASSED],
        returned=tuple(p for p in lines if p.conclusion == RETURNED),
        pending=n - conclusion_of[PASSED] - conclusion_of[RETURNED],
        low=tuple(sorted((p for p in lines if p.grade in GRADES[2:]), key=lambda p: (p.total, p.file))),
        by_grade={g: tuple(ps) for g, ps in grade_groups.items()},
        departments_table=departments,
        errors=sum(d.errors for d in departments),
        warnings=sum(d.warnings for d in departments),
        problems=_problems(findings, counted),
        cross=_cross(findings, frames.projects),
        all_projects=lines,
    )


def _main_year(readable: pd.DataFrame) -> int | None:
    years = Counter(y for y in readable["year"] if isinstance(y, int) and not isinstance(y, bool))
    if not years:
        return None
    return max(years, key=lambda y: (years[y], y))


def _rounded(rate: float | None) -> float | None:
    return round(rate, RATE_DIGITS) if rate is not None and math.isfinite(rate) else None


def _in(rate: float, low: float | None, high: float | None) -> bool:
    return (low is None or rate >= low) and (high is None or rate < high)


def _shares(groups: list[tuple[str, list[ProjectLine]]], n: int) -> tuple[Share, ...]:
    """Counts, money and share of the counted projects per bin. (Equal counts show equal shares; the
    printed shares may add up to 99.9% or 100.1%, as rounded shares do.)"""
    return tuple(
        Share(label, len(ps), sum(p.budget for p in ps if p.budget is not None), len(ps) / n if n else 0.0)
        for label, ps in groups
    )


def _once(
    projects: pd.DataFrame, conclusions: dict[str, Conclusion]
) -> tuple[pd.DataFrame, tuple[Duplicate, ...]]:
    """The projects with each one held twice (X003) counted once: the copy 审核汇总 counts too
    (tables.held_twice: the one marked 通过, else the later)."""
    passed = frozenset(f for f, c in conclusions.items() if c is not None and c.state == PASSED)
    counted_as = held_twice(projects, passed)
    groups: dict[str, list[str]] = {}
    for dropped, kept in counted_as.items():
        groups.setdefault(kept, []).append(dropped)
    names = dict(zip(projects["file"], projects["name"], strict=True))
    digests = dict(zip(projects["file"], projects["sha256"], strict=True))
    duplicates = tuple(
        Duplicate(
            kept, str(names[kept] or ""), tuple(dropped), len({digests[f] for f in (kept, *dropped)}) == 1
        )
        for kept, dropped in groups.items()
    )
    return projects[~projects["file"].isin(set(counted_as))], duplicates


def _state(conclusions: dict[str, Conclusion], file: str) -> str:
    c = conclusions.get(file)
    return c.state if c is not None and c.state else PENDING


def _number(x: object) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _text(x: object) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x).strip()


LINE_COLUMNS = (
    "file",
    "name",
    "unit",
    "department",
    "budget",
    "executed",
    "rate",
    "claimed_total",
    "total",
    "grade",
)


def _line(r: dict, conclusions: dict[str, Conclusion]) -> ProjectLine:
    c = conclusions.get(r["file"])
    total = _number(r["total"])
    return ProjectLine(
        file=r["file"],
        name=_text(r["name"]),
        unit=_text(r["unit"]),
        department=department_name(r["department"]),
        budget=_number(r["budget"]),
        executed=_number(r["executed"]),
        rate=_number(r["rate"]),
        claimed=_number(r["claimed_total"]),
        total=total,
        grade=_text(r["grade"]) if total is not None and _text(r["grade"]) in GRADES else UNKNOWN_GRADE,
        conclusion=_state(conclusions, r["file"]),
        reviewer=c.reviewer if c is not None else "",
        day=c.day if c is not None else "",
    )


def _departments(frames: Frames, counted: pd.DataFrame) -> tuple[DepartmentLine, ...]:
    """按主管部门 over the counted projects: the same view as 审核汇总's (batchframes.by_department)."""
    import dataclasses

    view = by_department(dataclasses.replace(frames, projects=counted))
    out = []
    for r in view.to_dict("records"):
        grades = tuple(int(r[g]) for g in GRADES)
        out.append(
            DepartmentLine(
                department=r["department"],
                projects=int(r["projects"]),
                budget=_number(r["budget"]),
                executed=_number(r["executed"]),
                rate=_number(r["rate"]),
                mean_total=_number(r["mean_total"]),
                grades=grades,
                unknown=int(r["projects"]) - sum(grades),
                errors=int(r["errors"]),
                warnings=int(r["warnings"]),
            )
        )
    return tuple(out)


def _group_of(rule: str) -> str | None:
    if rule in NOT_A_PROBLEM:
        return None
    return next((name for name, prefixes in PROBLEM_GROUPS if rule.startswith(prefixes)), None)


def _title(rule: str) -> str:
    from ..checks import RULES

    r = RULES.get(rule)
    return r.summary.split("|")[0].strip() if r is not None else rule


def _problems(findings: pd.DataFrame, counted: pd.DataFrame) -> tuple[ProblemGroup, ...]:
    """The findings by rule (most projects first), in the reader's groups."""
    names = dict(zip(counted["file"], counted["name"], strict=True))
    by_rule: dict[str, list[tuple[str, str, str]]] = {}
    for rule, file, message, severity in zip(
        findings["rule"], findings["file"], findings["message"], findings["severity"], strict=True
    ):
        if rule and _group_of(rule) is not None and severity != INFO:
            by_rule.setdefault(rule, []).append((file, _text(message), _text(severity)))
    groups = []
    for name, _ in PROBLEM_GROUPS:
        rules = []
        for rule, found in by_rule.items():
            if _group_of(rule) != name:
                continue
            file, message, severity = found[0]
            rules.append(
                ProblemRule(
                    rule,
                    _title(rule),
                    severity,
                    len(found),
                    len({f for f, _, _ in found}),
                    _text(names.get(file)),
                    message,
                )
            )
        rules.sort(key=lambda r: (-r.projects, -r.findings, r.rule))
        if rules:
            files = {f for r in rules for f, _, _ in by_rule[r.rule]}
            groups.append(ProblemGroup(name, len(files), sum(r.findings for r in rules), tuple(rules)))
    return tuple(groups)


def _cross(findings: pd.DataFrame, projects: pd.DataFrame) -> tuple[CrossGroup, ...]:
    names = dict(zip(projects["file"], projects["name"], strict=True))
    out = []
    for rule in CROSS_RULES:
        rows = findings[findings["rule"] == rule]
        items: dict[tuple, list[tuple[str, str, str]]] = {}
        for file, other, message in zip(rows["file"], rows["other_file"], rows["message"], strict=True):
            other = _text(other)
            key = (rule, frozenset((file, other))) if rule in SYMMETRIC else (rule, file, other, len(items))
            items.setdefault(key, []).append((file, other, _text(message)))
        if items:
            out.append(
                CrossGroup(
                    rule,
                    _title(rule),
                    tuple(
                        CrossItem(_text(names.get(f)), f, _text(names.get(o)), o, len(found), m)
                        for found in items.values()
                        for f, o, m in found[:1]
                    ),
                )
            )
    return tuple(out)


# ---------------------------------------------------------------- the batch's files
def report_files(
    frames: Frames,
    settings: Settings,
    conclusions: dict[str, Conclusion],
    run_date: dt.date,
    elsewhere: Callable[..., Future | None] | None = None,
) -> dict[str, Callable[[], bytes | None]]:
    """The county report's files for output/ (name -> builder): the .docx on every run, and its PDF
    when every project is 通过 and LibreOffice is installed (optional: without it, no PDF).
    `elsewhere(fn, *args)`: a worker of the run's pool, where the .docx is rendered from now on
    while the main process writes 审核汇总.xlsx (None from it, or a worker that fails: rendered here)."""
    from .files import safe_name
    from .pdf import docx_to_pdf, soffice

    numbers = figures(frames, settings, conclusions, run_date)
    stem = safe_name(numbers.title)
    built: list[bytes] = []
    pending = elsewhere(county_docx, numbers) if elsewhere is not None else None

    def docx() -> bytes:
        if not built:
            data = b""
            if pending is not None:
                with contextlib.suppress(Exception):  # a worker that died, or took too long: done here
                    data = pending.result(timeout=settings.limits.max_seconds)
            built.append(data or county_docx(numbers))
        return built[0]

    files: dict[str, Callable[[], bytes | None]] = {f"{stem}.docx": docx}
    if numbers.final and soffice() is not None:  # None from the builder: it could not convert
        files[f"{stem}.pdf"] = lambda: docx_to_pdf(docx(), "county")
    return files


def county_docx(numbers: CountyFigures) -> bytes:
    """The county report's .docx: its renderer (python-docx, the Word writer) imported only where it
    runs, a worker of the pool as a rule, so the main process does not import it for nothing."""
    from ..render.county_report import county_report_docx

    return county_report_docx(numbers)


def recorded(batch_files: dict, written_with: str | None = None) -> list[str]:
    """The county report's files among those the manifest records for the batch (`written_with`: only
    those written by the same run as that file)."""
    key = batch_files[written_with][1] if written_with in batch_files else None
    return [
        name
        for name in batch_files
        if name.endswith(("自评情况报告.docx", "自评情况报告.pdf"))
        and (written_with is None or batch_files[name][1] == key)
    ]
