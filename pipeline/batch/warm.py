"""Imported by the fork server (pool._context's preload), never otherwise: the Word base parts (read
back as kept, or built: render/wordml/package.py) and the report templates are made ready there once,
and every worker it forks inherits them, instead of each worker doing it before its first workbook.
Where workers are spawned (Windows), each does it in `workers._init`."""

import contextlib

with contextlib.suppress(Exception):  # a failure here is the workers' to report (workers._init)
    from ..render.report import prepare

    prepare()
