"""output/.manifest.sqlite: what produced what, so an unchanged workbook can be skipped.

One row per input file (keyed by its name in input/) with the sha256 of its bytes, the config's
fingerprint and the pipeline version that produced its outputs, and one row per output file with
its sha256. A row is written (and committed) only after that workbook's files are in place, so a
run killed at any moment leaves a manifest that never claims more than is on disk. The batch files
(审核汇总.xlsx, findings.csv) are recorded the same way under the key of the whole input set.

The manifest doubles as the archive index (`python -m pipeline archive-index`).

Schema v1 (PRAGMA user_version) adds the reviewer's decisions (decisions.py): one row per decision
on a finding and one per workbook's 审核结论, which outlive the outputs they were read from, and per
workbook the digest of the decisions its outputs were rendered with. A v0 manifest is upgraded in
place; nothing in it is lost.

Nothing read from it is trusted: a record whose folder or output names are not plain names inside
output/ is ignored (a tampered `../../victim` never reaches unlink), a manifest that is a link is
never opened through, and one that is damaged or of an unknown schema is kept aside as a copy
(`.manifest.sqlite.damaged-<time>`, with whatever decisions it held) and rebuilt. A record that
cannot be written (a full disk) costs only the skipping of unchanged workbooks next time: the run
goes on and says so; decisions that cannot be stored stop the run before any output is replaced.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..decisions import ACTIVE, REPLACED, Conclusion
from ..messages import MSG
from ..model import Decision, DecisionKey
from .manifest_schema import SCHEMA, Foreign, check_schema, upgrade

FILENAME = ".manifest.sqlite"

OK = "ok"  # read, scored, rendered
UNREADABLE = "unreadable"  # I001: findings.json only; same bytes give the same answer
FAILED = "failed"  # a bug or a write error: always redone


@dataclass(frozen=True)
class Record:
    file: str
    sha256: str
    config: str
    version: str
    folder: str
    status: str
    errors: int
    warnings: int
    infos: int
    done: str
    outputs: tuple[tuple[str, str], ...]  # (name, sha256)
    decisions: str = ""  # decisions.digest of what the outputs were rendered with


class Unwritable(Exception):
    """Reviewer decisions could not be stored: the run must not replace any output."""


class Busy(Unwritable):
    """Another program holds the manifest for writing (an open sqlite3 shell, a second copy of the
    program on a share): waited for once (BUSY_WAIT), then the run stops saying so."""


# How long a write waits for another writer to let go, once: after that the run stops (Busy)
BUSY_WAIT = 10.0


def _disk_full(error: sqlite3.Error, path: Path) -> bool:
    """SQLite says "database or disk is full", or on some systems only "disk I/O error": then the
    disk's free space tells."""
    if "full" in str(error).lower():
        return True
    try:
        return shutil.disk_usage(path.parent).free < 1024 * 1024
    except OSError:
        return False


def _busy(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


_SIDE_FILES = ("-wal", "-shm", "-journal")


def plain_name(name: object) -> bool:
    """A single file or folder name as this program writes them: no separator, not `.`/`..`, not
    hidden (so never .manifest.sqlite or .lock), no NUL, no drive or stream colon."""
    return (
        isinstance(name, str)
        and name.strip() == name
        and name not in ("", ".", "..")
        and not name.startswith(".")
        and not any(ch in name for ch in "/\\\0:")
    )


class Manifest:
    """The manifest of one output folder. Every write commits at once; `notes` collects the lines
    the run prints about it (rebuilt, could not be written)."""

    def __init__(self, output: Path):
        self.path = Path(output) / FILENAME
        self.notes: list[str] = []
        self._unwritable = False
        for suffix in ("", *_SIDE_FILES):  # never through a link: remove the link, not what it points to
            side = Path(str(self.path) + suffix)
            if side.is_symlink():
                side.unlink()
                if not suffix:
                    self.notes.append(MSG["RUN_manifest_link"].format(path=self.path))
        try:
            self._db = self._open()
            self._probe()
        except Busy:
            raise
        except sqlite3.OperationalError as e:  # a full disk, no permission, locked: not its fault
            full = _disk_full(e, self.path)
            raise Unwritable(
                MSG["RUN_manifest_unopenable"].format(
                    path=self.path,
                    error="磁盘已满" if full else str(e),
                    todo=MSG["RUN_unwritten_full"] if full else MSG["RUN_unwritten_other"],
                )
            ) from None
        except sqlite3.DatabaseError as e:
            # Not a database (truncated, overwritten), damaged, or of an unknown schema: keep a copy
            # for whoever wants to look (decisions in it are not thrown away), start afresh.
            why = MSG["RUN_manifest_foreign"] if isinstance(e, Foreign) else MSG["RUN_manifest_damaged"]
            copy = self._set_aside()
            self.notes.append(MSG["RUN_manifest_rebuilt"].format(path=self.path, why=why, copy=copy))
            self._db = self._open()

    def _probe(self) -> None:
        """Take the write lock once and let go: a manifest another program holds is said now, before
        any work, not after a wait at every write."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if not _busy(e):
                raise
            self._db.close()
            raise Busy(MSG["RUN_manifest_busy"].format(path=self.path, seconds=BUSY_WAIT)) from None

    def _set_aside(self) -> str:
        copy = self.path.with_name(f"{FILENAME}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
        for suffix in ("", *_SIDE_FILES):
            side = Path(str(self.path) + suffix)
            if side.exists():
                try:
                    os.replace(side, Path(str(copy) + suffix))
                except OSError:
                    side.unlink(missing_ok=True)
        return copy.name

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_WAIT, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # a killed process never corrupts it
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            check_schema(db)
            db.executescript(SCHEMA)
            upgrade(db)
        except sqlite3.DatabaseError:
            db.close()
            raise
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _write(self, fn, *args) -> None:
        """A record that cannot be written (a full disk) is said once; the run goes on without it."""
        try:
            fn(*args)
        except sqlite3.Error as e:
            if _busy(e):  # waited once already: stop, every output written so far stays
                raise Busy(MSG["RUN_manifest_busy"].format(path=self.path, seconds=BUSY_WAIT)) from None
            if not self._unwritable:
                self._unwritable = True
                full = _disk_full(e, self.path)
                self.notes.append(
                    MSG["RUN_manifest_unwritable"].format(
                        path=self.path,
                        error="磁盘已满" if full else str(e),
                        todo=MSG["RUN_unwritten_full"] if full else MSG["RUN_unwritten_other"],
                    )
                )

    def close(self) -> None:
        self._db.close()

    def records(self) -> dict[str, Record]:
        """Every record whose folder and output names are plain names; others are left out (their
        workbooks are simply redone)."""
        outputs: dict[str, list[tuple[str, str]]] = {}
        bad: set[str] = set()
        for file, name, digest in self._db.execute(
            "SELECT file, name, sha256 FROM outputs ORDER BY file, name"
        ):
            if plain_name(name) and isinstance(digest, str):
                outputs.setdefault(file, []).append((name, digest))
            else:
                bad.add(file)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(workbooks)")}
        digest = "decisions" if "decisions" in columns else "''"  # a v0 manifest opened read-only
        rows = self._db.execute(
            "SELECT file, sha256, config, version, folder, status, errors, warnings, infos, done, "
            f"{digest} FROM workbooks"
        )
        return {
            row[0]: Record(*row[:10], outputs=tuple(outputs.get(row[0], ())), decisions=row[10])
            for row in rows
            if row[0] not in bad and plain_name(row[4]) and all(isinstance(v, int) for v in row[6:9])
        }

    def record(self, rec: Record) -> None:
        self._write(self._record, rec)

    def _record(self, rec: Record) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM workbooks WHERE file = ?", (rec.file,))
            self._db.execute(
                "INSERT INTO workbooks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rec.file,
                    rec.sha256,
                    rec.config,
                    rec.version,
                    rec.folder,
                    rec.status,
                    rec.errors,
                    rec.warnings,
                    rec.infos,
                    rec.done,
                    rec.decisions,
                ),
            )
            self._db.executemany(
                "INSERT INTO outputs VALUES (?, ?, ?)",
                [(rec.file, name, digest) for name, digest in rec.outputs],
            )

    def forget(self, files: list[str]) -> None:
        self._write(self._forget, files)

    def _forget(self, files: list[str]) -> None:
        with self._transaction():
            self._db.executemany("DELETE FROM workbooks WHERE file = ?", [(f,) for f in files])

    def stats(self) -> dict[bytes, tuple[tuple[int, int, int, int], str, int]]:
        """path -> (stat signature, sha256, when stored) of the files hashed before (digests.py)."""
        rows = self._db.execute("SELECT path, size, mtime_ns, ctime_ns, inode, sha256, stored FROM stats")
        return {bytes(r[0]): ((r[1], r[2], r[3], r[4]), r[5], r[6]) for r in rows if isinstance(r[0], bytes)}

    def save_stats(self, rows: list[tuple[bytes, tuple, str, int]], gone: list[bytes]) -> None:
        self._write(self._save_stats, rows, gone)

    def _save_stats(self, rows: list[tuple[bytes, tuple, str, int]], gone: list[bytes]) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM stats WHERE typeof(path) != 'blob'")  # not a key we look up
            self._db.executemany("DELETE FROM stats WHERE path = ?", [(p,) for p in gone])
            self._db.executemany(
                "INSERT OR REPLACE INTO stats VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(path, *sig, digest, stored) for path, sig, digest, stored in rows],
            )

    def batch(self) -> dict[str, tuple[str, str, str, str, str]]:
        """name -> (sha256, key, config, version, done)"""
        rows = self._db.execute("SELECT name, sha256, key, config, version, done FROM batch")
        return {r[0]: tuple(r[1:]) for r in rows}

    def record_batch(self, files: dict[str, str], key: str, config: str, version: str) -> None:
        """Record the batch files that were written; the others keep their rows (and their old key,
        so the next run writes them again)."""
        self._write(self._record_batch, files, key, config, version)

    def _record_batch(self, files: dict[str, str], key: str, config: str, version: str) -> None:
        with self._transaction():
            self._db.executemany("DELETE FROM batch WHERE name = ?", [(name,) for name in files])
            self._db.executemany(
                "INSERT INTO batch VALUES (?, ?, ?, ?, ?, ?)",
                [(name, digest, key, config, version, now()) for name, digest in files.items()],
            )

    # ------------------------------------------------------------ reviewer decisions
    def decisions(self, file: str | None = None) -> list[Decision]:
        """Every decision (active, retired and replaced), of one input or of all, oldest first."""
        if not self._has("decisions"):  # a v0 manifest opened read-only
            return []
        sql = "SELECT file, rule, location, expected, actual, state, note, by, at, source, status, retired FROM decisions"
        rows = self._db.execute(
            sql + (" WHERE file = ? ORDER BY id" if file else " ORDER BY id"), (file,) if file else ()
        )
        return [_decision(r) for r in rows]

    def all_decisions(self) -> dict[str, list[Decision]]:
        by_file: dict[str, list[Decision]] = {}
        for d in self.decisions():
            by_file.setdefault(d.key.project, []).append(d)
        return by_file

    def save_decisions(self, new: list[Decision]) -> None:
        """Store decisions read from a reviewer's file; the active one each replaces is kept as 已更改."""
        if not new:
            return
        self._store(self._save_decisions, new)

    def _save_decisions(self, new: list[Decision]) -> None:
        with self._transaction():
            for d in new:
                self._db.execute(
                    "UPDATE decisions SET status = ?, retired = ? WHERE status = ? AND file = ? AND rule = ?"
                    " AND location = ? AND expected = ? AND actual = ?",
                    (REPLACED, d.at, ACTIVE, *_key(d.key)),
                )
                self._db.execute(
                    "INSERT INTO decisions (file, rule, location, expected, actual, state, note, by, at,"
                    " source, status, retired) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*_key(d.key), d.state, d.note, d.by, d.at, d.source, ACTIVE, ""),
                )

    def retire(self, retired: list[Decision]) -> None:
        """Mark decisions whose finding is gone as 已失效 (their text stays; if this cannot be
        written the next run retires them again)."""
        self._write(self._retire, retired)

    def _retire(self, retired: list[Decision]) -> None:
        with self._transaction():
            for d in retired:
                self._db.execute(
                    "UPDATE decisions SET status = ?, retired = ? WHERE status = ? AND file = ? AND rule = ?"
                    " AND location = ? AND expected = ? AND actual = ?",
                    (d.status, d.retired, ACTIVE, *_key(d.key)),
                )

    def conclusions(self) -> dict[str, Conclusion]:
        if not self._has("conclusions"):
            return {}
        rows = self._db.execute("SELECT file, state, reviewer, day, by, at, source, problem FROM conclusions")
        return {r[0]: Conclusion(*r) for r in rows}

    def save_conclusions(self, new: list[Conclusion]) -> None:
        if not new:
            return
        self._store(self._save_conclusions, new)

    def _save_conclusions(self, new: list[Conclusion]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO conclusions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(c.file, c.state, c.reviewer, c.day, c.by, c.at, c.source, c.problem) for c in new],
            )

    def _store(self, fn, new) -> None:
        """A reviewer's decisions must be stored before any output is replaced: if they cannot be
        (a full disk), the run stops (Unwritable) and every output stays as it is."""
        try:
            fn(new)
        except sqlite3.Error as e:
            if _busy(e):
                raise Busy(MSG["RUN_manifest_busy"].format(path=self.path, seconds=BUSY_WAIT)) from None
            full = _disk_full(e, self.path)
            raise Unwritable(
                MSG["RUN_decisions_unwritable"].format(
                    path=self.path,
                    error="磁盘已满" if full else str(e),
                    todo=MSG["RUN_unwritten_full"] if full else MSG["RUN_unwritten_other"],
                )
            ) from None

    def _has(self, table: str) -> bool:
        found = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        return found.fetchone() is not None

    def _transaction(self):
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _key(k: DecisionKey) -> tuple[str, str, str, str, str]:
    return k.project, k.rule, k.location, k.expected, k.actual


def _decision(row: tuple) -> Decision:
    return Decision(DecisionKey(*row[:5]), *row[5:])


def read_only(output: Path) -> Manifest | None:
    """The manifest of `output` opened without creating or changing anything; None if there is none."""
    path = Path(output) / FILENAME
    if path.is_symlink() or not path.is_file():
        return None
    m = Manifest.__new__(Manifest)
    m.path = path
    m.notes, m._unwritable = [], True
    m._db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    try:
        check_schema(m._db)  # another schema reads as no manifest
        m._db.execute("SELECT 1 FROM workbooks LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        m._db.close()
        return None
    return m


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")
