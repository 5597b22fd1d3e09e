"""The portal's public face: home and about pages, footer, error pages,
avatars, no outside hosts, and "Tugas saya" after login."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.satudata_planning import formats
from ckanext.satudata_planning.tests.factories import agreed_rows, cycle_at_step_10
from ckanext.satudata_planning.tests.web import login

pytestmark = pytest.mark.usefixtures("with_plugins")

#: what CKAN's demo home and about pages say (Indonesian and English)
PLACEHOLDERS = (
    "Selamat datang di CKAN", "Welcome to CKAN", "Ini adalah paragraf pengantar",
    "This is a nice introductory paragraph", "Ini adalah bagian unggulan",
    "This is a featured section", "placeholder-420x220", "ckan-logo",
    "data.gov.uk", "CKAN Association", "Didukung oleh", "Powered by",
    "gravatar",
)

ATTR = re.compile(r"<(img|script|link|iframe|source)\b[^>]*?\b(src|href)=\"([^\"]*)\"",
                  re.I)


def outside_hosts(html: str) -> set[str]:
    """Hosts other than the site's named by img/script/link/iframe/source."""
    site = urlsplit(tk.config["ckan.site_url"]).netloc
    found = set()
    for _tag, _attr, url in ATTR.findall(html):
        if url.startswith("//") or re.match(r"https?://", url, re.I):
            host = urlsplit(url if not url.startswith("//") else "http:" + url).netloc
            if host != site:
                found.add(host)
    return found


@pytest.fixture
def published(actors: Any) -> dict[str, Any]:
    """Three public datasets, one private, a published 2027 cycle with rows.

    CKAN's factories give organizations a picture on another host (Faker's
    image_url); the portal's are uploads: clear them."""
    for org in ("dinkes", "dinsos", "diskominfo", "bps", "bappeda"):
        helpers.call_action("organization_patch", {"user": actors.sysadmin["name"]},
                            id=org, image_url="")
    for i in range(3):
        factories.Dataset(owner_org=actors.opd["id"], name=f"publik-{i}",
                          title=f"Data Publik {i}", kode_data=f"P-{i}", tahun=2027)
    factories.Dataset(owner_org=actors.opd["id"], name="rahasia", private=True,
                      title="Data Rahasia", kode_data="R-1", tahun=2027)
    cycle = cycle_at_step_10(actors.walidata)
    agreed_rows(cycle["id"], "dinkes", 4)
    return cycle


def test_home_shows_real_figures_and_no_placeholder(app, actors, published):
    page = app.get("/").get_data(as_text=True)
    for text in PLACEHOLDERS:
        assert text not in page, text
    figures = re.search(r'<ul class="satudata-figures".*?</ul>', page, re.S).group(0)
    numbers = re.findall(r'<span class="figure">([^<]+)</span>', figures)
    # 3 public datasets (the private one not counted), 5 organizations,
    # 4 agreed rows of 2027, none released yet
    assert numbers == ["3", "5", "4", "0,0\u00a0%"]
    assert "Daftar Data 2027" in page
    assert 'action="/dataset/"' in page or 'action="/dataset"' in page
    assert "Statistik Sektoral" in page  # a topic of the Daftar Data


def test_about_page_is_the_citys_own(app):
    page = app.get("/about").get_data(as_text=True)
    for text in PLACEHOLDERS:
        assert text not in page, text
    for text in ("Walidata", "Pembina Data", "Produsen Data", "Kota Pekalongan"):
        assert text in page


def test_about_text_is_configurable(app, monkeypatch):
    monkeypatch.setitem(tk.config, "ckanext.satudata_planning.about_text",
                        "Teks **tentang** kota.")
    page = app.get("/about").get_data(as_text=True)
    assert "<strong>tentang</strong>" in page


def test_footer_has_the_portals_own_links(app):
    page = app.get("/").get_data(as_text=True)
    footer = page[page.index('<footer class="site-footer"'):]
    assert "/perencanaan" in footer and "/about" in footer
    assert "wordmark.svg" in page


@pytest.mark.parametrize("url,heading", [
    ("/tidak-ada", "404 Halaman tidak ditemukan"),
    ("/dataset/tidak-ada", "404 Halaman tidak ditemukan"),
])
def test_error_pages_are_indonesian(app, url, heading):
    res = app.get(url)
    assert res.status_code == 404
    assert heading in res.get_data(as_text=True)


def test_403_heading_is_indonesian(app, actors):
    login(app, actors.produsen)
    res = app.get("/ckan-admin")
    assert res.status_code == 403
    assert "403 Akses ditolak" in res.get_data(as_text=True)


def test_percent_and_numbers_read_indonesian():
    assert formats.percent(0) == "0,0\u00a0%"
    assert formats.percent(12.5) == "12,5\u00a0%"
    assert formats.number(1234567) == "1.234.567"


def test_avatar_is_drawn_from_initials(app, actors):
    """The actors' pictures are links to another host (CKAN's factories):
    initials instead."""
    login(app, actors.produsen)
    page = app.get("/dataset/").get_data(as_text=True)
    assert "satudata-avatar" in page and ">OD<" in page
    assert "gravatar" not in page


def _pages(actors: Any) -> list[str]:
    return ["/", "/about", "/dataset/", "/dataset/publik-0", "/organization/",
            "/organization/dinkes", "/perencanaan", "/perencanaan/2027",
            "/perencanaan/2027/daftar", "/perencanaan/2027/portal", "/user/login"]


@pytest.mark.parametrize("who", [None, "produsen", "walidata"])
def test_no_page_calls_an_outside_host(app, actors, published, who):
    if who:
        login(app, getattr(actors, who))
    pages = _pages(actors) + (["/perencanaan/tugas", "/dashboard/datasets"]
                              if who else [])
    for url in pages:
        res = app.get(url)
        assert res.status_code == 200, url
        assert outside_hosts(res.get_data(as_text=True)) == set(), url


def _login_form(app: Any, user: dict[str, Any]) -> Any:
    """Log in through CKAN's form (the redirect after login is the point)."""
    obj = model.User.get(user["name"])
    obj.password = "correct123"
    model.Session.commit()
    app.client = app.test_client()
    page = app.get("/user/login").get_data(as_text=True)
    token = re.search(r'name="_csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return app.post("/user/login", data={
        "login": user["name"], "password": "correct123", "_csrf_token": token,
    }, follow_redirects=False)


@pytest.mark.parametrize("who,lands", [
    ("produsen", "/perencanaan/tugas"),
    ("walidata", "/perencanaan/tugas"),
    ("pembina", "/perencanaan/tugas"),
])
def test_users_with_a_role_land_on_their_tasks(app, actors, who, lands):
    res = _login_form(app, getattr(actors, who))
    assert res.status_code == 302
    assert urlsplit(res.headers["Location"]).path == lands
    page = app.get(lands)
    assert page.status_code == 200
    assert "Tugas saya" in page.get_data(as_text=True)


def test_user_without_a_role_keeps_the_dashboard(app, actors):
    res = _login_form(app, actors.anggota)
    assert res.status_code == 302
    res = app.get(urlsplit(res.headers["Location"]).path, follow_redirects=False)
    assert res.status_code == 302
    assert urlsplit(res.headers["Location"]).path == "/dashboard/datasets"


def test_anonymous_tasks_page_asks_to_log_in(app):
    res = app.get("/perencanaan/tugas", follow_redirects=False)
    assert res.status_code == 302
    assert "/user/login" in res.headers["Location"]


def test_tasks_page_has_buttons(app, actors, provisioned):
    """Walidata: its queue with a button to check; OPD: its datasets with
    a button to add data."""
    login(app, actors.walidata)
    page = app.get("/perencanaan/tugas").get_data(as_text=True)
    assert "Data yang menunggu pemeriksaan Anda" in page
    assert "/perencanaan/2027/periksa/" in page
    login(app, actors.produsen)
    page = app.get("/perencanaan/tugas").get_data(as_text=True)
    assert "Dataset yang harus diisi, dikembalikan, atau terlambat" in page
    assert "/resource/new" in page
