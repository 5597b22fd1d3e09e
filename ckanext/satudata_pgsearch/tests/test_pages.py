"""CKAN's own pages and counts, with no Solr anywhere."""

from __future__ import annotations

import pytest
from ckan.tests import helpers

pytestmark = pytest.mark.usefixtures("with_plugins")


def test_organization_dataset_counts(catalog):
    orgs = helpers.call_action("organization_list", all_fields=True)
    assert {o["name"]: o["package_count"] for o in orgs} == {"dinkes": 2, "dinsos": 1}
    shown = helpers.call_action("organization_show", id="dinkes")
    assert shown["package_count"] == 2


def test_home_dataset_and_organization_pages(app, catalog):
    assert app.get("/").status_code == 200
    page = app.get("/dataset/")
    assert page.status_code == 200
    for title in ("Jumlah Pendidik menurut Sekolah", "Peta Jalan Kota"):
        assert title in page.body
    page = app.get("/dataset/?q=pendidikan&jenis_data=statistik_sektoral")
    assert page.status_code == 200
    assert "Jumlah Pendidik menurut Sekolah" in page.body
    assert "Peta Jalan Kota" not in page.body
    page = app.get("/organization/dinkes")
    assert page.status_code == 200
    assert "Jumlah Pendidik menurut Sekolah" in page.body
    assert "Jumlah Penduduk menurut Kecamatan" not in page.body


def test_dataset_page_never_answers_500_for_bad_syntax(app, catalog):
    assert app.get("/dataset/?q=((").status_code == 200
    page = app.get("/dataset/?q=title:((")
    assert page.status_code == 200
    assert 'id="search-error"' in page.body
