"""The audit trail (``satudata_event``) can be added to, never edited or deleted.

* Every action the plugin registers is called, with valid data, by the actor
  the SOP names, across a whole cycle (steps 1–10, then next year's carry-over);
  after each call every event written before it is still there, byte for byte.
  A new action makes the test fail until the walk calls it too.
* No action's name offers to edit events; the one that reads them has no side
  effect.
* The database itself refuses UPDATE and DELETE of an event (migration 04's
  trigger), through SQL or the ORM; the migration goes down and up again.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import ckan.model as model
import ckan.plugins as p
import openpyxl
import pytest
import sqlalchemy as sa
from ckan.model.types import make_uuid

from ckanext.satudata_planning import spreadsheet
from ckanext.satudata_planning.model import Event, Item
from ckanext.satudata_planning.sop.row_fields import FIELDS
from ckanext.satudata_planning.tests.factories import (
    DOC_DATES,
    DOC_NUMBERS,
    EXECUTOR,
    PDF,
    ROWS,
)

pytestmark = pytest.mark.usefixtures("with_request_context")

PLUGIN = "satudata_planning"
BEFORE_04 = "a3d0c5e1f2b4"
#: what a name that edits events would contain
EDITING = re.compile(r"(update|patch|delete|purge|edit|remove|clear|reset|truncate)")


def _events() -> dict[str, str]:
    """Every stored event as PostgreSQL's text of its whole row, by id.

    Read on a connection of its own, so the test's session plays no part.
    """
    with model.ensure_engine().connect() as conn:
        rows = conn.execute(
            sa.text("SELECT e.id, e::text FROM satudata_event e ORDER BY e.seq")
        ).all()
    return dict(rows)


def _registered_actions() -> dict[str, Callable[..., Any]]:
    return dict(p.get_plugin(PLUGIN).get_actions())


class Recorder:
    """``call_as`` that checks, after each action, that no earlier event changed."""

    def __init__(self, call_as: Callable[..., Any]) -> None:
        self.call_as = call_as
        self.called: set[str] = set()
        self.checked = 0

    def __call__(self, action: str, user: Any, **data: Any) -> Any:
        before = _events()
        result = self.call_as(action, user, **data)
        after = _events()
        kept = {k: after.get(k) for k in before}
        assert kept == before, f"{action} changed or removed an audit event"
        self.called.add(action)
        self.checked += len(before)
        return result


def _workbook(rows: list[dict[str, Any]]) -> bytes:
    column = {f.key: i for i, f in enumerate(FIELDS, start=1)}
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template()))
    ws = wb[spreadsheet.SHEET_DATA]
    for r, row in enumerate(rows, start=2):
        for key, value in row.items():
            ws.cell(row=r, column=column[key], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _complete(act: Recorder, actors: Any, cid: str, number: int) -> None:
    who = getattr(actors, EXECUTOR.get(number, "walidata"))
    act("satudata_step_complete", who, id=cid, step=number)


def _walk(act: Recorder, actors: Any) -> None:
    """A whole cycle through every action the plugin registers."""
    w, s, pb = actors.walidata, actors.sekretariat, actors.pembina
    cycle = act("satudata_cycle_create", w, tahun=2027)
    cid = cycle["id"]
    items = []
    for n, (org, nama, hasil, agreed) in enumerate(ROWS):
        who = actors.produsen if org == "dinkes" else actors.produsen_lain
        item = act(
            "satudata_item_create", who, cycle_id=cid, organization=org,
            nama_data=nama, frekuensi="tahunan", jadwal_rilis=f"2027-0{n + 2}-15",
        )
        items.append((item, hasil, agreed))
    first = items[0][0]
    # step 1: the OPD edits, imports, deletes
    act("satudata_item_patch", actors.produsen, id=first["id"], revision=1,
        satuan="unit")
    act("satudata_item_update", actors.produsen, id=first["id"], revision=2,
        nama_data=first["nama_data"], organization="dinkes", satuan="buah",
        frekuensi="tahunan", jadwal_rilis="2027-02-15")
    act("satudata_item_import", actors.produsen, cycle_id=cid, upload=_workbook([
        {"kode_data": first["kode_data"], "nama_data": first["nama_data"],
         "organization": "dinkes", "satuan": "gedung"},
        {"nama_data": "Baris yang dihapus", "organization": "dinkes"},
    ]))
    extra = model.Session.execute(
        sa.select(Item).where(Item.nama_data == "Baris yang dihapus")
    ).scalar_one()
    act("satudata_item_delete", actors.produsen, id=extra.id)
    for name in ("satudata_item_show", "satudata_item_list",
                 "satudata_organization_list", "satudata_cycle_show",
                 "satudata_cycle_list", "satudata_cycle_events"):
        key = {"satudata_item_show": {"id": first["id"], "include_history": True},
               "satudata_cycle_show": {"id": cid},
               "satudata_cycle_events": {"id": cid},
               "satudata_item_list": {"cycle_id": cid}}.get(name, {})
        act(name, w, **key)
    _complete(act, actors, cid, 1)
    act("satudata_recommendation_create", pb, cycle_id=cid, item_id=first["id"],
        isi="Lengkapi definisi operasional")
    act("satudata_recommendation_list", pb, cycle_id=cid)
    _complete(act, actors, cid, 2)
    _complete(act, actors, cid, 3)
    # step 4: the desk
    act("satudata_duplicates", s, cycle_id=cid)
    act("satudata_duplicate_ignore", s, cycle_id=cid, item_a=items[0][0]["id"],
        item_b=items[3][0]["id"])
    for item, hasil, _agreed in items:
        act("satudata_item_review", s, id=item["id"], hasil=hasil)
    _complete(act, actors, cid, 4)
    # steps 5-9: documents, forum, signed SK, publication
    for number in range(5, 10):
        if number in (5, 7, 8):
            jenis = {5: "ba_desk", 7: "ba_forum", 8: "sk"}[number]
            act("satudata_document_update", s, cycle_id=cid, jenis=jenis,
                nomor=DOC_NUMBERS[jenis], tanggal=DOC_DATES[jenis],
                tempat="Ruang Rapat Bappeda",
                peserta="Budi Santoso; Kepala Bidang; Bappeda",
                penandatangan="Ir. Ahmad; Kepala Bappeda; 19700101 199503 1 001")
            act("satudata_document_show", s, cycle_id=cid, jenis=jenis)
            act("satudata_document_data", s, cycle_id=cid, jenis=jenis)
            act("satudata_document_upload", s, cycle_id=cid, jenis=jenis, upload=PDF)
        elif number == 6:
            for flag in (True, False):
                ids = [i["id"] for i, h, a in items if h == "disetujui" and a is flag]
                act("satudata_item_agree", s, cycle_id=cid, ids=ids, disepakati=flag)
        elif number == 9:
            act("satudata_sk_publish", w, cycle_id=cid)
        _complete(act, actors, cid, number)
    # step 10: the datasets, then their progress
    act("satudata_provision", w, cycle_id=cid)
    act("satudata_provision_status", w, cycle_id=cid)
    act("satudata_progress", w, cycle_id=cid)
    act("satudata_todo_datasets", actors.produsen)
    act("satudata_my_tasks", actors.produsen)
    act("satudata_portal_summary", None)
    act("satudata_wilayah_list", None, tingkat="kecamatan")
    # after step 10: the OPD fills and submits, the Walidata returns, accepts
    dataset = act("satudata_verification_list", w, cycle_id=cid,
                  organization="dinkes")["results"][0]["name"]
    call_as = act.call_as
    call_as("resource_create", actors.produsen, package_id=dataset,
            url="http://example.com/data.csv")
    # its data table, filled from its template
    from ckanext.satudata_planning.tests.tables.conftest import filled

    row = model.Session.execute(
        sa.select(Item).where(Item.package_id == call_as(
            "package_show", actors.produsen, id=dataset)["id"])
    ).scalar_one()
    act("satudata_table_import", actors.produsen, id=dataset, upload=filled(row))
    act("satudata_dataset_submit", actors.produsen, id=dataset)
    act("satudata_dataset_review", w, id=dataset, hasil="perbaikan",
        catatan="Lengkapi")
    act("satudata_dataset_submit", actors.produsen, id=dataset)
    act("satudata_dataset_review", w, id=dataset, hasil="diterima")
    act("satudata_verification_show", actors.produsen, id=dataset)
    # the release calendar and its reminders (they record reminders, no events)
    act("satudata_release_calendar", None, tahun=2027)
    act("satudata_remind", w, today="2027-04-12", dry_run=True)
    _complete(act, actors, cid, 10)
    # next year starts from this year's agreed list
    act("satudata_cycle_create", w, tahun=2028)
    act("satudata_item_carry_over", w, cycle_id=2028, from_tahun=2027)


@pytest.mark.ckan_config("ckanext.satudata_planning.data_tables", "true")
def test_no_action_alters_or_removes_an_event(actors, call_as, storage):
    act = Recorder(call_as)
    _walk(act, actors)
    # the DataStore's own actions are CKAN's, registered again only to word
    # their refusals in Indonesian; the import above writes through them
    registered = {n for n in _registered_actions() if not n.startswith("datastore_")}
    assert act.called == registered, (
        f"not called: {sorted(registered - act.called)}; "
        f"unknown: {sorted(act.called - registered)}"
    )
    events = _events()
    assert len(events) > 40
    assert act.checked > 1000  # the comparisons really had events to compare
    actions = {a for (a,) in model.Session.execute(sa.select(Event.action).distinct())}
    for expected in ("item_update", "item_delete", "item_import", "item_review",
                     "item_agree", "document_upload", "step_complete"):
        assert expected in actions


@pytest.mark.usefixtures("with_plugins")
def test_no_action_offers_to_edit_events():
    actions = _registered_actions()
    on_events = {n: f for n, f in actions.items() if "event" in n}
    assert on_events, "the trail has a reader"
    for name, func in on_events.items():
        assert not EDITING.search(name), name
        assert getattr(func, "side_effect_free", False), f"{name} must only read"


def _an_event() -> str:
    event = Event.record(model.Session, cycle_id=None, user_id=None,
                         action="test_probe", target_type="test",
                         after={"n": 1})
    model.Session.commit()
    return event.id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE satudata_event SET action = 'forged' WHERE id = :id",
        "UPDATE satudata_event SET after = '{}'::jsonb",
        "DELETE FROM satudata_event WHERE id = :id",
        "DELETE FROM satudata_event",
    ],
)
def test_database_refuses_update_and_delete(clean_db, statement):
    event_id = _an_event()
    stored = _events()
    with pytest.raises(sa.exc.DBAPIError) as err:
        model.Session.execute(sa.text(statement), {"id": event_id})
    assert "append-only" in str(err.value.orig)
    model.Session.rollback()
    assert _events() == stored


def test_orm_cannot_edit_or_delete_an_event(clean_db):
    event_id = _an_event()
    stored = _events()
    event = model.Session.get(Event, event_id)
    event.after = {"n": 2}
    with pytest.raises(sa.exc.DBAPIError):
        model.Session.commit()
    model.Session.rollback()
    model.Session.delete(model.Session.get(Event, event_id))
    with pytest.raises(sa.exc.DBAPIError):
        model.Session.commit()
    model.Session.rollback()
    assert _events() == stored
    # adding stays free
    _an_event()
    assert len(_events()) == 2


def _has_trigger() -> bool:
    with model.ensure_engine().connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_trigger "
            "WHERE tgname = 'satudata_event_append_only' AND NOT tgisinternal"
        )).scalar())


def _version() -> str:
    with model.ensure_engine().connect() as conn:
        return conn.execute(sa.text(
            "SELECT version_num FROM satudata_planning_alembic_version"
        )).scalar_one()


def _head() -> str:
    """The newest migration of the plugin (later ones keep the trigger)."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import ckanext.satudata_planning as package

    folder = Path(package.__file__).parent / "migration" / PLUGIN
    config = Config()
    config.set_main_option("script_location", str(folder))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head
    return head


def test_migration_down_and_up(clean_db, migrate_db_for):
    head = _head()
    assert _version() == head and _has_trigger()
    event_id = _an_event()
    model.Session.remove()
    try:
        migrate_db_for(PLUGIN, BEFORE_04, False)
        assert _version() == BEFORE_04 and not _has_trigger()
        with model.ensure_engine().begin() as conn:
            conn.execute(sa.text("UPDATE satudata_event SET action = 'x'"))
            conn.execute(sa.text("DELETE FROM satudata_event"))
    finally:
        migrate_db_for(PLUGIN)
    assert _version() == head and _has_trigger()
    with model.ensure_engine().connect() as conn:
        conn.execute(sa.text(
            "INSERT INTO satudata_event (id, timestamp, action, target_type) "
            "VALUES (:id, now(), 'probe', 'test')"), {"id": make_uuid()})
        with pytest.raises(sa.exc.DBAPIError):
            conn.execute(sa.text("DELETE FROM satudata_event"))
    assert event_id not in _events()


def test_truncate_stays_possible_for_a_reset(clean_db):
    _an_event()
    model.Session.remove()
    with model.ensure_engine().begin() as conn:
        conn.execute(sa.text("TRUNCATE satudata_event"))
    assert _events() == {}


def test_core_test_reset_still_empties_the_trail(clean_db, reset_db):
    """CKAN's reset DELETEs every table; the harness TRUNCATEs the trail first."""
    _an_event()
    reset_db()
    assert _events() == {}
