"""Byte-level writers for hostile files: zip archives whose directory can lie, a compound file (CFB).

Kept apart from the corpus so each case there reads as what it is, not how its bytes are laid.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# ---------------------------------------------------------------- zip


@dataclass
class Member:
    """One zip member. `deflated` holds raw deflate data (method 8) when given, else `data` is stored
    deflated by this writer. `declared_size` / `declared_crc` let the directory lie."""

    name: str
    data: bytes = b""
    deflated: bytes | None = None
    size: int | None = None  # the real inflated size when `deflated` is given
    crc: int | None = None
    declared_size: int | None = None
    declared_crc: int | None = None
    flags: int = 0


def write_zip(path: Path, members: Iterable[Member]) -> Path:
    """A plain PKZIP archive (no zip64, no data descriptors), written by hand so it can lie."""
    out = bytearray()
    central = bytearray()
    count = 0
    for m in members:
        if m.deflated is None:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload = c.compress(m.data) + c.flush()
            size, crc = len(m.data), zlib.crc32(m.data)
        else:
            payload, size, crc = m.deflated, m.size or 0, m.crc or 0
        size = size if m.declared_size is None else m.declared_size
        crc = crc if m.declared_crc is None else m.declared_crc
        name = m.name.encode("utf-8")
        flags = m.flags | 0x800  # UTF-8 names
        offset = len(out)
        out += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, 8, 0, 0x21, crc, len(payload), size, len(name), 0
        )
        out += name + payload
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            flags,
            8,
            0,
            0x21,
            crc,
            len(payload),
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
        count += 1
    cd_offset = len(out)
    out += central
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), cd_offset, 0)
    path.write_bytes(bytes(out))
    return path


def members_of(path: Path) -> list[Member]:
    with zipfile.ZipFile(path) as zf:
        return [Member(i.filename, zf.read(i)) for i in zf.infolist()]


def replaced(members: list[Member], name: str, data: bytes) -> list[Member]:
    return [Member(m.name, data) if m.name == name else m for m in members]


def repeated_deflate(head: bytes, chunk: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of head + chunk*times + tail without compressing it all: each piece is flushed to a
    byte boundary with an empty dictionary, so one chunk's deflate bytes can be repeated. Returns
    (deflated, inflated size, crc32)."""

    def piece(data: bytes) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)

    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = piece(head) + piece(chunk) * times + piece(tail) + end.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return deflated, len(head) + len(chunk) * times + len(tail), crc


# ---------------------------------------------------------------- compound file (OLE2 / CFB)
_SECTOR = 512
_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_MINI_CUTOFF = 4096


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (MS-CFB v3) holding root-level streams only.

    Each stream is padded to the mini-stream cutoff so it lives in the regular FAT (no mini stream
    to write); the directory is a chain of black nodes, which every reader accepts.
    """
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    padded = {n: streams[n] + b"\x00" * max(0, _MINI_CUTOFF - len(streams[n])) for n in names}
    dir_sectors = -(-(len(names) + 1) // 4)
    data_sectors = {n: -(-len(padded[n]) // _SECTOR) for n in names}
    body = dir_sectors + sum(data_sectors.values())
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + body:
        fat_sectors += 1
    assert fat_sectors <= 109, "too big for a header-only DIFAT"
    fat = [_FAT] * fat_sectors
    first_dir = len(fat)
    fat += [first_dir + i + 1 for i in range(dir_sectors - 1)] + [_END]
    starts = {}
    for n in names:
        start = len(fat)
        starts[n] = start
        fat += [start + i + 1 for i in range(data_sectors[n] - 1)] + [_END]
    fat += [_FREE] * (fat_sectors * 128 - len(fat))

    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\x00" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,
        fat_sectors,
        first_dir,
        0,
        _MINI_CUTOFF,
        _END,
        0,
        _END,
        0,
    )
    header += struct.pack("<109I", *(list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name.encode("utf-16-le") + b"\x00\x00") if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            raw,
            len(raw),
            kind,
            1,
            _FREE,
            right,
            child,
            b"\x00" * 16,
            0,
            0,
            0,
            start,
            size,
        )

    directory = entry("Root Entry", 5, _FREE, 1 if names else _FREE, _END, 0)
    for i, n in enumerate(names):
        right = i + 2 if i + 1 < len(names) else _FREE
        directory += entry(n, 2, right, _FREE, starts[n], len(padded[n]))
    directory += entry("", 0, _FREE, _FREE, _FREE, 0) * (dir_sectors * 4 - len(names) - 1)

    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += directory
    for n in names:
        out += padded[n] + b"\x00" * (data_sectors[n] * _SECTOR - len(padded[n]))
    return bytes(out)


def biff8_workbook_stream(sheet: str, cells: list[tuple[int, int, str]]) -> bytes:
    """A small BIFF8 Workbook stream: globals (BOF, BOUNDSHEET, EOF) and one sheet of LABEL cells."""

    def rec(kind: int, data: bytes) -> bytes:
        return struct.pack("<HH", kind, len(data)) + data

    def bof(dt: int) -> bytes:
        return rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x06))

    def text16(s: str) -> bytes:  # XLUnicodeString, uncompressed UTF-16
        return struct.pack("<HB", len(s), 1) + s.encode("utf-16-le")

    name = sheet.encode("utf-16-le")
    globals_ = bof(0x0005) + rec(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
    sheet_offset_at = len(globals_) + 4
    globals_ += rec(0x0085, struct.pack("<IBBB", 0, 0, 0, len(sheet)) + b"\x01" + name)
    globals_ += rec(0x000A, b"")
    body = bof(0x0010)
    for r, c, s in cells:
        body += rec(0x0204, struct.pack("<HHH", r, c, 0) + text16(s))
    body += rec(0x000A, b"")
    stream = bytearray(globals_ + body)
    struct.pack_into("<I", stream, sheet_offset_at, len(globals_))
    return bytes(stream)
