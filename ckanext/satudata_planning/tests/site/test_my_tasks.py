""" "Tugas saya": satudata_my_tasks per role, and satudata_portal_summary's
figures (the ``provisioned`` fixture is in this folder's conftest)."""
from __future__ import annotations

import datetime as dt

import ckan.model as model
import pytest
import sqlalchemy as sa

from ckanext.satudata_planning.model import Cycle
from ckanext.satudata_planning.tests.factories import (
    add_item,
    agreed_rows,
    cycle_at_step_10,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "with_request_context")


def test_opd_has_its_datasets_to_fill(actors, call_as, provisioned):
    tasks = call_as("satudata_my_tasks", actors.produsen)
    assert tasks["has_role"] is True
    names = {d["package_id"]: d["status"] for d in tasks["datasets"]}
    # the empty one is to fill; the submitted one waits for the Walidata
    assert names == {provisioned["empty"]: "kosong"}
    assert tasks["queue"] is None


def test_walidata_has_its_queue_and_late_opds(actors, call_as, provisioned):
    tasks = call_as("satudata_my_tasks", actors.walidata)
    assert tasks["queue"]["count"] == 1
    assert tasks["queue"]["results"][0]["package_id"] == provisioned["filled"]
    # every agreed row's release date (31 March 2027) is still to come
    assert tasks["late"] == []


def test_opd_sees_rows_sent_back_by_the_desk(actors, call_as, cycle):
    model.Session.execute(sa.update(Cycle).where(Cycle.id == cycle["id"])
                          .values(current_step=4))
    model.Session.commit()
    add_item(cycle["id"], "dinkes", kode_data="2027-DINKES-009",
             nama_data="Jumlah Posyandu", hasil="perbaikan",
             catatan_desk="Lengkapi definisi")
    add_item(cycle["id"], "dinsos", kode_data="2027-DINSOS-009",
             nama_data="Jumlah Panti", hasil="perbaikan")
    tasks = call_as("satudata_my_tasks", actors.produsen)
    assert [(r["kode_data"], r["catatan"]) for r in tasks["revisions"]] == [
        ("2027-DINKES-009", "Lengkapi definisi")]
    # the Pembina has the desk step to take part in, no rows to revise
    pembina = call_as("satudata_my_tasks", actors.pembina)
    assert pembina["revisions"] == []
    assert [s["step"] for s in pembina["steps"]] == [4]


def test_member_who_only_reads_has_no_role(actors, call_as, provisioned):
    tasks = call_as("satudata_my_tasks", actors.anggota)
    assert tasks["has_role"] is False
    assert tasks["datasets"] == [] and tasks["steps"] == []


def test_summary_counts_released_data(actors, call_as, provisioned):
    call_as("satudata_dataset_review", actors.walidata, id=provisioned["filled"],
            hasil="diterima")
    summary = call_as("satudata_portal_summary", None)
    assert summary["tahun"] == 2027
    assert summary["figures"]["agreed"] == 3
    assert summary["figures"]["released"] == 1
    assert summary["figures"]["released_percent"] == 33.3
    assert [d["name"] for d in summary["latest"]] == [
        model.Package.get(provisioned["filled"]).name]


def test_summary_lists_this_months_release_dates(actors, call_as):
    """From the release calendar: rows of the published cycles due this month."""
    from ckanext.satudata_planning.sop import working_days

    today = working_days.today()
    cycle = cycle_at_step_10(actors.walidata, tahun=today.year)
    agreed_rows(cycle["id"], "dinkes", 1, tahun=today.year,
                nama_data="Jumlah Bidan", jadwal_rilis=today.replace(day=1))
    agreed_rows(cycle["id"], "dinsos", 1, tahun=today.year,
                nama_data="Jumlah Panti", jadwal_rilis=dt.date(today.year - 1, 1, 5))
    summary = call_as("satudata_portal_summary", None)
    assert [r["nama_data"] for r in summary["releases"]] == ["Jumlah Bidan"]
