"""The county report (…年度项目支出绩效自评情况报告) as a .docx, laid out like the project reports.

Same three layers as report.py, and the same Word layer: `_context(figures)` turns the finished
`county.CountyFigures` into display strings (nothing is computed here but the length of a chart's
bars); `templates/county_report.txt.j2` and the chapters under `templates/county/` write the wording
a county edits (outline, 结果应用 policy per grade); wordml.py lays the tagged lines out (GB/T 9704
page and styles) and packages the document.

Charts (the grade and 执行率 distributions) are drawn as tables whose bars are filled cells: they
print the same in Word, WPS and LibreOffice, stay editable and selectable, carry their numbers beside
the bars, and need no image library (none is in the dependency tree; matplotlib or Pillow would be
a heavy addition for two bar charts, and an image's labels would need a CJK font at run time).
"""

from __future__ import annotations

from ..county import CountyFigures, DepartmentLine, ProjectLine, Share
from ..display import fixed, percent, show
from .report import _environment, _parse
from .wordml import GridCell, Writer, grid_table, package

MAIN_TEMPLATE = "county_report.txt.j2"
GRADE_CHART, RATE_CHART = "等级分布图", "执行率分布图"
BAR_STEPS = 30  # a bar is drawn in steps of 1/30 of the longest one
# chart columns, mm (scaled to the 版心): label, 项目数, 占比, 预算数, then the bar area
CHART_COLUMNS = (34.0, 14.0, 14.0, 24.0)
BAR_AREA = 70.0


def county_report_docx(figures: CountyFigures) -> bytes:
    """The county report as .docx bytes (same figures → same bytes)."""
    context = _context(figures)
    text = _environment().get_template(MAIN_TEMPLATE).render(context)
    blocks = {
        GRADE_CHART: bar_chart("等级", [*figures.grades], figures),
        RATE_CHART: bar_chart("执行率", [*figures.rate_bins], figures),
    }
    body = Writer(blocks=blocks).write(_parse(text))
    return package(body, figures.title, figures.bureau or figures.region, figures.run_date)


# ---------------------------------------------------------------- charts
def bar_chart(label: str, shares: list[Share], figures: CountyFigures) -> str:
    """A horizontal bar chart as a table: one row per bin (its label, 项目数, 占比, 预算数, then a bar
    of filled cells as long as its count against the largest bin's)."""
    widths = (*CHART_COLUMNS, *([BAR_AREA / BAR_STEPS] * BAR_STEPS))
    first_bar, last = len(CHART_COLUMNS), len(CHART_COLUMNS) + BAR_STEPS - 1
    cells = [
        GridCell(0, 0, 0, 0, label, "head"),
        GridCell(0, 1, 0, 1, "项目数", "head"),
        GridCell(0, 2, 0, 2, "占比", "head"),
        GridCell(0, 3, 0, 3, "预算（万元）", "head"),
        GridCell(0, first_bar, 0, last, "分布", "head"),
    ]
    largest = max((s.projects for s in shares), default=0)
    for r, s in enumerate(shares, start=1):
        cells += [
            GridCell(r, 0, r, 0, s.label, "center"),
            GridCell(r, 1, r, 1, str(s.projects), "center"),
            GridCell(r, 2, r, 2, _share(s, figures), "center"),
            GridCell(r, 3, r, 3, fixed(s.budget, 2), "center"),
        ]
        steps = bar_steps(s.projects, largest)
        if steps:
            cells.append(GridCell(r, first_bar, r, first_bar + steps - 1, "", "bar"))
        if steps < BAR_STEPS:
            cells.append(GridCell(r, first_bar + steps, r, last, "", "text"))
    return grid_table(widths, cells, header_rows=(0,), whole=True)


def bar_steps(count: int, largest: int) -> int:
    """A bar's length in steps: the largest bin fills the area; any bin with a project shows one."""
    if count <= 0 or largest <= 0:
        return 0
    return max(1, round(BAR_STEPS * count / largest))


# ---------------------------------------------------------------- display values
def _context(f: CountyFigures) -> dict:
    def score(x: float | None) -> str:
        return show(x, f.score_decimals) if x is not None else "—"

    def line(p: ProjectLine) -> dict:
        return {
            "file": p.file,
            "name": p.name or p.file,
            "unit": p.unit,
            "department": p.department,
            "budget": _money(p.budget),
            "executed": _money(p.executed),
            "rate": percent(p.rate) or "—",
            "claimed": score(p.claimed),
            "total": score(p.total),
            "grade": p.grade,
            "conclusion": p.conclusion,
            "reviewer": p.reviewer,
            "day": p.day,
        }

    def share(s: Share) -> dict:
        return {"label": s.label, "projects": s.projects, "share": _share(s, f), "budget": _money(s.budget)}

    def department(d: DepartmentLine) -> dict:
        return {
            "name": d.department,
            "projects": d.projects,
            "budget": _money(d.budget),
            "executed": _money(d.executed),
            "rate": percent(d.rate) or "—",
            "mean_total": score(d.mean_total),
            "grades": [str(n) for n in d.grades],
            "unknown": d.unknown,
            "errors": d.errors,
            "warnings": d.warnings,
        }

    grades = [share(s) for s in f.grades]
    return {
        "title": f.title,
        "region": f.region,
        "bureau": f.bureau,
        "year": str(f.year) if f.year is not None else "",
        "date": f"{f.run_date.year}年{f.run_date.month}月{f.run_date.day}日",
        "final": f.final,
        "remaining": f.remaining,
        "files": f.files,
        "projects": f.projects,
        "departments": f.departments,
        "units": f.units,
        "budget": _money(f.budget),
        "executed": _money(f.executed),
        "rate": percent(f.rate) or "—",
        "money_unknown": f.money_unknown,
        "unreadable": list(f.unreadable),
        "other_years": [{"year": y, "files": list(files), "n": len(files)} for y, files in f.other_years],
        "duplicates": [
            {
                "project": d.project,
                "kept": d.kept,
                "dropped": "、".join(d.dropped),
                "copies": len(d.dropped) + 1,
                "identical": d.identical,
            }
            for d in f.duplicates
        ],
        "grades": grades[:-1],
        "unknown": grades[-1],
        "grade_chart": GRADE_CHART,
        "rate_bins": [share(s) for s in f.rate_bins],
        "rate_unknown": f.rate_unknown,
        "rate_chart": RATE_CHART,
        "mean_total": score(f.mean_total),
        "scored": f.scored,
        "differs": f.differs,
        "higher": f.higher,
        "mean_gap": score(f.mean_gap),
        "passed": f.passed,
        "pending": f.pending,
        "returned": [line(p) for p in f.returned],
        "low": [line(p) for p in f.low],
        "by_grade": {g: [line(p) for p in ps] for g, ps in f.by_grade.items()},
        "department_rows": [department(d) for d in f.departments_table],
        "errors": f.errors,
        "warnings": f.warnings,
        "problems": [
            {
                "name": g.name,
                "projects": g.projects,
                "findings": g.findings,
                "rules": [
                    {
                        "rule": r.rule,
                        "title": r.title,
                        "severity": r.severity,
                        "findings": r.findings,
                        "projects": r.projects,
                        "example_project": r.example_project,
                        "example": r.example,
                    }
                    for r in g.rules
                ],
            }
            for g in f.problems
        ],
        "cross": [
            {
                "rule": g.rule,
                "title": g.title,
                "entries": [
                    {
                        "project": i.project or i.file,
                        "file": i.file,
                        "other_project": i.other_project or i.other_file,
                        "other_file": i.other_file,
                        "findings": i.findings,
                        "message": i.message,
                    }
                    for i in g.items
                ],
            }
            for g in f.cross
        ],
        "all_projects": [line(p) for p in f.all_projects],
    }


def _money(x: float | None) -> str:
    return fixed(x, 2) if x is not None else "—"


def _share(s: Share, f: CountyFigures) -> str:
    return percent(s.share, 1) if f.projects else "—"
