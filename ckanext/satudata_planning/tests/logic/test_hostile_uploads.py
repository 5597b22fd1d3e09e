"""Hostile uploads through the actions (and the import screen): refused, with a
reason a civil servant can act on, and nothing written.

Every file is real, built here: workbooks with openpyxl, zips with zipfile, a
Word file with python-docx, PDFs by hand. The file name and the browser's
content type always claim the expected kind (``daftar.xlsx``, ``sk.pdf``):
only the bytes decide. After each refusal the rows of every ``satudata_*``
table (md5 of their text, on a connection of its own) and the storage folder
are exactly what they were.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import openpyxl
import pytest
import sqlalchemy as sa
from markupsafe import escape
from werkzeug.datastructures import FileStorage

from ckanext.satudata_planning import spreadsheet
from ckanext.satudata_planning.model import Document, Item
from ckanext.satudata_planning.sop.row_fields import FIELDS
from ckanext.satudata_planning.tests.factories import seeded_cycle
from ckanext.satudata_planning.tests.web import csrf_token, login

from .test_uploads import make_pdf

#: the action tests read the reasons translated, as the request does
in_request = pytest.mark.usefixtures("with_request_context")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MB = 1024 * 1024
COLUMN = {f.key: i for i, f in enumerate(FIELDS, start=1)}
SHEET = "xl/worksheets/sheet1.xml"
#: a VBA project part (an OLE2 compound file, as Excel writes it)
VBA = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504

# the reasons, as msgids (compared translated, as the user reads them)
EMPTY = "The file is empty."
NOT_XLSX = "The file is not an Excel workbook (.xlsx). Use the template."
DAMAGED = "The file is damaged or is not a complete Excel workbook (.xlsx)."
MACROS = "Workbooks with macros (.xlsm) are not accepted. Save as .xlsx."
BOMB = (
    "The file was refused: once opened, its content would reach an unreasonable "
    "size, far more than any data list. Save the list again from the template "
    "as a normal Excel workbook (.xlsx)."
)
OTHER_EXCEL = (
    "The file is an old Excel 97-2003 workbook (.xls), a binary workbook (.xlsb) "
    'or a password-protected one. Open it in Excel, remove any password, save '
    'it as "Excel Workbook (.xlsx)" and import it again.'
)
TOO_LARGE = "The file is too large: the import accepts at most {limit} MB."


# --- files ------------------------------------------------------------------------


def good_workbook(*names: str) -> bytes:
    """The template with one valid row per name (Dinas Kesehatan's)."""
    wb = openpyxl.load_workbook(
        io.BytesIO(spreadsheet.build_template([("dinkes", "Dinas Kesehatan")]))
    )
    ws = wb[spreadsheet.SHEET_DATA]
    for r, name in enumerate(names or ("Jumlah Bidan",), start=2):
        ws.cell(row=r, column=COLUMN["nama_data"], value=name)
        ws.cell(row=r, column=COLUMN["organization"], value="dinkes")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(
    data: bytes,
    change: Callable[[str, bytes], bytes] = lambda name, body: body,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A workbook's parts copied through ``change``, plus ``extra`` parts."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info.filename, change(info.filename, src.read(info.filename)))
        for name, body in (extra or {}).items():
            zf.writestr(name, body)
    return out.getvalue()


def huge_workbook(size: int) -> bytes:
    """A real workbook of more than ``size`` bytes: random (incompressible) text."""
    rows = size // 150
    while True:
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet(spreadsheet.SHEET_DATA)
        ws.append([spreadsheet.header(f) for f in FIELDS])
        for _ in range(rows):
            ws.append([None, None, os.urandom(200).hex(), "dinkes"])
        out = io.BytesIO()
        wb.save(out)
        if len(out.getvalue()) > size:
            return out.getvalue()
        rows *= 2


def bomb_workbook(unpacked: int, *, varied: bool) -> bytes:
    """A valid-looking workbook whose sheet XML inflates to ``unpacked`` bytes.

    ``varied``: each 1 KiB cell carries 8 random characters, so the sheet
    packs about 60:1, under any per-part ratio guard; otherwise it is one
    character repeated (about 1000:1, the classic bomb).
    """
    src = zipfile.ZipFile(io.BytesIO(good_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            if info.filename != SHEET:
                zf.writestr(info.filename, src.read(info.filename))
                continue
            with zf.open(SHEET, "w", force_zip64=True) as part:
                part.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData>'
                )
                written, r = 0, 1
                while written < unpacked:
                    r += 1
                    noise = os.urandom(4).hex().encode() if varied else b""
                    text = noise + b"A" * 1000
                    chunk = b"".join(
                        b'<row r="%d"><c r="C%d" t="inlineStr"><is><t>%s</t></is></c>'
                        b"</row>" % (r * 64 + n, r * 64 + n, text)
                        for n in range(64)
                    )
                    part.write(chunk)
                    written += len(chunk)
                part.write(b"</sheetData></worksheet>")
    return out.getvalue()


def lying_sizes() -> bytes:
    """A good workbook whose central directory claims 2 GB for the sheet."""
    data = bytearray(good_workbook())
    names = [i.filename for i in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()]
    at = -1
    for _ in range(names.index(SHEET) + 1):
        at = data.find(b"PK\x01\x02", at + 1)
    struct.pack_into("<I", data, at + 24, 0x7FFFFFFF)
    return bytes(data)


def entity_bomb() -> bytes:
    """The sheet's XML declares entities that expand to a gigabyte."""
    entities = '<!ENTITY a0 "xxxxxxxxxx">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )

    def change(name: str, body: bytes) -> bytes:
        if name != SHEET:
            return body
        body = body[body.index(b"<worksheet"):]
        body = body.replace(b"Jumlah Bidan", b"&a9;", 1)
        return (
            b'<?xml version="1.0"?><!DOCTYPE worksheet [' + entities.encode() + b"]>"
            + body
        )

    return rezip(good_workbook(), change)


def xlsm() -> bytes:
    def change(name: str, body: bytes) -> bytes:
        if name == "[Content_Types].xml":
            body = body.replace(
                XLSX_TYPE.encode() + b".main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return body

    return rezip(good_workbook(), change, {"xl/vbaProject.bin": VBA})


def xlsx_with_vba_part() -> bytes:
    return rezip(good_workbook(), extra={"xl/vbaProject.bin": VBA})


def xlsb() -> bytes:
    def change(name: str, body: bytes) -> bytes:
        if name == "[Content_Types].xml":
            body = body.replace(
                XLSX_TYPE.encode() + b".main+xml",
                b"application/vnd.ms-excel.sheet.binary.macroEnabled.main",
            )
        return body

    return rezip(good_workbook(), change)


def docx() -> bytes:
    from docx import Document as Docx

    doc = Docx()
    doc.add_paragraph("Daftar Data Dinas Kesehatan")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def ole2() -> bytes:
    """The header of an OLE2 compound file: .xls, or any password-protected
    Office file (Excel keeps an encrypted .xlsx in one)."""
    return bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 4088


# --- what was written ---------------------------------------------------------------


def fingerprint() -> dict[str, str]:
    """md5 of every satudata_* table's rows (committed state, own connection)."""
    with model.ensure_engine().connect() as conn:
        tables = conn.execute(
            sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename LIKE 'satudata%' AND tablename NOT LIKE '%alembic%' "
                "ORDER BY tablename"
            )
        ).scalars().all()
        assert "satudata_item" in tables and "satudata_event" in tables
        return {
            t: conn.execute(
                sa.text(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), "
                    f"'')) FROM \"{t}\" t"
                )
            ).scalar_one()
            for t in tables
        }


def stored_files(root: str) -> dict[str, str]:
    """Every file under the storage path, with the sha1 of its content."""
    found = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, root)] = hashlib.sha1(f.read()).hexdigest()
    return found


@pytest.fixture
def unchanged(storage) -> Iterator[Callable[[], None]]:
    """``unchanged()`` asserts tables and storage are as at its first call."""
    state: dict[str, Any] = {}

    def check() -> None:
        now = (fingerprint(), stored_files(storage))
        if not state:
            state["before"] = now
        assert now == state["before"]

    yield check


def upload(data: bytes, name: str, content_type: str) -> FileStorage:
    return FileStorage(
        stream=io.BytesIO(data), filename=name, content_type=content_type
    )


# --- the Daftar Data import ---------------------------------------------------------


@pytest.fixture
def one_row(actors, call_as) -> dict[str, Any]:
    """Step 1 with one row of Dinas Kesehatan already in the list."""
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    call_as(
        "satudata_item_create", actors.produsen, cycle_id=2027, organization="dinkes",
        nama_data="Jumlah Puskesmas",
    )
    return cycle


IMPORT_CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "empty": (lambda: b"", EMPTY),
    "truncated": (lambda: good_workbook()[: len(good_workbook()) // 2], DAMAGED),
    "zip bomb, 120 MB of one character": (
        lambda: bomb_workbook(120 * MB, varied=False), BOMB
    ),
    "zip bomb, 110 MB packed 60:1": (
        lambda: bomb_workbook(110 * MB, varied=True), BOMB
    ),
    "central directory lying about sizes": (lying_sizes, BOMB),
    "entity expansion bomb in the sheet XML": (entity_bomb, DAMAGED),
    "macro-enabled workbook (.xlsm)": (xlsm, MACROS),
    "vbaProject.bin inside an .xlsx": (xlsx_with_vba_part, MACROS),
    "binary workbook (.xlsb)": (xlsb, OTHER_EXCEL),
    "old .xls or password-protected": (ole2, OTHER_EXCEL),
    "a PDF named .xlsx": (make_pdf, NOT_XLSX),
    "a text file named .xlsx": (lambda: b"Daftar data dinkes\r\n", NOT_XLSX),
    "a Word file named .xlsx": (docx, NOT_XLSX),
    "an OpenDocument sheet named .xlsx": (ods, NOT_XLSX),
    "CSV": (lambda: b"nama_data,organization\nJumlah Bidan,dinkes\n", NOT_XLSX),
}


@in_request
@pytest.mark.parametrize("case", list(IMPORT_CASES))
def test_import_refuses_and_writes_nothing(actors, call_as, one_row, unchanged, case):
    build, reason = IMPORT_CASES[case]
    data = build()
    unchanged()
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_import", actors.produsen, cycle_id=2027,
            upload=upload(data, "daftar.xlsx", XLSX_TYPE),
        )
    assert err.value.error_dict == {"upload": [tk._(reason)]}
    unchanged()
    model.Session.expire_all()
    assert model.Session.query(Item).count() == 1


@in_request
@pytest.mark.ckan_config("ckanext.satudata_planning.import_max_bytes", str(MB // 2))
def test_import_refuses_a_file_over_the_size_limit(actors, call_as, one_row, unchanged):
    data = huge_workbook(MB // 2)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None  # a real workbook
    unchanged()
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_import", actors.produsen, cycle_id=2027,
            upload=upload(data, "daftar.xlsx", XLSX_TYPE),
        )
    assert err.value.error_dict == {"upload": [tk._(TOO_LARGE).format(limit="0.5")]}
    unchanged()


@in_request
@pytest.mark.ckan_config("ckanext.satudata_planning.import_max_unpacked_bytes", str(MB))
def test_unpacked_limit_is_the_configured_one(actors, call_as, one_row, unchanged):
    data = bomb_workbook(2 * MB, varied=True)
    assert len(data) < MB // 4
    unchanged()
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_import", actors.produsen, cycle_id=2027, upload=data)
    assert err.value.error_dict == {"upload": [tk._(BOMB)]}
    unchanged()


@in_request
def test_the_same_action_takes_a_good_workbook(actors, call_as, one_row, unchanged):
    """The control: the checks above refuse the files, not the route."""
    unchanged()
    result = call_as(
        "satudata_item_import", actors.produsen, cycle_id=2027,
        upload=upload(good_workbook("Jumlah Bidan", "Jumlah Perawat"), "d.xlsx",
                      XLSX_TYPE),
    )
    assert result["created"] == 2
    with pytest.raises(AssertionError):
        unchanged()


@pytest.mark.parametrize(
    ("case", "name"),
    [
        ("zip bomb, 120 MB of one character", "daftar.xlsx"),
        ("a PDF named .xlsx", "daftar.xlsx"),
        ("macro-enabled workbook (.xlsm)", "daftar.xlsm"),
        ("empty", "daftar.xlsx"),
    ],
)
def test_import_screen_shows_the_reason(app, actors, one_row, unchanged, case, name):
    build, reason = IMPORT_CASES[case]
    data = build()
    login(app, actors.produsen)
    url = "/perencanaan/2027/daftar"
    token = csrf_token(app, url)
    unchanged()
    res = app.post(
        url + "/impor",
        data={"_csrf_token": token, "upload": (io.BytesIO(data), name, XLSX_TYPE)},
        content_type="multipart/form-data",
    )
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert "satudata-import-errors" in body
    with app.flask_app.test_request_context():
        said = tk._(reason)
    assert str(escape(said)) in body
    unchanged()


# --- the signed PDFs ------------------------------------------------------------------


def _truncated_pdf() -> bytes:
    pdf = make_pdf(padding=4000)
    return pdf[: len(pdf) // 2]


PDF_CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "empty": (lambda: b"", "The file is empty"),
    "truncated": (_truncated_pdf, "The PDF is damaged or truncated"),
    "an .xlsx named .pdf": (good_workbook, "The file is not a PDF"),
    "a Word file named .pdf": (docx, "The file is not a PDF"),
    "a text file named .pdf": (
        lambda: b"BA ditandatangani\n%%EOF\n", "The file is not a PDF"
    ),
}


@pytest.fixture
def at_documents(actors, call_as, storage) -> dict[str, Any]:
    """Step 5, the BA desk written (numbered) and no PDF yet."""
    seeded_cycle(call_as, actors, 4)
    return call_as(
        "satudata_document_update", actors.sekretariat, cycle_id=2027,
        jenis="ba_desk", nomor="000.5/11/2026", tanggal="2026-09-01",
    )


def _upload_pdf(call_as, actors, data: bytes) -> dict[str, Any]:
    return call_as(
        "satudata_document_upload", actors.sekretariat, cycle_id=2027,
        jenis="ba_desk", upload=upload(data, "ba-desk-ttd.pdf", "application/pdf"),
    )


@in_request
@pytest.mark.parametrize("case", list(PDF_CASES))
def test_signed_pdf_refusals_write_nothing(actors, call_as, at_documents, unchanged,
                                           case):
    build, reason = PDF_CASES[case]
    data = build()
    unchanged()
    with pytest.raises(tk.ValidationError) as err:
        _upload_pdf(call_as, actors, data)
    assert err.value.error_dict == {"upload": [tk._(reason)]}
    unchanged()
    model.Session.expire_all()
    doc = model.Session.query(Document).filter_by(jenis="ba_desk").one()
    assert doc.file is None and doc.nomor == "000.5/11/2026"


@in_request
def test_pdf_with_a_script_is_refused(actors, call_as, at_documents, unchanged):
    data = make_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")
    unchanged()
    with pytest.raises(tk.ValidationError) as err:
        _upload_pdf(call_as, actors, data)
    assert "JavaScript" in err.value.error_dict["upload"][0]
    unchanged()


@in_request
@pytest.mark.ckan_config("ckanext.satudata_planning.upload_max_bytes", str(MB // 2))
def test_pdf_over_the_limit_is_refused(actors, call_as, at_documents, unchanged):
    data = make_pdf(padding=MB)
    unchanged()
    with pytest.raises(tk.ValidationError) as err:
        _upload_pdf(call_as, actors, data)
    assert err.value.error_dict == {
        "upload": [tk._("The file is larger than {max} MB").format(max="0.5")]
    }
    unchanged()


@in_request
def test_a_good_signed_pdf_is_stored(actors, call_as, at_documents, storage, unchanged):
    """The control: the storage check sees a file when one is kept."""
    unchanged()
    doc = _upload_pdf(call_as, actors, make_pdf())
    assert doc["has_file"]
    files = stored_files(storage)
    assert len(files) == 1
    assert next(iter(files.values())) == hashlib.sha1(make_pdf()).hexdigest()
