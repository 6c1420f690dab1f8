"""The batch: every workbook in input/ -> output/, in parallel, incrementally, atomically.

Flow: plan (check the folders, hash the inputs: plan.py) -> read the reviewer's decisions back into
the manifest before anything is replaced (readback.py) -> skip what is unchanged -> the workers
read, score and check the rest (workers.py, kept in their memory or spill files) -> the X rules over the whole folder
(second_pass.py) -> the workers render each once, with its X findings, each writing its own folder ->
the manifest is committed per workbook as its files land (`settle`) -> the batch files (outputs.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import decisions
from ..messages import MSG
from ..model import Severity
from . import plan as planning
from . import pool as workers
from .digests import Digests
from .files import SCORED_SUFFIX, clean_temp, digest_now
from .final import NOT_WRITTEN, PDF_OFF, final_states, soffice, without_pdf
from .frames import Entry, Rows, entry_of, read_doc, scored_path
from .interface import BatchReport, BatchTiming, OutputNotWritable, RunOptions, WorkerSample
from .manifest import OK, UNREADABLE, Busy, Manifest, Record, Unwritable, now, plain_name
from .outputs import Crossed, crossing, write_batch_files
from .plan import Item, lock_output, plan, prepare, produced_by, unchanged
from .pool import execute
from .readback import read_back
from .second_pass import with_x
from .workers import LOCKED, Outcome


def run(opts: RunOptions) -> BatchReport:
    started = time.perf_counter()
    early: list[str] = []  # files skipped at discovery
    inputs = prepare(opts, early)
    with lock_output(opts.output), contextlib.ExitStack() as stack:
        clean_temp(opts.output)
        try:
            manifest = Manifest(opts.output)
        except Unwritable as e:
            raise OutputNotWritable(str(e)) from None
        try:
            records = manifest.records()
            digests = Digests(manifest.stats())  # a file unchanged since it was hashed is not read again
            items = plan(inputs, records, opts, digests)
            # the reviewer's decisions are read back, and stored, before any output is replaced
            try:
                back = read_back(items, opts, manifest, digests)
            except Unwritable as e:  # they could not be stored: replace nothing
                raise OutputNotWritable(str(e)) from None
            notices = back.notices
            conclusions = manifest.conclusions()
            for it in items:  # a 通过 decides whether a 定稿 is written, and signs it
                it.conclusion = conclusions.get(it.name)
            started_at = now()
            todo = []
            for it in items:
                if it.locked or unchanged(it, opts, digests):
                    it.record = it.previous
                else:
                    todo.append(it)
            samples: list[WorkerSample] = []
            rows = Rows()  # the batch-wide tables' rows, gathered while the workers work
            told: dict[int, list[str]] = {}
            if todo:
                import_meanwhile()
            reasons: dict[str, str] = {}  # outputs that could not be written -> why (said in a line)
            assessing: dict[int, tuple[float, float]] = {}  # the first step's CPU ms, whole and read+check

            def settle(item: Item, outcome: Outcome) -> None:
                outcome = _learned(item, outcome, manifest, notices)
                _settle(item, outcome, opts, manifest, started_at)
                written = dict(outcome.outputs)
                for name, signature in outcome.signed:
                    digests.wrote(opts.output / item.folder / name, signature, written[name])
                _put_rows(rows, item, outcome, opts)
                reason = outcome.doc.get("reason") if outcome.status == LOCKED else None
                if reason and "打开" not in reason:  # full disk, no permission: why, what to do
                    reasons[item.locked] = reason
                    notices.append(
                        MSG["RUN_unwritten_line"].format(
                            path=item.locked, reason=outcome.doc["reason"], todo=outcome.doc["todo"]
                        )
                    )
                problems = (outcome.doc or {}).get("review", {}).get("problems", ())
                # by workbook: one rendered twice (its X findings changed, second_pass.to_redo) is told once
                told[item.index] = [
                    MSG["D_problem"].format(file=item.name, message=p["message"]) for p in problems
                ]
                item.doc = None  # its rows hold what the batch needs (read back for --strict if need be)
                cpu, first = assessing.pop(item.index, (0.0, 0.0))  # the first step's CPU, added
                samples.append(
                    WorkerSample(
                        len(samples) + 1,
                        outcome.pid,
                        outcome.rss_kb,
                        outcome.peak_kb,
                        outcome.cpu_ms + cpu,
                        (outcome.phases[0] + first, *outcome.phases[1:]),
                    )
                )

            removed = _removed(records, items, opts.output, manifest)
            archive = [records[f] for f in removed]
            crossed = kept = None
            if todo:
                # one set of workers for both steps, and the county report after them
                kept = stack.enter_context(workers.pool(opts, len(todo), len(items)))
                with _progress(opts, len(todo)) as tick:
                    crossed = _two_steps(
                        todo, items, archive, rows, opts, (settle, tick), assessing, started_at, notices, kept
                    )
                # a worker stopped mid-write (its time limit, a broken pool) leaves its temporary file
                clean_temp(opts.output)
            # a workbook first seen while its old output is open has no record: left for the next run
            locked = [it.locked for it in items if it.locked]
            items = [it for it in items if it.record is not None]
            held, timing = write_batch_files(
                items,
                archive,
                rows,
                opts,
                manifest,
                settle,
                notices,
                reasons,
                back.summary,
                crossed,
                digests,
                kept.submit if kept is not None else None,
            )
            locked += held
            notices += [line for _, lines in sorted(told.items()) for line in lines]
            # 通过 with an open 错误: no 定稿, and the line says which; a 定稿 without its PDF
            for file, state in final_states(items, opts.output).items():
                if state.startswith(NOT_WRITTEN):
                    notices.append(MSG["FINAL_blocked"].format(file=file, blockers=state[len(NOT_WRITTEN) :]))
            pdf_missing = without_pdf(items) if opts.settings.archive.pdf != PDF_OFF else []
            if pdf_missing:
                why = MSG["FINAL_no_soffice"] if soffice() is None else MSG["FINAL_pdf_failed"]
                notices.append(why.format(n=len(pdf_missing), files="、".join(pdf_missing)))
            manifest.save_stats(*digests.stored())
        except Busy as e:  # another program holds the manifest: waited once, now stop and say so
            raise OutputNotWritable(str(e)) from None
        finally:
            manifest.close()
    notices += [MSG["D_locked"].format(file=name) for name in locked if name not in reasons]
    # held open (the closing line says so) apart from a full disk, no permission …: 未能写入
    unwritten = [name for name in locked if name in reasons]
    locked = [name for name in locked if name not in unwritten]
    notices[:0] = [*early, *manifest.notes]  # what was skipped, the manifest's own, first
    counts = [(it.record.errors, it.record.warnings, it.record.infos) for it in items]
    errors = sum(c[0] for c in counts)
    held = sum(1 for it in items if it.locked)  # named in the closing line, neither done nor "unchanged"
    done = sum(1 for it in todo if not it.locked)
    return BatchReport(
        total=len(items),
        processed=done,
        skipped=len(items) - done - held,
        unreadable=sum(it.record.status != OK for it in items),
        unreadable_files=tuple(it.name for it in items if it.record.status != OK),
        errors=errors,
        warnings=sum(c[1] for c in counts),
        infos=sum(c[2] for c in counts),
        seconds=time.perf_counter() - started,
        removed=tuple(removed),
        any_error=any(_open_errors(it, opts.output) for it in items),
        samples=tuple(samples),
        notices=tuple(notices),
        locked=tuple(locked),
        unwritten=tuple(unwritten),
        timing=timing,
        pdf_missing=tuple(pdf_missing),
    )


def _put_rows(rows: Rows, item: Item, outcome: Outcome, opts: RunOptions) -> None:
    """A settled workbook's rows, as its outputs now say: the first step's when its findings.json is
    that step's to the byte (its scored workbook's path added), else read from its findings.json;
    one held open when it was to be rendered keeps its old outputs, and so its old rows."""
    if item.record is not None and not item.locked and outcome.as_assessed and item.index in rows:
        rows.set_scored(item.index, scored_path(item.record))
    elif item.record is not None and not item.locked:
        rows.add(item.index, entry_of(item, opts))
    elif item.index in rows:
        rows.discard(item.index)
        if item.record is not None:
            rows.add(item.index, entry_of(item, opts))


def _spill_folder() -> contextlib.AbstractContextManager[str]:
    """A temporary folder for the first step's results a worker does not keep in memory and for the
    second step's plan, removed after the second step. Where no temporary folder can be made (a
    locked-down PC, a full disk): none, nothing is kept, and the second step reads, scores and
    checks each workbook again (slower, the same outputs)."""
    try:
        return tempfile.TemporaryDirectory(prefix="jixiao-spill-", ignore_cleanup_errors=True)
    except OSError:
        return contextlib.nullcontext("")


def _two_steps(
    todo: list[Item],
    items: list[Item],
    archive: list[Record],
    rows: Rows,
    opts: RunOptions,
    calls: tuple[Callable[[Item, Outcome], None], _Bar],
    assessing: dict[int, tuple[float, float]],
    started_at: str,
    notes: list[str],
    kept: workers.Pool,
) -> Crossed:
    """The workers read, score and check `todo` (each kept in the memory of the worker that did it,
    or in a spill file); the X rules run over the tables; then the workers render each workbook once,
    with its X findings, from what was kept, as a rule by the worker that keeps it (workers._Plan)
    (and render again those left as they were whose X findings changed). So a batch where every
    workbook has X findings costs no second render."""
    settle, tick = calls
    final: set[int] = set()

    def assessed(item: Item, outcome: Outcome) -> None:
        if outcome.outputs:  # timed out, or killed its worker: its failure findings.json is written
            final.add(item.index)
            settle(item, outcome)
            tick()
            return
        tick()
        rows.add(item.index, Entry(item.name, item.folder, None, outcome.doc))
        assessing[item.index] = (outcome.cpu_ms, outcome.phases[0])  # added to its render's sample

    with _spill_folder() as spill:
        execute(todo, opts, assessed, started_at, spill=spill, assess=True, workers=kept)
        t0 = time.perf_counter()
        how = crossing(opts, notes)  # the approved targets (X006–X008), read once
        doing = {it.index for it in todo}
        # those left as they were, held open or not: their rows are in the tables
        others = [it for it in items if it.index not in doing and it.record is not None]
        pending = [it for it in todo if it.index not in final]
        redo, frames = with_x(pending, others, archive, rows, opts, how.ctx, notes)
        t1 = time.perf_counter()
        tick.step(MSG["RUN_step_render"])
        for _ in final:  # done in the first step already (stopped for its time)
            tick()
        execute(
            redo,
            opts,
            lambda item, outcome: (settle(item, outcome), item.index in doing and tick()),
            started_at,
            spill=spill,
            workers=kept,
        )
    again = sum(1 for it in redo if it.index not in doing)
    return Crossed(how, frames, BatchTiming(t1 - t0, time.perf_counter() - t1 if again else 0.0, again))


def _learned(item: Item, outcome: Outcome, manifest: Manifest, notices: list[str]) -> Outcome:
    """What a worker read at the last moment (a reviewer saved while the run went on) is stored
    before the workbook's record, and said. Should it not be storable, the scored workbook (which
    shows it) is recorded as not ours, so the next run reads it again."""
    notices.extend(outcome.notes)
    for name, digest in outcome.outputs:  # what a second pass may replace: what is there now
        if name.endswith(SCORED_SUFFIX):
            item.seen[name] = digest
    if not outcome.learned:
        return outcome
    try:
        manifest.save_decisions(list(outcome.learned))
    except Unwritable as e:
        notices.append(MSG["D_not_stored"].format(file=item.folder, error=e))
        outputs = tuple((n, "" if n.endswith(SCORED_SUFFIX) else d) for n, d in outcome.outputs)
        return dataclasses.replace(outcome, outputs=outputs)
    item.decisions = tuple(d for d in manifest.decisions(item.name) if d.status != decisions.REPLACED)
    return outcome


def _settle(item: Item, outcome: Outcome, opts: RunOptions, manifest: Manifest, started_at: str) -> None:
    """A workbook's files are in place: drop the outputs it no longer has, retire the decisions
    whose finding is gone, then commit its record."""
    if outcome.status == LOCKED:  # another program holds an output open, a full disk: it stays as it was
        # as of this run's first pass if it had one (the second pass failed), else as of the last run
        base = item.record if item.record is not None else item.previous
        item.locked = outcome.doc.get("locked") or item.name
        if base is not None and outcome.outputs:  # some were put in place before the failure: record those
            outputs = tuple(sorted({**dict(base.outputs), **dict(outcome.outputs)}.items()))
            base = dataclasses.replace(base, outputs=outputs, sha256="")  # a mixed set: redone next run
            manifest.record(base)
        item.record = base
        return
    # Only a complete new set replaces the old: when the program failed on the workbook, no old
    # output is removed; the record keeps listing them (so a later complete run still tidies them)
    # and says FAILED, so the next run does it again. Names come from the manifest: plain ones only.
    folder = opts.output / item.folder
    prev = item.previous
    kept = prev.outputs if prev is not None and prev.folder == item.folder else ()
    outputs = outcome.outputs
    if outcome.status in (OK, UNREADABLE):
        written = {name for name, _ in outcome.outputs}
        # an old output no longer written (a renamed project), if it is still ours as written
        stale = [(name, recorded) for name, recorded in kept if name not in written and plain_name(name)]
        if stale and _inside(folder, opts.output):  # resolve() costs a stat per folder: only if need be
            limit = int(opts.settings.limits.max_file_mb * 1024 * 1024)
            for name, recorded in stale:
                if digest_now(folder / name, limit) == recorded:
                    (folder / name).unlink(missing_ok=True)
    else:
        outputs = tuple(sorted({**dict(kept), **dict(outcome.outputs)}.items()))
    digest = outcome.digest or item.digest  # what the worker read is what the outputs are of
    errors, warnings, infos = _counts(outcome.doc)
    item.doc = outcome.doc
    shown = item.decisions
    if outcome.status == OK:  # an unreadable or failed run judges no finding: its decisions stay
        found = outcome.doc.get("findings", ())
        standing = {decisions.key_of_dict(item.name, f) for f in found}
        # a finding on the total whose expected value the reviewer's own 调整 moved keeps its decision
        kept = {
            decisions.loose(decisions.key_of_dict(item.name, f))
            for f in found
            if f.get("decision") and f.get("rule") in decisions.TOTAL_RULES
        }
        # An X finding is the batch's to judge: a run before the X rules ran does not retire its decision
        judged = item.crossed
        gone = [
            dataclasses.replace(d, status=decisions.RETIRED, retired=started_at)
            for d in item.decisions
            if d.status == decisions.ACTIVE
            and d.key not in standing
            and decisions.loose(d.key) not in kept
            and (judged or not d.key.rule.startswith("X"))
        ]
        if gone:
            manifest.retire(gone)
            by_key = {d.key: d for d in gone}
            shown = tuple(by_key.get(d.key, d) if d.status == decisions.ACTIVE else d for d in shown)
    item.record = Record(
        item.name,
        digest,
        produced_by(opts),
        planning.VERSION,
        item.folder,
        outcome.status,
        errors,
        warnings,
        infos,
        now(),
        outputs,
        decisions.digest(shown, item.conclusion) if outcome.status == OK else "",
    )
    manifest.record(item.record)


def _inside(folder: Path, output: Path) -> bool:
    """`folder` is a real folder directly in `output` (not a link out of it)."""
    try:
        return not folder.is_symlink() and folder.resolve().parent == output.resolve()
    except OSError:
        return False


def _counts(doc: dict) -> tuple[int, int, int]:
    severities = [f.get("severity") for f in doc.get("findings", ())]
    errors, warnings, infos = (severities.count(s.value) for s in Severity)
    return errors, warnings, infos


def _open_errors(item: Item, output: Path) -> bool:
    """Any 错误 the reviewer has not waived or adjusted (what --strict counts)."""
    if item.record.errors == 0:
        return False
    if not item.decisions:
        return True
    doc = item.doc if item.doc is not None else read_doc(output / item.record.folder, item.name, item.digest)
    return any(
        f.get("severity") == Severity.ERROR.value
        and (f.get("decision") or {}).get("state", decisions.OPEN) in (decisions.OPEN, decisions.CONFIRMED)
        for f in doc.get("findings", ())
    )


def _removed(records: dict[str, Record], items: list[Item], output: Path, manifest: Manifest) -> list[str]:
    """Workbooks gone from input/ whose outputs are still in output/ (forgotten once those go too)."""
    present = {it.name for it in items}
    gone = sorted(f for f in records if f not in present)
    vanished = [f for f in gone if not (output / records[f].folder).is_dir()]
    if vanished:
        manifest.forget(vanished)
    return [f for f in gone if f not in vanished]


class _Bar:
    """The progress bar: one per step, of the same workbooks (no bar: a terminal is not there)."""

    def __init__(self, bar=None):
        self.bar = bar

    def __call__(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def step(self, desc: str) -> None:
        if self.bar is not None:
            self.bar.reset()
            self.bar.set_description(desc)


@contextmanager
def _progress(opts: RunOptions, total: int) -> Iterator[_Bar]:
    if not (opts.progress and total and sys.stderr.isatty()):
        yield _Bar()
        return
    from tqdm import tqdm

    with tqdm(
        total=total, file=sys.stderr, unit="个", desc=MSG["RUN_step_assess"], dynamic_ncols=True
    ) as bar:
        yield _Bar(bar)


def import_meanwhile() -> None:
    """The batch files need pandas (~0.5 s to import) and 审核汇总.xlsx's renderer: imported while
    the fork server starts and the workers work, in a thread of the otherwise waiting main process,
    instead of after them. (The county report is rendered by a worker: county.county_docx.)"""
    import importlib
    import os
    import threading

    # numpy's OpenBLAS starts threads at import, one per core (~0.09 s of CPU taken from the workers'
    # cores) for matrix products the batch tables never do; a setting of the user's is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    def imports() -> None:
        for name in ("pandas", "pipeline.render.summary"):
            importlib.import_module(name)

    threading.Thread(target=imports, name="import-meanwhile", daemon=True).start()
