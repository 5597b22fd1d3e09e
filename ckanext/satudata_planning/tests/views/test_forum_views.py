"""The screens of steps 5–9: forum, documents (forms, .docx, print, signed PDF)
and what anonymous visitors see before and after publication."""
from __future__ import annotations

import io

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from docx import Document as Docx

from ckanext.satudata_planning import documents
from ckanext.satudata_planning.model import Cycle, Document, Item
from ckanext.satudata_planning.tests.factories import (
    DOC_NUMBERS,
    PDF,
    SCRIPT_NAME,
    item_ids,
    seeded_cycle,
)
from ckanext.satudata_planning.tests.web import csrf_token, login

NOT_AGREED = "Data Tidak Disepakati Dinsos"
REJECTED = "Data Ditolak Dinkes"


def url(endpoint: str, **kw) -> str:
    return tk.h.url_for(f"satudata_forum.{endpoint}", tahun=2027, **kw)


# --- the forum (step 6) --------------------------------------------------------------

def test_forum_page_groups_approved_rows_per_opd(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 5)
    login(app, actors.sekretariat)
    res = app.get(url("forum_page"))
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert "Dinas Kesehatan" in body and "Dinas Sosial" in body
    assert "Jumlah Puskesmas" in body
    assert REJECTED not in body  # not approved at the desk
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert 'name="ids"' in body and 'name="_csrf_token"' in body
    assert 'for="forum-peserta"' in body


def test_forum_bulk_and_row_decisions_by_post(app, actors, call_as, storage):
    cycle = seeded_cycle(call_as, actors, 5)
    ids = item_ids(cycle["id"])
    login(app, actors.sekretariat)
    token = csrf_token(app, url("forum_page"))
    res = app.post(url("forum_agree"), data={
        "_csrf_token": token, "disepakati": "true",
        "ids": [ids["Jumlah Puskesmas"], ids[SCRIPT_NAME]]})
    assert res.status_code == 200
    assert "alert-success" in res.get_data(as_text=True)
    res = app.post(url("forum_agree"), data={
        "_csrf_token": token, "row": f"false:{ids[NOT_AGREED]}"})
    assert res.status_code == 200
    model.Session.expire_all()
    decided = {i.nama_data: i.disepakati for i in model.Session.query(Item)}
    assert decided["Jumlah Puskesmas"] is True and decided[SCRIPT_NAME] is True
    assert decided[NOT_AGREED] is False
    assert decided["Jumlah Penerima Bansos"] is None


def test_forum_post_without_csrf_is_refused(app, actors, call_as, storage):
    cycle = seeded_cycle(call_as, actors, 5)
    login(app, actors.sekretariat)
    res = app.post(url("forum_agree"), data={
        "disepakati": "true", "ids": [item_ids(cycle["id"])["Jumlah Puskesmas"]]})
    assert res.status_code == 400
    model.Session.expire_all()
    assert model.Session.query(Item).filter(Item.disepakati.isnot(None)).count() == 0


def test_forum_decision_by_a_producer_is_403(app, actors, call_as, storage):
    cycle = seeded_cycle(call_as, actors, 5)
    login(app, actors.produsen)
    token = csrf_token(app, url("forum_page"))
    res = app.post(url("forum_agree"), data={
        "_csrf_token": token, "disepakati": "true",
        "ids": [item_ids(cycle["id"])["Jumlah Puskesmas"]]})
    assert res.status_code == 403


def test_attendance_is_saved_from_step_six(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 5)
    login(app, actors.sekretariat)
    token = csrf_token(app, url("forum_page"))
    res = app.post(url("forum_attendance"), data={
        "_csrf_token": token, "peserta": "Budi; Kabid; Bappeda\nSiti; Staf; BPS"})
    assert res.status_code == 200
    doc = Document.get(Cycle.get(2027).id, "ba_forum")
    assert [p["nama"] for p in doc.peserta] == ["Budi", "Siti"]
    assert doc.nomor is None


def test_draft_agreement_is_printable(app, actors, call_as, storage):
    cycle = seeded_cycle(call_as, actors, 5)
    call_as("satudata_item_agree", actors.sekretariat, cycle_id=2027,
            ids=[item_ids(cycle["id"])["Jumlah Puskesmas"]], disepakati=True)
    login(app, actors.produsen)
    res = app.get(url("draft_cetak"))
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert "DRAFT" in body and "Disepakati" in body
    assert "&lt;script&gt;" in body and "<script>alert" not in body
    assert REJECTED not in body


# --- the documents ------------------------------------------------------------

def test_dokumen_page_has_forms_with_labels_and_csrf(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    login(app, actors.sekretariat)
    res = app.get(url("dokumen"))
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    for jenis in ("ba_desk", "ba_forum", "sk"):
        for field in ("nomor", "tanggal", "tempat", "peserta", "penandatangan",
                      "upload"):
            assert f'for="{jenis}-{field}"' in body
            assert f'id="{jenis}-{field}"' in body
    assert body.count('name="_csrf_token"') >= 6
    assert 'enctype="multipart/form-data"' in body


def test_document_form_saves_and_shows_line_errors(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    login(app, actors.sekretariat)
    token = csrf_token(app, url("dokumen"))
    res = app.post(url("dokumen_update", jenis="ba_desk"), data={
        "_csrf_token": token, "nomor": "N-1", "tanggal": "2026-09-01",
        "tempat": "Bappeda", "peserta": "",
        "penandatangan": "Ahmad; Kepala; 1970\nBudi; Kabid; 19x0"})
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert "2" in body and "NIP" in body
    assert Document.get(Cycle.get(2027).id, "ba_desk") is None  # nothing saved
    res = app.post(url("dokumen_update", jenis="ba_desk"), data={
        "_csrf_token": token, "nomor": "N-1", "tanggal": "2026-09-01",
        "tempat": "Bappeda", "penandatangan": "Ahmad; Kepala; 1970"})
    assert res.status_code == 200
    model.Session.expire_all()
    assert Document.get(Cycle.get(2027).id, "ba_desk").nomor == "N-1"


def test_document_form_refused_before_its_step_says_so(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    login(app, actors.sekretariat)
    token = csrf_token(app, url("dokumen"))
    res = app.post(url("dokumen_update", jenis="sk"), data={
        "_csrf_token": token, "nomor": "N-1"})
    assert res.status_code == 200
    assert "8" in res.get_data(as_text=True)
    assert Document.get(Cycle.get(2027).id, "sk") is None


@pytest.mark.parametrize("jenis", ["ba_desk", "ba_forum", "sk"])
def test_docx_download(app, actors, call_as, storage, jenis):
    seeded_cycle(call_as, actors, 8)
    login(app, actors.produsen)
    res = app.get(url("dokumen_docx", jenis=jenis))
    assert res.status_code == 200
    assert res.headers["Content-Type"] == documents.DOCX_MIMETYPE
    assert documents.filename(jenis, 2027) in res.headers["Content-Disposition"]
    doc = Docx(io.BytesIO(res.data))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert DOC_NUMBERS[jenis] in text
    assert SCRIPT_NAME in text
    assert (REJECTED in text) is (jenis == "ba_desk")


@pytest.mark.parametrize("jenis", ["ba_desk", "ba_forum", "sk"])
def test_printable_views(app, actors, call_as, storage, jenis):
    seeded_cycle(call_as, actors, 8)
    login(app, actors.produsen)
    res = app.get(url("dokumen_cetak", jenis=jenis))
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert DOC_NUMBERS[jenis] in body
    assert "Jumlah Puskesmas" in body and "Jumlah Penerima Bansos" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)</script>" not in body
    assert (NOT_AGREED in body) is (jenis == "ba_desk")


def test_documents_need_a_login(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 8)
    for path in (url("dokumen"), url("dokumen_docx", jenis="sk"),
                 url("dokumen_cetak", jenis="ba_desk"), url("forum_page")):
        assert app.get(path).status_code == 403


def test_signed_pdf_upload_and_download(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 4)
    login(app, actors.sekretariat)
    token = csrf_token(app, url("dokumen"))
    res = app.post(url("dokumen_upload", jenis="ba_desk"), data={
        "_csrf_token": token, "upload": (io.BytesIO(PDF), "BA Désk ttd.pdf")},
        content_type="multipart/form-data")
    assert res.status_code == 200
    assert "alert-success" in res.get_data(as_text=True)
    res = app.get(url("dokumen_pdf", jenis="ba_desk"))
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "application/pdf"
    assert 'filename="BA_Desk_ttd.pdf"' in res.headers["Content-Disposition"] or \
        "BA_Desk_ttd.pdf" in res.headers["Content-Disposition"]
    assert res.data == PDF


def test_refused_upload_shows_the_error_and_writes_nothing(app, actors, call_as,
                                                          storage):
    import os

    seeded_cycle(call_as, actors, 4)
    login(app, actors.sekretariat)
    token = csrf_token(app, url("dokumen"))
    res = app.post(url("dokumen_upload", jenis="ba_desk"), data={
        "_csrf_token": token, "upload": (io.BytesIO(b"hello\n"), "ttd.pdf")},
        content_type="multipart/form-data")
    assert res.status_code == 200
    assert "satudata-error" in res.get_data(as_text=True)
    folder = os.path.join(storage, "storage", "uploads", "satudata_documents")
    assert not os.path.isdir(folder) or os.listdir(folder) == []
    assert Document.get(Cycle.get(2027).id, "ba_desk") is None
    assert app.get(url("dokumen_pdf", jenis="ba_desk")).status_code == 404


# --- anonymous visitors ------------------------------------------------------------

def test_anonymous_sees_nothing_before_publication(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 8)
    dashboard = tk.h.url_for("satudata_planning.dashboard", tahun=2027)
    for path in (dashboard, url("public"), url("dokumen_pdf", jenis="sk"),
                 tk.h.url_for("satudata_planning.daftar", tahun=2027),
                 url("forum_page")):
        assert app.get(path).status_code in (403, 404), path
    assert app.get(tk.h.url_for("satudata_planning.dashboard",
                                tahun=2031)).status_code == 404


def test_anonymous_sees_only_the_sk_and_agreed_rows_after_publication(
        app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 9)
    dashboard = tk.h.url_for("satudata_planning.dashboard", tahun=2027)
    res = app.get(dashboard)
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert DOC_NUMBERS["sk"] in body
    assert "Jumlah Puskesmas" in body and "Jumlah Penerima Bansos" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert NOT_AGREED not in body and REJECTED not in body
    assert "satudata-events" not in body and "satudata-timeline" not in body
    assert DOC_NUMBERS["ba_desk"] not in body
    res = app.get(url("dokumen_pdf", jenis="sk"))
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "application/pdf"
    assert res.data == PDF
    # nothing else of the cycle
    assert app.get(url("dokumen_pdf", jenis="ba_desk")).status_code == 403
    for path in (url("dokumen"), url("dokumen_cetak", jenis="ba_desk"),
                 url("forum_page"), url("dokumen_docx", jenis="ba_desk"),
                 tk.h.url_for("satudata_planning.daftar", tahun=2027),
                 tk.h.url_for("satudata_planning.desk", tahun=2027)):
        res = app.get(path)  # redirected to the public page
        assert res.status_code == 200 and res.request.path == url("public"), path
        body = res.get_data(as_text=True)
        assert NOT_AGREED not in body and DOC_NUMBERS["ba_desk"] not in body


def test_dashboard_links_to_the_new_screens(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 5)
    login(app, actors.sekretariat)
    body = app.get(tk.h.url_for("satudata_planning.dashboard",
                                tahun=2027)).get_data(as_text=True)
    assert url("forum_page") in body and url("dokumen") in body
