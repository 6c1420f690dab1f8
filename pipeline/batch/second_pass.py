"""The X rules over the whole folder (this batch and the archive), between the workers' two steps:
the workbooks of this run get theirs before they are rendered (with_x); a workbook left as it was
whose X findings differ from those its outputs list is rendered again with them (to_redo)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..tables import Frames
from .frames import Entry, Rows, entry_of, read_doc, scored_path
from .interface import RunOptions
from .manifest import OK, UNREADABLE, Record
from .plan import Item

if TYPE_CHECKING:
    from ..checks.cross import CrossContext


def gather(
    items: list[Item], archive: list[Record], rows: Rows, opts: RunOptions, notes: list[str] | None = None
) -> Frames:
    """The tables over every workbook of input/ (a skipped one through its findings.json) and the
    archive: workbooks gone from input/ whose outputs stay (earlier years, for X004/X005 and 年度对比)."""
    for it in items:  # the skipped ones: from their findings.json
        if it.index not in rows:
            rows.add(it.index, entry_of(it, opts, notes))
    # after every workbook of input/: each is in the rows by now (this run's, then those just added)
    for n, rec in enumerate(archive, start=rows.end()):
        if rec.status == OK:
            doc = read_doc(opts.output / rec.folder, rec.file, rec.sha256, notes)
            if doc.get("computed"):
                rows.add(n, Entry(rec.file, rec.folder, scored_path(rec), doc, in_batch=False))
    return rows.frames()


def cross(frames: Frames, opts: RunOptions, ctx: CrossContext | None = None) -> dict[str, tuple[dict, ...]]:
    """The X rules over `frames`: {file: its X findings as findings.json has them}."""
    from ..checks.cross import CrossContext, run_cross

    found = run_cross(frames, ctx or CrossContext(opts.settings))
    return {name: tuple(f.as_dict() for f in findings) for name, findings in found.items()}


def with_x(
    todo: list[Item],
    others: list[Item],
    archive: list[Record],
    rows: Rows,
    opts: RunOptions,
    ctx: CrossContext | None = None,
    notes: list[str] | None = None,
) -> tuple[list[Item], Frames]:
    """The X rules once the workers' first step has handed back `todo` (rows has theirs): each of
    `todo` is to be rendered with its X findings (in `extras`), once; so are those of `others`
    (left as they were) whose X findings changed. Also the tables the rules ran on."""
    frames = gather(others, archive, rows, opts, notes)
    found = cross(frames, opts, ctx)
    for it in todo:
        it.extras, it.crossed = found.get(it.name, ()), True
    return [*todo, *_changed(others, found)], frames


def to_redo(
    items: list[Item], frames: Frames, opts: RunOptions, ctx: CrossContext | None = None
) -> list[Item]:
    """The X rules over `frames`; the workbooks whose X findings changed, each with its new ones
    in `extras` (the workers render them like its own findings)."""
    return _changed(items, cross(frames, opts, ctx))


def _changed(items: list[Item], found: dict[str, tuple[dict, ...]]) -> list[Item]:
    redo = []
    for it in items:
        want = list(found.get(it.name, ()))
        listed = _canonical(list(it.x_listed or ()))
        if not it.locked and it.record.status in (OK, UNREADABLE) and listed != _canonical(want):
            it.extras, it.crossed = tuple(want), True
            redo.append(it)
        it.x_listed = None
    return redo


_X_KEYS = ("rule", "severity", "sheet", "cell", "message", "expected", "actual", "other")


def _canonical(findings: list[dict]) -> list[str]:
    """X findings as compared: what the rule said, not what was added to it since (a reviewer's
    decision, kept by the manifest, must not make a workbook look changed)."""
    return sorted(
        json.dumps([f.get(k) for k in _X_KEYS], ensure_ascii=False, sort_keys=True) for f in findings
    )
