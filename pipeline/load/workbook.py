"""Workbook -> Project: every value parsed, every problem an I-finding with its sheet and cell."""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from .. import schema
from ..cells import a1
from ..config import Limits, Settings
from ..display import wan
from ..messages import ENGINE_WORDS, KIND_WORDS, MSG, os_reason
from ..model import (
    EMPTY,
    Cell,
    CellRef,
    Finding,
    FundRow,
    Goal,
    Indicator,
    Label,
    Member,
    Payment,
    Project,
    ProjectInfo,
    Section,
    StructureRow,
    SubItem,
)
from ..values import (
    Unreadable,
    half_width,
    indicator_name,
    normalize_label,
    parse_date,
    parse_dates,
    parse_money,
    parse_number,
    parse_rate,
    parse_year,
    to_text,
    weight_in_label,
)
from .container import Container, Refused, inspect_bytes, read_input
from .grid import Grid, Header, fill_merges, find_header, find_sheet, near_miss
from .rules import loader_finding

_TOTAL_ROW = {"合计", "总计", "小计", "总分", "合计金额"}


@dataclass
class Loaded:
    project: Project | None  # None when the file could not be read at all (I001)
    findings: list[Finding] = field(default_factory=list)
    sha256: str = ""  # of the bytes read ('' when none could be)


def sha256_of(path: Path) -> str:
    """sha256 of a file (an output, say): read without blocking, only if it is a regular file
    (anything else is an OSError, as a missing file is)."""
    try:
        return read_input(path).sha256
    except Refused as e:
        raise OSError(e.reason) from None


class Unopened(Exception):
    """A file that cannot be opened as a workbook: `reason` is its I001 message, `sha256` that of
    the bytes read ('' when none could be)."""

    def __init__(self, reason: str, sha256: str = ""):
        super().__init__(reason)
        self.reason, self.sha256 = reason, sha256


_ENGINE_ERRORS = (
    calamine.CalamineError,
    calamine.PasswordError,
    calamine.ZipError,
    calamine.XmlError,
    OSError,
    ValueError,
)


def open_book(path: Path, limits: Limits):
    """A workbook read once (within the size limit), its container checked (zip bombs, entities,
    cells), then opened by calamine from those bytes: (source, container, book), or Unopened.
    From bytes, not the path: calamine cannot open a file whose name is not UTF-8 (a GBK name from
    a zip unpacked on Linux), and these are the bytes that were checked and hashed."""
    try:
        source = read_input(path, int(limits.max_file_mb * 1024 * 1024))
    except Refused as e:
        raise Unopened(e.reason) from None
    except OSError as e:
        raise Unopened(MSG["I001_open"].format(error=os_reason(e))) from None
    try:
        container = inspect_bytes(source.data, path.suffix.lower(), limits)
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(source.data))
    except Refused as e:
        raise Unopened(e.reason, source.sha256) from None
    except _ENGINE_ERRORS as e:
        raise Unopened(MSG["I001_engine"].format(error=engine_words(e)), source.sha256) from None
    return source, container, book


def load(path: Path, settings: Settings) -> Loaded:
    """Read one workbook. Never raises for bad input: the problems come back as findings.
    The file is read once: `Loaded.sha256` is the digest of the bytes that were read and checked."""
    path = Path(path)
    try:
        source, container, book = open_book(path, settings.limits)
    except Unopened as e:
        return Loaded(None, [_i001(e.reason)], e.sha256)
    digest = source.sha256
    try:
        reader = _Reader(book, container, settings, path.name, digest)
        return Loaded(reader.project(), reader.findings, digest)
    except Refused as e:
        return Loaded(None, [_i001(e.reason)], digest)
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError) as e:
        return Loaded(None, [_i001(MSG["I001_engine"].format(error=engine_words(e)))], digest)
    finally:
        book.close()


def engine_words(error: Exception) -> str:
    """What the spreadsheet reader's error means, in words (never the parser's own text or class)."""
    if isinstance(error, OSError):
        return os_reason(error)
    return ENGINE_WORDS.get(type(error).__name__, ENGINE_WORDS["CalamineError"])


def _i001(message: str) -> Finding:
    return loader_finding("I001", "", "", message)


class _Reader:
    def __init__(self, book, container: Container, settings: Settings, file: str, digest: str):
        self.book = book
        self.container = container
        self.uncached = container.uncached_formulas
        self.settings = settings
        self.file = file
        self.digest = digest
        self.findings: list[Finding] = []
        self.missing: set[str] = set()
        self.names = list(book.sheet_names)
        self.visible = {m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")}
        self.grids: dict[str, Grid] = {}
        self.money_units: dict[str, str] = {}

    # ---------------------------------------------------------------- plumbing
    def add(self, rule: str, sheet: str, cell: str, message: str) -> None:
        self.findings.append(loader_finding(rule, sheet, cell, message))

    def grid(self, wanted: str, required: bool = True) -> Grid | None:
        name = find_sheet(self.names, wanted, self.visible)
        if name is None:
            self.missing.add(wanted)
            if required:
                near = near_miss(self.names, wanted)
                found = (
                    MSG["I002_near"].format(near=near, sheet=wanted)
                    if near
                    else MSG["I002_found"].format(names="、".join(self.names) or "无")
                )
                self.add("I002", wanted, "", MSG["I002"].format(sheet=wanted, found=found))
            return None
        limits = self.settings.limits
        # Before calamine sizes its grid: one far-away cell would make it allocate gigabytes.
        height, width = self.container.extent(name)
        if height > limits.max_rows:
            raise Refused(MSG["I001_rows"].format(sheet=name, n=height, limit=limits.max_rows))
        if height * width > limits.max_cells:
            raise Refused(
                MSG["I001_area"].format(sheet=name, rows=height, cols=width, limit=limits.max_cells)
            )
        sheet = self.book.get_sheet_by_name(name)
        if sheet.total_height > limits.max_rows:
            raise Refused(MSG["I001_rows"].format(sheet=name, n=sheet.total_height, limit=limits.max_rows))
        rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, str) and len(v) > limits.max_cell_chars:
                    raise Refused(
                        MSG["I001_cell"].format(
                            sheet=name, cell=a1(r, c), n=len(v), limit=limits.max_cell_chars
                        )
                    )
        grid = Grid(name, fill_merges(rows, sheet.merged_cell_ranges), frozenset(self.uncached.get(name, ())))
        self.grids[wanted] = grid
        return grid

    def cell(
        self,
        grid: Grid,
        row: int,
        col: int | None,
        label: str,
        kind: str,
        unit: str = "万元",
        year: int | None = None,
    ) -> Cell:
        """Parse one cell; an unreadable one becomes I005 (or I006) and a Cell with no value."""
        if col is None:
            return EMPTY
        raw = grid.value(row, col)
        ref = CellRef(grid.name, a1(row, col))  # as the workbook spells it: links land
        text = to_text(raw).strip()
        if raw is None and ref.cell in grid.uncached:
            self.add("I006", ref.sheet, ref.cell, MSG["I006"].format(label=label))
            return Cell(None, ref, "")
        try:
            value = _parse(raw, kind, unit, year)
        except Unreadable as e:
            self.add(
                "I005",
                ref.sheet,
                ref.cell,
                MSG["I005"].format(label=label, text=_short(text), reason=e.reason, kind=KIND_WORDS[kind]),
            )
            return Cell(None, ref, text)
        return Cell(value, ref, text if not isinstance(raw, str) else raw.strip())

    # ---------------------------------------------------------------- sheets
    def project(self) -> Project:
        info = self.info()
        funds = self.funds()
        return Project(
            file=self.file,
            sha256=self.digest,
            info=info,
            funds=funds,
            subitems=self.subitems(),
            payments=self.payments(info.year.value),
            structure=self.structure(),
            goals=self.goals(),
            indicators=self.indicators(),
            narrative=self.narrative(),
            team=self.team(),
            missing=frozenset(self.missing),
            sheets={g.name: g.rows for g in self.grids.values()},  # keyed as findings name them
            money_units=self.money_units,
            unreadable=frozenset(CellRef(f.sheet, f.cell) for f in self.findings if f.rule in _UNREAD),
        )

    def info(self) -> ProjectInfo:
        grid = self.grid(schema.INFO)
        if grid is None:
            return ProjectInfo()
        by_label = {}
        for field_ in schema.INFO_FIELDS:
            for name in field_.names:
                by_label.setdefault(normalize_label(name), field_)
        values: dict[str, Cell] = {}
        seen_rows: dict[str, int] = {}
        for r, row in enumerate(grid.rows):
            if not row:
                continue
            field_ = by_label.get(normalize_label(to_text(row[0])))
            if field_ is None or field_.key in values:
                continue
            # The value is in column B; when staff merged A:B the label fills B too, so look one further.
            col = (
                2
                if len(row) > 2 and normalize_label(to_text(row[1])) == normalize_label(to_text(row[0]))
                else 1
            )
            cell = self.cell(grid, r, col, field_.label, field_.kind)
            values[field_.key] = cell
            seen_rows[field_.key] = r
        for field_ in schema.INFO_FIELDS:
            cell = values.get(field_.key)
            if field_.required and (cell is None or (cell.value is None and not cell.raw)):
                if cell is not None and cell.ref and cell.ref.cell in grid.uncached:
                    continue  # I006 said it already
                where = cell.ref.cell if cell and cell.ref else ""
                self.add("I004", grid.name, where, MSG["I004"].format(label=field_.label))
        return ProjectInfo(**values)

    def table(self, sheet: schema.Sheet) -> tuple[Grid, Header, list[int]] | None:
        """Find the sheet and its header; report missing columns; return the data rows."""
        grid = self.grid(sheet.name, required=sheet.required)
        if grid is None:
            return None
        header = find_header(grid, sheet)
        for col in sheet.columns:
            if col.required and col.key not in header.columns:
                self.missing.add(f"{sheet.name}.{col.key}")
                self.add("I003", sheet.name, "", MSG["I003"].format(sheet=sheet.name, column=col.label))
        unit = header.sheet_unit or sheet.money_unit
        money_cols = [c.key for c in sheet.columns if c.kind == "money" and c.key in header.columns]
        if money_cols:
            self.money_units[sheet.name] = header.units.get(money_cols[0], unit)
        header.units = {k: header.units.get(k, unit) for k in money_cols} | header.units
        rows = []
        for r in range(header.row + 1, len(grid.rows)):
            cells = [grid.value(r, c) for c in header.columns.values()]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            if any(isinstance(v, str) and normalize_label(v) in _TOTAL_ROW for v in cells):
                continue  # staff add a 合计 row; the checks compute their own totals
            rows.append(r)
        return grid, header, rows

    def funds(self) -> dict[str, FundRow]:
        found = self.table(schema.FUNDS)
        if found is None:
            return {}
        grid, header, rows = found
        aliases = {}
        for key, names in schema.FUND_ROWS.items():
            for n in (key, *names):
                aliases[normalize_label(n)] = key
        cols = header.columns
        funds: dict[str, FundRow] = {}
        for r in rows:
            source = aliases.get(
                _strip_prefix(normalize_label(to_text(grid.value(r, cols.get("source", 0)))))
            )
            if source is None or source in funds:
                continue
            money = {
                k: self.cell(
                    grid,
                    r,
                    cols.get(k),
                    f"{source}·{schema.FUNDS.column(k).label}",
                    "money",
                    header.units.get(k, "万元"),
                )
                for k in ("initial", "adjusted", "executed")
            }
            rate = self.cell(grid, r, cols.get("rate"), f"{source}·执行率", "rate")
            funds[source] = FundRow(
                source, r + 1, money["initial"], money["adjusted"], money["executed"], rate
            )
        total = funds.get(schema.FUND_TOTAL)
        if total is None and "资金情况.source" not in self.missing:
            self.add("I004", grid.name, "", MSG["I004_fund_total"])
        elif total is not None:
            for key in ("initial", "executed"):
                cell = getattr(total, key)
                if cell.value is None and not cell.raw and cell.ref and cell.ref.cell not in grid.uncached:
                    label = schema.FUNDS.column(key).label
                    self.add(
                        "I004", grid.name, cell.ref.cell, MSG["I004"].format(label=f"年度资金总额·{label}")
                    )
            if total.adjusted.value is None and not total.adjusted.raw and total.initial.value is not None:
                ref = total.adjusted.ref
                self.add(
                    "I007",
                    grid.name,
                    ref.cell if ref else "",
                    MSG["I007"].format(initial=wan(total.initial.value)),
                )
        return funds

    def _required(self, cell: Cell, grid: Grid, row: int, label: str) -> None:
        if cell.ref and cell.value is None and not cell.raw and cell.ref.cell not in grid.uncached:
            self.add("I004", grid.name, cell.ref.cell, MSG["I004_row"].format(row=row + 1, label=label))

    def subitems(self) -> tuple[SubItem, ...]:
        found = self.table(schema.SUBITEMS)
        if found is None:
            return ()
        grid, h, rows = found
        out = []
        for r in rows:
            name = self.cell(grid, r, h.columns.get("name"), "分项名称", "text")
            amount = self.cell(
                grid, r, h.columns.get("amount"), "预算金额", "money", h.units.get("amount", "万元")
            )
            self._required(name, grid, r, "分项名称")
            self._required(amount, grid, r, "预算金额")
            out.append(SubItem(r + 1, name, amount, _text(grid, r, h.columns.get("note"))))
        return tuple(out)

    def payments(self, year: int | None) -> tuple[Payment, ...]:
        found = self.table(schema.PAYMENTS)
        if found is None:
            return ()
        grid, h, rows = found
        out = []
        for r in rows:
            dates = self.cell(grid, r, h.columns.get("date"), "支付日期", "dates", year=year)
            item = self.cell(grid, r, h.columns.get("item"), "分项名称", "text")
            amount = self.cell(
                grid, r, h.columns.get("amount"), "支付金额", "money", h.units.get("amount", "万元")
            )
            self._required(dates, grid, r, "支付日期")
            self._required(amount, grid, r, "支付金额")
            parsed = dates.value
            items = tuple(p.strip() for p in re.split(r"[、;；\n]", item.text) if p.strip())
            out.append(
                Payment(
                    row=r + 1,
                    seq=_text(grid, r, h.columns.get("seq")),
                    dates=Cell(parsed.days if parsed else None, dates.ref, dates.raw),
                    items=Cell(items or None, item.ref, item.raw),
                    amount=amount,
                    fund_type=_text(grid, r, h.columns.get("fund_type")),
                    purpose=_text(grid, r, h.columns.get("purpose")),
                    voucher=_text(grid, r, h.columns.get("voucher")),
                    year_assumed=bool(parsed and parsed.year_assumed),
                    voucher_ref=_ref(grid, r, h.columns.get("voucher")),
                )
            )
        return tuple(out)

    def structure(self) -> tuple[StructureRow, ...]:
        found = self.table(schema.STRUCTURE)
        if found is None:
            return ()
        grid, h, rows = found
        out = []
        for r in rows:
            amount = self.cell(
                grid, r, h.columns.get("amount"), "金额", "money", h.units.get("amount", "万元")
            )
            self._required(amount, grid, r, "金额")
            out.append(
                StructureRow(r + 1, self.cell(grid, r, h.columns.get("category"), "支出类别", "text"), amount)
            )
        return tuple(out)

    def goals(self) -> tuple[Goal, ...]:
        found = self.table(schema.GOALS)
        if found is None:
            return ()
        grid, h, rows = found
        return tuple(
            Goal(
                r + 1,
                _text(grid, r, h.columns.get("seq")),
                self.cell(grid, r, h.columns.get("expected"), "预期目标", "text"),
                self.cell(grid, r, h.columns.get("actual"), "实际完成情况", "text"),
            )
            for r in rows
        )

    def indicators(self) -> tuple[Indicator, ...]:
        found = self.table(_INDICATORS_READ)
        if found is None:
            return ()
        grid, h, rows = found
        c = h.columns
        out: list[Indicator] = []
        content = [c[k] for k in ("level3", "target", "actual", "weight", "claimed", "deviation") if k in c]
        for r in rows:
            level1 = _label(grid, r, c.get("level1"), schema.LEVEL1)
            if level1.name in _TOTAL_ROW:
                continue
            if content and all(not _text(grid, r, col) for col in content):
                continue  # nothing but 一级/二级 labels: the template's skeleton, left unfilled
            level2 = _label(grid, r, c.get("level2"), schema.LEVEL2)
            # A 一级/二级 written once above a group of rows and left blank below it (not merged)
            # belongs to the whole group, as staff read it; 二级 does not carry into another 一级.
            if out and not level1.raw and level1.ref is not None:
                level1 = out[-1].level1
                if not level2.raw and level2.ref is not None:
                    level2 = out[-1].level2
            out.append(
                Indicator(
                    row=r + 1,
                    level1=level1,
                    level2=level2,
                    level3=self.cell(grid, r, c.get("level3"), "三级指标", "text"),
                    nature=self.cell(grid, r, c.get("nature"), "指标性质", "text"),
                    target=self.cell(grid, r, c.get("target"), "年度指标值", "text"),
                    actual=self.cell(grid, r, c.get("actual"), "实际完成值", "text"),
                    weight=self.cell(grid, r, c.get("weight"), f"第 {r + 1} 行分值", "number"),
                    claimed=self.cell(grid, r, c.get("claimed"), f"第 {r + 1} 行自评得分", "number"),
                    deviation=self.cell(grid, r, c.get("deviation"), "偏差原因分析及改进措施", "text"),
                    unit=self.cell(grid, r, c.get("unit"), "度量单位", "text"),
                    comparator=self.cell(grid, r, c.get("comparator"), "指标方向", "text"),
                    level=self.cell(grid, r, c.get("level"), "完成程度", "text"),
                )
            )
        return tuple(out)

    def narrative(self) -> tuple[Section, ...]:
        found = self.table(schema.NARRATIVE)
        if found is None:
            return ()
        grid, h, rows = found
        known = {normalize_label(s): s for s in schema.NARRATIVE_SECTIONS}
        sections: dict[str, Section] = {}
        for r in rows:
            title_raw = _text(grid, r, h.columns.get("section"))
            title = known.get(normalize_label(title_raw), title_raw)
            text = self.cell(grid, r, h.columns.get("text"), f"{title}·内容", "text")
            if not text.raw:
                continue
            if title in sections:  # several rows for one 章节: one section, paragraphs in order
                prev = sections[title].text
                text = Cell(f"{prev.value}\n{text.value}", prev.ref, f"{prev.raw}\n{text.raw}")
            sections[title] = Section(title, text)
        return tuple(sections.values())

    def team(self) -> tuple[Member, ...]:
        found = self.table(schema.TEAM)
        if found is None:
            return ()
        grid, h, rows = found
        c = h.columns
        return tuple(
            Member(
                r + 1,
                _text(grid, r, c.get("name")),
                _text(grid, r, c.get("title")),
                _text(grid, r, c.get("unit")),
                _text(grid, r, c.get("role")),
            )
            for r in rows
            if _text(grid, r, c.get("name"))
        )


# A figure outside these magnitudes is no amount, weight or rate anyone means (10^10 万元 is four
# times the national budget); letting 1e30 or 1e-300 through would only overflow the arithmetic.
_LARGEST, _SMALLEST = 1e10, 1e-10


def _parse(raw: object, kind: str, unit: str, year: int | None):
    if kind in ("money", "number", "rate"):
        value = {
            "money": lambda: parse_money(raw, unit),
            "number": lambda: parse_number(raw),
            "rate": lambda: parse_rate(raw),
        }[kind]()
        if value is not None and not (value == 0 or _SMALLEST <= abs(value) <= _LARGEST):
            raise Unreadable("超出可处理的数值范围")
        return value
    if kind == "year":
        return parse_year(raw)
    if kind == "date":
        parsed = parse_date(raw)
        return parsed[0] if parsed else None
    if kind == "dates":
        return parse_dates(raw, year)
    if kind == "grade":
        text = normalize_label(to_text(raw))
        if not text:
            return None
        if text not in schema.GRADE_WORDS:
            raise Unreadable("不是等级")
        return schema.GRADE_WORDS[text]
    text = to_text(raw).strip()
    return text or None


def _short(text: str, limit: int = 30) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ref(grid: Grid, row: int, col: int | None) -> CellRef | None:
    return None if col is None else CellRef(grid.name, a1(row, col))


def _text(grid: Grid, row: int, col: int | None) -> str:
    return "" if col is None else to_text(grid.value(row, col)).strip()


def _strip_prefix(label: str) -> str:
    return re.sub(r"^(其中[:]?|[-—·])", "", label)


def _label(grid: Grid, row: int, col: int | None, known: tuple[str, ...]) -> Label:
    """A 一级/二级指标 cell: its weight split off, its name as scored (checks.md S017: a short form or
    the one close name; a name with no single close one is kept as written)."""
    if col is None:
        return Label("", None, None)
    raw = _text(grid, row, col)
    norm = normalize_label(raw)
    name, weight = weight_in_label(norm)
    written = half_width(name).strip()
    scored, _how = indicator_name(written, known) if written not in _TOTAL_ROW else (written, "")
    return Label(scored, weight, CellRef(grid.name, a1(row, col)), raw, written if scored != written else "")


# The indicator sheet as read: the template's columns plus the v2 度量单位 column (workbook.md) and a
# comparator column of its own.
_UNREAD = ("I005", "I006")  # a cell behind these holds an unknown figure (scoring.md v3)
_INDICATORS_READ = dataclasses.replace(
    schema.INDICATORS,
    columns=(*schema.INDICATORS.columns, schema.INDICATOR_UNIT, schema.INDICATOR_COMPARATOR),
)
