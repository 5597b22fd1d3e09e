"""The step-10 screens: /perencanaan/<tahun>/portal and its CSV, status, POST."""
from __future__ import annotations

import csv
import io
from typing import Any

import ckan.model as model
import pytest
import sqlalchemy as sa

from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.tests.factories import agreed_rows, cycle_at_step_10
from ckanext.satudata_planning.tests.web import csrf_token, login

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture
def cycle(actors: Any) -> dict[str, Any]:
    cycle = cycle_at_step_10(actors.walidata)
    agreed_rows(cycle["id"], "dinkes", 3)
    agreed_rows(cycle["id"], "dinsos", 1)
    return cycle


def _provisioned() -> int:
    model.Session.expire_all()
    return model.Session.query(Item).filter(Item.package_id.isnot(None)).count()


def test_walidata_provisions_from_the_page(app, actors, cycle):
    login(app, actors.walidata)
    url = "/perencanaan/2027/portal"
    token = csrf_token(app, url)
    res = app.post("/perencanaan/2027/portal/sediakan",
                   data={"_csrf_token": token}, follow_redirects=False)
    assert res.status_code == 302
    assert _provisioned() == 4

    page = app.get(url).get_data(as_text=True)
    assert "Dinas Kesehatan" in page and "Dinas Sosial" in page
    assert 'role="img"' in page and "<svg" in page
    assert 'aria-label="' in page and "0,0\u00a0%" in page
    assert "satudata-progress-table" in page


def test_post_without_csrf_is_refused(app, actors, cycle):
    login(app, actors.walidata)
    res = app.post("/perencanaan/2027/portal/sediakan", data={})
    assert res.status_code == 400
    assert _provisioned() == 0


def test_opd_sees_no_button_and_cannot_post(app, actors, cycle):
    login(app, actors.produsen)
    page = app.get("/perencanaan/2027/portal").get_data(as_text=True)
    assert "/portal/sediakan" not in page
    token = csrf_token(app, "/perencanaan/2027")
    res = app.post("/perencanaan/2027/portal/sediakan", data={"_csrf_token": token})
    assert res.status_code == 403
    assert _provisioned() == 0


def test_status_json(app, actors, cycle, call_as):
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    login(app, actors.produsen)
    res = app.get("/perencanaan/2027/portal/status")
    assert res.status_code == 200
    data = res.get_json()
    assert (data["state"], data["done"], data["pending"]) == ("selesai", 4, 0)
    # the run's counts, not the time the status was written
    assert (data["created"], data["updated"]) == (4, 0)
    assert data["updated_at"].startswith("20")


def test_last_run_reads_as_counts(app, actors, cycle, call_as):
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    login(app, actors.walidata)
    page = app.get("/perencanaan/2027/portal").get_data(as_text=True)
    assert "Proses terakhir: 4 dibuat, 0 diperbarui." in page


def test_progress_csv(app, actors, cycle, call_as):
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    login(app, actors.walidata)
    res = app.get("/perencanaan/2027/portal/progress.csv")
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="progres-daftar-data-2027.csv"' in res.headers[
        "Content-Disposition"]
    rows = list(csv.reader(io.StringIO(res.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Kode OPD", "Produsen Data", "Butir disepakati"]
    assert rows[1][:5] == ["dinkes", "Dinas Kesehatan", "3", "3", "0"]
    assert rows[-1][1:4] == ["Jumlah", "4", "4"]


def test_anonymous_sees_progress_of_published_cycle(app, actors, cycle):
    page = app.get("/perencanaan/2027/portal")
    assert page.status_code == 200
    assert "Dinas Kesehatan" in page.get_data(as_text=True)


def test_removed_rows_listed(app, actors, cycle, call_as):
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    item = model.Session.query(Item).filter_by(kode_data="2027-DINKES-001").one()
    item.disepakati = False
    model.Session.commit()
    login(app, actors.walidata)
    page = app.get("/perencanaan/2027/portal").get_data(as_text=True)
    assert "satudata-removed" in page and "2027-DINKES-001" in page


def test_dashboard_links_to_portal(app, actors, cycle):
    login(app, actors.walidata)
    page = app.get("/perencanaan/2027").get_data(as_text=True)
    assert "/perencanaan/2027/portal" in page


def test_opd_sees_data_to_fill_on_dashboard_and_org_page(app, actors, cycle, call_as):
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    login(app, actors.produsen)
    page = app.get("/perencanaan/2027").get_data(as_text=True)
    assert "satudata-todo-datasets" in page and "2027-DINKES-001" in page
    assert "2027-DINSOS-001" not in page
    org_page = app.get("/organization/dinkes").get_data(as_text=True)
    assert "satudata-todo-datasets" in org_page and "2027-DINKES-003" in org_page
    login(app, actors.produsen_lain)
    assert "satudata-todo-datasets" not in app.get(
        "/organization/dinkes").get_data(as_text=True)


def test_a_database_failure_during_a_run_in_the_request_is_a_message(
    app, actors, cycle, call_as
):
    """PostgreSQL refuses the datasets (a trigger raising, a real error): the
    screen says so in Indonesian and the status reads failed; no error page.
    Once the database accepts them again, a new run makes every dataset."""
    fail = sa.text(
        "CREATE FUNCTION satudata_test_refuse() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'disk penuh (uji)'; END $$; "
        "CREATE TRIGGER satudata_test_refuse BEFORE INSERT ON package "
        "FOR EACH ROW EXECUTE FUNCTION satudata_test_refuse()"
    )
    model.Session.execute(fail)
    model.Session.commit()
    try:
        login(app, actors.walidata)
        token = csrf_token(app, "/perencanaan/2027/portal")
        res = app.post(
            "/perencanaan/2027/portal/sediakan",
            data={"_csrf_token": token},
            follow_redirects=True,
        )
        page = res.get_data(as_text=True)
        assert res.status_code == 200
        assert "Penyiapan dataset terhenti karena basis data gagal" in page
        assert "disk penuh (uji)" in page
        assert _provisioned() == 0
        status = call_as(
            "satudata_provision_status", actors.walidata, cycle_id=cycle["id"]
        )
        assert status["state"] == "gagal"
    finally:
        model.Session.rollback()
        model.Session.execute(
            sa.text(
                "DROP TRIGGER satudata_test_refuse ON package; "
                "DROP FUNCTION satudata_test_refuse()"
            )
        )
        model.Session.commit()
    token = csrf_token(app, "/perencanaan/2027/portal")
    app.post("/perencanaan/2027/portal/sediakan", data={"_csrf_token": token})
    assert _provisioned() == 4
