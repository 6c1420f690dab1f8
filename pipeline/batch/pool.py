"""The pool that runs the workers (workers.py): kept between the two steps of a run, watched for
workbooks past their time limit, and rebuilt when a worker dies; the workbook that kills its worker
is run again alone and reported. Ctrl-C stops the workers at once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from ..messages import MSG
from ..render.findings_json import failure_doc, refusal_doc
from .files import write_failure
from .manifest import FAILED, UNREADABLE
from .workers import Item, Options, Outcome, _assess_chunk, _init, _pull_chunk, _work_chunk


def _context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:  # workers fork from a clean process that has the pipeline imported
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(
            [
                "pipeline.batch.workers",
                "pipeline.evaluate",
                "pipeline.render.findings_json",
                "pipeline.render.scored_workbook",
                "pipeline.render.report",
                "pipeline.batch.warm",
            ]
        )
        return ctx
    return multiprocessing.get_context("spawn")


class Pool:
    """Worker processes kept from one round to the next: the two steps of a run share them (a new
    pool costs some 0.3 s: the fork, _init, the Word base document) until one dies or is killed.
    Each workbook has its slot in the shared arrays at its index in the run (`slots`: how many)."""

    def __init__(self, opts: Options, jobs: int, slots: int):
        self.ctx, self.opts, self.jobs = _context(), opts, jobs
        # per slot: 0 not started, > 0 the time.monotonic() it started (CLOCK_MONOTONIC is one
        # clock for every process), < 0 computed; and the pid of the worker doing it
        self.started = self.ctx.Array("d", max(1, slots), lock=False)
        self.pids = self.ctx.Array("i", max(1, slots), lock=False)
        # per slot: the pid of the worker that keeps its first step in memory (0: none does)
        self.holders = self.ctx.Array("i", max(1, slots), lock=False)
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            o = self.opts
            self._executor = ProcessPoolExecutor(
                self.jobs,
                mp_context=self.ctx,
                initializer=_init,
                initargs=(o.settings, o.run_date, str(o.output), self.started, self.pids, self.holders),
            )
        return self._executor

    def submit(self, fn: Callable, *args) -> Future | None:
        """`fn(*args)` in a worker of this pool, if it has live workers (None: it has none, and
        starting some would cost more than doing it here)."""
        if self._executor is None:
            return None
        try:
            return self._executor.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down
            return None

    def drop(self, wait: bool = True) -> None:
        """Let its workers go (a broken pool, an interrupt): the next round starts new ones."""
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.drop(wait=exc[0] is None)


def pool(opts: Options, todo: int, slots: int) -> Pool:
    """The workers for `todo` workbooks of a run of `slots` (as many as its highest index + 1)."""
    return Pool(opts, max(1, min(opts.jobs, todo)), slots)


def execute(
    todo: list[Item],
    opts: Options,
    settle: Callable[[Item, Outcome], None],
    now: str = "",
    *,
    spill: str = "",
    assess: bool = False,
    workers: Pool | None = None,
) -> None:
    """Run `todo` in worker processes, calling settle() in the main process as each finishes.

    `assess`: the first step only: each workbook is read, scored and checked, kept in the memory of
    its worker (up to workers.KEEP_BYTES) or in the `spill` folder (one file each, named by its index),
    and its findings.json returned without writing anything under output/: settle() gets Outcomes
    with no outputs (but for a workbook that timed out or killed its worker: its failure
    findings.json is written, as in the whole work). Otherwise the whole work: each workbook is
    rendered and written, from what the first step kept when it can be had; with a `spill` folder
    the workers claim the workbooks from a plan there, each first those it keeps (workers._Plan).
    `workers`: a Pool kept by the caller between calls (else one for this call alone).

    When a worker dies (the pool breaks), what had not started is run again; what was running is
    run again one at a time, alone, so the workbook that kills its worker is found and reported.
    A workbook still being computed after `[limits] max_seconds` has its worker killed and becomes
    an I001 处理超时; what the other workers were doing is run again."""
    if not todo:
        return
    slots = max(it.index for it in todo) + 1
    with contextlib.ExitStack() as stack:
        if workers is None or slots > len(workers.started):
            workers = stack.enter_context(pool(opts, len(todo), slots))
        chunk = max(1, min(4, len(todo) // (workers.jobs * 8)))  # small: Ctrl-C waits for what is queued
        with _sigint_deferred() as interrupted:
            _execute(workers, chunk, todo, opts, settle, interrupted, (now, spill, assess))


def _execute(workers: Pool, chunk, todo, opts, settle, interrupted: threading.Event, step: tuple) -> None:
    pending, suspects = todo, []
    while pending:
        started, done, _, killed = _round(workers, pending, chunk, opts, settle, interrupted, step)
        unfinished = [it for it in pending if it.index not in done]
        if killed:  # the pool broke because a workbook ran out of time: the others are innocent
            pending = unfinished
            continue
        new_suspects = {it.index for slot, it in enumerate(pending) if started[slot] and it.index not in done}
        if not new_suspects:  # the pool broke before any workbook started: do not loop
            suspects += unfinished
            break
        suspects += [it for it in unfinished if it.index in new_suspects]
        pending = [it for it in unfinished if it.index not in new_suspects]
        chunk = 1
    for item in suspects:
        with Pool(opts, 1, len(workers.started)) as alone:
            _, done, broken, _ = _round(alone, [item], 1, opts, settle, interrupted, step)
        if item.index not in done:
            error = MSG["RUN_worker_died"] if broken else MSG["RUN_worker_silent"]
            doc = failure_doc(item.name, item.digest, error)
            settle(item, Outcome(item.index, FAILED, write_failure(opts.output / item.folder, doc), doc))


def _round(
    workers: Pool,
    items: list[Item],
    chunk: int,
    opts: Options,
    settle: Callable[[Item, Outcome], None],
    interrupted: threading.Event,
    step: tuple[str, str, bool] = ("", "", False),
):
    """One round of `items` through the pool: (which started, the indices settled, whether a worker
    died, whether one was killed for its time); after either, its workers are let go. `step`: (the
    run's time, the spill folder, the first step only)."""
    started, pids = workers.started, workers.pids
    now, spill, assess = step
    for it in items:
        started[it.index], pids[it.index] = 0.0, 0
        if assess:  # a first step: whoever kept it before (a broken round) keeps it no more
            workers.holders[it.index] = 0
    limit = opts.settings.limits.max_seconds
    by_index = {it.index: it for it in items}
    tasks = [
        (
            it.index,
            it.index,
            str(it.path),
            it.name,
            it.digest,
            it.folder,
            it.decisions,
            now,
            it.extras,
            dict(it.seen),
            it.conclusion,
            os.path.join(spill, str(it.index)) if spill else "",
        )
        for it in items
    ]
    plan = _plan(tasks, spill) if spill and not assess else None
    if plan is not None:  # the second step: each worker claims the workbooks it keeps, first
        calls = [(_pull_chunk, plan, chunk)] * -(-len(tasks) // chunk)
    else:
        work = _assess_chunk if assess else _work_chunk
        calls = [(work, tasks[i : i + chunk]) for i in range(0, len(tasks), chunk)]
    executor = workers.executor()
    done: set[int] = set()
    watched = items  # not yet settled: what the time limit is watched on
    killed = broken = False
    last_watch = 0.0
    try:
        futures = set()
        try:
            for fn, *args in calls:
                futures.add(executor.submit(fn, *args))
        except BrokenProcessPool:  # its workers died while it was being handed work (they could
            broken = not futures  # not even start, say): a broken round, seen below, not a crash
        while futures and not broken:
            finished, futures = wait(futures, timeout=WATCH_SECONDS, return_when=FIRST_COMPLETED)
            if interrupted.is_set():
                _stop(executor)
                raise KeyboardInterrupt
            now = time.monotonic()
            # every WATCH_SECONDS, not at every workbook settled: at 10,000 that was 10,000 slots
            # read 2,500 times over
            if now - last_watch >= WATCH_SECONDS:
                last_watch = now
                watched = [it for it in watched if it.index not in done]
                for it in watched:
                    if _overdue(started[it.index], now, limit):
                        _kill(pids[it.index])
                        killed = True
                        done.add(it.index)
                        doc = refusal_doc(it.name, it.digest, MSG["I001_timeout"].format(seconds=limit))
                        settle(
                            it,
                            Outcome(it.index, UNREADABLE, write_failure(opts.output / it.folder, doc), doc),
                        )
            if any(isinstance(f.exception(), BrokenProcessPool) for f in finished):
                broken = True  # every other future fails too; keep what did finish
                finished |= {f for f in futures if f.done()}
            for fut in finished:
                if fut.exception() is not None:  # a dead worker, or a result that could not come back:
                    continue  # those that started are run again, alone
                for outcome in fut.result():
                    if outcome.index not in done:  # not one stopped for its time a moment ago
                        settle(by_index[outcome.index], outcome)
                        done.add(outcome.index)
    except BaseException:
        workers.drop(wait=not interrupted.is_set())
        raise
    if broken or killed:
        workers.drop()
    return [started[it.index] != 0 for it in items], done, broken, killed


WATCH_SECONDS = 0.1  # how often the time limit is looked at (and Ctrl-C, at the latest)


def _plan(tasks: list[tuple], spill: str) -> str | None:
    """The second step's tasks in a file of the spill folder, for the workers to claim from
    (workers._pull_chunk): its path, or None when it cannot be written (the tasks then name their
    workbooks, and a workbook kept in one worker's memory is read, scored and checked again by the
    other, should it get it)."""
    path = os.path.join(spill, f"plan-{uuid.uuid4().hex}")
    try:
        with open(path, "wb") as fh:
            pickle.dump(tasks, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        return None
    return path


def _overdue(since: float, now: float, limit: float) -> bool:
    """Whether a workbook started at `since` (its slot, read once) is still being computed past the
    limit. Read twice, the slot could turn -1 in between (the worker has just computed it) and
    `now - -1` stop a workbook done in time as 处理超时. `now` is taken before the slot is read: a
    workbook computing when read has been so at least since `since`."""
    return since > 0 and now - since > limit


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):  # gone already
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))


@contextmanager
def _sigint_deferred() -> Iterator[threading.Event]:
    """While the pool runs, Ctrl-C (or SIGINT to this process alone, as `timeout -s INT` or a
    service manager sends it) only sets a flag that the loop above checks every 0.1 s. Raised at a
    random point instead (half-way through starting a worker, inside the executor's locks) it
    could leave the batch waiting on a worker forever; and the workers ignore SIGINT."""
    flag = threading.Event()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):  # not ours to change (an embedding program, or a run started with SIGINT ignored)
        yield flag
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: flag.set())
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
    if flag.is_set():  # came after the last workbook finished: still an interrupt
        raise KeyboardInterrupt


def _stop(pool: ProcessPoolExecutor) -> None:
    """Interrupted: the workers go now, not after their chunk. A file they were writing is a
    temporary one the next run removes; their workbooks have no manifest record yet, so the next
    run does them again."""
    manager = pool._executor_manager_thread  # shutdown lets go of it
    for process in list((pool._processes or {}).values()):  # no public handle on the workers
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    # Python 3.11's executor closes its wake-up pipe from that thread; the interpreter wakes it at
    # exit without a lock, so exiting while the thread still runs can print "Exception ignored …
    # Bad file descriptor" after 已中断 (seen in CI). Its workers are dead: it ends at once.
    if manager is not None:
        manager.join(timeout=STOP_SECONDS)


STOP_SECONDS = 3.0  # at most this long for the executor's own thread after an interrupt
