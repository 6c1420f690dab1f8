"""X006–X008: each workbook's 绩效指标 against the bureau's approved 绩效目标 (workbook.md v3).

The approved rows (load/approved.py) and the batch's indicator table meet in one join, built once
per batch (`target_comparison`): a project is found by 项目编码 when both sides have one, else by
项目名称 + 实施单位 + 预算年度 after normalising; its 三级指标 by name after normalising (numbering such as
`指标1：` dropped). Each row of the join is one line of 审核汇总's 目标对照 and at most one finding:
- both sides, targets not equal as values -> X006 (easier / harder / only different);
- approved only -> X007; the workbook's only -> X008; the project not found -> one X008 on 项目名称.
Targets compare as values (`read_target`): comparator, number, unit with its multiplier
(`≥3.6万人次` = `≥36000人次`), a deadline as a date, anything else as normalised text.
"""

from __future__ import annotations

import collections
import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING

from ..config import Settings
from ..measure import deadline_of, measure
from ..messages import MSG
from ..model import EMPTY, Cell, Finding, Indicator, Label, Severity
from ..values import AT_LEAST, comparator_word
from .registry import RULES, rule

if TYPE_CHECKING:
    import pandas as pd

    from ..tables import Frames
    from .cross import CrossContext, Located

SAME, EASIER, HARDER, DIFFERS = "相同", "较易", "较难", "不同"
MISSING, EXTRA, NOT_FOUND = "自评表中没有", "批复中没有", "批复中未找到本项目"
BY_CODE, BY_NAME = "项目编码", "项目名称、实施单位、预算年度"
_UNIT_ALIASES = {"百分比": "%", "百分率": "%"}
_NUMBERING = re.compile(
    r"^\s*(?:指标\s*\d+\s*[:：.、．]?|[(（]?\d{1,2}[)）、.．](?!\d)|[一二三四五六七八九十]+[、.．])\s*"
)

COMPARISON_COLUMNS = (
    "file",
    "project",
    "match",  # BY_CODE / BY_NAME / '' (not found)
    "level1",
    "level2",
    "level3",
    "approved",  # 批复指标值
    "adjusted",  # 调整后指标值
    "self",  # the workbook's 年度指标值
    "verdict",  # SAME / EASIER / HARDER / DIFFERS / MISSING / EXTRA / NOT_FOUND
    "reason",  # why DIFFERS (a MSG key), or how EASIER reads
    "rule",  # X006 / X007 / X008 / ''
    "sheet",  # where the finding goes in the workbook
    "cell",
    "approved_file",
    "approved_sheet",
    "approved_cell",
)


# ---------------------------------------------------------------- a target as a value
@dataclass(frozen=True)
class Target:
    kind: str  # "quantity" | "deadline" | "text"
    value: float | date | str
    unit: str = ""
    direction: str | None = None  # AT_LEAST / AT_MOST; None: a bare number or 等于
    strict: bool = False  # `>` / `<`


def read_target(
    text: str,
    measure_unit: str = "",
    nature: str = "",
    year: int | None = None,
    *,
    level1: str = "",
    level2: str = "",
    level3: str = "",
    settings: Settings | None = None,
) -> Target:
    """年度指标值 as the scoring reads it (measure.py): with the 度量单位 of a bare number, a comparator
    in 指标性质, and the direction a bare number or `零事故` is scored in on its line; a deadline as a
    date; anything else as normalised text."""
    line = _line(text, measure_unit, nature, level1, level2, level3)
    m = measure(line, settings or Settings())
    if m is not None:
        unit = _UNIT_ALIASES.get(m.target.unit, m.target.unit)
        return Target("quantity", m.target.value, unit, m.direction, m.strict)
    deadline = deadline_of(line, year)
    if deadline is not None:
        return Target("deadline", deadline)
    from ..tables import normalize

    return Target("text", normalize(text))


def _line(target: str, unit: str, nature: str, level1: str, level2: str, level3: str) -> Indicator:
    """An indicator line holding just what reads a target (the approved side has no more)."""

    def cell(text: str) -> Cell:
        return Cell(text or None, None, text or "")

    return Indicator(
        row=0,
        level1=Label(level1, None, None, level1),
        level2=Label(level2, None, None, level2),
        level3=cell(level3),
        nature=cell(nature),
        target=cell(target),
        actual=EMPTY,
        weight=EMPTY,
        claimed=EMPTY,
        deviation=EMPTY,
        unit=cell(unit),
    )


def compare(mine: Target, approved: Target) -> tuple[str, str]:
    """(verdict, reason) of the workbook's target against the approved one."""
    if mine.kind != approved.kind:
        return DIFFERS, "X006_kind"
    if mine.kind == "text":
        return (SAME, "") if mine.value == approved.value else (DIFFERS, "X006_text")
    if mine.kind == "deadline":
        if mine.value == approved.value:
            return SAME, ""
        return (EASIER, "X006_later") if mine.value > approved.value else (HARDER, "")  # type: ignore[operator]
    if mine.unit != approved.unit:
        return DIFFERS, "X006_unit"
    mine_dir = mine.direction or approved.direction or AT_LEAST
    approved_dir = approved.direction or mine.direction or AT_LEAST
    if mine_dir != approved_dir:
        return DIFFERS, "X006_direction"
    a, b = float(mine.value), float(approved.value)  # type: ignore[arg-type]
    if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        if mine.strict == approved.strict:
            return SAME, ""
        return (EASIER, "X006_weaker") if approved.strict else (HARDER, "")
    lower = a < b
    if mine_dir == AT_LEAST:
        return (EASIER, "X006_lower") if lower else (HARDER, "")
    return (EASIER, "X006_higher") if not lower else (HARDER, "")


_comparator = functools.lru_cache(maxsize=1024)(comparator_word)  # 指标性质: a handful of words


def indicator_key(name: object) -> str:
    """A 三级指标 as the two sides are matched: numbering dropped, then normalised."""
    return _indicator_key(str(name or ""))


@functools.lru_cache(maxsize=65536)  # the same indicator names recur across a county's projects
def _indicator_key(name: str) -> str:
    from ..tables import normalize

    return normalize(_NUMBERING.sub("", name))


# ---------------------------------------------------------------- the join
# the columns of the joined table the comparison reads: the workbook's line, then the approved one
_JOINED = (
    "file", "side", "row", "a_row", "level1", "level2", "level3", "sheet", "cell", "target", "target_cell", "unit", "nature",
    "a_file", "a_sheet", "a_year", "a_level1", "a_level2", "a_level3", "a_target", "a_target_cell",
    "a_adjusted", "a_adjusted_cell", "a_nature", "a_measure",
)  # fmt: skip
_Line = collections.namedtuple("_Line", _JOINED)


def target_comparison(frames: Frames, ctx: CrossContext) -> pd.DataFrame:
    """The 目标对照 table (COMPARISON_COLUMNS), built once per batch and kept on `ctx`; empty when
    the bureau supplied no approved targets."""
    memo = ctx.memo.get("target_comparison")
    if memo is not None and memo[0] is frames:
        return memo[1]
    table = _compare_all(frames, ctx)
    ctx.memo["target_comparison"] = (frames, table)
    return table


def _compare_all(frames: Frames, ctx: CrossContext) -> pd.DataFrame:
    import pandas as pd

    from ..load.approved import ROW_COLUMNS
    from ..tables import key_of, normalize

    empty = pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    approved = ctx.approved
    if approved is None or not approved.active:
        return empty
    p = frames.batch_projects()
    workbooks = p[p["readable"]][["file", "name", "key", "code", "name_sheet", "name_cell"]]
    if workbooks.empty:
        return empty
    workbooks = workbooks.assign(code_key=[normalize(c) for c in workbooks["code"].tolist()])
    approved_rows = pd.DataFrame(
        list(map(attrgetter(*ROW_COLUMNS), approved.rows)),
        columns=[f"a_{c}" for c in ROW_COLUMNS],
        dtype=object,
    )
    approved_rows = approved_rows.assign(
        a_code_key=[normalize(c) for c in approved_rows["a_code"].tolist()],
        a_key=[
            key_of(n, u, y)
            for n, u, y in zip(
                approved_rows["a_name"], approved_rows["a_unit"], approved_rows["a_year"], strict=True
            )
        ],
        _l3=[indicator_key(n) for n in approved_rows["a_level3"].tolist()],
    )
    # a project: by 项目编码 when both sides have one, else by 项目名称 + 实施单位 + 预算年度
    by_code = workbooks[workbooks["code_key"] != ""].merge(
        approved_rows[approved_rows["a_code_key"] != ""], left_on="code_key", right_on="a_code_key"
    )
    not_by_code = workbooks[~workbooks["file"].isin(set(by_code["file"]))]
    by_name = not_by_code[not_by_code["key"] != ""].merge(approved_rows, left_on="key", right_on="a_key")
    by_name = by_name[(by_name["code_key"] == "") | (by_name["a_code_key"] == "")]
    matches = [m for m in (by_code.assign(match=BY_CODE), by_name.assign(match=BY_NAME)) if len(m)]
    if not matches:
        return pd.DataFrame.from_records(_not_found(workbooks, set()), columns=list(COMPARISON_COLUMNS))
    approved_of_workbook = pd.concat(matches, ignore_index=True).drop_duplicates(
        ["file", "_l3"]
    )  # a project listed twice (two files): its first rows
    matched_files = set(approved_of_workbook["file"])
    out = []
    indicators = frames.indicators[frames.indicators["file"].isin(matched_files)]
    own_targets = indicators.assign(_l3=[indicator_key(n) for n in indicators["level3"].tolist()])
    own_targets = own_targets[own_targets["_l3"] != ""]
    joined = own_targets.merge(
        approved_of_workbook.drop(columns=["name", "key", "code", "name_sheet", "name_cell"]),
        on=["file", "_l3"],
        how="outer",
        indicator="side",
        sort=False,
    )
    name_of = dict(zip(workbooks["file"], workbooks["name"], strict=True))
    how_of = dict(zip(approved_of_workbook["file"], approved_of_workbook["match"], strict=True))
    lines = zip(*(joined[c].tolist() for c in _JOINED), strict=True)  # plain lists: 10x itertuples
    order: list[tuple] = []  # the workbook's lines in its row order, then the approved-only ones in theirs
    for r in map(_Line._make, lines):
        order.append((r.file, 1, r.a_row) if r.side == "right_only" else (r.file, 0, r.row or 0))
        common = (r.file, name_of.get(r.file), how_of.get(r.file, ""))
        if r.side == "right_only":  # approved, not in the workbook
            out.append(
                (*common, r.a_level1, r.a_level2, r.a_level3, r.a_target, r.a_adjusted, "", MISSING, "",
                 "X007", "绩效指标", "", r.a_file, r.a_sheet, r.a_target_cell)
            )  # fmt: skip
            continue
        own = (r.level1, r.level2, r.level3)
        if r.side == "left_only":  # the workbook's, not approved
            out.append(
                (*common, *own, "", "", r.target, EXTRA, "", "X008", r.sheet or "绩效指标", r.cell, "", "", "")
            )  # fmt: skip
            continue
        verdict, reason = _verdict(r, ctx.settings, normalize)
        out.append(
            (*common, *own, r.a_target, r.a_adjusted, r.target, verdict, reason,
             "" if verdict == SAME else "X006", r.sheet or "绩效指标", r.target_cell, r.a_file, r.a_sheet,
             r.a_adjusted_cell if r.a_adjusted else r.a_target_cell)
        )  # fmt: skip
    position = {file: n for n, file in enumerate(workbooks["file"])}
    ranked = sorted(zip(order, out, strict=True), key=lambda pair: (position[pair[0][0]], *pair[0][1:]))
    out = [line for _, line in ranked]
    out += _not_found(workbooks, matched_files)
    out.sort(key=lambda line: position[line[0]])  # stable: a not-found workbook takes its input place
    return pd.DataFrame.from_records(out, columns=list(COMPARISON_COLUMNS)) if out else empty


def comparison_view(table: pd.DataFrame) -> pd.DataFrame:
    """目标对照 as 审核汇总 shows it: every line with a finding or an adjusted target, and for each
    project one line counting the others (equal to the approved ones) — 40,000 lines of 相同 help no one."""
    import pandas as pd

    if table.empty:
        return table
    itemized = (table["rule"] != "") | (table["adjusted"].fillna("") != "")
    quiet = table[~itemized]
    counts = quiet.groupby("file", sort=False).agg(
        project=("project", "first"), match=("match", "first"), n=("file", "size")
    )
    summary = pd.DataFrame(
        {
            **{c: "" for c in COMPARISON_COLUMNS},
            "file": counts.index,
            "project": counts["project"].to_numpy(),
            "match": counts["match"].to_numpy(),
            "level3": [MSG["X_equal_lines"].format(n=n) for n in counts["n"]],
            "verdict": SAME,
        },
        columns=list(COMPARISON_COLUMNS),
    )
    pieces = [piece for piece in (table[itemized], summary) if len(piece)]
    shown = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0].reset_index(drop=True)
    position = {file: n for n, file in enumerate(dict.fromkeys(table["file"]))}
    in_input_order = shown["file"].map(position).sort_values(kind="stable").index
    return shown.loc[in_input_order].reset_index(drop=True)


def _not_found(workbooks, matched_files: set[str]) -> list[tuple]:
    """One row per readable workbook whose project the approved targets do not hold."""
    return [
        (w.file, w.name, "", "", "", "", "", "", "", NOT_FOUND, "", "X008", w.name_sheet or "项目信息",
         w.name_cell or "B2", "", "", "")
        for w in workbooks[~workbooks["file"].isin(matched_files)].itertuples(index=False)
    ]  # fmt: skip


def _verdict(r, settings: Settings, normalize) -> tuple[str, str]:
    """X006's verdict on one matched line: the approved target (调整后 when filled) against the workbook's."""
    wanted = r.a_adjusted or r.a_target
    if (
        normalize(r.target) == normalize(wanted)
        and normalize(r.unit) == normalize(r.a_measure)
        and (r.nature == r.a_nature or _comparator(r.nature) == _comparator(r.a_nature))
    ):
        return SAME, ""  # the common case: written alike
    year = r.a_year if isinstance(r.a_year, int) else None
    names = {
        "level1": r.level1 or r.a_level1,
        "level2": r.level2 or r.a_level2,
        "level3": r.level3 or r.a_level3,
    }
    mine = read_target(r.target, r.unit, r.nature, year, **names, settings=settings)
    theirs = read_target(wanted, r.a_measure, r.a_nature, year, **names, settings=settings)
    return compare(mine, theirs)


# ---------------------------------------------------------------- the rules
def _finding(
    rule_id: str, row, message: str, expected: str | None = None, actual: str | None = None
) -> Located:
    from .cross import Located

    other = (row.approved_file, row.approved_sheet, row.approved_cell) if row.approved_file else None
    return Located(
        row.file,
        Finding(
            rule_id, RULES[rule_id].severity, row.sheet, row.cell, message, expected, actual, other=other
        ),
    )


def _rows_of(frames: Frames, ctx: CrossContext, rule_id: str):
    table = target_comparison(frames, ctx)
    return table[table["rule"] == rule_id].itertuples(index=False) if len(table) else iter(())


@rule("X006", Severity.WARNING, across=True)
def target_not_approved(frames: Frames, ctx: CrossContext) -> Iterator[Located]:
    """三级指标的年度指标值与批复的不一致 | A target differs from the approved one.
    与财政局导出的批复绩效目标（有调整后指标值的，以调整后为准）按数值比较：比较符、数字、单位连同万、亿等倍数
    （≥3.6万人次 与 ≥36000人次 相同）。自评表的目标比批复的低（“不低于”类）、高（“不高于”类）、比较符更宽或时限更晚，
    都是把目标改容易了，自评得分因此偏易；文字目标、单位不同的，只说不一致。
    """
    for row in _rows_of(frames, ctx, "X006"):
        wanted = row.adjusted or row.approved
        which = MSG["X006_adjusted"] if row.adjusted else MSG["X006_approved"]
        how = MSG[row.reason] if row.reason else MSG["X006_harder"]
        message = MSG["X006"].format(name=row.level3, target=row.self, which=which, approved=wanted, how=how)
        yield _finding("X006", row, message, expected=wanted, actual=row.self)


@rule("X007", Severity.WARNING, across=True)
def approved_indicator_dropped(frames: Frames, ctx: CrossContext) -> Iterator[Located]:
    """批复的三级指标不在自评表中 | An approved indicator is missing from the self-evaluation.
    批复的绩效指标都要自评；没完成的指标从自评表中删去，自评得分就只算了完成的那些。按名称（去掉编号、空格、标点后）对照。
    """
    for row in _rows_of(frames, ctx, "X007"):
        wanted = row.adjusted or row.approved
        yield _finding("X007", row, MSG["X007"].format(name=row.level3, approved=wanted), expected=wanted)


@rule("X008", Severity.INFO, across=True)
def indicator_not_approved(frames: Frames, ctx: CrossContext) -> Iterator[Located]:
    """自评表的三级指标不在批复的绩效目标中，或批复中找不到本项目 | An indicator, or the project, is not among the approved targets.
    自评表新增的指标没有经过批复，请说明来由；批复中找不到的项目（项目编码，或项目名称、实施单位、预算年度都对不上）
    不做目标对照，在项目名称处提示一次。
    """
    for row in _rows_of(frames, ctx, "X008"):
        if row.verdict == NOT_FOUND:
            yield _finding("X008", row, MSG["X008_not_found"])
        else:
            yield _finding("X008", row, MSG["X008"].format(name=row.level3, target=row.self), actual=row.self)
