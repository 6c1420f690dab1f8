"""The batch files: the X rules over the whole folder (second_pass.py), then 审核汇总.xlsx,
findings.csv and the county report (county.py) from the batch-wide tables; and the archive index
(what produced what)."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..messages import MSG
from ..tables import Frames
from . import approved as approved_targets
from . import county
from . import plan as planning
from .digests import Digests
from .files import FINDINGS_CSV, SUMMARY_XLSX, Guard, WriteFailed, digest_now, put_files
from .final import final_states
from .frames import Rows
from .interface import BatchTiming, RunOptions
from .manifest import OK, Manifest, Record, Unwritable, now, read_only
from .plan import Item, intact, produced_by
from .pool import execute
from .readback import held_open, max_bytes
from .second_pass import gather, to_redo
from .workers import Outcome

if TYPE_CHECKING:
    from ..checks.cross import CrossContext


@dataclass(frozen=True)
class Crossing:
    """What the X rules run with besides the tables: the approved targets (their state, in the
    batch key, and as read for this pass) and the rules' context."""

    state: approved_targets.ApprovedState
    approved: object  # None: no approved targets were given
    ctx: CrossContext


def crossing(opts: RunOptions, notes: list[str], state=None) -> Crossing:
    """The approved targets read for this run's X rules (what went wrong reading them, in `notes`)."""
    from ..checks.cross import CrossContext

    if state is None:
        state, more = approved_targets.approved_state(opts.approved, opts.settings)
        notes += more
    approved, more = approved_targets.read_for_pass(state, opts.settings)
    notes += more
    return Crossing(state, approved, CrossContext(opts.settings, approved))


@dataclass
class Crossed:
    """The X rules as they ran: with what, on which tables (X006–X008's comparison is built from
    them again, not recomputed), and where the time went."""

    crossing: Crossing
    frames: Frames | None  # let go once the summary no longer needs them
    timing: BatchTiming


def write_batch_files(
    items: list[Item],
    archive: list[Record],
    rows: Rows,
    opts: RunOptions,
    manifest: Manifest,
    settle: Callable[[Item, Outcome], None],
    notes: list[str],
    reasons: dict[str, str],
    seen: str | None = None,
    crossed: Crossed | None = None,
    digests: Digests | None = None,
    elsewhere: Callable[..., Future | None] | None = None,
) -> tuple[list[str], BatchTiming]:
    """The X rules over the whole folder, then 审核汇总.xlsx and findings.csv from the batch-wide
    tables; each batch file is replaced only by a complete new one. Returns the batch files left as
    they were (held open by another program, or not writable: a line in `notes` says why), and
    where the time went.

    The tables hold every workbook of input/ (a skipped one through its findings.json) and the
    archive: workbooks gone from input/ whose outputs stay (earlier years, for X004/X005 and
    年度对比). The workbooks done in this run were rendered with their X findings already
    (runner._two_steps); when none was, a workbook whose X findings differ from those its outputs
    list is rendered again with them (its scored workbook, report and findings.json then list them
    like its own findings). When nothing changed since the batch files were built — no
    input, output, archive entry, reviewer's conclusion, config or version — the X findings cannot
    have changed either, and nothing is redone. `crossed`: the X rules ran already, between the
    workers' two steps (runner._two_steps: the workbooks of this run were rendered with theirs).

    `elsewhere(fn, *args)`: a worker of the run's pool (the county report is rendered there while
    审核汇总.xlsx is written here). `seen`: the sha256 of the 审核汇总.xlsx read back (None: none
    was there). One the reviewer saved since is read again before it is replaced (their 审核结论
    reach the new one), and one saved in the very instant of replacing is kept aside, never
    overwritten."""
    digests = digests or Digests()
    fresh = _FreshSummary(opts, manifest, notes, seen)
    fresh.read_again()
    conclusions = manifest.conclusions()
    if crossed is None:
        approved_state, approved_notes = approved_targets.approved_state(opts.approved, opts.settings)
        notes += approved_notes
    else:  # read before the workers' second step
        approved_state = crossed.crossing.state
    key = batch_key(items, archive, conclusions, opts, approved_state)
    done = manifest.batch()
    if (
        crossed is None
        and not opts.force
        and all(
            name in done
            and done[name][1] == key
            and intact(opts.output, ((name, done[name][0]),), max_bytes(opts), digests)
            for name in (SUMMARY_XLSX, FINDINGS_CSV, *county.recorded(done, SUMMARY_XLSX))
        )
    ):
        return [], BatchTiming()
    t0 = time.perf_counter()
    from ..checks.approved import comparison_view, target_comparison

    if crossed is None:  # no workbook was done: those whose X findings changed are rendered again
        how = crossing(opts, notes, approved_state)
        tables = gather(items, archive, rows, opts, notes)
        redo = to_redo(items, tables, opts, how.ctx)
        t1 = time.perf_counter()
        if redo:
            execute(redo, opts, settle, now())  # settle puts their rows in again
            key = batch_key(items, archive, conclusions, opts, approved_state)  # their records changed
        crossed = Crossed(how, tables, BatchTiming(t1 - t0, time.perf_counter() - t1, len(redo)))
    t2 = time.perf_counter()
    if held_open(opts.output / SUMMARY_XLSX):  # the reviewer is still in it: theirs stays, rebuilt next run
        return [SUMMARY_XLSX], dataclasses.replace(crossed.timing, summary=0.0)
    if not fresh.read_again():  # saved again and again, or its 审核结论 cannot be stored: theirs stays
        return [SUMMARY_XLSX], dataclasses.replace(crossed.timing, summary=0.0)
    conclusions = manifest.conclusions()
    from ..render.summary import Letterhead, findings_csv, summary_workbook

    approved, ctx = crossed.crossing.approved, crossed.crossing.ctx
    # built by X006–X008 a moment ago, not again; None: no approved targets were given
    targets = comparison_view(target_comparison(crossed.frames, ctx)) if approved is not None else None
    crossed.frames = (
        None  # the X rules' tables: the summary's are built anew below, with every row as written
    )
    frames = approved_targets.with_reading_problems(rows.frames(last=True), approved)
    finals = final_states(items, opts.output)
    bureau = opts.settings.bureau
    head = Letterhead(bureau.region, bureau.name, opts.run_date)
    created = datetime.datetime.combine(opts.run_date, datetime.time())
    build = {
        SUMMARY_XLSX: lambda: summary_workbook(
            frames, conclusions, created=created, targets=targets, finals=finals, letterhead=head
        ),
        FINDINGS_CSV: lambda: findings_csv(frames),
        # the bureau's own report (county.py): its .docx, and its PDF once every project is 通过
        **county.report_files(frames, opts.settings, conclusions, opts.run_date, elsewhere),
    }
    for stale in set(county.recorded(done)) - set(build):  # another year's title, a PDF no longer final
        with suppress(OSError):
            (opts.output / stale).unlink()
    written: dict[str, str] = {}
    failed = []
    for name in build:  # one that cannot be written does not stop the others
        guard = Guard({SUMMARY_XLSX: fresh.seen}, max_bytes(opts))
        try:
            data = build[name]()
            if data is None:  # the county report's PDF, when LibreOffice could not convert it
                continue
            signed: dict[str, tuple] = {}
            put = dict(put_files(opts.output, {name: data}, guard, signed))
            written.update(put)
            for n, signature in signed.items():
                digests.wrote(opts.output / n, signature, put[n])
        except WriteFailed as e:  # open in Excel, a full disk: the old one stays, rebuilt next run
            failed.append(name)
            if "打开" in e.reason:  # held open: said as every open file is (D_locked)
                continue
            reasons[name] = e.reason
            notes.append(
                MSG["RUN_unwritten_batch"].format(path=name, reason=e.reason, todo=e.todo, name=name)
            )
        notes.extend(MSG["D_kept_aside"].format(file=name, aside=a) for a in guard.aside)
        notes.extend(MSG["D_link_replaced"].format(file=n) for n in guard.links)
    if written:
        manifest.record_batch(written, key, produced_by(opts), planning.VERSION)
    return failed, dataclasses.replace(crossed.timing, summary=time.perf_counter() - t2)


class _FreshSummary:
    """审核汇总.xlsx as the run last read it, read again when the reviewer saved it since."""

    def __init__(self, opts: RunOptions, manifest: Manifest, notes: list[str], seen: str | None):
        self.opts, self.manifest, self.notes, self.seen = opts, manifest, notes, seen
        self.told = False

    def read_again(self) -> bool:
        """True when the file in place is the one read (its 审核结论 stored); False when it could
        not be read again, or its 审核结论 not stored: then it is not to be replaced."""
        from .reviewer import Unreadable, conclusion_changes, read_summary

        path = self.opts.output / SUMMARY_XLSX
        for _ in range(3):
            now_there = None if os.path.islink(path) else digest_now(path, max_bytes(self.opts))
            if now_there == self.seen or now_there is None:
                return True
            try:
                saved, entries = read_summary(path, self.opts.settings.limits)
            except Unreadable:  # a save under way, say: look again
                time.sleep(0.2)
                continue
            try:
                self.manifest.save_conclusions(
                    conclusion_changes(entries, self.manifest.conclusions(), saved, SUMMARY_XLSX)
                )
            except Unwritable as e:
                self.notes.append(MSG["D_not_stored"].format(file=SUMMARY_XLSX, error=e))
                return False
            self.seen = saved.sha256
            if not self.told:
                self.notes.append(MSG["D_summary_reread"].format(file=SUMMARY_XLSX))
                self.told = True
        return False


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
