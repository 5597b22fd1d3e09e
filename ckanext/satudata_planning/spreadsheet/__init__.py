"""The Daftar Data as an Excel workbook: template, import and export.

OPDs fill the list in Excel; the portal takes it back only when every cell is
valid, so :func:`parse` checks every cell and reports every error with the row
and column the user sees in Excel, and the caller writes all rows or none.
The columns come from :mod:`sop.row_fields`, the allowed values from
:mod:`sop.vocabularies`, so template, import and export cannot drift apart.

Uploaded bytes are untrusted: :mod:`.safety` checks the container (zip magic,
content types, macros, uncompressed size) before openpyxl ever opens it.

>>> result = parse(build_template([("dinkes", "Dinas Kesehatan")]))
>>> result.messages()
['The sheet "Daftar Data" has no rows of data.']
"""
from __future__ import annotations

from .export import export
from .parse import parse, split_multi
from .template import build_template
from .workbook import (
    ROW_KEY,
    SHEET_CHOICES,
    SHEET_DATA,
    SHEET_HELP,
    CellError,
    ParseResult,
    header,
)

__all__ = [
    "ROW_KEY",
    "SHEET_CHOICES",
    "SHEET_DATA",
    "SHEET_HELP",
    "CellError",
    "ParseResult",
    "build_template",
    "export",
    "header",
    "parse",
    "split_multi",
]
