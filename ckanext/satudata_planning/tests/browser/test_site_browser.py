"""The portal's public face in a real browser: the home and about pages, and
"Tugas saya" where the OPD and the Walidata land after login.

The demo has no cycle: :func:`stage` (run in a subprocess against the
browser portal's database) adds the :data:`YEAR` cycle at step 10 with provisioned
datasets, one of them filled and submitted, one past its release date.
Screenshots: ``beranda``, ``tentang``, ``tugas-opd``, ``tugas-walidata``;
each page passes the a11y tests' axe-core rules.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DB_NAME, ROOT, login, shot
from .test_a11y_browser import MOUSE_ONLY, axe_violations

pytestmark = pytest.mark.browser

#: this module's own cycle (the walk owns 2027, the escaping test 2031, the
#: a11y test 2035); the home page shows the current year's Daftar Data
YEAR = 2026


def stage(ini: str) -> None:
    """The :data:`YEAR` cycle at step 10, provisioned, one dataset submitted."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from ckan.tests import helpers

    app = make_app(load_config(ini))
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        import ckan.model as model

        from ckanext.satudata_planning.model import Item
        from ckanext.satudata_planning.tests.factories import (
            add_sk,
            agreed_rows,
            cycle_at_step_10,
        )

        cycle = cycle_at_step_10({"name": "walidata"}, tahun=YEAR)
        add_sk(cycle["id"])
        late = dt.date.today() - dt.timedelta(days=20)
        rows = agreed_rows(cycle["id"], "dinkes", 3, tahun=YEAR,
                           nama_data="Jumlah Tenaga Kesehatan")
        agreed_rows(cycle["id"], "dinkes", 1, tahun=YEAR, prefix=f"{YEAR}-DINKES-L",
                    nama_data="Jumlah Posyandu Aktif", jadwal_rilis=late)
        agreed_rows(cycle["id"], "dindikbud", 2, tahun=YEAR,
                    nama_data="Jumlah Sekolah Dasar")
        helpers.call_action("satudata_provision", context={"user": "walidata"},
                            cycle_id=cycle["id"])
        model.Session.expire_all()
        package_id = model.Session.get(Item, rows[0].id).package_id
        operator = {"user": "operator_dinkes", "ignore_auth": False}
        helpers.call_action("resource_create", context=dict(operator),
                            package_id=package_id, name="Data 2027",
                            url="http://127.0.0.1/data.csv", format="CSV")
        helpers.call_action("satudata_dataset_submit", context=dict(operator),
                            id=package_id, catatan="Data 2027 lengkap")


@pytest.fixture(scope="module")
def staged(portal: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("stage")
    ini = tmp / "stage.ini"
    ini.write_text((ROOT / "test.ini").read_text()
                   .replace("testing = true\n", "")
                   .replace("satudata_test", DB_NAME)
                   .replace("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/4")
                   .replace("/tmp/satudata-test-storage", str(tmp / "storage")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    subprocess.run(
        [sys.executable, "-c",
         "import sys; from ckanext.satudata_planning.tests.browser."
         "test_site_browser import stage; stage(sys.argv[1])", str(ini)],
        check=True, env=env, cwd=str(ROOT), capture_output=True)
    return portal


def _accessible(page) -> None:  # noqa: ANN001 - a Playwright page
    """axe-core's rules of the a11y tests (contrast, labels, button names,
    language) and no control reachable by mouse only."""
    assert axe_violations(page) == [], page.url
    assert page.evaluate(MOUSE_ONLY) == [], page.url


def _keep(path: Path, name: str) -> None:
    """The README's screenshots (docs/screenshots) when SATUDATA_DOC_SHOTS=1."""
    if os.environ.get("SATUDATA_DOC_SHOTS") == "1":
        (ROOT / "docs" / "screenshots" / f"{name}.png").write_bytes(path.read_bytes())


def test_home_page_for_citizens(page, staged):
    page.goto("/")
    body = page.locator("body").inner_text()
    assert "Selamat datang di CKAN" not in body
    assert "dataset terbit" in body and f"Daftar Data {YEAR}" in body
    _keep(shot(page, "beranda"), "beranda")
    _accessible(page)


def test_about_page(page, staged):
    page.goto("/about")
    body = page.locator("body").inner_text()
    assert "Walidata" in body and "Pembina Data" in body and "Produsen Data" in body
    _keep(shot(page, "tentang"), "tentang")
    _accessible(page)


def test_opd_lands_on_its_tasks(page, staged):
    login(page, "operator_dinkes")
    assert page.url.endswith("/perencanaan/tugas")
    body = page.locator("body").inner_text()
    assert "Tugas saya" in body and "Jumlah Posyandu Aktif" in body
    _keep(shot(page, "tugas-opd"), "tugas-opd")
    _accessible(page)


def test_walidata_lands_on_its_tasks(page, staged):
    login(page, "walidata")
    assert page.url.endswith("/perencanaan/tugas")
    body = page.locator("body").inner_text()
    assert "Data yang menunggu pemeriksaan Anda" in body
    assert "Produsen data yang terlambat" in body
    _keep(shot(page, "tugas-walidata"), "tugas-walidata")
    _accessible(page)
