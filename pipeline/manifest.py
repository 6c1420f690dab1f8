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
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .decisions import ACTIVE, REPLACED, Conclusion
from .model import Decision, DecisionKey

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
CREATE TABLE IF NOT EXISTS decisions (
    id       INTEGER PRIMARY KEY,
    file     TEXT NOT NULL,      -- project key: the input's name (kept when the input goes)
    rule     TEXT NOT NULL,
    location TEXT NOT NULL,      -- sheet!cell of the finding
    expected TEXT NOT NULL,      -- decisions.value_text
    actual   TEXT NOT NULL,
    state    TEXT NOT NULL,      -- as typed: 待核实 / 确认 / 豁免 / 调整 (or not, then never applied)
    note     TEXT NOT NULL,      -- 审核说明
    by       TEXT NOT NULL,      -- the saved file's lastModifiedBy
    at       TEXT NOT NULL,      -- the saved file's modification time
    source   TEXT NOT NULL,      -- file under output/ and cell it was typed in
    status   TEXT NOT NULL,      -- 有效 / 已失效 / 已更改
    retired  TEXT NOT NULL       -- when it stopped being 有效
);
CREATE UNIQUE INDEX IF NOT EXISTS decisions_active
    ON decisions (file, rule, location, expected, actual) WHERE status = '有效';
CREATE TABLE IF NOT EXISTS conclusions (
    file     TEXT PRIMARY KEY,   -- the input's name
    state    TEXT NOT NULL,      -- 待审 / 通过 / 退回修改 (as typed)
    reviewer TEXT NOT NULL,      -- 审核人
    day      TEXT NOT NULL,      -- 审核日期
    by       TEXT NOT NULL,
    at       TEXT NOT NULL,
    source   TEXT NOT NULL,
    problem  TEXT NOT NULL
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
    decisions: str = ""  # decisions.digest of what the outputs were rendered with


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
            _upgrade(db)
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
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(workbooks)")}
        digest = "decisions" if "decisions" in columns else "''"  # a v0 manifest opened read-only
        rows = self._db.execute(
            "SELECT file, sha256, config, version, folder, status, errors, warnings, infos, done, "
            f"{digest} FROM workbooks"
        )
        return {
            row[0]: Record(*row[:10], outputs=tuple(outputs.get(row[0], ())), decisions=row[10])
            for row in rows
        }

    def record(self, rec: Record) -> None:
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
        """Mark decisions whose finding is gone as 已失效 (their text stays)."""
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
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO conclusions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(c.file, c.state, c.reviewer, c.day, c.by, c.at, c.source, c.problem) for c in new],
            )

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


SCHEMA_VERSION = 1


def _upgrade(db: sqlite3.Connection) -> None:
    """v0 (round 1) -> v1: the workbooks table learns which decisions its outputs show."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version >= SCHEMA_VERSION:
        return
    columns = {row[1] for row in db.execute("PRAGMA table_info(workbooks)")}
    if "decisions" not in columns:
        db.execute("ALTER TABLE workbooks ADD COLUMN decisions TEXT NOT NULL DEFAULT ''")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _key(k: DecisionKey) -> tuple[str, str, str, str, str]:
    return k.project, k.rule, k.location, k.expected, k.actual


def _decision(row: tuple) -> Decision:
    return Decision(DecisionKey(*row[:5]), *row[5:])


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
