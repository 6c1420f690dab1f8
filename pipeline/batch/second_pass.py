"""The second pass: the X rules over the whole folder (this batch and the archive), and the
workbooks whose X findings differ from those their outputs list, to be rendered again with them."""

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


def gather(items: list[Item], archive: list[Record], rows: Rows, opts: RunOptions) -> Frames:
    """The tables over every workbook of input/ (a skipped one through its findings.json) and the
    archive: workbooks gone from input/ whose outputs stay (earlier years, for X004/X005 and 年度对比)."""
    for it in items:  # the skipped ones: from their findings.json
        if it.index not in rows:
            rows.add(it.index, entry_of(it, opts))
    for n, rec in enumerate(archive, start=len(items)):
        if rec.status == OK:
            doc = read_doc(opts.output / rec.folder, rec.file, rec.sha256)
            if doc.get("computed"):
                rows.add(n, Entry(rec.file, rec.folder, scored_path(rec), doc, in_batch=False))
    return rows.frames()


def to_redo(
    items: list[Item], frames: Frames, opts: RunOptions, ctx: CrossContext | None = None
) -> list[Item]:
    """The X rules over `frames`; the workbooks whose X findings changed, each with its new ones
    in `extras` (the workers render them like its own findings)."""
    from ..checks.cross import CrossContext, run_cross

    found = run_cross(frames, ctx or CrossContext(opts.settings))
    redo = []
    for it in items:
        want = [f.as_dict() for f in found.get(it.name, ())]
        if not it.locked and it.record.status in (OK, UNREADABLE) and _x_part(it.doc) != _canonical(want):
            it.extras = tuple(want)
            redo.append(it)
    return redo


_X_KEYS = ("rule", "severity", "sheet", "cell", "message", "expected", "actual", "other")


def _canonical(findings: list[dict]) -> list[str]:
    """X findings as compared: what the rule said, not what was added to it since (a reviewer's
    decision, kept by the manifest, must not make a workbook look changed)."""
    return sorted(
        json.dumps([f.get(k) for k in _X_KEYS], ensure_ascii=False, sort_keys=True) for f in findings
    )


def _x_part(doc: dict) -> list[str]:
    """The X findings a findings.json lists (the batch added them)."""
    return _canonical([f for f in doc.get("findings") or () if str(f.get("rule", "")).startswith("X")])
