"""What the Daftar Data's workbooks share: sheet names, the header style, how
a problem is located (row and column as the user sees them in Excel), and
what a parse returns."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ckan.plugins.toolkit import _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.sop.row_fields import RowField

SHEET_DATA = "Daftar Data"


SHEET_CHOICES = "Pilihan"


SHEET_HELP = "Petunjuk"


#: Key of the Excel row number in each parsed row dict.
ROW_KEY = "row"


MULTI_SEPARATOR = "; "


HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


HEADER_FONT = Font(bold=True, color="FFFFFF")


HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")


WIDTHS = {"long_text": 45, "text": 28, "multi_vocab": 32, "vocab": 24,
           "organization": 22, "date": 14, "int": 9, "bool": 12}


YES_NO = {"id": ("Ya", "Tidak"), "en": ("Yes", "No")}


class CellError(NamedTuple):
    """One problem, located as the user sees it in Excel (1-based row, letter).

    ``row`` and ``column`` are None for problems with the whole file or a
    whole column.
    """

    row: int | None
    column: str | None
    header: str | None
    message: str

    def __str__(self) -> str:
        parts = {"row": self.row, "column": self.column, "header": self.header,
                 "message": self.message}
        if self.row is not None and self.header:
            return _("Row {row}, column {column} ({header}): {message}").format(**parts)
        if self.row is not None:
            return _("Row {row}, column {column}: {message}").format(**parts)
        if self.column is not None and self.header:
            return _("Column {column} ({header}): {message}").format(**parts)
        if self.column is not None:
            return _("Column {column}: {message}").format(**parts)
        return self.message


@dataclass
class ParseResult:
    """Rows keyed by field key (slugs, dates, ints; ``row`` = Excel row) and errors.

    Only columns present in the sheet appear in a row dict; a blank cell is
    None (``[]`` for a multi-value column).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self) -> list[str]:
        """Every error as one translated sentence."""
        return [str(e) for e in self.errors]


def header(f: RowField, lang: str = "id") -> str:
    """The header written for ``f``: its label, with `` *`` when required."""
    return f.label(lang) + (" *" if f.required else "")


def term_label(term: vocabularies.Term, lang: str) -> str:
    return term.en if lang == "en" else term.id


def write_header(ws: Any, fields: Sequence[RowField], lang: str) -> None:
    for idx, f in enumerate(fields, start=1):
        cell = ws.cell(row=1, column=idx, value=header(f, lang))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        ws.column_dimensions[get_column_letter(idx)].width = WIDTHS[f.kind]
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}1"


def save(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
