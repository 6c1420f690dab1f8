"""Renderers: finished values in, bytes out. They never recompute a score and never touch the disk."""

# How hard the .xlsx and .docx we write are deflated: level 1 (zlib's default is 6). Their XML is
# so repetitive that level 1 still shrinks it ~5-fold; the files come out ~10 % larger (a scored
# workbook ~21 KB instead of ~20 KB) and every workbook's render ~0.8 ms cheaper (`make bench`).
DEFLATE_LEVEL = 1
