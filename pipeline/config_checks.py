"""config.toml values checked together once read (config.load_settings): ranges and relations
(scoring.md, 总分与等级), and values that would change results without a word (issue 23: the budget
bands, the keyword lists, the severities the report lists). One ConfigError naming the key."""

from __future__ import annotations

import dataclasses
import itertools

from .config import ConfigError, Limits, Paths, Settings


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


# ---------------------------------------------------------------- values that make sense together
_DECIMALS = (0, 6)  # 复核得分 to at most 6 decimals; more is noise (and round() beyond ~300 fails)


def validate(s: Settings) -> None:
    """Ranges and relations (scoring.md, 总分与等级): one ConfigError naming the key."""
    for f in dataclasses.fields(Paths):
        if not getattr(s.paths, f.name).strip():  # "" would be the config's own folder
            raise ConfigError(f"config.toml: paths.{f.name} 不能为空：请写目录名，如 {f.default!r}")
    w = s.weights
    if w.total <= 0:
        raise ConfigError(f"config.toml: weights.total = {w.total:g} 应大于 0")
    parts = w.budget_execution + w.output + w.benefit + w.satisfaction
    if abs(parts - w.total) > 1e-9 * max(1.0, w.total):
        raise ConfigError(
            f"config.toml: weights 各项之和 {parts:g}（budget_execution + output + benefit + satisfaction）"
            f"应等于 weights.total = {w.total:g}"
        )
    low, high = _DECIMALS
    if not low <= s.scoring.decimals <= high:
        raise ConfigError(f"config.toml: scoring.decimals = {s.scoring.decimals} 应在 {low}–{high} 之间")
    bands = s.scoring.budget_bands
    for i, (rate, share) in enumerate(bands):
        if share > 1:
            raise ConfigError(
                f"config.toml: scoring.budget_bands 第 {i + 1} 组的得分比例 {share:g} 应在 0–1 之间"
            )
        if i and rate >= bands[i - 1][0]:
            raise ConfigError(
                f"config.toml: scoring.budget_bands 第 {i + 1} 组的执行率下限 {rate:g} 应低于上一组的 "
                f"{bands[i - 1][0]:g}（从高到低排列）"
            )
    g = s.grades
    if not 0 < g.pass_ < g.good < g.excellent <= 100:
        raise ConfigError(
            f"config.toml: grades 分数线应为 0 < pass ({g.pass_:g}) < good ({g.good:g}) < excellent "
            f"({g.excellent:g}) ≤ 100（优、良、中的下限从高到低）"
        )
    gap = s.checks.score_execution_gap
    if not 0 <= gap <= 1:
        raise ConfigError(
            f"config.toml: checks.score_execution_gap = {gap:g} 应在 0–1 之间（如 0.15 即 15 个百分点）"
        )
    q = s.qualitative
    named = (
        ("failed_band", q.failed_band),
        ("partial_band", q.partial_band),
        ("achieved_band", q.achieved_band),
    )
    for name, (lo, hi) in named:
        if not 0 <= lo <= hi <= 1:
            raise ConfigError(
                f"config.toml: qualitative.{name} = [{lo:g}, {hi:g}] 应满足 0 ≤ 下限 ≤ 上限 ≤ 1"
            )
    for (below, (_, top)), (name, (bottom, _)) in itertools.pairwise(named):
        if bottom < top:
            raise ConfigError(
                f"config.toml: qualitative.{name} 的下限 {bottom:g} 低于 qualitative.{below} 的上限 {top:g}："
                "各完成程度的得分区间不能重叠"
            )
    for key, value in (
        ("checks.low_execution", s.checks.low_execution),
        ("checks.name_overlap", s.checks.name_overlap),
    ):
        if value > 1:
            raise ConfigError(f"config.toml: {key} = {value:g} 应在 0–1 之间")
    for f in dataclasses.fields(Limits):
        value = getattr(s.limits, f.name)
        if value <= 0:
            raise ConfigError(f"config.toml: limits.{f.name} = {value:g} 应大于 0（为 0 会拒读一切文件）")
    validate_words(s)
