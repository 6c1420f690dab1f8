"""The manifest's schema (manifest.py): the tables, the check that a file is a manifest of a
schema this program knows, and the upgrade of an older one in place."""

from __future__ import annotations

import sqlite3

SCHEMA = """
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
CREATE TABLE IF NOT EXISTS stats (
    path     BLOB PRIMARY KEY,   -- absolute path of an input or output, as the file system's bytes
    size     INTEGER NOT NULL,   -- its stat signature when sha256 was taken (digests.py)
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    inode    INTEGER NOT NULL,
    sha256   TEXT NOT NULL,
    stored   INTEGER NOT NULL    -- time.time_ns() when stored: a signature is trusted only after a tick
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


class Foreign(sqlite3.DatabaseError):
    """A database, but not a manifest of a schema this program knows."""


# The tables and columns of each schema this program reads (v0: round 1, without `decisions`;
# v1 without `stats`, which a v2 program adds: a cache, never needed to read a manifest).
_TABLES = {"workbooks", "outputs", "batch", "decisions", "conclusions", "stats"}
_WORKBOOK_COLUMNS = [
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
]
_KNOWN_COLUMNS = {
    "workbooks": ([*_WORKBOOK_COLUMNS], [*_WORKBOOK_COLUMNS, "decisions"]),
    "outputs": (["file", "name", "sha256"],),
    "batch": (["name", "sha256", "key", "config", "version", "done"],),
}


def check_schema(db: sqlite3.Connection) -> None:
    check = db.execute("PRAGMA quick_check").fetchall()
    if check != [("ok",)]:
        raise sqlite3.DatabaseError(f"quick_check: {check[:3]}")
    (version,) = db.execute("PRAGMA user_version").fetchone()
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version > SCHEMA_VERSION or tables - _TABLES:
        raise Foreign(f"user_version {version}, tables {sorted(tables)}")
    for table, shapes in _KNOWN_COLUMNS.items():
        found = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        if found and found not in shapes:
            raise Foreign(f"{table}: {found}")


SCHEMA_VERSION = 1


def upgrade(db: sqlite3.Connection) -> None:
    """v0 (round 1) -> v1: the workbooks table learns which decisions its outputs show."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version >= SCHEMA_VERSION:
        return
    columns = {row[1] for row in db.execute("PRAGMA table_info(workbooks)")}
    if "decisions" not in columns:
        db.execute("ALTER TABLE workbooks ADD COLUMN decisions TEXT NOT NULL DEFAULT ''")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
