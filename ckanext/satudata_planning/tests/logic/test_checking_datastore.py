"""The checking and the DataStore: who reads a provisioned dataset's table
(CKAN's permission labels reach ``datastore_search`` through
``resource_show``), who reads it once accepted, and a table row written after
acceptance puts the dataset back in the Walidata's queue.

These tests load the ``datastore`` plugin; they need its two database URLs
(``ckan.datastore.write_url`` and ``read_url``, or ``CKAN_DATASTORE_WRITE_URL``
and ``CKAN_DATASTORE_READ_URL``) and the read-only role CKAN's
``datastore set-permissions`` sets up. Without them they are skipped.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from ckanext.satudata_planning.model import Event, Item
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)

DATASTORE = bool(tk.config.get("ckan.datastore.write_url"))
PLUGINS = "datastore satudata_planning satudata_pgsearch scheming_datasets activity"

pytestmark = [
    pytest.mark.skipif(not DATASTORE, reason="the DataStore's databases are not "
                       "configured (CKAN_DATASTORE_WRITE_URL, …_READ_URL)"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "with_request_context"),
]

FIELDS = [{"id": "kode_wilayah", "type": "text"}, {"id": "tahun", "type": "int4"},
          {"id": "nilai", "type": "numeric"}]
RECORDS = [{"kode_wilayah": "33.75.01", "tahun": 2027, "nilai": 12},
           {"kode_wilayah": "33.75.02", "tahun": 2027, "nilai": 9}]


@pytest.fixture
def tables(actors: Any, call_as: Any) -> dict[str, dict[str, str]]:
    """Two datasets of dinkes made by step 10 (open and restricted), each with
    a DataStore table its OPD filled; the DataStore emptied first."""
    from ckanext.datastore.tests import helpers as ds

    # the DataStore's own database only (its rebuild_all_dbs resets CKAN's too)
    ds.clear_db(orm.scoped_session(orm.sessionmaker(bind=ds.db.get_write_engine())))
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    items = (agreed_rows(cycle["id"], "dinkes", 1, sifat_akses="terbuka")
             + agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-DINKES-T",
                           sifat_akses="terbatas"))
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    model.Session.expire_all()
    out = {}
    for key, item in zip(("terbuka", "terbatas"), items, strict=True):
        row = model.Session.get(Item, item.id)
        assert row is not None and row.package_id
        made = call_as("datastore_create", actors.produsen,
                       resource={"package_id": row.package_id, "name": "Tabel"},
                       fields=FIELDS, primary_key=["kode_wilayah"], records=RECORDS)
        out[key] = {"package_id": row.package_id, "resource_id": made["resource_id"]}
    return out


def _search(call_as: Any, user: Any, resource_id: str) -> int:
    return call_as("datastore_search", user, resource_id=resource_id)["total"]


def test_walidata_and_pembina_read_the_private_table(actors, tables, call_as):
    resource_id = tables["terbuka"]["resource_id"]
    for reader in (actors.walidata, actors.pembina, actors.produsen):
        assert _search(call_as, reader, resource_id) == 2, reader["name"]
    for outsider in (actors.produsen_lain, actors.sekretariat, None):
        with pytest.raises(tk.NotAuthorized):
            _search(call_as, outsider, resource_id)


def test_accepted_open_tables_are_public_and_restricted_ones_are_not(
        actors, tables, call_as):
    for key in ("terbuka", "terbatas"):
        call_as("satudata_dataset_submit", actors.produsen,
                id=tables[key]["package_id"])
        call_as("satudata_dataset_review", actors.walidata,
                id=tables[key]["package_id"], hasil="diterima")
    assert _search(call_as, None, tables["terbuka"]["resource_id"]) == 2
    with pytest.raises(tk.NotAuthorized):
        _search(call_as, None, tables["terbatas"]["resource_id"])


def test_a_table_row_changed_after_acceptance_puts_it_back_in_the_queue(
        actors, tables, call_as):
    package_id, resource_id = (tables["terbuka"]["package_id"],
                               tables["terbuka"]["resource_id"])
    call_as("satudata_dataset_submit", actors.produsen, id=package_id)
    call_as("satudata_dataset_review", actors.walidata, id=package_id,
            hasil="diterima")
    # a dry run writes nothing: nothing moves
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="upsert", dry_run=True,
            records=[{"kode_wilayah": "33.75.01", "tahun": 2027, "nilai": 13}])
    shown = call_as("satudata_verification_show", actors.walidata, id=package_id)
    assert (shown["status"], shown["queued"]) == ("diterima", False)

    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="upsert",
            records=[{"kode_wilayah": "33.75.01", "tahun": 2027, "nilai": 13}])
    shown = call_as("satudata_verification_show", actors.walidata, id=package_id)
    assert (shown["status"], shown["queued"], shown["private"]) == (
        "diisi", True, False)  # public until the Walidata decides
    last = model.Session.execute(
        sa.select(Event.action, Event.user_id).where(Event.target_id == package_id)
        .order_by(Event.seq.desc()).limit(1)).one()
    assert last == ("dataset_change", actors.produsen["id"])
    queue = call_as("satudata_verification_list", actors.walidata, queued=True)
    assert [r["package_id"] for r in queue["results"]] == [package_id]

    # accepted again, then a row deleted: back again
    call_as("satudata_dataset_review", actors.walidata, id=package_id,
            hasil="diterima")
    call_as("datastore_delete", actors.produsen, resource_id=resource_id,
            filters={"kode_wilayah": "33.75.02"})
    assert call_as("satudata_verification_show", actors.walidata,
                   id=package_id)["status"] == "diisi"
