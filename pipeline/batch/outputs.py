"""The batch files: the X rules over the whole folder (second_pass.py), then 审核汇总.xlsx,
findings.csv and the county report (county.py) from the batch-wide tables; and the archive index
(what produced what)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from ..messages import MSG
from . import approved as approved_targets
from . import county
from . import plan as planning
from .files import FINDINGS_CSV, SUMMARY_XLSX, WriteFailed, put_files
from .frames import Rows
from .interface import BatchTiming, RunOptions
from .manifest import OK, Manifest, Record, now, read_only
from .plan import Item, intact, produced_by
from .readback import held_open
from .second_pass import gather, to_redo
from .workers import Outcome, execute


def write_batch_files(
    items: list[Item],
    archive: list[Record],
    rows: Rows,
    opts: RunOptions,
    manifest: Manifest,
    settle: Callable[[Item, Outcome], None],
    notes: list[str],
    reasons: dict[str, str],
) -> tuple[list[str], BatchTiming]:
    """The X rules over the whole folder, then 审核汇总.xlsx and findings.csv from the batch-wide
    tables; each batch file is replaced only by a complete new one. Returns the batch files left as
    they were (held open by another program, or not writable: a line in `notes` says why), and
    where the time went.

    The tables hold every workbook of input/ (a skipped one through its findings.json) and the
    archive: workbooks gone from input/ whose outputs stay (earlier years, for X004/X005 and
    年度对比). A workbook whose X findings differ from those its outputs list is rendered again with
    them (a second pass through the workers: its scored workbook, report and findings.json then
    list them like its own findings). When nothing changed since the batch files were built — no
    input, output, archive entry, reviewer's conclusion, config or version — the X findings cannot
    have changed either, and nothing is redone."""
    conclusions = manifest.conclusions()
    approved_state, approved_notes = approved_targets.approved_state(opts.approved, opts.settings)
    notes += approved_notes
    key = batch_key(items, archive, conclusions, opts, approved_state)
    done = manifest.batch()
    if not opts.force and all(
        name in done and done[name][1] == key and intact(opts.output, ((name, done[name][0]),))
        for name in (SUMMARY_XLSX, FINDINGS_CSV, *county.recorded(done, SUMMARY_XLSX))
    ):
        return [], BatchTiming()
    t0 = time.perf_counter()
    from ..checks.approved import comparison_view, target_comparison
    from ..checks.cross import CrossContext

    approved, approved_notes = approved_targets.read_for_pass(approved_state, opts.settings)
    notes += approved_notes
    ctx = CrossContext(opts.settings, approved)
    crossed = gather(items, archive, rows, opts)
    redo = to_redo(items, crossed, opts, ctx)
    t1 = time.perf_counter()
    if redo:
        execute(redo, opts, settle, now())  # settle puts their rows in again
        key = batch_key(items, archive, conclusions, opts, approved_state)
    t2 = time.perf_counter()
    if held_open(opts.output / SUMMARY_XLSX):  # the reviewer is still in it: theirs stays, rebuilt next run
        return [SUMMARY_XLSX], BatchTiming(t1 - t0, t2 - t1, len(redo), 0.0)
    from ..render.summary import findings_csv, summary_workbook

    frames = approved_targets.with_reading_problems(rows.frames(), approved)
    # built by X006–X008 a moment ago, not again; None: no approved targets were given
    targets = comparison_view(target_comparison(crossed, ctx)) if approved is not None else None
    build = {
        SUMMARY_XLSX: lambda: summary_workbook(frames, conclusions, targets=targets),
        FINDINGS_CSV: lambda: findings_csv(frames),
        # the bureau's own report (county.py): its .docx, and its PDF once every project is 通过
        **county.report_files(frames, opts.settings, conclusions, opts.run_date),
    }
    for stale in set(county.recorded(done)) - set(build):  # another year's title, a PDF no longer final
        with suppress(OSError):
            (opts.output / stale).unlink()
    written: dict[str, str] = {}
    failed = []
    for name in build:  # one that cannot be written does not stop the others
        try:
            data = build[name]()
            if data is None:  # the county report's PDF, when LibreOffice could not convert it
                continue
            written.update(put_files(opts.output, {name: data}))
        except WriteFailed as e:  # open in Excel, a full disk: the old one stays, rebuilt next run
            failed.append(name)
            if "打开" in e.reason:  # held open: said as every open file is (D_locked)
                continue
            reasons[name] = e.reason
            notes.append(
                MSG["RUN_unwritten_batch"].format(path=name, reason=e.reason, todo=e.todo, name=name)
            )
    if written:
        manifest.record_batch(written, key, produced_by(opts), planning.VERSION)
    return failed, BatchTiming(t1 - t0, t2 - t1, len(redo), time.perf_counter() - t2)


def batch_key(
    items: list[Item],
    archive: list[Record],
    conclusions: dict,
    opts: RunOptions,
    approved: approved_targets.ApprovedState,
) -> str:
    """What the batch files and the X findings are a function of."""
    return hashlib.sha256(
        json.dumps(
            [
                planning.VERSION,
                produced_by(opts),
                *([it.name, it.record.sha256, it.record.folder, it.record.outputs] for it in items),
                *(["archive", r.file, r.sha256, r.folder, r.outputs] for r in archive),
                sorted(dataclasses.astuple(c) for c in conclusions.values()),
                *(["approved", name, digest] for name, digest in approved.digests),
            ],
            ensure_ascii=False,
        ).encode("utf-8")
    ).hexdigest()


# ---------------------------------------------------------------- archive index
def archive_index(output: Path) -> list[dict]:
    """What produced what: one entry per input (name, sha256, config, version, time, outputs with
    their sha256), then one for the batch files; [] when the folder has no manifest."""
    manifest = read_only(Path(output))
    if manifest is None:
        return []
    try:
        records = manifest.records()
        batch = manifest.batch()
    finally:
        manifest.close()
    entries = [
        {
            "input": r.file,
            "sha256": r.sha256,
            "config": r.config,
            "version": r.version,
            "time": r.done,
            "status": r.status,
            "folder": r.folder,
            "outputs": [{"path": f"{r.folder}/{name}", "sha256": digest} for name, digest in r.outputs],
        }
        for r in sorted(records.values(), key=lambda r: r.file)
    ]
    if batch:
        first = next(iter(batch.values()))
        entries.append(
            {
                "input": "（全部输入）",
                "sha256": first[1],
                "config": first[2],
                "version": first[3],
                "time": first[4],
                "status": OK,
                "folder": "",
                "outputs": [{"path": name, "sha256": v[0]} for name, v in sorted(batch.items())],
            }
        )
    return entries
