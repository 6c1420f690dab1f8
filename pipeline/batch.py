"""The batch: every workbook in input/ -> output/, in parallel, incrementally, atomically.

Flow: discover the inputs -> hash them -> read the reviewer's decisions back from the scored
workbooks and 审核汇总.xlsx they saved, into the manifest (decisions.py), before anything is
replaced -> skip those whose manifest record (same bytes, same config, same pipeline version, same
decisions, outputs intact) says nothing changed -> a pool of long-lived worker processes
evaluates and renders the rest, each writing its own folder -> the manifest is committed per
workbook as its files land -> the batch files (审核汇总.xlsx, findings.csv) are rebuilt over the
whole folder. Every file is written to a temporary name in its folder and renamed into place
(files.py, which also names them).

A workbook that breaks the code (an exception, or even a worker process dying) gets a findings.json
saying so and the batch goes on (workers.py). Operational problems (no input folder, an output
folder that cannot be written) raise a BatchError before any work is done. A workbook whose output
another program holds open (a lock file beside it, or a write refused) is left as it was and named
in the closing line. The manifest is manifest.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import __version__ as _PACKAGE_VERSION
from . import county, decisions
from .batchframes import Entry, Rows
from .config import Settings
from .files import (
    FINDINGS_JSON,
    SCORED_SUFFIX,
    WriteFailed,
    atomic_write,
    clean_temp,
    failure_doc,
    put_files,
    safe_name,
)
from .load import file_digest, sha256_of
from .manifest import OK, UNREADABLE, Manifest, Record, Unwritable, now, plain_name, read_only
from .messages import MSG, os_reason
from .model import Decision
from .workers import LOCKED, Outcome, execute

__all__ = [
    "AlreadyRunning",
    "BatchError",
    "BatchReport",
    "InputMissing",
    "OutputIsInput",
    "OutputNotWritable",
    "RunOptions",
    "WorkerSample",
    "archive_index",
    "discover",
    "run",
]


def _templates_digest() -> str:
    """The report's jinja2 templates are part of what produced an output: editing one redoes the batch."""
    folder = Path(__file__).parent / "render" / "templates"
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


# What the manifest records as "the pipeline that produced it": the package and its templates.
__version__ = f"{_PACKAGE_VERSION}+tpl.{_templates_digest()}"


SUMMARY_XLSX = "审核汇总.xlsx"
FINDINGS_CSV = "findings.csv"
READABLE = (".xlsx", ".xlsm")
# Spreadsheet-like files that are picked up so the user hears (I001) that they must be saved as .xlsx
SPREADSHEET_SUFFIXES = (
    *READABLE,
    ".xls",
    ".xlsb",
    ".xlt",
    ".xltx",
    ".xltm",
    ".ods",
    ".fods",
    ".csv",
    ".et",
    ".ett",
    ".numbers",
)


# ---------------------------------------------------------------- interface
@dataclass(frozen=True)
class RunOptions:
    input: Path
    output: Path
    settings: Settings
    jobs: int
    force: bool
    progress: bool
    run_date: date


@dataclass(frozen=True)
class WorkerSample:
    """A worker's memory right after it finished one workbook (Linux /proc; 0 elsewhere)."""

    seq: int  # 1 = the first workbook finished in this run
    pid: int
    rss_kb: int
    peak_kb: int
    cpu_ms: float  # CPU time the worker spent on that workbook
    phases: tuple[float, float, float] = (
        0.0,
        0.0,
        0.0,
    )  # of which: evaluate+findings.json, scored wb, report


@dataclass(frozen=True)
class BatchTiming:
    """Where the main process spends its time after the workers (`make bench` prints it), seconds."""

    tables: float = 0.0  # reading skipped/archived findings.json, building the tables, the X rules
    rerender: float = 0.0  # the second pass: workbooks whose X findings changed, rendered again
    rerendered: int = 0
    summary: float = 0.0  # 审核汇总.xlsx and findings.csv from the tables, written

    @property
    def total(self) -> float:
        return self.tables + self.rerender + self.summary


@dataclass(frozen=True)
class BatchReport:
    total: int  # workbooks in the input folder
    processed: int  # evaluated and rendered in this run
    skipped: int  # unchanged since the last run: outputs kept
    unreadable: int  # no scores (I001, or the program failed on it)
    errors: int  # findings over the whole folder
    warnings: int
    infos: int
    seconds: float
    removed: tuple[str, ...]  # in the manifest, gone from input/: their outputs stay
    any_error: bool  # any 错误 finding left 待核实 or 确认 by the reviewer (for --strict)
    samples: tuple[WorkerSample, ...] = field(default=(), repr=False, compare=False)
    notices: tuple[str, ...] = ()  # one line each: a reviewer's file or decision that could not be used
    locked: tuple[str, ...] = ()  # outputs held open by another program: kept as they were
    unwritten: tuple[str, ...] = ()  # outputs that could not be written otherwise (full disk …): kept
    timing: BatchTiming = field(default_factory=lambda: BatchTiming(), repr=False, compare=False)

    def closing_line(self) -> str:
        skipped = MSG["RUN_skipped"].format(n=self.skipped) if self.skipped else ""
        line = MSG["RUN_closing"].format(
            total=self.total,
            skipped=skipped,
            ok=self.total - self.unreadable,
            unreadable=self.unreadable,
            errors=self.errors,
            warnings=self.warnings,
            seconds=self.seconds,
        )
        if self.locked:  # named at the end, where the user looks
            line += MSG["RUN_locked"].format(n=len(self.locked), files="、".join(self.locked))
        if self.unwritten:
            line += MSG["RUN_closing_unwritten"].format(files="、".join(self.unwritten))
        return line


class BatchError(Exception):
    """An operational problem: the message is one line saying the cause and the next step."""


class InputMissing(BatchError):
    pass


class OutputNotWritable(BatchError):
    pass


class OutputIsInput(BatchError):
    pass


class AlreadyRunning(BatchError):
    pass


def discover(input_dir: Path, notes: list[str] | None = None) -> list[Path]:
    """The workbooks (and spreadsheet-like files) of a folder, sorted by name; not recursive.
    Excel's lock files (`~$…`) are left out silently; a hidden file (`.x.xlsx`, `..xlsx`) or one
    that is not a regular file (a FIFO, a device, a dangling link) gets a line in `notes`."""
    found, said = [], []
    with os.scandir(input_dir) as it:
        for entry in it:
            name = entry.name
            if name.startswith("~$") or not name.lower().endswith(SPREADSHEET_SUFFIXES):
                continue
            if name.startswith("."):
                said.append(MSG["RUN_skipped_dot"].format(name=display_name(name)))
                continue
            try:
                if not entry.is_file():
                    if not entry.is_dir():
                        said.append(MSG["RUN_skipped_special"].format(name=display_name(name)))
                    continue
            except OSError:
                continue
            found.append(Path(entry.path))
    if notes is not None:
        notes.extend(sorted(said))
    return sorted(found, key=lambda p: display_name(p.name))


def display_name(name: str) -> str:
    """A file name as text. On Linux a name that is not UTF-8 (a zip made on Chinese Windows,
    unpacked here) arrives with its bytes escaped; it is most likely GBK, so read it as GB 18030."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "backslashreplace")


# ---------------------------------------------------------------- the run
@dataclass
class _Item:
    index: int
    path: Path
    name: str  # as shown and recorded: display_name(path.name)
    digest: str
    folder: str
    previous: Record | None
    record: Record | None = None  # as of the end of this run
    doc: dict | None = None  # findings.json as written (None: read it back when needed)
    decisions: tuple[Decision, ...] = ()  # the reviewer's, from the manifest (active and retired)
    locked: str = ""  # an output another program holds open: this workbook is left as it was
    extras: tuple[dict, ...] = ()  # X findings to render with it (the second pass, _write_batch_files)


def run(opts: RunOptions) -> BatchReport:
    started = time.perf_counter()
    early: list[str] = []  # files skipped at discovery
    inputs = _prepare(opts, early)
    with _lock(opts.output):
        clean_temp(opts.output)
        try:
            manifest = Manifest(opts.output)
        except Unwritable as e:
            raise OutputNotWritable(str(e)) from None
        try:
            records = manifest.records()
            items = _plan(inputs, records, opts)
            # the reviewer's decisions are read back, and stored, before any output is replaced
            try:
                notices = _read_back(items, opts, manifest)
            except Unwritable as e:  # they could not be stored: replace nothing
                raise OutputNotWritable(str(e)) from None
            started_at = now()
            todo = []
            for it in items:
                if it.locked or _unchanged(it, opts):
                    it.record = it.previous
                else:
                    todo.append(it)
            samples: list[WorkerSample] = []
            rows = Rows()  # the batch-wide tables' rows, gathered while the workers work
            told: dict[int, list[str]] = {}
            if todo:
                _import_pandas_meanwhile()
            reasons: dict[str, str] = {}  # outputs that could not be written -> why (said in a line)

            def settle(item: _Item, outcome: Outcome) -> None:
                _settle(item, outcome, opts, manifest, started_at)
                if item.record is not None and not item.locked:
                    rows.add(item.index, _entry(item, opts))
                reason = outcome.doc.get("reason") if outcome.status == LOCKED else None
                if reason and "打开" not in reason:  # full disk, no permission: why, what to do
                    reasons[item.locked] = reason
                    notices.append(
                        MSG["RUN_unwritten_line"].format(
                            path=item.locked, reason=outcome.doc["reason"], todo=outcome.doc["todo"]
                        )
                    )
                problems = (item.doc or {}).get("review", {}).get("problems", ())
                # by workbook: one rendered twice (its X findings changed, _write_batch_files) is told once
                told[item.index] = [
                    MSG["D_problem"].format(file=item.name, message=p["message"]) for p in problems
                ]
                samples.append(
                    WorkerSample(
                        len(samples) + 1,
                        outcome.pid,
                        outcome.rss_kb,
                        outcome.peak_kb,
                        outcome.cpu_ms,
                        outcome.phases,
                    )
                )

            with _progress(opts, len(todo)) as tick:
                execute(todo, opts, lambda item, outcome: (settle(item, outcome), tick()), started_at)
            # a worker stopped mid-write (its time limit, a broken pool) leaves its temporary file
            clean_temp(opts.output)
            removed = _removed(records, items, opts.output, manifest)
            # a workbook first seen while its old output is open has no record: left for the next run
            locked = [it.locked for it in items if it.locked]
            items = [it for it in items if it.record is not None]
            held, timing = _write_batch_files(
                items, [records[f] for f in removed], rows, opts, manifest, settle, notices, reasons
            )
            locked += held
            notices += [line for _, lines in sorted(told.items()) for line in lines]
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
    )


def _prepare(opts: RunOptions, notes: list[str]) -> list[Path]:
    """Check both folders before any work: nothing is half-written when one is wrong."""
    source, target = Path(opts.input), Path(opts.output)
    if not source.exists():
        raise InputMissing(MSG["RUN_input_missing"].format(path=source))
    if not source.is_dir():
        raise InputMissing(MSG["RUN_input_not_dir"].format(path=source))
    if target.exists() and not target.is_dir():
        raise OutputNotWritable(MSG["RUN_output_not_dir"].format(path=target))
    _refuse_nesting(source, target)
    try:
        target.mkdir(parents=True, exist_ok=True)
        probe = target / f".write-test.tmp-{os.getpid()}"
        atomic_write(probe, b"")
        probe.unlink()
    except OSError as e:
        raise OutputNotWritable(
            MSG["RUN_output_unwritable"].format(path=target, error=os_reason(e))
        ) from None
    try:
        return discover(source, notes)
    except OSError as e:
        raise InputMissing(MSG["RUN_input_unreadable"].format(path=source, error=os_reason(e))) from None


def _refuse_nesting(source: Path, target: Path) -> None:
    """An input folder inside the output folder (outputs could overwrite inputs, and the next run
    would read outputs as inputs), or the output inside the input. Folders are compared by device
    and inode, so a symlink, a bind mount or another spelling of the same path is seen through."""
    src = _identity(source)
    if not target.exists():  # to be made: only where it would be made matters
        existing = next(p for p in Path(os.path.abspath(target)).parents if p.exists())
        if src == _identity(existing) or src in _ancestors(existing):
            raise OutputIsInput(MSG["RUN_output_in_input"].format(input=source, output=target))
        return
    dst = _identity(target)
    if src == dst:
        raise OutputIsInput(MSG["RUN_output_is_input"].format(path=source))
    if dst in _ancestors(source) or _below(target, src):
        raise OutputIsInput(MSG["RUN_input_in_output"].format(input=source, output=target))
    if src in _ancestors(target) or _below(source, dst):
        raise OutputIsInput(MSG["RUN_output_in_input"].format(input=source, output=target))


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def _ancestors(path: Path) -> set[tuple[int, int]]:
    """The folders above `path` (symlinks resolved), as (device, inode)."""
    out = set()
    for parent in Path(os.path.realpath(path)).parents:
        with suppress(OSError):
            out.add(_identity(parent))
    return out


# How deep and how wide the folder trees are searched for the other folder (a bind mount of it):
# outputs are written at most one level down, and input/ is flat.
_NESTING_DEPTH = 3
_NESTING_ENTRIES = 20_000


def _below(root: Path, wanted: tuple[int, int]) -> bool:
    """Whether a folder with identity `wanted` is somewhere (not too deep) under `root`."""
    level, seen = [str(root)], 0
    for _ in range(_NESTING_DEPTH):
        deeper = []
        for folder in level:
            try:
                with os.scandir(folder) as it:
                    for entry in it:
                        seen += 1
                        if seen > _NESTING_ENTRIES:
                            return False
                        try:
                            if not entry.is_dir():  # follows links: a link to the folder counts
                                continue
                            st = entry.stat()
                        except OSError:
                            continue
                        if (st.st_dev, st.st_ino) == wanted:
                            return True
                        if not entry.is_symlink():
                            deeper.append(entry.path)
            except OSError:
                continue
        level = deeper
    return False


@contextmanager
def _lock(output: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; two runs at once are the user's to avoid
        yield
        return
    lock = output / ".lock"
    if lock.is_symlink():  # never open through a link planted as .lock
        lock.unlink()
    fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with open(fd, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(MSG["RUN_already_running"].format(path=output)) from None
        except OSError:  # a file system without locks (some network shares): go on unlocked
            pass
        yield


def _plan(inputs: list[Path], records: dict[str, Record], opts: RunOptions) -> list[_Item]:
    """Hash every input and give it a folder: the one it had, else its safe stem made unique
    (case-insensitively, so two inputs never share a folder on Windows or macOS either)."""
    names: dict[str, Path] = {}
    for p in inputs:
        name = display_name(p.name)
        if name in names:  # two names that read alike once decoded: keep both, tell them apart
            name = os.fsencode(p.name).decode("utf-8", "backslashreplace")
        names[name] = p
    taken = {n.casefold() for n in (SUMMARY_XLSX, FINDINGS_CSV)}
    # folders of removed workbooks still hold their outputs: keep them
    taken |= {
        r.folder.casefold()
        for f, r in records.items()
        if f not in names and (opts.output / r.folder).is_dir()
    }
    folders: dict[str, str] = {}
    for name in names:
        rec = records.get(name)
        if rec is not None and rec.folder.casefold() not in taken and rec.folder == safe_name(rec.folder):
            folders[name] = rec.folder
            taken.add(rec.folder.casefold())
    for name in names:
        if name in folders:
            continue
        base, n = safe_name(Path(name).stem), 1
        folder = base
        while folder.casefold() in taken:
            n += 1
            tail = f" ({n})"
            folder = safe_name(base, limit=100 - len(tail), max_bytes=200 - len(tail)) + tail
        folders[name] = folder
        taken.add(folder.casefold())
    items = []
    for i, (name, p) in enumerate(names.items()):
        # '' for a file over the size limit or not a regular file: the worker reports it (I001)
        digest = file_digest(p, int(opts.settings.limits.max_file_mb * 1024 * 1024))
        items.append(_Item(i, p, name, digest, folders[name], records.get(name)))
    return items


def _produced_by(opts: RunOptions) -> str:
    """What the manifest records as having produced the files: the config and the run date, which
    M003 and the report's date depend on — a run with another --date redoes the work (issue 13)."""
    return f"{opts.settings.fingerprint}@{opts.run_date.isoformat()}"


def _unchanged(item: _Item, opts: RunOptions) -> bool:
    rec = item.previous
    if opts.force or rec is None or not item.digest:
        return False
    if (
        rec.status not in (OK, UNREADABLE)
        or rec.sha256 != item.digest
        or rec.folder != item.folder
        or rec.config != _produced_by(opts)
        or rec.version != __version__
        or (rec.status == OK and rec.decisions != decisions.digest(item.decisions))
    ):
        return False
    folder = opts.output / rec.folder
    return not folder.is_symlink() and _intact(folder, rec.outputs)


def _intact(folder: Path, outputs: tuple[tuple[str, str], ...]) -> bool:
    if not outputs:
        return False
    return all(file_digest(folder / name) == digest for name, digest in outputs)


def _settle(item: _Item, outcome: Outcome, opts: RunOptions, manifest: Manifest, started_at: str) -> None:
    """A workbook's files are in place: drop the outputs it no longer has, retire the decisions
    whose finding is gone, then commit its record."""
    if outcome.status == LOCKED:  # another program holds an output open: all of it stays as it was
        item.record, item.locked = item.previous, outcome.doc.get("locked") or item.name
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
        if _inside(folder, opts.output):
            for name, _ in kept:
                if name not in written and plain_name(name):
                    (folder / name).unlink(missing_ok=True)
    else:
        outputs = tuple(sorted({**dict(kept), **dict(outcome.outputs)}.items()))
    digest = outcome.digest or item.digest  # what the worker read is what the outputs are of
    errors, warnings, infos = _counts(outcome.doc)
    item.doc = outcome.doc
    shown = item.decisions
    if outcome.status == OK:  # an unreadable or failed run judges no finding: its decisions stay
        standing = {decisions.key_of_dict(item.name, f) for f in outcome.doc.get("findings", ())}
        # An X finding is the batch's to judge: a run without it (the first pass) does not retire its decision
        judged = bool(item.extras)
        gone = [
            dataclasses.replace(d, status=decisions.RETIRED, retired=started_at)
            for d in item.decisions
            if d.status == decisions.ACTIVE
            and d.key not in standing
            and (judged or not d.key.rule.startswith("X"))
        ]
        if gone:
            manifest.retire(gone)
            by_key = {d.key: d for d in gone}
            shown = tuple(by_key.get(d.key, d) if d.status == decisions.ACTIVE else d for d in shown)
    item.record = Record(
        item.name,
        digest,
        _produced_by(opts),
        __version__,
        item.folder,
        outcome.status,
        errors,
        warnings,
        infos,
        now(),
        outputs,
        decisions.digest(shown) if outcome.status == OK else "",
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
    return severities.count("错误"), severities.count("警告"), severities.count("提示")


# ---------------------------------------------------------------- the reviewer's decisions
EXCEL_LOCK, OFFICE_LOCK = "~${}", ".~lock.{}#"  # Excel/WPS, LibreOffice: "this file is open"


def _read_back(items: list[_Item], opts: RunOptions, manifest: Manifest) -> list[str]:
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
            if _held_open(path):
                it.locked = source
            try:
                edited = sha256_of(path) != ours.get(path.name)
            except OSError:
                edited = False
            if not edited:
                continue
            active = {d.key: d for d in stored.get(it.name, ()) if d.status == decisions.ACTIVE}
            try:
                saved, entries = decisions.read_scored(path)
            except decisions.Unreadable as e:
                notices.append(MSG["D_unreadable"].format(file=source, error=e))
                continue
            new = decisions.changes(it.name, entries, active, saved, source)
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
            saved, entries = decisions.read_summary(summary)
        except decisions.Unreadable as e:
            notices.append(MSG["D_unreadable"].format(file=SUMMARY_XLSX, error=e))
        else:
            manifest.save_conclusions(
                decisions.conclusion_changes(entries, manifest.conclusions(), saved, SUMMARY_XLSX)
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


def _held_open(path: Path) -> bool:
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


def _open_errors(item: _Item, output: Path) -> bool:
    """Any 错误 the reviewer has not waived or adjusted (what --strict counts)."""
    if item.record.errors == 0:
        return False
    if not item.decisions:
        return True
    doc = item.doc if item.doc is not None else _read_doc(output / item.record.folder, item.name, item.digest)
    return any(
        f.get("severity") == "错误"
        and (f.get("decision") or {}).get("state", decisions.OPEN) in (decisions.OPEN, decisions.CONFIRMED)
        for f in doc.get("findings", ())
    )


def _removed(records: dict[str, Record], items: list[_Item], output: Path, manifest: Manifest) -> list[str]:
    """Workbooks gone from input/ whose outputs are still in output/ (forgotten once those go too)."""
    present = {it.name for it in items}
    gone = sorted(f for f in records if f not in present)
    vanished = [f for f in gone if not (output / records[f].folder).is_dir()]
    if vanished:
        manifest.forget(vanished)
    return [f for f in gone if f not in vanished]


@contextmanager
def _progress(opts: RunOptions, total: int) -> Iterator[Callable[[], None]]:
    if not (opts.progress and total and sys.stderr.isatty()):
        yield lambda: None
        return
    from tqdm import tqdm

    with tqdm(total=total, file=sys.stderr, unit="个", desc="处理工作簿", dynamic_ncols=True) as bar:
        yield lambda: bar.update(1)


# ---------------------------------------------------------------- across workbooks, and the batch files
def _write_batch_files(
    items: list[_Item],
    archive: list[Record],
    rows: Rows,
    opts: RunOptions,
    manifest: Manifest,
    settle: Callable[[_Item, Outcome], None],
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
    key = _batch_key(items, archive, conclusions, opts)
    done = manifest.batch()
    if not opts.force and all(
        name in done and done[name][1] == key and _intact(opts.output, ((name, done[name][0]),))
        for name in (SUMMARY_XLSX, FINDINGS_CSV, *county.recorded(done, SUMMARY_XLSX))
    ):
        return [], BatchTiming()
    t0 = time.perf_counter()
    from .checks.cross import CrossContext, run_cross

    for it in items:  # the skipped ones: from their findings.json
        if it.index not in rows:
            rows.add(it.index, _entry(it, opts))
    for n, rec in enumerate(archive, start=len(items)):
        if rec.status == OK:
            doc = _read_doc(opts.output / rec.folder, rec.file, rec.sha256)
            if doc.get("computed"):
                rows.add(n, Entry(rec.file, rec.folder, _scored(rec), doc, in_batch=False))
    found = run_cross(rows.frames(), CrossContext(opts.settings))
    redo = []
    for it in items:
        want = [f.as_dict() for f in found.get(it.name, ())]
        if not it.locked and it.record.status in (OK, UNREADABLE) and _x_part(it.doc) != _canonical(want):
            it.extras = tuple(want)
            redo.append(it)
    t1 = time.perf_counter()
    if redo:
        execute(redo, opts, settle, now())  # settle puts their rows in again
        key = _batch_key(items, archive, conclusions, opts)
    t2 = time.perf_counter()
    if _held_open(opts.output / SUMMARY_XLSX):  # the reviewer is still in it: theirs stays, rebuilt next run
        return [SUMMARY_XLSX], BatchTiming(t1 - t0, t2 - t1, len(redo), 0.0)
    from .render.summary import findings_csv, summary_workbook

    frames = rows.frames()
    build = {
        SUMMARY_XLSX: lambda: summary_workbook(frames, conclusions),
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
        manifest.record_batch(written, key, _produced_by(opts), __version__)
    return failed, BatchTiming(t1 - t0, t2 - t1, len(redo), time.perf_counter() - t2)


def _batch_key(items: list[_Item], archive: list[Record], conclusions: dict, opts: RunOptions) -> str:
    """What the batch files and the X findings are a function of."""
    return hashlib.sha256(
        json.dumps(
            [
                __version__,
                _produced_by(opts),
                *([it.name, it.record.sha256, it.record.folder, it.record.outputs] for it in items),
                *(["archive", r.file, r.sha256, r.folder, r.outputs] for r in archive),
                sorted(dataclasses.astuple(c) for c in conclusions.values()),
            ],
            ensure_ascii=False,
        ).encode("utf-8")
    ).hexdigest()


def _scored(rec: Record) -> str | None:
    return next((f"{rec.folder}/{n}" for n, _ in rec.outputs if n.endswith(SCORED_SUFFIX)), None)


def _entry(it: _Item, opts: RunOptions) -> Entry:
    doc = it.doc if it.doc is not None else _read_doc(opts.output / it.record.folder, it.name, it.digest)
    it.doc = doc
    return Entry(it.name, it.record.folder, _scored(it.record), doc)


def _import_pandas_meanwhile() -> None:
    """The batch-wide tables need pandas (~0.4 s to import): import it while the workers work, in
    a thread of the otherwise waiting main process, instead of after them."""
    import importlib
    import threading

    threading.Thread(
        target=importlib.import_module, args=("pandas",), name="import-pandas", daemon=True
    ).start()


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


def _read_doc(folder: Path, name: str, digest: str) -> dict:
    try:
        return json.loads((folder / FINDINGS_JSON).read_bytes())
    except (OSError, ValueError):  # verified a moment ago; only a concurrent edit gets here
        return failure_doc(name, digest, MSG["RUN_findings_unreadable"])


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
