"""A data table as an XLSX: the per-dataset template and its import.

* :func:`template`: first sheet ``Data`` with the columns' Indonesian labels,
  one row per wilayah × period of the row's year pre-filled (``nilai`` left
  empty), drop-downs for the codes and periods, a check on ``nilai``; sheet
  ``Metadata``: the row's metadata; a hidden sheet with the choices.
* :func:`parse`: the first sheet, a header row of column ids or their
  Indonesian labels; every cell checked against the table's design; rows
  without a value and without a note are skipped (not entered yet). Returns
  the records and every error named by row and column, in Indonesian.
"""
from __future__ import annotations

import decimal
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.plugins.toolkit as tk
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ckanext.satudata_planning.spreadsheet import safety
from ckanext.satudata_planning.tables import design as design_
from ckanext.satudata_planning.tables import errors as errors_

COLUMNS = ("kode_wilayah", "nama_wilayah", "tahun", "periode", "nilai", "catatan")
#: row metadata shown on the second sheet: (field, label)
METADATA = (
    ("kode_data", "Kode Data"), ("nama_data", "Nama Data"), ("tahun", "Tahun"),
    ("definisi", "Definisi"), ("konsep", "Konsep"), ("rumus", "Rumus"),
    ("ukuran", "Ukuran"), ("satuan", "Satuan"),
    ("tingkat_penyajian", "Tingkat Penyajian"), ("frekuensi", "Frekuensi"),
    ("cara_pengumpulan", "Cara Pengumpulan"), ("sumber_data", "Sumber Data"),
)
_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")


def _get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, Mapping) else getattr(row, key, None)


def template(row: Any, d: design_.Design, names: Mapping[str, str]) -> bytes:
    """The workbook of one row's table (``names``: code → wilayah name)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append([design_.LABELS[c] for c in COLUMNS])
    for cell in ws[1]:
        cell.font, cell.fill = _HEAD, _FILL
    codes = d.field("kode_wilayah")["tdchoices"]
    periods = d.field("periode")["tdchoices"]
    tahun = _get(row, "tahun")
    for kode in codes:
        for periode in periods:
            ws.append([kode, names.get(kode, ""), tahun, periode, None, None])
    last = max(ws.max_row, 2) + 500  # room for earlier years of a series
    choices = wb.create_sheet("Pilihan")
    for i, kode in enumerate(codes, start=1):
        choices.cell(row=i, column=1, value=kode)
    for i, periode in enumerate(periods, start=1):
        choices.cell(row=i, column=2, value=periode)
    choices.sheet_state = "hidden"
    kode_dv = DataValidation(type="list", formula1=f"=Pilihan!$A$1:$A${len(codes)}",
                             allow_blank=True, showErrorMessage=True,
                             errorTitle="Kode wilayah",
                             error="Pilih kode wilayah dari daftar.")
    periode_dv = DataValidation(type="list",
                                formula1=f"=Pilihan!$B$1:$B${len(periods)}",
                                allow_blank=True, showErrorMessage=True,
                                errorTitle="Periode",
                                error="Pilih periode dari daftar.")
    nilai = d.field("nilai")
    if nilai.get("tdmaximum"):
        nilai_dv = DataValidation(type="decimal", operator="between",
                                  formula1=nilai["tdminimum"],
                                  formula2=nilai["tdmaximum"])
    else:
        nilai_dv = DataValidation(type="decimal", operator="greaterThanOrEqual",
                                  formula1=nilai["tdminimum"])
    nilai_dv.showErrorMessage, nilai_dv.errorTitle = True, "Nilai"
    nilai_dv.error = "Nilai harus angka " + (
        f"antara {nilai['tdminimum']} dan {nilai['tdmaximum']}."
        if nilai.get("tdmaximum") else f"paling kecil {nilai['tdminimum']}.")
    for dv, col in ((kode_dv, 1), (periode_dv, 4), (nilai_dv, 5)):
        letter = get_column_letter(col)
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    for col, width in zip("ABCDEF", (16, 28, 8, 14, 14, 40), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    meta = wb.create_sheet("Metadata")
    meta.append(["Unsur", "Isi"])
    for cell in meta[1]:
        cell.font, cell.fill = _HEAD, _FILL
    for key, label in METADATA:
        value = _get(row, key)
        meta.append([label, "" if value is None else str(value)])
    meta.column_dimensions["A"].width = 22
    meta.column_dimensions["B"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class Parsed:
    records: list[dict[str, Any]] = field(default_factory=list)
    #: the Excel row of each record
    rows: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _header_map(header: tuple[Any, ...]) -> dict[int, str]:
    names = {c: c for c in COLUMNS}
    names.update({design_.LABELS[c].lower(): c for c in COLUMNS})
    out: dict[int, str] = {}
    for i, text in enumerate(header):
        key = str(text or "").strip().lower().replace(" ", "_")
        key = names.get(key) or names.get(str(text or "").strip().lower())
        if key and key not in out.values():
            out[i] = key
    return out


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _cell(err: str, row: int, column: str) -> str:
    return tk._("Row {row}, column {column}: {error}").format(
        row=row, column=design_.LABELS.get(column, column), error=err)


def _convert(d: design_.Design, column: str, value: Any) -> tuple[Any, Optional[str]]:
    """The value for the DataStore, or an Indonesian error."""
    text = _text(value)
    f = d.field(column)
    if text == "":
        return None, (errors_.message(column, "Missing value")
                      if f.get("tdpkreq") else None)
    if f["tdtype"] in ("integer", "numeric"):
        if isinstance(value, bool):
            return None, tk._("“{value}” is not a number").format(value=text)
        try:
            number = decimal.Decimal(text.replace(",", ".")) if not isinstance(
                value, (int, float)) else decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            return None, tk._("“{value}” is not a number").format(value=text)
        if not number.is_finite():
            return None, tk._("“{value}” is not a number").format(value=text)
        if f["tdtype"] == "integer":
            if number != number.to_integral_value():
                return None, tk._("“{value}” is not a whole number").format(
                    value=text)
            converted: Any = int(number)
        else:
            converted = str(number)
        reason = design_._misfit(f, converted)
        if reason == "minimum":
            return None, errors_.message(column, f'Below minimum: "{f["tdminimum"]}"')
        if reason == "maximum":
            return None, errors_.message(column, f'Above maximum: "{f["tdmaximum"]}"')
        return converted, None
    if f["tdtype"] == "choice" and text not in (f.get("tdchoices") or ()):
        return None, errors_.message(column, f'Invalid choice: "{text}"')
    return text, None


def parse(data: bytes, d: design_.Design, names: Mapping[str, str], *,
          max_bytes: int, max_unpacked: int, max_rows: int) -> Parsed:
    """The records of an uploaded workbook (see the module doc)."""
    out = Parsed()
    problem = safety.container_problem(data, max_bytes, max_unpacked)
    if problem:
        out.errors.append(problem)
        return out
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        lines = safety.iter_values(ws, max_cells=(max_rows + 1) * safety.CELLS_PER_ROW)
        header = next(lines, ())
        columns = _header_map(tuple(header))
        missing = [c for c in ("kode_wilayah", "tahun", "periode", "nilai")
                   if c not in columns.values()]
        if missing:
            out.errors.append(tk._(
                "The first row must name the table's columns; missing: {columns}"
            ).format(columns=", ".join(design_.LABELS[c] for c in missing)))
            return out
        seen: dict[tuple[Any, ...], int] = {}
        for number, values in enumerate(lines, start=2):
            cells = {c: (values[i] if i < len(values) else None)
                     for i, c in columns.items()}
            if all(safety.blank(v) for v in cells.values()):
                continue
            if safety.blank(cells.get("nilai")) and safety.blank(cells.get("catatan")):
                continue  # a template row not entered yet
            if len(out.records) >= max_rows:
                out.errors.append(tk._(
                    "The file has more than {limit} rows of data").format(
                        limit=max_rows))
                break
            record: dict[str, Any] = {}
            for column in COLUMNS:
                if column not in columns.values():
                    continue
                value, err = _convert(d, column, cells.get(column))
                if err:
                    out.errors.append(_cell(err, number, column))
                record[column] = value
            if not record.get("nama_wilayah") and record.get("kode_wilayah"):
                record["nama_wilayah"] = names.get(record["kode_wilayah"])
            key = tuple(record.get(c) for c in design_.PRIMARY_KEY)
            if all(k is not None for k in key):
                if key in seen:
                    out.errors.append(tk._(
                        "Row {row}: the same wilayah, year and period as row "
                        "{other}").format(row=number, other=seen[key]))
                seen[key] = number
            out.records.append(record)
            out.rows.append(number)
    except safety.TooManyCells:
        out.errors.append(tk._(
            "The file has more than {limit} rows of data").format(limit=max_rows))
    except (KeyError, ValueError, OSError, IndexError, TypeError):
        out.errors.append(safety.damaged())
    return out
