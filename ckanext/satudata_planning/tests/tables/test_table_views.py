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


def test_public_sees_table_chart_and_downloads_once_public(
        app: Any, actors, call_as, dataset):
    call_as("satudata_table_import", actors.produsen, id=dataset["id"],
            upload=_filled(dataset["item"]))
    paths = [f"/perencanaan/tabel/{dataset['id']}/grafik.svg",
             f"/perencanaan/tabel/{dataset['id']}/data.xlsx",
             f"/datastore/dump/{dataset['resource_id']}"]
    app.client = app.test_client()  # anonymous
    for path in paths:
        assert app.get(path).status_code in (403, 404), path
    call_as("satudata_dataset_submit", actors.produsen, id=dataset["id"])
    call_as("satudata_dataset_review", actors.walidata, id=dataset["id"],
            hasil="diterima")
    svg = app.get(paths[0])
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith(
        "image/svg+xml")
    assert "Medono" in svg.get_data(as_text=True)
    xlsx = app.get(paths[1])
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.data))["Data"].iter_rows(
        values_only=True))
    assert len(rows) == 1 + 324 and rows[0][0] == "Kode Wilayah"
    assert app.get(paths[2]).status_code == 200
    html = app.get(f"/dataset/{dataset['id']}").get_data(as_text=True)
    assert "satudata-table-chart" in html and "satudata-download-csv" in html
    assert "satudata-table-import" not in html
