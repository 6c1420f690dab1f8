"""Cross-checks: one module per family; importing them fills the registry."""

from . import approved, budget, claims, cross, indicators, info, narrative, payments  # noqa: F401  (registration)
from .registry import RULES, Context, finding, rule, run_checks

__all__ = ["RULES", "Context", "finding", "rule", "run_checks"]
