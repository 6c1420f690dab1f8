"""sheets.py: every sheet written or read back is declared once, and both sides use it."""

from __future__ import annotations

import io

import openpyxl
import pytest

from pipeline import sheets
from pipeline.decisions import CONCLUSIONS, STATES

ALL = (
    sheets.REVIEW,
    sheets.RECORD,
    sheets.DETAIL,
    sheets.SUMMARY,
    sheets.ALL_FINDINGS,
    sheets.BY_DEPARTMENT,
    sheets.YEAR_OVER_YEAR,
    sheets.DECISION_RECORD,
)


@pytest.mark.parametrize("sheet", ALL, ids=lambda s: s.name)
def test_a_sheet_names_each_column_once(sheet):
    assert len(set(sheet.heads)) == len(sheet.heads)
    assert all(sheet.col(head) == c for c, head in enumerate(sheet.heads))


def test_the_reviewer_picks_from_the_states_the_read_back_knows():
    """The 审核处理 and 审核结论 dropdowns offer exactly the values decisions.py accepts, and the
    columns batch/reviewer.py reads by header are on the sheets the writers write."""
    assert sheets.REVIEW.columns[sheets.REVIEW.col(sheets.STATE_HEAD)].choices == STATES
    assert sheets.SUMMARY.columns[sheets.SUMMARY.col(sheets.CONCLUSION_HEAD)].choices == CONCLUSIONS
    assert {*sheets.KEY_HEADS, sheets.STATE_HEAD, sheets.NOTE_HEAD} <= set(sheets.REVIEW.heads)
    assert {sheets.FILE_HEAD, sheets.REVIEWER_HEAD, sheets.DATE_HEAD} <= set(sheets.SUMMARY.heads)
    assert sheets.choice_list(STATES) == "待核实、确认、豁免 或 调整"


def test_the_scored_workbook_is_laid_out_as_declared(example_path):
    from datetime import date

    from pipeline.config import Settings
    from pipeline.evaluate import evaluate
    from pipeline.render.scored_workbook import scored_workbook

    wb = openpyxl.load_workbook(
        io.BytesIO(scored_workbook(evaluate(example_path, Settings(), today=date(2024, 4, 1))))
    )
    for sheet in (sheets.REVIEW, sheets.DETAIL):
        ws = wb[sheet.name]
        assert tuple(c.value for c in ws[1]) == sheet.heads
