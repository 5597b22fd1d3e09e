"""The release calendar (``satudata_release_calendar``): statuses against
today across a weekend and a public holiday, released rows from the
checking, published cycles only, filters and counts."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest

from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.release import schedule
from ckanext.satudata_planning.sop import working_days
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "with_request_context")

D = dt.date


def set_today(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(working_days, "today", lambda: day)


def package_of(item: Item) -> str:
    model.Session.expire_all()
    row = model.Session.get(Item, item.id)
    assert row is not None and row.package_id
    return row.package_id


def release(call_as: Any, actors: Any, item: Item, producer: Any) -> str:
    """Fill, submit and accept the dataset of ``item`` (released now)."""
    package_id = package_of(item)
    call_as("resource_create", producer, package_id=package_id, name="Data",
            url="http://example.com/data.csv", format="CSV")
    call_as("satudata_dataset_submit", producer, id=package_id)
    call_as("satudata_dataset_review", actors.walidata, id=package_id,
            hasil="diterima")
    return package_id


@pytest.fixture
def world(actors: Any, call_as: Any, monkeypatch: pytest.MonkeyPatch
          ) -> dict[str, Any]:
    """A published 2027 cycle: rows due before and after a weekend and a
    holiday, one released on time, one released late, one without a date;
    and an unpublished 2028 cycle with an agreed row."""
    monkeypatch.setitem(tk.config, "smtp.server", "127.0.0.1:9")
    # the checking's clock: the releases happen on 1 December 2026
    from ckanext.satudata_planning.workflow import checking

    monkeypatch.setattr(checking, "utcnow", lambda: dt.datetime(2026, 12, 1, 3))
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    rows = {
        "sabtu": agreed_rows(cycle["id"], "dinkes", 1, prefix="SAT",
                             jadwal_rilis=D(2027, 3, 27))[0],  # a Saturday
        "libur": agreed_rows(cycle["id"], "dinkes", 1, prefix="HOL",
                             jadwal_rilis=D(2027, 8, 17))[0],  # Independence Day
        "tepat": agreed_rows(cycle["id"], "dinsos", 1, prefix="ONT",
                             jadwal_rilis=D(2027, 3, 31),
                             jadwal_pemutakhiran=D(2028, 3, 31))[0],
        "telat": agreed_rows(cycle["id"], "dinsos", 1, prefix="LAT",
                             jadwal_rilis=D(2026, 11, 2))[0],
        "tanpa": agreed_rows(cycle["id"], "dinkes", 1, prefix="NOD",
                             jadwal_rilis=None)[0],
    }
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    release(call_as, actors, rows["tepat"], actors.produsen_lain)
    release(call_as, actors, rows["telat"], actors.produsen_lain)
    hidden = call_as("satudata_cycle_create", actors.walidata, tahun=2028)
    agreed_rows(hidden["id"], "dinkes", 1, tahun=2028, prefix="HID")
    return {"cycle": cycle, "rows": rows}


def statuses(call_as: Any, user: Any = None, **data: Any) -> dict[str, str]:
    shown = call_as("satudata_release_calendar", user, **data)
    return {r["kode_data"].split("-")[0]: r["status"] for r in shown["results"]}


def test_statuses_across_a_weekend_and_a_holiday(actors, world, call_as,
                                                  monkeypatch):
    set_today(monkeypatch, D(2027, 3, 29))  # Monday after the Saturday date
    assert statuses(call_as) == {
        "LAT": "terbit_terlambat", "SAT": "akan_datang", "ONT": "terbit_tepat_waktu",
        "HOL": "akan_datang", "NOD": "tanpa_jadwal",
    }
    set_today(monkeypatch, D(2027, 3, 30))
    assert statuses(call_as)["SAT"] == "terlambat"
    # the 17th is a holiday: due on the 18th, late from the 19th
    set_today(monkeypatch, D(2027, 8, 18))
    assert statuses(call_as)["HOL"] == "akan_datang"
    set_today(monkeypatch, D(2027, 8, 19))
    shown = call_as("satudata_release_calendar", None, status="terlambat")
    assert [r["kode_data"] for r in shown["results"]] == ["SAT-001", "HOL-001"]
    hol = shown["results"][1]
    assert hol["due"] == "2027-08-18" and hol["late_days"] == 1
    assert hol["released"] is False and hol["package_name"] is None


def test_the_contract_shape_and_counts(actors, world, call_as, monkeypatch):
    set_today(monkeypatch, D(2027, 4, 1))
    shown = call_as("satudata_release_calendar", None, tahun=2027)
    assert shown["count"] == 5
    first = shown["results"][0]
    assert list(first)[:8] == ["kode_data", "nama_data", "organization",
                               "jadwal_rilis", "jadwal_pemutakhiran", "status",
                               "released", "package_name"]
    ontime = next(r for r in shown["results"] if r["kode_data"] == "ONT-001")
    assert ontime["released"] is True and ontime["package_name"]
    assert ontime["jadwal_pemutakhiran"] == "2028-03-31"
    assert shown["counts"] == {"terlambat": 1, "akan_datang": 1,
                               "terbit_tepat_waktu": 1, "terbit_terlambat": 1,
                               "tanpa_jadwal": 1}
    summary = shown["summary"]
    assert (summary["released"], summary["on_time"], summary["late"],
            summary["no_date"]) == (2, 1, 1, 1)
    assert summary["on_time_label"] == "33,3 %"
    # rows without a date come last
    assert shown["results"][-1]["status"] == "tanpa_jadwal"
    dinsos = call_as("satudata_release_calendar", None, organization="dinsos")
    assert {r["kode_data"] for r in dinsos["results"]} == {"ONT-001", "LAT-001"}
    paged = call_as("satudata_release_calendar", None, limit=2, offset=4)
    assert paged["count"] == 5 and len(paged["results"]) == 1


def test_only_published_cycles_are_listed(actors, world, call_as):
    for user in (None, actors.walidata):
        assert call_as("satudata_release_calendar", user, tahun=2028)["count"] == 0
        codes = [r["kode_data"] for r in
                 call_as("satudata_release_calendar", user)["results"]]
        assert "HID-001" not in codes and len(codes) == 5


def test_a_returned_dataset_is_no_longer_released(actors, world, call_as,
                                                  monkeypatch):
    set_today(monkeypatch, D(2027, 4, 1))
    package_id = package_of(world["rows"]["tepat"])
    call_as("resource_create", actors.produsen_lain, package_id=package_id,
            name="Revisi", url="http://example.com/revisi.csv", format="CSV")
    # changed accepted data stays released until the Walidata decides again
    assert statuses(call_as)["ONT"] == "terbit_tepat_waktu"
    call_as("satudata_dataset_review", actors.walidata, id=package_id,
            hasil="perbaikan", catatan="Angka belum lengkap")
    assert statuses(call_as, actors.walidata)["ONT"] == "terlambat"


def test_bad_filters_are_validation_errors(actors, call_as):
    for data in ({"status": "selesai"}, {"tahun": "abc"}, {"limit": 0},
                 {"organization": "tidak-ada"}):
        with pytest.raises(tk.ValidationError):
            call_as("satudata_release_calendar", None, **data)


def test_share_label_and_status_doctests():
    import doctest

    assert doctest.testmod(schedule).failed == 0
    assert schedule.share_label(0, 0) == "–"
    assert schedule.share_label(2, 2) == "100 %"


def test_late_rows_come_first_for_the_walidata_and_the_opd(actors, world, call_as,
                                                           monkeypatch):
    set_today(monkeypatch, D(2027, 4, 1))
    listed = call_as("satudata_verification_list", actors.walidata, cycle_id=2027)
    first = listed["results"][0]
    assert (first["kode_data"], first["late"]) == ("SAT-001", True)
    assert [r["late"] for r in listed["results"]].count(True) == 1
    # the OPD: a returned dataset would come first, but a late one comes before
    todo = call_as("satudata_todo_datasets", actors.produsen, cycle_id=2027)
    assert todo[0]["kode_data"] == "SAT-001" and todo[0]["overdue"]
