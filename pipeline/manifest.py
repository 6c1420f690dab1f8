"""output/.manifest.sqlite: what produced what, so an unchanged workbook can be skipped.

One row per input file (keyed by its name in input/) with the sha256 of its bytes, the config's
fingerprint and the pipeline version that produced its outputs, and one row per output file with
its sha256. A row is written (and committed) only after that workbook's files are in place, so a
run killed at any moment leaves a manifest that never claims more than is on disk. The batch files
(审核汇总.xlsx, findings.csv) are recorded the same way under the key of the whole input set.

The manifest doubles as the archive index (`python -m pipeline archive-index`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FILENAME = ".manifest.sqlite"

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


class Manifest:
    """The manifest of one output folder. Every write commits at once."""

    def __init__(self, output: Path):
        self.path = Path(output) / FILENAME
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:
            # Not a database (truncated, overwritten): start afresh; every workbook is redone.
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # a killed process never corrupts it
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
            db.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    def records(self) -> dict[str, Record]:
        outputs: dict[str, list[tuple[str, str]]] = {}
        for file, name, digest in self._db.execute(
            "SELECT file, name, sha256 FROM outputs ORDER BY file, name"
        ):
            outputs.setdefault(file, []).append((name, digest))
        rows = self._db.execute(
            "SELECT file, sha256, config, version, folder, status, errors, warnings, infos, done FROM workbooks"
        )
        return {row[0]: Record(*row, outputs=tuple(outputs.get(row[0], ()))) for row in rows}

    def record(self, rec: Record) -> None:
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
        with self._transaction():
            self._db.executemany("DELETE FROM workbooks WHERE file = ?", [(f,) for f in files])

    def batch(self) -> dict[str, tuple[str, str, str, str, str]]:
        """name -> (sha256, key, config, version, done)"""
        rows = self._db.execute("SELECT name, sha256, key, config, version, done FROM batch")
        return {r[0]: tuple(r[1:]) for r in rows}

    def record_batch(self, files: dict[str, str], key: str, config: str, version: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM batch")
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
    if not path.is_file():
        return None
    m = Manifest.__new__(Manifest)
    m.path = path
    m._db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    try:
        m._db.execute("SELECT 1 FROM workbooks LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        m._db.close()
        return None
    return m


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")
