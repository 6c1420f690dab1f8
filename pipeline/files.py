"""Output files: their names, and how they are written.

Names come from `safe_name`: valid on every file system, never a path. Each file is written to a
temporary name in its folder, fsynced and renamed into place, so a run killed at any moment leaves
the old good file or the new good file (outputs.md); `clean_temp` removes what a killed run left.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

from .load.rules import loader_finding
from .messages import MSG
from .render.findings_json import FindingsDoc, build, encode

FINDINGS_JSON = "findings.json"
SCORED_SUFFIX = "_绩效自评表.xlsx"
REPORT_SUFFIX = "_绩效自评报告.docx"


# ---------------------------------------------------------------- names
_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"{p}{d}" for p in ("COM", "LPT") for d in "0123456789¹²³"),
}
FALLBACK_NAME = "未命名项目"


def safe_name(text: str, limit: int = 100, max_bytes: int = 200) -> str:
    """A file or folder name valid on every file system, at most `limit` characters and `max_bytes`
    bytes of UTF-8 (ext4 allows 255; the rest is room for the temporary name); never empty."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(" " if ch in "\t\n\r\v\f\x85\u2028\u2029" else ch for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn") or ch == " ")
    text = re.sub(r"\s+", " ", _FORBIDDEN.sub("_", text))
    text = _cut(text, limit, max_bytes).strip(" .")
    if not text:
        return _cut(FALLBACK_NAME, limit, max_bytes)
    if text.split(".")[0].rstrip(" ").upper() in _RESERVED:
        text = _cut("_" + text, limit, max_bytes).rstrip(" .")
    return text


def _cut(text: str, limit: int, max_bytes: int) -> str:
    text = text[:limit]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


def output_name(project: str, suffix: str) -> str:
    """`<safe 项目名称><suffix>` within 100 characters / 200 bytes whatever the project is called."""
    stem = safe_name(project, limit=100 - len(suffix), max_bytes=200 - len(suffix.encode("utf-8")))
    return stem + suffix


# ---------------------------------------------------------------- atomic files
_TEMP = re.compile(r"^\..+\.tmp-\d+$")


def atomic_write(path: Path, data: bytes) -> str:
    """Write `data` to `path` via a temporary file in the same folder; returns its sha256."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; renames there are durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def clean_temp(output: Path) -> None:
    """Remove the temporary files a killed run left behind (output/ and one level below)."""
    with os.scandir(output) as top:
        for entry in top:
            if _TEMP.match(entry.name):
                Path(entry.path).unlink(missing_ok=True)
            elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                with os.scandir(entry.path) as inner:
                    for leftover in inner:
                        if _TEMP.match(leftover.name):
                            Path(leftover.path).unlink(missing_ok=True)


def write_folder(target: Path, files: dict[str, bytes]) -> tuple[tuple[str, str], ...]:
    if target.is_symlink():  # never write through a link planted in output/
        target.unlink()
    target.mkdir(exist_ok=True)
    written = []
    for name, data in files.items():
        path = target / name
        if path.resolve().parent != target.resolve():  # safe_name makes this impossible; be sure
            raise ValueError(f"refusing to write outside {target}: {name!r}")
        written.append((name, atomic_write(path, data)))
    sync_dir(target)
    return tuple(sorted(written))


def failure_doc(file: str, digest: str, error: str, trace: str = "") -> FindingsDoc:
    """The findings.json of a workbook the program failed on: one I001 saying so."""
    message = MSG["RUN_program_fault"].format(error=error.splitlines()[-1] if error else "未知错误")
    return build(file, digest, [loader_finding("I001", "", "", message)], error=trace)


def write_failure(target: Path, doc: FindingsDoc) -> tuple[tuple[str, str], ...]:
    try:
        return write_folder(target, {FINDINGS_JSON: encode(doc)})
    except (OSError, ValueError):
        return ()
