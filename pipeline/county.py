"""The county report's figures (outputs.md v3, "the county report"): their shape, as typed values.

`batch/county.py` computes them from the batch tables (one place per figure); `render/county_report.py`
lays them out. Like `tables.py` for the batch tables, this module holds only the shape, so that the
renderer reads the figures without importing the batch wing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

UNKNOWN_GRADE = "无法复核"
REPORT_SUFFIX = "年度项目支出绩效自评情况报告"
# 执行率 bins of outputs.md v3: (label, lowest rate included, first rate not included)
RATE_BINS: tuple[tuple[str, float | None, float | None], ...] = (
    ("60%以下", None, 0.6),
    ("60%（含）–80%", 0.6, 0.8),
    ("80%（含）–90%", 0.8, 0.9),
    ("90%（含）–100%", 0.9, 1.0),
    ("100%（含）以上", 1.0, None),
)
RATE_DIGITS = 6  # a rate is binned as rounded to this: 0.8999999999 from float noise is 90%


# ---------------------------------------------------------------- the figures
@dataclass(frozen=True)
class Share:
    """Projects of one bin (a grade, a range of 执行率) and their money."""

    label: str
    projects: int
    budget: float  # Σ 预算数 of those whose budget is known, 万元
    share: float  # of the counted projects


@dataclass(frozen=True)
class ProjectLine:
    file: str
    name: str
    unit: str
    department: str
    budget: float | None
    executed: float | None
    rate: float | None
    claimed: float | None  # the unit's 自评总分
    total: float | None  # 复核总分 (None: 无法复核)
    grade: str  # 优 良 中 差, or 无法复核
    conclusion: str  # 待审 / 通过 / 退回修改
    reviewer: str
    day: str


@dataclass(frozen=True)
class DepartmentLine:
    department: str
    projects: int
    budget: float | None
    executed: float | None
    rate: float | None
    mean_total: float | None  # of the projects with a known total
    grades: tuple[int, ...]  # in GRADES order
    unknown: int  # 无法复核
    errors: int
    warnings: int


@dataclass(frozen=True)
class ProblemRule:
    rule: str
    title: str
    severity: str
    findings: int
    projects: int
    example_project: str
    example: str  # the first finding's message


@dataclass(frozen=True)
class ProblemGroup:
    name: str
    projects: int  # projects with at least one of these findings
    findings: int
    rules: tuple[ProblemRule, ...]  # most projects first


@dataclass(frozen=True)
class CrossItem:
    project: str
    file: str
    other_project: str
    other_file: str
    findings: int  # of this rule between the two (one line per pair for X001/X002)
    message: str  # the first one's


@dataclass(frozen=True)
class CrossGroup:
    rule: str
    title: str
    items: tuple[CrossItem, ...]


@dataclass(frozen=True)
class Duplicate:
    kept: str  # the file counted
    project: str
    dropped: tuple[str, ...]  # the other files of the same project, not counted
    identical: bool  # byte-identical copies (else: same 项目名称 + 实施单位 + 预算年度)


@dataclass(frozen=True)
class CountyFigures:
    region: str
    bureau: str
    year: int | None  # None: no readable workbook has a 预算年度
    run_date: dt.date
    score_decimals: int  # 复核总分 as scoring rounds it
    files: int  # workbooks in the batch, readable or not
    unreadable: tuple[str, ...]  # file names
    other_years: tuple[tuple[str, tuple[str, ...]], ...]  # (year as written, files), not counted
    duplicates: tuple[Duplicate, ...]
    projects: int  # counted
    departments: int
    units: int
    budget: float  # Σ 预算数, 万元 (of the projects whose budget is known)
    executed: float  # Σ 执行数
    rate: float | None  # Σ执行数 ÷ Σ预算数
    money_unknown: int  # counted projects whose budget or 执行数 is not known (left out of the sums)
    rate_bins: tuple[Share, ...]
    rate_unknown: int  # projects with no 执行率
    grades: tuple[Share, ...]  # 优 良 中 差, then 无法复核
    mean_total: float | None  # mean 复核总分 of the projects with a known total
    scored: int  # projects with a known total
    differs: int  # 自评总分 ≠ 复核总分 (beyond the score tolerance)
    higher: int  # of which the unit scored itself higher
    mean_gap: float | None  # mean |自评 − 复核| over those that differ
    passed: int
    returned: tuple[ProjectLine, ...]
    pending: int
    low: tuple[ProjectLine, ...]  # graded 中 or 差, lowest total first
    by_grade: dict[str, tuple[ProjectLine, ...]]  # every counted project, by grade (结果应用)
    departments_table: tuple[DepartmentLine, ...]
    errors: int  # findings of the counted projects, as the department table counts them
    warnings: int
    problems: tuple[ProblemGroup, ...]
    cross: tuple[CrossGroup, ...]
    all_projects: tuple[ProjectLine, ...]  # the 附件 table, in input order

    @property
    def remaining(self) -> int:
        """Counted projects the review has not finished (not yet 通过)."""
        return self.projects - self.passed

    @property
    def final(self) -> bool:
        """Every counted project 通过: the report is the final one."""
        return self.projects > 0 and self.remaining == 0

    @property
    def title(self) -> str:
        year = f"{self.year}" if self.year is not None else ""
        return f"{self.region}{year}{REPORT_SUFFIX}" if year else f"{self.region}项目支出绩效自评情况报告"
