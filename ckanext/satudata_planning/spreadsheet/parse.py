"""Reading an uploaded Daftar Data workbook: every cell checked, every error
reported with the row and column the user sees in Excel, and no rows at all
when there is an error (the caller writes all rows or none)."""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import openpyxl
from ckan.plugins.toolkit import _
from openpyxl.utils import get_column_letter

from ckanext.satudata_planning import config
from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.sop.row_fields import FIELDS, REVIEW_FIELDS, RowField

from .safety import (
    CELLS_PER_ROW,
    TooManyCells,
    blank,
    container_problem,
    damaged,
    iter_values,
)
from .workbook import (
    ROW_KEY,
    SHEET_DATA,
    CellError,
    ParseResult,
    header,
)

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 10
# Control characters, raw or as the _xHHHH_ escapes Excel stores them as.
CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|_x00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])_")


_INT = re.compile(r"[+-]?\d+")


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def parse(
    data: bytes,
    *,
    allowed_organizations: Collection[str] | Mapping[str, str] | None = None,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    max_uncompressed: int | None = None,
) -> ParseResult:
    """Read an uploaded Daftar Data workbook; validate every cell.

    ``allowed_organizations``: organization names a row may name as producer;
    a mapping ``{name: title}`` also accepts titles. None accepts any value
    (the caller checks). Never raises for bad input: problems are in
    ``errors``, and ``rows`` is empty whenever there is an error, so a caller
    cannot half-import. Nothing is inflated before the container passed
    :func:`safety.container_problem`. The limits not given are the
    configured ones (``import_max_rows``, ``import_max_bytes``,
    ``import_max_unpacked_bytes``).
    """
    max_rows = config.import_max_rows() if max_rows is None else max_rows
    max_bytes = config.import_max_bytes() if max_bytes is None else max_bytes
    if max_uncompressed is None:
        max_uncompressed = config.import_max_unpacked_bytes()
    result = ParseResult()
    problem = container_problem(data, max_bytes, max_uncompressed)
    if problem:
        result.errors.append(CellError(None, None, None, problem))
        return result
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on corrupt parts
        log.info("Unreadable workbook upload", exc_info=True)
        result.errors.append(CellError(None, None, None, damaged()))
        return result
    try:
        _parse_workbook(wb, result, allowed_organizations, max_rows)
    except TooManyCells:
        result.errors.append(CellError(None, None, None, _(
            "The sheet has too many filled or formatted cells; keep only the "
            "list's columns and rows.")))
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, KeyError,
            IndexError, SyntaxError, EOFError):
        # A part that lies about its size or content fails while streaming.
        log.info("Damaged workbook upload", exc_info=True)
        result.errors.append(CellError(None, None, None, damaged()))
    finally:
        wb.close()
    if result.errors:
        result.rows = []
    return result


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
    rows = iter_values(ws, (max_rows + HEADER_SEARCH_ROWS + 1) * CELLS_PER_ROW)
    index = _header_index()
    header_row: tuple[Any, ...] | None = None
    header_number = 0
    for number, row in enumerate(rows, start=1):
        if any(not blank(v) and _norm_header(v) in index for v in row):
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
    unnamed = [i for i, v in enumerate(header_row) if blank(v)]
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
            if blank(value):
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
                if i < width and not blank(row[i]):
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
        if blank(raw):
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
    if CONTROL.search(text):
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
