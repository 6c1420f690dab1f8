"""argparse, in Chinese: headings, usage errors and help (the command line's own words are in cli.py).

argparse looks its own words up through gettext at the moment it uses them; there is no zh_CN
catalogue, so ChineseParser swaps in this one while it builds, parses and prints.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from .messages import MSG

_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "值 %(value)r 无效",
    "invalid choice: %(value)r (choose from %(choices)s)": "没有 %(value)r 这一项（可选：%(choices)s）",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "选项不接受值 %r",
    "one of the arguments %s is required": "必须给出以下参数之一：%s",
}


@contextmanager
def _argparse_in_chinese() -> Iterator[None]:
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = lambda text: _ARGPARSE_ZH.get(text, text)  # type: ignore[attr-defined]
    argparse.ngettext = lambda one, many, n: _ARGPARSE_ZH.get(
        one if n == 1 else many, one if n == 1 else many
    )  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class ChineseParser(argparse.ArgumentParser):
    """An ArgumentParser whose headings, usage errors and help are in Chinese (its sub-parsers too)."""

    def __init__(self, *args, **kwargs) -> None:
        with _argparse_in_chinese():
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs):
        with _argparse_in_chinese():
            return super().add_subparsers(**kwargs)

    commands: dict[str, argparse.ArgumentParser] = {}  # the sub-parsers, by name (set by cli)

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but a word left over is told by the command it was given to (`run -h`,
        not `jixiao -h`), and a workbook given where none is taken says where it goes."""
        with _argparse_in_chinese():
            found, extras = super().parse_known_args(args, namespace)
        if extras:
            command = getattr(found, "command", None)
            files = [e for e in extras if not e.startswith("-")]
            if command == "check" and files:
                message = MSG["CLI_check_one"].format(extra=" ".join(files))
            elif command == "run" and files:
                message = MSG["CLI_run_no_files"].format(extra=" ".join(files))
            else:
                message = _ARGPARSE_ZH["unrecognized arguments: %s"] % " ".join(extras)
            self.commands.get(command, self).error(message)
        return found

    def parse_known_args(self, args=None, namespace=None):
        with _argparse_in_chinese():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with _argparse_in_chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with _argparse_in_chinese():
            text = super().format_help()
        text = re.sub(r"^(\S.*):$", r"\1：", text, flags=re.M)  # section headings: 选项：
        return _align(text)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"错误：{message}\n查看全部参数：{self.prog} -h\n")


_ROW = re.compile(r"^(  \S.*?)( {2,})(\S.*)$")


def _align(text: str) -> str:
    """argparse lines the help column up by characters; `--config 文件` is two columns wider than
    it counts. Move the column (and the wrapped lines under it) to the widest option's end."""
    lines = text.split("\n")
    rows = [(i, m) for i, line in enumerate(lines) if (m := _ROW.match(line))]
    if not rows:
        return text
    old = len(rows[0][1][1]) + len(rows[0][1][2])  # where argparse put the help column
    new = max(old, *(width(m[1]) + 2 for _, m in rows))
    for i, m in rows:
        lines[i] = m[1] + " " * (new - width(m[1])) + m[3]
    for i, line in enumerate(lines):  # a wrapped help text goes on under its column
        if line.startswith(" " * old) and not line[old : old + 1].isspace():
            lines[i] = " " * new + line[old:]
    return "\n".join(lines)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
