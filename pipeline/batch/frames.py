"""The batch-wide tables' rows, gathered from the findings.json documents the workers return (or
that a skipped or archived workbook left in its folder), and made into the DataFrames of tables.py.

pandas is imported when a table is first built, never by the workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..decisions import ADJUSTED, CONFIRMED, OPEN, WAIVED
from ..messages import MSG
from ..render.findings_json import failure_doc
from ..tables import (
    FINDING_COLUMNS,
    INDICATOR_COLUMNS,
    PAYMENT_COLUMNS,
    PROJECT_COLUMNS,
    SEVERITY_RANK,
    TEXT_COLUMNS,
    Frames,
    key_of,
    series_of,
)
from .files import FINDINGS_JSON, SCORED_SUFFIX
from .findings_doc import read_checked
from .manifest import Record, read_only

if TYPE_CHECKING:
    import pandas as pd

    from .interface import RunOptions
    from .plan import Item


DOC_MAX_BYTES = 50 * 1024 * 1024  # a findings.json of 20,000 payment rows is ~15 MB


@dataclass(frozen=True)
class Entry:
    """One workbook as the tables see it: its findings.json and where its outputs are."""

    file: str  # name in input/
    folder: str  # output/<folder>/
    scored: str | None  # its scored workbook relative to output/; None when it has none
    doc: dict  # its findings.json
    in_batch: bool = True


_SHARED_CHARS = 64  # texts up to this long are shared between rows (names, cells, labels, rules)


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
        self._pool: dict[str, str] = {}

    def __contains__(self, order: int) -> bool:
        return order in self._by_order

    def set_scored(self, order: int, scored: str | None) -> None:
        """Its scored workbook, now that it is written (the first step's rows could not know it)."""
        projects, *others = self._by_order[order]
        self._by_order[order] = ([(*row[:2], scored or "", *row[3:]) for row in projects], *others)

    def discard(self, order: int) -> None:
        self._by_order.pop(order, None)

    def end(self) -> int:
        """An order key after every one added."""
        return max(self._by_order, default=-1) + 1

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
        tables = (projects, payments, indicators, findings, texts)
        self._by_order[order] = tuple([self._shared(row) for row in rows] for rows in tables)

    def _shared(self, row: tuple) -> tuple:
        """`row` with each short text the one object every workbook's rows share: json.loads makes
        a new str for each `支付明细`, `E2`, `警告` or 三级指标 name of each workbook, and those are most
        of what the rows hold (issue 28: the main process at 10,000 workbooks)."""
        pool = self._pool
        return tuple(pool.setdefault(v, v) if type(v) is str and len(v) <= _SHARED_CHARS else v for v in row)

    def frames(self, last: bool = False) -> Frames:
        """The tables; `last`: the rows are let go as they are taken (the batch's last use of them:
        at 10,000 workbooks they and the tables made of them would otherwise be held at once)."""
        import pandas as pd

        tables: list[list] = [[], [], [], [], []]
        for order in sorted(self._by_order):
            for table, rows in zip(
                tables, self._by_order.pop(order) if last else self._by_order[order], strict=True
            ):
                table.extend(rows)
        if last:
            self._pool.clear()
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


def from_output(output) -> Frames | None:
    """The tables of every workbook the manifest of `output` records (for `export`); None when
    the folder has no manifest. Read from their findings.json, like the batch does."""
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
        doc, _ = read_checked(output / rec.folder, DOC_MAX_BYTES)
        if doc is None:
            continue  # removed, being rewritten, or not what we wrote: nothing to export for it
        entries.append(Entry(rec.file, rec.folder, scored_path(rec), doc))
    return build(entries)


# ---------------------------------------------------------------- a workbook's findings.json
def scored_path(rec: Record) -> str | None:
    """A record's scored workbook, relative to output/."""
    return next((f"{rec.folder}/{n}" for n, _ in rec.outputs if n.endswith(SCORED_SUFFIX)), None)


def entry_of(it: Item, opts: RunOptions, notes: list[str] | None = None) -> Entry:
    """A workbook of this run as the tables see it (its findings.json read back when not in hand)."""
    doc = (
        it.doc if it.doc is not None else read_doc(opts.output / it.record.folder, it.name, it.digest, notes)
    )
    # not kept whole (10,000 findings.json would stay in memory): its rows hold what the batch needs;
    # its X findings stay, which second_pass compares with the X rules' (then drops them)
    it.doc = None
    it.x_listed = tuple(f for f in doc.get("findings") or () if str(f.get("rule", "")).startswith("X"))
    return Entry(it.name, it.record.folder, scored_path(it.record), doc)


def read_doc(folder: Path, name: str, digest: str, notes: list[str] | None = None) -> dict:
    """A workbook's findings.json, checked (findings_doc.py); one that cannot be used reads as a
    failure saying so, and a line in `notes`."""
    doc, why = read_checked(folder, DOC_MAX_BYTES)
    if doc is not None:
        return doc
    if notes is not None:
        notes.append(MSG["RUN_doc_invalid"].format(path=f"{folder.name}/{FINDINGS_JSON}", why=why))
    return failure_doc(name, digest, MSG["RUN_findings_unreadable"])
