"""The screens as civil servants use them: the dashboard's to-do box names
and links the concrete work, dates in Indonesian, steps collapsed, the
confirmations, the BA forum's attendance, the tables at phone widths."""
from __future__ import annotations

import re

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_planning.model import Cycle
from ckanext.satudata_planning.tests.factories import seeded_cycle
from ckanext.satudata_planning.tests.views.test_item_views import propose, set_step
from ckanext.satudata_planning.tests.web import csrf_token, login

DASHBOARD = "/perencanaan/2027"
MONTHS = ("Januari Februari Maret April Mei Juni Juli Agustus September Oktober "
          "November Desember").split()


def test_todo_links_to_a_returned_row(app, actors, call_as, cycle):
    row = propose(call_as, actors.produsen, nama_data="Jumlah Puskesmas Rawat Inap")
    set_step(4)
    call_as("satudata_item_review", actors.walidata, id=row["id"], hasil="perbaikan",
            catatan="Lengkapi definisi")
    login(app, actors.produsen)
    body = app.get(DASHBOARD).get_data(as_text=True)
    todo = body[body.index('class="satudata-todo'):]
    todo = todo[:todo.index("</section>")]
    assert 'class="satudata-todo-revise"' in todo
    assert "dikembalikan" in todo or "sent back" in todo
    detail = tk.h.url_for("satudata_planning.item_detail", tahun=2027,
                          kode=row["kode_data"])
    assert f'href="{detail}"' in todo
    assert "hasil=perbaikan" in todo
    # the row also lacks what the desk asks for
    assert 'class="satudata-todo-incomplete"' in todo


def test_dates_in_indonesian_and_steps_collapsed(app, actors, call_as, cycle):
    login(app, actors.produsen)  # step 1: "propose your data by <date>"
    body = app.get(DASHBOARD).get_data(as_text=True)
    todo = body[body.index('class="satudata-todo'):]
    todo = todo[:todo.index("</section>")]
    assert not re.search(r"\d{4}-\d\d-\d\d", todo)
    assert any(month in todo for month in MONTHS)
    assert body.count('<details class="card-body satudata-step-details"') == 10
    assert body.count('satudata-step-details" open>') == 1  # the current step
    assert f'href="{tk.h.url_for("satudata_planning.daftar", tahun=2027)}"' in todo


def test_completing_a_step_and_publishing_ask_first(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 8)
    login(app, actors.walidata)
    body = app.get(DASHBOARD).get_data(as_text=True)
    form = body[body.index('class="satudata-complete-step'):]
    assert 'data-module="confirm-action"' in form[:form.index("</form>")]
    page = app.get(tk.h.url_for("satudata_forum.dokumen", tahun=2027))
    text = page.get_data(as_text=True)
    publish = text[text.index('class="satudata-publish"'):]
    assert 'data-module="confirm-action"' in publish[:publish.index("</form>")]


def test_the_desk_is_warned_of_rows_the_annex_prints_empty(app, actors, call_as, cycle):
    propose(call_as, actors.produsen, nama_data="Jumlah Bidan")
    set_step(4)
    login(app, actors.sekretariat)
    body = app.get(DASHBOARD).get_data(as_text=True)
    assert 'class="satudata-todo-annex"' in body
    assert "Jadwal Rilis" in body and "Kategori Sumber" in body


def test_the_ba_forum_lists_the_attendance(app, actors, call_as, storage):
    seeded_cycle(call_as, actors, 5)
    login(app, actors.sekretariat)
    token = csrf_token(app, tk.h.url_for("satudata_forum.forum_page", tahun=2027))
    app.post(tk.h.url_for("satudata_forum.forum_attendance", tahun=2027), data={
        "_csrf_token": token, "peserta": "Budi Santoso; Kabid; Bappeda"})
    printed = app.get(tk.h.url_for("satudata_forum.dokumen_cetak", tahun=2027,
                                   jenis="ba_forum")).get_data(as_text=True)
    hadir = printed[printed.index("satudata-daftar-hadir"):]
    assert "DAFTAR HADIR" in hadir and "Budi Santoso" in hadir and "Bappeda" in hadir


def test_tables_stack_at_phone_widths(app, actors, call_as, cycle):
    propose(call_as, actors.produsen)
    set_step(4)
    login(app, actors.walidata)
    for path in ("/daftar", "/desk"):
        body = app.get(DASHBOARD + path).get_data(as_text=True)
        assert "satudata-stack" in body and 'data-label="' in body
        assert "_satudata.css" in body or "satudata.css" in body
    c = Cycle.get(2027)
    c.current_step = 6
    model.Session.commit()


def test_add_form_limits_and_preselects_the_producer(app, actors, call_as, cycle):
    login(app, actors.produsen)  # an editor of dinkes only
    body = app.get(DASHBOARD + "/daftar").get_data(as_text=True)
    form = body[body.index('class="satudata-item-form"'):]
    form = form[:form.index("</form>")]
    select = form[form.index('id="add-organization"'):]
    select = select[:select.index("</select>")]
    assert select.count("<option") == 1
    assert 'value="dinkes" selected' in select
    # Kategori Sumber as checkboxes, the template's instructions as help
    assert 'type="checkbox" id="add-kategori_sumber-1" name="kategori_sumber"' in form
    assert 'class="form-text satudata-form-help" id="add-kode_data-help"' in form


def test_a_refused_producer_keeps_what_was_typed(app, actors, call_as, cycle):
    login(app, actors.produsen)
    token = csrf_token(app, DASHBOARD + "/daftar")
    res = app.post(DASHBOARD + "/daftar", data={
        "_csrf_token": token, "nama_data": "Jumlah Kader Posyandu Aktif",
        "organization": "dinsos", "definisi": "Kader yang aktif setiap bulan",
        "kategori_sumber": ["sdgs"]})
    assert res.status_code == 403
    body = res.get_data(as_text=True)
    assert 'value="Jumlah Kader Posyandu Aktif"' in body
    assert "Kader yang aktif setiap bulan" in body
    assert 'class="invalid-feedback d-block"' in body
