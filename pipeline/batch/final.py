"""The 定稿 (outputs.md v3): once a project's 审核结论 is 通过 and none of its 错误 is still 待核实 or
确认, the run writes a clean copy of the report beside the 审核稿 — no comments, no open list, a
审核情况 附件 — and, when LibreOffice is there, a PDF of it with its fonts embedded.

The worker calls `final_files` with the findings.json it just built; the main process calls
`final_state` for the console line and 审核汇总's 定稿 column. Both read the same `final_blockers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..decisions import PASSED, Conclusion, final_blockers
from .files import output_name
from .manifest import OK
from .pdf import docx_to_pdf, soffice

if TYPE_CHECKING:  # the workers import this module: they need neither the plan nor the tables
    from .plan import Item

FINAL_SUFFIX = "_绩效自评报告（定稿）.docx"
FINAL_PDF_SUFFIX = "_绩效自评报告（定稿）.pdf"
WRITTEN = "已生成"
NOT_WRITTEN = "未生成："
PDF_AUTO, PDF_OFF, PDF_REQUIRED = "auto", "off", "required"


def passed(conclusion: Conclusion | None) -> bool:
    return conclusion is not None and conclusion.state == PASSED and not conclusion.problem


def final_files(
    project: str,
    doc: dict,
    conclusion: Conclusion | None,
    pdf_mode: str,
    render: Callable[[], bytes],
) -> dict[str, bytes]:
    """{file name: bytes} of the 定稿 (and its PDF) when it is due, else {}. `render` builds the
    .docx (report.report_docx in its final form); `doc` is this run's findings.json."""
    if not passed(conclusion) or final_blockers(doc.get("findings", ())):
        return {}
    docx = render()
    out = {output_name(project, FINAL_SUFFIX): docx}
    if pdf_mode != PDF_OFF:
        pdf = to_pdf(docx)
        if pdf is not None:
            out[output_name(project, FINAL_PDF_SUFFIX)] = pdf
    return out


def final_state(conclusion: Conclusion | None, doc: dict, outputs: tuple[tuple[str, str], ...]) -> str:
    """审核汇总's 定稿 cell: 已生成 / 未生成：S002 绩效指标!G2:G17 待核实 / '' while not 通过."""
    if not passed(conclusion):
        return ""
    if any(name.endswith(FINAL_SUFFIX) for name, _ in outputs):
        return WRITTEN
    blockers = final_blockers(doc.get("findings", ()))
    return NOT_WRITTEN + "；".join(blockers) if blockers else ""


def final_states(items: Iterable[Item], output: Path) -> dict[str, str]:
    """Input file -> its 定稿 cell (final_state), for every workbook whose 审核结论 is 通过."""
    from .frames import read_doc

    out = {}
    for it in items:
        if it.record is None or it.record.status != OK or not passed(it.conclusion):
            continue
        if it.doc is None:
            it.doc = read_doc(output / it.record.folder, it.name, it.digest)
        out[it.name] = final_state(it.conclusion, it.doc, it.record.outputs)
    return out


def without_pdf(items: Iterable[Item]) -> list[str]:
    """The 定稿 written with no PDF beside it (LibreOffice missing, or the conversion failed)."""
    return [
        f"{it.record.folder}/{name}"
        for it in items
        if it.record is not None
        for name, _ in it.record.outputs
        if name.endswith(FINAL_SUFFIX) and not has_pdf(it.record.outputs)
    ]


def pdf_due(outputs: tuple[tuple[str, str], ...]) -> bool:
    """A 定稿 without its PDF, and LibreOffice is here now: the workbook is done again."""
    return (
        any(name.endswith(FINAL_SUFFIX) for name, _ in outputs)
        and not has_pdf(outputs)
        and soffice() is not None
    )


def has_pdf(outputs: tuple[tuple[str, str], ...]) -> bool:
    return any(name.endswith(FINAL_PDF_SUFFIX) for name, _ in outputs)


# ---------------------------------------------------------------- the PDF
def to_pdf(docx: bytes) -> bytes | None:
    """The PDF of the 定稿 (batch/pdf.py: LibreOffice, fonts embedded), or None without LibreOffice."""
    return docx_to_pdf(docx, "定稿")
