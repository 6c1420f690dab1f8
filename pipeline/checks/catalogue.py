"""docs/rules.md, generated from the registry (a test fails when the checked-in file is stale)."""

from __future__ import annotations

from .registry import RULES

FAMILIES = {
    "I": "读取工作簿",
    "M": "项目信息",
    "B": "预算（资金情况、分项预算）",
    "P": "支付（支付明细、支出结构）",
    "S": "指标与得分（绩效指标、资金情况）",
    "N": "单位撰写的报告正文",
    "X": "跨工作簿（同一批次及归档中的往年工作簿，及财政局提供的批复绩效目标）",
}


def rules_markdown() -> str:
    lines = [
        "# 审核规则目录",
        "",
        "本文件由 `python -m pipeline rules` 根据规则注册表生成，请勿手改。规则编号长期不变；",
        "新规则使用新编号，停用的编号不再复用。严重程度：错误 / 警告 / 提示。",
        "",
    ]
    for prefix, title in FAMILIES.items():
        family = [r for r in RULES.values() if r.id.startswith(prefix)]
        if not family:
            continue
        lines += [f"## {prefix} — {title}", "", "| 编号 | 严重程度 | 规则 | 为什么 |", "|---|---|---|---|"]
        for r in sorted(family, key=lambda r: r.id):
            rule_text = r.summary.split(" | ")[0]  # the Chinese half: the readers are finance staff
            lines.append(f"| {r.id} | {r.severity.value} | {_cell(rule_text)} | {_cell(r.why)} |")
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
