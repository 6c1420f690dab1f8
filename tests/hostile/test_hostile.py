"""Hostile and broken input: every case of the corpus gives its finding, in bounded time and memory,
without changing the input, leaving files behind, or inflating what it must not; then the whole
corpus goes through the real batch in a subprocess and every output is checked."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline.load.workbook as loader
from pipeline.config import Limits, Settings
from pipeline.evaluate import evaluate
from pipeline.load.container import Refused, _extent, inspect
from pipeline.load.grid import fill_merges
from tests.builders import TODAY
from tests.hostile.corpus import BY_NAME, CASES, EXAMPLE, FORMULA_LIKE, Case
from tests.hostile.ooxml import Member, members_of, replaced, write_zip

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 5.0  # seconds for any one hostile file at the loader
HOSTILE_MARKERS = ("example.invalid", "cmd|", "@SUM", "1+1", "1+2", "3+4", "=====")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every case written once, each in a folder of its own (so a stray file would show)."""
    root = tmp_path_factory.mktemp("hostile")
    out = {}
    for case in CASES:
        folder = root / case.name
        folder.mkdir()
        case.build(folder / case.filename)
        out[case.name] = folder / case.filename
    return out


# ---------------------------------------------------------------- loader level, one case at a time
def assert_expected(case: Case, findings: list[tuple[str, str]]) -> None:
    rules = {rule for rule, _ in findings}
    assert case.rules <= rules, f"{case.name}: expected {sorted(case.rules)}, got {sorted(rules)}"
    assert not case.absent & rules, f"{case.name}: must not give {sorted(case.absent & rules)}: {findings}"
    if not case.readable:
        assert [r for r, _ in findings] == ["I001"], f"{case.name}: I001 alone, got {findings}"
        message = findings[0][1]
        for word in case.says:
            assert word in message, f"{case.name}: I001 should say {word!r}: {message}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_file_gives_its_finding_and_leaves_the_input_alone(case, built):
    path = built[case.name]
    before, files_before = sha256(path), listing(path.parent)
    started = time.perf_counter()
    result = evaluate(path, Settings(), today=TODAY)
    elapsed = time.perf_counter() - started
    assert_expected(case, [(f.rule, f.message) for f in result.findings])
    assert (result.scores is not None) == case.readable
    if case.check is not None:
        case.check(result)
    assert sha256(path) == before, "the input file changed"
    assert listing(path.parent) == files_before, "files appeared beside the input"
    assert elapsed < TIME_LIMIT * (3 if case.name == "payments_10000" else 1), f"{elapsed:.1f} s"


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.bounded and not c.readable],
    ids=[c.name for c in CASES if c.bounded and not c.readable],
)
def test_refused_files_never_reach_calamine_and_inflate_within_the_limit(case, built, monkeypatch):
    """Refused from the zip directory, or while inflating with a cap: calamine never opens the file
    (it would inflate whatever the directory says) and zipfile inflates at most the limit. A sheet
    refused for its size is refused before calamine loads it (calamine sizes its grid first)."""
    path = built[case.name]
    real = loader.calamine
    opened, loaded = [], []

    class Watched:
        def __init__(self, book):
            self._book = book

        def __getattr__(self, name):
            return getattr(self._book, name)

        def get_sheet_by_name(self, name):
            loaded.append(name)
            return self._book.get_sheet_by_name(name)

    class WatchedCalamine:
        @staticmethod
        def from_path(p, *a, **k):
            opened.append(p)
            return Watched(real.CalamineWorkbook.from_path(p, *a, **k))

        @staticmethod
        def from_filelike(f, *a, **k):
            opened.append(f)
            return Watched(real.CalamineWorkbook.from_filelike(f, *a, **k))

    fake = types.SimpleNamespace(**{n: getattr(real, n) for n in dir(real) if not n.startswith("__")})
    fake.CalamineWorkbook = WatchedCalamine
    monkeypatch.setattr(loader, "calamine", fake)
    inflated = [0]
    real_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = real_read(self, n)
        inflated[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    limits = Limits()
    result = evaluate(path, Settings(), today=TODAY)
    assert [f.rule for f in result.findings] == ["I001"]
    named = re.search(r"工作表“(.+?)”", result.findings[0].message)
    if named:
        assert named.group(1) not in loaded, f"calamine loaded {named.group(1)} before it was refused"
    else:
        assert opened == [], "calamine opened a file that the container check should have refused"
    cap = min(limits.max_uncompressed_mb * 1048576, path.stat().st_size * limits.max_compression_ratio)
    assert inflated[0] <= cap, f"inflated {inflated[0]} bytes, the cap is {cap:.0f}"
    if case.name == "zip_bomb_lying_directory":
        assert inflated[0] < 1048576, (
            f"a lying directory must stop inflation at once, not after {inflated[0]}"
        )


def test_bombs_and_far_cells_stay_within_bounded_memory(built):
    """Each bounded case in a fresh process: peak memory stays near the interpreter's own."""
    cases = [c for c in CASES if c.bounded]
    script = textwrap.dedent("""
        import json, resource, sys, time
        from pathlib import Path
        from pipeline.config import Settings
        from datetime import date
        from pipeline.evaluate import evaluate
        TODAY = date(2025, 6, 30)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = {}
        for path in sys.argv[1:]:
            t = time.perf_counter()
            rules = [f.rule for f in evaluate(Path(path), Settings(), today=TODAY).findings]
            out[path] = (rules, time.perf_counter() - t)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"base_mb": base / 1024, "peak_mb": peak / 1024, "cases": out}))
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script, *(str(built[c.name]) for c in cases)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["peak_mb"] - report["base_mb"] < 150, report
    for c in cases:
        rules, seconds = report["cases"][str(built[c.name])]
        assert seconds < TIME_LIMIT, (c.name, seconds)


def test_the_macro_in_an_xlsm_never_runs(built):
    path = built["macros_xlsm"]
    with zipfile.ZipFile(path) as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
    evaluate(path, Settings(), today=TODAY)
    assert not (path.parent / "MACRO_RAN").exists()


def test_external_entities_are_never_resolved(built):
    result = evaluate(built["external_entity"], Settings(), today=TODAY)
    assert "root:" not in json.dumps([f.as_dict() for f in result.findings], ensure_ascii=False)


# ---------------------------------------------------------------- the loader's guards, directly
def test_a_sheet_extent_is_found_before_calamine_sizes_its_grid(tmp_path):
    path = tmp_path / "far.xlsx"
    BY_NAME["far_cell"].build(path)
    container = inspect(path, Limits())
    assert container.extent("项目信息") == (20000, 16384)
    assert container.extent("资金情况")[0] < 20


def test_a_sheet_name_written_with_character_references_still_gets_its_extent(tmp_path):
    members = members_of(EXAMPLE)
    wb = next(m for m in members if m.name == "xl/workbook.xml").data.decode()
    wb = wb.replace('name="项目信息"', 'name="&#x9879;&#30446;信息"')
    path = write_zip(tmp_path / "refs.xlsx", replaced(members, "xl/workbook.xml", wb.encode()))
    assert inspect(path, Limits()).extents["项目信息"][0] > 5
    assert evaluate(path, Settings(), today=TODAY).scores is not None


def test_a_workbook_part_read_through_an_odd_relative_path_is_still_measured(tmp_path):
    members = members_of(EXAMPLE)
    rels = next(m for m in members if m.name == "xl/_rels/workbook.xml.rels").data
    rels = rels.replace(b'Target="worksheets/sheet2.xml"', b'Target="./worksheets/../worksheets/sheet2.xml"')
    info = next(m for m in members if m.name == "xl/worksheets/sheet2.xml").data.replace(
        b"</sheetData>", b'<row r="19000"><c r="ZZ19000"><v>1</v></c></row></sheetData>'
    )
    path = write_zip(
        tmp_path / "odd.xlsx",
        replaced(replaced(members, "xl/_rels/workbook.xml.rels", rels), "xl/worksheets/sheet2.xml", info),
    )
    assert inspect(path, Limits()).extents["项目信息"] == (19000, 702)
    assert [f.rule for f in evaluate(path, Settings(), today=TODAY).findings] == ["I001"]


def test_an_xml_part_hiding_its_doctype_in_utf16_under_another_extension_is_refused(tmp_path):
    members = members_of(EXAMPLE)
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    path = write_zip(tmp_path / "bin.xlsx", [*members, Member("xl/custom.bin", xml.encode("utf-16-be"))])
    with pytest.raises(Refused, match="实体"):
        inspect(path, Limits())


def test_a_part_longer_than_the_directory_says_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "lie.xlsx"
    BY_NAME["zip_bomb_lying_directory"].build(path)
    with pytest.raises(Refused, match="不符"):
        inspect(path, Limits())


def test_tighter_limits_in_config_refuse_sooner(tmp_path):
    path = tmp_path / "clean.xlsx"
    shutil.copy(EXAMPLE, path)
    assert evaluate(path, Settings(), today=TODAY).scores is not None
    for limits, word in [
        (Limits(max_uncompressed_mb=0.01), "解压后"),
        (Limits(max_sheets=3), "工作表"),
        (Limits(max_rows=5), "行"),
        (Limits(max_cell_chars=50), "字符"),
        (Limits(max_file_mb=0.001), "MB"),
        (Limits(max_compression_ratio=1.5), "解压后"),
    ]:
        findings = evaluate(path, Settings(limits=limits), today=TODAY).findings
        assert [f.rule for f in findings] == ["I001"] and word in findings[0].message, (limits, findings)


def test_merges_are_clipped_to_the_cells_that_exist():
    rows = [["a", "b"], ["", ""], ["c"]]
    out = fill_merges(rows, [((0, 0), (1_000_000, 16_383)), ((2, 0), (5, 0)), ((9, 9), (12, 12))])
    assert out == [["a", "a"], ["a", "a"], ["a", "a"]]


_CELL_XML = st.tuples(
    st.booleans(),  # cell carries r
    st.integers(0, 40),  # column gap
    st.sampled_from(["value", "empty", "styled"]),
)
_ROW_XML = st.tuples(st.booleans(), st.integers(0, 30), st.lists(_CELL_XML, max_size=6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW_XML, max_size=12))
def test_the_extent_scan_never_underestimates_the_grid_calamine_builds(tmp_path, rows):
    """The guard is only as good as its estimate: for rows and cells with or without `r`, in any
    order, the scan's (rows, columns) must cover what calamine actually reads."""
    from pipeline.cells import col_letter

    xml, r = [], 0
    for has_r, gap, cells in rows:
        r += 1 + gap
        c = 0
        parts = []
        for cell_r, cgap, kind in cells:
            c += 1 + cgap
            ref = f' r="{col_letter(c - 1)}{r}"' if cell_r else ""
            parts.append(
                {"value": f"<c{ref}><v>{c}</v></c>", "empty": f"<c{ref}/>", "styled": f'<c{ref} s="0"></c>'}[
                    kind
                ]
            )
        xml.append(f"<row{f' r={chr(34)}{r}{chr(34)}' if has_r else ''}>{''.join(parts)}</row>")
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{"".join(xml)}</sheetData></worksheet>'
    ).encode()
    path = write_zip(tmp_path / "x.xlsx", replaced(members_of(EXAMPLE), "xl/worksheets/sheet2.xml", sheet))
    book = loader.calamine.CalamineWorkbook.from_path(str(path))
    try:
        grid = book.get_sheet_by_name("项目信息").to_python(skip_empty_area=False)
    finally:
        book.close()
    real_rows = max((i + 1 for i, row in enumerate(grid) if any(v != "" for v in row)), default=0)
    real_cols = max((j + 1 for row in grid for j, v in enumerate(row) if v != ""), default=0)
    rows_est, cols_est = _extent(sheet)
    assert rows_est >= real_rows and cols_est >= real_cols, (rows_est, cols_est, real_rows, real_cols)


def test_the_limits_in_config_toml_are_the_contract_defaults():
    from pipeline.config import load_settings

    assert load_settings(ROOT / "config.toml").limits == Limits()


@pytest.mark.parametrize(
    ("sheet", "row", "col", "value", "cell"),
    [
        ("资金情况", 1, 3, 1e30, "资金情况!D2"),  # 全年执行数
        ("资金情况", 1, 2, 1e-300, "资金情况!C2"),  # 全年预算数: 95 ÷ 1e-300 would overflow every rate
        ("绩效指标", 1, 6, -1e30, "绩效指标!G2"),  # 分值
        ("支付明细", 1, 5, 1e308, "支付明细!F2"),
    ],
)
def test_absurd_magnitudes_in_number_cells_are_i005_at_their_cell(tmp_path, sheet, row, col, value, cell):
    from tests.builders import clean_sheets, run_sheets

    sheets = clean_sheets()
    sheets[sheet][row][col] = value
    result = run_sheets(tmp_path, sheets)
    assert ("I005", cell) in [(f.rule, f.location) for f in result.findings]


@pytest.mark.parametrize(
    ("target", "actual"),
    [
        ("0.00000000000000000001公里", "99999999999999999999999999999999公里"),
        ("0.00000000000000000001公里", "≥99999999999999999999999999999公里"),
    ],
)
def test_extreme_numbers_written_in_indicator_text_are_findings_not_crashes(tmp_path, target, actual):
    """BUG (checks/scoring, reported): scoring.round_score quantizes with Decimal and raises
    InvalidOperation for |x| >= 1e26 (and NaN/inf), reached from S009's overshoot percentage."""
    from tests.builders import clean_sheets, run_sheets

    sheets = clean_sheets()
    sheets["绩效指标"][1][4], sheets["绩效指标"][1][5] = target, actual
    result = run_sheets(tmp_path, sheets)
    assert result.scores is not None


def test_the_fallback_builders_write_real_compound_files(tmp_path, monkeypatch):
    """Without msoffcrypto-tool or xlwt the corpus writes its own CFB: still the same findings,
    and the .xls is one calamine itself can read."""
    monkeypatch.setitem(sys.modules, "msoffcrypto.format.ooxml", None)
    monkeypatch.setitem(sys.modules, "xlwt", None)
    enc, xls = tmp_path / "enc.xlsx", tmp_path / "old.xls"
    BY_NAME["encrypted"].build(enc)
    BY_NAME["legacy_xls"].build(xls)
    assert enc.read_bytes()[:8] == xls.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert "密码" in evaluate(enc, Settings(), today=TODAY).findings[0].message
    assert ".xls" in evaluate(xls, Settings(), today=TODAY).findings[0].message
    book = loader.calamine.CalamineWorkbook.from_path(str(xls))
    assert book.get_sheet_by_name("项目信息").to_python()[0] == ["项目名称", "旧版格式项目"]
    book.close()


# ---------------------------------------------------------------- the batch, end to end
BATCH = ROOT / "pipeline" / "batch"
needs_batch = pytest.mark.skipif(not BATCH.exists(), reason="pipeline/batch/ is not there yet")


def run_batch(inp: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--input",
            str(inp),
            "--output",
            str(out),
            "--jobs",
            "2",
            "--force",
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def batch_run(built, tmp_path_factory):
    if not BATCH.exists():
        pytest.skip("pipeline/batch/ is not there yet")
    root = tmp_path_factory.mktemp("batch")
    inp, out = root / "deep" / "input", root / "deep" / "output"
    inp.mkdir(parents=True)
    for case in CASES:
        shutil.copy(built[case.name], inp / case.filename)
    digests = {p.name: sha256(p) for p in inp.iterdir()}
    proc = run_batch(inp, out)
    docs = {}
    for f in out.glob("*/findings.json"):
        doc = json.loads(f.read_text("utf-8"))
        docs[doc["file"]] = (f.parent, doc)
    return types.SimpleNamespace(root=root, inp=inp, out=out, proc=proc, digests=digests, docs=docs)


@needs_batch
def test_the_batch_runs_the_whole_corpus_without_a_traceback(batch_run):
    proc = batch_run.proc
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]
    assert re.search(r"处理 \d+ 个工作簿", proc.stdout), proc.stdout


@needs_batch
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_batch_gives_each_case_its_findings_json_and_outputs(case, batch_run):
    assert case.filename in batch_run.docs, f"no findings.json for {case.filename}"
    folder, doc = batch_run.docs[case.filename]
    assert "error" not in doc, doc.get("error")  # a bug in the program, reported as a finding
    assert_expected(case, [(f["rule"], f["message"]) for f in doc["findings"]])
    names = sorted(p.name for p in folder.iterdir())
    if case.readable:
        assert len(names) == 3 and "findings.json" in names, names
        assert any(n.endswith("_绩效自评表.xlsx") for n in names) and any(
            n.endswith("_绩效自评报告.docx") for n in names
        )
    else:
        assert names == ["findings.json"], names
    for name in names:
        assert len(name) <= 100 and not name.startswith(".") and not re.search(r'[/\\:*?"<>|]', name), name
        assert (folder / name).resolve().parent == folder.resolve()


@needs_batch
def test_the_batch_leaves_inputs_identical_and_writes_only_inside_output(batch_run):
    inp, out = batch_run.inp, batch_run.out
    assert {p.name: sha256(p) for p in inp.iterdir()} == batch_run.digests
    outside = [
        p for p in batch_run.root.rglob("*") if p.is_file() and inp not in p.parents and out not in p.parents
    ]
    assert outside == []
    assert not list(batch_run.root.rglob("MACRO_RAN"))
    leftovers = [p for p in out.rglob("*") if ".tmp" in p.name]
    assert leftovers == []


@needs_batch
def test_every_produced_workbook_and_report_opens_and_no_formula_comes_from_workbook_text(batch_run):
    import docx

    xlsx = sorted(p for p in batch_run.out.rglob("*.xlsx") if p.is_file())
    assert any(p.name == "审核汇总.xlsx" for p in xlsx)
    assert len(xlsx) >= sum(c.readable for c in CASES)
    formulas = []
    for path in xlsx:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        formulas.append((path.name, ws.title, cell.coordinate, str(cell.value)))
                    if cell.hyperlink is not None and cell.hyperlink.target:  # links to our own files only
                        assert not re.match(r"(?i)^(https?|ftp|file|mailto):", cell.hyperlink.target), (
                            path.name,
                            cell.coordinate,
                            cell.hyperlink.target,
                        )
        wb.close()
    from_text = [f for f in formulas if any(m in f[3] for m in HOSTILE_MARKERS)]
    assert from_text == []
    for path in (p for p in batch_run.out.rglob("*.docx") if p.is_file()):
        docx.Document(str(path))


@needs_batch
def test_formula_like_text_lands_as_text_in_the_scored_workbook(batch_run):
    folder, _ = batch_run.docs[BY_NAME["formula_like_text"].filename]
    scored = next(folder.glob("*_绩效自评表.xlsx"))
    wb = openpyxl.load_workbook(scored)
    seen = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip() in {t.strip() for t in FORMULA_LIKE}:
                    seen[cell.value.strip()] = cell.data_type
    assert seen, "the formula-like texts should be copied into the scored workbook"
    assert set(seen.values()) == {"s"}, seen
    assert {t.strip() for t in FORMULA_LIKE} <= set(seen), set(FORMULA_LIKE) - set(seen)


@needs_batch
@pytest.mark.parametrize("make_target", ["under_a_file", "is_a_file"])
def test_an_output_folder_that_cannot_be_written_is_exit_2_with_one_line_and_nothing_written(
    make_target, tmp_path
):
    """Root ignores permission bits, so the folder is made impossible instead: it would have to be
    created inside a regular file, or it is one."""
    inp = tmp_path / "input"
    inp.mkdir()
    shutil.copy(EXAMPLE, inp / "示例.xlsx")
    blocker = tmp_path / "blocker.txt"
    blocker.write_text("not a folder")
    out = blocker / "output" if make_target == "under_a_file" else blocker
    before = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")}
    proc = run_batch(inp, out)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    used, *lines = proc.stderr.strip().splitlines()  # first, which config file the run uses
    assert used.startswith("使用配置文件 ") or used.startswith("未找到 config.toml"), proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(blocker.name) in lines[0]
    assert {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")} == before
    assert blocker.read_text() == "not a folder"
