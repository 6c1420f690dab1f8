"""WordprocessingML for the report: GB/T 9704 page and styles, tagged lines -> body XML, the package.

`report.py` decides what the report says (display values, the jinja2 outline); this package decides
how it looks:
- layout.py: the page in numbers and the fonts
- page.py: the paragraph styles, declared as data, and the page, written with python-docx
- runs.py: text -> runs and paragraphs (stand-ins, comment marks, line breaks), text widths
- tables.py: the template's tables and the form's grid, one table/row/cell XML
- writer.py: tagged lines -> the children of <w:body>
- package.py: the .docx around the body; its base parts are built (base.py, with python-docx) once
  per installation and read back after, so a report never imports python-docx
"""

from .layout import FANGSONG, HEITI, KAITI, LANDSCAPE_WIDTH, SONGTI, TITLE_CHARS, XIAOBIAOSONG
from .package import AUTHOR, COMMENT_AUTHOR, base_package, package
from .runs import (
    COMMENT_MARKS,
    COMMENT_OPEN,
    LINE_BREAK,
    STANDINS,
    Line,
    ReportTemplateError,
    balanced_lines,
    commented,
    text_chars,
)
from .tables import GridCell, grid_table
from .writer import OTHER_TAGS, PARAGRAPH_TAGS, Writer

__all__ = [
    "AUTHOR",
    "COMMENT_AUTHOR",
    "COMMENT_MARKS",
    "COMMENT_OPEN",
    "FANGSONG",
    "HEITI",
    "KAITI",
    "LANDSCAPE_WIDTH",
    "LINE_BREAK",
    "OTHER_TAGS",
    "PARAGRAPH_TAGS",
    "SONGTI",
    "STANDINS",
    "TITLE_CHARS",
    "XIAOBIAOSONG",
    "GridCell",
    "Line",
    "ReportTemplateError",
    "Writer",
    "balanced_lines",
    "base_package",
    "commented",
    "grid_table",
    "package",
    "text_chars",
]
