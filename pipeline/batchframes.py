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

from .decisions import ADJUSTED, CONFIRMED, OPEN, WAIVED
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
SEVERITY_RANK = {"错误": 0, "警告": 1, "提示": 2}


@dataclass(frozen=True)
class Entry:
    """One workbook as the tables see it: its findings.json and where its outputs are."""

    file: str  # name in input/
    folder: str  # output/<folder>/
    scored: str | None  # its scored workbook relative to output/; None when it has none
    doc: dict  # its findings.json
    in_batch: bool = True


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


def _split(at: list | None) -> tuple[str, str]:
    return (str(at[0]), str(at[1])) if at else ("", "")


# ---------------------------------------------------------------- building
def build(entries: Iterable[Entry]) -> Frames:
    """The five tables over `entries`, in their order."""
    rows = Rows()
    for n, e in enumerate(entries):
        rows.add(n, e)
    return rows.frames()


class Rows:
    """The rows of the tables, gathered workbook by workbook — the batch adds each one as its worker
    hands it back, while the others are still at work — and made into DataFrames at the end, in the
    order of their `order` keys (input order, then the archive). Adding a workbook again replaces it."""

    def __init__(self) -> None:
        self._by_order: dict[int, tuple[list, ...]] = {}

    def __contains__(self, order: int) -> bool:
        return order in self._by_order

    def add(self, order: int, e: Entry) -> None:
        doc, f = e.doc, e.file
        project = doc.get("project") or {}
        computed = doc.get("computed") or {}
        counts = [0, 0, 0]
        review = {OPEN: 0, CONFIRMED: 0, WAIVED: 0}
        for finding in doc.get("findings") or ():
            rank = SEVERITY_RANK.get(finding.get("severity"))
            if rank is not None:
                counts[rank] += 1
            state = (finding.get("decision") or {}).get("state") or OPEN
            state = CONFIRMED if state == ADJUSTED else state
            review[state] = review.get(state, 0) + 1
        name, unit, year = project.get("name"), project.get("unit"), project.get("year")
        projects = [
            (
                f,
                e.folder,
                e.scored or "",
                e.in_batch,
                doc.get("sha256") or "",
                bool(computed),
                name,
                year,
                unit,
                project.get("department"),
                *_split(project.get("name_at")),
                computed.get("budget"),
                computed.get("executed"),
                computed.get("execution_rate"),
                (doc.get("claimed") or {}).get("total"),
                computed.get("total"),
                computed.get("grade"),
                *counts,
                review[OPEN],
                review[CONFIRMED],
                review[WAIVED],
                key_of(name, unit, year),
                series_of(name, unit),
                str(project.get("code") or "").strip(),
            )
        ]
        payments = [
            (
                f,
                p.get("row"),
                "、".join(p.get("dates") or ()),
                *_split(p.get("dates_at")),
                p.get("amount"),
                *_split(p.get("amount_at")),
                p.get("fund_type") or "",
                "、".join(p.get("items") or ()),
                p.get("voucher") or "",
                *_split(p.get("voucher_at")),
            )
            for p in doc.get("payments") or ()
        ]
        indicators, texts = [], []
        for i in doc.get("indicators") or ():
            sheet, cell = _split(i.get("level3_at"))
            deviation_cell = _split(i.get("deviation_at"))[1]
            indicators.append(
                (
                    f,
                    i.get("row"),
                    i.get("level1") or "",
                    i.get("level2") or "",
                    i.get("level3") or "",
                    sheet,
                    cell,
                    i.get("target") or "",
                    _split(i.get("target_at"))[1],
                    i.get("actual") or "",
                    i.get("weight"),
                    i.get("claimed"),
                    i.get("computed"),
                    i.get("deviation") or "",
                    deviation_cell,
                    i.get("unit") or "",
                    i.get("nature") or "",
                )
            )
            if i.get("deviation"):
                texts.append((f, "偏差原因", i.get("level3") or "", i["deviation"], sheet, deviation_cell))
        for sec in doc.get("narrative") or ():
            if sec.get("text"):
                texts.append((f, "报告正文", sec.get("title") or "", sec["text"], *_split(sec.get("at"))))
        findings = _finding_rows(e) if e.in_batch else []
        self._by_order[order] = (projects, payments, indicators, findings, texts)

    def frames(self) -> Frames:
        import pandas as pd

        tables: list[list] = [[], [], [], [], []]
        for order in sorted(self._by_order):
            for table, rows in zip(tables, self._by_order[order], strict=True):
                table.extend(rows)
        columns = (PROJECT_COLUMNS, PAYMENT_COLUMNS, INDICATOR_COLUMNS, FINDING_COLUMNS, TEXT_COLUMNS)
        return Frames(*(_frame(pd, rows, cols) for rows, cols in zip(tables, columns, strict=True)))


def _finding_rows(e: Entry) -> list[tuple]:
    """A workbook's findings as rows, in severity then rule order."""
    name = (e.doc.get("project") or {}).get("name")
    ordered = sorted(
        e.doc.get("findings") or (),
        key=lambda f: (SEVERITY_RANK.get(f.get("severity"), 9), f.get("rule") or ""),
    )
    rows = []
    for f in ordered:
        other = f.get("other") or {}
        decision = f.get("decision") or {}
        rows.append(
            (
                e.file,
                name,
                f.get("rule"),
                f.get("severity"),
                f.get("sheet"),
                f.get("cell"),
                f.get("message"),
                f.get("expected"),
                f.get("actual"),
                decision.get("state") or OPEN,
                decision.get("note"),
                decision.get("problem"),
                other.get("file"),
                other.get("sheet"),
                other.get("cell"),
            )
        )
    return rows


_FLAGS = ("in_batch", "readable")


def _frame(pd, rows: list[tuple], columns: tuple[str, ...]) -> pd.DataFrame:
    # object columns: a value stays the value findings.json holds (None, not NaN); flags are bool
    frame = pd.DataFrame(rows or None, columns=list(columns), dtype=object)
    flags = [c for c in _FLAGS if c in frame.columns]
    return frame.astype(dict.fromkeys(flags, bool)) if flags else frame


# ---------------------------------------------------------------- views (审核汇总.xlsx)
GRADES = ("优", "良", "中", "差")


def by_department(frames: Frames) -> pd.DataFrame:
    """按主管部门: projects, budget, executed, rate, mean 复核总分, grade counts, 错误/警告 counts.
    The rate is Σ执行数 ÷ Σ预算 of the readable projects (not a mean of rates)."""
    import pandas as pd

    p = frames.batch_projects().copy()
    columns = [
        "department",
        "projects",
        "budget",
        "executed",
        "rate",
        "mean_total",
        *GRADES,
        "errors",
        "warnings",
    ]
    if p.empty:
        return pd.DataFrame(columns=columns)
    p["department"] = p["department"].map(
        lambda d: str(d).strip() if d is not None and str(d).strip() else "（未填主管部门）"
    )
    for col in ("budget", "executed", "total", "errors", "warnings"):
        p[col] = pd.to_numeric(p[col], errors="coerce")
    g = p.groupby("department", sort=True)
    out = pd.DataFrame(
        {
            "projects": g.size(),
            "budget": g["budget"].sum(min_count=1),
            "executed": g["executed"].sum(min_count=1),
            "mean_total": g["total"].mean(),
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


def from_output(output) -> Frames | None:
    """The tables of every workbook the manifest of `output` records (for `export`); None when
    the folder has no manifest. Read from their findings.json, like the batch does."""
    import json
    from pathlib import Path

    from .manifest import read_only

    output = Path(output)
    manifest = read_only(output)
    if manifest is None:
        return None
    try:
        records = manifest.records()
    finally:
        manifest.close()
    entries = []
    for rec in sorted(records.values(), key=lambda r: r.file):
        try:
            doc = json.loads((output / rec.folder / "findings.json").read_bytes())
        except (OSError, ValueError):
            continue  # its folder was removed or is being rewritten: nothing to export for it
        scored = next((f"{rec.folder}/{n}" for n, _ in rec.outputs if n.endswith("_绩效自评表.xlsx")), None)
        entries.append(Entry(rec.file, rec.folder, scored, doc))
    return build(entries)
