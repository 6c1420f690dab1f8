"""`make bench`: the batch against a naive loop, on the same synthetic workbooks, in the same run.

    python -m tests.bench [--n 300] [--x-n 150] [--rss-n 2000[,10000]] [--targets] [--jobs CORES] [--naive-n N]
                          [--cell-n 30]

Runs, each in a fresh Python process so peak RSS is per process and honest:
  (a) the pipeline with all cores   (b) the pipeline with one   (c) a naive loop:
      pandas.read_excel(sheet_name=None) + the same checks (pipeline.evaluate) + an xlsxwriter
      workbook + a python-docx report built from Document(), its tables filled row by row with
      `table.add_row().cells` as python-docx's docs show + the same batch files
  (d) an unchanged re-run, through the CLI (interpreter start-up included)
  (x) the X-heavy batch: --x-n workbooks of one unit whose payments coincide in pairs (each payment
      is also another project's: X002 on every workbook), beside (r) the first --x-n workbooks of
      the realistic corpus, run before and again after (x), all with all cores: (x)'s time over the
      mean of the two (r) (a unit with many similar projects must not cost a second render of each)
and, as a footnote only, (c) with its tables filled through `table.cell(r, c)` (quadratic: each
call rebuilds the table's cell grid) on --cell-n workbooks: the baseline earlier rounds measured
against, which flattered us. Then the memory run: the pipeline over --rss-n workbooks, each worker's RSS after workbook 100 and
at the end, the main process's peak, and an unchanged CLI re-run of those (`--targets`: at the first
size, the same batch again with an approved-targets export of its projects, X006–X008 on); `--rss-n 2000,10000`
runs it at each size (10,000 is not the default: generating the corpus once and the run take some
five minutes on two cores, which `make bench` should not cost every time; `make bench RSS_N=2000,10000`). Prints a table, the ratios, and PASS/FAIL for
what the issue asks. The synthetic corpus (variants of tests/builders.py's clean project: names,
amounts, rows, some findings, a few unreadable files) is generated once and cached under
$TMPDIR/jixiao-bench/; each file is unique (its own project name), so the manifest sees N inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS_VERSION = 3  # bump when the generator changes: a new cache folder is used
# v2+: vouchers, payment days and amounts (to the yuan) of their own per workbook (v1 gave all 2,000
# the same 凭证号 记-031…, so X001 fired on every one), and a planted X001 pair every PLANT_EVERY
# workbooks: ~1% of the workbooks get an X finding and so a second render (batch/second_pass.py)
PLANT_EVERY = 200
BENCH_DATE = date(2024, 4, 1)  # every run's --date
UNREADABLE_EVERY = 150  # every 150th file is not a workbook (I001), as in a real submission round
X_VERSION = 1  # the X-heavy corpus (variant(paired=True)); bump when its generator changes
X_SEEDS = 1_000_000  # its seeds, apart from the realistic corpus's

TOWNS = [
    "城关镇",
    "双湖峪镇",
    "马蹄沟镇",
    "电市镇",
    "裴家湾镇",
    "老君殿镇",
    "苗家坪镇",
    "三川口镇",
    "驼耳巷乡",
    "周家硷镇",
]
TOPICS = [
    "农村饮水安全工程维修养护",
    "乡村道路硬化",
    "中小学校舍维修",
    "基层卫生院设备购置",
    "高标准农田建设",
    "政务信息化平台运维",
    "文化惠民演出",
    "河道清淤治理",
    "农村人居环境整治",
    "公共租赁住房维修",
]
UNITS = [
    "县农村供水管理站",
    "县交通运输局",
    "县教育和体育局",
    "县卫生健康局",
    "县农业农村局",
    "县政府办公室",
    "县文化和旅游局",
    "县水利局",
    "县住房和城乡建设局",
    "县财政局",
]


# ---------------------------------------------------------------- the corpus
def variant(i: int, paired: bool = False) -> dict | None:
    """Workbook i of the corpus as {sheet: rows}; None for the ones that are not workbooks.
    `paired` (the X-heavy corpus): every workbook is readable, of one unit, and workbooks 2j and 2j+1
    draw their amounts, days and findings from one seed, so each payment is also the other's (X002)."""
    from tests.builders import clean_sheets, set_info

    if not paired and variant_unreadable(i):
        return None
    rng = random.Random(X_SEEDS + i // 2 if paired else i)
    s = clean_sheets()
    old_name = s["项目信息"][1][1]
    name = f"2023年{rng.choice(TOWNS)}{rng.choice(TOPICS)}项目（{i:04d}号）"
    set_info(s, "项目名称", name)
    unit = rng.choice(UNITS)
    set_info(s, "实施单位", UNITS[0] if paired else unit)
    k = round(rng.uniform(0.5, 12), 4)  # amounts: 50 to 1,200 万元
    for row in s["资金情况"][1:]:
        row[1:4] = [v * k for v in row[1:4]]
    for sheet, col in (("分项预算", 2), ("支付明细", 5), ("支出结构", 1)):
        for row in s[sheet][1:]:
            row[col] = row[col] * k
    for row in s["报告正文"][1:]:
        row[1] = (
            row[1]
            .replace(old_name, name)
            .replace("100万元", f"{100 * k:g}万元")
            .replace("95万元", f"{95 * k:g}万元")
        )
    shift = timedelta(days=rng.randint(0, 30))
    for n, row in enumerate(s["支付明细"][1:], 1):
        row[1] += shift
        # a voucher of its own; every PLANT_EVERY-th workbook reuses one of the previous one (X001)
        owner = i - 1 if not paired and i % PLANT_EVERY == PLANT_EVERY - 1 and n == 1 else i
        row[6] = f"记-{owner:04d}-{n:02d}"
    if rng.random() < 0.3:  # more rows: the first payment paid in two instalments
        first = s["支付明细"][1]
        first[5] /= 2
        second = [None, date(2023, 4, 18) + shift, *first[2:5], first[5], f"记-{i:04d}-55"]
        s["支付明细"].insert(2, second)
        for n, row in enumerate(s["支付明细"][1:], 1):
            row[0] = n
    if rng.random() < 0.15:  # findings: the unit's own total and grade are off (S011, S012)
        set_info(s, "自评总分", 98)
    if rng.random() < 0.10:  # a payment keyed in wrong (P001, P007)
        s["支付明细"][-1][5] += 1
    if rng.random() < 0.10:  # a phone number with a digit missing (M002)
        set_info(s, "联系电话", "0912-722123")
    return s


def _generate(args: tuple[int, str, bool]) -> str:
    import tempfile

    from tests.builders import write_workbook

    if os.path.isdir("/dev/shm"):  # xlsxwriter stages each part in a temp file; unlinks are slow on disk
        tempfile.tempdir = "/dev/shm"

    i, folder, paired = args
    sheets = variant(i, paired)
    path = Path(folder) / f"{i:04d}_{TOWNS[i % len(TOWNS)]}.xlsx"
    tmp = path.with_name("." + path.name + ".tmp")
    if sheets is None:
        tmp.write_bytes(b"PK\x03\x04 not really a workbook " + str(i).encode())
    else:
        write_workbook(tmp, sheets)
    os.replace(tmp, path)
    return path.name


def corpus(n: int, cache: Path, paired: bool = False) -> list[Path]:
    """The first n files of the cached corpus (`paired`: the X-heavy one), generating what is
    missing (in parallel)."""
    folder = cache / (f"corpus-x-v{X_VERSION}" if paired else f"corpus-v{CORPUS_VERSION}")
    folder.mkdir(parents=True, exist_ok=True)
    have = {p.name for p in folder.glob("*.xlsx")}
    missing = [i for i in range(n) if f"{i:04d}_{TOWNS[i % len(TOWNS)]}.xlsx" not in have]
    if missing:
        print(f"生成 {len(missing)} 个合成工作簿到 {folder} …", flush=True)
        with ProcessPoolExecutor() as pool:
            list(pool.map(_generate, [(i, str(folder), paired) for i in missing], chunksize=16))
    return [folder / f"{i:04d}_{TOWNS[i % len(TOWNS)]}.xlsx" for i in range(n)]


def stage(files: list[Path], folder: Path) -> Path:
    """An input folder holding these files (hard links: inputs are only ever read)."""
    folder.mkdir(parents=True)
    for f in files:
        try:
            os.link(f, folder / f.name)
        except OSError:
            shutil.copyfile(f, folder / f.name)
    return folder


# ---------------------------------------------------------------- the runs (child processes)
def _peak_kb() -> int:
    with open("/proc/self/status") as fh:
        return int(re.search(r"VmHWM:\s+(\d+)", fh.read()).group(1))


def child_pipeline(input_dir: Path, output: Path, jobs: int, approved: str = "") -> dict:
    from pipeline.batch import RunOptions, run
    from pipeline.config import Settings, load_settings

    config = ROOT / "config.toml"
    settings = load_settings(config) if config.exists() else Settings()
    t0, cpu0 = time.perf_counter(), time.process_time()
    report = run(
        RunOptions(
            input_dir,
            output,
            settings,
            jobs,
            force=True,
            progress=False,
            run_date=BENCH_DATE,
            approved=Path(approved) if approved else None,
        )
    )
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "main_cpu": time.process_time() - cpu0,  # every thread of this process: the workers' results
        # unpickled, the tables, the X rules, the batch files, pandas imported meanwhile
        "line": report.closing_line(),
        "total": report.total,
        "main_peak_kb": _peak_kb(),
        "samples": [[s.seq, s.pid, s.rss_kb, s.peak_kb, s.cpu_ms, *s.phases] for s in report.samples],
        "timing": [
            report.timing.tables,
            report.timing.rerender,
            report.timing.rerendered,
            report.timing.summary,
        ],
    }


def child_naive(input_dir: Path, output: Path, fill: str = "rows") -> dict:
    """The obvious implementation: one loop, pandas to read, python-docx as its docs show (`rows`), or
    every cell through `table.cell(r, c)` (`cells`, the footnote)."""
    import csv
    import io

    import pandas as pd
    import xlsxwriter
    from docx import Document

    from pipeline.config import Settings
    from pipeline.evaluate import evaluate
    from pipeline.render.findings_json import document

    settings = Settings()
    t0, cpu0 = time.perf_counter(), time.process_time()
    rows, all_findings = [], []
    for path in sorted(input_dir.iterdir()):
        out = output / path.stem
        out.mkdir(parents=True)
        try:
            frames = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
        except Exception as e:  # the naive loop reports and goes on
            (out / "findings.json").write_text(
                json.dumps({"file": path.name, "error": str(e)}, ensure_ascii=False)
            )
            rows.append([path.name, "", "", "", "无法读取"])
            continue
        result = evaluate(path, settings, today=date.today())  # the same checks
        doc = document(result)
        findings = doc["findings"]
        (out / "findings.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        name = doc["project"]["name"] or path.stem
        wb = xlsxwriter.Workbook(str(out / f"{name}_绩效自评表.xlsx"))
        for sheet, frame in frames.items():
            ws = wb.add_worksheet(sheet[:31])
            for r, values in enumerate(frame.itertuples(index=False)):
                for c, v in enumerate(values):
                    if not pd.isna(v):
                        ws.write(r, c, v if not isinstance(v, pd.Timestamp) else v.to_pydatetime())
        ws = wb.add_worksheet("审核意见")
        for r, f in enumerate(findings):
            ws.write_row(r, 0, [f["severity"], f["rule"], f["sheet"], f["cell"], f["message"]])
        wb.close()
        report = Document()
        report.add_heading(f"{name}绩效自评报告", 0)
        computed = doc["computed"] or {}
        report.add_paragraph(f"复核总分 {computed.get('total')} 分，等级 {computed.get('grade')}。")
        indicators = frames.get("绩效指标", pd.DataFrame())
        grid = [["" if pd.isna(v) else str(v) for v in row] for row in indicators.itertuples(index=False)]
        _docx_table(report, grid, len(indicators.columns), fill)
        head = ["级别", "规则", "位置", "审核意见"]
        lines = [[f["severity"], f["rule"], f"{f['sheet']}!{f['cell']}", f["message"]] for f in findings]
        _docx_table(report, [head, *lines], 4, fill)
        report.save(str(out / f"{name}_绩效自评报告.docx"))
        rows.append([path.name, name, computed.get("total"), computed.get("grade"), len(findings)])
        all_findings += [
            [path.name, f["rule"], f["severity"], f["sheet"], f["cell"], f["message"]] for f in findings
        ]
    wb = xlsxwriter.Workbook(str(output / "审核汇总.xlsx"))
    for sheet, table_rows in (("汇总", rows), ("审核意见", all_findings)):
        ws = wb.add_worksheet(sheet)
        for r, values in enumerate(table_rows):
            ws.write_row(r, 0, values)
    wb.close()
    buf = io.StringIO()
    csv.writer(buf).writerows(all_findings)
    (output / "findings.csv").write_bytes(buf.getvalue().encode("utf-8-sig"))
    return {
        "seconds": time.perf_counter() - t0,
        "total": len(rows),
        "main_peak_kb": _peak_kb(),
        "cpu_ms": 1000 * (time.process_time() - cpu0) / max(len(rows), 1),
    }


def _docx_table(report, grid: list[list[str]], cols: int, fill: str) -> None:
    if fill == "cells":
        table = report.add_table(rows=len(grid), cols=cols)
        for r, values in enumerate(grid):
            for c, v in enumerate(values):
                table.cell(r, c).text = v
        return
    table = report.add_table(rows=0, cols=cols)  # python-docx's docs: add_row().cells per row
    for values in grid:
        cells = table.add_row().cells
        for c, v in enumerate(values):
            cells[c].text = v


def _here() -> dict[str, str]:
    """The environment of a child run: this tree's pipeline first on the path of every process,
    the fork server's included. On Python 3.11 the fork server does not take the parent's
    sys.path: run from a second clone or a worktree sharing one .venv, the workers would import
    the editable install's tree, not this one, and time that."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _child(kind: str, *args: str) -> dict:
    cmd = [sys.executable, "-m", "tests.bench", "--child", kind, *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=_here())
    if done.returncode != 0:
        sys.exit(f"{kind} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli_rerun(input_dir: Path, output: Path, jobs: int) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--input",
            str(input_dir),
            "--output",
            str(output),
            "--jobs",
            str(jobs),
            "--date",  # the date the runs above used: the manifest records it (another date redoes all)
            BENCH_DATE.isoformat(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_here(),
    )
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"re-run failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout.strip().splitlines()[-1]


# ---------------------------------------------------------------- the report
def workers(samples: list[list[int]]) -> dict[int, dict]:
    """pid -> RSS after its last workbook up to no. 100, at the end, and its peak (KB)."""
    out: dict[int, dict] = {}
    for seq, pid, rss, peak, *_ in samples:
        w = out.setdefault(pid, {"at100": None, "end": 0, "peak": 0, "count": 0})
        if seq <= 100:
            w["at100"] = rss
        w["end"], w["peak"], w["count"] = rss, max(w["peak"], peak), w["count"] + 1
    return out


def phases(samples: list[list[float]]) -> str:
    """Where a worker's CPU goes, averaged over the readable workbooks (those with a scored workbook)."""
    rows = [x for x in samples if len(x) >= 8 and x[6] > 0]
    if not rows:
        return "—"
    load, xlsx, docx = (sum(x[i] for x in rows) / len(rows) for i in (5, 6, 7))
    rest = sum(x[4] for x in rows) / len(rows) - load - xlsx - docx
    return (
        f"读取+检查+评分+findings.json {load:.1f} · 评分表 {xlsx:.1f} · 报告 {docx:.1f} · "
        f"其余 {rest:.1f}（写文件线程、进程间传递）"
    )


def budget(a: dict, c: dict, jobs: int) -> str:
    """Where (a)'s CPU went, and the ratio to (c) it could reach if nothing but the workers' own
    work were done: their CPU spread evenly over `jobs` cores, from the first moment to the last."""
    work = sum(x[4] for x in a["samples"]) / 1000
    floor = work / jobs
    ceiling = c["seconds"] / c["total"] / (floor / a["total"])
    return (
        f"CPU budget of (a): workers {work:.2f} s, main process {a['main_cpu']:.2f} s "
        f"({1000 * a['main_cpu'] / a['total']:.1f} ms/wb), on {jobs} cores; the workers' CPU alone is "
        f"{floor:.2f} s of the {a['seconds']:.2f} s (the rest: starting them, the main process, the "
        f"steps' ends), so (a)/(c) ≤ {ceiling:.1f}× on this machine now"
    )


def drift(a: dict, again: dict) -> str:
    """How far apart the same run came out before and after the naive loop: the machine's drift."""
    fast, slow = sorted((a["seconds"], again["seconds"]))
    return f"(a) and (a') {fast:.2f} / {slow:.2f} s: the machine's speed moved {slow / fast - 1:.0%} during this run"


def bracketed(x: dict, before: dict, after: dict) -> float:
    """(x)'s time over the mean of the same other run just before and just after it: a machine that
    speeds up or slows down steadily during the three moves both sides alike."""
    return x["seconds"] / ((before["seconds"] + after["seconds"]) / 2)


def across(r: dict) -> tuple[str, float]:
    """The main process after the workers: batch-wide tables + X rules, the second pass, the summary."""
    tables, rerender, n, summary = r["timing"]
    total = tables + rerender + summary
    share = total / r["seconds"]
    return (
        f"表格+X 规则 {tables:.2f} s · 二次渲染 {rerender:.2f} s（{n} 个工作簿的 X 审核意见有变）· "
        f"审核汇总+findings.csv {summary:.2f} s = {total:.2f} s，占批处理用时 {r['seconds']:.2f} s 的 {share:.1%}"
    ), share


def mb(kb: int | None) -> str:
    return "—" if kb is None else f"{kb / 1024:.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="workbooks for runs (a)–(d) (default 300)")
    ap.add_argument(
        "--x-n", type=int, default=150, help="workbooks of the X-heavy batch (default 150; 0 = skip)"
    )
    ap.add_argument(
        "--rss-n",
        type=lambda text: [int(v) for v in text.split(",") if v.strip()],
        default=[2000],
        help="workbooks for the memory run, comma-separated for several (default 2000; 0 = skip)",
    )
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cores for (a) (default: all)")
    ap.add_argument("--naive-n", type=int, default=0, help="workbooks for the naive loop (default: all n)")
    ap.add_argument(
        "--cell-n",
        type=int,
        default=30,
        help="workbooks for the cell-by-cell footnote (default 30; 0 = skip)",
    )
    ap.add_argument(
        "--targets",
        action="store_true",
        help="at the first --rss-n size, run again with an approved-targets export (X006–X008) of the corpus",
    )
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "jixiao-bench")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "pipeline":
            result = child_pipeline(Path(rest[0]), Path(rest[1]), int(rest[2]), *rest[3:])
        else:
            result = child_naive(Path(rest[0]), Path(rest[1]), rest[2])
        print(json.dumps(result))
        return 0

    args.rss_n = [n for n in args.rss_n if n > 0]
    files = corpus(max(args.n, args.x_n, *args.rss_n), args.cache)
    x_files = corpus(args.x_n, args.cache, paired=True) if args.x_n else []
    naive_n = args.naive_n or args.n
    print(
        f"\n绩效自评批处理基准：{os.cpu_count()} 核，Python {sys.version.split()[0]}，"
        f"{args.n} 个合成工作簿（其中 {sum(1 for i in range(args.n) if variant_unreadable(i))} 个无法读取）；"
        f"开始时系统负载 {os.getloadavg()[0]:.2f}（其他进程占用 CPU 时，墙钟时间会变长）\n"
    )
    with tempfile.TemporaryDirectory(prefix="bench-", dir=args.cache) as tmp:
        work = Path(tmp)
        inputs = stage(files[: args.n], work / "in")
        a = _child("pipeline", str(inputs), str(work / "out-a"), str(args.jobs))
        b = _child("pipeline", str(inputs), str(work / "out-b"), "1")
        naive_in = inputs if naive_n == args.n else stage(files[:naive_n], work / "in-naive")
        c = _child("naive", str(naive_in), str(work / "out-c"), "rows")
        # This kind of VM drifts by a third within minutes: (a) again right after (c), and every
        # ratio takes the slower of the two, so that a fast minute for (a) cannot pass a verdict.
        a_again = _child("pipeline", str(inputs), str(work / "out-a2"), str(args.jobs))
        shutil.rmtree(work / "out-a2")
        cells = None
        if args.cell_n:
            cell_in = stage(files[: args.cell_n], work / "in-cells")
            cells = _child("naive", str(cell_in), str(work / "out-cells"), "cells")
        d_seconds, d_line = cli_rerun(inputs, work / "out-a", args.jobs)
        x = r150 = r150_after = None
        if args.x_n:  # (r) before and after (x), in the same run: the machine's drift cancels out
            r_in = stage(files[: args.x_n], work / "in-r")
            r150 = _child("pipeline", str(r_in), str(work / "out-r"), str(args.jobs))
            x = _child("pipeline", str(stage(x_files, work / "in-x")), str(work / "out-x"), str(args.jobs))
            r150_after = _child("pipeline", str(r_in), str(work / "out-r2"), str(args.jobs))
        slower = max((a, a_again), key=lambda r: r["seconds"])
        rates = {k: r["total"] / r["seconds"] for k, r in (("a", slower), ("b", b), ("c", c))}

        head = (
            f"{'run':<38}{'workbooks':>10}{'seconds':>9}{'wb/s':>8}{'ms/wb':>8}{'CPU ms/wb':>11}"
            "   peak RSS, MB (main | each worker)"
        )
        print(head)
        print("-" * len(head))

        def line(label: str, r: dict, seconds: float | None = None) -> None:
            s = seconds if seconds is not None else r["seconds"]
            ws = workers(r.get("samples", []))
            peaks = ", ".join(mb(w["peak"]) for w in ws.values())
            rss = f"{mb(r['main_peak_kb'])}" + (f" | {peaks}" if peaks else "") if "main_peak_kb" in r else ""
            samples = r.get("samples")
            cpu = sum(x[4] for x in samples) / len(samples) if samples else r.get("cpu_ms")
            cpu_text = f"{cpu:.1f}" if cpu is not None else "—"
            print(
                f"{label:<38}{r['total']:>10}{s:>9.2f}{r['total'] / s:>8.1f}{1000 * s / r['total']:>8.1f}"
                f"{cpu_text:>11}   {rss}"
            )

        line(f"(a) pipeline --jobs {args.jobs}", a)
        line("(a') the same, again after (c)", a_again)
        line("(b) pipeline --jobs 1", b)
        line("(c) naive (pandas, docx rows, 1 core)", c)
        line("(d) unchanged re-run (CLI, wall)", {"total": args.n}, d_seconds)
        if x is not None:
            line(f"(r) realistic, first {args.x_n} --jobs {args.jobs}", r150)
            line(f"(x) X-heavy, one unit --jobs {args.jobs}", x)
            line("(r') the same as (r), after (x)", r150_after)
        print(f"\n    (a) {a['line']}\n    (d) {d_line}")
        print(f"\nacross workbooks, (a) {args.n}: {across(a)[0]}")
        if x is not None:
            print(f"    (x) {x['line']}\nacross workbooks, (x) {args.x_n}: {across(x)[0]}")
            print(f"CPU ms per readable workbook in a worker, (x): {phases(x['samples'])}")
        print(f"\nCPU ms per readable workbook in a worker, (a): {phases(a['samples'])}")
        print(f"                                         (b): {phases(b['samples'])}")
        print(budget(slower, c, args.jobs))
        print(
            f"\nratios, (a) the slower of (a) and (a'): (a)/(c) = {rates['a'] / rates['c']:.1f}×   "
            f"(b)/(c) = {rates['b'] / rates['c']:.1f}×   "
            f"(a)/(b) = {rates['a'] / rates['b']:.2f}× (parallel speed-up on {args.jobs} cores)"
        )
        print(drift(a, a_again))
        if cells is not None:
            cell_rate = cells["total"] / cells["seconds"]
            print(
                f"  footnote: (c) filling its Word tables through table.cell(r, c) instead (quadratic, the"
                f" old baseline): {cell_rate:.1f} wb/s, {1000 * cells['seconds'] / cells['total']:.0f} ms/wb"
                f" on {cells['total']} workbooks; (a) against it {rates['a'] / cell_rate:.1f}× (not a claim)"
            )

        # round 1's 50 workbooks/s line was set aside by issue 12's decision (xlsxwriter stays, no
        # home-made writer): printed for comparison, no longer a verdict
        reference = (
            f"full job {rates['a']:.1f} workbooks/s with {args.jobs} cores (round-1 target 50/s, set aside)"
        )
        verdicts = [
            (
                "≥ 6× the naive baseline's rate (same files, same run)",
                rates["a"] >= 6 * rates["c"],
                f"{rates['a'] / rates['c']:.1f}×",
            ),
        ]
        if x is not None:
            x_ratio = bracketed(x, r150, r150_after)
            print(
                f"X-heavy: (x) / the mean of (r) and (r') = {x_ratio:.2f}× the time of as many realistic "
                f"workbooks ({x['timing'][2]} rendered a second time)"
            )
            verdicts.append(
                (
                    f"X-heavy batch of {args.x_n} within 1.3× of as many realistic ones",
                    x_ratio <= 1.3,
                    f"{x_ratio:.2f}×",
                )
            )
        shutil.rmtree(work / "out-b")
        shutil.rmtree(work / "out-c")
        shutil.rmtree(work / "out-cells", ignore_errors=True)
        for rss_n in args.rss_n:
            big = stage(files[:rss_n], work / f"in-rss-{rss_n}")
            r = _child("pipeline", str(big), str(work / "out-rss"), str(args.jobs))
            e_seconds, e_line = cli_rerun(big, work / "out-rss", args.jobs)
            if args.targets and rss_n == args.rss_n[0]:
                folder = approved_export(work / "out-rss", work / "targets")
                t = _child("pipeline", str(big), str(work / "out-t"), str(args.jobs), str(folder))
                shutil.rmtree(work / "out-t")
                targets_line = (
                    f"approved targets at {rss_n} ({folder_rows(folder)} rows, one in ten changed), the same "
                    f"batch without → with: {r['seconds']:.1f} → {t['seconds']:.1f} s; main peak "
                    f"{mb(r['main_peak_kb'])} → {mb(t['main_peak_kb'])} MB; tables + X rules "
                    f"{r['timing'][0]:.2f} → {t['timing'][0]:.2f} s; 审核汇总 etc. {r['timing'][3]:.2f} → "
                    f"{t['timing'][3]:.2f} s"
                )
            shutil.rmtree(work / "out-rss")
            shutil.rmtree(big)
            ws = workers(r["samples"])
            print(
                f"\nmemory over {rss_n} workbooks (--jobs {args.jobs}, {r['total'] / r['seconds']:.1f} wb/s): "
                f"{r['line']}"
            )
            print(
                f"    {'worker pid':>10}{'workbooks':>11}{'RSS @100':>10}{f'RSS @{args.rss_n}':>11}{'peak':>8}  (MB)"
            )
            for pid, w in ws.items():
                print(
                    f"    {pid:>10}{w['count']:>11}{mb(w['at100']):>10}{mb(w['end']):>11}{mb(w['peak']):>8}"
                )
            print(f"    main process peak {mb(r['main_peak_kb'])} MB")
            text, share = across(r)
            print(f"across workbooks, {rss_n}: {text}")
            print(f"unchanged re-run of {rss_n} (CLI, wall): {e_seconds:.2f} s — {e_line}")
            if args.targets and rss_n == args.rss_n[0]:
                print(targets_line)
            peak = max(w["peak"] for w in ws.values())
            growth = max(w["end"] - (w["at100"] or w["end"]) for w in ws.values())
            main_peak = r["main_peak_kb"]
            verdicts += [
                (f"peak RSS per worker ≤ 150 MB at {rss_n}", peak <= 150 * 1024, f"{mb(peak)} MB"),
                (
                    f"RSS not growing from workbook 100 to {rss_n} (≤ 10 MB)",
                    growth <= 10 * 1024,
                    f"{growth / 1024:+.1f} MB",
                ),
                (
                    f"batch-frames + X rules + summary < 5% of the batch at {rss_n}",
                    share < 0.05,
                    f"{share:.1%}",
                ),
            ]
            if rss_n <= 2_000:  # the goal is set at 2,000 (issue 28); past it the time is printed above
                verdicts.append(
                    (f"unchanged re-run of {rss_n} workbooks < 1 s", e_seconds < 1, f"{e_seconds:.2f} s")
                )
            if rss_n >= 10_000:  # the goal is set at 10,000 (a province's year is ~50,000)
                verdicts.append(
                    (f"main process peak ≤ 500 MB at {rss_n}", main_peak <= 500 * 1024, f"{mb(main_peak)} MB")
                )
        print(f"\n系统负载（1 分钟平均）结束时 {os.getloadavg()[0]:.2f}")
        print(f"\nreference: {reference}")
        print("\nmust show:")
        for label, ok, value in verdicts:
            print(f"  [{'PASS' if ok else 'FAIL'}] {label}: {value}")
    return 0 if all(ok for _, ok, _ in verdicts) else 1


def approved_export(output: Path, folder: Path) -> Path:
    """An approved-targets export (workbook.md's 批复绩效目标) of every project the run read, from
    their findings.json: its targets as the unit states them, but one in ten changed (X006)."""
    import xlsxwriter

    from tests.test_rules_approved import HEADER

    folder.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(folder / "批复绩效目标.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet("批复绩效目标")
    sheet.write_row(0, 0, HEADER)
    n = 0
    for doc_path in sorted(output.glob("*/findings.json")):
        doc = json.loads(doc_path.read_bytes())
        p = doc.get("project") or {}
        if not doc.get("computed"):
            continue
        for i in doc.get("indicators") or ():
            n += 1
            target = i.get("target") or ""
            changed = f"{target}（批复调增）" if n % 10 == 0 else target
            sheet.write_row(
                n,
                0,
                [
                    "",
                    p.get("name"),
                    p.get("unit"),
                    p.get("year"),
                    i.get("level1"),
                    i.get("level2"),
                    i.get("level3"),
                    changed,
                    "",
                ],
            )
    book.close()
    return folder


def folder_rows(folder: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(folder / "批复绩效目标.xlsx"))
    return len(book.get_sheet_by_index(0).to_python()) - 1


def variant_unreadable(i: int) -> bool:
    return i % UNREADABLE_EVERY == UNREADABLE_EVERY - 1


if __name__ == "__main__":
    sys.exit(main())
