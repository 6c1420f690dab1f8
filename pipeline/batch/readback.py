"""The reviewer's decisions, read back from the scored workbooks and 审核汇总.xlsx they saved and
stored in the manifest before any output is replaced (reviewer.py reads one file).

A file is read as an input is (bounded, never through a link). What was read is remembered (its
sha256, `Item.seen`, `ReadBack.summary`): just before a reviewer's file is replaced it must still be
that file, else it is read again (workers.py, outputs.py) or kept aside (files.Guard). A file that
cannot be read is never replaced: it is renamed beside itself under a name that says so
(`…（无法读取 <time>）.xlsx`), and such files are read again on every run until they can be.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import decisions
from ..messages import MSG
from . import reviewer
from .digests import Digests
from .files import SCORED_SUFFIX, SUMMARY_XLSX, UNREADABLE, digest_now, original_of, set_aside
from .interface import RunOptions
from .manifest import OK, Manifest
from .plan import Item

EXCEL_LOCK, OFFICE_LOCK = "~${}", ".~lock.{}#"  # Excel/WPS, LibreOffice: "this file is open"


@dataclass
class ReadBack:
    notices: list[str] = field(default_factory=list)
    summary: str | None = None  # sha256 of the 审核汇总.xlsx read back or kept (None: there was none)


def max_bytes(opts: RunOptions) -> int:
    return int(opts.settings.limits.max_file_mb * 1024 * 1024)


def read_back(
    items: list[Item], opts: RunOptions, manifest: Manifest, digests: Digests | None = None
) -> ReadBack:
    """Read 审核处理 back from every scored workbook a reviewer may have saved since we wrote it
    (its bytes differ from what the manifest recorded, or the manifest has no record of it: a
    manifest lost or started afresh must not lose the reviewer's work), and 审核结论 from
    审核汇总.xlsx; store what changed. A file that cannot be read is one line, and is set aside.
    `digests`: the sha256 of a file unchanged since it was last taken (digests.py)."""
    out = ReadBack()
    digests = digests or Digests()
    limits, limit = opts.settings.limits, max_bytes(opts)
    stored = manifest.all_decisions()
    for it in items:
        prev = it.previous
        folder = prev.folder if prev is not None else it.folder
        ours = dict(prev.outputs) if prev is not None and prev.status == OK else {}
        current, aside, locks = _scored_in(opts.output / folder)
        for path in current + aside:
            source = f"{folder}/{path.name}"
            kept_aside = path in aside
            if not kept_aside and held_open(path, locks):
                it.locked = source
            digest = digests.now(path, limit)
            if digest is None:  # gone a moment ago
                continue
            if not kept_aside:
                it.seen[path.name] = digest
            if digest and digest == ours.get(path.name):
                continue  # ours, as written: nothing of the reviewer's in it
            active = {d.key: d for d in stored.get(it.name, ()) if d.status == decisions.ACTIVE}
            try:
                saved, entries = reviewer.read_scored(path, limits)
            except reviewer.Unreadable as e:
                out.notices.append(_unreadable(it, path, source, str(e), kept_aside))
                continue
            if not kept_aside:
                it.seen[path.name] = saved.sha256  # what a last-moment check compares with
            new = reviewer.changes(it.name, entries, active, saved, source)
            if new:
                manifest.save_decisions(new)
                stored[it.name] = manifest.decisions(it.name)
        it.decisions = tuple(d for d in stored.get(it.name, ()) if d.status != decisions.REPLACED)
    out.summary = _read_summaries(opts, manifest, out.notices)
    return out


def _unreadable(it: Item, path: Path, source: str, error: str, kept_aside: bool) -> str:
    """A reviewer's file that cannot be read is never replaced: set aside (or, open in Excel, left
    where it is and not replaced this run)."""
    if kept_aside:
        original = original_of(path.name) or path.name
        return MSG["D_aside_unreadable"].format(file=source, error=error, original=original)
    if it.locked:
        return MSG["D_unreadable"].format(file=source, error=error)
    try:
        moved = set_aside(path, UNREADABLE)
    except OSError:  # cannot be moved: then this workbook's outputs are not replaced at all
        it.locked = source
        return MSG["D_unreadable"].format(file=source, error=error)
    it.seen.pop(path.name, None)
    return MSG["D_set_aside"].format(file=source, error=error, aside=moved.name)


def _read_summaries(opts: RunOptions, manifest: Manifest, notices: list[str]) -> str | None:
    """审核结论 from 审核汇总.xlsx (when it is not the one we wrote) and from any set aside; returns
    the sha256 of the 审核汇总.xlsx that stays in place."""
    limits = opts.settings.limits
    summary = opts.output / SUMMARY_XLSX
    recorded = manifest.batch().get(SUMMARY_XLSX)
    seen = None if os.path.islink(summary) else digest_now(summary, max_bytes(opts))
    paths = [] if seen is None or (recorded is not None and seen == recorded[0]) else [summary]
    paths += _aside_of(opts.output, SUMMARY_XLSX)
    for path in paths:
        try:
            saved, entries = reviewer.read_summary(path, limits)
        except reviewer.Unreadable as e:
            if path != summary:
                notices.append(
                    MSG["D_aside_unreadable"].format(file=path.name, error=e, original=SUMMARY_XLSX)
                )
            elif held_open(summary):
                notices.append(MSG["D_unreadable"].format(file=SUMMARY_XLSX, error=e))
            else:
                try:
                    moved = set_aside(summary, UNREADABLE)
                except OSError:
                    notices.append(MSG["D_unreadable"].format(file=SUMMARY_XLSX, error=e))
                else:
                    seen = None
                    notices.append(MSG["D_set_aside"].format(file=SUMMARY_XLSX, error=e, aside=moved.name))
            continue
        if path == summary:
            seen = saved.sha256
        manifest.save_conclusions(
            reviewer.conclusion_changes(entries, manifest.conclusions(), saved, path.name)
        )
    return seen


def _scored_in(folder: Path) -> tuple[list[Path], list[Path], set[str]]:
    """The scored workbooks in a workbook's output folder (one, unless the project was renamed),
    those set aside there (saved while a run replaced them, or unreadable), and the names of the
    lock files beside them (held_open). Links are never read. One listing of the folder: an
    unchanged re-run of 2,000 workbooks does this 2,000 times."""
    try:
        with os.scandir(folder) as it:
            entries = [(e.name, e.is_file(follow_symlinks=False)) for e in it]
    except OSError:  # no folder yet, or not one
        return [], [], set()
    locks = {n for n, _ in entries if n.startswith((".~lock.", "~$"))}
    names = sorted(n for n, is_file in entries if is_file and not n.startswith((".", "~$")))
    current = [folder / n for n in names if n.endswith(SCORED_SUFFIX)]
    aside = [folder / n for n in names if (original_of(n) or "").endswith(SCORED_SUFFIX)]
    return current, aside, locks


def _aside_of(folder: Path, name: str) -> list[Path]:
    try:
        with os.scandir(folder) as it:
            return sorted(
                Path(e.path) for e in it if original_of(e.name) == name and e.is_file(follow_symlinks=False)
            )
    except OSError:
        return []


def held_open(path: Path, listed: set[str] | None = None) -> bool:
    """Excel, WPS and LibreOffice leave a lock file beside a workbook they have open. One left by a
    program that crashed says nothing on Windows, where a file really open cannot be opened to write.
    `listed`: the lock files in its folder, when the folder was just listed."""
    locks = [lock.format(path.name) for lock in (EXCEL_LOCK, OFFICE_LOCK)]
    if listed is not None:
        if not any(lock in listed for lock in locks):
            return False
    elif not any((path.parent / lock).exists() for lock in locks):
        return False
    if os.name != "nt" or not path.exists():
        return True
    try:
        with open(path, "r+b"):
            return False  # a stale lock file
    except PermissionError:
        return True
    except OSError:
        return False
