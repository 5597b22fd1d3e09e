"""Steps 5–8: the documents, the forum's decisions, signed uploads and gates 5–8."""

from __future__ import annotations

import io
import os
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from docx import Document as Docx

from ckanext.satudata_planning import documents
from ckanext.satudata_planning.logic.uploads import storage_dir
from ckanext.satudata_planning.model import Cycle, Document, Event, Item
from ckanext.satudata_planning.tests.factories import (
    DOC_NUMBERS,
    PDF,
    ROWS,
    SCRIPT_NAME,
    item_ids,
    seeded_cycle,
)
from ckanext.satudata_planning.workflow import gates

pytestmark = pytest.mark.usefixtures("with_request_context")


def stored_files() -> list[str]:
    folder = storage_dir()
    return sorted(os.listdir(folder)) if folder and os.path.isdir(folder) else []


def _docx_text(data: bytes) -> tuple[str, dict[str, set[str]]]:
    """The document's text (paragraphs and table cells, in order), and the
    annex: seeded data names under each OPD heading ("1. Dinas X (n butir data)")."""
    import re

    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Docx(io.BytesIO(data))
    names = {nama for _o, nama, _h, _a in ROWS}
    texts: list[str] = []
    annex: dict[str, set[str]] = {}
    current = None
    for el in doc.element.body.iterchildren():
        if el.tag.endswith("}p"):
            text = Paragraph(el, doc).text
            texts.append(text)
            m = re.match(r"^\d+\.\s+(.+?) \(\d+ butir", text)
            if m:
                current = m.group(1)
        elif el.tag.endswith("}tbl"):
            for row in Table(el, doc).rows:
                cells = [c.text.strip() for c in row.cells]
                texts.append(" | ".join(cells))
                for cell in cells:
                    if cell in names and current:
                        annex.setdefault(current, set()).add(cell)
    return "\n".join(texts), annex


def _render(call_as, actors, jenis: str, tahun: int = 2027) -> bytes:
    data = call_as(
        "satudata_document_data", actors.anggota, cycle_id=tahun, jenis=jenis
    )
    return documents.render(jenis, {**documents.config_defaults(), **data})


# --- the documents ----------------------------------------------------------------


def test_ba_desk_update_then_show(actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    doc = call_as(
        "satudata_document_update",
        actors.sekretariat,
        cycle_id=2027,
        jenis="ba_desk",
        nomor=" 000.5/11/2026 ",
        tanggal="2026-09-01",
        tempat="Ruang Rapat",
        peserta=[{"nama": "Budi", "jabatan": "Kabid", "instansi": "Bappeda"}],
        penandatangan="Ir. Ahmad; Kepala Bappeda; 19700101 199503 1 001",
    )
    assert doc["nomor"] == "000.5/11/2026"
    assert doc["tanggal"] == "2026-09-01"
    assert doc["penandatangan"] == [
        {"nama": "Ir. Ahmad", "jabatan": "Kepala Bappeda", "nip": "197001011995031001"}
    ]
    shown = call_as(
        "satudata_document_show", actors.produsen, cycle_id=2027, jenis="ba_desk"
    )
    assert shown["peserta"][0]["instansi"] == "Bappeda"
    assert shown["complete"] is True
    event = model.Session.query(Event).filter_by(action="document_update").one()
    assert event.after["nomor"] == "000.5/11/2026"


def test_document_show_before_it_is_written_is_an_empty_shell(actors, call_as):
    seeded_cycle(call_as, actors, 1)
    shown = call_as(
        "satudata_document_show", actors.produsen, cycle_id=2027, jenis="sk"
    )
    assert shown["id"] is None and shown["nomor"] is None
    assert shown["has_file"] is False


@pytest.mark.parametrize(
    ("jenis", "step"), [("ba_desk", 5), ("ba_forum", 7), ("sk", 8)]
)
def test_documents_are_refused_before_their_step(actors, call_as, jenis, step):
    seeded_cycle(call_as, actors, step - 2)
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_document_update",
            actors.sekretariat,
            cycle_id=2027,
            jenis=jenis,
            nomor="1",
        )
    assert f"step {step}" in str(
        err.value.error_dict["jenis"]
    ) or f"langkah {step}" in str(err.value.error_dict["jenis"])
    assert model.Session.query(Document).filter_by(jenis=jenis).count() == 0


def test_people_lines_are_checked_one_by_one(actors, call_as):
    seeded_cycle(call_as, actors, 4)
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_document_update",
            actors.sekretariat,
            cycle_id=2027,
            jenis="ba_desk",
            penandatangan="Ahmad; Kepala; 1970\n; Sekretaris; 1980\n"
            "Budi; Kabid; 19A0\nCici; Staf; 1; extra",
        )
    message = err.value.error_dict["penandatangan"][0]
    assert "2" in message and "3" in message and "4" in message
    assert "1:" not in message
    assert model.Session.query(Document).count() == 0


@pytest.mark.parametrize("label", ["produsen", "pembina", "anggota"])
def test_only_sekretariat_or_walidata_write_documents(actors, call_as, label):
    seeded_cycle(call_as, actors, 4)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_document_update",
            getattr(actors, label),
            cycle_id=2027,
            jenis="ba_desk",
            nomor="1",
        )
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_document_upload",
            getattr(actors, label),
            cycle_id=2027,
            jenis="ba_desk",
            upload=PDF,
        )


@pytest.mark.parametrize("label", ["walidata", "sekretariat", "sysadmin"])
def test_sekretariat_walidata_and_sysadmin_write_documents(actors, call_as, label):
    seeded_cycle(call_as, actors, 4)
    doc = call_as(
        "satudata_document_update",
        getattr(actors, label),
        cycle_id=2027,
        jenis="ba_desk",
        nomor="7",
    )
    assert doc["nomor"] == "7"


def test_anonymous_reads_no_document_before_publication(actors, call_as):
    seeded_cycle(call_as, actors, 8)
    for jenis in ("ba_desk", "ba_forum", "sk"):
        with pytest.raises(tk.NotAuthorized):
            call_as("satudata_document_show", None, cycle_id=2027, jenis=jenis)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_document_data", None, cycle_id=2027, jenis="sk")


# --- generated .docx from the seeded cycle ----------------------------------------


def test_ba_desk_docx_lists_every_row_with_its_number(actors, call_as, storage):
    seeded_cycle(call_as, actors, 5)
    body, annex = _docx_text(_render(call_as, actors, "ba_desk"))
    assert "BERITA ACARA" in body.upper()
    assert DOC_NUMBERS["ba_desk"] in body
    assert "1 September 2026" in body or "-09-2026" in body
    # the desk minutes list every row with its desk result, the rejected one too
    assert annex == {
        "Dinas Kesehatan": {n for o, n, _h, _a in ROWS if o == "dinkes"},
        "Dinas Sosial": {n for o, n, _h, _a in ROWS if o == "dinsos"},
    }


@pytest.mark.parametrize("jenis", ["ba_forum", "sk"])
def test_forum_and_sk_docx_list_exactly_the_agreed_rows_per_opd(
    actors, call_as, storage, jenis
):
    seeded_cycle(call_as, actors, 8)
    body, annex = _docx_text(_render(call_as, actors, jenis))
    assert DOC_NUMBERS[jenis] in body
    if jenis == "sk":
        assert "KEPUTUSAN WALI KOTA" in body.upper()
        assert "15 September 2026" in body
        # the SK cites the forum's minutes (Menimbang)
        assert DOC_NUMBERS["ba_forum"] in body
    else:
        assert "HASIL KESEPAKATAN" in body.upper()
        assert "08-09-2026" in body
    # exactly the agreed rows, each under its own OPD
    assert annex == {
        "Dinas Kesehatan": {"Jumlah Puskesmas", SCRIPT_NAME},
        "Dinas Sosial": {"Jumlah Penerima Bansos"},
    }


# --- signed PDF uploads -----------------------------------------------------------


def test_real_pdf_is_kept_through_ckans_uploader(actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    doc = call_as(
        "satudata_document_upload",
        actors.sekretariat,
        cycle_id=2027,
        jenis="ba_desk",
        upload=_file(PDF, "BA desk ttd (final).pdf"),
    )
    assert doc["has_file"] and doc["file_size"] == len(PDF)
    assert doc["file_name"] == "BA_desk_ttd_final.pdf"
    assert stored_files() == [doc["file"]]
    with open(os.path.join(storage_dir(), doc["file"]), "rb") as f:
        assert f.read() == PDF
    # a new upload replaces the old file
    again = call_as(
        "satudata_document_upload",
        actors.walidata,
        cycle_id=2027,
        jenis="ba_desk",
        upload=_file(PDF + b"\n", "v2.pdf"),
    )
    assert stored_files() == [again["file"]]


def _file(data: bytes, name: str) -> Any:
    from werkzeug.datastructures import FileStorage

    return FileStorage(
        stream=io.BytesIO(data), filename=name, content_type="application/pdf"
    )


@pytest.mark.parametrize(
    ("data", "name", "fragment"),
    [
        (b"Catatan rapat: bukan PDF\n", "ba.pdf", "PDF"),
        (b"", "kosong.pdf", ""),
    ],
)
def test_refused_uploads_write_nothing(actors, call_as, storage, data, name, fragment):
    seeded_cycle(call_as, actors, 4)
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_document_upload",
            actors.sekretariat,
            cycle_id=2027,
            jenis="ba_desk",
            upload=_file(data, name),
        )
    assert fragment in " ".join(err.value.error_dict["upload"])
    assert stored_files() == []
    assert model.Session.query(Document).count() == 0


@pytest.mark.ckan_config("ckanext.satudata_planning.upload_max_bytes", "200")
def test_oversized_pdf_is_refused_and_nothing_changes(actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    call_as(
        "satudata_document_update",
        actors.sekretariat,
        cycle_id=2027,
        jenis="ba_desk",
        nomor="1",
    )
    big = PDF.replace(b"%%EOF", b"%" + b"x" * 300 + b"\n%%EOF")
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_document_upload",
            actors.sekretariat,
            cycle_id=2027,
            jenis="ba_desk",
            upload=_file(big, "big.pdf"),
        )
    assert "MB" in err.value.error_dict["upload"][0]
    assert stored_files() == []
    doc = Document.get(Cycle.get(2027).id, "ba_desk")
    assert doc.file is None and doc.nomor == "1"


def test_renamed_text_file_is_refused(actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_document_upload",
            actors.sekretariat,
            cycle_id=2027,
            jenis="ba_desk",
            upload=_file(b"just text, renamed\n", "ttd.pdf"),
        )
    assert err.value.error_dict["upload"] == [tk._("The file is not a PDF")]
    assert stored_files() == []


def test_upload_refused_before_the_documents_step(actors, call_as, storage):
    seeded_cycle(call_as, actors, 6)
    with pytest.raises(tk.ValidationError):
        call_as(
            "satudata_document_upload",
            actors.sekretariat,
            cycle_id=2027,
            jenis="sk",
            upload=_file(PDF, "sk.pdf"),
        )
    assert stored_files() == []


# --- the forum's decision (step 6) ------------------------------------------------


def test_agree_in_bulk(actors, call_as, storage):
    cycle = seeded_cycle(call_as, actors, 5)
    ids = item_ids(cycle["id"])
    approved = [ids[nama] for _o, nama, hasil, _a in ROWS if hasil == "disetujui"]
    result = call_as(
        "satudata_item_agree",
        actors.walidata,
        cycle_id=2027,
        ids=approved,
        disepakati="true",
    )
    assert result["count"] == 4 and result["disepakati"] is True
    rows = model.Session.query(Item).filter(Item.id.in_(approved)).all()
    assert {r.disepakati for r in rows} == {True}
    assert {r.revision for r in rows} == {3}  # created 1, reviewed 2, agreed 3
    assert model.Session.query(Event).filter_by(action="item_agree").count() == 4
    # and back: "tidak disepakati" for one row, by its code
    kode = rows[0].kode_data
    call_as(
        "satudata_item_agree",
        actors.sekretariat,
        cycle_id=2027,
        ids=kode,
        disepakati=False,
    )
    model.Session.expire_all()
    assert model.Session.get(Item, rows[0].id).disepakati is False


def test_agree_refuses_rows_not_approved_at_the_desk_and_changes_nothing(
    actors, call_as, storage
):
    cycle = seeded_cycle(call_as, actors, 5)
    ids = item_ids(cycle["id"])
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_agree",
            actors.sekretariat,
            cycle_id=2027,
            ids=[ids["Jumlah Puskesmas"], ids["Data Ditolak Dinkes"], "nope"],
            disepakati=True,
        )
    text = " ".join(err.value.error_dict["ids"])
    assert "nope" in text
    model.Session.expire_all()
    assert model.Session.get(Item, ids["Jumlah Puskesmas"]).disepakati is None


def test_agree_is_refused_outside_step_six(actors, call_as, storage):
    cycle = seeded_cycle(call_as, actors, 4)
    ids = item_ids(cycle["id"])
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_agree",
            actors.sekretariat,
            cycle_id=2027,
            ids=[ids["Jumlah Puskesmas"]],
            disepakati=True,
        )
    assert "6" in err.value.error_dict["cycle_id"][0]


@pytest.mark.parametrize("label", ["produsen", "pembina", "anggota", "anonymous"])
def test_agree_by_the_wrong_actor(actors, call_as, storage, label):
    cycle = seeded_cycle(call_as, actors, 5)
    ids = item_ids(cycle["id"])
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_item_agree",
            getattr(actors, label),
            cycle_id=2027,
            ids=[ids["Jumlah Puskesmas"]],
            disepakati=True,
        )


# --- gates 5 to 8 -----------------------------------------------------------------


def _complete(call_as, who, number: int) -> dict[str, Any]:
    return call_as("satudata_step_complete", who, id=2027, step=number)


def test_gate_five_needs_number_and_date(actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    with pytest.raises(tk.ValidationError) as err:
        _complete(call_as, actors.sekretariat, 5)
    assert len(err.value.error_dict["step"]) >= 2  # no number, no date
    call_as(
        "satudata_document_update",
        actors.sekretariat,
        cycle_id=2027,
        jenis="ba_desk",
        nomor="1",
    )
    with pytest.raises(tk.ValidationError) as err:
        _complete(call_as, actors.sekretariat, 5)
    call_as(
        "satudata_document_update",
        actors.sekretariat,
        cycle_id=2027,
        jenis="ba_desk",
        tanggal="2026-09-01",
    )
    assert _complete(call_as, actors.sekretariat, 5)["current_step"] == 6


def test_gate_six_needs_every_approved_row_decided(actors, call_as, storage):
    cycle = seeded_cycle(call_as, actors, 5)
    ids = item_ids(cycle["id"])
    call_as(
        "satudata_item_agree",
        actors.sekretariat,
        cycle_id=2027,
        ids=[ids["Jumlah Puskesmas"], ids[SCRIPT_NAME]],
        disepakati=True,
    )
    with pytest.raises(tk.ValidationError) as err:
        _complete(call_as, actors.sekretariat, 6)
    assert any("Dinas Sosial" in m for m in err.value.error_dict["step"])
    assert not any("Dinas Kesehatan" in m for m in err.value.error_dict["step"])
    call_as(
        "satudata_item_agree",
        actors.sekretariat,
        cycle_id=2027,
        ids=[ids["Jumlah Penerima Bansos"], ids["Data Tidak Disepakati Dinsos"]],
        disepakati=False,
    )
    assert _complete(call_as, actors.sekretariat, 6)["current_step"] == 7


def test_gate_seven_needs_the_forum_minutes(actors, call_as, storage):
    seeded_cycle(call_as, actors, 6)
    with pytest.raises(tk.ValidationError):
        _complete(call_as, actors.sekretariat, 7)
    call_as(
        "satudata_document_update",
        actors.sekretariat,
        cycle_id=2027,
        jenis="ba_forum",
        nomor="2",
        tanggal="2026-09-08",
    )
    assert _complete(call_as, actors.sekretariat, 7)["current_step"] == 8


def test_gate_eight_needs_the_signed_pdf(actors, call_as, storage):
    seeded_cycle(call_as, actors, 7)
    call_as(
        "satudata_document_update",
        actors.sekretariat,
        cycle_id=2027,
        jenis="sk",
        nomor="3",
        tanggal="2026-09-15",
    )
    with pytest.raises(tk.ValidationError) as err:
        _complete(call_as, actors.sekretariat, 8)
    messages = err.value.error_dict["step"]
    assert gates.missing(Cycle.get(2027), 8) == [messages[-1]]  # only the PDF
    assert "PDF" in messages[-1]
    call_as(
        "satudata_document_upload",
        actors.walidata,
        cycle_id=2027,
        jenis="sk",
        upload=_file(PDF, "sk.pdf"),
    )
    assert _complete(call_as, actors.sekretariat, 8)["current_step"] == 9


def test_gate_five_stays_closed_without_the_minutes(actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    assert gates.missing(Cycle.get(2027), 5)


def test_gates_five_to_eight_are_real_and_doctests_hold():
    import doctest

    from ckanext.satudata_planning.model import document

    assert [gates.check_of(n) for n in (5, 6, 7, 8, 9)] == [
        gates.ba_desk_written,
        gates.every_approved_item_decided,
        gates.ba_forum_written,
        gates.sk_signed,
        gates.sk_published,
    ]
    assert doctest.testmod(document).failed == 0


def test_a_failed_commit_keeps_the_old_file_and_leaves_no_new_one(
    actors, call_as, storage
):
    """PostgreSQL refuses the upload's commit (a deferred trigger raising at
    COMMIT, a real failure): the record still names the old file, which is
    still there, and the new file is gone. The next upload replaces it."""
    seeded_cycle(call_as, actors, 4)
    first = call_as(
        "satudata_document_upload",
        actors.sekretariat,
        cycle_id=2027,
        jenis="ba_desk",
        upload=_file(PDF, "v1.pdf"),
    )
    model.Session.execute(
        sa.text(
            "CREATE FUNCTION satudata_test_refuse() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ditolak (uji)'; END $$; "
            "CREATE CONSTRAINT TRIGGER satudata_test_refuse AFTER UPDATE "
            "ON satudata_document DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION satudata_test_refuse()"
        )
    )
    model.Session.commit()
    try:
        with pytest.raises(sa.exc.DBAPIError, match="ditolak"):
            call_as(
                "satudata_document_upload",
                actors.sekretariat,
                cycle_id=2027,
                jenis="ba_desk",
                upload=_file(PDF + b"\n", "v2.pdf"),
            )
    finally:
        model.Session.rollback()
        model.Session.execute(
            sa.text(
                "DROP TRIGGER satudata_test_refuse ON satudata_document; "
                "DROP FUNCTION satudata_test_refuse()"
            )
        )
        model.Session.commit()
    shown = call_as(
        "satudata_document_show", actors.sekretariat, cycle_id=2027, jenis="ba_desk"
    )
    assert shown["file"] == first["file"]
    assert stored_files() == [first["file"]]

    again = call_as(
        "satudata_document_upload",
        actors.sekretariat,
        cycle_id=2027,
        jenis="ba_desk",
        upload=_file(PDF + b"\n", "v3.pdf"),
    )
    assert stored_files() == [again["file"]] != [first["file"]]
