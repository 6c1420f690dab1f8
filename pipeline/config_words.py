"""config.toml values that would change results without a word (issue 23): the budget bands, the
keyword lists, the severities the report lists. Called by config._validate; one ConfigError naming the key."""

from __future__ import annotations

import dataclasses

from .config import ConfigError, Settings


def validate_words(s: Settings) -> None:
    """Values that change results without a word: no band, a band above 100%, an empty
    qualitative.achieved, a severity that does not exist, a blank keyword (found in every text)."""
    bands, sections = s.scoring.budget_bands, ("scoring", "qualitative", "checks", "report")
    problems = [
        (
            "scoring.budget_bands",
            "应为至少一组 [执行率下限（0–1）, 得分比例]，如 [[1.0, 1.0]]",
            not bands or any(r > 1 for r, _ in bands),
        ),
        ("qualitative.achieved", "不能为空：否则没有任何定性指标能算作达成", not s.qualitative.achieved),
        (
            "report.findings_severities",
            "只能是 错误 / 警告 / 提示",
            set(s.report.findings_severities) - {"错误", "警告", "提示"},
        ),
        *(
            (
                f"{n}.{f.name}",
                "含有空字符串：空词会匹配任何文字，请删去",
                any(isinstance(w, str) and not w.strip() for w in getattr(getattr(s, n), f.name)),
            )
            for n in sections
            for f in dataclasses.fields(getattr(s, n))
            if isinstance(getattr(getattr(s, n), f.name), tuple)
        ),
    ]
    for key, why, bad in problems:
        if bad:
            raise ConfigError(f"config.toml: {key} {why}")
