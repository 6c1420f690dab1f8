"""The file before the workbook: format, size limits, zip bombs, XML entities, formulas without values.

Nothing here trusts the file: the zip directory is checked before anything is inflated, parts are
inflated with a hard cap, and any XML with a DOCTYPE is refused (billion laughs, external entities).
"""

from __future__ import annotations

import copy
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..cells import col_index
from ..config import Limits
from ..messages import MSG, os_reason

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
READABLE_SUFFIXES = (".xlsx", ".xlsm")
# calamine builds a dense grid of (last row × last column) cells, ~32 bytes each, before Python sees
# a value: one cell at XFD20000 asks for 10 GB and aborts the process. 2 million cells is 100 columns
# of a 20000-row sheet; the template uses fewer than 15.
MAX_CELLS = 2_000_000
# Each part is opened and measured; an Excel workbook has tens of parts, one with images a few hundred.
MAX_PARTS = 10_000


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
    # sheet name -> (last row, last column) holding a value, 1-based, as calamine will size its grid
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)
    # the most rows and columns of any worksheet part: the bound for a sheet whose part was not matched
    largest: tuple[int, int] = (0, 0)

    def extent(self, sheet: str) -> tuple[int, int]:
        return self.extents.get(sheet, self.largest)


_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_CELL = re.compile(rb"<(?:[\w.-]+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?c>)", re.S)
_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3}\d+)["']""")
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f\b")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>[^<]+</|<(?:[\w.-]+:)?is>", re.S)
_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(["'])(.*?)\2""", re.S)
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
# <row …> and <c …> in document order, with or without a namespace prefix (calamine accepts `x:c`)
_ROW_OR_CELL = re.compile(rb"<(?:[\w.-]+:)?(row|c)\b([^>]*?)(/?)>")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_CELL_OPEN = re.compile(rb"<(?:[\w.-]+:)?c\b")
_CELL_REF = re.compile(rb"""<(?:[\w.-]+:)?c\b[^>]*?\sr\s*=\s*["']([A-Za-z]{1,8})(\d{1,10})["'][^>]*?(/?)>""")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def inspect(path: Path, limits: Limits) -> Container:
    """Refuse what cannot or must not be read; report the sheet names and uncached formulas."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as e:
        raise Refused(MSG["I001_open"].format(error=os_reason(e))) from None
    if suffix in (".et", ".ett"):  # WPS's own format (OLE2 inside): not "an old .xls"
        raise Refused(MSG["I001_et"].format(suffix=suffix))
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
    except RuntimeError:  # zipfile: "File … is encrypted, password required for extraction"
        raise Refused(MSG["I001_zip_encrypted"]) from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        KeyError,
        ValueError,
        OSError,
        OverflowError,
        IndexError,
        zlib.error,
        struct.error,
    ):
        raise Refused(MSG["I001_corrupt"]) from None


def _inspect_zip(zf: zipfile.ZipFile, size: int, limits: Limits) -> Container:
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        raise Refused(MSG["I001_parts"].format(n=len(infos), limit=MAX_PARTS))
    cap = limits.max_uncompressed_mb * 1024 * 1024
    # What may be inflated in all: the size cap, and the ratio cap against the file's own size.
    budget = int(min(cap, max(size, 1) * limits.max_compression_ratio))
    inflated = sum(i.file_size for i in infos)
    if inflated > budget:
        raise Refused(MSG["I001_bomb"].format(mb=inflated / 1048576, limit=limits.max_uncompressed_mb))
    names = {i.filename for i in infos}
    if len(names) != len(infos):  # two parts of one name: readers disagree on which one counts
        raise Refused(MSG["I001_corrupt"])
    if "xl/workbook.xml" not in names:
        raise Refused(MSG["I001_not_workbook"])
    sheets = _sheet_parts(zf, names)
    if len(sheets) > limits.max_sheets:
        raise Refused(MSG["I001_sheets"].format(n=len(sheets), limit=limits.max_sheets))
    by_part: dict[str, list[str]] = {}
    for name, part in sheets:
        by_part.setdefault(part, []).append(name)
    container = Container(sheet_names=[name for name, _ in sheets])
    for info in infos:
        if info.compress_type not in _COMPRESSIONS:  # Excel writes stored or deflated parts, nothing else
            raise Refused(MSG["I001_corrupt"])
        # The directory's sizes were summed above; _inflate holds every part to its declared size,
        # so the total inflated never passes the budget whatever the directory claims.
        data = _inflate(zf, info)
        if _looks_like_xml(info.filename, data) and _has_doctype(data):
            raise Refused(MSG["I001_entities"])
        if b"sheetData" not in data:
            continue
        extent = _extent(data)
        container.largest = (max(container.largest[0], extent[0]), max(container.largest[1], extent[1]))
        for name in by_part.get(info.filename, ()):
            container.extents[name] = extent
            if _FORMULA.search(data):
                missing = _uncached(data)
                if missing:
                    container.uncached_formulas[name] = missing
    return container


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The part's bytes, never inflating more than its declared size (+1 byte to catch a lie).

    zipfile stops at the declared size and checks the CRC there, so a directory that understates a
    part (with the CRC of its first bytes) would pass unnoticed while calamine inflates all of it.
    Reading with a larger allowance and comparing lengths catches the lie.
    """
    declared = info.file_size
    probe = copy.copy(info)
    probe.file_size = declared + 1
    del probe.CRC  # checked below, once the length is known to be the declared one
    with zf.open(probe) as fh:
        data = fh.read(declared + 1)
    if len(data) > declared:
        raise Refused(MSG["I001_bomb_lie"].format(part=info.filename))
    if len(data) < declared or zlib.crc32(data) != info.CRC:
        raise Refused(MSG["I001_corrupt"])
    return data


def _looks_like_xml(name: str, data: bytes) -> bool:
    if name.lower().endswith((".xml", ".rels", ".vml")):
        return True
    head = data[:64].lstrip()
    return head.startswith((b"<", b"\xef\xbb\xbf", *_UTF16_BOMS)) or head[:2] in (b"<\x00", b"\x00<")


def _has_doctype(data: bytes) -> bool:
    if _DOCTYPE.search(data):
        return True
    if data[:2] in _UTF16_BOMS or data[:2] in (b"<\x00", b"\x00<"):  # UTF-16 XML hides it from a byte search
        encoding = "utf-16-be" if data[:2] in (b"\xfe\xff", b"\x00<") else "utf-16-le"
        return bool(_DOCTYPE.search(data.decode(encoding, "replace").encode("utf-8")))
    return False


def _extent(sheet_xml: bytes) -> tuple[int, int]:
    """(last row, last column) of the cells that hold something, counting as calamine does:
    a row or cell without `r` follows the one before it."""
    refs = _CELL_REF.findall(sheet_xml)
    if len(refs) == len(_CELL_OPEN.findall(sheet_xml)):  # every cell says where it is: the fast way
        valued = [(letters, digits) for letters, digits, empty in refs if not empty]
        if not valued:
            return 0, 0
        last_row = max(int(digits) for _, digits in valued)
        last_col = max((letters.upper() for letters, _ in valued), key=lambda s: (len(s), s))
        return last_row, col_index(last_col) + 1
    last_row = last_col = 0
    row = col = 0
    for m in _ROW_OR_CELL.finditer(sheet_xml):
        tag, attrs, empty = m.groups()
        ref = _R_ATTR.search(attrs)
        if tag == b"row":
            row = int(ref.group(2)) if ref and ref.group(2) else row + 1
            col = 0
            continue
        if ref and ref.group(1):
            col = col_index(ref.group(1)) + 1
            if ref.group(2):
                row = max(row, int(ref.group(2)))
        else:
            col += 1
        if not empty:  # `<c r="XFD9" s="1"/>` is formatting only: calamine leaves it out
            last_row, last_col = max(last_row, row), max(last_col, col)
    return last_row, last_col


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, zip part) in workbook order."""
    workbook = _read_small(zf, "xl/workbook.xml")
    rels = _read_small(zf, "xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {}
    for m in _REL.finditer(rels):
        attrs = _attrs(m.group(1))
        target = _unescape(attrs.get(b"Target", b"").decode("utf-8", "replace"))
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[attrs.get(b"Id", b"")] = posixpath.normpath(part)
    out = []
    for m in _SHEET_ENTRY.finditer(workbook):
        attrs = _attrs(m.group(1))
        name = _unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"")
        out.append((name, targets.get(rid, "")))
    return out


def _attrs(text: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(3) for m in _ATTR.finditer(text)}


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    # Read before the parts are measured, so with zipfile's own stop at the declared size
    # (the declared sizes were already held to the budget).
    with zf.open(name) as fh:
        return fh.read()


def _uncached(sheet_xml: bytes) -> set[str]:
    missing = set()
    for m in _CELL.finditer(sheet_xml):
        body = m.group(2) or b""
        if _FORMULA.search(body) and not _VALUE.search(body):
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


_ENTITY_REF = re.compile(r"&(#x[0-9A-Fa-f]+|#\d+|lt|gt|quot|apos|amp);")
_XML_ENTITIES = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}


def _unescape(s: str) -> str:
    """XML character and entity references, as calamine decodes a sheet name (`&#x7EE9;` too)."""

    def one(m: re.Match) -> str:
        ref = m.group(1)
        if ref.startswith("#"):
            try:
                return chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:]))
            except (ValueError, OverflowError):
                return m.group(0)
        return _XML_ENTITIES[ref]

    return _ENTITY_REF.sub(one, s)
