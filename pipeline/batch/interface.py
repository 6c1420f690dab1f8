"""What a batch run is given (RunOptions), what it gives back (BatchReport), and the operational
errors it raises before any work is done (BatchError: cli.py says them in one line, exit 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..config import Settings
from ..messages import MSG


@dataclass(frozen=True)
class RunOptions:
    input: Path
    output: Path
    settings: Settings
    jobs: int
    force: bool
    progress: bool
    run_date: date
    approved: Path | None = None  # the approved 绩效目标 folder (X006–X008); None: not configured


@dataclass(frozen=True)
class WorkerSample:
    """A worker's memory right after it finished one workbook (Linux /proc; 0 elsewhere)."""

    seq: int  # 1 = the first workbook finished in this run
    pid: int
    rss_kb: int
    peak_kb: int
    cpu_ms: float  # CPU time the worker spent on that workbook
    phases: tuple[float, float, float] = (
        0.0,
        0.0,
        0.0,
    )  # of which: evaluate+findings.json, scored wb, report


@dataclass(frozen=True)
class BatchTiming:
    """Where the main process spends its time after the workers (`make bench` prints it), seconds."""

    tables: float = 0.0  # reading skipped/archived findings.json, building the tables, the X rules
    rerender: float = 0.0  # the second pass: workbooks whose X findings changed, rendered again
    rerendered: int = 0
    summary: float = 0.0  # 审核汇总.xlsx and findings.csv from the tables, written

    @property
    def total(self) -> float:
        return self.tables + self.rerender + self.summary


@dataclass(frozen=True)
class BatchReport:
    total: int  # workbooks in the input folder
    processed: int  # evaluated and rendered in this run
    skipped: int  # unchanged since the last run: outputs kept
    unreadable: int  # no scores (I001, or the program failed on it)
    errors: int  # findings over the whole folder
    warnings: int
    infos: int
    seconds: float
    removed: tuple[str, ...]  # in the manifest, gone from input/: their outputs stay
    any_error: bool  # any 错误 finding left 待核实 or 确认 by the reviewer (for --strict)
    samples: tuple[WorkerSample, ...] = field(default=(), repr=False, compare=False)
    notices: tuple[str, ...] = ()  # one line each: a reviewer's file or decision that could not be used
    locked: tuple[str, ...] = ()  # outputs held open by another program: kept as they were
    unwritten: tuple[str, ...] = ()  # outputs that could not be written otherwise (full disk …): kept
    timing: BatchTiming = field(default_factory=lambda: BatchTiming(), repr=False, compare=False)
    unreadable_files: tuple[str, ...] = ()  # named in the closing line (the first few)
    pdf_missing: tuple[
        str, ...
    ] = ()  # 定稿 written with no PDF beside it ([archive] pdf = "required": exit 1)

    def closing_line(self) -> str:
        skipped = MSG["RUN_skipped"].format(n=self.skipped) if self.skipped else ""
        line = MSG["RUN_closing"].format(
            total=self.total,
            skipped=skipped,
            ok=self.total - self.unreadable,
            unreadable=self.unreadable,
            errors=self.errors,
            warnings=self.warnings,
            seconds=self.seconds,
        )
        if self.unreadable_files:  # which ones, where the user looks
            names = "、".join(self.unreadable_files[:5])
            more = MSG["RUN_unreadable_more"].format(n=len(self.unreadable_files))
            line += MSG["RUN_unreadable_named"].format(
                files=names + (more if len(self.unreadable_files) > 5 else "")
            )
        if self.locked:  # named at the end, where the user looks
            line += MSG["RUN_locked"].format(n=len(self.locked), files="、".join(self.locked))
        if self.unwritten:
            line += MSG["RUN_closing_unwritten"].format(files="、".join(self.unwritten))
        return line


class BatchError(Exception):
    """An operational problem: the message is one line saying the cause and the next step."""


class InputMissing(BatchError):
    pass


class OutputNotWritable(BatchError):
    pass


class OutputIsInput(BatchError):
    pass


class AlreadyRunning(BatchError):
    pass
