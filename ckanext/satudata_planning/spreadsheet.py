"""The Daftar Data as an Excel workbook: template, import and export.

OPDs fill the list in Excel; the portal takes it back only when every cell is
valid, so :func:`parse` checks every cell and reports every error with the row
and column the user sees in Excel, and the caller writes all rows or none.
The columns come from :mod:`row_fields`, the allowed values from
:mod:`vocabularies`, so template, import and export cannot drift apart.

Uploaded bytes are untrusted: the container is checked (zip magic, content
types, macros, uncompressed size) before openpyxl ever opens it.

>>> result = parse(build_template([("dinkes", "Dinas Kesehatan")]))
>>> result.messages()
['The sheet "Daftar Data" has no rows of data.']
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import openpyxl
from ckan.plugins.toolkit import _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.constants import SHEET_MAIN_NS

from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.sop.row_fields import FIELDS, REVIEW_FIELDS, RowField

log = logging.getLogger(__name__)

SHEET_DATA = "Daftar Data"
SHEET_CHOICES = "Pilihan"
SHEET_HELP = "Petunjuk"
#: Key of the Excel row number in each parsed row dict.
ROW_KEY = "row"
TEMPLATE_ROWS = 5000
DEFAULT_MAX_ROWS = 5000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Most bytes all parts of a workbook may inflate to (the zip's declared
#: sizes, which also cap what zipfile lets out). 5,000 rows with every long
#: text at its maximum stay under it.
DEFAULT_MAX_UNCOMPRESSED = 100 * 1024 * 1024
#: Cells (values or formatted blanks) read per allowed row before giving up:
#: a sheet formatted across thousands of columns would otherwise take minutes.
CELLS_PER_ROW = 100
MAX_ZIP_MEMBERS = 2000
#: A member above 1 MiB that inflates more than this is a zip bomb; real
#: sheets stay far below it.
MAX_RATIO = 400
HEADER_SEARCH_ROWS = 10
MULTI_SEPARATOR = "; "

_XLSX_MAIN = (b"application/vnd.openxmlformats-officedocument"
              b".spreadsheetml.sheet.main+xml")
#: An OLE2 compound file: an .xls, or any password-protected Office file.
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")
# Control characters, raw or as the _xHHHH_ escapes Excel stores them as.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|_x00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])_")
_INT = re.compile(r"[+-]?\d+")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
_WIDTHS = {"long_text": 45, "text": 28, "multi_vocab": 32, "vocab": 24,
           "organization": 22, "date": 14, "int": 9, "bool": 12}
_YES_NO = {"id": ("Ya", "Tidak"), "en": ("Yes", "No")}


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


# ---------------------------------------------------------------- template

def build_template(
    organizations: Sequence[tuple[str, str]] | None = None,
    *,
    lang: str = "id",
    rows: int = TEMPLATE_ROWS,
) -> bytes:
    """The empty workbook OPDs download: data sheet, hidden lists, help sheet.

    ``organizations`` are ``(name, title)`` pairs; when given, the producer
    column gets a drop-down of their names. Every vocabulary column gets a
    drop-down whose values sit on the hidden "Pilihan" sheet.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET_DATA
    _write_header(ws, FIELDS, lang)
    choices = wb.create_sheet(SHEET_CHOICES)
    last = rows + 1
    choice_col = 0
    for idx, f in enumerate(FIELDS, start=1):
        letter = get_column_letter(idx)
        if f.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif f.kind in ("text", "long_text", "organization", "vocab", "multi_vocab"):
            ws.column_dimensions[letter].number_format = "@"
        if f.kind in ("vocab", "multi_vocab"):
            values = [_term_label(t, lang) for t in vocabularies.terms(f.vocabulary)]
        elif f.kind == "organization" and organizations:
            values = [name for name, _title in organizations]
        else:
            continue
        choice_col += 1
        ref = _write_choices(choices, choice_col, f.label(lang), values)
        dv = DataValidation(type="list", formula1=ref, allow_blank=True)
        dv.promptTitle = f.label(lang)[:32]
        dv.prompt = f.help_id[:255]
        dv.showInputMessage = True
        if f.kind == "multi_vocab":
            # Several values are typed separated by ";": a list can't hold them.
            dv.showErrorMessage = False
        else:
            dv.showErrorMessage = True
            dv.errorTitle = f.label(lang)[:32]
            dv.error = "Pilih salah satu nilai dari daftar."
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    choices.sheet_state = "hidden"
    _write_help(wb.create_sheet(SHEET_HELP), organizations, lang)
    wb.active = 0
    return _save(wb)


def _term_label(term: vocabularies.Term, lang: str) -> str:
    return term.en if lang == "en" else term.id


def _write_header(ws: Any, fields: Sequence[RowField], lang: str) -> None:
    for idx, f in enumerate(fields, start=1):
        cell = ws.cell(row=1, column=idx, value=header(f, lang))
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        ws.column_dimensions[get_column_letter(idx)].width = _WIDTHS[f.kind]
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}1"


def _write_choices(ws: Any, col: int, title: str, values: Sequence[str]) -> str:
    """Write one list in column ``col``; return its absolute range reference."""
    letter = get_column_letter(col)
    ws.cell(row=1, column=col, value=title).font = Font(bold=True)
    for i, value in enumerate(values, start=2):
        ws.cell(row=i, column=col, value=value).data_type = "s"
    ws.column_dimensions[letter].width = 34
    return f"'{SHEET_CHOICES}'!${letter}$2:${letter}${len(values) + 1}"


def _allowed_text(f: RowField, lang: str, with_orgs: bool) -> str:
    if f.kind in ("vocab", "multi_vocab"):
        terms = vocabularies.terms(f.vocabulary or "")
        labels = "; ".join(_term_label(t, lang) for t in terms)
        if f.kind == "multi_vocab":
            return f"Satu atau lebih, dipisah titik koma (;): {labels}"
        return f"Salah satu: {labels}"
    if f.kind == "organization":
        return ("Nama singkat OPD dari daftar pilihan (lihat di bawah)" if with_orgs
                else "Nama singkat organisasi OPD di portal")
    if f.kind == "int":
        return f"Bilangan bulat {f.min_value}–{f.max_value}"
    if f.kind == "date":
        return "Tanggal (TTTT-BB-HH, HH/BB/TTTT atau HH-BB-TTTT)"
    return f"Teks, paling banyak {f.max_length} karakter"


def _write_help(
    ws: Any, organizations: Sequence[tuple[str, str]] | None, lang: str
) -> None:
    notes = (
        "Petunjuk Pengisian Daftar Data",
        f'Isi satu butir data per baris pada lembar "{SHEET_DATA}", mulai baris 2. '
        "Jangan mengubah judul kolom.",
        "Kolom bertanda * wajib diisi; kolom lain boleh dilengkapi sebelum desk.",
        "Kolom dengan daftar pilihan: pilih dari daftar, atau ketik label "
        "(Indonesia/Inggris) atau kodenya.",
        "Baris kosong dilewati. Bila ada kesalahan, seluruh berkas ditolak dan "
        "semua kesalahan ditampilkan dengan nomor baris dan kolomnya.",
    )
    for i, text in enumerate(notes, start=1):
        ws.cell(row=i, column=1, value=text).font = Font(bold=i == 1,
                                                         size=14 if i == 1 else 11)
    top = len(notes) + 2
    titles = ("Kolom", "Judul Kolom", "Wajib", "Isian yang Diizinkan", "Contoh",
              "Penjelasan", "Kode Kolom")
    for col, title in enumerate(titles, start=1):
        cell = ws.cell(row=top, column=col, value=title)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, f in enumerate(FIELDS, start=1):
        values = (get_column_letter(i), f.label(lang), "Ya" if f.required else "Tidak",
                  _allowed_text(f, lang, bool(organizations)), f.example, f.help_id,
                  f.key)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=top + i, column=col, value=value)
            cell.data_type = "s"
            cell.alignment = wrap
    for letter, width in zip("ABCDEFG", (8, 26, 8, 60, 30, 60, 20), strict=True):
        ws.column_dimensions[letter].width = width
    if organizations:
        row = top + len(FIELDS) + 2
        ws.cell(row=row, column=1, value="Daftar Produsen Data").font = Font(bold=True)
        for col, title in enumerate(("Nama Singkat", "Nama OPD"), start=1):
            ws.cell(row=row + 1, column=col + 1, value=title).font = Font(bold=True)
        for i, (name, title) in enumerate(organizations, start=row + 2):
            ws.cell(row=i, column=2, value=name).data_type = "s"
            ws.cell(row=i, column=3, value=title).data_type = "s"
    ws.freeze_panes = ws.cell(row=top + 1, column=1)


def _save(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- parse

def parse(
    data: bytes,
    *,
    allowed_organizations: Collection[str] | Mapping[str, str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
) -> ParseResult:
    """Read an uploaded Daftar Data workbook; validate every cell.

    ``allowed_organizations``: organization names a row may name as producer;
    a mapping ``{name: title}`` also accepts titles. None accepts any value
    (the caller checks). Never raises for bad input: problems are in
    ``errors``, and ``rows`` is empty whenever there is an error, so a caller
    cannot half-import. Nothing is inflated before the container passed
    :func:`_container_problem`.
    """
    result = ParseResult()
    problem = _container_problem(data, max_bytes, max_uncompressed)
    if problem:
        result.errors.append(CellError(None, None, None, problem))
        return result
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on corrupt parts
        log.info("Unreadable workbook upload", exc_info=True)
        result.errors.append(CellError(None, None, None, _damaged()))
        return result
    try:
        _parse_workbook(wb, result, allowed_organizations, max_rows)
    except _TooManyCells:
        result.errors.append(CellError(None, None, None, _(
            "The sheet has too many filled or formatted cells; keep only the "
            "list's columns and rows.")))
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, KeyError,
            IndexError, SyntaxError, EOFError):
        # A part that lies about its size or content fails while streaming.
        log.info("Damaged workbook upload", exc_info=True)
        result.errors.append(CellError(None, None, None, _damaged()))
    finally:
        wb.close()
    if result.errors:
        result.rows = []
    return result


def _damaged() -> str:
    return _("The file is damaged or is not a complete Excel workbook (.xlsx).")


def _not_xlsx() -> str:
    return _("The file is not an Excel workbook (.xlsx). Use the template.")


def _other_excel() -> str:
    return _(
        "The file is an old Excel 97-2003 workbook (.xls), a binary workbook "
        "(.xlsb) or a password-protected one. Open it in Excel, remove any "
        'password, save it as "Excel Workbook (.xlsx)" and import it again.')


def _megabytes(size: int) -> str:
    """``10`` for 10 MiB, ``0.5`` for 512 KiB."""
    value = size / 1048576
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _container_problem(data: bytes, max_bytes: int, limit: int) -> str | None:
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
        ).format(limit=_megabytes(max_bytes))
    if data.startswith(_OLE2):
        return _other_excel()
    if not data.startswith(b"PK\x03\x04"):
        return _not_xlsx()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError,
            EOFError):
        return _damaged()
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
        return _not_xlsx()
    try:
        types = zf.read("[Content_Types].xml").lower()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return _damaged()
    if b"sheet.binary" in types:
        return _other_excel()
    if b"macroenabled" in types or b"vbaproject" in types:
        return _("Workbooks with macros (.xlsm) are not accepted. Save as .xlsx.")
    if _XLSX_MAIN not in types:
        return _not_xlsx()
    return None


def _norm_header(text: Any) -> str:
    return " ".join(str(text).replace("_", " ").replace("*", " ").split()).casefold()


def _header_index() -> dict[str, RowField | None]:
    """Normalised header → field; None for read-only review columns."""
    index: dict[str, RowField | None] = {}
    for f in FIELDS:
        for name in (f.key, f.label_id, f.label_en, *f.aliases):
            index[_norm_header(name)] = f
    for f in REVIEW_FIELDS:
        for name in (f.key, f.label_id, f.label_en, *f.aliases):
            index.setdefault(_norm_header(name), None)
    return index


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_INLINE = f"{{{SHEET_MAIN_NS}}}is"
_PLAIN = f"{{{SHEET_MAIN_NS}}}t"
_RUN = f"{{{SHEET_MAIN_NS}}}r"


class _TooManyCells(Exception):
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
            raise _TooManyCells
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


def _iter_values(ws: Any, max_cells: int) -> Iterator[tuple[Any, ...]]:
    """Every row of a read-only sheet as values up to its last value, gaps as ``()``.

    Like ``iter_rows(values_only=True)`` after ``reset_dimensions()`` (a
    sheet's recorded dimensions may be wrong), through :class:`_Parser`;
    raises :class:`_TooManyCells` after ``max_cells`` cells.
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


def _pick_sheet(wb: Any) -> Any:
    if SHEET_DATA in wb.sheetnames:
        return wb[SHEET_DATA]
    for ws in wb.worksheets:
        if getattr(ws, "sheet_state", "visible") == "visible":
            return ws
    return wb.worksheets[0] if wb.worksheets else None


Converter = Callable[[Any], tuple[Any, str | None]]


def _parse_workbook(
    wb: Any,
    result: ParseResult,
    allowed: Collection[str] | Mapping[str, str] | None,
    max_rows: int,
) -> None:
    ws = _pick_sheet(wb)
    if ws is None:
        result.errors.append(
            CellError(None, None, None, _("The workbook has no sheet.")))
        return
    rows = _iter_values(ws, (max_rows + HEADER_SEARCH_ROWS + 1) * CELLS_PER_ROW)
    index = _header_index()
    header_row: tuple[Any, ...] | None = None
    header_number = 0
    for number, row in enumerate(rows, start=1):
        if any(not _blank(v) and _norm_header(v) in index for v in row):
            header_row, header_number = row, number
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header_row is None:
        wanted = ", ".join(header(f) for f in FIELDS if f.required)
        result.errors.append(CellError(None, None, None, _(
            "No header row found in sheet \"{sheet}\". Use the template; the "
            "columns {columns} are required.").format(sheet=ws.title, columns=wanted)))
        return
    columns = _map_columns(header_row, index, result)
    if result.errors:
        return
    converters = _converters(allowed)
    seen_codes: dict[str, int] = {}
    unnamed = [i for i, v in enumerate(header_row) if _blank(v)]
    stray = False
    count = 0
    for number, row in enumerate(rows, start=header_number + 1):
        if not any(v is not None and (v.__class__ is not str or v.strip())
                   for v in row):
            continue  # blank row
        count += 1
        if count > max_rows:
            result.errors.append(CellError(None, None, None, _(
                "The sheet has more than {max} rows of data; split it into "
                "several files.").format(max=max_rows)))
            return
        out: dict[str, Any] = {ROW_KEY: number}
        width = len(row)
        for i, f, head in columns:
            value = row[i] if i < width else None
            if _blank(value):
                if f.required:
                    result.errors.append(CellError(number, get_column_letter(i + 1),
                                                   head, _("a value is required")))
                out[f.key] = [] if f.kind == "multi_vocab" else None
                continue
            converted, error = converters[f.key](value)
            if error:
                result.errors.append(CellError(number, get_column_letter(i + 1), head,
                                               error))
            out[f.key] = converted
        if not stray:  # once refused for it, the first such column will do
            extra = range(len(header_row), width)
            for i in (*unnamed, *extra):
                if i < width and not _blank(row[i]):
                    stray = True
                    result.errors.append(CellError(
                        None, get_column_letter(i + 1), None,
                        _("has values (first in row {row}) but no header").format(
                            row=number)))
                    break
        code = out.get("kode_data")
        if code:
            if code in seen_codes:
                col = next(c for c in columns if c[1].key == "kode_data")
                result.errors.append(CellError(
                    number, get_column_letter(col[0] + 1), col[2],
                    _("code {code} is already used in row {row}").format(
                        code=code, row=seen_codes[code])))
            else:
                seen_codes[code] = number
        result.rows.append(out)
    if not count:
        result.errors.append(CellError(None, None, None, _(
            "The sheet \"{sheet}\" has no rows of data.").format(sheet=ws.title)))


def _map_columns(
    header_row: Sequence[Any],
    index: dict[str, RowField | None],
    result: ParseResult,
) -> list[tuple[int, RowField, str]]:
    """(column index, field, header as written) for every importable column."""
    columns: list[tuple[int, RowField, str]] = []
    where: dict[str, str] = {}
    for i, raw in enumerate(header_row):
        if _blank(raw):
            continue
        head = " ".join(str(raw).split())
        letter = get_column_letter(i + 1)
        key = _norm_header(raw)
        if key not in index:
            result.errors.append(CellError(None, letter, head, _(
                "unknown column; rename it to one of the template's headers or "
                "remove it")))
            continue
        f = index[key]
        if f is None:  # review state: exported for reading, never imported
            continue
        if f.key in where:
            result.errors.append(CellError(None, letter, head, _(
                "same field as column {other}").format(other=where[f.key])))
            continue
        where[f.key] = letter
        columns.append((i, f, head))
    for f in FIELDS:
        if f.required and f.key not in where:
            result.errors.append(CellError(None, None, None, _(
                "Required column \"{header}\" is missing.").format(header=header(f))))
    return columns


def _converters(
    allowed: Collection[str] | Mapping[str, str] | None,
) -> dict[str, Converter]:
    """One converter per field, with per-parse caches for vocabulary look-ups."""
    out: dict[str, Converter] = {}
    for f in FIELDS:
        if f.kind in ("text", "long_text"):
            out[f.key] = _text_converter(f)
        elif f.kind == "int":
            out[f.key] = _int_converter(f)
        elif f.kind == "date":
            out[f.key] = _date_converter()
        elif f.kind == "vocab":
            out[f.key] = _vocab_converter(f)
        elif f.kind == "multi_vocab":
            out[f.key] = _multi_converter(f)
        elif f.kind == "organization":
            out[f.key] = _organization_converter(f, allowed)
    return out


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat()
    return str(value)


def _clean(value: Any, f: RowField, multiline: bool = False) -> tuple[str, str | None]:
    """Trimmed text, or an error for control characters and excess length."""
    text = _as_text(value)
    if _CONTROL.search(text):
        return "", _("contains control characters; retype the text")
    if multiline:
        text = "\n".join(line.strip() for line in text.strip().splitlines())
    else:
        text = " ".join(text.split())
    if f.max_length and len(text) > f.max_length:
        return text[: f.max_length], _(
            "too long ({length} characters; at most {max})").format(
                length=len(text), max=f.max_length)
    return text, None


def _text_converter(f: RowField) -> Converter:
    multiline = f.kind == "long_text"

    def convert(value: Any) -> tuple[Any, str | None]:
        text, error = _clean(value, f, multiline)
        return text or None, error

    return convert


def _int_converter(f: RowField) -> Converter:
    def convert(value: Any) -> tuple[Any, str | None]:
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _INT.fullmatch(value.strip()):
            number = int(value.strip())
        if number is None:
            return None, _("\"{value}\" is not a whole number").format(
                value=_as_text(value)[:50])
        if (f.min_value is not None and number < f.min_value) or (
                f.max_value is not None and number > f.max_value):
            return None, _("must be between {min} and {max}").format(
                min=f.min_value, max=f.max_value)
        return number, None

    return convert


def _date_converter() -> Converter:
    cache: dict[str, tuple[Any, str | None]] = {}

    def convert(value: Any) -> tuple[Any, str | None]:
        if not isinstance(value, str):
            return _to_date(value)
        if value not in cache:
            cache[value] = _to_date(value)
        return cache[value]

    return convert


def _to_date(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, str):
        text = value.strip()
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date(), None
            except ValueError:
                continue
    return None, _("\"{value}\" is not a date; use YYYY-MM-DD or DD/MM/YYYY").format(
        value=_as_text(value)[:50])


def _not_allowed(f: RowField, text: str) -> str:
    labels = "; ".join(t.id for t in vocabularies.terms(f.vocabulary))
    return _("\"{value}\" is not allowed; choose one of: {allowed}").format(
        value=text[:80], allowed=labels)


def _vocab_converter(f: RowField) -> Converter:
    cache: dict[str, str | None] = {}
    name = f.vocabulary or ""

    def convert(value: Any) -> tuple[Any, str | None]:
        text = " ".join(_as_text(value).split())
        if text not in cache:
            cache[text] = vocabularies.from_label(name, text)
        slug = cache[text]
        if slug is None:
            return None, _not_allowed(f, text)
        return slug, None

    return convert


def split_multi(name: str, text: str) -> tuple[list[str], list[str]]:
    """Slugs and unknown parts of a multi-value cell.

    Values are separated by ``;`` or ``,``; a comma inside a label
    ("Perencanaan (RPJMD, RKPD)") is kept by trying the longest run of
    comma-separated pieces that is a known value first.

    >>> split_multi("kategori_sumber", "Perencanaan (RPJMD, RKPD), sdgs")
    (['perencanaan', 'sdgs'], [])
    """
    slugs: list[str] = []
    unknown: list[str] = []
    for part in text.split(";"):
        pieces = [p.strip() for p in part.split(",")]
        start = 0
        while start < len(pieces):
            for end in range(len(pieces), start, -1):
                candidate = ", ".join(pieces[start:end]).strip()
                slug = vocabularies.from_label(name, candidate) if candidate else ""
                if slug is not None:
                    if slug and slug not in slugs:
                        slugs.append(slug)
                    start = end
                    break
            else:
                unknown.append(pieces[start])
                start += 1
    return slugs, unknown


def _multi_converter(f: RowField) -> Converter:
    cache: dict[str, tuple[list[str], list[str]]] = {}
    name = f.vocabulary or ""

    def convert(value: Any) -> tuple[Any, str | None]:
        text = " ".join(_as_text(value).split())
        if text not in cache:
            cache[text] = split_multi(name, text)
        slugs, unknown = cache[text]
        if unknown:
            return list(slugs), _not_allowed(f, "; ".join(unknown))
        return list(slugs), None

    return convert


def _organization_converter(
    f: RowField, allowed: Collection[str] | Mapping[str, str] | None
) -> Converter:
    lookup: dict[str, str] | None = None
    if allowed is not None:
        lookup = {}
        if isinstance(allowed, Mapping):
            for name, title in allowed.items():
                if title:
                    lookup.setdefault(" ".join(str(title).split()).casefold(), name)
        for name in allowed:
            lookup[name.casefold()] = name

    def convert(value: Any) -> tuple[Any, str | None]:
        text, error = _clean(value, f)
        if error or lookup is None:
            return text or None, error
        name = lookup.get(text.casefold())
        if name is None:
            return None, _(
                "\"{value}\" is not a data producer you may import for").format(
                    value=text[:80])
        return name, None

    return convert


# ---------------------------------------------------------------- export

def export(items: Iterable[dict[str, Any]], *, lang: str = "id") -> bytes:
    """The list as XLSX in the template's columns, so it can be re-imported.

    Vocabulary values are written as labels in ``lang``; the review state
    (hasil, catatan, disepakati) follows when the items carry it.
    """
    items = list(items)
    review = [f for f in REVIEW_FIELDS if any(f.key in item for item in items)]
    fields = (*FIELDS, *review)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_DATA)
    for idx, f in enumerate(fields, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = _WIDTHS[f.kind]
    ws.freeze_panes = "D2"
    head = []
    for f in fields:
        cell = WriteOnlyCell(ws, value=header(f, lang))
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        head.append(cell)
    ws.append(head)
    date_style: dict[str, Any] = {}
    for item in items:
        ws.append([_export_cell(ws, f, item.get(f.key), lang, date_style)
                   for f in fields])
    return _save(wb)


def _export_cell(ws: Any, f: RowField, value: Any, lang: str,
                 date_style: dict[str, Any]) -> Any:
    if value is None or value == "" or value == []:
        return None
    if f.kind == "vocab":
        return _safe_text(ws, vocabularies.label(f.vocabulary or "", str(value), lang))
    if f.kind == "multi_vocab":
        values = value if isinstance(value, (list, tuple)) else [value]
        return _safe_text(ws, MULTI_SEPARATOR.join(
            vocabularies.label(f.vocabulary or "", str(v), lang) for v in values))
    if f.kind == "bool":
        yes, no = _YES_NO.get(lang, _YES_NO["id"])
        return yes if value else no
    if f.kind == "date":
        day = _as_date(value)
        if day is None:
            return _safe_text(ws, str(value))
        cell = WriteOnlyCell(ws, value=day)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if f.kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            return _safe_text(ws, str(value))
    return _safe_text(ws, str(value))


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _safe_text(ws: Any, text: str) -> Any:
    """Text that Excel will show as text: never a formula, no illegal characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith("="):
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        return cell
    return text
