"""Command line: argument parsing, exit codes, printing. The only module that prints or exits.

Exit codes (outputs.md): 0 the run finished (findings do not fail a run); 1 with --strict when any
workbook has a 错误 finding; 2 bad usage, a bad config.toml, or an operational problem.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import unicodedata
from datetime import date
from pathlib import Path

from .batch import BatchError
from .config import ConfigError, Settings, load_settings
from .display import percent, show
from .model import Finding, Severity

DEFAULT_CONFIG = Path("config.toml")


class UsageError(Exception):
    """Bad arguments: a path that does not exist, a file that is not a workbook."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except (ConfigError, UsageError, BatchError) as e:
        return _fail(e, args)
    except KeyboardInterrupt:
        print("已中断。已写好的输出保留；再次运行会补齐未完成的部分。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `… | head`: the reader left; nothing more to say
        sys.stderr.close()
        return 0


def _fail(error: Exception, args: argparse.Namespace) -> int:
    if getattr(args, "debug", False):
        raise error
    print(f"错误：{error}", file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="项目支出绩效自评：审核工作簿、复核评分（财预〔2020〕10号）、生成评分表与自评报告。",
    )
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的 Python 调用栈")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    run = sub.add_parser("run", help="处理输入目录中的全部工作簿")
    run.add_argument("--input", type=Path, help="输入目录（默认取 config.toml 的 paths.input）")
    run.add_argument("--output", type=Path, help="输出目录（默认取 config.toml 的 paths.output）")
    run.add_argument("--config", type=Path, help="配置文件（默认 ./config.toml）")
    run.add_argument("--jobs", type=int, default=0, help="并行进程数（默认：CPU 核数）")
    run.add_argument("--force", action="store_true", help="全部重新处理，不跳过未变化的工作簿")
    run.add_argument("--strict", action="store_true", help="任一工作簿有“错误”级审核意见时退出码为 1")
    run.add_argument("--date", type=date.fromisoformat, help="报告日期（默认今天，YYYY-MM-DD）")
    run.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(handler=_run)

    check = sub.add_parser("check", help="检查一个工作簿，打印审核意见（提交前自查用）")
    check.add_argument("file", type=Path, help="工作簿文件（.xlsx）")
    check.add_argument("--config", type=Path, help="配置文件（默认 ./config.toml）")
    check.add_argument("--strict", action="store_true", help="有“错误”级审核意见时退出码为 1")
    check.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    check.set_defaults(handler=_check)

    template = sub.add_parser("template", help="重新生成 input_templates/ 中的空白模板和填报示例")
    template.add_argument("--dir", type=Path, default=Path("input_templates"), help="输出目录")
    template.set_defaults(handler=_template)

    index = sub.add_parser("archive-index", help="列出归档索引：哪个输入生成了哪些输出")
    index.add_argument("--output", type=Path, help="输出目录（默认取 config.toml）")
    index.add_argument("--config", type=Path, help="配置文件（默认 ./config.toml）")
    index.set_defaults(handler=_archive_index)

    rules = sub.add_parser("rules", help="打印审核规则目录（docs/rules.md 的内容）")
    rules.set_defaults(handler=_rules)

    preview = sub.add_parser("preview", help="用 LibreOffice 把输出转为 PDF 和 PNG 以便查看")
    preview.add_argument("--output", type=Path, help="输出目录（默认取 config.toml）")
    preview.add_argument("--config", type=Path, help="配置文件（默认 ./config.toml）")
    preview.set_defaults(handler=_preview)
    return parser


def _settings(path: Path | None) -> Settings:
    if path is not None:
        return load_settings(path)
    return load_settings(DEFAULT_CONFIG) if DEFAULT_CONFIG.exists() else Settings()


# ---------------------------------------------------------------- run
def _run(args: argparse.Namespace) -> int:
    settings = _settings(args.config)
    from .batch import RunOptions, run

    if args.jobs < 0:
        raise UsageError("--jobs 不能为负数")
    opts = RunOptions(
        input=args.input or Path(settings.paths.input),
        output=args.output or Path(settings.paths.output),
        settings=settings,
        jobs=args.jobs or os.cpu_count() or 1,
        force=args.force,
        progress=True,
        run_date=args.date or date.today(),
    )
    report = run(opts)
    for name in report.removed:
        print(f"提示：{name} 已不在输入目录中，其输出保留在 {opts.output}/ 下。", file=sys.stderr)
    print(report.closing_line())
    return 1 if args.strict and report.any_error else 0


# ---------------------------------------------------------------- check
def _check(args: argparse.Namespace) -> int:
    settings = _settings(args.config)
    path: Path = args.file
    if not path.exists():
        raise UsageError(f"找不到文件 {path}：请检查路径（可先用 ls 或资源管理器确认文件名）")
    if path.is_dir():
        raise UsageError(
            f"{path} 是目录：check 只检查一个文件；处理整个目录请用 python -m pipeline run --input {path}"
        )
    from .evaluate import evaluate

    result = evaluate(path, settings)
    print(_check_report(path, result.findings, result.scores))
    has_error = any(f.severity is Severity.ERROR for f in result.findings)
    return 1 if args.strict and has_error else 0


def _check_report(path: Path, findings: tuple[Finding, ...], scores) -> str:
    lines = [f"{path.name}"]
    if scores is not None and (scores.indicators or scores.budget_score is not None):
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
        width = max(_width(f.location) for f in group)
        for f in group:
            lines.append(f"  {f.rule}  {_pad(f.location or '—', width)}  {f.message}")
    counts = {s: sum(f.severity is s for f in findings) for s in Severity}
    lines.append("")
    lines.append("共 " + "，".join(f"{s.value} {n} 条" for s, n in counts.items()))
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# ---------------------------------------------------------------- template, index, preview
def _template(args: argparse.Namespace) -> int:
    from .template import write_example, write_template

    out: Path = args.dir
    out.mkdir(parents=True, exist_ok=True)
    template, example = out / "绩效自评填报模板.xlsx", out / "示例_子洲县政府办2021.xlsx"
    write_template(template)
    write_example(example)
    print(f"已生成 {template} 和 {example}")
    return 0


def _archive_index(args: argparse.Namespace) -> int:
    from .batch import archive_index

    settings = _settings(args.config)
    output = args.output or Path(settings.paths.output)
    entries = archive_index(output)
    if not entries:
        print(f"{output} 中还没有归档记录：先运行 make reports")
        return 0
    for e in entries:
        print(
            f"{e['input']}  sha256={e['sha256'][:12]}  配置={e['config'][:12]}  版本={e['version']}  {e['time']}"
        )
        for out in e["outputs"]:
            print(f"    {out['path']}  sha256={out['sha256'][:12]}")
    return 0


def _rules(args: argparse.Namespace) -> int:
    from .checks.catalogue import rules_markdown

    print(rules_markdown())
    return 0


def _preview(args: argparse.Namespace) -> int:
    from .batch import SUMMARY_XLSX
    from .render.preview import render, sources

    settings = _settings(args.config)
    output = args.output or Path(settings.paths.output)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UsageError(
            "未安装 LibreOffice：Debian/Ubuntu 上运行 sudo apt-get install libreoffice-writer-nogui "
            "libreoffice-calc-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming"
            "（可选 texlive-lang-chinese，提供 Fandol 字体），然后重试 make preview"
        )
    files = sources(output, SUMMARY_XLSX)
    if not files:
        raise UsageError(f"{output} 中没有可预览的文件：先运行 make reports")
    for p in render(soffice, files, Path("preview")):
        if p.pdf is None:
            print(f"{p.source} → 转换失败")
        else:
            print(f"{p.source} → {p.pdf}（{len(p.pages)} 页 PNG）")
    return 0
