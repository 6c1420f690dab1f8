"""X rules: across the workbooks of one batch, and against the same project's earlier years.

An X rule is `fn(frames, ctx) -> Iterator[Located]`, run once per batch by batch/second_pass.py on the
batch-wide tables (tables.py). Each finding belongs to one workbook of the batch and names
the other one (`Finding.other`: file, sheet, cell). When several workbooks share what a rule looks
for, each gets one finding that names the first of the others and counts the rest, so a batch of
n look-alike workbooks gets n findings, not n².

All are 警告/提示: two workbooks agreeing is a question for a person (which one counts?), not a
contradiction the numbers prove. Nothing here imports pandas at module level: the workers import
the registry, and only the main process builds tables.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..config import Settings
from ..display import money, money_key
from ..messages import MSG
from ..model import Finding, Severity
from ..values import AT_LEAST, AT_MOST, GREATER, LESS, parse_quantity
from .registry import RULES, rule

if TYPE_CHECKING:
    from ..load.approved import ApprovedTargets
    from ..tables import Frames

# A copied sentence shorter than this (`无。`, `无`) says nothing about copying.
MIN_COPIED_CHARS = 20
LISTED_OTHERS = 3  # the message names this many other workbooks, then counts the rest


@dataclass(frozen=True)
class CrossContext:
    settings: Settings = field(default_factory=Settings)
    approved: ApprovedTargets | None = None  # the bureau's approved 绩效目标 (X006–X008, checks/approved.py)
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # tables rules share, built once


@dataclass(frozen=True)
class Located:
    """An X finding and the workbook (input file name) it belongs to."""

    file: str
    finding: Finding


@dataclass(frozen=True)
class _Spot:
    file: str
    sheet: str
    cell: str
    ident: str = ""  # the project it belongs to: two copies of one project are not "two workbooks"

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.sheet and self.cell else (self.sheet or "整个工作簿")


def run_cross(frames: Frames, ctx: CrossContext | None = None) -> dict[str, list[Finding]]:
    """Every X rule over the tables: {file: its X findings, in rule then cell order}."""
    ctx = ctx or CrossContext()
    out: dict[str, list[Finding]] = {}
    for r in RULES.values():
        if r.across and r.fn is not None:
            for located in r.fn(frames, ctx):  # type: ignore[arg-type]
                out.setdefault(located.file, []).append(located.finding)
    for findings in out.values():
        findings.sort(key=lambda f: (f.rule, f.sheet, f.cell, f.message))
    return out


def _make(rule_id: str, spot: _Spot, other: _Spot, key: str | None = None, **fmt: object) -> Located:
    message = MSG[key or rule_id].format(other=other.file, where=other.where, **fmt)
    return Located(
        spot.file,
        Finding(
            rule_id,
            RULES[rule_id].severity,
            spot.sheet,
            spot.cell,
            message,
            other=(other.file, other.sheet, other.cell),
        ),
    )


def _more(n: int) -> str:
    return MSG["X_more"].format(n=n + 1) if n > 0 else ""


def _shared(
    rule_id: str, spots: list[_Spot], key: str | None = None, every: bool = False, **fmt: object
) -> Iterator[Located]:
    """Spots (one per workbook, in input order): one finding per workbook that shares them with
    another project, naming the first other one and counting the rest (`every`: naming each of
    them, X003 v3). Copies of one project (X003 says so) are not asked about again."""
    for spot in spots:
        others = [s for s in spots if s.file != spot.file and (not s.ident or s.ident != spot.ident)]
        if not others:
            continue
        more = "".join(f"、{s.file}" for s in others[1:]) if every else _more(len(others) - 1)
        yield _make(rule_id, spot, others[0], key, more=more, **fmt)


def _one_per_file(rows: list[_Spot]) -> list[_Spot]:
    seen: dict[str, _Spot] = {}
    for s in rows:
        seen.setdefault(s.file, s)
    return list(seen.values())


def _in_several(rows, keys: list[str]):
    """The rows whose `keys` occur in two workbooks or more: the few a rule then looks at one by one
    (grouping all 10,000 payments of a batch row group by row group would cost seconds)."""
    if rows.empty:
        return rows
    return rows[rows.groupby(keys, sort=False, dropna=False)["file"].transform("nunique") > 1]


def _grouped(rows, keys: list[str], columns: list[str], dropna: bool = True) -> Iterator[list]:
    """The rows of each group of `keys`, in groupby's (sorted) order, each row a named tuple of
    `columns`: what `groupby` and `group.itertuples()` give, without pandas' cost per group (a
    column slice each and a new namedtuple class: ~1.5 ms a group, 0.6 s for one unit of 150
    projects whose payments coincide, while the workers wait)."""
    if rows.empty:
        return
    row = namedtuple("row", columns)  # type: ignore[misc]  # one class, not one per group
    values = [row(*v) for v in zip(*(rows[c].tolist() for c in columns), strict=True)]
    numbers = rows.groupby(keys, sort=True, dropna=dropna).ngroup().tolist()
    groups: dict[int, list] = {}
    for n, v in zip(numbers, values, strict=True):
        if n == n and n >= 0:  # a key left out (NaN, dropna): numbered NaN or -1, as groupby skips it
            groups.setdefault(int(n), []).append(v)
    for n in sorted(groups):
        yield groups[n]


def _batch_payments(frames: Frames):
    p = frames.projects
    batch = p[p["in_batch"] & p["readable"]][["file", "year", "unit", "key", "sha256"]]
    pay = frames.payments.merge(batch, on="file", how="inner")
    return pay.assign(ident=pay["key"].where(pay["key"] != "", pay["sha256"]))


# ---------------------------------------------------------------- X001–X003: within the batch
@rule("X001", Severity.WARNING, across=True)
def voucher_in_two_workbooks(frames: Frames, ctx: CrossContext) -> Iterator[Located]:
    """同一凭证号出现在两个工作簿的支付明细中 | The same 凭证号 appears in the payments of two workbooks.
    一张凭证是账上的一笔支付，两个项目都列了它，就可能重复列支。凭证号每年重新编号，所以只在同一预算年度内比较；
    比较前去掉空格、统一全半角。
    """
    from ..tables import normalize

    pay = _batch_payments(frames)
    pay = pay[pay["voucher"] != ""]
    if pay.empty:
        return
    pay = _in_several(pay.assign(_v=pay["voucher"].map(normalize)), ["year", "_v"])
    columns = ["file", "voucher_sheet", "voucher_cell", "ident", "voucher"]
    for group in _grouped(pay, ["year", "_v"], columns, dropna=False):
        spots = _one_per_file(
            [_Spot(r.file, r.voucher_sheet or "支付明细", r.voucher_cell, r.ident) for r in group]
        )
        yield from _shared("X001", spots, voucher=group[0].voucher)


@rule("X002", Severity.WARNING, across=True)
def payment_in_two_projects(frames: Frames, ctx: CrossContext) -> Iterator[Located]:
    """同一实施单位的两个工作簿中有日期、金额、资金性质完全相同的支付 | One payment claimed by two projects?
    同一实施单位在同一天、以同一资金性质付出同样金额，又分别出现在两个项目的支付明细里，多半是一笔支付报了两次。
    金额比较到元。
    """
    from ..tables import normalize

    pay = _batch_payments(frames)
    pay = pay[(pay["dates"] != "") & pay["amount"].notna()]
    if pay.empty:
        return
    pay = pay.assign(
        _u=pay["unit"].map(normalize),
        amount_key=pay["amount"].map(lambda a: money_key(float(a))),
        _f=pay["fund_type"].map(normalize),
    )
    pay = _in_several(pay[pay["_u"] != ""], ["_u", "dates", "amount_key", "_f"])
    columns = ["file", "amount_sheet", "amount_cell", "ident", "dates", "amount_key", "fund_type"]
    for group in _grouped(pay, ["_u", "dates", "amount_key", "_f"], columns):
        spots = _one_per_file(
            [_Spot(r.file, r.amount_sheet or "支付明细", r.amount_cell, r.ident) for r in group]
        )
        first = group[0]
        fund = first.fund_type or "资金性质未填"
        yield from _shared("X002", spots, dates=first.dates, amount=money(first.amount_key), fund=fund)


@rule("X003", Severity.WARNING, across=True)
def project_in_two_files(frames: Frames, ctx: CrossContext) -> Iterator[Located]:
    """两个文件是同一个项目，或逐字节相同 | Two files hold the same project, or are byte-identical copies.
    项目名称、实施单位、预算年度相同（去掉空格、标点，统一全半角后），或两个文件逐字节相同：这个项目会被统计两次，
    以哪一份为准需要人来定。每个文件的意见都列出同组的其他所有文件。无法读取的文件由 I001 说明，不在此比较。
    """
    p = frames.projects[frames.projects["in_batch"]]
    copies: set[frozenset[str]] = set()
    digests = p[p["readable"] & (p["sha256"] != "")]  # an unreadable file counts for nothing: I001 says so
    for _, group in digests[digests["sha256"].duplicated(keep=False)].groupby("sha256", sort=False):
        copies.add(frozenset(group["file"]))
        spots = [_Spot(f, "", "") for f in group["file"]]
        yield from _shared("X003", spots, key="X003_copy", every=True)
    readable = p[p["readable"] & (p["key"] != "")]
    for _, group in readable[readable["key"].duplicated(keep=False)].groupby("key", sort=False):
        files = frozenset(group["file"])
        if len(files) < 2 or files in copies:
            continue
        first = group.iloc[0]
        spots = [
            _Spot(r.file, r.name_sheet or "项目信息", r.name_cell) for r in group.itertuples(index=False)
        ]
        yield from _shared(
            "X003", spots, "X003_same", every=True, name=first["name"], unit=first["unit"], year=first["year"]
        )


# ---------------------------------------------------------------- X004–X005: against an earlier year
def _floor(target: str, level1: str, level2: str, settings: Settings) -> tuple[bool, float, str] | None:
    """(is a floor?, value, unit) of a 年度指标值 that reads as a quantity; None otherwise."""
    q = parse_quantity(target)
    if q is None:
        return None
    if q.comparator in (AT_LEAST, GREATER):
        floor = True
    elif q.comparator in (AT_MOST, LESS):
        floor = False
    else:  # a bare number or 等于, read as the scoring reads it
        at_most = settings.scoring.at_most_level2
        floor = not (level2 in at_most or level1 in at_most)
    return floor, q.value, q.unit


@rule("X004", Severity.WARNING, across=True)
def target_lowered(frames: Frames, ctx: CrossContext) -> Iterator[Located]:
    """同一项目的三级指标年度指标值比上一年度低 | A target is lower than the same project's previous year's.
    财预〔2020〕10号要求绩效指标不得无故调低。同一项目指去掉年份后项目名称相同、实施单位相同；与本批或归档中最近的往年比较，
    三级指标名称、单位、方向都相同时才比：下限（≥）调小、上限（≤，成本、时效）调大，都是要求降低。
    """
    from ..tables import normalize

    pairs = _pairs(frames)
    rows = _rows_by_file(frames.indicators, pairs)
    for current, previous in pairs:
        before = {}
        for r in rows.get(previous["file"], ()):
            before.setdefault(normalize(r.level3), r)
        for r in rows.get(current["file"], ()):
            old = before.get(normalize(r.level3))
            if old is None or not normalize(r.level3):
                continue
            now_q = _floor(r.target, r.level1, r.level2, ctx.settings)
            old_q = _floor(old.target, old.level1, old.level2, ctx.settings)
            if now_q is None or old_q is None or now_q[0] != old_q[0] or now_q[2] != old_q[2]:
                continue
            floor, value, _ = now_q
            if (value < old_q[1]) if floor else (value > old_q[1]):
                yield _make(
                    "X004",
                    _Spot(current["file"], r.sheet or "绩效指标", r.target_cell),
                    _Spot(previous["file"], old.sheet or "绩效指标", old.target_cell),
                    name=r.level3,
                    target=r.target,
                    prev_year=previous["year"],
                    prev_target=old.target,
                )


@rule("X005", Severity.INFO, across=True)
def text_copied(frames: Frames, ctx: CrossContext) -> Iterator[Located]:
    """报告正文或偏差原因与同一项目上一年度逐字相同 | Text copied word for word from the previous year.
    报告正文某一节或偏差原因与同一项目最近往年的文字（去掉空格后）完全相同：去年的情况说明不是今年的。
    不足 20 个字的（如“无。”）不比较。
    """
    pairs = _pairs(frames)
    rows = _rows_by_file(frames.texts, pairs)
    for current, previous in pairs:
        before: dict[str, object] = {}
        for r in rows.get(previous["file"], ()):
            body = "".join(str(r.text).split())
            if len(body) >= MIN_COPIED_CHARS:
                before.setdefault(body, r)
        if not before:
            continue
        for r in rows.get(current["file"], ()):
            old = before.get("".join(str(r.text).split()))
            if old is None:
                continue
            yield _make(
                "X005",
                _Spot(current["file"], r.sheet, r.cell),
                _Spot(previous["file"], old.sheet, old.cell),
                what=_what(r),
                prev_year=previous["year"],
                prev_what=_what(old),
            )


def _what(r) -> str:
    return f"报告正文“{r.title}”" if r.kind == "报告正文" else f"“{r.title}”的偏差原因"


def _rows_by_file(table, pairs: list[tuple[dict, dict]]) -> dict[str, list]:
    """The rows of the workbooks in `pairs`, by file: one pass over the table, not one per pair."""
    wanted = {w["file"] for pair in pairs for w in pair}
    out: dict[str, list] = {}
    if wanted:
        for r in table[table["file"].isin(wanted)].itertuples(index=False):
            out.setdefault(r.file, []).append(r)
    return out


def _pairs(frames: Frames) -> list[tuple[dict, dict]]:
    from ..tables import earlier_pairs

    return earlier_pairs(frames)
