"""One workbook through the data flow: load -> score -> check. Pure: no files are written here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .cells import parse_a1
from .checks import Context, run_checks
from .config import Settings
from .decisions import TOTAL_RULES, adjustments_of, key_of, loose, resolve, with_figures
from .load import load
from .model import Decision, Finding, Project, Result, Scores
from .scoring import score


@dataclass(frozen=True)
class Assessed:
    """A workbook read, scored and checked: its Result but for the reviewer's decisions and the
    findings made elsewhere (the batch keeps it between its two steps: batch/workers.py)."""

    file: str
    sha256: str
    project: Project | None  # None when the file could not be read at all
    loaded: tuple[Finding, ...]  # the loader's findings
    scores: Scores | None
    checked: tuple[Finding, ...]  # the checks' findings on `scores`


def evaluate(
    path: Path,
    settings: Settings,
    *,
    today: date,
    decisions: Sequence[Decision] = (),
    now: str = "",
    extra: tuple[Finding, ...] = (),
) -> Result:
    """`today` is the run's date (M003 compares 评价时间 with it): the batch passes its --date.
    The file is read once: the result's sha256 is that of the bytes that were read.
    `decisions`: the reviewer's stored decisions on this workbook (decisions.py); a valid 调整 sets
    its 定性 line's 复核得分, so the total and the checks on it follow; `now` dates retirements.
    `extra`: findings made elsewhere (the batch's X rules), listed and rendered with the workbook's own."""
    return conclude(assess(path, settings, today), settings, today, decisions, now, extra)


def assess(path: Path, settings: Settings, today: date) -> Assessed:
    """Load, score and check one workbook."""
    path = Path(path)
    loaded = load(path, settings)
    if loaded.project is None:
        return Assessed(path.name, loaded.sha256, None, tuple(loaded.findings), None, ())
    scores = score(loaded.project, settings)
    checked = tuple(run_checks(loaded.project, Context(settings, scores, today)))
    return Assessed(path.name, loaded.sha256, loaded.project, tuple(loaded.findings), scores, checked)


def conclude(
    a: Assessed,
    settings: Settings,
    today: date,
    decisions: Sequence[Decision] = (),
    now: str = "",
    extra: tuple[Finding, ...] = (),
) -> Result:
    """The Result of an assessed workbook with `extra` findings and the reviewer's `decisions`."""
    project = a.project
    if project is None:
        findings = sorted([*a.loaded, *extra], key=_order)
        return Result(Project(file=a.file, sha256=a.sha256), tuple(findings), None)
    scores = a.scores
    findings = sorted([*a.loaded, *a.checked, *extra], key=_order)
    if not decisions:
        return Result(project, tuple(findings), scores)
    review = resolve(project, findings, decisions, scores, now)
    adjustments = adjustments_of(review)
    if adjustments or review.figures:  # the reviewer's score (or figure) moves the total: the checks see it
        on_total = {loose(k): k for k in (key_of(project.file, f) for f in findings) if k.rule in TOTAL_RULES}
        project = with_figures(project, review)
        scores = score(project, settings, adjustments, frozenset(review.figures))
        findings = [*a.loaded, *run_checks(project, Context(settings, scores, today)), *extra]
        findings.sort(key=_order)
        # a finding on the total keeps its decision: the reviewer's 调整 moved its expected value
        keys = (key_of(project.file, f) for f in findings)
        moved = {k: on_total[loose(k)] for k in keys if loose(k) in on_total}
        review = resolve(project, findings, decisions, scores, now, moved)
    return Result(project, tuple(findings), scores, review)


def _order(f: Finding) -> tuple:
    try:
        row, col = parse_a1(f.cell) if f.cell else (-1, -1)
    except ValueError:
        row, col = -1, -1
    return f.severity.rank, f.rule, f.sheet, row, col
