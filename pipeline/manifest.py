"""output/.manifest.sqlite: what produced what, so an unchanged workbook can be skipped.

One row per input file (keyed by its name in input/) with the sha256 of its bytes, the config's
fingerprint and the pipeline version that produced its outputs, and one row per output file with
its sha256. A row is written (and committed) only after that workbook's files are in place, so a
run killed at any moment leaves a manifest that never claims more than is on disk. The batch files
(审核汇总.xlsx, findings.csv) are recorded the same way under the key of the whole input set.

The manifest doubles as the archive index (`python -m pipeline archive-index`).

Nothing read from it is trusted: a record whose folder or output names are not plain names inside
output/ is ignored (a tampered `../../victim` never reaches unlink), a manifest that is a link is
never opened through, and one that is damaged or of another schema is kept aside as a copy and
rebuilt. A manifest that cannot be written (a full disk) costs only the skipping of unchanged
workbooks next time: the run goes on and says so.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .messages import MSG

FILENAME = ".manifest.sqlite"
# PRAGMA user_version of the tables below. 0 = a round-1 manifest (same tables, no version).
# A later schema bumps this and migrates; a manifest of any other version is kept aside and rebuilt.
SCHEMA_VERSION = 1
_SIDE_FILES = ("-wal", "-shm", "-journal")

OK = "ok"  # read, scored, rendered
UNREADABLE = "unreadable"  # I001: findings.json only; same bytes give the same answer
FAILED = "failed"  # a bug or a write error: always redone

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workbooks (
    file     TEXT PRIMARY KEY,   -- name in input/
    sha256   TEXT NOT NULL,      -- of the input's bytes
    config   TEXT NOT NULL,      -- Settings.fingerprint ('' = defaults)
    version  TEXT NOT NULL,      -- pipeline.__version__
    folder   TEXT NOT NULL,      -- output/<folder>/
    status   TEXT NOT NULL,      -- ok / unreadable / failed
    errors   INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    infos    INTEGER NOT NULL,
    done     TEXT NOT NULL       -- local time the outputs were written
);
CREATE TABLE IF NOT EXISTS outputs (
    file   TEXT NOT NULL REFERENCES workbooks(file) ON DELETE CASCADE,
    name   TEXT NOT NULL,        -- file name inside output/<folder>/
    sha256 TEXT NOT NULL,
    PRIMARY KEY (file, name)
);
CREATE TABLE IF NOT EXISTS batch (
    name    TEXT PRIMARY KEY,    -- 审核汇总.xlsx / findings.csv
    sha256  TEXT NOT NULL,
    key     TEXT NOT NULL,       -- digest of every workbook's record the file was built from
    config  TEXT NOT NULL,
    version TEXT NOT NULL,
    done    TEXT NOT NULL
);
"""


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


class Foreign(sqlite3.DatabaseError):
    """A database, but not a manifest of this schema."""


_COLUMNS = {
    "workbooks": [
        "file",
        "sha256",
        "config",
        "version",
        "folder",
        "status",
        "errors",
        "warnings",
        "infos",
        "done",
    ],
    "outputs": ["file", "name", "sha256"],
    "batch": ["name", "sha256", "key", "config", "version", "done"],
}


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
        except sqlite3.DatabaseError as e:
            # Not a database (truncated, overwritten), damaged, or another schema: keep a copy for
            # whoever wants to look, start afresh; every workbook is redone.
            why = MSG["RUN_manifest_foreign"] if isinstance(e, Foreign) else MSG["RUN_manifest_damaged"]
            copy = self._set_aside()
            self.notes.append(MSG["RUN_manifest_rebuilt"].format(path=self.path, why=why, copy=copy))
            self._db = self._open()

    def _set_aside(self) -> str:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        copy = self.path.with_name(f"{FILENAME}.damaged-{stamp}")
        try:
            os.replace(self.path, copy)
        except OSError:
            self.path.unlink(missing_ok=True)
        for suffix in _SIDE_FILES:
            side = Path(str(self.path) + suffix)
            if side.exists():
                try:
                    os.replace(side, Path(str(copy) + suffix))
                except OSError:
                    side.unlink(missing_ok=True)
        return copy.name

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # a killed process never corrupts it
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            check = db.execute("PRAGMA quick_check").fetchall()
            if check != [("ok",)]:
                raise sqlite3.DatabaseError(f"quick_check: {check[:3]}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if version not in (0, SCHEMA_VERSION) or tables - set(_COLUMNS):
                raise Foreign(f"user_version {version}, tables {sorted(tables)}")
            for table, columns in _COLUMNS.items():
                found = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
                if found and found != columns:
                    raise Foreign(f"{table}: {found}")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError:
            db.close()
            raise
        except sqlite3.Error as e:  # e.g. a full disk while creating it: go on without one
            db.close()
            raise sqlite3.DatabaseError(str(e)) from e
        return db

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
        rows = self._db.execute(
            "SELECT file, sha256, config, version, folder, status, errors, warnings, infos, done FROM workbooks"
        )
        return {
            row[0]: Record(*row, outputs=tuple(outputs.get(row[0], ())))
            for row in rows
            if row[0] not in bad and plain_name(row[4]) and all(isinstance(v, int) for v in row[6:9])
        }

    def record(self, rec: Record) -> None:
        self._write(self._record, rec)

    def _write(self, fn, *args) -> None:
        """A write that fails (a full disk) is said once; the run goes on without it."""
        try:
            fn(*args)
        except sqlite3.Error as e:
            if not self._unwritable:
                self._unwritable = True
                full = "full" in str(e).lower()
                self.notes.append(
                    MSG["RUN_manifest_unwritable"].format(
                        path=self.path,
                        error="磁盘已满" if full else str(e),
                        todo=MSG["RUN_unwritten_full"] if full else MSG["RUN_unwritten_other"],
                    )
                )

    def _record(self, rec: Record) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM workbooks WHERE file = ?", (rec.file,))
            self._db.execute(
                "INSERT INTO workbooks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    def _transaction(self):
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def read_only(output: Path) -> Manifest | None:
    """The manifest of `output` opened without creating or changing anything; None if there is none."""
    path = Path(output) / FILENAME
    if path.is_symlink() or not path.is_file():
        return None
    m = Manifest.__new__(Manifest)
    m.path = path
    m._db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    m.notes, m._unwritable = [], True
    try:
        for table, columns in _COLUMNS.items():  # another schema reads as no manifest
            if [r[1] for r in m._db.execute(f"PRAGMA table_info({table})")] != columns:
                raise Foreign(table)
    except sqlite3.DatabaseError:
        m._db.close()
        return None
    return m


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")
