"""Renderers: finished values in, bytes out. They never recompute a score and never touch the disk."""

# How hard the .xlsx and .docx we write are deflated: level 1 (zlib's default is 6). Their XML is
# so repetitive that level 1 still shrinks it ~5-fold; the files come out ~10 % larger (a scored
# workbook's parts ~21.5 KB instead of ~19.8 KB) and deflating them costs ~0.4 ms less a scored
# workbook and up to ~0.5 ms less a report (the bench corpus, parts deflated both ways). Who deflates
# (ISA-L where installed, else zlib): deflate.py.
DEFLATE_LEVEL = 1
