"""S018, S019 (checks.md v3): two statements of the unit set against each other — the 完成程度 it
chose and its 定性 score; the points its indicators claim and the money it spent.

The scores come from `scoring.score` (ctx.scores); the lines read here are the known ones (LINES).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..display import percent, show
from ..measure import ACHIEVED, FAILED, PARTIAL, QUALITATIVE
from ..model import Finding, Project, Severity
from ..scoring import in_band
from .registry import LINES, TOTAL, Context, finding, rule

_SHARES = {ACHIEVED: "80%（含）–100%", PARTIAL: "60%（含）–80%（不含）", FAILED: "0–60%（不含）"}


@rule("S018", Severity.ERROR, needs=(LINES,))
def stated_level_matches_score(project: Project, ctx: Context) -> Iterator[Finding]:
    """定性指标自评得分应在单位自填完成程度的区间内 | A 定性 score lies in the band of the 完成程度 the unit chose.

    单位在完成程度列选了“达成”（分值的 80%–100%）、“部分达成”（60%–80%）或“未达成”（60% 以下），
    自评得分却不在该区间：两处都是单位自己填的，必有一处写错，这是算术可以证明的矛盾。80% 整属于达成，60% 整属于部分达成。
    复核得分仍按自评得分计，由单位更正或审核人员调整。
    """
    tolerance = ctx.settings.tolerance.score
    for ind in project.indicators:
        line = ctx.scores.for_row(ind.row)
        if line is None or line.kind != QUALITATIVE or not line.stated_level or line.band is None:
            continue
        claimed, weight = line.claimed, line.weight
        if claimed is None or weight is None or not -tolerance <= claimed <= weight + tolerance:
            continue  # S001 says it
        if in_band(claimed, line.band, ctx.settings, line.level):
            continue
        low, high = line.band
        closing = "" if line.level == ACHIEVED else "（不含）"
        band = f"{show(low)}–{show(high)} 分{closing}"
        yield finding(
            "S018",
            ind.claimed,
            expected=f"{show(low)}–{show(high)}",
            actual=claimed,
            name=ind.level3.text or f"第 {ind.row} 行",
            level=line.level,
            band=band,
            weight=show(weight),
            share=_SHARES.get(line.level, ""),
            claimed=show(claimed),
        )


@rule("S019", Severity.WARNING, needs=(TOTAL,))
def score_follows_spending(project: Project, ctx: Context) -> Iterator[Finding]:
    """指标得分率明显高于预算执行率 | Indicators score near full while much of the money is unspent.

    财预〔2020〕10号按花了多少钱、办成了多少事来评价：Σ指标复核得分 ÷ Σ指标分值 比执行率高出 config.toml
    `[checks] score_execution_gap`（默认 15 个百分点）以上，是审核中常见的“自评得分偏高”情形
    （预算管理一体化的自评预警同理）。只是提示，不改分。
    """
    s = ctx.scores
    rate, weight, score = s.execution_rate, s.indicator_weight, s.indicator_score
    if rate is None or not weight or score is None or project.total is None:
        return
    score_rate = score / weight
    gap, limit = score_rate - rate, ctx.settings.checks.score_execution_gap
    if gap <= limit + 1e-9:
        return
    yield finding(
        "S019",
        project.total.executed,
        expected=round(rate + limit, 6),
        actual=round(score_rate, 6),
        score=show(score),
        weight=show(weight),
        score_rate=percent(score_rate),
        rate=percent(rate),
        gap=percent(gap),
        limit=percent(limit),
    )
