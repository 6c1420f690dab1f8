"""The 预算执行率 line (第十一条): 分值 × min(执行率, 100%), or the configured bands. v3: a figure it
needs that the workbook does not give makes the line unknown (unknown.py), never 0. Part of scoring."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings
from .display import round_half_up as round_score  # a score rounds as it is shown
from .display import show
from .measure import FULL_RATE
from .model import FundRow, Project, Unknown
from .unknown import budget_unknowns


@dataclass(frozen=True)
class BudgetScore:
    base: float | None
    executed: float | None
    rate: float | None
    score: float | None  # None: the line is unknown (`unknown` says why) or the base is 0
    arithmetic: str
    unknown: tuple[Unknown, ...] = ()


def score_budget(total: FundRow | None, settings: Settings, project: Project | None = None) -> BudgetScore:
    """第十一条: 预算执行率 得分 = 分值 × min(执行率, 100%) (or the configured bands).
    v3: a figure it needs that the workbook does not give makes the line unknown, never 0."""
    d = settings.scoring.decimals
    weight = settings.weights.budget_execution
    blocked = budget_unknowns(total, project or Project(file="", sha256=""))
    if blocked:
        cells = "、".join(u.location + f"（{u.what}）" for u in blocked)
        base = total.budget.value if total is not None and total.adjusted.value is not None else None
        return BudgetScore(
            base,
            total.executed.value if total is not None else None,
            None,
            None,
            f"{cells}缺失或无法读取，预算执行率得分无法复核",
            blocked,
        )
    base, executed = total.budget.value, total.executed.value
    base_name = "全年预算数" if total.adjusted.value is not None else "年初预算数"
    if base <= 0:
        return BudgetScore(base, executed, None, 0.0, f"{base_name}为 0，预算执行率得分无法计算，按 0 计")
    rate = executed / base
    share, how = _budget_share(rate, settings)
    points = round_score(weight * share, d)
    rate_text = f"{show(rate * FULL_RATE, d)}%"
    return BudgetScore(
        base,
        executed,
        rate,
        points,
        f"执行率 {show(executed)}/{show(base)}（{base_name}）={rate_text}："
        f"{show(weight, d)}×{how}={show(points, d)}",
    )


def _budget_share(rate: float, settings: Settings) -> tuple[float, str]:
    d = settings.scoring.decimals
    if settings.scoring.budget_method == "banded":
        for lowest, share in settings.scoring.budget_bands:
            if rate >= lowest:
                return share, f"{show(share * FULL_RATE, d)}%（执行率≥{show(lowest * FULL_RATE, d)}%档）"
        return 0.0, "0（低于最低档）"
    capped = min(rate, 1.0)
    return capped, f"{show(capped * FULL_RATE, d)}%"
