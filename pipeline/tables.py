"""The batch-wide tables: one pandas DataFrame per kind of row, over every workbook of the batch
(and of the archive: earlier years kept in output/), built in the main process.

Why pandas here and not below (docs/design.md): one workbook is small and every value of it must
keep its cell and the text staff typed, so the per-workbook model stays plain dataclasses. Across
hundreds of workbooks the bureau's questions are joins and group-bys (which department
under-spent, which payment two projects claim, which target went down since last year): that is
what these tables are for. They are built from the findings.json documents the workers return (or
that a skipped or archived workbook left in its folder), never by reading a workbook again.

Tables (every row names its `file` and, where it has one, the sheet and cell it was read from):
- projects: one row per workbook: keys, 主管部门, budget, executed, rate, 复核总分, grade, counts
- payments: one row per 支付明细 row
- indicators: one row per scored 绩效指标 row, with 年度指标值 and 偏差原因
- findings: one row per finding (X findings with the other workbook's file, sheet and cell)
- texts: the unit's own sentences (报告正文 sections and 偏差原因) that X005 compares

pandas is imported when a table is first built, never by the workers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Severity
from .schema import GRADES
from .values import half_width

if TYPE_CHECKING:
    import pandas as pd

PROJECT_COLUMNS = (
    "file",
    "folder",
    "scored",  # path of its scored workbook relative to output/, '' when none
    "in_batch",  # False: an earlier workbook kept in the archive (history only)
    "sha256",
    "readable",  # scores were computed (False: I001, or the program failed on it)
    "name",
    "year",
    "unit",
    "department",
    "name_sheet",
    "name_cell",
    "budget",
    "executed",
    "rate",
    "claimed_total",  # the unit's 自评总分
    "total",
    "grade",
    "errors",
    "warnings",
    "infos",
    "open",  # findings per 审核处理 (decisions.py): 待核实, 确认 (调整 counted here), 豁免
    "confirmed",
    "waived",
    "key",  # the project as X003 compares it: 项目名称 + 实施单位 + 预算年度, normalised
    "series",  # the project across years (X004, X005, 年度对比): 项目名称 without its year + 实施单位
    "code",  # v3: 项目编码 as written ('' when none): X006–X008 match the approved targets on it
)
PAYMENT_COLUMNS = (
    "file",
    "row",
    "dates",  # ISO dates joined with 、
    "dates_sheet",
    "dates_cell",
    "amount",
    "amount_sheet",
    "amount_cell",
    "fund_type",
    "items",
    "voucher",
    "voucher_sheet",
    "voucher_cell",
)
INDICATOR_COLUMNS = (
    "file",
    "row",
    "level1",
    "level2",
    "level3",
    "sheet",
    "cell",  # of 三级指标
    "target",
    "target_cell",
    "actual",
    "weight",
    "claimed",
    "computed",
    "deviation",
    "deviation_cell",
    "unit",  # 度量单位 of a bare target, and 指标性质 / 指标方向 as written: how X006 reads the target
    "nature",
)
FINDING_COLUMNS = (
    "file",
    "project",
    "rule",
    "severity",
    "sheet",
    "cell",
    "message",
    "expected",
    "actual",
    "decision",  # the reviewer's 审核处理 (待核实 when none)
    "decision_note",
    "decision_problem",  # a reviewer's entry that could not be applied
    "other_file",
    "other_sheet",
    "other_cell",
)
TEXT_COLUMNS = ("file", "kind", "title", "text", "sheet", "cell")  # kind: 报告正文 / 偏差原因
SEVERITY_RANK = {s.value: s.rank for s in Severity}  # findings.json holds a severity as its text


@dataclass(frozen=True)
class Frames:
    projects: pd.DataFrame
    payments: pd.DataFrame
    indicators: pd.DataFrame
    findings: pd.DataFrame
    texts: pd.DataFrame

    def batch_projects(self) -> pd.DataFrame:
        return self.projects[self.projects["in_batch"]]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables of `export`, as named there (the archive rows are history: left out)."""
        batch = set(self.batch_projects()["file"])
        return {
            "projects": self.batch_projects().reset_index(drop=True),
            "payments": self.payments[self.payments["file"].isin(batch)].reset_index(drop=True),
            "indicators": self.indicators[self.indicators["file"].isin(batch)].reset_index(drop=True),
            "findings": self.findings,
        }


# ---------------------------------------------------------------- keys
_NOISE = re.compile(r"[\s，。、,.;；:：\"'“”‘’()（）\[\]【】<>《》·\-—_/]")
_YEAR = re.compile(r"(?:19|20)\d{2}\s*年度?")


def normalize(text: object) -> str:
    """Text as two workbooks are compared on it: half-width, no spaces or punctuation, casefolded."""
    return _normalize(str(text or ""))


@functools.lru_cache(maxsize=65536)  # units, 资金性质 and names repeat across a batch
def _normalize(text: str) -> str:
    return _NOISE.sub("", half_width(text)).casefold()


def series_of(name: object, unit: object) -> str:
    """The same project in any year: `2021年文化惠民演出项目` and `2022年度文化惠民演出项目` of one
    实施单位 are one series. '' when the name or the unit is blank."""
    bare, who = normalize(_YEAR.sub("", half_width(str(name or "")))), normalize(unit)
    return f"{bare}|{who}" if bare and who else ""


def key_of(name: object, unit: object, year: object) -> str:
    """The project as X003 compares two files: 项目名称 + 实施单位 + 预算年度."""
    n, u = normalize(name), normalize(unit)
    return f"{n}|{u}|{year}" if n and u and year is not None else ""


# ---------------------------------------------------------------- views (审核汇总.xlsx)


def held_twice(projects: pd.DataFrame, passed: frozenset[str] = frozenset()) -> dict[str, str]:
    """A project held twice (X003: the same 项目名称 + 实施单位 + 预算年度, or the same bytes) counts
    once: {file left out of sums and counts: the file counted instead}. The copy counted is the one
    whose 审核结论 is 通过 (`passed`), else the last in input order (a later copy replaces an earlier)."""
    files = list(projects["file"])
    parent = {f: f for f in files}

    def root(f: str) -> str:
        while parent[f] != f:
            f = parent[f] = parent[parent[f]]
        return f

    for column in ("key", "sha256"):
        first: dict[str, str] = {}
        for f, value, readable in zip(files, projects[column], projects["readable"], strict=True):
            if not value or not readable:
                continue
            if value in first:
                parent[root(f)] = root(first[value])
            else:
                first[value] = f
    groups: dict[str, list[str]] = {}
    for f in files:
        groups.setdefault(root(f), []).append(f)
    out = {}
    for members in groups.values():
        if len(members) > 1:
            kept = max(members, key=lambda f: (f in passed, members.index(f)))
            out.update({f: kept for f in members if f != kept})
    return out


def department_name(value: object) -> str:
    """A 主管部门 as the batch views name it: a blank one is grouped as （未填主管部门）."""
    missing = value is None or (isinstance(value, float) and value != value)  # None or NaN
    text = "" if missing else str(value).strip()
    return text or "（未填主管部门）"


def by_department(frames: Frames, left_out: Iterable[str] = ()) -> pd.DataFrame:
    """按主管部门: projects, budget, executed, rate, mean 复核总分, grade counts, 错误/警告 counts.
    The rate is Σ执行数 ÷ Σ预算 of the readable projects (not a mean of rates). `left_out`: copies
    of a project held twice (held_twice), counted once."""
    import pandas as pd

    p = frames.batch_projects()
    p = p[~p["file"].isin(set(left_out))].copy()
    columns = [
        "department",
        "projects",
        "budget",
        "executed",
        "rate",
        "mean_total",
        *GRADES,
        "unknown",  # v3: readable projects whose 总分 is unknown (left out of mean_total)
        "errors",
        "warnings",
    ]
    if p.empty:
        return pd.DataFrame(columns=columns)
    p["department"] = p["department"].map(department_name)
    for col in ("budget", "executed", "total", "errors", "warnings"):
        p[col] = pd.to_numeric(p[col], errors="coerce")
    p["unknown"] = (p["readable"].astype(bool) & p["total"].isna()).astype(int)
    g = p.groupby("department", sort=True)
    out = pd.DataFrame(
        {
            "projects": g.size(),
            "budget": g["budget"].sum(min_count=1),
            "executed": g["executed"].sum(min_count=1),
            "mean_total": g["total"].mean(),
            "unknown": g["unknown"].sum(),
            "errors": g["errors"].sum(),
            "warnings": g["warnings"].sum(),
        }
    )
    out["rate"] = out["executed"] / out["budget"].where(out["budget"] > 0)
    grades = pd.crosstab(p["department"], p["grade"]).reindex(columns=list(GRADES), fill_value=0)
    out = out.join(grades).fillna({g: 0 for g in GRADES})
    out = out.reset_index()
    return out[columns]


def year_over_year(frames: Frames, lowered: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """年度对比: each project of the batch that has an earlier budget year (this batch or the
    archive), beside the nearest earlier year: total, grade, rate, and the targets that went down
    (`lowered`: file -> 三级指标 names, from X004)."""
    import pandas as pd

    columns = [
        "series",
        "name",
        "unit",
        "file",
        "year",
        "total",
        "grade",
        "rate",
        "prev_file",
        "prev_year",
        "prev_total",
        "prev_grade",
        "prev_rate",
        "lowered",
    ]
    rows = []
    for current, previous in earlier_pairs(frames):
        rows.append(
            (
                current["series"],
                current["name"],
                current["unit"],
                current["file"],
                current["year"],
                current["total"],
                current["grade"],
                current["rate"],
                previous["file"],
                previous["year"],
                previous["total"],
                previous["grade"],
                previous["rate"],
                "、".join((lowered or {}).get(current["file"], ())),
            )
        )
    return pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def earlier_pairs(frames: Frames) -> list[tuple[dict, dict]]:
    """(a readable workbook of the batch, the same project's nearest earlier year): the first file of
    that year in input order, a batch workbook before an archived one."""
    p = frames.projects
    p = p[p["readable"] & (p["series"] != "") & p["year"].notna()]
    p = p[p["series"].duplicated(keep=False)]  # most projects are alone in their series
    series: dict[str, list[dict]] = {}
    for record in p.to_dict("records"):  # one conversion, then plain Python (a group costs ~1 ms in pandas)
        series.setdefault(record["series"], []).append(record)
    pairs = []
    for records in series.values():
        for current in records:
            if not current["in_batch"]:
                continue
            earlier = [r for r in records if r["year"] < current["year"]]
            if not earlier:
                continue
            year = max(r["year"] for r in earlier)
            same_year = [r for r in earlier if r["year"] == year]
            pairs.append((current, sorted(same_year, key=lambda r: not r["in_batch"])[0]))
    return pairs


# ---------------------------------------------------------------- export
EXPORT_FORMATS = ("csv", "parquet")
