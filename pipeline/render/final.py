"""What the 定稿's last 附件, 审核情况, shows (outputs.md v3): each finding a reviewer decided (确认 /
豁免 / 调整, with the 审核说明), one line counting what is left 待核实, and the bureau's block
(审核单位 from config, 审核人 and 审核日期 from 审核汇总, 审核结论). Display strings only; the wording
is in templates/report/review.j2."""

from __future__ import annotations

import datetime as dt
import re

from ..config import Settings
from ..decisions import ADJUSTED, CONFIRMED, OPEN, WAIVED, Conclusion
from ..model import Result, Severity

DECIDED = (CONFIRMED, WAIVED, ADJUSTED)


def final_context(result: Result, conclusion: Conclusion, settings: Settings) -> dict:
    review = result.review
    decided = []
    left = dict.fromkeys(Severity, 0)
    for f in sorted(result.findings, key=lambda f: (f.severity.rank, f.rule, f.location)):
        state = review.state(f)
        if state in DECIDED:
            decided.append(
                {
                    "severity": f.severity.value,
                    "rule": f.rule,
                    "location": _one_line(f.location),
                    "message": _one_line(f.message),
                    "state": state,
                    "note": _one_line(review.decided[f].note),
                }
            )
        elif state == OPEN:
            left[f.severity] += 1
    return {
        "decided": decided,
        "left": [(sev.value, n) for sev, n in left.items() if n],
        "bureau": _one_line(settings.bureau.name),
        "reviewer": _one_line(conclusion.reviewer),
        "day": _day(conclusion.day),
        "conclusion": conclusion.state,
    }


def _one_line(text: str) -> str:
    """One line of what a reviewer typed (private-use characters, which the Word layer uses as marks, dropped)."""
    return " ".join(re.sub("[\ue000-\uf8ff]", "", text or "").split())


def _day(text: str) -> str:
    """审核日期 as 审核汇总 stores it (2026-05-06) written as a 公文 date (2026年5月6日)."""
    try:
        d = dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return _one_line(text)
    return f"{d.year}年{d.month}月{d.day}日"
