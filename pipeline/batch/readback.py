"""The reviewer's decisions, read back from the scored workbooks and 审核汇总.xlsx they saved and
stored in the manifest before any output is replaced (reviewer.py reads one file)."""

from __future__ import annotations

import os
from pathlib import Path

from .. import decisions
from ..load import sha256_of
from ..messages import MSG
from . import reviewer
from .files import SCORED_SUFFIX, SUMMARY_XLSX
from .interface import RunOptions
from .manifest import OK, Manifest
from .plan import Item

EXCEL_LOCK, OFFICE_LOCK = "~${}", ".~lock.{}#"  # Excel/WPS, LibreOffice: "this file is open"


def read_back(items: list[Item], opts: RunOptions, manifest: Manifest) -> list[str]:
    """Read 审核处理 back from every scored workbook a reviewer may have saved since we wrote it
    (its bytes differ from what the manifest recorded, or the manifest has no record of it: a
    manifest lost or started afresh must not lose the reviewer's work), and 审核结论 from
    审核汇总.xlsx; store what changed. A file that cannot be read is one line; what the manifest
    already has stays."""
    notices: list[str] = []
    stored = manifest.all_decisions()
    for it in items:
        prev = it.previous
        folder = prev.folder if prev is not None else it.folder
        ours = dict(prev.outputs) if prev is not None and prev.status == OK else {}
        for path in _scored_in(opts.output / folder):
            source = f"{folder}/{path.name}"
            if held_open(path):
                it.locked = source
            try:
                edited = sha256_of(path) != ours.get(path.name)
            except OSError:
                edited = False
            if not edited:
                continue
            active = {d.key: d for d in stored.get(it.name, ()) if d.status == decisions.ACTIVE}
            try:
                saved, entries = reviewer.read_scored(path)
            except reviewer.Unreadable as e:
                notices.append(MSG["D_unreadable"].format(file=source, error=e))
                continue
            new = reviewer.changes(it.name, entries, active, saved, source)
            if new:
                manifest.save_decisions(new)
                stored[it.name] = manifest.decisions(it.name)
        it.decisions = tuple(d for d in stored.get(it.name, ()) if d.status != decisions.REPLACED)
    summary = opts.output / SUMMARY_XLSX
    recorded = manifest.batch().get(SUMMARY_XLSX)
    try:
        edited = summary.is_file() and (recorded is None or sha256_of(summary) != recorded[0])
    except OSError:
        edited = False
    if edited:
        try:
            saved, entries = reviewer.read_summary(summary)
        except reviewer.Unreadable as e:
            notices.append(MSG["D_unreadable"].format(file=SUMMARY_XLSX, error=e))
        else:
            manifest.save_conclusions(
                reviewer.conclusion_changes(entries, manifest.conclusions(), saved, SUMMARY_XLSX)
            )
    return notices


def _scored_in(folder: Path) -> list[Path]:
    """The scored workbooks in a workbook's output folder (one, unless the project was renamed)."""
    try:
        with os.scandir(folder) as it:
            names = [
                e.name for e in it if e.name.endswith(SCORED_SUFFIX) and e.is_file(follow_symlinks=False)
            ]
    except OSError:  # no folder yet, or not one
        return []
    return [folder / n for n in sorted(names) if not n.startswith((".", "~$"))]


def held_open(path: Path) -> bool:
    """Excel, WPS and LibreOffice leave a lock file beside a workbook they have open. One left by a
    program that crashed says nothing on Windows, where a file really open cannot be opened to write."""
    if not any((path.parent / lock.format(path.name)).exists() for lock in (EXCEL_LOCK, OFFICE_LOCK)):
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
