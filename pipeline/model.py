"""Domain objects: what a workbook says, where it says it, and what the checks found.

Every value read from a workbook travels with the cell it came from (`Cell`), so any finding can
point a reviewer at `支付明细!F7`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Generic, TypeVar

from .schema import FUND_TOTAL

if TYPE_CHECKING:
    from .measure import Measurement

T = TypeVar("T")


@dataclass(frozen=True, order=True)
class CellRef:
    sheet: str
    cell: str = ""  # A1 address or range; empty = the whole sheet / workbook

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet


@dataclass(frozen=True)
class Cell(Generic[T]):
    """A parsed value, the text the staff typed, and where it was typed."""

    value: T | None
    ref: CellRef | None = None
    raw: str = ""

    @property
    def blank(self) -> bool:
        return self.value is None and not self.raw.strip()

    @property
    def text(self) -> str:
        return self.raw.strip()


EMPTY: Cell = Cell(None)


@dataclass(frozen=True)
class Unknown:
    """A figure the workbook does not give or that cannot be read (scoring.md v3): unknown, never 0."""

    sheet: str
    cell: str  # empty: the whole sheet or column is missing
    what: str  # 全年执行数, 第 7 行分值, 绩效指标表 …

    @property
    def location(self) -> str:
        return str(CellRef(self.sheet, self.cell))

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "cell": self.cell, "what": self.what}


class Severity(enum.StrEnum):
    ERROR = "错误"
    WARNING = "警告"
    INFO = "提示"

    @property
    def rank(self) -> int:
        """0 for the worst: the order the members are declared in."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {s: n for n, s in enumerate(Severity)}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    sheet: str
    cell: str
    message: str
    expected: float | str | None = None
    actual: float | str | None = None
    # the words of the unit's text the finding is about, as the rule read them (half-width, no
    # spaces): the report anchors its Word comment on the sentence holding them
    quote: str = field(default="", compare=False)
    # X rules (across workbooks): where the other workbook says it, (file, sheet, cell)
    other: tuple[str, str, str] | None = None

    @property
    def location(self) -> str:
        return str(CellRef(self.sheet, self.cell)) if self.sheet else ""

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
        } | ({"other": dict(zip(("file", "sheet", "cell"), self.other, strict=True))} if self.other else {})

    @classmethod
    def from_dict(cls, d: dict) -> Finding:
        """The inverse of as_dict (an X finding travels to the worker as findings.json has it)."""
        other = d.get("other")
        return cls(
            d["rule"],
            Severity(d["severity"]),
            d.get("sheet") or "",
            d.get("cell") or "",
            d.get("message") or "",
            d.get("expected"),
            d.get("actual"),
            other=(other["file"], other.get("sheet") or "", other.get("cell") or "") if other else None,
        )


# ---------------------------------------------------------------- project information
@dataclass(frozen=True)
class ProjectInfo:
    name: Cell[str] = EMPTY
    year: Cell[int] = EMPTY
    department: Cell[str] = EMPTY
    department_code: Cell[str] = EMPTY
    unit: Cell[str] = EMPTY
    credit_code: Cell[str] = EMPTY
    eval_type: Cell[str] = EMPTY
    leader: Cell[str] = EMPTY
    contact: Cell[str] = EMPTY
    phone: Cell[str] = EMPTY
    eval_date: Cell[date] = EMPTY
    claimed_total: Cell[float] = EMPTY
    claimed_grade: Cell[str] = EMPTY
    project_code: Cell[str] = EMPTY  # v3: 项目编码 of 预算管理一体化 (X006–X008 match on it)


# ---------------------------------------------------------------- money (all amounts in 万元)
@dataclass(frozen=True)
class FundRow:
    source: str  # canonical: 年度资金总额 / 财政拨款 / 上年结转资金 / 其他资金
    row: int  # Excel row number
    initial: Cell[float] = EMPTY  # 年初预算数
    adjusted: Cell[float] = EMPTY  # 全年预算数
    executed: Cell[float] = EMPTY  # 全年执行数
    rate: Cell[float] = EMPTY  # 执行率 as the unit states it (fraction: 1.0 = 100%)

    @property
    def budget(self) -> Cell[float]:
        """全年预算数, or 年初预算数 when 全年预算数 is blank."""
        return self.adjusted if self.adjusted.value is not None else self.initial


@dataclass(frozen=True)
class SubItem:
    row: int
    name: Cell[str]
    amount: Cell[float]
    note: str = ""


@dataclass(frozen=True)
class Payment:
    row: int
    seq: str
    dates: Cell[tuple[date, ...]]  # several days may share one row
    items: Cell[tuple[str, ...]]  # 分项名称, split on 、
    amount: Cell[float]
    fund_type: str = ""
    purpose: str = ""
    voucher: str = ""
    year_assumed: bool = False  # a date was written without a year (P008)
    voucher_ref: CellRef | None = None  # where 凭证号 was read (X001 points there)


@dataclass(frozen=True)
class StructureRow:
    row: int
    category: Cell[str]
    amount: Cell[float]


@dataclass(frozen=True)
class Goal:
    row: int
    seq: str
    expected: Cell[str]
    actual: Cell[str]


@dataclass(frozen=True)
class Label:
    """A 一级/二级指标 cell: its name, and the weight staff may have written into it."""

    name: str  # normalised, weight removed, as scored: 数量指标 (a short form `满意度` -> 满意度指标)
    weight: float | None  # `数量指标 (30分)` -> 30.0
    ref: CellRef | None
    raw: str = ""
    written: str = ""  # the name as written (weight removed) when it is not `name` (S017)


@dataclass(frozen=True)
class Indicator:
    row: int
    level1: Label
    level2: Label
    level3: Cell[str]
    nature: Cell[str]  # 定量 / 定性 / blank as written
    target: Cell[str]
    actual: Cell[str]
    weight: Cell[float]  # 分值
    claimed: Cell[float]  # 自评得分
    deviation: Cell[str]  # 偏差原因分析及改进措施
    unit: Cell[str] = EMPTY  # 度量单位 / 计量单位 (四川/一体化 layouts): the unit of bare numbers
    comparator: Cell[str] = EMPTY  # a comparator column of its own (指标方向, 运算符号), when there is one
    level: Cell[str] = EMPTY  # v3 完成程度: the band the unit states for a 定性 line (达成/部分达成/未达成)


@dataclass(frozen=True)
class Section:
    title: str
    text: Cell[str]


@dataclass(frozen=True)
class Member:
    row: int
    name: str
    title: str = ""
    unit: str = ""
    role: str = ""


@dataclass(frozen=True)
class Project:
    """One workbook, loaded. Tables that were missing are empty; `missing` says which."""

    file: str
    sha256: str
    info: ProjectInfo = field(default_factory=ProjectInfo)
    funds: dict[str, FundRow] = field(default_factory=dict)
    subitems: tuple[SubItem, ...] = ()
    payments: tuple[Payment, ...] = ()
    structure: tuple[StructureRow, ...] = ()
    goals: tuple[Goal, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    narrative: tuple[Section, ...] = ()
    team: tuple[Member, ...] = ()
    # sheets/columns the loader could not find: rules depending on them stay silent
    missing: frozenset[str] = frozenset()
    # the sheets as read (raw values, merges filled), keyed by their name in the workbook
    sheets: dict[str, list[list[object]]] = field(default_factory=dict)
    money_units: dict[str, str] = field(default_factory=dict)  # sheet -> 万元/元 as read
    # cells the loader could not read (I005, I006): their figures are unknown, never 0
    unreadable: frozenset[CellRef] = frozenset()

    @property
    def total(self) -> FundRow | None:
        return self.funds.get(FUND_TOTAL)

    def has(self, *names: str) -> bool:
        """True when none of these sheets (or `sheet.column` keys) is missing."""
        return not any(n in self.missing for n in names)

    def section(self, title: str) -> Section | None:
        return next((s for s in self.narrative if s.title == title), None)


# ---------------------------------------------------------------- results (scoring.py fills these)
@dataclass(frozen=True)
class IndicatorScore:
    """The recomputed score of one indicator row, with the arithmetic a reviewer can follow."""

    row: int  # Excel row in 绩效指标
    kind: str  # 定量 / 定性
    method: str  # 不低于 / 不高于 / 等于 / 大于 / 小于 / 定性 / 无法核验
    weight: float | None  # 分值
    claimed: float | None  # 自评得分 as the unit wrote it
    computed: float | None  # 复核得分; None when it cannot be verified (the claim stands, flagged)
    band: tuple[float, float] | None = None  # 定性: the allowed range of scores
    level: str = ""  # 定性: 达成 / 部分达成 / 未达成
    arithmetic: str = ""  # "定量·不低于·36次→完成32次：10×32/36=8.89"
    met: bool | None = None  # the numbers (or a deadline) show the target met / missed; None: unknown
    adjusted: bool = False  # 复核得分 set by a reviewer's 调整 (审核调整), not computed
    adjust_reason: str = ""  # the reviewer's 审核说明 of a 调整, when it says more than the score
    # decided by scoring, rendered as they are: the claim differs from the computed score (beyond
    # the score tolerance); the line scores below its 分值 (any deduction, however small)
    claimed_differs: bool = False
    lost: bool = False
    # what scoring read of the line (measure.py), for the checks and renderers to read, not re-parse:
    # the target and actual as quantities (None: 年度指标值 is not one); a 定量 line's deadline
    measurement: Measurement | None = field(default=None, compare=False, repr=False)
    deadline: date | None = field(default=None, compare=False, repr=False)
    # v3: the figures this line needs that the workbook does not give; the line is then unknown
    unknown: tuple[Unknown, ...] = ()
    stated_level: bool = False  # v3: the band comes from the unit's own 完成程度 (S018), not 实际完成值

    @property
    def final(self) -> float | None:
        """复核得分 as it enters the total: the computed score, else the unit's claim; None: unknown."""
        if self.unknown:
            return None
        return self.computed if self.computed is not None else self.claimed


@dataclass(frozen=True)
class Subtotal:
    level1: str
    level2: str
    weight: float | None  # None: a 分值 of the group is unknown
    claimed: float
    computed: float | None  # None: a line of the group is unknown
    claimed_differs: bool = False  # Σ自评 ≠ Σ复核 beyond the score tolerance


@dataclass(frozen=True)
class Verified:
    """What could be verified while the total is unknown: 已复核 12 项，计 71.50 分 / 分值 75 分."""

    lines: int  # the 预算执行率 line counts as one when it is known
    score: float
    weight: float

    def as_dict(self) -> dict:
        return {"lines": self.lines, "score": self.score, "weight": self.weight}


@dataclass(frozen=True)
class Scores:
    budget: float | None  # 全年预算数 (or 年初预算数), 万元
    executed: float | None  # 全年执行数, 万元
    execution_rate: float | None  # fraction
    budget_weight: float  # 预算执行率 分值 (10 by default)
    budget_score: float | None  # None: the 预算执行率 line is unknown
    # v3: None where a figure behind it is unknown (scoring.md "Unknown figures"); never a guessed 0
    indicator_weight: float | None  # Σ 分值 of the indicator rows
    indicator_score: float | None  # Σ 复核得分
    weight_total: float | None  # budget_weight + indicator_weight
    raw_total: float | None  # budget_score + indicator_score, before rescaling
    total: float | None  # on a 100-point scale; None: 无法复核
    grade: str | None  # 优 / 良 / 中 / 差; None: 无法复核
    indicators: tuple[IndicatorScore, ...] = ()
    subtotals: tuple[Subtotal, ...] = ()  # per (一级, 二级), in table order
    level1_weights: dict[str, float | None] = field(default_factory=dict)  # 产出指标 -> 80.0; None: unknown
    paid: float | None = None  # Σ 支付明细 (万元); None when the sheet is missing or an amount unknown
    budget_arithmetic: str = ""  # "执行率 121/121（年初预算数）=100%：10×100%=10"
    total_arithmetic: str = ""  # "分值合计 110，折算为 100 分制：(10+94)÷110×100=94.55"
    capped_at: float | None = None  # [scoring] total_caps: the cap that lowered the total, if any
    adjusted: bool = False  # a reviewer's 调整 moved a line, and so the total (审核调整)
    scale: float = 100.0  # the points the total is stated on (weights.total)
    rescaled: bool = False  # the 分值 do not add to `scale`: total = raw_total ÷ weight_total × scale
    claimed_total_differs: bool = False  # 自评总分 ≠ total beyond the score tolerance (S011)
    claimed_grade_differs: bool = False  # 自评等级 ≠ grade (S012)
    decimals: int = 2  # scoring.decimals: every score above is rounded to it, and shown to it
    # v3: the cells that block the total (empty: the total is known), and what could be verified
    unknown: tuple[Unknown, ...] = ()
    verified: Verified | None = None

    @property
    def known(self) -> bool:
        return self.total is not None

    def for_row(self, row: int) -> IndicatorScore | None:
        return next((s for s in self.indicators if s.row == row), None)


# ---------------------------------------------------------------- reviewer decisions (decisions.py)
@dataclass(frozen=True)
class DecisionKey:
    """What a decision belongs to: a finding as (project, rule, sheet!cell, expected, actual)."""

    project: str  # the input file's name (the manifest's key)
    rule: str
    location: str  # 绩效指标!J3; '' for a finding on no cell
    expected: str  # as text (decisions.value_text), so 94 and 94.0 are one value
    actual: str


@dataclass(frozen=True)
class Decision:
    """A reviewer's 审核处理 on one finding, as read back from a file they saved."""

    key: DecisionKey
    state: str  # 待核实 / 确认 / 豁免 / 调整, or what was typed when it is none of them
    note: str  # 审核说明; for 调整 the adjusted score
    by: str  # the file's author property (lastModifiedBy)
    at: str  # the file's modification time, ISO seconds
    source: str  # where it was typed: <file under output/>!<cell>
    status: str = "有效"  # 有效 / 已失效 (its finding is gone) / 已更改 (replaced by a newer one)
    retired: str = ""  # when it stopped being 有效
    problem: str = ""  # why it cannot be applied (set when matched); it then counts as 待核实

    @property
    def effective(self) -> str:
        return "待核实" if self.problem else self.state


@dataclass(frozen=True)
class Review:
    """The decisions as they apply to one run's findings (decisions.resolve)."""

    decided: dict[Finding, Decision] = field(default_factory=dict)  # finding -> its decision
    retired: tuple[Decision, ...] = ()  # 已失效: earlier and just now, for 审核记录
    adjustments: dict[int, Decision] = field(default_factory=dict)  # 绩效指标 row -> its valid 调整
    # v3: an unknown figure (a 分值, a 年度资金总额 amount) the reviewer's 调整 supplies
    figures: dict[CellRef, Decision] = field(default_factory=dict)

    def state(self, f: Finding) -> str:
        d = self.decided.get(f)
        return d.effective if d is not None else "待核实"

    @property
    def problems(self) -> tuple[Decision, ...]:
        return tuple(d for d in dict.fromkeys(self.decided.values()) if d.problem)


NO_REVIEW = Review()


@dataclass(frozen=True)
class Result:
    """Everything the renderers need: they format these values and never recompute."""

    project: Project
    findings: tuple[Finding, ...]
    scores: Scores | None  # None when the workbook could not be read at all
    review: Review = NO_REVIEW  # the reviewer's decisions on these findings
