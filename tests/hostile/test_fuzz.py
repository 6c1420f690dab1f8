"""`make fuzz`: the example workbook mutated by hypothesis for FUZZ_SECONDS (default 300) — cell values
replaced by random text, numbers and dates; bytes of a sheet's XML flipped, inserted, deleted or cut;
bytes of the zip itself flipped — each mutant evaluated and, when it can be read, rendered.

A finding is the only acceptable answer: any exception is a failure (hypothesis shrinks it to the
smallest mutation that still fails). Every rendered workbook and report must open again, and the
mutant file must be left as it was. Marked slow: the normal suite skips it.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import Settings
from pipeline.evaluate import evaluate
from pipeline.model import Finding
from tests.builders import TODAY
from tests.hostile.corpus import EXAMPLE, FORMULA_LIKE
from tests.hostile.ooxml import Member, members_of, write_zip

FUZZ_SECONDS = float(os.environ.get("FUZZ_SECONDS", "300"))
ROUND = 25  # examples per hypothesis run; runs repeat until the time is up
PER_MUTANT_SECONDS = 20.0  # a mutant that takes longer is a hang
RUN_DATE = date(2024, 5, 1)

MEMBERS = members_of(EXAMPLE)
SHEETS = sorted(m.name for m in MEMBERS if m.name.startswith("xl/worksheets/"))
BYTE_TARGETS = [
    *SHEETS,
    "xl/sharedStrings.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "[Content_Types].xml",
]
_CELL = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)

# ---------------------------------------------------------------- strategies
_XML_SAFE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
typed_text = st.sampled_from(
    [
        *FORMULA_LIKE,
        "",
        " ",
        "121",
        "121.0",
        "121 万元",
        "1,210,000元",
        "１２１",
        "100%",
        "0.95",
        "≥36次",
        "≤5%",
        "=100%",
        "2021.9.18",
        "2021年9月18日",
        "2021/9/18",
        "12.07、12.09",
        "2021-02-30",
        "9999-99-99",
        "NaN",
        "inf",
        "-0",
        "1e308",
        "-1e308",
        "9" * 400,
        "优",
        "差",
        "合计",
        "年度资金总额",
        "产出指标(50分)",
        "_x000B_",
        "𠀀👍🏽",
        "\u202e反向",
        "\ufeff",
        "超长" * 2000,
    ]
)
cell_value = st.one_of(
    typed_text,
    st.text(_XML_SAFE, max_size=60),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(date(1899, 12, 30), date(9999, 12, 31)),
)


def _xml_text(text: str) -> str:
    """Text as a cell holds it: XML-escaped, characters XML 1.0 forbids written as Excel's _xHHHH_."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(
        ch if ch in "\t\n\r" or ord(ch) >= 0x20 and ch not in "\ufffe\uffff" else f"_x{ord(ch):04X}_"
        for ch in text
    )


def _cell_xml(ref: bytes, value: object) -> bytes:
    r = ref.decode()
    if isinstance(value, bool) or value is None:
        return f'<c r="{r}" t="b"><v>{int(bool(value))}</v></c>'.encode()
    if isinstance(value, int):
        return f'<c r="{r}"><v>{value}</v></c>'.encode()
    if isinstance(value, float):
        v = "NaN" if value != value else ("INF" if value in (float("inf"), float("-inf")) else repr(value))
        return f'<c r="{r}"><v>{v}</v></c>'.encode()
    if isinstance(value, date):
        serial = (value - date(1899, 12, 30)).days
        return f'<c r="{r}" s="0"><v>{serial}</v></c>'.encode()
    return (
        f'<c r="{r}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'.encode()
    )


# Strategies draw small recipes (which cell, which bytes); the bytes are made from them in the test, so a
# failing example prints as a few numbers, not as a 20 kB workbook.
cell_recipe = st.lists(
    st.tuples(st.sampled_from(SHEETS), st.integers(0, 10**6), cell_value), min_size=1, max_size=12
)
byte_op = st.tuples(
    st.sampled_from(["flip", "set", "insert", "delete", "cut", "dup"]),
    st.integers(0, 10**7),  # position, taken modulo the part's length
    st.integers(0, 255),
    st.binary(min_size=1, max_size=16),
    st.integers(1, 200),
)
xml_recipe = st.tuples(st.sampled_from(BYTE_TARGETS), st.lists(byte_op, min_size=1, max_size=8))
zip_recipe = st.tuples(
    st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), min_size=1, max_size=6),
    st.none() | st.integers(0, 10**7),
)


def cell_mutant(recipe) -> dict[str, bytes]:
    """Replace cells (any sheet, any cell the example has) with what staff might type."""
    parts = {m.name: m.data for m in MEMBERS}
    for sheet, pick, value in recipe:
        cells = list(_CELL.finditer(parts[sheet]))
        if not cells:
            continue
        m = cells[pick % len(cells)]
        xml = parts[sheet]
        parts[sheet] = xml[: m.start()] + _cell_xml(m.group(1), value) + xml[m.end() :]
    return parts


def xml_mutant(recipe) -> dict[str, bytes]:
    """Flip, set, insert, delete, cut or repeat bytes of one XML part (the zip itself stays sound)."""
    name, ops = recipe
    parts = {m.name: m.data for m in MEMBERS}
    data = bytearray(parts[name])
    for op, pos, byte, blob, n in ops:
        if not data:
            break
        at = pos % len(data)
        if op == "flip":
            data[at] ^= 1 << (byte % 8)
        elif op == "set":
            data[at] = b'<>/"=&;\x00\xff0 9'[byte % 11]
        elif op == "insert":
            data[at:at] = blob
        elif op == "delete":
            del data[at : at + n]
        elif op == "cut":
            del data[at:]
        else:
            data[at:at] = data[at : at + n] * (1 + byte % 50)
    parts[name] = bytes(data)
    return parts


def zip_mutant(recipe) -> bytes:
    """Bytes of the zip file itself (headers, directory, deflate streams) set, and maybe a cut."""
    sets, cut = recipe
    data = bytearray(EXAMPLE.read_bytes())
    for pos, byte in sets:
        data[pos % len(data)] = byte
    if cut is not None:
        del data[cut % len(data) :]
    return bytes(data)


# ---------------------------------------------------------------- one mutant through the pipeline
def _through_the_pipeline(path: Path) -> None:
    from pipeline.render.findings_json import to_bytes

    before = hashlib.sha256(path.read_bytes()).hexdigest()
    files_before = sorted(os.listdir(path.parent))
    started = time.monotonic()
    result = evaluate(path, Settings(), today=TODAY)
    assert all(isinstance(f, Finding) for f in result.findings)
    to_bytes(result)
    if result.scores is not None:
        _render(result)
    else:
        assert [f.rule for f in result.findings] == ["I001"], result.findings
    assert time.monotonic() - started < PER_MUTANT_SECONDS, "a mutant took too long: a hang?"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(os.listdir(path.parent)) == files_before


def _render(result) -> None:
    try:
        from pipeline.render.scored_workbook import scored_workbook
    except ImportError:
        scored_workbook = None
    try:
        from pipeline.render.report import report_docx
    except ImportError:
        report_docx = None
    if scored_workbook is not None:
        import openpyxl

        data = scored_workbook(result)
        wb = openpyxl.load_workbook(io.BytesIO(data))
        wb.close()
    if report_docx is not None:
        import docx

        docx.Document(io.BytesIO(report_docx(result, RUN_DATE, Settings())))


# ---------------------------------------------------------------- the fuzz run
def _run_for_a_while(test, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline:
        test(deadline)
        rounds += 1
    return rounds


_FUZZ = settings(
    max_examples=ROUND,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


@pytest.mark.slow
def test_fuzz_the_example_workbook():
    """Cell values, XML bytes and zip bytes in turn, a third of the time each."""
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    counts = {"cells": 0, "xml": 0, "zip": 0}

    def one(deadline, kind: str, make) -> None:
        if time.monotonic() > deadline:
            return
        counts[kind] += 1
        path = workdir / "变异.xlsx"
        made = make()
        if isinstance(made, bytes):
            path.write_bytes(made)
        else:
            write_zip(path, [Member(n, d) for n, d in made.items()])
        _through_the_pipeline(path)

    @_FUZZ
    @given(recipe=cell_recipe)
    def cells(deadline, recipe):
        one(deadline, "cells", lambda: cell_mutant(recipe))

    @_FUZZ
    @given(recipe=xml_recipe)
    def xml(deadline, recipe):
        one(deadline, "xml", lambda: xml_mutant(recipe))

    @_FUZZ
    @given(recipe=zip_recipe)
    def zipped(deadline, recipe):
        one(deadline, "zip", lambda: zip_mutant(recipe))

    third = FUZZ_SECONDS / 3
    for test in (cells, xml, zipped):
        _run_for_a_while(test, third)
    print(f"\nfuzz: {counts} mutants in {FUZZ_SECONDS:.0f} s")
    leftovers = [p for p in workdir.iterdir() if p.name != "变异.xlsx"]
    assert leftovers == []
