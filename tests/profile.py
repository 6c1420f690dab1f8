"""`make profile`: where a worker's CPU goes, per function and per library, on the bench's corpus.

    python -m tests.profile [--n 100] [--top 12] [--cache DIR]

Does in this process, under cProfile, what a worker does for each workbook of the first --n of
`make bench`'s corpus: the first step (read, score, check, findings.json, kept in memory as a worker
keeps it), then the second (the scored workbook, the report, findings.json parsed). Prints
the largest costs by own time (the function itself, not what it calls), then the same time summed
by library: ours (pipeline/), xlsxwriter, python-docx + lxml, calamine, zip/zlib, pickle, the rest.
Nothing is written under output/: the files are built in memory, as a worker builds them before
its writer thread puts them in place.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from tests.bench import BENCH_DATE, ROOT, corpus

LIBRARIES = (  # (label, path fragment of the code), first match wins
    ("ours (pipeline/)", "/pipeline/"),
    ("xlsxwriter", "/xlsxwriter/"),
    ("python-docx", "/docx/"),
    ("calamine", "calamine"),
    ("zip/zlib", "zipfile"),
    ("zip/zlib", "zlib"),
    ("pickle", "pickle"),
    ("json", "json"),
)


def _library(filename: str, function: str) -> str:
    where = f"{filename}:{function}"
    for label, part in LIBRARIES:
        if part in where:
            return label
    if "lxml" in where or "etree" in where:
        return "python-docx"  # its XML is lxml's
    return "the rest (stdlib, builtins)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="workbooks (default 100)")
    ap.add_argument("--top", type=int, default=12, help="functions to list (default 12)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "jixiao-bench")
    args = ap.parse_args(argv)

    from pipeline.batch import workers
    from pipeline.config import Settings, load_settings
    from pipeline.evaluate import assess, conclude
    from pipeline.render.findings_json import to_bytes
    from pipeline.render.report import prepare, report_docx
    from pipeline.render.scored_workbook import scored_workbook

    config = ROOT / "config.toml"
    settings = load_settings(config) if config.exists() else Settings()
    files = corpus(args.n, args.cache)
    prepare()
    workers._STATE.update(
        settings=settings,
        run_date=BENCH_DATE,
        output=Path(tempfile.mkdtemp(prefix="jixiao-profile-")),
        assess=assess,
        conclude=conclude,
        to_bytes=to_bytes,
        report_docx=report_docx,
        scored_workbook=scored_workbook,
        holders=[0] * len(files),
    )
    spill = tempfile.mkdtemp(prefix="jixiao-profile-spill-")

    def one(n: int, path: Path) -> None:
        where = f"{spill}/{n}"
        workers._assess(path, path.name, "", (), "", where, n)
        workers._compute(path, path.name, "", (), "", (), None, workers._unspill(where, n))

    one(0, files[0])  # imports and first-call caches out of the profile
    profile = cProfile.Profile()
    cpu = time.process_time()
    profile.enable()
    for n, path in enumerate(files):
        one(n, path)
    profile.disable()
    cpu = 1000 * (time.process_time() - cpu) / len(files)

    stats = pstats.Stats(profile).stats  # {(file, line, function): (cc, nc, own, cumulative, callers)}
    total = sum(v[2] for v in stats.values()) or 1.0
    per = 1000 / len(files)
    print(f"{len(files)} 个工作簿，{date.today()}：每个工作簿 CPU {cpu:.1f} ms（cProfile 开销在内）")
    print(f"\n{'own ms/wb':>10} {'share':>6}  {'calls/wb':>8}  function")
    ranked = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)
    for (filename, line, function), (_, calls, own, _, _) in ranked[: args.top]:
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        print(f"{own * per:10.2f} {own / total:6.1%}  {calls / len(files):8.0f}  {short}:{line} {function}")
    by_library: dict[str, float] = defaultdict(float)
    for (filename, _, function), v in stats.items():
        by_library[_library(filename, function)] += v[2]
    print(f"\n{'own ms/wb':>10} {'share':>6}  library")
    for label, own in sorted(by_library.items(), key=lambda kv: kv[1], reverse=True):
        print(f"{own * per:10.2f} {own / total:6.1%}  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
