"""The file before the workbook: format, size limits, zip bombs, XML entities, formulas without values.

Nothing here trusts the file: it is read once, without blocking, only if it is a regular file within
the size limit; the zip directory is checked before anything is inflated, parts are inflated in
chunks with a hard cap, and any XML with a DOCTYPE is refused (billion laughs, external entities).
Every scan of a part is one pass over it, whatever it holds: no regex here can backtrack across
more than one tag, and nothing grows with the number of cells but a counter.
"""

from __future__ import annotations

import copy
import errno
import hashlib
import io
import os
import posixpath
import re
import stat
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
# Each part is opened and measured; an Excel workbook has tens of parts, one with images a few hundred.
MAX_PARTS = 10_000
# Parts are inflated and scanned this much at a time: memory does not grow with the part.
_CHUNK = 1 << 20
# A start tag of a row or cell longer than this is not from a spreadsheet program (Excel's are < 100 bytes).
_LONGEST_TAG = 1 << 16


class Refused(Exception):
    """The file cannot be read as a workbook; `reason` is the I001 message for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Input:
    """A file's bytes as read, once, and their sha256: what is hashed is what is read."""

    data: bytes
    sha256: str


def read_input(path: Path, max_bytes: int | None = None, *, follow_links: bool = True) -> Input:
    """The file's bytes, read once. Opened without blocking and checked on the open descriptor, so a
    FIFO, device or socket (or a link to one) put in place after discovery is refused, never waited
    on; a file over `max_bytes` is refused by its size before a byte is read or hashed.
    `follow_links=False` (a file under output/): a link is refused (I001_link), never read through.
    Raises Refused (the I001 message) or OSError."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_links:
        if os.path.islink(path) or _is_junction(path):
            raise Refused(MSG["I001_link"])
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if not follow_links and e.errno == errno.ELOOP:  # became a link a moment ago
            raise Refused(MSG["I001_link"]) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(MSG["I001_not_regular"])
        limit = max_bytes if max_bytes is not None else float("inf")
        if st.st_size > limit:
            raise Refused(MSG["I001_too_big"].format(mb=st.st_size / 1048576, limit=limit / 1048576))
        buf = io.BytesIO()
        while chunk := os.read(fd, _CHUNK):
            buf.write(chunk)
            if buf.tell() > limit:  # grew while being read
                raise Refused(MSG["I001_too_big"].format(mb=buf.tell() / 1048576, limit=limit / 1048576))
        data = buf.getvalue()
    finally:
        os.close(fd)
    return Input(data, hashlib.sha256(data).hexdigest())


def file_digest(path: Path, max_bytes: int | None = None, *, follow_links: bool = True) -> str:
    """sha256 of a regular file within `max_bytes` ('' for anything else): never blocks, never reads
    a file that would be refused anyway."""
    try:
        return read_input(path, max_bytes, follow_links=follow_links).sha256
    except (Refused, OSError):
        return ""


@dataclass
class Container:
    sheet_names: list[str] = field(default_factory=list)
    # sheet name -> A1 addresses of formula cells that carry no cached value (I006)
    uncached_formulas: dict[str, set[str]] = field(default_factory=dict)
    # sheet name -> (last row, last column) holding a value, 1-based, as calamine will size its grid
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)
    # the most rows and columns of any worksheet part: the bound for a sheet whose part was not matched
    largest: tuple[int, int] = (0, 0)
    cells: int = 0  # cell elements in all worksheet parts

    def extent(self, sheet: str) -> tuple[int, int]:
        return self.extents.get(sheet, self.largest)


def _is_junction(path: Path) -> bool:
    isjunction = getattr(os.path, "isjunction", None)  # Python 3.12+: a Windows directory junction
    return bool(isjunction and isjunction(path))


_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b([^<>]*)>")
_ATTR = re.compile(rb"""(?<![\w:])([\w:]+)\s*=\s*(["'])(.*?)\2""", re.S)
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^<>]*)>")
# The tokens that matter: comments, CDATA and processing instructions (skipped), and the tags of rows and cells with or
# without a namespace prefix (calamine accepts `x:c`). A tag runs to the first `>` and never past a
# `<`, so each match looks at most at the bytes up to the next tag: linear whatever the part holds.
_TOKEN = re.compile(rb"<!--|<!\[CDATA\[|<\?|<(/?)(?:[\w.-]+:)?(row|c|f|v|is)(?=[\s/>]|\Z)([^<>]*)(>?)")
# A start tag whose quotes do not close before its `>`: readers disagree on where it ends.
_QUOTED_ATTRS = re.compile(rb"""(?:[^"']|"[^"]*"|'[^']*')*+""")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_UPPER_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3}\d+)["']""")
# The same tags in one C-level pass (_PartScan._fast): (closing, tag, r letters, r digits, rest).
# The lazy part stops at the first ` r=`; every part stops at `<` or `>`: linear per tag.
_ROW_OR_CELL = re.compile(
    rb"""<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])(?:[^<>]*?\sr\s*=\s*["']([A-Za-z]*)(\d*)["'])?([^<>]*)>"""
)
# A row or cell start tag that does not end at `>` once its quotes are balanced
_BAD_TAG = re.compile(rb"""<(?:[\w.-]+:)?(?:row|c)(?=[\s/>])(?:[^<>"']|"[^"<>]*"|'[^'<>]*')*+(?!>)""")
_FORMULA_TAG = re.compile(rb"<(?:[\w.-]+:)?f(?=[\s/>])")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_OVERLAP = 16  # bytes kept between chunks so that `<!DOCTYPE` or `sheetData` split by a chunk is found


def inspect(source: Path | bytes, limits: Limits) -> Container:
    """Refuse what cannot or must not be read; report the sheet names, extents and uncached formulas.
    `source` is the file's bytes as read (read_input), or a path to read them from."""
    if isinstance(source, bytes):
        data, suffix = source, ".xlsx"
    else:
        suffix = Path(source).suffix.lower()
        try:
            data = read_input(Path(source), _max_bytes(limits)).data
        except OSError as e:
            raise Refused(MSG["I001_open"].format(error=os_reason(e))) from None
    return inspect_bytes(data, suffix, limits)


def _max_bytes(limits: Limits) -> int:
    return int(limits.max_file_mb * 1024 * 1024)


def inspect_bytes(data: bytes, suffix: str, limits: Limits, max_row_elements: int | None = None) -> Container:
    """As inspect(); `max_row_elements` (a file read back from output/): a worksheet with more row
    elements than this, empty ones included, is refused by a C-level count before it is parsed."""
    head = data[:8]
    if suffix in (".et", ".ett"):  # WPS's own format (OLE2 inside): not "an old .xls"
        raise Refused(MSG["I001_et"].format(suffix=suffix))
    if head.startswith(OLE2_MAGIC):
        raise Refused(MSG["I001_encrypted"] if _is_encrypted(data) else MSG["I001_xls"])
    if suffix not in READABLE_SUFFIXES:
        raise Refused(MSG["I001_suffix"].format(suffix=suffix or "（无扩展名）"))
    size = len(data)
    if size > _max_bytes(limits):
        raise Refused(MSG["I001_too_big"].format(mb=size / 1048576, limit=limits.max_file_mb))
    if not head.startswith(ZIP_MAGIC):
        raise Refused(MSG["I001_not_zip"])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return _inspect_zip(zf, size, limits, max_row_elements)
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


def _inspect_zip(
    zf: zipfile.ZipFile, size: int, limits: Limits, max_row_elements: int | None = None
) -> Container:
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        raise Refused(MSG["I001_parts"].format(n=len(infos), limit=MAX_PARTS))
    cap = limits.max_uncompressed_mb * 1024 * 1024
    # What may be inflated in all: the size cap, and the ratio cap against the file's own size.
    ratio_cap = max(size, 1) * limits.max_compression_ratio
    inflated = sum(i.file_size for i in infos)
    if inflated > cap:
        raise Refused(MSG["I001_bomb"].format(mb=inflated / 1048576, limit=limits.max_uncompressed_mb))
    if inflated > ratio_cap:
        raise Refused(
            MSG["I001_ratio"].format(
                ratio=inflated / max(size, 1), limit=limits.max_compression_ratio, mb=inflated / 1048576
            )
        )
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
        # The directory's sizes were summed above; the part is held to its declared size while it
        # is inflated, so the total inflated never passes the budget whatever the directory claims.
        room = limits.max_cells - container.cells
        first = _PartScan(info.filename, room, limits.max_cells, count_only=True)
        first.max_rows = max_row_elements
        # A part of one chunk (nearly all) is inflated once and kept for the second pass below.
        kept: list[bytes] = []
        _inflate(zf, info, first.feed if info.file_size > _CHUNK else _both(first.feed, kept.append))
        if not first.sheet_data:
            continue
        # A worksheet: read again, now for its rows and cells (the first pass has bounded their
        # number with C-level counts, so this pass is bounded too).
        scan = _PartScan(info.filename, room, limits.max_cells)
        if kept:
            for chunk in kept:
                scan.feed(chunk)
        else:
            _inflate(zf, info, scan.feed)
        scan.finish()
        container.cells += scan.cells
        extent = (scan.last_row, scan.last_col)
        container.largest = (max(container.largest[0], extent[0]), max(container.largest[1], extent[1]))
        for name in by_part.get(info.filename, ()):
            container.extents[name] = extent
            if scan.uncached:
                container.uncached_formulas[name] = scan.uncached
    return container


def _both(first, then):
    """A sink that gives each chunk to `first`, then to `then`."""

    def sink(chunk: bytes) -> None:
        first(chunk)
        then(chunk)

    return sink


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, sink) -> None:
    """Pass the part's bytes to sink() in chunks, never inflating more than its declared size (+1
    byte to catch a lie).

    zipfile stops at the declared size and checks the CRC there, so a directory that understates a
    part (with the CRC of its first bytes) would pass unnoticed while calamine inflates all of it.
    Reading with a larger allowance and comparing lengths catches the lie.
    """
    declared = info.file_size
    probe = copy.copy(info)
    probe.file_size = declared + 1
    del probe.CRC  # checked below, once the length is known to be the declared one
    seen, crc = 0, 0
    with zf.open(probe) as fh:
        while seen <= declared:
            chunk = fh.read(min(_CHUNK, declared + 1 - seen))
            if not chunk:
                break
            seen += len(chunk)
            if seen > declared:
                raise Refused(MSG["I001_bomb_lie"].format(part=info.filename))
            crc = zlib.crc32(chunk, crc)
            sink(chunk)
    if seen < declared or crc != info.CRC:
        raise Refused(MSG["I001_corrupt"])


def _looks_like_xml(name: str, head: bytes) -> bool:
    if name.lower().endswith((".xml", ".rels", ".vml")):
        return True
    head = head[:64].lstrip()
    return head.startswith((b"<", b"\xef\xbb\xbf", *_UTF16_BOMS)) or head[:2] in (b"<\x00", b"\x00<")


def _is_utf16(head: bytes) -> bool:
    """XML in UTF-16 (or wider): calamine reads such a part as empty, so the file is refused."""
    head = head[:64].lstrip(b" \t\r\n")
    return head[:2] in _UTF16_BOMS or b"\x00" in head[:4]


class _PartScan:
    """One pass over a part, chunk by chunk: DOCTYPE, UTF-16, and for a worksheet its extent (as
    calamine will size its grid), its cell count and its formula cells without a cached value.

    A row or cell without `r` follows the one before it, as calamine counts. Comments, CDATA and
    processing instructions are skipped (a comment may hold any number of `<c `); a comment ends at the first `-->` after its
    `<!-`, never later than any reader ends it, so nothing a reader takes for a cell is skipped.
    What a chunk ends in the middle of (a tag, `-->`) is kept for the next chunk."""

    def __init__(self, name: str, room: int, max_cells: int, count_only: bool = False):
        self.name = name
        # count_only: the first pass. DOCTYPE, UTF-16, and an upper bound of the cell elements
        # (every `<c` and `:c`) against the room, refused before any of them is parsed.
        self.count_only = count_only
        self.bound = 0
        self.max_rows: int | None = None  # row elements a worksheet may have (count_only), if bounded
        self.rows_bound = 0
        self.room = room  # cells this part may still hold: the limit is for the whole workbook
        self.max_cells = max_cells
        self.xml: bool | None = None
        self.tail = b""
        self.carry = b""
        self.skipping: bytes | None = None  # inside a comment, CDATA or PI: the bytes that end it
        self.sheet_data = False
        self.cells = 0
        self.row = self.col = 0
        self.last_row = self.last_col = 0
        self.cell: bytes | None = None  # the open <c>'s attributes
        self.formula = self.value = False
        self.uncached: set[str] = set()

    def feed(self, chunk: bytes) -> None:
        if self.xml is None:
            self.xml = _looks_like_xml(self.name, chunk)
            if self.xml and _is_utf16(chunk):  # refused either way; a DOCTYPE is the graver reason
                head = chunk.lstrip(b" \t\r\n")[:2]
                text = chunk.decode(
                    "utf-16-be" if head in (b"\xfe\xff", b"\x00<") else "utf-16-le", "replace"
                )
                if _DOCTYPE.search(text.encode("utf-8")):
                    raise Refused(MSG["I001_entities"])
                raise Refused(MSG["I001_utf16"].format(part=self.name))
        window = self.tail + chunk
        if self.xml and _DOCTYPE.search(window):
            raise Refused(MSG["I001_entities"])
        if not self.sheet_data and b"sheetData" in window:
            self.sheet_data = True
        self.tail = window[-_OVERLAP:]
        if self.count_only:
            if self.sheet_data:
                self.bound += chunk.count(b"<c") + chunk.count(b":c")
                if self.bound > self.room:
                    raise Refused(MSG["I001_cells"].format(limit=self.max_cells))
                if self.max_rows is not None:
                    self.rows_bound += chunk.count(b"<row") + chunk.count(b":row")
                    if self.rows_bound > self.max_rows:
                        raise Refused(MSG["I001_row_elements"].format(limit=self.max_rows))
        elif self.xml or self.sheet_data:  # not an image, say: its bytes are not tags
            self.carry = self._scan(self.carry + chunk)

    def finish(self) -> None:
        self.carry = b""
        self._close_cell()

    def _scan(self, buf: bytes) -> bytes:
        """Take every complete token of `buf`; return what must wait for the next chunk.

        Runs of plain rows and cells go to _fast; from the next `<!`, `<?` or formula tag on,
        _tag takes one token at a time. Where each of those comes next is searched for once and
        kept until it is passed, so no byte is looked at again and again."""
        pos, size = 0, len(buf)
        last = buf.rfind(b"<")  # every tag before it is complete: the next `<` is in `buf`
        bang = instruction = formula = -1  # where the next `<!`, `<?`, formula tag is (size: none)
        while True:
            if self.skipping is not None:
                end = buf.find(self.skipping, pos)
                if end < 0:
                    return buf[max(pos, size - len(self.skipping) + 1) :]
                pos, self.skipping = end + len(self.skipping), None
            if pos < last and not (self.cell is not None and self.formula):
                if bang < pos:
                    bang = _found(buf.find(b"<!", pos), size)
                if instruction < pos:
                    instruction = _found(buf.find(b"<?", pos), size)
                if formula < pos:
                    f = _FORMULA_TAG.search(buf, pos)
                    formula = f.start() if f else size
                cut = min(bang, instruction, formula, last)
                if cut > pos:
                    self._fast(buf, pos, cut)
                    pos = cut
            m = _TOKEN.search(buf, pos)
            if m is None:
                lt = buf.rfind(b"<", pos)
                if lt < 0 or b">" in buf[lt:]:
                    return b""
                return self._unfinished(buf[lt:])
            token = m.group(0)
            if token == b"<!--":
                pos, self.skipping = m.start() + 2, b"-->"
                continue
            if token == b"<![CDATA[":
                pos, self.skipping = m.end(), b"]]>"
                continue
            if token == b"<?":  # a processing instruction ends at its first `?>`, for every reader
                pos, self.skipping = m.end(), b"?>"
                continue
            closing, tag, attrs, gt = m.groups()
            if not gt and m.end() == size:  # the chunk ends inside this tag
                return self._unfinished(buf[m.start() :])
            if tag == b"v" and gt and not closing and m.end() == size:  # is anything in the <v>?
                return buf[m.start() :]
            pos = m.end()
            self._tag(closing, tag, attrs, gt, buf[pos : pos + 1])

    def _fast(self, buf: bytes, start: int, end: int) -> None:
        """The rows and cells of buf[start:end] (no comment, CDATA, PI or formula in it) in C-level
        matches, counted as _tag counts them."""
        if _BAD_TAG.search(buf, start, end):
            raise Refused(MSG["I001_xml"].format(part=self.name))
        row, col, last_row, last_col, cells = self.row, self.col, self.last_row, self.last_col, 0
        columns = _COLUMNS
        open_ref = None
        for closing, tag, letters, digits, tail in _ROW_OR_CELL.findall(buf, start, end):
            if closing:
                if tag == b"c":
                    open_ref = None
                continue
            if tag == b"row":
                row = (int(digits) if len(digits) <= 12 else 10**12) if digits else row + 1
                col, open_ref = 0, None
                continue
            cells += 1
            if letters:
                col = columns.get(letters) or _column_number(letters)
                if digits:
                    at = int(digits) if len(digits) <= 12 else 10**12
                    if at > row:
                        row = at
            else:
                col += 1
            if tail.endswith(b"/"):
                open_ref = None
            else:  # comparisons, not max(): this loop runs once per cell of every workbook
                if row > last_row:
                    last_row = row
                if col > last_col:
                    last_col = col
                open_ref = (letters, digits)
        self.cells += cells
        if self.cells > self.room:
            raise Refused(MSG["I001_cells"].format(limit=self.max_cells))
        self.row, self.col, self.last_row, self.last_col = row, col, last_row, last_col
        self.cell = b' r="%s%s"' % open_ref if open_ref else None
        self.formula = self.value = False

    def _unfinished(self, rest: bytes) -> bytes:
        if len(rest) > _LONGEST_TAG:
            raise Refused(MSG["I001_xml"].format(part=self.name))
        return rest

    def _tag(self, closing: bytes, tag: bytes, attrs: bytes, gt: bytes, after: bytes) -> None:
        if closing:
            if tag == b"c":
                self._close_cell()
            return
        if tag == b"row" or tag == b"c":
            # The tag must end at its `>` for every reader: unclosed quotes, or a `<` before the
            # `>`, would let calamine see a cell this scan does not.
            if not gt or not _QUOTED_ATTRS.fullmatch(attrs):
                raise Refused(MSG["I001_xml"].format(part=self.name))
            ref = _R_ATTR.search(attrs)
            self._close_cell()
            if tag == b"row":
                self.row = _number(ref.group(2)) if ref and ref.group(2) else self.row + 1
                self.col = 0
                return
            self.cells += 1
            if self.cells > self.room:
                raise Refused(MSG["I001_cells"].format(limit=self.max_cells))
            if ref and ref.group(1):
                self.col = _column_number(ref.group(1))
                if ref.group(2):
                    self.row = max(self.row, _number(ref.group(2)))
            else:
                self.col += 1
            if not attrs.endswith(b"/"):  # `<c r="XFD9" s="1"/>` is formatting only: calamine leaves it out
                self.last_row, self.last_col = max(self.last_row, self.row), max(self.last_col, self.col)
                self.cell = attrs
        elif self.cell is not None and gt and not attrs.endswith(b"/"):
            if tag == b"f":
                self.formula = True
            elif tag == b"is" or after not in (b"<", b""):
                self.value = True  # <v>…</v> with something in it, or an inline string
        elif self.cell is not None and tag == b"f":
            self.formula = True  # <f/>: a shared formula's follower

    def _close_cell(self) -> None:
        if self.cell is not None and self.formula and not self.value:
            ref = _UPPER_REF.search(self.cell)
            if ref:
                self.uncached.add(ref.group(1).decode())
        self.cell, self.formula, self.value = None, False, False


def _found(at: int, size: int) -> int:
    return size if at < 0 else at


def _number(digits: bytes) -> int:
    # A row number of thousands of digits is just "too far": no need to convert all of it.
    return int(digits) if len(digits) <= 12 else 10**12


def _extent(sheet_xml: bytes) -> tuple[int, int]:
    """(last row, last column) of the cells that hold something, counting as calamine does."""
    scan = _PartScan("sheet.xml", 1 << 62, 1 << 62)
    for i in range(0, len(sheet_xml), _CHUNK):
        scan.feed(sheet_xml[i : i + _CHUNK])
    scan.finish()
    return scan.last_row, scan.last_col


def _column_number(letters: bytes) -> int:
    """A1 column letters -> 1-based number, as calamine counts them."""
    return col_index(letters) + 1


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


def _is_encrypted(data: bytes) -> bool:
    # An encrypted OOXML package is an OLE2 file with these streams; a legacy .xls has a Workbook one.
    head = data[: 1 << 20]
    return any(s.encode("utf-16-le") in head for s in ("EncryptionInfo", "EncryptedPackage"))


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


_COLUMNS = {
    name: _column_number(name) for name in (bytes([a]) for a in range(65, 91))
}  # A-Z: the columns nearly every cell is in
