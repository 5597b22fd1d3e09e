"""The dataset page's data table box: unit and definition, the OPD's
template download and import; nobody else sees the import."""
from __future__ import annotations

import io
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from openpyxl import load_workbook

from ckanext.satudata_planning.tests.tables.conftest import filled as _filled
from ckanext.satudata_planning.tests.tables.conftest import total as _total
from ckanext.satudata_planning.tests.web import csrf_token, login

pytestmark = [
    pytest.mark.ckan_config("ckanext.satudata_planning.data_tables", "true"),
    pytest.mark.skipif(not tk.config.get("ckan.datastore.write_url"),
                       reason="the DataStore's databases are not configured"),
    pytest.mark.usefixtures("with_plugins", "clean_datastore"),
]


def test_opd_downloads_fills_and_imports(app: Any, actors, call_as, dataset):
    page = f"/dataset/{dataset['id']}"
    login(app, actors.produsen)
    html = app.get(page).get_data(as_text=True)
    assert "satudata-data-table" in html and "satudata-satuan" in html
    assert "Definisi data 1" in html
    res = app.get(f"/perencanaan/tabel/{dataset['id']}/templat.xlsx")
    assert res.status_code == 200
    wb = load_workbook(io.BytesIO(res.data))
    assert wb["Data"].max_row == 1 + 27 * 12
    token = csrf_token(app, page)
    res = app.post(f"/perencanaan/tabel/{dataset['id']}/impor", data={
        "_csrf_token": token,
        "upload": (io.BytesIO(_filled(dataset["item"])), "isian.xlsx")},
        content_type="multipart/form-data", follow_redirects=True)
    assert res.status_code == 200
    assert "324 rekaman diimpor" in res.get_data(as_text=True)
    assert _total(call_as, actors, dataset["resource_id"]) == 324
    bad = _filled(dataset["item"], {(3, 5): -4})
    res = app.post(f"/perencanaan/tabel/{dataset['id']}/impor", data={
        "_csrf_token": csrf_token(app, page),
        "upload": (io.BytesIO(bad), "isian.xlsx")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Baris 3, kolom Nilai: di bawah batas minimum 0" in res.get_data(
        as_text=True)


def test_walidata_reads_without_the_import_form_other_opds_refused(
        app: Any, actors, dataset):
    login(app, actors.pembina)
    html = app.get(f"/dataset/{dataset['id']}").get_data(as_text=True)
    assert "satudata-data-table" in html and "satudata-table-import" not in html
    login(app, actors.produsen_lain)
    res = app.get(f"/perencanaan/tabel/{dataset['id']}/templat.xlsx")
    assert res.status_code == 403
