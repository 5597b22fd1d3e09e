"""``satudata_progress``: per OPD, agreed rows, datasets, datasets with data."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa

from ckanext.satudata_planning.model import Cycle, Item
from ckanext.satudata_planning.tests.factories import agreed_rows, cycle_at_step_10
from ckanext.satudata_planning.tests.statements import statements

pytestmark = pytest.mark.usefixtures("with_plugins")


def _package_id(item: Item) -> str:
    model.Session.expire_all()
    row = model.Session.get(Item, item.id)
    assert row is not None and row.package_id
    return row.package_id


@pytest.fixture
def filled(actors: Any, call_as: Any) -> dict[str, Any]:
    """dinkes: 4 agreed rows (2 filled, 1 past due); dinsos: 2 (none filled)."""
    cycle = cycle_at_step_10(actors.walidata)
    past = dt.date.today() - dt.timedelta(days=10)
    dinkes = agreed_rows(cycle["id"], "dinkes", 3)
    dinkes += agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-DINKES-L",
                          jadwal_rilis=past)
    dinsos = agreed_rows(cycle["id"], "dinsos", 2, jadwal_rilis=past)
    agreed_rows(cycle["id"], "dinsos", 1, prefix="2027-DINSOS-N", disepakati=False)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    for item in dinkes[:2]:
        call_as("resource_create", actors.produsen, package_id=_package_id(item),
                url="http://example.com/data.csv")
    # a deleted resource is no data
    res = call_as("resource_create", actors.produsen_lain,
                  package_id=_package_id(dinsos[0]), url="http://example.com/x.csv")
    call_as("resource_delete", actors.produsen_lain, id=res["id"])
    return cycle


def test_progress_per_opd(actors, filled, call_as):
    progress = call_as("satudata_progress", actors.produsen, cycle_id=filled["tahun"])

    by_org = {o["organization"]: o for o in progress["organizations"]}
    assert list(by_org) == ["dinkes", "dinsos"]
    assert {k: v for k, v in by_org["dinkes"].items() if k != "release"} == {
        "organization": "dinkes", "organization_title": "Dinas Kesehatan",
        "agreed": 4, "datasets": 4, "with_data": 2, "percent": 50.0, "overdue": 1,
        "submitted": 0, "returned": 0, "accepted": 0, "published": 0,
    }
    assert (by_org["dinsos"]["agreed"], by_org["dinsos"]["with_data"],
            by_org["dinsos"]["percent"], by_org["dinsos"]["overdue"]) == (2, 0, 0.0, 2)
    assert {k: v for k, v in progress["totals"].items() if k != "release"} == {
                                  "agreed": 6, "datasets": 6, "with_data": 2,
                                  "overdue": 3, "percent": 33.3, "organizations": 2,
                                  "submitted": 0, "returned": 0, "accepted": 0,
                                  "published": 0}


def test_progress_counts_the_checking(actors, filled, call_as):
    """Submitted, returned, accepted, published: each dataset where its
    checking stands (an accepted restricted one is not published)."""
    dinkes = [r for r in model.Session.execute(
        sa.select(Item).where(Item.cycle_id == filled["id"],
                              Item.kode_data.like("2027-DINKES-%"))
        .order_by(Item.kode_data)).scalars()]
    ids = [_package_id(i) for i in dinkes]
    for package_id in ids[2:]:
        call_as("resource_create", actors.produsen, package_id=package_id,
                url="http://example.com/more.csv")
    # 4 filled: one submitted, one returned, two accepted (one restricted)
    call_as("package_patch", actors.sysadmin, id=ids[3], sifat_akses="terbatas")
    for package_id in ids:
        call_as("satudata_dataset_submit", actors.produsen, id=package_id)
    call_as("satudata_dataset_review", actors.walidata, id=ids[1],
            hasil="perbaikan", catatan="Lengkapi")
    for package_id in ids[2:]:
        call_as("satudata_dataset_review", actors.walidata, id=package_id,
                hasil="diterima")
    progress = call_as("satudata_progress", actors.walidata, cycle_id=filled["id"])
    dinkes_row = next(o for o in progress["organizations"]
                      if o["organization"] == "dinkes")
    assert {k: dinkes_row[k] for k in ("with_data", "submitted", "returned",
                                       "accepted", "published")} == {
        "with_data": 4, "submitted": 1, "returned": 1, "accepted": 2,
        "published": 1}
    assert progress["totals"]["accepted"] == 2
    # the release calendar: the two accepted ones are released (a returned
    # one is not)
    release = dinkes_row["release"]
    assert release["released"] == 2 == release["on_time"] + release["released_late"]
    assert progress["totals"]["release"]["released"] == 2


def test_progress_before_provisioning(actors, call_as):
    cycle = cycle_at_step_10(actors.walidata)
    agreed_rows(cycle["id"], "dinkes", 2)
    progress = call_as("satudata_progress", actors.walidata, cycle_id=cycle["id"])
    assert progress["organizations"][0]["datasets"] == 0
    assert progress["totals"]["percent"] == 0.0


def test_progress_is_one_query(actors, filled, call_as):
    with statements() as sent:
        call_as("satudata_progress", actors.walidata, cycle_id=filled["id"])
    aggregate = [s for s in sent if "satudata_item" in s and "count(" in s]
    assert len(aggregate) == 1


def test_progress_auth(actors, filled, call_as):
    # anonymous visitors see it once the SK is published (step 9)...
    assert call_as("satudata_progress", None, cycle_id=filled["id"])["totals"]
    model.Session.execute(sa.update(Cycle).where(Cycle.id == filled["id"])
                          .values(published=False))
    model.Session.commit()
    # ...not before; logged-in users always
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_progress", None, cycle_id=filled["id"])
    assert call_as("satudata_progress", actors.anggota, cycle_id=filled["id"])


def test_status_auth(actors, filled, call_as):
    status = call_as("satudata_provision_status", actors.produsen,
                     cycle_id=filled["id"])
    assert status["state"] == "selesai" and status["pending"] == 0
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_provision_status", None, cycle_id=filled["id"])
