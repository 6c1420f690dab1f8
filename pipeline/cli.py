"""Command line: argument parsing, exit codes, printing. The only module that prints or exits.

Exit codes (outputs.md): 0 the run finished (findings do not fail a run); 1 with --strict when any
workbook has a 错误 finding; 2 bad usage, a bad config.toml, or an operational problem.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from .argparse_zh import ChineseParser
from .argparse_zh import width as _width
from .batch import SUMMARY_XLSX, BatchError
from .config import ConfigError, Settings, find_config, load_settings
from .display import percent, show
from .messages import MSG, os_reason
from .model import Finding, Severity

# More worker processes than that is refused (ProcessPoolExecutor's limit on Windows is 61).
MAX_JOBS = 61


class UsageError(Exception):
    """Bad arguments: a path that does not exist, a file that is not a workbook."""


def main(argv: list[str] | None = None) -> int:
    _forgiving_console()
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print(MSG["RUN_interrupted"], file=sys.stderr)
        return 130
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except (ConfigError, UsageError, BatchError) as e:
        return _fail(e, args)
    except KeyboardInterrupt:
        print(MSG["RUN_interrupted"], file=sys.stderr)
        return 130
    except BrokenPipeError:  # `… | head`: the reader left; nothing more to say
        sys.stderr.close()
        return 0


def _fail(error: Exception, args: argparse.Namespace) -> int:
    if getattr(args, "debug", False):
        raise error
    print(f"错误：{for_terminal(str(error))}", file=sys.stderr)
    return 2


def _forgiving_console() -> None:
    """A console or file that cannot show a character (an emoji on a GBK console, `check x.xlsx >
    结果.txt` on Chinese Windows) shows `?` instead of failing with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # already written to: leave it
                reconfigure(errors="replace")


# Text from a workbook or a file name is printed without what a terminal would act on or hide:
# C0/C1 controls (ESC sequences, OSC titles, BEL), bidi overrides and zero-width characters (Cf),
# lone surrogates (an undecodable file name). findings.json keeps them, escaped.
_LINE_BREAKS = {"\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}


def for_terminal(text: str) -> str:
    return "".join(
        " " if ch in _LINE_BREAKS else ch
        for ch in str(text)
        if ch in _LINE_BREAKS or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )


def command() -> str:
    """How to start this program again, as the user can type it: the console command when that is
    how it was started, else this very interpreter with -m (a bare `python` may be another one,
    without the packages: ModuleNotFoundError)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    if argv0.stem == "jixiao":
        return "jixiao" if shutil.which("jixiao") else _shown(argv0)
    return f"{_shown(Path(sys.executable))} -m pipeline"


def _shown(path: Path) -> str:
    """A path as short as it can be written from here; quoted when it has spaces."""
    try:
        text = str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        text = str(path)
    return f'"{text}"' if " " in text else text


def _jobs(text: str) -> int:
    cores = os.cpu_count() or 1
    try:
        n = int(text)
    except ValueError:
        n = None
    if n is None or not 1 <= n <= MAX_JOBS:
        raise argparse.ArgumentTypeError(
            f"进程数 {text} 无效：请写 1 到 {MAX_JOBS} 之间的整数（本机 {cores} 个 CPU 核，"
            f"一般写 {cores}；不写 --jobs 即按核数）"
        )
    return n


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {text} 无效：请写成 年-月-日，如 2026-04-30") from None


def _parser() -> argparse.ArgumentParser:
    parser = ChineseParser(
        prog=command(),
        description="项目支出绩效自评：审核工作簿、复核评分（财预〔2020〕10号）、生成评分表与自评报告。",
    )
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的 Python 调用栈")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    run = sub.add_parser("run", help="处理输入目录中的全部工作簿")
    run.add_argument(
        "--input", type=Path, metavar="目录", help="输入目录（默认取 config.toml 的 paths.input）"
    )
    run.add_argument(
        "--output", type=Path, metavar="目录", help="输出目录（默认取 config.toml 的 paths.output）"
    )
    run.add_argument("--config", type=Path, metavar="文件", help=_CONFIG_HELP)
    run.add_argument("--jobs", type=_jobs, metavar="N", help=f"并行进程数，1–{MAX_JOBS}（默认：CPU 核数）")
    run.add_argument("--force", action="store_true", help="全部重新处理，不跳过未变化的工作簿")
    run.add_argument("--strict", action="store_true", help="任一工作簿有“错误”级审核意见时退出码为 1")
    run.add_argument("--date", type=_date, metavar="日期", help="报告日期（默认今天，YYYY-MM-DD）")
    run.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(handler=_run)

    check = sub.add_parser("check", help="检查一个工作簿，打印审核意见（提交前自查用）")
    check.add_argument("file", type=Path, metavar="工作簿", help="工作簿文件（.xlsx）")
    check.add_argument("--config", type=Path, metavar="文件", help=_CONFIG_HELP)
    check.add_argument("--strict", action="store_true", help="有“错误”级审核意见时退出码为 1")
    check.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    check.set_defaults(handler=_check)

    template = sub.add_parser(
        "template", help="重新生成 input_templates/ 中的空白模板、填报示例和批复绩效目标模板"
    )
    template.add_argument(
        "--dir", type=Path, metavar="目录", help="输出目录（默认：项目目录下的 input_templates）"
    )
    template.set_defaults(handler=_template)

    index = sub.add_parser("archive-index", help="列出归档索引：哪个输入生成了哪些输出")
    index.add_argument("--output", type=Path, metavar="目录", help="输出目录（默认取 config.toml）")
    index.add_argument("--config", type=Path, metavar="文件", help=_CONFIG_HELP)
    index.set_defaults(handler=_archive_index)

    decided = sub.add_parser("decisions", help="列出审核处理记录（项目、规则、单元格、审核人、时间）")
    decided.add_argument("--output", type=Path, metavar="目录", help="输出目录（默认取 config.toml）")
    decided.add_argument("--config", type=Path, metavar="文件", help=_CONFIG_HELP)
    decided.add_argument("--export", type=Path, metavar="文件.xlsx", help="同时导出为 Excel 文件")
    decided.set_defaults(handler=_decisions)

    export = sub.add_parser("export", help="导出批次数据表（项目、支付、指标、审核意见）供自行分析")
    export.add_argument("dir", type=Path, metavar="目录", help="导出到的目录")
    export.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", metavar="格式", help="csv（默认）或 parquet"
    )
    export.add_argument("--output", type=Path, metavar="目录", help="批处理的输出目录（默认取 config.toml）")
    export.add_argument("--config", type=Path, metavar="文件", help=_CONFIG_HELP)
    export.set_defaults(handler=_export)

    rules = sub.add_parser("rules", help="打印审核规则目录（docs/rules.md 的内容）")
    rules.set_defaults(handler=_rules)

    preview = sub.add_parser("preview", help="用 LibreOffice 把输出转为 PDF 和 PNG 以便查看")
    preview.add_argument("--output", type=Path, metavar="目录", help="输出目录（默认取 config.toml）")
    preview.add_argument("--config", type=Path, metavar="文件", help=_CONFIG_HELP)
    preview.set_defaults(handler=_preview)

    tidy = sub.add_parser("clean", help="删除输出目录中的生成文件（审核处理记录和审核人改过的文件保留）")
    tidy.add_argument("--output", type=Path, metavar="目录", help="输出目录（默认取 config.toml）")
    tidy.add_argument("--config", type=Path, metavar="文件", help=_CONFIG_HELP)
    tidy.set_defaults(handler=_clean)

    bundle = sub.add_parser("bundle", help="打包离线安装包（含全部依赖），供无法联网的电脑使用")
    bundle.add_argument("--dist", type=Path, metavar="目录", help="写到的目录（默认：项目目录下的 dist）")
    bundle.set_defaults(handler=_bundle)
    parser.commands = sub.choices
    return parser


_CONFIG_HELP = "配置文件（默认：当前目录的 config.toml，否则项目目录的 config.toml）"


def _settings(explicit: Path | None, announce: bool = False) -> tuple[Settings, Path]:
    """The settings and the folder their relative paths (paths.input, paths.output) start from:
    the config file's own folder, so a run from elsewhere finds input/ next to config.toml."""
    path = find_config(explicit)
    if announce:
        line = MSG["RUN_config_used"].format(path=path) if path else MSG["RUN_config_default"]
        print(line, file=sys.stderr, flush=True)
    if path is None:
        return Settings(), Path()
    return load_settings(path), path.parent


# ---------------------------------------------------------------- run
def _run(args: argparse.Namespace) -> int:
    settings, base = _settings(args.config, announce=True)
    from .batch import RunOptions, run

    opts = RunOptions(
        input=args.input or base / settings.paths.input,
        output=args.output or base / settings.paths.output,
        settings=settings,
        jobs=args.jobs or os.cpu_count() or 1,
        force=args.force,
        progress=True,
        run_date=args.date or date.today(),
        approved=base / settings.paths.approved_targets,
    )
    report = run(opts)
    for name in report.removed:
        print(
            for_terminal(f"提示：{name} 已不在输入目录中，其输出保留在 {opts.output}{os.sep} 下。"),
            file=sys.stderr,
        )
    for line in report.notices:
        line = line if line.startswith(("提示：", "警告：")) else f"提示：{line}"
        print(for_terminal(line), file=sys.stderr)
    if report.total == 0 and not (report.locked or report.unwritten):
        print(for_terminal(_empty_input(opts.input)))
    else:
        where = MSG["RUN_where"].format(output=f"{opts.output}{os.sep}", summary=opts.output / SUMMARY_XLSX)
        print(for_terminal(report.closing_line() + where))
    if report.pdf_missing and settings.archive.pdf == "required":
        print(for_terminal(MSG["FINAL_pdf_required"].format(n=len(report.pdf_missing))), file=sys.stderr)
        return 1
    return 1 if args.strict and report.any_error else 0


def _empty_input(folder: Path) -> str:
    try:
        subfolders = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        subfolders = []
    names = "、".join(subfolders[:3]) + ("等" if len(subfolders) > 3 else "")
    return MSG["RUN_empty"].format(
        path=folder, subfolders=MSG["RUN_empty_subfolders"].format(names=names) if subfolders else ""
    )


# ---------------------------------------------------------------- check
def _check(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.exists():
        raise UsageError(f"找不到文件 {path}：请检查路径（可先用 ls 或资源管理器确认文件名）")
    if path.is_dir():
        raise UsageError(
            f"{path} 是目录：check 只检查一个文件；处理整个目录请用 {command()} run --input {_shown(path)}"
        )
    settings, _ = _settings(args.config, announce=True)
    from .evaluate import evaluate

    result = evaluate(path, settings, today=date.today())
    print(_check_report(path, result.findings, result.scores))
    has_error = any(f.severity is Severity.ERROR for f in result.findings)
    return 1 if args.strict and has_error else 0


def _check_report(path: Path, findings: tuple[Finding, ...], scores) -> str:
    lines = [for_terminal(path.name)]
    if scores is not None and scores.total is None:
        lines.append(f"复核总分：无法复核（{scores.total_arithmetic.removeprefix('无法复核：')}）")
    elif scores is not None and (scores.indicators or scores.budget_score is not None):
        lines.append(
            f"复核总分 {show(scores.total)} 分，等级“{scores.grade}”；执行率 "
            + (percent(scores.execution_rate) or "未知")
        )
    elif scores is not None:
        lines.append("复核总分：无法计算（没有可评分的预算数据和绩效指标，见下列审核意见）")
    if not findings:
        lines.append("未发现问题。")
        return "\n".join(lines)
    for severity in Severity:
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        lines.append("")
        lines.append(f"【{severity.value}】{len(group)} 条")
        width = max(_width(for_terminal(f.location)) for f in group)
        for f in group:
            location = for_terminal(f.location) or "—"
            lines.append(f"  {f.rule}  {_pad(location, width)}  {for_terminal(f.message)}")
    counts = {s: sum(f.severity is s for f in findings) for s in Severity}
    lines.append("")
    lines.append("共 " + "，".join(f"{s.value} {n} 条" for s, n in counts.items()))
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# ---------------------------------------------------------------- template, index, preview
def _template(args: argparse.Namespace) -> int:
    from .template import write_approved_template, write_example, write_template

    config = find_config(None)  # the templates belong next to the config in use (the project's)
    out: Path = args.dir or (config.parent if config else Path()) / "input_templates"
    out.mkdir(parents=True, exist_ok=True)
    template, example = out / "绩效自评填报模板.xlsx", out / "示例_子洲县政府办2021.xlsx"
    approved = out / "批复绩效目标模板.xlsx"
    write_template(template)
    write_example(example)
    write_approved_template(approved)
    print(f"已生成 {template}、{example} 和 {approved}")
    return 0


def _archive_index(args: argparse.Namespace) -> int:
    from .batch import archive_index

    settings, base = _settings(args.config)
    output = args.output or base / settings.paths.output
    entries = archive_index(output)
    if not entries:
        print(MSG["CLI_nothing_yet"].format(path=output, run=_run_hint()))
        return 0
    for e in entries:
        print(
            f"{e['input']}  sha256={e['sha256'][:12]}  配置={e['config'][:12]}  版本={e['version']}  {e['time']}"
        )
        for out in e["outputs"]:
            print(f"    {out['path']}  sha256={out['sha256'][:12]}")
    return 0


def _decisions(args: argparse.Namespace) -> int:
    from .batch.manifest import read_only
    from .render.record import record_workbook, row_of

    output = _existing_output(args)
    manifest = read_only(output)
    try:
        found = manifest.decisions() if manifest is not None else []
        conclusions = manifest.conclusions() if manifest is not None else {}
    finally:
        if manifest is not None:
            manifest.close()
    if not found and not conclusions:
        print(f"{output}：{MSG['D_none']}")
    for d in found:
        project, rule, where, _, _, state, note, by, at, status, _, _ = row_of(d)
        print(f"{project}  {rule}  {where}  {state}  {note}  {by or '（未署名）'}  {at}  {status}")
    for c in sorted(conclusions.values(), key=lambda c: c.file):
        print(f"{c.file}  审核结论 {c.state}  {c.reviewer or c.by or '（未署名）'}  {c.day or c.at}")
    if args.export is not None:
        from .batch import atomic_write

        if args.export.suffix.lower() != ".xlsx":
            raise UsageError("--export 须是 .xlsx 文件")
        with _writing(args.export):
            atomic_write(args.export, record_workbook(found))
        print(f"已导出 {len(found)} 条审核处理记录到 {args.export}")
    return 0


def _existing_output(args: argparse.Namespace) -> Path:
    """The batch's output folder (--output, else config.toml's), which must be there."""
    settings, base = _settings(args.config)
    output = args.output or base / settings.paths.output
    if not output.is_dir():
        raise UsageError(MSG["CLI_no_output"].format(path=output, run=_run_hint()))
    return output


def _run_hint(windows: bool = os.name == "nt") -> str:
    """How to run the batch, as this user would: 生成报告.bat on Windows, make elsewhere."""
    return MSG["CLI_run_hint_windows" if windows else "CLI_run_hint"].format(command=command())


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """An output the user named that cannot be written: one line saying why, not a traceback."""
    try:
        yield
    except OSError as e:
        raise UsageError(MSG["CLI_unwritable"].format(path=path, reason=os_reason(e))) from None


def _export(args: argparse.Namespace) -> int:
    output = _existing_output(args)
    if args.format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError(MSG["CLI_no_pyarrow"].format(python=_shown(Path(sys.executable)))) from None
    if args.dir.exists() and not args.dir.is_dir():
        raise UsageError(MSG["CLI_export_not_dir"].format(path=args.dir))
    from .batch import atomic_write
    from .batch.frames import from_output
    from .render.summary import export_tables

    frames = from_output(output)
    if frames is None:
        raise UsageError(MSG["CLI_nothing_yet"].format(path=output, run=_run_hint()))
    with _writing(args.dir):
        args.dir.mkdir(parents=True, exist_ok=True)
        for name, data in export_tables(frames, args.format).items():
            atomic_write(args.dir / name, data)
            print(args.dir / name)
    return 0


def _clean(args: argparse.Namespace) -> int:
    from .clean import clean

    settings, base = _settings(args.config)
    output = args.output or base / settings.paths.output
    done = clean(output)
    if not done.manifest:
        print(MSG["CLEAN_no_manifest" if done.unknown else "CLEAN_nothing"].format(path=output))
        return 0
    kept = (
        MSG["CLEAN_kept_edited"].format(n=len(done.edited), files="、".join(done.edited))
        if done.edited
        else ""
    )
    unknown = MSG["CLEAN_kept_unknown"].format(n=done.unknown) if done.unknown else ""
    print(for_terminal(MSG["CLEAN_done"].format(path=output, n=done.removed, edited=kept, unknown=unknown)))
    return 0


def _rules(args: argparse.Namespace) -> int:
    from .checks.catalogue import rules_markdown

    print(rules_markdown())
    return 0


def _preview(args: argparse.Namespace) -> int:
    from .batch import SUMMARY_XLSX
    from .render.preview import render, sources

    settings, base = _settings(args.config)
    output = args.output or base / settings.paths.output
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UsageError(
            "未安装 LibreOffice：Debian/Ubuntu 上运行 sudo apt-get install libreoffice-writer-nogui "
            "libreoffice-calc-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming "
            "fonts-crosextra-carlito（评分表按 Calibri 的宽度排版，Carlito 与之等宽）"
            "（可选 texlive-lang-chinese，提供 Fandol 字体），然后重试 make preview"
        )
    files = sources(output, SUMMARY_XLSX)
    if not files:
        raise UsageError(MSG["CLI_nothing_yet"].format(path=output, run=_run_hint()))
    for p in render(soffice, files, Path("preview")):
        if p.pdf is None:
            print(f"{p.source} → 转换失败")
        else:
            print(f"{p.source} → {p.pdf}（{len(p.pages)} 页 PNG）")
    return 0


def _bundle(args: argparse.Namespace) -> int:
    import subprocess

    from .bundle import BundleError, build

    root = Path(__file__).resolve().parent.parent
    try:
        zipped = build(
            root, args.dist or root / "dist", subprocess.call, lambda line: print(line, flush=True)
        )
    except BundleError as e:
        raise UsageError(str(e)) from None
    print(MSG["BUNDLE_done"].format(path=zipped, mb=zipped.stat().st_size / 1e6))
    return 0
