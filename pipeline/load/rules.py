"""The I rules: what the loader finds (checks.md "I"). Catalogued with every other rule in
checks/registry.py, which takes their severities and docs from here; the loader, and a batch that
reports a program fault as I001, build their findings with `loader_finding`, as rules do with
`registry.finding`: severity from the catalogue, never restated."""

from __future__ import annotations

from ..model import Finding, Severity

# id -> (severity, "中文 | English" summary, then why — in Chinese: docs/rules.md is read by finance staff)
LOADER_RULES: dict[str, tuple[Severity, str]] = {
    "I001": (
        Severity.ERROR,
        "文件无法读取 | The file cannot be read as a workbook.\n"
        "不是工作簿、压缩包损坏、设有密码、旧版 .xls，或超过大小限制；意见说明是哪一种、该怎么做。",
    ),
    "I002": (
        Severity.ERROR,
        "缺少必需的工作表 | A required sheet is missing.\n意见写明缺的是哪张表，以及工作簿中名称相近的表。",
    ),
    "I003": (
        Severity.ERROR,
        "缺少必需的列 | A required column is missing in a sheet.\n依赖这一列的规则不再运行，以免连锁误报。",
    ),
    "I004": (
        Severity.ERROR,
        "必填项为空 | A required field is empty.\n"
        "项目信息的必填项、资金情况的年度资金总额行、支付的金额或日期。",
    ),
    "I005": (
        Severity.ERROR,
        "单元格无法读取为所需类型 | A cell cannot be read as the number, percentage, date or year its column needs.\n"
        "不会中断处理，也不会悄悄当作 0：该值记为未知，并指明单元格。",
    ),
    "I006": (
        Severity.WARNING,
        "公式没有缓存值 | A formula cell has no cached value.\n"
        "文件由不计算公式的程序保存，公式的结果未知：请在 Excel/WPS 中打开并保存一次。",
    ),
    "I007": (
        Severity.INFO,
        "全年预算数为空，以年初预算数为基数 | 全年预算数 blank: 年初预算数 used as the base.\n"
        "预算执行率以年初预算数为基数计算。",
    ),
}


def loader_finding(rule_id: str, sheet: str, cell: str, message: str) -> Finding:
    """A finding of an I rule, its severity from the catalogue; `message` is worded (messages.MSG)."""
    return Finding(rule_id, LOADER_RULES[rule_id][0], sheet, cell, message)
