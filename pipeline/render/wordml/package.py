"""The .docx around the body: the base parts (styles, page set-up, footers with the PAGE field,
fonts, settings; base.py builds them with python-docx) and what a report adds: its document.xml,
core.xml and comments. The base parts are built once per installation, not per run: kept beside
this module, under a name made of everything that makes them (`base_package`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import io
import os
import re
import sys
import zipfile
import zlib
from dataclasses import astuple, dataclass, fields
from functools import lru_cache
from pathlib import Path

from ... import AUTHOR
from ..deflate import Zip
from .layout import COMMENT_REFERENCE, LANDSCAPE_MARGINS, PAGE_H, PAGE_W
from .runs import plain_run, xml_text

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOC_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject><dc:creator>{author}</dc:creator>"
    "<cp:lastModifiedBy>{author}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
)
APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    f"<Application>{AUTHOR}</Application></Properties>"
)
COMMENTS_PART = "word/comments.xml"
COMMENTS_OPEN = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments xmlns:w="{W_NS}">'
COMMENT_AUTHOR = "财政复核"
ZIP_STAMP = (1980, 1, 1, 0, 0, 0)  # zip entry times are fixed: the same report is the same bytes


@dataclass(frozen=True)
class Base:
    static_zip: bytes  # every part but document.xml and core.xml, compressed
    plain_zip: bytes  # the same without the comments part's relationship and content type (定稿)
    sect_pr: str  # the body's final <w:sectPr> (footers, page numbers from 1)
    cover_sect_pr: str  # the inside of the cover's sectPr (same page, no footer)

    @property
    def continued_sect_pr(self) -> str:
        """A later portrait section: a new page, numbers running on."""
        return self.sect_pr.replace('<w:pgNumType w:start="1"/>', "").replace(
            '<w:type w:val="oddPage"/>', '<w:type w:val="nextPage"/>'
        )

    @property
    def landscape_sect_pr(self) -> str:
        """A landscape section (附件1, the form as the official one is printed): the 版心 turned, 225 ×
        156 mm, the binding edge (订口) at the top; numbers running on."""
        return re.sub(
            r"<w:pgMar [^>]*/>",
            LANDSCAPE_MARGINS,
            self.continued_sect_pr.replace(
                f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>',
                f'<w:pgSz w:w="{PAGE_H}" w:h="{PAGE_W}" w:orient="landscape"/>',
            ),
        )


def package(
    body: str,
    title: str,
    subject: str,
    run_date: dt.date,
    comments: dict[int, list[str]] | None = None,
    sect_pr: str | None = None,
) -> bytes:
    """The .docx: the shared base parts, this report's body, its comments and core properties.

    `comments` maps a comment id the body anchors (`commented()`) to its paragraphs; None: the
    package has no comments part at all (the 定稿). `sect_pr`: the last section's properties when
    the body has sections of its own (Writer.last_sect_pr).
    """
    base = base_package()
    document = DOC_OPEN + body + (sect_pr or base.sect_pr) + "</w:body></w:document>"
    stamp = f"{run_date.isoformat()}T00:00:00Z"
    notes = "".join(
        f'<w:comment w:id="{cid}" w:author="{xml_text(COMMENT_AUTHOR)}" w:initials="{xml_text(COMMENT_AUTHOR)}" w:date="{stamp}">'
        + "".join(
            '<w:p><w:pPr><w:pStyle w:val="CommentText"/></w:pPr>'
            + (
                f'<w:r><w:rPr><w:rStyle w:val="{COMMENT_REFERENCE}"/></w:rPr><w:annotationRef/></w:r>'
                if n == 0
                else ""
            )
            + plain_run(text)
            + "</w:p>"
            for n, text in enumerate(paras)
        )
        + "</w:comment>"
        for cid, paras in sorted((comments or {}).items())
    )
    core = CORE.format(
        title=xml_text(title),
        subject=xml_text(subject),
        author=AUTHOR,
        stamp=stamp,
    )
    # the static parts were deflated once (in `_base`), at zlib's default; a report appends its own
    out = io.BytesIO(base.static_zip if comments is not None else base.plain_zip)
    with Zip(out, "a", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (
            ("word/document.xml", document),
            ("docProps/core.xml", core),
            *(((COMMENTS_PART, COMMENTS_OPEN + notes + "</w:comments>"),) if comments is not None else ()),
        ):
            zf.writestr(zipfile.ZipInfo(name, ZIP_STAMP), data.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ---------------------------------------------------------------- the base parts, kept
# Built with python-docx they take ~0.2 s and python-docx's import as much again, in the process
# that starts the workers, before any worker starts; read back they take ~1 ms and no python-docx.
# They are kept where Python keeps its bytecode, under a name made of every input of base.py's
# build: this folder's code, python-docx's and lxml's, the Python and zlib that ran it. Any of them
# changed makes another name, and the parts are built again; where nothing can be written they are
# built in each process, as before.
KEPT = Path(__file__).with_name("__pycache__")


@lru_cache(maxsize=1)
def base_package() -> Base:
    """Styles, page setup and footers: read back as kept, else built (base.py) and kept."""
    try:
        path: Path | None = KEPT / f"base-{made_by()}.zip"
    except OSError:  # a source that cannot be read (a zipped install): built, never kept
        path = None
    if path is not None:
        with contextlib.suppress(OSError, KeyError, ValueError, zipfile.BadZipFile):
            return read_base(path.read_bytes())
    from .base import build

    built = build()
    if path is not None:
        with contextlib.suppress(OSError):
            keep(path, built)
    return built


def made_by() -> str:
    """A digest of everything the base parts are made from (see KEPT)."""
    sources = [
        *sorted(Path(__file__).parent.glob("*.py")),  # base.py and what it uses: this folder's code
        Path(__file__).parents[2] / "__init__.py",  # AUTHOR
        *(_origin(package) for package in ("docx", "lxml")),
    ]
    h = hashlib.sha256(f"{sys.version}|{zlib.ZLIB_RUNTIME_VERSION}".encode())
    for source in sources:
        h.update(f"{source.name if source else '-'}\0".encode())
        h.update((source.read_bytes() if source else b"") + b"\0")
    return h.hexdigest()[:16]


def _origin(package: str) -> Path | None:
    """A package's __init__.py (its version is in it), found without importing the package."""
    spec = importlib.util.find_spec(package)
    return Path(spec.origin) if spec is not None and spec.origin else None


def read_base(data: bytes) -> Base:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        values = [zf.read(f.name) for f in fields(Base)]
    return Base(
        *(
            v if f.type in ("bytes", bytes) else v.decode("utf-8")
            for f, v in zip(fields(Base), values, strict=True)
        )
    )


def base_bytes(base: Base) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for f, value in zip(fields(Base), astuple(base), strict=True):
            zf.writestr(
                zipfile.ZipInfo(f.name, ZIP_STAMP),
                value if isinstance(value, bytes) else value.encode("utf-8"),
            )
    return out.getvalue()


def keep(path: Path, base: Base) -> None:
    """Written under a temporary name and renamed: a process reading it meanwhile sees all or none."""
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(base_bytes(base))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    for old in path.parent.glob("base-*.zip"):  # made by earlier code
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
