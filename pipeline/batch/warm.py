"""Imported by the fork server (pool._context's preload), never otherwise: the Word base document and
the report templates are built there once, and every worker it forks inherits them, instead of each
worker building its own (~0.15 s of CPU each) before its first workbook. Where workers are spawned
(Windows), each builds them in `workers._init`, as before."""

import contextlib

with contextlib.suppress(Exception):  # a failure here is the workers' to report (workers._init)
    from ..render.report import prepare

    prepare()
