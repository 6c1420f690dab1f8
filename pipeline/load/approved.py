"""The bureau's approved 绩效目标 (workbook.md v3 "Approved targets"): a folder of .xlsx exports of
预算管理一体化, one row per indicator, many projects per sheet -> `ApprovedTargets`.

Read like a unit's workbook (calamine; title rows above the header, merged cells repeated, columns in
any order, 合计 rows and blank rows skipped) and as defensively (container.py checks each file first).
A project's 项目名称 / 实施单位 / 预算年度 / 项目编码 written once above its indicators and left blank
below (not merged) belongs to the rows below, as a reader sees it. Nothing here raises for bad input:
a file or cell that cannot be read is a batch finding (I001/I003/I004/I005) naming the file, sheet and
cell, and the rest is read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import python_calamine as calamine

from .. import schema
from ..cells import a1, col_letter
from ..config import Limits
from ..messages import KIND_WORDS, MSG
from ..model import Finding
from ..values import Unreadable, normalize_label, parse_year, to_text
from .grid import Grid, fill_merges, find_header, find_sheet
from .rules import loader_finding
from .workbook import Unopened, engine_words, open_book

_TOTAL_ROW = {"合计", "总计", "小计"}
# an export is the bureau's own file, not a unit's: as many rows as Excel allows (the cell limit stays)
EXCEL_MAX_ROWS = 1_048_576
_PROJECT_KEYS = ("code", "name", "unit", "year")


@dataclass(frozen=True)
class ApprovedRow:
    """One approved indicator as exported; texts as written, `year` read (None when unreadable)."""

    file: str  # as findings name it: <folder name>/<file name>
    sheet: str
    row: int  # Excel row number
    code: str
    name: str
    unit: str
    year: int | None
    level1: str
    level2: str
    level3: str
    level3_cell: str
    target: str
    target_cell: str
    adjusted: str  # 调整后指标值, '' when not adjusted
    adjusted_cell: str
    nature: str  # 指标性质 as written (定量/定性, or a comparator)
    measure: str  # 度量单位 of a bare target


ROW_COLUMNS = tuple(f.name for f in dataclasses.fields(ApprovedRow))


@dataclass(frozen=True)
class ApprovedTargets:
    """What the folder holds: the rows of every readable file, and the problems met reading them."""

    folder: Path
    files: tuple[tuple[str, str], ...] = ()  # (file as findings name it, sha256), in name order
    rows: tuple[ApprovedRow, ...] = ()
    problems: tuple[tuple[str, Finding], ...] = ()  # (file, I finding): findings of the batch

    @property
    def active(self) -> bool:
        """X006–X008 run: some approved row was read."""
        return bool(self.rows)


def approved_files(folder: Path) -> list[Path]:
    """The files of the folder a run reads (or names as unreadable), in name order: spreadsheets
    only, not Excel's `~$` lock files or hidden files."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        name = path.name
        if name.startswith(("~$", ".")) or not path.is_file():
            continue
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv"):
            found.append(path)
    return found


def read_approved(folder: Path, limits: Limits) -> ApprovedTargets:
    """Every approved-targets file of `folder`; an absent or empty folder reads as no targets."""
    rows: list[ApprovedRow] = []
    problems: list[tuple[str, Finding]] = []
    files = []
    for path in approved_files(folder):
        label = f"{folder.name}/{path.name}"
        digest, found, trouble = _read_file(path, label, limits)
        files.append((label, digest))
        rows.extend(found)
        problems.extend((label, f) for f in trouble)
    return ApprovedTargets(folder, tuple(files), tuple(rows), tuple(problems))


def _read_file(path: Path, label: str, limits: Limits) -> tuple[str, list[ApprovedRow], list[Finding]]:
    def refused(message: str) -> list[Finding]:
        return [loader_finding("I001", "", "", message)]

    limits = dataclasses.replace(limits, max_rows=EXCEL_MAX_ROWS)
    try:
        source, container, book = open_book(path, limits)
    except Unopened as e:
        return e.sha256, [], refused(e.reason)
    try:
        visible = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")]
        name = find_sheet(list(book.sheet_names), schema.APPROVED.name, set(visible))
        name = name or (visible or list(book.sheet_names) or [None])[0]
        if name is None:
            return source.sha256, [], refused(MSG["I002_found"].format(names="无"))
        height, width = container.extent(name)
        if height * width > limits.max_cells:
            return (
                source.sha256,
                [],
                refused(MSG["I001_area"].format(sheet=name, rows=height, cols=width, limit=limits.max_cells)),
            )
        sheet = book.get_sheet_by_name(name)
        rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        grid = Grid(name, fill_merges(rows, sheet.merged_cell_ranges))
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, ValueError) as e:
        return source.sha256, [], refused(MSG["I001_engine"].format(error=engine_words(e)))
    finally:
        book.close()
    found, trouble = _rows(grid, label)
    return source.sha256, found, trouble


def _rows(grid: Grid, label: str) -> tuple[list[ApprovedRow], list[Finding]]:
    sheet = schema.APPROVED
    header = find_header(grid, sheet)
    cols = header.columns
    trouble = [
        loader_finding("I003", grid.name, "", MSG["I003"].format(sheet=grid.name, column=c.label))
        for c in sheet.columns
        if c.required and c.key not in cols
    ]
    if trouble:
        return [], trouble

    keys = [c.key for c in sheet.columns]
    where = [(k, cols[k]) for k in keys if k in cols]
    letters = {k: col_letter(c) for k, c in where}
    width = max(c for _, c in where) + 1

    def at(r: int, key: str) -> str:
        return f"{letters[key]}{r + 1}" if key in letters else ""

    years: dict[object, int | None] = {}  # an export repeats a few year cells 40,000 times
    found: list[ApprovedRow] = []
    above = dict.fromkeys(_PROJECT_KEYS, "") | {"level1": "", "level2": ""}
    above_year: int | None = None
    for r in range(header.row + 1, len(grid.rows)):
        cells = grid.rows[r]
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = dict.fromkeys(keys, "")
        for key, c in where:
            v = cells[c]
            values[key] = (v if type(v) is str else to_text(v)).strip()
        joined = "".join(values.values())
        if not joined:
            continue
        if "计" in joined and any(normalize_label(v) in _TOTAL_ROW for v in values.values()):
            continue  # a 合计 / 小计 row
        project = {key: values[key] for key in _PROJECT_KEYS}
        carried = not any(project.values())
        if carried:  # written once above the project's rows
            project = {key: above[key] for key in _PROJECT_KEYS}
        year = above_year
        if not carried:
            raw = cells[cols["year"]]
            try:
                year = years[raw] if raw in years else years.setdefault(raw, parse_year(raw))
            except Unreadable as e:
                year = None
                trouble.append(_unreadable(grid, r, cols["year"], "预算年度", e.reason, values["year"]))
        above.update(project)
        above_year = year
        level1 = values["level1"] or (above["level1"] if carried else "")
        level2 = values["level2"] or (above["level2"] if carried else "")
        above.update(level1=level1, level2=level2)
        missing = [
            c.label
            for c in sheet.columns
            if c.required and c.key in ("level3", "target") and not values[c.key]
        ]
        if not project["code"]:  # without a code, the project is known by its name, unit and year
            missing += [
                c.label for c in sheet.columns if c.key in ("name", "unit", "year") and not project[c.key]
            ]
        if not project["code"] and project["year"] and year is None:
            continue  # an unreadable year (I005 said so): the row cannot be matched
        if missing:
            for what in missing:
                key = next(c.key for c in sheet.columns if c.label == what)
                trouble.append(
                    loader_finding(
                        "I004", grid.name, at(r, key), MSG["I004_row"].format(row=r + 1, label=what)
                    )
                )
            continue
        found.append(
            ApprovedRow(
                file=label,
                sheet=grid.name,
                row=r + 1,
                code=project["code"],
                name=project["name"],
                unit=project["unit"],
                year=year,
                level1=level1,
                level2=level2,
                level3=values["level3"],
                level3_cell=at(r, "level3"),
                target=values["target"],
                target_cell=at(r, "target"),
                adjusted=values["adjusted"],
                adjusted_cell=at(r, "adjusted"),
                nature=values["nature"],
                measure=values["measure"],
            )
        )
    return found, trouble


def _unreadable(grid: Grid, r: int, c: int, label: str, reason: str, text: str) -> Finding:
    return loader_finding(
        "I005",
        grid.name,
        a1(r, c),
        MSG["I005"].format(label=label, text=text[:30], reason=reason, kind=KIND_WORDS["year"]),
    )
