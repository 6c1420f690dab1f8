"""Before any work: check the folders (never nested, the output writable), take the output's lock,
find the inputs, hash them and give each a folder; and which of them are unchanged since the last
run (same bytes, config, run date, pipeline version and decisions; outputs intact)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__ as _PACKAGE_VERSION
from .. import decisions
from ..lockfile import Busy, holding
from ..messages import MSG, os_reason
from ..model import Decision
from .digests import Digests
from .files import FINDINGS_CSV, SUMMARY_XLSX, atomic_write, safe_name
from .final import pdf_due
from .interface import AlreadyRunning, InputMissing, OutputIsInput, OutputNotWritable, RunOptions
from .manifest import OK, UNREADABLE, Record


def _templates_digest() -> str:
    """The report's jinja2 templates are part of what produced an output: editing one redoes the batch."""
    folder = Path(__file__).parent.parent / "render" / "templates"
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


# What the manifest records as "the pipeline that produced it": the package and its templates.
VERSION = f"{_PACKAGE_VERSION}+tpl.{_templates_digest()}"


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


@dataclass
class Item:
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
    extras: tuple[dict, ...] = ()  # X findings to render with it (second_pass.py)
    x_listed: tuple[dict, ...] | None = None  # the X findings its findings.json lists (frames.entry_of)
    crossed: bool = False  # the X rules ran before it was rendered (its X findings are all in extras)
    # the reviewer's files in its folder as read back (name -> sha256): what may be replaced
    seen: dict[str, str] = field(default_factory=dict)
    conclusion: decisions.Conclusion | None = None  # its 审核结论 in 审核汇总, as the manifest stores it


def prepare(opts: RunOptions, notes: list[str]) -> list[Path]:
    """Check both folders before any work: nothing is half-written when one is wrong."""
    source, target = Path(opts.input), Path(opts.output)
    if not source.exists():
        raise InputMissing(MSG["RUN_input_missing"].format(path=source))
    if not source.is_dir():
        raise InputMissing(MSG["RUN_input_not_dir"].format(path=source))
    if target.exists() and not target.is_dir():
        raise OutputNotWritable(MSG["RUN_output_not_dir"].format(path=target))
    refuse_nesting(source, target)
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


def refuse_nesting(source: Path, target: Path) -> None:
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
def lock_output(output: Path) -> Iterator[None]:
    """One batch at a time per output folder, on Windows as on Linux (lockfile.py)."""
    try:
        with holding(output / ".lock"):
            yield
    except Busy:
        raise AlreadyRunning(MSG["RUN_already_running"].format(path=output)) from None


def plan(
    inputs: list[Path], records: dict[str, Record], opts: RunOptions, digests: Digests | None = None
) -> list[Item]:
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
        digest = (digests or Digests()).digest(p, int(opts.settings.limits.max_file_mb * 1024 * 1024))
        items.append(Item(i, p, name, digest, folders[name], records.get(name)))
    return items


def produced_by(opts: RunOptions) -> str:
    """What the manifest records as having produced the files: the config and the run date, which
    M003 and the report's date depend on — a run with another --date redoes the work (issue 13)."""
    return f"{opts.settings.fingerprint}@{opts.run_date.isoformat()}"


def unchanged(item: Item, opts: RunOptions, digests: Digests | None = None) -> bool:
    rec = item.previous
    if opts.force or rec is None or not item.digest:
        return False
    if (
        rec.status not in (OK, UNREADABLE)
        or rec.sha256 != item.digest
        or rec.folder != item.folder
        or rec.config != produced_by(opts)
        or rec.version != VERSION
        or (rec.status == OK and rec.decisions != decisions.digest(item.decisions, item.conclusion))
    ):
        return False
    if opts.settings.archive.pdf != "off" and pdf_due(rec.outputs):  # LibreOffice came since
        return False
    folder = opts.output / rec.folder
    return not folder.is_symlink() and intact(
        folder, rec.outputs, int(opts.settings.limits.max_file_mb * 1024 * 1024), digests
    )


def intact(
    folder: Path, outputs: tuple[tuple[str, str], ...], max_bytes: int, digests: Digests | None = None
) -> bool:
    """Every output is in place as recorded: read as an input is (bounded, never through a link),
    unless unchanged since it was last read or written (digests.py)."""
    if not outputs:
        return False
    digests = digests or Digests()
    return all(
        digests.digest(folder / name, max_bytes, follow_links=False) == digest for name, digest in outputs
    )
