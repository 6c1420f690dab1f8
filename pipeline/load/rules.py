"""The I rules: what the loader finds (checks.md "I"). Catalogued with every other rule in
checks/registry.py, which takes their severities and docs from here; the loader, and a batch that
reports a program fault as I001, build their findings with `loader_finding`, as rules do with
`registry.finding`: severity from the catalogue, never restated."""

from __future__ import annotations

from ..model import Finding, Severity

# id -> (severity, "中文 | English" summary, then why)
LOADER_RULES: dict[str, tuple[Severity, str]] = {
    "I001": (
        Severity.ERROR,
        "文件无法读取 | The file cannot be read as a workbook.\n"
        "Not a workbook, a corrupt zip, encrypted, legacy .xls, or over the size limits; the message says which and what to do.",
    ),
    "I002": (
        Severity.ERROR,
        "缺少必需的工作表 | A required sheet is missing.\nNames the sheet and a near-miss name found instead.",
    ),
    "I003": (
        Severity.ERROR,
        "缺少必需的列 | A required column is missing in a sheet.\nRules that need the column stay silent.",
    ),
    "I004": (
        Severity.ERROR,
        "必填项为空 | A required field is empty.\n项目信息 labels, the 年度资金总额 row, a payment's amount or date.",
    ),
    "I005": (
        Severity.ERROR,
        "单元格无法读取为所需类型 | A cell cannot be read as the number, percentage, date or year its column needs.\n"
        "Never a crash and never a silent zero: the value is unknown and the cell is named.",
    ),
    "I006": (
        Severity.WARNING,
        "公式没有缓存值 | A formula cell has no cached value.\n"
        "The file was saved by a program that does not calculate: the value is unknown.",
    ),
    "I007": (
        Severity.INFO,
        "全年预算数为空，以年初预算数为基数 | 全年预算数 blank: 年初预算数 used as the base.",
    ),
}


def loader_finding(rule_id: str, sheet: str, cell: str, message: str) -> Finding:
    """A finding of an I rule, its severity from the catalogue; `message` is worded (messages.MSG)."""
    return Finding(rule_id, LOADER_RULES[rule_id][0], sheet, cell, message)
