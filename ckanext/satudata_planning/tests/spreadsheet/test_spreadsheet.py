"""XLSX template, import and export, on real files written and read with openpyxl."""
from __future__ import annotations

import datetime as dt
import doctest
import io
import struct
import zipfile
from typing import Any

import ckan.plugins.toolkit as tk
import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from ckanext.satudata_planning import spreadsheet
from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.sop.row_fields import BY_KEY, FIELDS
from ckanext.satudata_planning.spreadsheet import export, header, parse

ORGS = [("dinkes", "Dinas Kesehatan"), ("dinsos", "Dinas Sosial")]
ALLOWED = dict(ORGS)
LETTER = {f.key: get_column_letter(i) for i, f in enumerate(FIELDS, start=1)}


def _save(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fill(*rows: dict[str, Any] | None) -> bytes:
    """The template with ``rows`` (field key → cell value; None = blank row)."""
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template(ORGS)))
    ws = wb[spreadsheet.SHEET_DATA]
    for number, row in enumerate(rows, start=2):
        for key, value in (row or {}).items():
            ws[f"{LETTER[key]}{number}"] = value
    return _save(wb)


def _sheet(headers: list[str], *rows: list[Any]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = spreadsheet.SHEET_DATA
    ws.append(headers)
    for row in rows:
        ws.append(row)
    return _save(wb)


def _messages(result: spreadsheet.ParseResult) -> str:
    return "\n".join(result.messages())


GOOD = {
    "kode_data": "2027-DINKES-001",
    "tahun": "2027",
    "nama_data": "  Jumlah   Puskesmas ",
    "organization": "dinkes",
    "jenis_data": "Statistik Sektoral",
    "bentuk": "variable",
    "kategori_sumber": "Perencanaan (RPJMD, RKPD), sdgs; Prioritas Nasional",
    "status_usulan": "BARU",
    "konsep": "Puskesmas adalah ...\n  baris kedua  ",
    "definisi": "Banyaknya puskesmas",
    "ukuran": "jumlah",
    "satuan": "unit",
    "tingkat_penyajian": "Kecamatan",
    "frekuensi": "Yearly",
    "jadwal_rilis": dt.datetime(2027, 3, 31),
    "jadwal_pemutakhiran": "31/12/2027",
    "cara_pengumpulan": "Kompilasi Produk Administrasi",
    "sumber_data": "SIMPUS",
    "sifat_akses": "terbuka",
    "kode_sds": 123,
}


# ---------------------------------------------------------------- template

def test_template_has_headers_styled_and_frozen():
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template(ORGS)))
    assert wb.sheetnames[0] == spreadsheet.SHEET_DATA
    ws = wb[spreadsheet.SHEET_DATA]
    assert [c.value for c in ws[1]] == [header(f) for f in FIELDS]
    assert ws["C1"].value == "Nama Data *"
    assert ws["A1"].font.bold
    assert ws.freeze_panes.endswith("2")


def _validations(ws: Any) -> dict[str, str]:
    """Column letter → list formula of its data validation."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        for rng in dv.sqref.ranges:
            assert rng.min_row == 2 and rng.max_row >= 1001
            found[get_column_letter(rng.min_col)] = dv.formula1
    return found


def _list_values(wb: Any, formula: str) -> list[str]:
    sheet, rng = formula.split("!")
    assert sheet.strip("'") == spreadsheet.SHEET_CHOICES
    return [c.value for row in wb[spreadsheet.SHEET_CHOICES][rng.replace("$", "")]
            for c in row]


def test_every_vocabulary_column_has_a_drop_down_list():
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template(ORGS)))
    found = _validations(wb[spreadsheet.SHEET_DATA])
    vocab = [f for f in FIELDS if f.kind in ("vocab", "multi_vocab")]
    assert vocab
    for f in vocab:
        labels = [t.id for t in vocabularies.terms(f.vocabulary)]
        assert _list_values(wb, found[LETTER[f.key]]) == labels
    assert _list_values(wb, found[LETTER["organization"]]) == ["dinkes", "dinsos"]
    assert wb[spreadsheet.SHEET_CHOICES].sheet_state == "hidden"


def test_template_without_organizations_has_no_producer_list():
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template(None)))
    found = _validations(wb[spreadsheet.SHEET_DATA])
    assert LETTER["organization"] not in found
    assert LETTER["frekuensi"] in found


def test_template_lists_follow_an_extended_vocabulary(tmp_path, monkeypatch):
    extra = tmp_path / "vocab.yaml"
    extra.write_text("frekuensi:\n  - value: harian\n    id: Harian\n    en: Daily\n")
    monkeypatch.setitem(tk.config,
                        "ckanext.satudata_planning.vocabulary_file", str(extra))
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template(ORGS)))
    found = _validations(wb[spreadsheet.SHEET_DATA])
    assert _list_values(wb, found[LETTER["frekuensi"]])[-1] == "Harian"


def test_help_sheet_explains_every_column():
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template(ORGS)))
    ws = wb[spreadsheet.SHEET_HELP]
    rows = {r[1]: r for r in ws.iter_rows(values_only=True) if r[1]}
    for f in FIELDS:
        letter, _label, required, allowed, example, explanation, key = rows[
            f.label_id][:7]
        assert letter == LETTER[f.key] and key == f.key
        assert required == ("Ya" if f.required else "Tidak")
        assert explanation == f.help_id
        assert (example or "") == f.example
        if f.vocabulary:
            for term in vocabularies.terms(f.vocabulary):
                assert term.id in allowed
    names = [r[2] for r in ws.iter_rows(values_only=True)]
    assert "Dinas Kesehatan" in names


def test_empty_template_is_refused():
    result = parse(spreadsheet.build_template(ORGS))
    assert not result.ok and result.rows == []
    assert "no rows of data" in _messages(result)


# ---------------------------------------------------------------- parse: good

def test_good_rows_become_slugs_dates_and_ints():
    second = {"nama_data": "Jumlah Panti", "organization": "Dinas Sosial",
              "jadwal_rilis": "2027-06-30", "jadwal_pemutakhiran": "01-07-2027",
              "kategori_sumber": "SDGs, Sektoral OPD", "tahun": 2027.0}
    result = parse(_fill(GOOD, None, second), allowed_organizations=ALLOWED,
                   max_rows=10, max_bytes=10**6)
    assert result.ok, _messages(result)
    first, other = result.rows
    assert first == {
        "row": 2, "kode_data": "2027-DINKES-001", "tahun": 2027,
        "nama_data": "Jumlah Puskesmas", "organization": "dinkes",
        "jenis_data": "statistik_sektoral", "bentuk": "variabel",
        "kategori_sumber": ["perencanaan", "sdgs", "prioritas_nasional"],
        "status_usulan": "baru", "konsep": "Puskesmas adalah ...\nbaris kedua",
        "definisi": "Banyaknya puskesmas", "klasifikasi": None, "ukuran": "jumlah",
        "satuan": "unit", "rumus": None, "tingkat_penyajian": "kecamatan",
        "frekuensi": "tahunan", "jadwal_rilis": dt.date(2027, 3, 31),
        "jadwal_pemutakhiran": dt.date(2027, 12, 31),
        "cara_pengumpulan": "kompilasi_produk_administrasi", "sumber_data": "SIMPUS",
        "sifat_akses": "terbuka", "kode_sds": "123", "kode_urusan": None,
        "kode_indikator": None,
    }
    assert other["row"] == 4  # the blank row 3 is skipped, numbering is Excel's
    assert other["organization"] == "dinsos"  # given by title
    assert other["jadwal_rilis"] == dt.date(2027, 6, 30)
    assert other["jadwal_pemutakhiran"] == dt.date(2027, 7, 1)
    assert other["kategori_sumber"] == ["sdgs", "sektoral_opd"]
    assert other["tahun"] == 2027


def test_headers_by_english_label_key_or_odd_spacing():
    data = _sheet(["  nama   DATA  *", "ORGANIZATION", "Frequency", "jadwal_rilis"],
                  ["Jumlah Panti", "dinsos", "Monthly", "2027-01-31"])
    result = parse(data, allowed_organizations={"dinsos"})
    assert result.ok, _messages(result)
    assert result.rows == [{"row": 2, "nama_data": "Jumlah Panti",
                            "organization": "dinsos", "frekuensi": "bulanan",
                            "jadwal_rilis": dt.date(2027, 1, 31)}]


def test_header_below_a_title_row_and_sheet_with_another_name():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["Daftar Data Dinas Sosial 2027"])
    ws.append(["Nama Data", "Produsen Data"])
    ws.append(["Jumlah Panti", "dinsos"])
    result = parse(_save(wb))
    assert result.ok, _messages(result)
    assert result.rows[0]["row"] == 3


def test_titles_only_accepted_when_a_mapping_is_given():
    data = _fill({"nama_data": "A", "organization": "Dinas Kesehatan"})
    assert parse(data, allowed_organizations=ALLOWED).ok
    refused = parse(data, allowed_organizations={"dinkes", "dinsos"})
    assert "Dinas Kesehatan" in _messages(refused)


def test_without_allowed_organizations_the_value_is_passed_on():
    result = parse(_fill({"nama_data": "A", "organization": " bappeda "}))
    assert result.rows[0]["organization"] == "bappeda"


# ---------------------------------------------------------------- parse: bad cells

def test_every_bad_cell_is_reported_with_row_and_column():
    bad = {
        "kode_data": "X" * 51,
        "tahun": "20x",
        "organization": "dinas-lain",
        "jenis_data": "Statistik Dasar",
        "kategori_sumber": "SDGs; entah",
        "jadwal_rilis": "31 Maret 2027",
        "jadwal_pemutakhiran": 46000,
        "sifat_akses": "rahasia",
        "satuan": "ab_x0001_c",
    }
    worse = {"nama_data": "Ada", "tahun": 1999, "frekuensi": "kadang",
             "konsep": "x" * 4001}
    result = parse(_fill(GOOD, bad, worse), allowed_organizations=ALLOWED)
    located = {(e.row, e.column) for e in result.errors}
    expected = {(3, LETTER[k]) for k in bad} | {(3, LETTER["nama_data"])}
    expected |= {(4, LETTER[k]) for k in ("tahun", "frekuensi", "konsep",
                                           "organization")}
    assert located == expected
    assert result.rows == []  # all rows or none
    text = _messages(result)
    assert "Row 3, column C (Nama Data *): a value is required" in text
    assert f"Row 3, column {LETTER['tahun']} (Tahun): \"20x\" is not a whole number" \
        in text
    assert "Statistik Dasar" in text and "entah" in text and "rahasia" in text
    assert "control characters" in text
    assert "too long (4001 characters; at most 4000)" in text
    assert "must be between 2000 and 2100" in text


def test_duplicate_codes_in_one_file():
    result = parse(_fill(GOOD, GOOD), allowed_organizations=ALLOWED)
    assert [(e.row, e.column) for e in result.errors] == [(3, "A")]
    assert "already used in row 2" in _messages(result)


def test_unknown_and_duplicate_columns_are_named():
    data = _sheet(["Nama Data", "Produsen Data", "Keterangan", "Name", "Data name"],
                  ["A", "dinkes", "x", None, "B"])
    result = parse(data)
    text = _messages(result)
    assert "Column C (Keterangan): unknown column" in text
    assert "Column E (Data name): same field as column A" in text
    assert result.rows == []


def test_missing_required_column():
    result = parse(_sheet(["Nama Data", "Satuan"], ["A", "orang"]))
    assert "Required column \"Produsen Data *\" is missing." in _messages(result)


def test_sheet_without_headers():
    result = parse(_sheet(["foo", "bar"], ["1", "2"]))
    assert "No header row found" in _messages(result)


def test_values_in_a_column_without_header():
    data = _sheet(["Nama Data", "Produsen Data"], ["A", "dinkes", "stray"])
    assert "Column C: has values (first in row 2) but no header" in _messages(
        parse(data))


def test_too_many_rows():
    result = parse(_fill(*[{"nama_data": f"D{i}", "organization": "dinkes"}
                           for i in range(3)]), max_rows=2)
    assert "more than 2 rows" in _messages(result)


def test_sheet_with_far_too_many_cells():
    """Cells far beyond what the allowed rows need are refused, not read for minutes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Nama Data", "Produsen Data"])
    ws.append(["A", "dinkes"])
    for row in range(3, 40):  # formatted, empty: written as cells all the same
        for col in range(1, 200):
            ws.cell(row=row, column=col).number_format = "0.00"
    result = parse(_save(wb), max_rows=2)
    assert "too many filled or formatted cells" in _messages(result)


# ---------------------------------------------------------------- parse: bad files

def _one_message(data: bytes, **kwargs: Any) -> str:
    result = parse(data, **kwargs)
    assert result.rows == [] and len(result.errors) == 1
    error = result.errors[0]
    assert error.row is None and error.column is None
    return str(error)


def test_empty_file():
    assert _one_message(b"") == "The file is empty."


def test_text_file_renamed_xlsx():
    assert "not an Excel workbook" in _one_message(b"kode;nama\n1;Jumlah\n")


def test_other_zip_is_not_xlsx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "not an Excel workbook" in _one_message(out.getvalue())


def test_file_over_the_size_limit():
    assert "too large" in _one_message(_fill(GOOD), max_bytes=1000)


def test_truncated_file():
    data = _fill(GOOD)
    assert "damaged" in _one_message(data[: len(data) // 2])


def _rezip(data: bytes, change: Any) -> bytes:
    """Copy a workbook's parts through ``change(name, body) -> body``, plus extras."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info.filename, change(info.filename, src.read(info.filename)))
        for name, body in getattr(change, "extra", {}).items():
            zf.writestr(name, body)
    return out.getvalue()


def test_macro_enabled_workbook():
    def to_xlsm(name: str, body: bytes) -> bytes:
        if name == "[Content_Types].xml":
            body = body.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                b".main+xml", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            body = body.replace(b"</Types>", b'<Default Extension="bin" ContentType='
                                b'"application/vnd.ms-office.vbaProject"/></Types>')
        return body

    to_xlsm.extra = {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512}
    data = _rezip(_fill(GOOD), to_xlsm)
    assert "macros" in _one_message(data)
    # vbaProject.bin alone, with the plain xlsx content type, is refused too.
    keep = _rezip(_fill(GOOD), lambda name, body: body)
    assert parse(keep, allowed_organizations=ALLOWED).ok

    def sneak(name: str, body: bytes) -> bytes:
        return body

    sneak.extra = {"xl/vbaProject.bin": b"\0" * 64}
    assert "macros" in _one_message(_rezip(_fill(GOOD), sneak))


def test_zip_bomb_is_refused_before_opening():
    """A member of zeros inflating ~1000 times: refused from the central directory."""
    def bomb(name: str, body: bytes) -> bytes:
        return body

    bomb.extra = {"xl/media/zeros.bin": b"\0" * (16 * 1024 * 1024)}
    data = _rezip(_fill(GOOD), bomb)
    assert len(data) < 1024 * 1024
    assert "unreasonable size" in _one_message(data)


def test_zip_claiming_a_huge_size_is_refused():
    """Central directory claims 2 GB for a part: refused without inflating it."""
    data = bytearray(_fill(GOOD))
    at = data.find(b"PK\x01\x02")  # first central-directory entry
    struct.pack_into("<I", data, at + 24, 0x7FFFFFFF)
    assert "unreasonable size" in _one_message(bytes(data))


def test_part_lying_about_its_size_is_damaged():
    """A sheet whose real content is longer than declared fails while streaming."""
    data = bytearray(_fill(GOOD))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    names = [i.filename for i in zf.infolist()]
    index = names.index("xl/worksheets/sheet1.xml")
    at = -1
    for _ in range(index + 1):
        at = data.find(b"PK\x01\x02", at + 1)
    size = zf.getinfo("xl/worksheets/sheet1.xml").file_size
    struct.pack_into("<I", data, at + 24, size // 2)
    assert "damaged" in _one_message(bytes(data))


def test_workbook_without_data_sheet_content():
    wb = openpyxl.Workbook()
    assert "No header row found" in _one_message(_save(wb))


def test_5000_rows_parse_without_errors():
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(spreadsheet.SHEET_DATA)
    ws.append([header(f) for f in FIELDS])
    for i in range(5000):
        row = dict(GOOD, kode_data=f"2027-DINKES-{i:04d}", nama_data=f"Data {i}")
        ws.append([row.get(f.key) for f in FIELDS])
    result = parse(_save(wb), allowed_organizations=ALLOWED, max_rows=5000)
    assert result.ok, result.messages()[:5]
    assert len(result.rows) == 5000
    assert result.rows[-1]["row"] == 5001
    assert result.rows[-1]["kategori_sumber"] == ["perencanaan", "sdgs",
                                                  "prioritas_nasional"]


# ---------------------------------------------------------------- export

ITEMS = [
    {"id": "i1", "kode_data": "2027-DINKES-001", "tahun": 2027,
     "nama_data": "Jumlah Puskesmas", "organization": "dinkes",
     "jenis_data": "statistik_sektoral", "kategori_sumber": ["spm", "perencanaan"],
     "ukuran": "jumlah", "satuan": "unit", "frekuensi": "tahunan",
     "jadwal_rilis": "2027-03-31", "jadwal_pemutakhiran": dt.date(2027, 12, 31),
     "konsep": "baris satu\nbaris dua", "kode_sds": "0012",
     "hasil": "disetujui", "catatan": "Lengkap", "disepakati": True},
    {"id": "i2", "kode_data": "2027-DINSOS-001", "tahun": 2027,
     "nama_data": "=HYPERLINK(\"http://x\")", "organization": "dinsos",
     "hasil": None, "catatan": None, "disepakati": None},
]
FIELD_KEYS = [f.key for f in FIELDS]


def _expected(item: dict[str, Any]) -> dict[str, Any]:
    out = {key: item.get(key) for key in FIELD_KEYS}
    out["kategori_sumber"] = item.get("kategori_sumber") or []
    for key in ("jadwal_rilis", "jadwal_pemutakhiran"):
        if isinstance(out[key], str):
            out[key] = dt.date.fromisoformat(out[key])
    return out


@pytest.mark.parametrize("lang", ["id", "en"])
def test_export_reimports_to_the_same_rows(lang):
    data = export(iter(ITEMS), lang=lang)
    result = parse(data, allowed_organizations=ALLOWED)
    assert result.ok, _messages(result)
    for row, item in zip(result.rows, ITEMS, strict=True):
        row.pop("row")
        assert row == _expected(item)


def test_export_labels_review_columns_and_no_formulas():
    wb = openpyxl.load_workbook(io.BytesIO(export(ITEMS)))
    ws = wb[spreadsheet.SHEET_DATA]
    head = [c.value for c in ws[1]]
    assert head == [header(f) for f in FIELDS] + ["Hasil Desk", "Catatan", "Disepakati"]
    row = {h: c for h, c in zip(head, ws[2], strict=True)}
    assert row["Jenis Data"].value == "Statistik Sektoral"
    assert row["Kategori Sumber"].value == (
        "Standar Pelayanan Minimal (SPM); Perencanaan (RPJMD, RKPD)")
    assert row["Jadwal Rilis"].value == dt.datetime(2027, 3, 31)
    assert row["Hasil Desk"].value == "Disetujui"
    assert row["Disepakati"].value == "Ya"
    assert row["Kode SDS"].value == "0012"
    formula = ws.cell(row=3, column=FIELD_KEYS.index("nama_data") + 1)
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")
    english = openpyxl.load_workbook(io.BytesIO(export(ITEMS, lang="en"))).active
    assert english["E1"].value == "Kind of data"
    assert english["E2"].value == "Sectoral statistics"


def test_export_without_review_state_has_template_columns_only():
    plain = [{k: v for k, v in ITEMS[0].items()
              if k not in ("hasil", "catatan", "disepakati")}]
    ws = openpyxl.load_workbook(io.BytesIO(export(plain))).active
    assert [c.value for c in ws[1]] == [header(f) for f in FIELDS]


def test_export_of_nothing_is_a_header_only_workbook():
    ws = openpyxl.load_workbook(io.BytesIO(export([]))).active
    assert ws.max_row == 1


def test_error_sentence_names_row_column_and_header():
    error = spreadsheet.CellError(7, "C", "Nama Data *", "a value is required")
    assert str(error) == "Row 7, column C (Nama Data *): a value is required"
    assert BY_KEY["nama_data"].required


def test_docstring_examples():
    assert doctest.testmod(spreadsheet).failed == 0
