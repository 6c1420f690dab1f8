"""The file before the workbook: format, size limits, zip bombs, XML entities, formulas without values.

Nothing here trusts the file: the zip directory is checked before anything is inflated, parts are
inflated with a hard cap, and any XML with a DOCTYPE is refused (billion laughs, external entities).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..config import Limits
from ..messages import MSG

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
READABLE_SUFFIXES = (".xlsx", ".xlsm")


class Refused(Exception):
    """The file cannot be read as a workbook; `reason` is the I001 message for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Container:
    sheet_names: list[str] = field(default_factory=list)
    # sheet name -> A1 addresses of formula cells that carry no cached value (I006)
    uncached_formulas: dict[str, set[str]] = field(default_factory=dict)


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3}\d+)"')
_VALUE = re.compile(rb"<v>[^<]+</v>|<is>", re.S)
_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")


def inspect(path: Path, limits: Limits) -> Container:
    """Refuse what cannot or must not be read; report the sheet names and uncached formulas."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as e:
        raise Refused(MSG["I001_open"].format(error=e.strerror or e)) from None
    if head.startswith(OLE2_MAGIC):
        raise Refused(MSG["I001_encrypted"] if _is_encrypted(path) else MSG["I001_xls"])
    if suffix not in READABLE_SUFFIXES:
        raise Refused(MSG["I001_suffix"].format(suffix=suffix or "（无扩展名）"))
    if size > limits.max_file_mb * 1024 * 1024:
        raise Refused(MSG["I001_too_big"].format(mb=size / 1048576, limit=limits.max_file_mb))
    if not head.startswith(ZIP_MAGIC):
        raise Refused(MSG["I001_not_zip"])
    try:
        with zipfile.ZipFile(path) as zf:
            return _inspect_zip(zf, size, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, ValueError, NotImplementedError):
        raise Refused(MSG["I001_corrupt"]) from None


def _inspect_zip(zf: zipfile.ZipFile, size: int, limits: Limits) -> Container:
    infos = zf.infolist()
    inflated = sum(i.file_size for i in infos)
    cap = limits.max_uncompressed_mb * 1024 * 1024
    if inflated > cap or inflated > max(size, 1) * limits.max_compression_ratio:
        raise Refused(MSG["I001_bomb"].format(mb=inflated / 1048576, limit=limits.max_uncompressed_mb))
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise Refused(MSG["I001_not_workbook"])
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            data = _read_capped(zf, info, cap)
            if _DOCTYPE.search(data[:4096]) or _DOCTYPE.search(data):
                raise Refused(MSG["I001_entities"])
    sheets = _sheet_parts(zf)
    if len(sheets) > limits.max_sheets:
        raise Refused(MSG["I001_sheets"].format(n=len(sheets), limit=limits.max_sheets))
    container = Container(sheet_names=[name for name, _ in sheets])
    for name, part in sheets:
        if part in names:
            data = _read_capped(zf, zf.getinfo(part), cap)
            if b"<f" in data:
                missing = _uncached(data)
                if missing:
                    container.uncached_formulas[name] = missing
    return container


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: float) -> bytes:
    # The directory's sizes can lie; stop inflating at the cap whatever it says.
    with zf.open(info) as fh:
        data = fh.read(int(cap) + 1)
    if len(data) > cap:
        raise Refused(MSG["I001_bomb"].format(mb=len(data) / 1048576, limit=cap / 1048576))
    return data


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip part) in workbook order."""
    workbook = zf.read("xl/workbook.xml")
    try:
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        rels = b""
    targets = {}
    for m in _REL.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(1)))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[attrs.get(b"Id", b"")] = part
    out = []
    for m in _SHEET_ENTRY.finditer(workbook):
        attrs = dict(_ATTR.findall(m.group(1)))
        name = _unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"")
        out.append((name, targets.get(rid, "")))
    return out


def _uncached(sheet_xml: bytes) -> set[str]:
    missing = set()
    for m in _CELL.finditer(sheet_xml):
        body = m.group(2) or b""
        if b"<f" in body and not _VALUE.search(body):
            ref = _REF.search(m.group(1))
            if ref:
                missing.add(ref.group(1).decode())
    return missing


def _is_encrypted(path: Path) -> bool:
    # An encrypted OOXML package is an OLE2 file with these streams; a legacy .xls has a Workbook one.
    try:
        with path.open("rb") as fh:
            data = fh.read(1 << 20)
    except OSError:
        return False
    return any(s.encode("utf-16-le") in data for s in ("EncryptionInfo", "EncryptedPackage"))


def _unescape(s: str) -> str:
    return (
        s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
        .replace("&amp;", "&")
    )
