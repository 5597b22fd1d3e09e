"""A kode_data with "/" or other URL-special characters on every screen.

Government codes such as ``1.02/DINKES/001`` carry slashes; a code may also
hold ``?``, ``#``, ``%``, spaces or accents. Each row must open, save, be
reviewed at the desk and be deleted through the URLs the screens build, and
step 10 must give two rows whose codes make the same dataset name a dataset
each, the same on every run.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import unquote, urlsplit

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import helpers
from markupsafe import escape

from ckanext.satudata_planning import provisioning as provision
from ckanext.satudata_planning.model import Cycle, Item
from ckanext.satudata_planning.tests.factories import (
    agreed_rows,
    cycle_at_step_10,
    dataset_counts,
)
from ckanext.satudata_planning.tests.web import csrf_token, login

DAFTAR = "/perencanaan/2027/daftar"
DESK = "/perencanaan/2027/desk"

#: every one has a "/" (a 404 before the kode routes took it), with one more
#: URL-special character each; "impor" and ".../hapus" are the routes' own words
SCREEN_CODES = [
    "1.02/DINKES/001",
    "1.02/DINKES?versi=2",
    "1.02/DINKES#7",
    "1.02/Capaian 100%",
    "1.02/Data Sekolah Dasar",
    "1.02/Dinkés/é-01",
    "impor",
    "1.02/hapus",
]

#: codes a path cannot carry as they are (empty or dot segments, the
#: escape character, the static siblings' names): they must round-trip too
ODD_CODES = [
    *SCREEN_CODES,
    "a//b",
    "/depan",
    "belakang/",
    ".",
    "..",
    "a/./b",
    "a/../b",
    "~",
    "~7E",
    "~2F",
    "a~",
    "%2F",
    "a%2Fb",
    "ekspor",
    "templat",
    "bukan-duplikat",
    "x/hasil",
    "x/hapus/y",
    "Nomor 5 ? # %",
    "a\nb",
    "1.02/a\tb",
]

ENDPOINTS = {
    "satudata_planning.item_detail": ("GET", "POST"),
    "satudata_planning.item_delete": ("POST",),
    "satudata_planning.desk_review": ("POST",),
}


def _url(app: Any, endpoint: str, kode: str) -> str:
    with app.flask_app.test_request_context():
        return tk.h.url_for(endpoint, tahun=2027, kode=kode)


def _browser_path(url: str) -> str:
    """What a browser sends and the server routes: the path, dot segments
    refused (a browser would resolve them), then percent-decoded."""
    path = urlsplit(url).path
    segments = path.split("/")[1:]
    for segment in segments:
        assert segment.lower() not in ("", ".", "..", "%2e", "%2e%2e", ".%2e", "%2e.")
    assert "\\" not in path
    return unquote(path)


def _set_step(number: int) -> None:
    cycle = Cycle.get(2027)
    cycle.current_step = number
    model.Session.commit()


def _row(kode: str) -> Item:
    model.Session.expire_all()
    return model.Session.query(Item).filter(Item.kode_data == kode).one()


# --- the URLs ------------------------------------------------------------------------


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("kode", ODD_CODES)
def test_every_kode_round_trips_through_url_for(app, kode):
    adapter = app.flask_app.url_map.bind(urlsplit(tk.config["ckan.site_url"]).netloc)
    for endpoint, methods in ENDPOINTS.items():
        url = _url(app, endpoint, kode)
        assert "?" not in url and "#" not in url
        path = _browser_path(url)
        for method in methods:
            assert adapter.match(path, method=method) == (
                endpoint,
                {"tahun": 2027, "kode": kode},
            ), (url, method)


@pytest.mark.usefixtures("with_plugins")
def test_ordinary_codes_keep_their_urls(app):
    assert _url(app, "satudata_planning.item_detail", "2027-DINKES-001") == (
        f"{DAFTAR}/2027-DINKES-001"
    )
    assert _url(app, "satudata_planning.item_delete", "1.02/DINKES/001") == (
        f"{DAFTAR}/1.02/DINKES/001/hapus"
    )
    assert _url(app, "satudata_planning.desk_review", "1.02/Dinkés 1") == (
        f"{DESK}/1.02/Dink%C3%A9s%201/hasil"
    )
    # a code the path cannot carry as it is: one "~" segment
    assert _url(app, "satudata_planning.item_detail", "impor") == f"{DAFTAR}/~impor"
    assert _url(app, "satudata_planning.item_detail", "a//b") == f"{DAFTAR}/~a~2F~2Fb"


@pytest.mark.usefixtures("with_plugins")
def test_static_siblings_win_over_the_kode_routes(app):
    adapter = app.flask_app.url_map.bind(urlsplit(tk.config["ckan.site_url"]).netloc)
    assert adapter.match(f"{DAFTAR}/impor", method="POST")[0] == (
        "satudata_planning.daftar_import"
    )
    assert adapter.match(f"{DAFTAR}/ekspor")[0] == "satudata_planning.daftar_export"
    assert adapter.match(f"{DAFTAR}/templat")[0] == "satudata_planning.daftar_template"
    assert adapter.match(f"{DESK}/bukan-duplikat", method="POST")[0] == (
        "satudata_planning.desk_ignore"
    )
    assert adapter.match(f"{DAFTAR}/1.02/x/hapus", method="POST") == (
        "satudata_planning.item_delete",
        {"tahun": 2027, "kode": "1.02/x"},
    )


# --- the screens, as a logged-in person -----------------------------------------------


def _action(body: str, form_class: str) -> str:
    match = re.search(
        rf'<form method="post" class="{form_class}[^"]*" action="([^"]+)"', body
    )
    assert match, f"no {form_class} form"
    return html.unescape(match.group(1))


@pytest.mark.parametrize("kode", SCREEN_CODES)
def test_open_edit_review_and_delete_a_row(app, actors, call_as, cycle, kode):
    detail = _url(app, "satudata_planning.item_detail", kode)
    # a sibling whose code is this one's start: the tail words must not reach it
    sibling = kode.rsplit("/", 1)[0] if "/" in kode else None
    login(app, actors.produsen)
    token = csrf_token(app, DAFTAR)
    for code in filter(None, (sibling, kode)):
        res = app.post(
            DAFTAR,
            data={
                "_csrf_token": token,
                "kode_data": code,
                "nama_data": f"Data {code}",
                "organization": "dinkes",
            },
        )
        assert res.status_code == 200
    assert _row(kode).nama_data == f"Data {kode}"

    # open: the list links to the row, the row page answers
    body = app.get(DAFTAR).get_data(as_text=True)
    assert f'href="{escape(detail)}"' in body
    res = app.get(detail)
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert str(escape(kode)) in body
    assert _action(body, "satudata-item-form") == detail

    # edit: the form posts to the row's own URL
    res = app.post(
        detail,
        data={
            "_csrf_token": token,
            "revision": "1",
            "nama_data": "Nama baru",
            "organization": "dinkes",
            "satuan": "orang",
        },
    )
    assert res.status_code == 200
    row = _row(kode)
    assert (row.nama_data, row.satuan, row.revision) == ("Nama baru", "orang", 2)
    assert "Nama baru" in res.get_data(as_text=True)

    # desk review
    _set_step(4)
    login(app, actors.sekretariat)
    body = app.get(DESK).get_data(as_text=True)
    review = _url(app, "satudata_planning.desk_review", kode)
    assert f'action="{escape(review)}"' in body
    res = app.post(
        review,
        data={"_csrf_token": csrf_token(app, DESK), "hasil": "disetujui",
              "revision": "2"},
    )
    assert res.status_code == 200
    assert _row(kode).hasil == "disetujui"

    # delete (the Walidata may until step 5)
    login(app, actors.walidata)
    body = app.get(detail).get_data(as_text=True)
    delete = _action(body, "satudata-delete")
    assert delete == _url(app, "satudata_planning.item_delete", kode)
    res = app.post(delete, data={"_csrf_token": csrf_token(app, detail)})
    assert res.status_code == 200
    assert _row(kode).state == "deleted"
    if sibling:
        sib = _row(sibling)
        assert (sib.state, sib.nama_data, sib.hasil) == ("active", f"Data {sibling}",
                                                         None)


def test_a_row_named_impor_leaves_the_import_alone(app, actors, call_as, cycle):
    call_as("satudata_item_create", actors.produsen, cycle_id=2027,
            organization="dinkes", kode_data="impor", nama_data="Kode aneh")
    login(app, actors.produsen)
    token = csrf_token(app, DAFTAR)
    # the list's import form still imports (here: asks for a workbook)
    res = app.post(f"{DAFTAR}/impor", data={"_csrf_token": token})
    assert res.status_code == 200
    assert "satudata-import-errors" in res.get_data(as_text=True)
    # a hand-typed /daftar/impor (GET) shows the row, the screens use ~impor
    assert "Kode aneh" in app.get(f"{DAFTAR}/impor").get_data(as_text=True)
    assert app.get(f"{DAFTAR}/~impor").status_code == 200
    assert app.get(f"{DAFTAR}/ekspor").headers["Content-Type"].startswith(
        "application/vnd.openxmlformats")


def test_unknown_kode_with_slash_is_the_rows_404(app, actors, cycle):
    """The row views answer (their own message), not the router."""
    login(app, actors.produsen)
    res = app.get(f"{DAFTAR}/1.02/TIDAK/ADA")
    assert res.status_code == 404
    assert "Butir Daftar Data tidak ditemukan" in res.get_data(as_text=True)
    token = csrf_token(app, DAFTAR)
    res = app.post(f"{DAFTAR}/1.02/TIDAK/ADA/hapus", data={"_csrf_token": token})
    assert res.status_code == 404
    assert "Butir Daftar Data tidak ditemukan" in res.get_data(as_text=True)


def test_kode_post_without_csrf_is_refused(app, actors, call_as, cycle):
    call_as("satudata_item_create", actors.produsen, cycle_id=2027,
            organization="dinkes", kode_data="1.02/DINKES/001", nama_data="Satu")
    detail = _url(app, "satudata_planning.item_detail", "1.02/DINKES/001")
    app.post(detail + "/hapus", data={})  # anonymous: CKAN's exemption
    login(app, actors.produsen)
    assert app.post(detail + "/hapus", data={}).status_code == 400
    assert app.post(detail, data={"nama_data": "X", "organization": "dinkes"}
                    ).status_code == 400
    row = _row("1.02/DINKES/001")
    assert (row.state, row.nama_data) == ("active", "Satu")
    token = csrf_token(app, detail)
    assert app.post(detail + "/hapus", data={"_csrf_token": token}).status_code == 200
    assert _row("1.02/DINKES/001").state == "deleted"


# --- step 10: one dataset per row, whatever its code becomes -------------------------


def test_slug_merges_codes_that_differ_in_punctuation_or_accents():
    assert provision.slug("01/DINKES/001", 2027) == "2027-01-dinkes-001"
    assert provision.slug("01.DINKES.001", 2027) == "2027-01-dinkes-001"
    assert provision.slug("Dinkés/é-01", 2027) == "2027-dinkes-e-01"
    assert provision.slug("2027-DINKES-001", 2027) == "2027-dinkes-001"


def _names(cycle_id: str) -> dict[str, str]:
    """``{kode_data: dataset name}`` of the cycle's rows."""
    model.Session.expire_all()
    p = model.Package
    rows = (
        model.Session.query(Item.kode_data, p.name)
        .join(p, p.id == Item.package_id)
        .filter(Item.cycle_id == cycle_id)
    )
    return dict(rows.all())


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("batch_size", [1, 200])
def test_codes_with_one_slug_get_a_dataset_each_the_same_every_run(
    actors, batch_size
):
    """Which row gets the bare name depends on the codes, not on the order
    the rows come in (organization ids, batches, the database's collation)."""
    cycle = cycle_at_step_10(actors.walidata)
    first, second = sorted([actors.opd, actors.opd_lain], key=lambda o: o["id"])
    # the row processed first (smaller organization id) has the later code
    late = agreed_rows(cycle["id"], first["name"], 1, kode_data="01/DINKES/001")[0]
    early = agreed_rows(cycle["id"], second["name"], 1, kode_data="01.DINKES.001")[0]
    assert "01.DINKES.001" < "01/DINKES/001"
    result = provision.run(cycle["id"], actors.walidata["name"],
                           batch_size=batch_size)
    assert (result.created, result.errors) == (2, [])
    names = _names(cycle["id"])
    assert names == {
        "01.DINKES.001": "2027-01-dinkes-001",
        "01/DINKES/001": f"2027-01-dinkes-001-{late.id[:8]}",
    }
    for row in (late, early):
        shown = helpers.call_action("package_show",
                                    id=names[row.kode_data])
        assert (shown["satudata_item_id"], shown["kode_data"]) == (
            row.id, row.kode_data)
    # a re-run finds both datasets again
    again = provision.run(cycle["id"], actors.walidata["name"],
                          batch_size=batch_size)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    assert _names(cycle["id"]) == names
    assert dataset_counts(cycle["id"]) == {late.id: 1, early.id: 1}


@pytest.mark.usefixtures("with_plugins")
def test_a_deleted_dataset_keeps_its_name_and_the_row_gets_another(actors):
    """A row whose dataset was deleted gets a new one; the names the deleted
    one holds (the bare name and the row's suffix) are passed over."""
    cycle = cycle_at_step_10(actors.walidata)
    early = agreed_rows(cycle["id"], "dinkes", 1, kode_data="01.DINKES.001")[0]
    late = agreed_rows(cycle["id"], "dinkes", 1, kode_data="01/DINKES/001")[0]
    user = actors.walidata["name"]
    provision.run(cycle["id"], user)
    suffixed = f"2027-01-dinkes-001-{late.id[:8]}"
    assert _names(cycle["id"])["01/DINKES/001"] == suffixed
    helpers.call_action(
        "package_delete", context={"user": actors.sysadmin["name"]}, id=suffixed
    )
    result = provision.run(cycle["id"], user)
    assert (result.created, result.errors) == (1, [])
    names = _names(cycle["id"])
    assert names["01/DINKES/001"] not in (suffixed, "2027-01-dinkes-001")
    assert names["01/DINKES/001"].startswith(suffixed)
    assert names["01.DINKES.001"] == "2027-01-dinkes-001"
    assert dataset_counts(cycle["id"]) == {late.id: 1, early.id: 1}
    again = provision.run(cycle["id"], user)
    assert (again.created, again.errors) == (0, [])
    assert _names(cycle["id"]) == names
