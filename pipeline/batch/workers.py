"""The work of one workbook, done in a long-lived worker process (pool.py runs them).

First step: a worker reads, scores and checks a workbook and keeps that, in its memory (up to
KEEP_BYTES) or else in a spill file. Second step: a worker (as a rule the one that keeps it:
`_pull_chunk`) renders the workbook with its X findings and writes the files into its own folder
under output/ (files.py: atomically, under safe names), reading again at the last moment a scored
workbook the reviewer saved meanwhile. A bug for one workbook becomes a findings.json saying so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import itertools
import json
import multiprocessing
import os
import pickle
import re
import signal
import threading
import time
import traceback
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from ..config import Settings
from ..decisions import ACTIVE, REPLACED, Conclusion
from ..messages import MSG
from ..model import Decision, Finding
from ..render.findings_json import encode, failure_doc
from .files import (
    FINDINGS_JSON,
    REPORT_SUFFIX,
    SCORED_SUFFIX,
    Guard,
    WriteFailed,
    close_sets,
    commit,
    digest_now,
    discard,
    make_durable,
    original_of,
    output_name,
    stage_folder,
    write_failure,
)
from .final import final_files
from .manifest import FAILED, OK, UNREADABLE

LOCKED = "locked"  # an output held open by another program: nothing of that workbook was recorded


class Item(Protocol):
    """One workbook to do (batch._Item)."""

    index: int  # its place in the input order
    path: Path
    name: str  # its file name as text
    digest: str  # sha256 of its bytes ('' if unreadable)
    folder: str  # its folder under output/
    decisions: tuple[Decision, ...]  # the reviewer's, as stored in the manifest
    extras: tuple[dict, ...]  # X findings (as findings.json has them) the batch found for it
    seen: dict[str, str]  # the reviewer's files in its folder as read back: name -> sha256
    conclusion: Conclusion | None  # its 审核结论: 通过 with no open 错误 -> a 定稿 is written too


class Options(Protocol):
    """What the workers need of the run (batch.RunOptions)."""

    settings: Settings
    run_date: date
    output: Path
    jobs: int


# ---------------------------------------------------------------- workers
@dataclass(frozen=True)
class Outcome:
    index: int
    status: str
    outputs: tuple[tuple[str, str], ...]
    doc: dict
    pid: int = 0
    rss_kb: int = 0
    peak_kb: int = 0
    cpu_ms: float = 0.0
    phases: tuple[float, float, float] = (0.0, 0.0, 0.0)  # CPU ms: evaluate+findings.json, scored wb, report
    digest: str = ""  # sha256 of the bytes the worker read ('' = none: the batch's own hash stands)
    learned: tuple[
        Decision, ...
    ] = ()  # decisions a reviewer saved while the run went on, read at the last moment
    notes: tuple[str, ...] = ()  # one line each: a reviewer's file kept aside, a link replaced
    signed: tuple[tuple[str, tuple], ...] = ()  # its outputs' stat signatures as put in place (digests.py)
    as_assessed: bool = False  # its findings.json is the first step's, to the byte (its rows stand)


_STATE: dict = {}

# A workbook's first step kept in the memory of the worker that did it, by slot, so that its second
# step reads no spill file back: writing and reading one cost ~2.5 ms of a workbook's ~28 of CPU.
# Past KEEP_BYTES (estimated: _footprint) a worker writes spill files instead.
_KEPT: dict[int, tuple] = {}  # slot -> (Assessed, findings.json bytes, its _footprint)
_HELD = [0]  # the sum of their footprints
KEEP_BYTES = 32 * 1024 * 1024


def _footprint(assessed, doc_bytes: bytes) -> int:
    """What a first step takes in memory, in bytes, from above: ~6 per byte of its findings.json and
    ~128 per cell of its sheets as read (tracemalloc: 98 KB for a usual workbook of 245 cells and
    13 KB of findings.json, 24 MB for one of 10,000 payments; a sheet of a million cells that no
    finding mentions is counted too)."""
    sheets = assessed.project.sheets.values() if assessed.project is not None else ()
    return 6 * len(doc_bytes) + 128 * sum(len(row) for grid in sheets for row in grid)


def _keep(slot: int, assessed, doc_bytes: bytes) -> bool:
    """Keep a first step in memory if it fits in KEEP_BYTES; False: it does not."""
    size = _footprint(assessed, doc_bytes)
    if _HELD[0] + size > KEEP_BYTES:
        return False
    _KEPT[slot] = (assessed, doc_bytes, size)
    _HELD[0] += size
    return True


def _take(slot: int) -> tuple | None:
    """(Assessed, findings.json bytes) kept for `slot`, let go of; None if none is."""
    kept = _KEPT.pop(slot, None)
    if kept is None:
        return None
    _HELD[0] -= kept[2]
    return kept[:2]


def _init(settings: Settings, run_date: date, output: str, started, pids, holders=None) -> None:
    """Runs once per worker process: imports the pipeline and keeps it for every workbook."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _die_with_parent()
    _STATE.update(
        settings=settings, run_date=run_date, output=Path(output), started=started, pids=pids, holders=holders
    )
    try:
        from ..evaluate import assess, conclude
        from ..render.findings_json import to_bytes
        from ..render.report import prepare, report_docx
        from ..render.scored_workbook import scored_workbook

        prepare()  # the Word base document (styles, page set-up, footers), built once per worker
        _STATE.update(
            assess=assess,
            conclude=conclude,
            to_bytes=to_bytes,
            report_docx=report_docx,
            scored_workbook=scored_workbook,
        )
    except Exception:  # every workbook will say so, instead of the pool breaking
        _STATE["broken"] = traceback.format_exc()
    # What is loaded now lives as long as the worker: keep the cycle collector from re-scanning it.
    # A workbook leaves no cyclic garbage (tests/test_render_workbook.py): reference counting frees
    # it, and a young-generation pass every 700 allocations (~3 a workbook, 0.8 ms) finds nothing.
    # At 10,000: ~0.03 ms a workbook, and worker RSS still flat over 2,000 workbooks (`make bench`).
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _die_with_parent() -> None:
    """When the batch is killed, its workers go at once. Left alone they would wait forever on a
    queue they themselves keep open (and keep the fork server alive), or finish what is queued
    and write while the next run starts."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _assess_chunk(tasks: list[tuple]) -> list[Outcome]:
    """The first step: read, score and check each workbook, keep that (in memory, else in its spill
    file) for the second, and return its findings.json (without X findings) for the batch's tables.
    Writes nothing under output/."""
    outcomes = []
    for slot, index, path, name, digest, _, decided, now, _, _, _, spill in tasks:
        _STATE["pids"][slot] = os.getpid()
        _STATE["started"][slot] = time.monotonic()  # the pool stops a workbook past max_seconds
        cpu = time.process_time()
        keep = slot if spill and _STATE.get("holders") is not None else None
        status, doc, spent = _assess(Path(path), name, digest, decided, now, spill, keep)
        _STATE["started"][slot] = -1.0
        outcomes.append(
            Outcome(
                index,
                status,
                (),
                doc,
                os.getpid(),
                *_memory(),
                1000 * (time.process_time() - cpu),
                (spent, 0.0, 0.0),
                doc.get("sha256") or "",
            )
        )
    return outcomes


def _work_chunk(tasks: list[tuple]) -> list[Outcome]:
    """Evaluate (or take from the spill file of the first step) and render each workbook; a writer
    thread writes one workbook's files under temporary names while the next is computed. At the
    end of the chunk one sync makes them all durable and they are renamed into place (files.py):
    outcomes return once their files are in place."""
    writer = _STATE.setdefault("writer", ThreadPoolExecutor(1, thread_name_prefix="writer"))
    computed = []
    for slot, index, path, name, digest, folder, decided, now, extras, seen, conclusion, spill in tasks:
        _STATE["pids"][slot] = os.getpid()
        _STATE["started"][slot] = time.monotonic()  # the pool stops a workbook past max_seconds
        cpu = time.process_time()
        kept = _unspill(spill, slot)
        status, files, doc, phases = _compute(
            Path(path), name, digest, decided, now, extras, conclusion, kept
        )
        _STATE["started"][slot] = -1.0  # computed: writing is not timed
        target = _STATE["output"] / folder
        # read again with what the reviewer saved meanwhile: from what the first step kept, if it did
        again = (kept[0], None) if kept is not None else None

        redo = functools.partial(  # redo(decided): the same workbook with the decisions read since
            _compute, Path(path), name, digest, now=now, extras=extras, conclusion=conclusion, kept=again
        )

        fresh = _Fresh(target, name, decided, seen, redo)
        computed.append(
            (
                index,
                fresh,
                writer.submit(fresh.stage, status, files, doc),
                1000 * (time.process_time() - cpu),
                phases,
                _as_assessed(kept, extras),
            )
        )
    staged = {}  # index -> (status, doc, Staged) of the sets written, or the Outcome of a failure
    for index, fresh, writing, cpu_ms, phases, _ in computed:
        try:
            staged[index] = writing.result()
        except WriteFailed as e:
            staged[index] = _locked(index, fresh, e, cpu_ms, phases)
        except ValueError as e:
            staged[index] = _refused(index, fresh, e, cpu_ms, phases)
    sets = [entry[2] for entry in staged.values() if not isinstance(entry, Outcome)]
    try:
        make_durable(sets)
    except WriteFailed as e:  # the file system reported an error, for any of them: none goes in place
        for index, fresh, _, cpu_ms, phases, _ in computed:
            if not isinstance(staged[index], Outcome):
                discard(staged[index][2])
                staged[index] = _locked(index, fresh, e, cpu_ms, phases, folder_only=True)
        sets = []
    outcomes = []
    try:
        for index, fresh, _, cpu_ms, phases, reused in computed:
            entry = staged[index]
            if isinstance(entry, Outcome):
                outcomes.append(entry)
                continue
            status, doc, files_staged = entry
            try:
                outputs, notes, signed = fresh.commit(files_staged)
            except WriteFailed as e:  # held open by Excel: the old files and decisions stay
                outcomes.append(_locked(index, fresh, e, cpu_ms, phases, doc=doc))
                continue
            outcomes.append(
                Outcome(
                    index,
                    status,
                    outputs,
                    doc,
                    os.getpid(),
                    *_memory(),
                    cpu_ms,
                    phases,
                    doc.get("sha256") or "",
                    fresh.learned,
                    notes,
                    signed,
                    reused and status != FAILED and not fresh.learned,
                )
            )
    finally:
        close_sets(sets)  # the renames on disk before the outcomes are reported
    return outcomes


def _pull_chunk(plan: str, n: int) -> list[Outcome]:
    """The second step's task where the workers claim their workbooks from the plan file the pool
    wrote (pool._round): up to `n` of them, rendered as `_work_chunk` renders named ones."""
    mine = _PLANS.get(plan)
    if mine is None:
        with open(plan, "rb") as fh:
            tasks = pickle.load(fh)
        _PLANS.clear()
        mine = _PLANS[plan] = _Plan(plan, tasks)
    return _work_chunk(mine.claim(n))


_PLANS: dict[str, _Plan] = {}


class _Plan:
    """A second step's workbooks as one worker claims them: first those it keeps in memory, then
    those no worker keeps (a spill file, or none), then — rather than wait at the end — those another
    worker keeps, which it reads, scores and checks again. A claim is a file created exclusively
    beside the plan, so each workbook is claimed once whichever worker asks, and a worker that dies
    holds no lock."""

    def __init__(self, path: str, tasks: list[tuple]):
        self.path, self.tasks = path, {task[0]: task for task in tasks}
        self.order = [task[0] for task in tasks]
        for slot in set(_KEPT) - set(self.tasks):  # kept for a workbook that is not rendered
            _take(slot)
        self.mine = [slot for slot in self.order if slot in _KEPT]
        self.kept = frozenset(self.mine)
        self.cursors = [0, 0, 0]  # in mine; in the order, for those no one keeps; for any

    def claim(self, n: int) -> list[tuple]:
        holders = _STATE.get("holders")
        picked: list[int] = []
        for phase, slots in enumerate((self.mine, self.order, self.order)):
            while len(picked) < n and self.cursors[phase] < len(slots):
                slot = slots[self.cursors[phase]]
                self.cursors[phase] += 1
                if phase and slot in self.kept:  # its own: claimed in phase 0 already
                    continue
                if phase == 1 and holders is not None and holders[slot] != 0:  # another keeps it
                    continue
                if self._claimed(slot):
                    picked.append(slot)
        return [self.tasks[slot] for slot in picked]

    def _claimed(self, slot: int) -> bool:
        try:
            os.close(os.open(f"{self.path}.{slot}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:  # another worker has it
            return False
        except OSError:  # the claim cannot be written (a full temporary folder): do it; at worst two
            pass  # workers render the same workbook, whose files are put in place atomically
        return True


def _locked(index, fresh, e: WriteFailed, cpu_ms, phases, doc=None, folder_only=False) -> Outcome:
    """A workbook whose files could not all be put in place (held open by Excel, a full disk)."""
    target = fresh.target
    path = target.name if folder_only or e.name == target.name else f"{target.name}/{e.name}"
    doc = {"file": (doc or fresh.doc)["file"], "locked": path, "reason": e.reason, "todo": e.todo}
    return Outcome(index, LOCKED, e.replaced, doc, os.getpid(), *_memory(), cpu_ms, phases)


def _refused(index, fresh, e: ValueError, cpu_ms, phases) -> Outcome:
    """A write guard refused a name: a bug, said like any other (I001)."""
    doc = failure_doc(
        fresh.doc["file"], fresh.doc["sha256"], f"{type(e).__name__}: {e}", traceback.format_exc()
    )
    return Outcome(
        index, FAILED, write_failure(fresh.target, doc), doc, os.getpid(), *_memory(), cpu_ms, phases
    )


class _Fresh:
    """A workbook's files written at the last moment: staged by the writer thread, where a scored
    workbook the reviewer saved since it was read back is read again and the workbook rendered
    again with what they decided; put in place at the end of the chunk, where one saved since it
    was staged is kept aside, never overwritten (files.Guard)."""

    def __init__(self, target: Path, name: str, decided: tuple[Decision, ...], seen: dict[str, str], redo):
        self.target, self.name, self.decided, self.seen, self.redo = target, name, decided, seen, redo
        self.learned: tuple[Decision, ...] = ()
        self.doc: dict = {}
        self.guard: Guard | None = None

    def stage(self, status: str, files: dict[str, bytes], doc: dict):
        """(status, findings.json, files.Staged): the files under temporary names, with what the
        reviewer saved since they were read back."""
        from .reviewer import Unreadable, changes, read_scored

        self.doc = doc  # what a failure below is said for (_locked, _refused)
        limits = _STATE["settings"].limits
        limit = int(limits.max_file_mb * 1024 * 1024)
        expected = {n: self.seen.get(n) for n in files if n.endswith(SCORED_SUFFIX)}
        learned: list[Decision] = []
        for _ in range(_REREADS):
            saved_since = [n for n in expected if digest_now(self.target / n, limit) != expected[n]]
            new: list[Decision] = []
            for n in saved_since:
                try:
                    saved, entries = read_scored(self.target / n, limits)
                except Unreadable:  # a save under way, say: look again; in the end it is kept aside
                    time.sleep(_SETTLE_SECONDS)
                    continue
                expected[n] = saved.sha256
                active = {d.key: d for d in self.decided if d.status == ACTIVE}
                new += changes(self.name, entries, active, saved, f"{self.target.name}/{n}")
            if not saved_since:
                break
            if new:
                learned += new
                self.decided = merged(self.decided, new)
                status, files, doc, _ = self.redo(self.decided)
        self.doc, self.learned = doc, tuple(learned)
        self.guard = Guard(expected, limit)
        return status, doc, stage_folder(self.target, files)

    def commit(self, staged):
        """(outputs, notes, signatures) once the staged files are put in place."""
        guard, signed = self.guard, {}
        outputs = commit(staged, guard, signed)
        notes = [
            *(
                MSG["D_kept_aside"].format(file=f"{self.target.name}/{n}", aside=a)
                for n, a in _pairs(guard.aside)
            ),
            *(MSG["D_link_replaced"].format(file=f"{self.target.name}/{n}") for n in guard.links),
        ]
        if self.learned:
            notes.insert(0, MSG["D_saved_during_run"].format(file=self.target.name, n=len(self.learned)))
        return outputs, tuple(notes), tuple(signed.items())


_REREADS = 3  # a reviewer saving again and again: read again at most this often, then keep aside
_SETTLE_SECONDS = 0.2


def _pairs(aside: list[str]) -> list[tuple[str, str]]:
    return [(original_of(a) or a, a) for a in aside]


def merged(decided: tuple[Decision, ...], new: list[Decision]) -> tuple[Decision, ...]:
    """The decisions with `new` ones in place of the active ones of the same finding (as the
    manifest stores them: the replaced one is kept as 已更改)."""
    keys = {d.key for d in new}
    return (
        *(
            dataclasses.replace(d, status=REPLACED) if d.status == ACTIVE and d.key in keys else d
            for d in decided
        ),
        *new,
    )


def _assess(
    path: Path,
    name: str,
    digest: str,
    decided: tuple[Decision, ...],
    now: str,
    spill: str,
    keep: int | None = None,
) -> tuple[str, dict, float]:
    """(status, findings.json as a dict, CPU ms) of the first step; what the second needs is kept in
    memory under slot `keep` if it fits in KEEP_BYTES, else in the file `spill`. A bug keeps
    nothing: the second step then does the workbook whole, and says so like any other (FAILED)."""
    s = _STATE
    start = time.thread_time()
    try:
        if "broken" in s:
            raise RuntimeError(s["broken"])
        assessed = s["assess"](path, s["settings"], s["run_date"])
        result = _named(s["conclude"](assessed, s["settings"], s["run_date"], decided, now), name)
        doc_bytes = s["to_bytes"](result)
        status = OK if result.scores is not None else UNREADABLE
        if keep is not None and _keep(keep, assessed, doc_bytes):
            s["holders"][keep] = os.getpid()  # the second step's claims go by it (_Plan)
        else:
            with contextlib.suppress(OSError):  # no spill file: the second step does it all again
                # not the Result: concluded again in the second step (0.1 ms) costs less than its pickle
                Path(spill).write_bytes(zlib.compress(pickle.dumps((assessed, doc_bytes), 5), 1))
        return status, json.loads(doc_bytes), 1000 * (time.thread_time() - start)
    except Exception as e:
        doc = failure_doc(name, digest, f"{type(e).__name__}: {e}", traceback.format_exc())
        return FAILED, doc, 1000 * (time.thread_time() - start)


def _unspill(spill: str, slot: int | None = None) -> tuple | None:
    """What the first step kept of a workbook: (Assessed, findings.json bytes), from this worker's
    memory or its spill file; None when there is none (a workbook only the second step does, one
    another worker keeps, or its file could not be written)."""
    kept = _take(slot) if slot is not None else None
    if kept is not None or not spill:
        return kept
    try:
        with open(spill, "rb") as fh:
            data = fh.read()
        os.unlink(spill)
        return pickle.loads(zlib.decompress(data))
    except (OSError, zlib.error, pickle.UnpicklingError, EOFError):
        return None


def _named(result, name: str):
    if result.project.file != name:  # a file name that is not UTF-8: findings.json says it as text
        return dataclasses.replace(result, project=dataclasses.replace(result.project, file=name))
    return result


def _compute(
    path: Path,
    name: str,
    digest: str,
    decided: tuple[Decision, ...] = (),
    now: str = "",
    extras: tuple[dict, ...] = (),
    conclusion: Conclusion | None = None,
    kept: tuple | None = None,
) -> tuple[str, dict[str, bytes], dict, tuple[float, float, float]]:
    """(status, {file name: bytes}, findings.json as a dict, CPU ms of its phases); a bug becomes a
    FAILED findings.json. The phases count this thread only, not the writer's (`make bench` shows them).
    `extras`: the X findings the batch found for this workbook, rendered with its own; `conclusion`:
    its 审核结论 (通过 with no open 错误: the 定稿 and its PDF are written too, final.py). `kept`: what
    the first step kept of it (_unspill): not read, scored and checked again; its findings.json is
    the first step's when nothing was added to it (its bytes None: encoded again)."""
    s = _STATE
    marks = [time.thread_time()]
    try:
        if "broken" in s:
            raise RuntimeError(s["broken"])
        extra = tuple(Finding.from_dict(d) for d in extras)
        assessed = kept[0] if kept is not None else s["assess"](path, s["settings"], s["run_date"])
        result = _named(s["conclude"](assessed, s["settings"], s["run_date"], decided, now, extra), name)
        doc_bytes = kept[1] if _as_assessed(kept, extras) else s["to_bytes"](result)
        marks.append(time.thread_time())
        doc = json.loads(doc_bytes)
        files: dict[str, bytes] = {}
        if result.scores is not None:
            project = str(result.project.info.name.value or "").strip() or path.stem
            files[output_name(project, SCORED_SUFFIX)] = s["scored_workbook"](
                result, datetime.combine(s["run_date"], datetime.min.time())
            )
            marks.append(time.thread_time())
            files[output_name(project, REPORT_SUFFIX)] = s["report_docx"](
                result, s["run_date"], s["settings"]
            )
            files.update(
                final_files(
                    project,
                    doc,
                    conclusion,
                    s["settings"].archive.pdf,
                    lambda: s["report_docx"](result, s["run_date"], s["settings"], final=conclusion),
                )
            )
            marks.append(time.thread_time())
        files[FINDINGS_JSON] = doc_bytes
        status = OK if result.scores is not None else UNREADABLE
        return status, files, doc, _phases(marks)
    except Exception as e:  # a bug: that workbook gets a findings.json saying so; the batch goes on
        doc = failure_doc(name, digest, f"{type(e).__name__}: {e}", traceback.format_exc())
        return FAILED, {FINDINGS_JSON: encode(doc)}, doc, _phases(marks)


def _as_assessed(kept: tuple | None, extras: tuple[dict, ...]) -> bool:
    """The same decisions, no X findings: the first step's findings.json is this one, to the byte."""
    return kept is not None and kept[1] is not None and not extras


def _phases(marks: list[float]) -> tuple[float, float, float]:
    spans = [1000 * (b - a) for a, b in itertools.pairwise(marks)]
    return tuple(spans + [0.0] * (3 - len(spans)))  # type: ignore[return-value]


def _memory() -> tuple[int, int]:
    try:
        with open("/proc/self/status", "rb") as fh:
            status = fh.read()
    except OSError:
        return 0, 0
    values = dict(re.findall(rb"^(VmRSS|VmHWM):\s+(\d+)", status, re.M))
    return int(values.get(b"VmRSS", 0)), int(values.get(b"VmHWM", 0))
