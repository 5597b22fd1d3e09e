"""The screens after step 10: "Periksa & terbitkan", the dataset's page and
edit form, the organization page, "Data yang harus diisi"."""
from __future__ import annotations

import re
from typing import Any

import ckan.model as model
import pytest

from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)
from ckanext.satudata_planning.tests.web import csrf_token, login

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture
def datasets(actors: Any, call_as: Any) -> dict[str, dict[str, Any]]:
    """Two private datasets of dinkes made by step 10 (the first with data)."""
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    items = agreed_rows(cycle["id"], "dinkes", 2)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    model.Session.expire_all()
    shown = []
    for item in items:
        row = model.Session.get(Item, item.id)
        assert row is not None
        shown.append(call_as("package_show", actors.sysadmin, id=row.package_id))
    call_as("resource_create", actors.produsen, package_id=shown[0]["id"],
            name="Data 2027", url="http://example.com/data.csv")
    return {"filled": shown[0], "empty": shown[1]}


def test_walidata_sees_the_opds_private_datasets_on_its_page(app, actors, datasets):
    for who, sees in ((actors.walidata, True), (actors.pembina, True),
                      (actors.produsen_lain, False)):
        login(app, who)
        page = app.get("/organization/dinkes").get_data(as_text=True)
        assert (datasets["filled"]["title"] in page) is sees, who["name"]
        res = app.get(f"/dataset/{datasets['filled']['name']}")
        assert res.status_code == (200 if sees else 404), who["name"]


def test_the_edit_form_shows_the_keys_read_only_and_no_visibility_or_delete(
        app, actors, datasets):
    name, package_id = datasets["filled"]["name"], datasets["filled"]["id"]
    login(app, actors.produsen)
    page = app.get(f"/dataset/edit/{name}").get_data(as_text=True)
    assert 'id="dataset-edit"' in page
    kode = re.search(r'<input[^>]*id="field-kode_data"[^>]*>', page)
    assert kode and "readonly" in kode.group(0)
    assert re.search(r'<input[^>]*id="field-tahun"[^>]*readonly', page)
    assert 'name="private"' not in page and "Visibilitas" in page
    assert f"/dataset/delete/{package_id}" not in page
    # saving the form as it is works and changes none of them
    token = csrf_token(app, f"/dataset/edit/{name}")
    form = {"_csrf_token": token, "title": "Judul diubah OPD", "name": name,
            "owner_org": datasets["filled"]["owner_org"],
            "kode_data": "2027-DINKES-001", "tahun": "2027",
            "nomor_sk": datasets["filled"]["nomor_sk"],
            "satudata_item_id": datasets["filled"]["satudata_item_id"], "save": ""}
    res = app.post(f"/dataset/edit/{name}", data=form, follow_redirects=False)
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    pkg = model.Package.get(name)
    assert pkg is not None and pkg.title == "Judul diubah OPD" and pkg.private
    assert pkg.extras["kode_data"] == "2027-DINKES-001"
    # a sysadmin keeps CKAN's form
    login(app, actors.sysadmin)
    page = app.get(f"/dataset/edit/{name}").get_data(as_text=True)
    assert 'name="private"' in page and f"/dataset/delete/{package_id}" in page


def test_the_dataset_page_shows_the_status_and_submits(app, actors, datasets,
                                                       call_as):
    name = datasets["filled"]["name"]
    login(app, actors.produsen)
    page = app.get(f"/dataset/{name}").get_data(as_text=True)
    assert "Pemeriksaan oleh Walidata" in page and "Terisi, belum diajukan" in page
    assert f"/perencanaan/2027/periksa/{name}/ajukan" in page
    empty = app.get(f"/dataset/{datasets['empty']['name']}").get_data(as_text=True)
    assert "/ajukan" not in empty and "Kosong" in empty
    token = csrf_token(app, f"/dataset/{name}")
    res = app.post(f"/perencanaan/2027/periksa/{name}/ajukan",
                   data={"_csrf_token": token, "catatan": "Mohon diperiksa",
                         "kembali": "https://evil.example/"},
                   follow_redirects=False)
    assert res.status_code == 302
    assert res.headers["Location"].endswith(f"/dataset/{name}")
    assert call_as("satudata_verification_show", actors.walidata,
                   id=name)["status"] == "diajukan"
    # the Walidata sees it waiting, opens it and returns it with a note
    login(app, actors.walidata)
    queue = app.get("/perencanaan/2027/periksa").get_data(as_text=True)
    assert f'id="periksa-{name}"' in queue
    assert datasets["empty"]["name"] not in queue  # not waiting: filtered out
    detail = app.get(f"/perencanaan/2027/periksa/{name}").get_data(as_text=True)
    assert "Data 2027" in detail and "Mohon diperiksa" in detail
    assert 'name="hasil" value="diterima"' in detail
    token = csrf_token(app, f"/perencanaan/2027/periksa/{name}")
    refused = app.post(f"/perencanaan/2027/periksa/{name}",
                       data={"_csrf_token": token, "hasil": "perbaikan"})
    assert refused.status_code == 200
    assert "Tuliskan dalam catatan" in refused.get_data(as_text=True)
    res = app.post(f"/perencanaan/2027/periksa/{name}",
                   data={"_csrf_token": token, "hasil": "perbaikan",
                         "catatan": "Tambahkan data per kecamatan"},
                   follow_redirects=False)
    assert res.status_code == 302
    # the OPD sees the note on its dashboard's "Data yang harus diisi"
    login(app, actors.produsen)
    board = app.get("/perencanaan/2027").get_data(as_text=True)
    assert "Tambahkan data per kecamatan" in board
    assert "Dikembalikan untuk perbaikan" in board


def test_the_screens_refuse_who_may_not(app, actors, datasets):
    name = datasets["filled"]["name"]
    assert app.get("/perencanaan/2027/periksa").status_code == 403
    login(app, actors.produsen_lain)
    assert app.get(f"/perencanaan/2027/periksa/{name}").status_code == 403
    page = app.get("/perencanaan/2027/periksa").get_data(as_text=True)
    assert name not in page
    login(app, actors.produsen)
    token = csrf_token(app, "/perencanaan/2027")
    res = app.post(f"/perencanaan/2027/periksa/{name}",
                   data={"_csrf_token": token, "hasil": "diterima"})
    assert res.status_code == 403


def test_the_walidatas_own_todo_list_has_no_other_opds_datasets(app, actors,
                                                                datasets):
    login(app, actors.walidata)
    board = app.get("/perencanaan/2027").get_data(as_text=True)
    assert datasets["filled"]["name"] not in board
    assert "/resource/new" not in board
