"""Step 10: agreed rows become datasets in their OPD (``satudata_provision``)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan.tests import helpers

from ckanext.satudata_planning import provisioning as provision
from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.tests.factories import (
    SK_NUMBER,
    add_sk,
    agreed_rows,
    cycle_at_step_10,
    dataset_counts,
)
from ckanext.satudata_planning.workflow import gates

pytestmark = pytest.mark.usefixtures("with_plugins")


def _show(package_id: str) -> dict[str, Any]:
    return helpers.call_action("package_show", id=package_id)


def _item(item_id: str) -> Item:
    model.Session.expire_all()
    item = model.Session.get(Item, item_id)
    assert item is not None
    return item


@pytest.fixture
def cycle(actors: Any) -> dict[str, Any]:
    return cycle_at_step_10(actors.walidata)


def test_provision_creates_one_dataset_per_agreed_row(actors, cycle, call_as):
    add_sk(cycle["id"])
    mine = agreed_rows(cycle["id"], "dinkes", 3)
    other = agreed_rows(cycle["id"], "dinsos", 2)
    not_agreed = agreed_rows(
        cycle["id"], "dinkes", 1, prefix="2027-DINKES-X", disepakati=False
    )[0]

    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["tahun"])

    assert result["mode"] == "sync" and result["state"] == "selesai"
    assert (result["created"], result["updated"], result["errors"]) == (5, 0, [])
    row = _item(mine[0].id)
    pkg = _show(row.package_id)
    assert pkg["organization"]["name"] == "dinkes"
    assert pkg["kode_data"] == "2027-DINKES-001"
    assert pkg["name"] == "2027-dinkes-001"
    assert pkg["title"] == "Data dinkes nomor 1"
    assert pkg["tahun"] == 2027
    assert pkg["nomor_sk"] == SK_NUMBER
    assert pkg["satudata_item_id"] == row.id
    assert pkg["jenis_data"] == "statistik_sektoral"
    assert pkg["frekuensi"] == "tahunan"
    assert pkg["kategori_sumber"] == ["sdgs"]
    assert pkg["jadwal_rilis"] == "2027-03-31"
    assert "Definisi data 1" in pkg["notes"] and "Konsep baku" in pkg["notes"]
    assert pkg["private"] is True
    assert pkg["resources"] == []
    assert _show(_item(other[0].id).package_id)["organization"]["name"] == "dinsos"
    assert _item(not_agreed.id).package_id is None
    # the datasets are in the (PostgreSQL) search index, in the same commit
    found = helpers.call_action(
        "package_search",
        q="kode_data:2027-DINKES-002",
        include_private=True,
        context={"user": actors.sysadmin["name"]},
    )
    assert found["count"] == 1


@pytest.mark.ckan_config(provision.PRIVATE_OPTION, "false")
def test_public_when_configured(actors, cycle, call_as):
    row = agreed_rows(cycle["id"], "dinkes", 1)[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    pkg = _show(_item(row.id).package_id)
    assert pkg["private"] is False
    assert "nomor_sk" not in pkg or not pkg["nomor_sk"]  # no SK yet: no number


def test_rerun_creates_nothing_twice(actors, cycle, call_as):
    rows = agreed_rows(cycle["id"], "dinkes", 4)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    before = model.Session.execute(sa.select(sa.func.count(model.Package.id))).scalar()

    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])

    assert (again["created"], again["updated"], again["total"]) == (0, 0, 0)
    assert (
        model.Session.execute(sa.select(sa.func.count(model.Package.id))).scalar()
        == before
    )
    assert set(dataset_counts(cycle["id"]).values()) == {1}
    assert all(_item(r.id).package_id for r in rows)
    # each run is in the audit trail, with its counts and who ran it
    runs = call_as("satudata_cycle_events", actors.walidata, id=cycle["id"])
    runs = [e for e in runs if e["action"] == "provision_run"]
    assert [e["after"]["created"] for e in runs] == [0, 4]
    assert {e["user"] for e in runs} == {actors.walidata["name"]}


def test_lost_package_id_is_found_by_item_id(actors, cycle, call_as):
    """A dataset whose row lost its package_id is found again, not recreated."""
    row = agreed_rows(cycle["id"], "dinkes", 1)[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(row.id).package_id
    model.Session.execute(
        sa.update(Item).where(Item.id == row.id).values(package_id=None)
    )
    model.Session.commit()

    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])

    assert (again["created"], again["updated"]) == (0, 1)
    assert _item(row.id).package_id == package_id
    assert dataset_counts(cycle["id"])[row.id] == 1


def test_changed_row_updates_its_dataset(actors, cycle, call_as):
    rows = agreed_rows(cycle["id"], "dinkes", 2)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(rows[0].id).package_id
    # the OPD fills its dataset meanwhile: its resource must survive the update
    call_as(
        "resource_create",
        actors.sysadmin,
        package_id=package_id,
        url="http://example.com/data.csv",
        name="Data",
    )
    model.Session.execute(
        sa.update(Item)
        .where(Item.id == rows[0].id)
        .values(nama_data="Nama baru", satuan="unit", revision=Item.revision + 1)
    )
    model.Session.commit()

    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])

    assert (again["created"], again["updated"]) == (0, 1)
    pkg = _show(package_id)
    assert (pkg["title"], pkg["satuan"]) == ("Nama baru", "unit")
    assert pkg["satudata_item_revision"] == "2"
    assert len(pkg["resources"]) == 1
    assert _show(_item(rows[1].id).package_id)["title"] == "Data dinkes nomor 2"


def test_removed_rows_are_reported_and_kept(actors, cycle, call_as):
    rows = agreed_rows(cycle["id"], "dinkes", 3)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    ids = {r.id: _item(r.id).package_id for r in rows}
    model.Session.execute(
        sa.update(Item).where(Item.id == rows[0].id).values(disepakati=False)
    )
    model.Session.execute(
        sa.update(Item).where(Item.id == rows[1].id).values(state="deleted")
    )
    model.Session.commit()

    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])

    removed = {r["kode_data"]: r for r in again["removed"]}
    assert set(removed) == {"2027-DINKES-001", "2027-DINKES-002"}
    assert removed["2027-DINKES-001"]["alasan"] == "tidak_disepakati"
    assert removed["2027-DINKES-002"]["alasan"] == "dihapus"
    assert removed["2027-DINKES-001"]["package_id"] == ids[rows[0].id]
    for package_id in ids.values():
        assert _show(package_id)["state"] == "active"
    status = call_as("satudata_provision_status", actors.walidata, cycle_id=cycle["id"])
    assert {r["kode_data"] for r in status["removed"]} == set(removed)


def test_name_taken_gets_a_suffix(actors, cycle, call_as):
    call_as(
        "package_create",
        actors.sysadmin,
        name="2027-dinkes-001",
        title="Dataset lain",
        owner_org=actors.opd["id"],
    )
    row = agreed_rows(cycle["id"], "dinkes", 1)[0]
    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert result["created"] == 1
    assert _show(_item(row.id).package_id)["name"] == f"2027-dinkes-001-{row.id[:8]}"


def test_a_bad_row_is_reported_and_the_rest_made(actors, cycle, call_as):
    good = agreed_rows(cycle["id"], "dinkes", 2)
    bad = agreed_rows(cycle["id"], "dinsos", 1, frekuensi="tiap-jam")[0]
    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert result["created"] == 2
    assert [e["kode_data"] for e in result["errors"]] == [bad.kode_data]
    assert "frekuensi" in result["errors"][0]["errors"]
    assert all(_item(r.id).package_id for r in good)
    assert _item(bad.id).package_id is None


# --- auth and refusals ---------------------------------------------------------------


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("walidata", True),
        ("sysadmin", True),
        ("sekretariat", False),
        ("pembina", False),
        ("produsen", False),
        ("anggota", False),
    ],
)
def test_provision_auth(actors, cycle, call_as, who, allowed):
    agreed_rows(cycle["id"], "dinkes", 1)
    user = getattr(actors, who)
    if allowed:
        assert call_as("satudata_provision", user, cycle_id=cycle["id"])["created"] == 1
    else:
        with pytest.raises(tk.NotAuthorized):
            call_as("satudata_provision", user, cycle_id=cycle["id"])


def test_provision_anonymous_refused(actors, cycle, call_as):
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_provision", None, cycle_id=cycle["id"])


def test_provision_before_step_10_refused(actors, call_as):
    cycle = helpers.call_action(
        "satudata_cycle_create", context={"user": actors.walidata["name"]}, tahun=2028
    )
    with pytest.raises(tk.ValidationError) as e:
        call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert "cycle_id" in e.value.error_dict


def test_provision_unknown_cycle(actors, call_as):
    with pytest.raises(tk.ObjectNotFound):
        call_as("satudata_provision", actors.walidata, cycle_id=1999)


# --- the OPD fills its dataset -------------------------------------------------------


def test_opd_adds_resource_to_own_dataset_only(actors, cycle, call_as):
    mine = agreed_rows(cycle["id"], "dinkes", 1)[0]
    theirs = agreed_rows(cycle["id"], "dinsos", 1)[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])

    res = call_as(
        "resource_create",
        actors.produsen,
        package_id=_item(mine.id).package_id,
        url="http://example.com/puskesmas.csv",
        name="Puskesmas 2027",
    )
    assert res["package_id"] == _item(mine.id).package_id
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "resource_create",
            actors.produsen,
            package_id=_item(theirs.id).package_id,
            url="http://example.com/x.csv",
        )
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "resource_create",
            actors.anggota,
            package_id=_item(mine.id).package_id,
            url="http://example.com/y.csv",
        )


def test_todo_datasets(actors, cycle, call_as):
    agreed_rows(cycle["id"], "dinkes", 2)
    agreed_rows(cycle["id"], "dinsos", 1)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])

    todo = call_as("satudata_todo_datasets", actors.produsen)
    assert [t["kode_data"] for t in todo] == ["2027-DINKES-001", "2027-DINKES-002"]
    assert todo[0]["jadwal_rilis"] == "2027-03-31" and todo[0]["has_data"] is False
    call_as(
        "resource_create",
        actors.produsen,
        package_id=todo[0]["package_id"],
        url="http://example.com/a.csv",
    )
    todo = call_as("satudata_todo_datasets", actors.produsen, organization="dinkes")
    assert [t["kode_data"] for t in todo] == ["2027-DINKES-002", "2027-DINKES-001"]
    assert (
        call_as("satudata_todo_datasets", actors.anggota, organization="dinkes")[0][
            "organization"
        ]
        == "dinkes"
    )
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_todo_datasets", actors.produsen_lain, organization="dinkes")
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_todo_datasets", None)
    assert (
        len(call_as("satudata_todo_datasets", actors.walidata, organization="dinsos"))
        == 1
    )


# --- gate 10 -------------------------------------------------------------------------


def test_gate_10_refuses_then_passes(actors, cycle, call_as):
    assert gates.check_of(10) is gates.every_agreed_item_has_dataset
    agreed_rows(cycle["id"], "dinkes", 2)
    with pytest.raises(tk.ValidationError) as e:
        call_as("satudata_step_complete", actors.walidata, id=cycle["id"], step=10)
    assert "2" in str(e.value.error_dict["step"])

    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    done = call_as("satudata_step_complete", actors.walidata, id=cycle["id"], step=10)
    assert done["status"] == "selesai"


# --- background job, crash, concurrency -------------------------------------


def _ini() -> str:
    return os.path.abspath(tk.config["__file__"])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["CKAN_SQLALCHEMY_URL"] = tk.config["sqlalchemy.url"]
    env["CKAN_REDIS_URL"] = tk.config["ckan.redis.url"]
    return env


def _ckan() -> str:
    return os.path.join(os.path.dirname(sys.executable), "ckan")


@pytest.mark.ckan_config(provision.SYNC_MAX_OPTION, "2")
def test_background_job_through_rq_worker(actors, cycle, call_as):
    from ckan.lib import jobs

    jobs.get_queue(provision.QUEUE).empty()
    rows = agreed_rows(cycle["id"], "dinkes", 5)
    bad = agreed_rows(cycle["id"], "dinsos", 1, frekuensi="tiap-jam")[0]
    queued = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert queued["mode"] == "background" and queued["state"] == "antri"
    assert (
        call_as("satudata_provision_status", actors.walidata, cycle_id=cycle["id"])[
            "state"
        ]
        == "antri"
    )
    assert all(_item(r.id).package_id is None for r in rows)
    # asking again while it waits queues no second job
    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert again["job_id"] == queued["job_id"]
    assert jobs.get_queue(provision.QUEUE).count == 1

    out = subprocess.run(
        [_ckan(), "-c", _ini(), "jobs", "worker", "--burst", provision.QUEUE],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]

    status = call_as("satudata_provision_status", actors.walidata, cycle_id=cycle["id"])
    assert status["state"] == "selesai", status
    # the bad row is left for a re-run, its error in the site's language
    assert (status["done"], status["created"], status["pending"]) == (5, 5, 1)
    assert [e["kode_data"] for e in status["errors"]] == [bad.kode_data]
    assert status["errors"][0]["errors"]["frekuensi"] == [
        'pilihan "tiap-jam" tidak dikenal'
    ]
    counts = dataset_counts(cycle["id"])
    assert [counts[r.id] for r in rows] == [1] * 5 and counts[bad.id] == 0


def test_redis_down_is_a_clear_validation_error(actors, cycle, call_as, monkeypatch):
    from ckan.lib import redis as ckan_redis

    agreed_rows(cycle["id"], "dinkes", 2)
    monkeypatch.setitem(tk.config, "ckan.redis.url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(ckan_redis, "_connection_pool", None, raising=False)
    with pytest.raises(tk.ValidationError) as e:
        call_as(
            "satudata_provision", actors.walidata, cycle_id=cycle["id"], background=True
        )
    assert "could not be queued" in str(e.value.error_dict["background"])
    assert set(dataset_counts(cycle["id"]).values()) == {0}


def _child_run(cycle_id: str, user: str) -> None:
    """Run in a forked child: its own database connections."""
    model.Session.remove()
    model.meta.engine.dispose(close=False)
    provision.run(cycle_id, user)
    os._exit(0)


@pytest.mark.ckan_config(provision.BATCH_OPTION, "3")
@pytest.mark.ckan_config(provision.PAUSE_OPTION, "30")
def test_killed_run_leaves_no_half_batch_and_rerun_finishes(actors, cycle, call_as):
    rows = agreed_rows(cycle["id"], "dinkes", 8)
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_child_run, args=(cycle["id"], actors.walidata["name"]))
    child.start()
    deadline = time.monotonic() + 60
    made = 0
    while time.monotonic() < deadline:  # wait for the first batch to commit
        model.Session.rollback()
        made = model.Session.execute(
            sa.select(sa.func.count(Item.id)).where(
                Item.cycle_id == cycle["id"], Item.package_id.is_not(None)
            )
        ).scalar()
        if made:
            break
        time.sleep(0.2)
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    model.Session.rollback()
    assert made == 3  # exactly one batch: all of it or nothing
    assert sum(dataset_counts(cycle["id"]).values()) == 3

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(tk.config, provision.PAUSE_OPTION, "0")
        again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert again["created"] == 5
    assert set(dataset_counts(cycle["id"]).values()) == {1}
    assert all(_item(r.id).package_id for r in rows)


@pytest.mark.ckan_config(provision.BATCH_OPTION, "2")
def test_two_concurrent_runs_create_each_dataset_once(actors, cycle):
    rows = agreed_rows(cycle["id"], "dinkes", 7)
    agreed_rows(cycle["id"], "dinsos", 5)
    errors: list[BaseException] = []
    results: list[provision.Result] = []
    start = threading.Barrier(2)

    def go() -> None:
        try:
            start.wait()
            results.append(provision.run(cycle["id"], actors.walidata["name"]))
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(e)
        finally:
            model.Session.remove()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sum(r.created for r in results) == 12
    model.Session.rollback()
    counts = dataset_counts(cycle["id"])
    assert len(counts) == 12 and set(counts.values()) == {1}
    assert all(_item(r.id).package_id for r in rows)


def test_cli_provision(actors, cycle, cli):
    from ckan.cli.cli import ckan

    rows = agreed_rows(cycle["id"], "dinkes", 3)
    result = cli.invoke(ckan, ["satudata", "provision", "2027"])
    assert result.exit_code == 0, result.output
    assert "3 butir" in result.output and "dibuat 3" in result.output
    assert all(_item(r.id).package_id for r in rows)
    again = cli.invoke(ckan, ["satudata", "provision", "2027"])
    assert again.exit_code == 0 and "dibuat 0" in again.output
    missing = cli.invoke(ckan, ["satudata", "provision", "1999"])
    assert missing.exit_code == 1


def test_cli_reports_a_bad_row_in_indonesian(actors, cycle, cli):
    from ckan.cli.cli import ckan

    agreed_rows(cycle["id"], "dinkes", 2)
    bad = agreed_rows(cycle["id"], "dinsos", 1, frekuensi="tiap-jam")[0]
    result = cli.invoke(ckan, ["satudata", "provision", "2027"])
    assert result.exit_code == 3, result.output
    assert "dibuat 2" in result.output and "gagal 1" in result.output
    assert f"gagal: {bad.kode_data}" in result.output
    assert 'pilihan "tiap-jam" tidak dikenal' in result.output, result.output


def _index_row(package_id: str) -> dict[str, Any]:
    """The dataset's index row (all but its write time) and its facet pairs."""
    from ckanext.satudata_pgsearch.index import stored_facet_pairs
    from ckanext.satudata_pgsearch.model import (
        search_index_table as T,
    )

    model.Session.expire_all()
    row = dict(
        model.Session.execute(
            sa.select(T, sa.cast(T.c.search_vector, sa.Text).label("vector")).where(
                T.c.id == package_id
            )
        )
        .mappings()
        .one()
    )
    row.pop("indexed_at")
    row.pop("search_vector")
    row["facets"] = stored_facet_pairs(package_id)
    return row


def test_index_row_is_the_one_ckan_rebuild_stores(actors, cycle, call_as):
    from ckan.lib import search

    add_sk(cycle["id"])
    row = agreed_rows(cycle["id"], "dinkes", 2)[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(row.id).package_id
    provisioned = _index_row(package_id)
    assert provisioned["name"] == "2027-dinkes-001" and provisioned["facets"]

    search.rebuild(package_id)
    model.Session.commit()
    rebuilt = _index_row(package_id)
    assert provisioned == rebuilt


def test_each_created_dataset_has_its_new_package_activity(actors, cycle, call_as):
    from ckanext.activity.model import Activity

    rows = agreed_rows(cycle["id"], "dinkes", 3)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    for row in rows:
        package_id = _item(row.id).package_id
        activities = (
            model.Session.execute(
                sa.select(Activity).where(Activity.object_id == package_id)
            )
            .scalars()
            .all()
        )
        assert [a.activity_type for a in activities] == ["new package"]
        activity = activities[0]
        assert activity.user_id == actors.walidata["id"]
        assert activity.data["actor"] == "walidata"
        shown = _show(package_id)
        assert activity.data["package"]["name"] == shown["name"]
        assert activity.data["package"]["kode_data"] == shown["kode_data"]
        # the portal's activity stream shows it
        listed = helpers.call_action(
            "package_activity_list",
            id=package_id,
            context={"user": actors.sysadmin["name"]},
        )
        assert [a["activity_type"] for a in listed] == ["new package"]
