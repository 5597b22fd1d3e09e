"""Uploaded workbooks are untrusted: the container is checked (zip magic,
content types, macros, declared sizes: zip bombs) before openpyxl ever opens
it, and a sheet is read through a streaming parser that stops after a budget
of cells. Any workbook the portal imports goes through here."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from ckan.plugins.toolkit import _
from openpyxl.utils import coordinate_to_tuple
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

#: Cells (values or formatted blanks) read per allowed row before giving up:
#: a sheet formatted across thousands of columns would otherwise take minutes.
CELLS_PER_ROW = 100


MAX_ZIP_MEMBERS = 2000


#: A member above 1 MiB that inflates more than this is a zip bomb; real
#: sheets stay far below it.
MAX_RATIO = 400


_XLSX_MAIN = (b"application/vnd.openxmlformats-officedocument"
              b".spreadsheetml.sheet.main+xml")


#: An OLE2 compound file: an .xls, or any password-protected Office file.
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


def damaged() -> str:
    return _("The file is damaged or is not a complete Excel workbook (.xlsx).")


def not_xlsx() -> str:
    return _("The file is not an Excel workbook (.xlsx). Use the template.")


def other_excel() -> str:
    return _(
        "The file is an old Excel 97-2003 workbook (.xls), a binary workbook "
        "(.xlsb) or a password-protected one. Open it in Excel, remove any "
        'password, save it as "Excel Workbook (.xlsx)" and import it again.')


def megabytes(size: int) -> str:
    """``10`` for 10 MiB, ``0.5`` for 512 KiB."""
    value = size / 1048576
    return f"{value:.2f}".rstrip("0").rstrip(".")


def container_problem(data: bytes, max_bytes: int, limit: int) -> str | None:
    """Why the bytes can't be opened safely as an XLSX, or None.

    Reads only the zip's central directory and ``[Content_Types].xml``: the
    declared sizes are checked before any part is inflated, and zipfile
    never lets a part out beyond its declared size (a part that lies fails
    its CRC), so ``limit`` bounds what openpyxl can ever read.
    """
    if not data:
        return _("The file is empty.")
    if len(data) > max_bytes:
        # ``data`` may be cut at max_bytes + 1: the limit is what is certain
        return _(
            "The file is too large: the import accepts at most {limit} MB."
        ).format(limit=megabytes(max_bytes))
    if data.startswith(_OLE2):
        return other_excel()
    if not data.startswith(b"PK\x03\x04"):
        return not_xlsx()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError,
            EOFError):
        return damaged()
    if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > limit or any(
        i.file_size > 1048576 and i.file_size > MAX_RATIO * max(i.compress_size, 1)
        for i in infos
    ):
        return _(
            "The file was refused: once opened, its content would reach an "
            "unreasonable size, far more than any data list. Save the list again "
            "from the template as a normal Excel workbook (.xlsx).")
    names = {i.filename.lower() for i in infos}
    if any(n.endswith("vbaproject.bin") for n in names):
        return _("Workbooks with macros (.xlsm) are not accepted. Save as .xlsx.")
    if "[content_types].xml" not in names:
        return not_xlsx()
    try:
        types = zf.read("[Content_Types].xml").lower()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return damaged()
    if b"sheet.binary" in types:
        return other_excel()
    if b"macroenabled" in types or b"vbaproject" in types:
        return _("Workbooks with macros (.xlsm) are not accepted. Save as .xlsx.")
    if _XLSX_MAIN not in types:
        return not_xlsx()
    return None


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_INLINE = f"{{{SHEET_MAIN_NS}}}is"


_PLAIN = f"{{{SHEET_MAIN_NS}}}t"


_RUN = f"{{{SHEET_MAIN_NS}}}r"


class TooManyCells(Exception):
    """The sheet holds more cells than the allowed rows can need."""


class _Parser(WorkSheetParser):
    """openpyxl's sheet parser with a fast path for inline strings.

    openpyxl itself (so our export, and files made by scripts) writes text as
    inline strings, which openpyxl reads through its rich-text object model:
    that costs about 40% of reading 5,000 rows. The plain text is the
    ``<t>`` of the ``<is>`` plus the ``<t>`` of each run, as ``Text.content``.
    It also counts cells against ``budget``.
    """

    budget = 0

    def parse_cell(self, element: Any) -> dict[str, Any]:
        self.budget -= 1
        if self.budget < 0:
            raise TooManyCells
        if element.get("t") != "inlineStr" or not self.data_only:
            return super().parse_cell(element)
        child = element.find(_INLINE)
        if child is None:
            return super().parse_cell(element)
        parts = []
        for node in child:
            if node.tag == _PLAIN:
                parts.append(node.text or "")
            elif node.tag == _RUN:
                parts.extend(t.text or "" for t in node if t.tag == _PLAIN)
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        return {"row": row, "column": column, "value": "".join(parts),
                "data_type": "s", "style_id": int(element.get("s", 0) or 0)}


def iter_values(ws: Any, max_cells: int) -> Iterator[tuple[Any, ...]]:
    """Every row of a read-only sheet as values up to its last value, gaps as ``()``.

    Like ``iter_rows(values_only=True)`` after ``reset_dimensions()`` (a
    sheet's recorded dimensions may be wrong), through :class:`_Parser`;
    raises :class:`TooManyCells` after ``max_cells`` cells.
    """
    try:
        parent = ws.parent
        src = ws._get_source()
        parser = _Parser(src, ws._shared_strings, data_only=True, epoch=parent.epoch,
                         date_formats=parent._date_formats,
                         timedelta_formats=parent._timedelta_formats)
        parser.budget = max_cells
    except AttributeError:  # another openpyxl: its public, slower path
        ws.reset_dimensions()
        yield from ws.iter_rows(values_only=True)
        return
    with src:
        expected = 1
        for idx, cells in parser.parse():
            while expected < idx:
                expected += 1
                yield ()
            if expected == idx:
                expected += 1
                present = [(c["column"], c["value"]) for c in cells
                           if c["value"] is not None]
                values: list[Any] = [None] * (present[-1][0] if present else 0)
                for column, value in present:
                    values[column - 1] = value
                yield tuple(values)
