"""``/jadwal-rilis``: the public release calendar page, its .ics feed (parsed
with a library made for iCalendar) and its CSV; the public SK page links to
it."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import icalendar
import pytest
import sqlalchemy as sa

from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.sop import working_days
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)

pytestmark = pytest.mark.usefixtures("with_plugins")

D = dt.date


@pytest.fixture
def world(actors: Any, call_as: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A published 2027 cycle with four dated rows (one released and public)
    and one without a date; an unpublished 2028 cycle. Today: 1 April 2027."""
    monkeypatch.setitem(tk.config, "smtp.server", "127.0.0.1:9")
    monkeypatch.setattr(working_days, "today", lambda: D(2027, 4, 1))
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    agreed_rows(cycle["id"], "dinkes", 2, prefix="KES", jadwal_rilis=D(2027, 3, 15))
    agreed_rows(cycle["id"], "dinsos", 1, prefix="SOS", jadwal_rilis=D(2027, 5, 20),
                nama_data="Penerima <b>Bansos</b>")
    agreed_rows(cycle["id"], "dinsos", 1, prefix="PUB", jadwal_rilis=D(2027, 6, 30),
                sifat_akses="terbuka")
    agreed_rows(cycle["id"], "dinkes", 1, prefix="NOD", jadwal_rilis=None)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = model.Session.execute(
        sa.select(Item.package_id).where(Item.kode_data == "PUB-001")).scalar_one()
    call_as("resource_create", actors.produsen_lain, package_id=package_id,
            name="Data", url="http://example.com/data.csv", format="CSV")
    call_as("satudata_dataset_submit", actors.produsen_lain, id=package_id)
    call_as("satudata_dataset_review", actors.walidata, id=package_id,
            hasil="diterima")
    hidden = call_as("satudata_cycle_create", actors.walidata, tahun=2028)
    agreed_rows(hidden["id"], "dinkes", 1, tahun=2028, prefix="HID")
    return call_as("package_show", actors.walidata, id=package_id)["name"]


def test_anonymous_reads_the_calendar_of_published_cycles_only(app, world):
    res = app.get("/jadwal-rilis")
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    for code in ("KES-001", "KES-002", "SOS-001", "PUB-001", "NOD-001"):
        assert code in page
    assert "HID-001" not in page
    # by month, in Indonesian; dateless rows last
    months = re.findall(r'<h2 class="h4 mt-4">([^<]+)</h2>', page)
    assert months == ["Maret 2027", "Mei 2027", "Juni 2027", "Tanpa jadwal"]
    assert "Terlambat" in page and "Akan datang" in page
    assert "Penerima &lt;b&gt;Bansos&lt;/b&gt;" in page  # escaped
    # the public dataset is linked, the private ones are not
    assert f'href="/dataset/{world}"' in page
    assert page.count('href="/dataset/2027-') == 1
    # on time: one released on time of the three released or past their date
    assert "33,3 %" in page
    unpublished = app.get("/jadwal-rilis?tahun=2028").get_data(as_text=True)
    assert "HID-001" not in unpublished and "KES-001" not in unpublished


def test_filters(app, world):
    page = app.get("/jadwal-rilis?organization=dinsos").get_data(as_text=True)
    assert "SOS-001" in page and "KES-001" not in page
    page = app.get("/jadwal-rilis?status=terlambat").get_data(as_text=True)
    assert "KES-001" in page and "SOS-001" not in page and "NOD-001" not in page
    page = app.get("/jadwal-rilis?tahun=2027&status=tanpa_jadwal").get_data(
        as_text=True)
    assert "NOD-001" in page and "KES-001" not in page
    assert app.get("/jadwal-rilis?status=apa").status_code == 400
    assert app.get("/jadwal-rilis?organization=tidak-ada").status_code == 400


def test_the_ics_feed_parses_with_one_event_per_dated_row(app, world):
    res = app.get("/jadwal-rilis/jadwal-rilis.ics")
    assert res.status_code == 200
    assert res.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(res.get_data())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 4  # the dateless row has no event
    by_code = {str(e["summary"]).split("(")[-1].rstrip(")"): e for e in events}
    assert set(by_code) == {"KES-001", "KES-002", "SOS-001", "PUB-001"}
    assert by_code["SOS-001"].decoded("dtstart") == D(2027, 5, 20)
    assert str(by_code["PUB-001"]["url"]).endswith(f"/dataset/{world}")
    assert len({str(e["uid"]) for e in events}) == 4
    one = icalendar.Calendar.from_ical(
        app.get("/jadwal-rilis/jadwal-rilis.ics?organization=dinkes").get_data())
    assert len(list(one.walk("VEVENT"))) == 2
    assert "Dinas Kesehatan" in str(one["x-wr-calname"])


def test_the_csv_download(app, world):
    res = app.get("/jadwal-rilis/jadwal-rilis.csv?tahun=2027")
    assert res.status_code == 200
    text = res.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    kes = next(r for r in rows if r["Kode data"] == "KES-001")
    assert kes["Status"] == "terlambat" and kes["Jadwal rilis"] == "2027-03-15"
    assert kes["Dataset"] == ""  # private: not named


def test_the_public_sk_page_links_to_the_calendar(app, world):
    page = app.get("/perencanaan/2027").get_data(as_text=True)
    assert 'href="/jadwal-rilis?tahun=2027"' in page


def test_the_desk_sees_a_missing_release_date_as_missing_metadata(app, actors,
                                                                 call_as, cycle):
    from ckanext.satudata_planning.tests.web import login

    for name, day in (("Dengan jadwal", "2027-03-31"), ("Tanpa jadwal", None)):
        call_as("satudata_item_create", actors.produsen, cycle_id=2027,
                organization="dinkes", nama_data=name,
                **({"jadwal_rilis": day} if day else {}))
    login(app, actors.walidata)
    page = app.get("/perencanaan/2027/desk").get_data(as_text=True)
    assert page.count("satudata-missing-jadwal") == 1
    assert "satudata-desk-undated" in page


def test_progress_and_a_finished_cycles_dashboard_show_the_release_counts(
        app, actors, world):
    from ckanext.satudata_planning.model import Cycle
    from ckanext.satudata_planning.tests.web import login

    page = app.get("/perencanaan/2027/portal").get_data(as_text=True)
    assert "Ketepatan jadwal rilis" in page and "33,3 %" in page
    cycle = Cycle.get(2027)
    cycle.status = "selesai"
    model.Session.commit()
    login(app, actors.walidata)
    page = app.get("/perencanaan/2027").get_data(as_text=True)
    assert "satudata-release-progress" in page and "33,3 %" in page
    assert 'href="/jadwal-rilis?tahun=2027"' in page
