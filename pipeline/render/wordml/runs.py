"""Text -> WordprocessingML runs and paragraphs: the tagged lines' stand-ins swapped back, comment
marks turned into comment ranges, line breaks; widths of text in characters, balanced title lines."""

from __future__ import annotations

import re
from typing import NamedTuple

from .layout import COMMENT_REFERENCE

# Characters that carry structure in the tagged lines. Data passing through `{{ … }}` has them
# swapped for private-use stand-ins (and line breaks for spaces), so whatever a unit typed can
# never start a tag, split a table cell or span one; the writer swaps them back.
STANDINS = str.maketrans({"@": "\ue001", "|": "\ue002", "~": "\ue003"})
_RESTORE = str.maketrans({"\ue001": "@", "\ue002": "|", "\ue003": "~"})


class ReportTemplateError(ValueError):
    """The report template produced a line the writer cannot lay out (names the line)."""


class Line(NamedTuple):
    tag: str
    text: str
    number: int  # line of the rendered template, for error messages


CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (up to 99)."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return CN_DIGITS[n]
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


_STANDIN = re.compile("[\ue001-\ue003]")


def xml_text(text: str) -> str:
    if _STANDIN.search(text) is not None:
        text = text.translate(_RESTORE)
    # xml.sax.saxutils.escape's three replacements: importing it brings urllib.request, http.client
    # and ssl, ~20 ms of the fork server's start before any worker can begin
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


# A Word comment (批注) anchored on part of a text: report.py wraps the words in these marks,
# `\ue010<id>\ue011words\ue012`, and the run writer turns them into a comment range and its mark.
COMMENT_OPEN, COMMENT_ID_END, COMMENT_CLOSE = "\ue010", "\ue011", "\ue012"
LINE_BREAK = "\ue004"  # a line break inside a table cell (one date a line)
COMMENT_MARKS = re.compile("[\ue004\ue010-\ue012]")  # every mark of ours: never taken from the unit's text
_COMMENTED = re.compile("\ue010(\\d+)\ue011(.*?)\ue012", re.S)
REFERENCE = re.compile(r'<w:commentReference w:id="(\d+)"/>')


def commented(text: str, comment_id: int) -> str:
    """`text` marked to carry comment `comment_id` (see `package(comments=…)`)."""
    return f"{COMMENT_OPEN}{comment_id}{COMMENT_ID_END}{text}{COMMENT_CLOSE}" if text else text


def plain_run(text: str) -> str:
    if LINE_BREAK in text:
        return "<w:r><w:br/></w:r>".join(plain_run(part) for part in text.split(LINE_BREAK))
    return f'<w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>' if text else ""


def text_runs(text: str) -> str:
    if COMMENT_OPEN not in text:
        return plain_run(text)
    out, at = [], 0
    for m in _COMMENTED.finditer(text):
        out.append(plain_run(text[at : m.start()]))
        cid = m.group(1)
        out.append(
            f'<w:commentRangeStart w:id="{cid}"/>{plain_run(m.group(2))}<w:commentRangeEnd w:id="{cid}"/>'
            f'<w:r><w:rPr><w:rStyle w:val="{COMMENT_REFERENCE}"/></w:rPr><w:commentReference w:id="{cid}"/></w:r>'
        )
        at = m.end()
    out.append(plain_run(text[at:]))
    return re.sub(
        "[\ue010-\ue012]", "", "".join(out)
    )  # a stray mark (a template cut a marked text) shows nothing


def text_chars(text: str) -> float:
    """Width in characters of the body font: CJK and full-width one, digits and Latin half."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch not in "“”‘’—…" else 1.0 for ch in text)


def balanced_lines(pieces: list[str], width: float) -> list[str]:
    """Join pieces (each ending at a word boundary) into lines of at most `width` characters, as few
    lines as possible and as even as possible (GB/T 9704 7.3.3: 词意完整, 梯形或菱形)."""
    n = len(pieces)
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)  # from piece i: (cost, end of its first line)
    for i in range(n - 1, -1, -1):
        options = []
        for j in range(i + 1, n + 1):
            w = text_chars("".join(pieces[i:j]))
            if w > width and j > i + 1:
                break
            # fewer lines first, then even lengths
            options.append((best[j][0] + 1000 + (width - min(w, width)) ** 2, j))
        best[i] = min(options)
    lines, i = [], 0
    while i < n:
        j = best[i][1]
        lines.append("".join(pieces[i:j]))
        i = j
    return lines


_PSTYLE = re.compile(r"(<w:pStyle [^>]*/>)")


def keep_with_next(p: str) -> str:
    """A written paragraph, kept on the page of the next one."""
    if "<w:keepNext/>" in p:
        return p
    if p.startswith("<w:p><w:pPr>"):
        if _PSTYLE.search(p):
            return _PSTYLE.sub(r"\1<w:keepNext/>", p, count=1)
        return p.replace("<w:pPr>", "<w:pPr><w:keepNext/>", 1)
    return p.replace("<w:p>", "<w:p><w:pPr><w:keepNext/></w:pPr>", 1)


def paragraph(style: str, text: str, ppr_extra: str = "") -> str:
    style_el = f'<w:pStyle w:val="{style}"/>' if style != "Normal" else ""
    ppr = f"<w:pPr>{style_el}{ppr_extra}</w:pPr>" if style_el or ppr_extra else ""
    return f"<w:p>{ppr}{text_runs(text)}</w:p>"
