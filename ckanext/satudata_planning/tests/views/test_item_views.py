"""The Daftar Data screens: list, row, recommendations, desk (CSRF on)."""

from __future__ import annotations

import io
from typing import Any

import ckan.model as model
import openpyxl

from ckanext.satudata_planning import spreadsheet
from ckanext.satudata_planning.model import Cycle, Item
from ckanext.satudata_planning.tests.web import csrf_token, login

DAFTAR = "/perencanaan/2027/daftar"


def set_step(number: int) -> None:
    c = Cycle.get(2027)
    c.current_step = number
    model.Session.commit()


def propose(call_as, user, org="dinkes", **data) -> dict[str, Any]:
    return call_as(
        "satudata_item_create",
        user,
        cycle_id=2027,
        organization=org,
        **{"nama_data": "Jumlah Puskesmas", **data},
    )


def test_dashboard_links_to_the_list_and_desk(app, actors, cycle):
    login(app, actors.sekretariat)
    body = app.get("/perencanaan/2027").get_data(as_text=True)
    assert 'href="/perencanaan/2027/daftar"' in body
    assert 'href="/perencanaan/2027/desk"' in body
    login(app, actors.produsen)
    body = app.get("/perencanaan/2027").get_data(as_text=True)
    assert 'href="/perencanaan/2027/daftar"' in body
    assert 'href="/perencanaan/2027/desk"' not in body


def test_list_for_an_opd_with_own_rows_first_and_escaped_text(
    app, actors, call_as, cycle
):
    propose(call_as, actors.produsen_lain, org="dinsos", nama_data="Aaa Panti")
    propose(call_as, actors.produsen, nama_data="<script>alert(1)</script>")
    login(app, actors.produsen)
    res = app.get(DAFTAR)
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert body.index("2027-DINKES-001") < body.index("2027-DINSOS-001")
    assert 'class="satudata-item-form"' in body
    assert 'name="upload"' in body
    # every field of the add form has a label
    for key in ("nama_data", "frekuensi", "jadwal_rilis"):
        assert f'for="add-{key}"' in body
    # the checkboxes: each labelled, the group named by the field's label
    assert 'for="add-kategori_sumber-1"' in body
    assert 'aria-labelledby="add-kategori_sumber-label"' in body


def test_list_filters_and_paging(app, actors, call_as, cycle):
    for i in range(55):
        propose(call_as, actors.produsen, nama_data=f"Data {i:02d}")
    login(app, actors.anggota)
    body = app.get(DAFTAR).get_data(as_text=True)
    assert body.count('class="satudata-item') == 50
    assert "page=2" in body
    body = app.get(DAFTAR + "?page=2").get_data(as_text=True)
    assert body.count('class="satudata-item') == 5
    body = app.get(DAFTAR + "?q=Data+07").get_data(as_text=True)
    assert body.count('class="satudata-item') == 1
    assert 'class="satudata-item-form"' not in body  # a reader adds nothing


def test_anonymous_gets_403_before_publication(app, actors, cycle):
    assert app.get(DAFTAR).status_code == 403
    assert app.get("/perencanaan/2027/desk").status_code == 403
    assert app.get(DAFTAR + "/ekspor").status_code == 403


def test_perbaikan_box(app, actors, call_as, cycle):
    item = propose(call_as, actors.produsen, nama_data="Perlu diperbaiki ini")
    set_step(4)
    call_as(
        "satudata_item_review",
        actors.walidata,
        id=item["id"],
        hasil="perbaikan",
        catatan="Lengkapi <b>definisi</b>",
    )
    login(app, actors.produsen)
    body = app.get(DAFTAR).get_data(as_text=True)
    assert "satudata-perbaikan" in body
    assert "Lengkapi &lt;b&gt;definisi&lt;/b&gt;" in body
    login(app, actors.produsen_lain)
    assert "satudata-perbaikan" not in app.get(DAFTAR).get_data(as_text=True)


def test_add_row_by_form(app, actors, cycle):
    login(app, actors.produsen)
    token = csrf_token(app, DAFTAR)
    res = app.post(
        DAFTAR,
        data={
            "_csrf_token": token,
            "nama_data": "Jumlah Bidan",
            "organization": "dinkes",
            "frekuensi": "tahunan",
            "kategori_sumber": ["sdgs", "spm"],
        },
    )
    assert res.status_code == 200
    item = model.Session.query(Item).one()
    assert item.kode_data == "2027-DINKES-001"
    assert item.kategori_sumber == ["sdgs", "spm"]
    # a form error is shown on its field and nothing is written
    res = app.post(
        DAFTAR,
        data={
            "_csrf_token": token,
            "nama_data": "X",
            "organization": "dinkes",
            "frekuensi": "kadang",
        },
    )
    assert res.status_code == 200
    assert "invalid-feedback" in res.get_data(as_text=True)
    assert model.Session.query(Item).count() == 1


def test_add_row_without_csrf_is_refused(app, actors, cycle):
    app.post(DAFTAR, data={"nama_data": "x"})  # anonymous: CKAN's exemption
    login(app, actors.produsen)
    res = app.post(DAFTAR, data={"nama_data": "X", "organization": "dinkes"})
    assert res.status_code == 400
    assert model.Session.query(Item).count() == 0


def test_add_row_for_another_opd_is_403(app, actors, cycle):
    login(app, actors.produsen)
    token = csrf_token(app, DAFTAR)
    res = app.post(
        DAFTAR, data={"_csrf_token": token, "nama_data": "X", "organization": "dinsos"}
    )
    assert res.status_code == 403
    assert model.Session.query(Item).count() == 0
    # the form again, with the message and what was typed
    assert 'class="satudata-item-form"' in res.get_data(as_text=True)


def test_import_form_shows_every_error(app, actors, cycle):
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template()))
    ws = wb[spreadsheet.SHEET_DATA]
    ws["C2"], ws["D2"] = "Baik", "dinkes"
    ws["C3"], ws["D3"] = "Salah", "dinsos"
    out = io.BytesIO()
    wb.save(out)
    login(app, actors.produsen)
    token = csrf_token(app, DAFTAR)
    res = app.post(
        DAFTAR + "/impor",
        data={"_csrf_token": token, "upload": (io.BytesIO(out.getvalue()), "d.xlsx")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert "satudata-import-errors" in body
    assert "dinsos" in body
    assert model.Session.query(Item).count() == 0
    ws["D3"] = "dinkes"
    out = io.BytesIO()
    wb.save(out)
    res = app.post(
        DAFTAR + "/impor",
        data={"_csrf_token": token, "upload": (io.BytesIO(out.getvalue()), "d.xlsx")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 200
    assert model.Session.query(Item).count() == 2


def test_import_without_csrf_is_refused(app, actors, cycle):
    app.post(DAFTAR + "/impor", data={})
    login(app, actors.produsen)
    res = app.post(
        DAFTAR + "/impor",
        data={"upload": (io.BytesIO(b"x"), "d.xlsx")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 400


def test_export_and_template(app, actors, call_as, cycle):
    propose(call_as, actors.produsen, nama_data="Satu")
    propose(call_as, actors.produsen_lain, org="dinsos", nama_data="Dua")
    login(app, actors.anggota)
    res = app.get(DAFTAR + "/ekspor?organization=dinkes")
    assert res.status_code == 200
    assert res.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        res.headers["Content-Disposition"]
        == 'attachment; filename="daftar-data-2027.xlsx"'
    )
    ws = openpyxl.load_workbook(io.BytesIO(res.data))[spreadsheet.SHEET_DATA]
    assert [r[2] for r in ws.iter_rows(min_row=2, values_only=True)] == ["Satu"]
    login(app, actors.produsen)
    res = app.get(DAFTAR + "/templat")
    assert res.status_code == 200
    assert "templat-daftar-data-2027.xlsx" in res.headers["Content-Disposition"]
    assert spreadsheet.parse(res.data).messages() != []  # an empty template


def test_row_page_edit_and_history(app, actors, call_as, cycle):
    item = propose(call_as, actors.produsen, nama_data="Jumlah <i>Bidan</i>")
    url = f"{DAFTAR}/{item['kode_data']}"
    login(app, actors.anggota)
    body = app.get(url).get_data(as_text=True)
    assert "Jumlah &lt;i&gt;Bidan&lt;/i&gt;" in body
    assert "satudata-edit" not in body
    assert "satudata-history" in body
    login(app, actors.produsen)
    token = csrf_token(app, url)
    res = app.post(
        url,
        data={
            "_csrf_token": token,
            "revision": "1",
            "nama_data": "Jumlah Bidan",
            "organization": "dinkes",
            "satuan": "orang",
        },
    )
    assert res.status_code == 200
    model.Session.expire_all()
    row = model.Session.get(Item, item["id"])
    assert row.satuan == "orang" and row.revision == 2
    # a stale form says someone else changed it; nothing is lost
    res = app.post(
        url,
        data={
            "_csrf_token": token,
            "revision": "1",
            "nama_data": "Lama",
            "organization": "dinkes",
        },
    )
    body = res.get_data(as_text=True)
    assert "satudata-form-errors" in body
    model.Session.expire_all()
    assert model.Session.get(Item, item["id"]).nama_data == "Jumlah Bidan"
    assert app.get(f"{DAFTAR}/2027-X-404").status_code == 404


def test_row_edit_by_another_opd_is_403(app, actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    url = f"{DAFTAR}/{item['kode_data']}"
    login(app, actors.produsen_lain)
    token = csrf_token(app, url)
    res = app.post(
        url, data={"_csrf_token": token, "nama_data": "Rebut", "organization": "dinkes"}
    )
    assert res.status_code == 403
    res = app.post(url + "/hapus", data={"_csrf_token": token})
    assert res.status_code == 403
    login(app, actors.produsen)
    token = csrf_token(app, url)
    assert app.post(url + "/hapus", data={"_csrf_token": token}).status_code == 200
    model.Session.expire_all()
    assert model.Session.get(Item, item["id"]).state == "deleted"


def test_recommendation_page(app, actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    set_step(2)
    login(app, actors.produsen)
    assert app.get("/perencanaan/2027/rekomendasi").status_code == 403
    login(app, actors.pembina)
    url = "/perencanaan/2027/rekomendasi"
    token = csrf_token(app, url)
    res = app.post(
        url,
        data={"_csrf_token": token, "item_id": item["id"], "isi": "Pakai <b>SDS</b>"},
    )
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert "Pakai &lt;b&gt;SDS&lt;/b&gt;" in body
    res = app.post(url, data={"isi": "tanpa token"})
    assert res.status_code == 400
    assert (
        len(call_as("satudata_recommendation_list", actors.pembina, cycle_id=2027)) == 1
    )


def test_desk_review_and_duplicates_panel(app, actors, call_as, cycle):
    a = propose(call_as, actors.produsen, nama_data="Jumlah Tempat Tidur Rumah Sakit")
    b = propose(
        call_as, actors.produsen_lain, org="dinsos", nama_data="Jumlah Tempat Tidur RS"
    )
    set_step(4)
    login(app, actors.produsen)
    assert app.get("/perencanaan/2027/desk").status_code == 403
    login(app, actors.sekretariat)
    url = "/perencanaan/2027/desk"
    res = app.get(url)
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert body.count('class="satudata-pair ') == 1
    assert "satudata-hasil-btn" in body
    token = csrf_token(app, url)
    res = app.post(
        f"{url}/{a['kode_data']}/hasil",
        data={"_csrf_token": token, "hasil": "disetujui"},
    )
    assert res.status_code == 200
    model.Session.expire_all()
    assert model.Session.get(Item, a["id"]).hasil == "disetujui"
    res = app.post(
        f"{url}/bukan-duplikat",
        data={"_csrf_token": token, "item_a": a["id"], "item_b": b["id"]},
    )
    assert res.status_code == 200
    assert 'class="satudata-pair ' not in res.get_data(as_text=True)
    # without the token nothing changes
    assert (
        app.post(f"{url}/{b['kode_data']}/hasil", data={"hasil": "ditolak"}).status_code
        == 400
    )
    model.Session.expire_all()
    assert model.Session.get(Item, b["id"]).hasil is None


def test_desk_pages_on_the_server_and_a_review_returns_to_its_page(
    app, actors, call_as, cycle
):
    """The desk lists 50 rows a page (not the whole list with a form each)."""
    from ckanext.satudata_planning.tests.factories import add_item

    for n in range(55):
        add_item(cycle["id"], "dinkes", kode_data=f"2027-DINKES-{n:03d}")
    set_step(4)
    login(app, actors.sekretariat)
    first = app.get("/perencanaan/2027/desk").get_data(as_text=True)
    assert first.count('class="satudata-review"') == 50
    assert "55 butir" in first or "55 baris" in first
    second = app.get("/perencanaan/2027/desk?page=2").get_data(as_text=True)
    assert second.count('class="satudata-review"') == 5
    assert "2027-DINKES-054" in second and "2027-DINKES-000" not in second
    assert 'name="page" value="2"' in second
    token = csrf_token(app, "/perencanaan/2027/desk?page=2")
    res = app.post(
        "/perencanaan/2027/desk/2027-DINKES-054/hasil",
        data={"_csrf_token": token, "hasil": "disetujui", "page": "2"},
        follow_redirects=False,
    )
    assert res.status_code == 302
    item = call_as("satudata_item_show", actors.walidata, id="2027-DINKES-054")
    assert res.headers["Location"].endswith(
        f"/perencanaan/2027/desk?page=2#butir-{item['id']}")  # back at the row
    for junk in ("x", "-3", "99999999999999999999"):
        assert app.get(f"/perencanaan/2027/desk?page={junk}").status_code == 200


def test_walidata_carries_over_last_year_s_agreed_rows_from_the_list_page(
    app, actors, call_as, cycle
):
    """Step 1's carry-over has its button: the agreed rows of an earlier year
    come in once; the OPD sees no button and may not post."""
    from ckanext.satudata_planning.tests.factories import add_item

    old = call_as("satudata_cycle_create", actors.walidata, tahun=2026)
    add_item(old["id"], "dinkes", kode_data="2026-DINKES-001", disepakati=True,
             hasil="disetujui", nama_data="Jumlah Puskesmas")
    add_item(old["id"], "dinkes", kode_data="2026-DINKES-002", disepakati=False,
             hasil="disetujui", nama_data="Jumlah Klinik")
    login(app, actors.produsen)
    assert 'id="salin"' not in app.get("/perencanaan/2027/daftar").get_data(
        as_text=True
    )
    token = csrf_token(app, "/perencanaan/2027/daftar")
    refused = app.post(
        "/perencanaan/2027/daftar/salin",
        data={"_csrf_token": token, "from_tahun": "2026"},
    )
    assert refused.status_code == 403

    login(app, actors.walidata)
    page = app.get("/perencanaan/2027/daftar").get_data(as_text=True)
    assert 'id="salin"' in page and '<option value="2026">2026</option>' in page
    token = csrf_token(app, "/perencanaan/2027/daftar")
    for _twice in range(2):
        res = app.post(
            "/perencanaan/2027/daftar/salin",
            data={"_csrf_token": token, "from_tahun": "2026"},
            follow_redirects=True,
        )
        assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert "0 butir data yang disepakati disalin dari Daftar Data 2026" in body
    assert "(1 sudah ada di daftar ini)" in body
    rows = call_as("satudata_item_list", actors.walidata, cycle_id=2027)["results"]
    assert [(r["kode_data"], r["status_usulan"]) for r in rows] == [
        ("2026-DINKES-001", "lama")
    ]
    bad = app.post(
        "/perencanaan/2027/daftar/salin",
        data={"_csrf_token": token, "from_tahun": "2031"},
        follow_redirects=True,
    )
    assert "Tidak ada siklus perencanaan lain untuk tahun 2031" in bad.get_data(
        as_text=True
    )
