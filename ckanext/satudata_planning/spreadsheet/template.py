"""The empty workbook OPDs download: the data sheet with a drop-down per
vocabulary column, the hidden lists, and the help sheet."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ckanext.satudata_planning import config
from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.sop.row_fields import FIELDS, RowField

from .workbook import (
    HEADER_ALIGN,
    HEADER_FILL,
    HEADER_FONT,
    SHEET_CHOICES,
    SHEET_DATA,
    SHEET_HELP,
    save,
    term_label,
    write_header,
)


def build_template(
    organizations: Sequence[tuple[str, str]] | None = None,
    *,
    lang: str = "id",
    rows: int | None = None,
) -> bytes:
    """The empty workbook OPDs download: data sheet, hidden lists, help sheet.

    ``organizations`` are ``(name, title)`` pairs; when given, the producer
    column gets a drop-down of their names. Every vocabulary column gets a
    drop-down whose values sit on the hidden "Pilihan" sheet.
    """
    rows = config.import_max_rows() if rows is None else rows
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET_DATA
    write_header(ws, FIELDS, lang)
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
            values = [term_label(t, lang) for t in vocabularies.terms(f.vocabulary)]
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
    return save(wb)


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
        labels = "; ".join(term_label(t, lang) for t in terms)
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
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
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
