"""Two people saving the same row at once: exactly one wins, nothing is lost.

Each user runs in a thread of their own, so each has CKAN's thread-local
``model.Session`` and its own PostgreSQL connection. Both read the row first
(revision n, as a form they opened) and meet at a barrier; then both save with
revision n.

Threads alone would make the interleaving luck. A third connection holds a
``SHARE`` lock on ``satudata_item`` while they save: it lets reads and
``SELECT ... FOR UPDATE`` through but stops every ``UPDATE`` of the table. The
test releases it only once *both* savers wait on a lock, i.e. both are inside
their transaction past the read. Without a row lock both would then have read
revision n and both would write (a lost update); with it the second waits on
the first's row lock and reads revision n+1. The figure is the same on every
run.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import openpyxl
import pytest
import sqlalchemy as sa

from ckanext.satudata_planning import spreadsheet
from ckanext.satudata_planning.model import Cycle, Event, Item
from ckanext.satudata_planning.sop.row_fields import FIELDS
from ckanext.satudata_planning.tests.web import csrf_token, login

WAIT = 20.0


def _row(call_as, actors) -> dict[str, Any]:
    return call_as(
        "satudata_item_create",
        actors.produsen,
        cycle_id=2027,
        organization="dinkes",
        nama_data="Jumlah Puskesmas",
        satuan="unit",
    )


def _waiting_on_locks(conn: sa.Connection) -> int:
    """Backends of this database waiting for a lock (the two savers)."""
    return conn.execute(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid()"
        )
    ).scalar_one()


class Gate:
    """Holds writes to satudata_item while two saves get under way."""

    def __init__(self) -> None:
        engine = model.ensure_engine()
        self.holder = engine.connect()
        self.watcher = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.trans: sa.Transaction | None = None

    def hold(self, tables: tuple[str, ...] = ("satudata_item",)) -> None:
        self.trans = self.holder.begin()
        for table in tables:
            self.holder.execute(sa.text(f"LOCK TABLE {table} IN SHARE MODE"))

    def release_when_both_wait(self) -> None:
        """Let the writes go once two backends wait on a lock (or fail)."""
        deadline = time.monotonic() + WAIT
        try:
            while _waiting_on_locks(self.watcher) < 2:
                if time.monotonic() > deadline:
                    pytest.fail("the two saves never overlapped inside PostgreSQL")
                time.sleep(0.02)
        finally:
            self.close()

    def close(self) -> None:
        if self.trans is not None and self.trans.is_active:
            self.trans.commit()


@pytest.fixture
def gate() -> Iterator[Gate]:
    g = Gate()
    yield g
    g.close()
    g.holder.close()
    g.watcher.close()


def _race(
    app: Any,
    gate: Gate,
    calls: list[tuple[str, dict[str, Any], dict[str, Any]]],
    item_id: str,
    *,
    revision: int = 1,
    tables: tuple[str, ...] = ("satudata_item",),
) -> list[Any]:
    """Run ``(action, user, data)`` calls in parallel threads; each reads the
    row (at revision 1) first, then all save together. Returns a result or
    exception each."""
    flask_app = app.flask_app
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(n: int, action: str, user: dict[str, Any], data: dict[str, Any]) -> None:
        try:
            with flask_app.test_request_context():
                seen = tk.get_action("satudata_item_show")(
                    {"user": user["name"]}, {"id": item_id}
                )
                assert seen["revision"] == revision
                model.Session.rollback()  # the form is open; no transaction is
                start.wait(WAIT)
                results[n] = tk.get_action(action)(
                    {"user": user["name"], "ignore_auth": False}, dict(data)
                )
        except BaseException as e:  # noqa: BLE001 (asserted by the caller)
            results[n] = e
        finally:
            model.Session.remove()

    threads = [
        threading.Thread(target=run, args=(n, *call)) for n, call in enumerate(calls)
    ]
    model.Session.rollback()
    gate.hold(tables)
    for t in threads:
        t.start()
    gate.release_when_both_wait()
    for t in threads:
        t.join(WAIT * 2)
    assert not any(t.is_alive() for t in threads), "a save hung"
    model.Session.rollback()
    model.Session.expire_all()
    return results


CONFLICT = (
    "Someone else changed this row after you opened it. Their change has been "
    "kept: reload the row, then make your change again."
)


def _conflict_text(app: Any) -> str:
    """The conflict message as a request in the portal's language shows it."""
    with app.flask_app.test_request_context():
        return tk._(CONFLICT)


def _one_winner(app: Any, results: list[Any]) -> tuple[int, tk.ValidationError]:
    winners = [n for n, r in enumerate(results) if isinstance(r, dict)]
    losers = [r for r in results if isinstance(r, tk.ValidationError)]
    assert len(winners) == 1 and len(losers) == 1, results
    conflict = losers[0]
    assert list(conflict.error_dict) == ["revision"]
    assert conflict.error_dict["revision"] == [_conflict_text(app)]
    return winners[0], conflict


def _events(item_id: str, action: str) -> list[Event]:
    return (
        model.Session.query(Event)
        .filter_by(target_type="item", target_id=item_id, action=action)
        .order_by(Event.seq)
        .all()
    )


@pytest.mark.parametrize("action", ["satudata_item_patch", "satudata_item_update"])
def test_two_saves_of_one_revision_one_wins(app, actors, call_as, cycle, gate, action):
    row = _row(call_as, actors)
    calls = [
        (
            action,
            who,
            {
                "id": row["id"],
                "revision": 1,
                "nama_data": "Jumlah Puskesmas",
                "organization": "dinkes",
                "satuan": satuan,
            },
        )
        for who, satuan in ((actors.produsen, "buah"), (actors.sysadmin, "gedung"))
    ]
    results = _race(app, gate, calls, row["id"])
    winner, _conflict = _one_winner(app, results)
    item = model.Session.get(Item, row["id"])
    assert item.satuan == calls[winner][2]["satuan"]
    assert item.revision == 2 and results[winner]["revision"] == 2
    events = _events(row["id"], "item_update")
    assert len(events) == 1
    assert events[0].before["satuan"] == "unit"
    assert events[0].after["satuan"] == item.satuan
    assert events[0].user_id == calls[winner][1]["id"]


def test_two_desk_results_of_one_revision_one_wins(app, actors, call_as, cycle, gate):
    row = _row(call_as, actors)
    c = Cycle.get(2027)
    c.current_step = 4
    model.Session.commit()
    desk = ((actors.sekretariat, "disetujui"), (actors.pembina, "ditolak"))
    calls = [
        ("satudata_item_review", who, {"id": row["id"], "revision": 1, "hasil": hasil})
        for who, hasil in desk
    ]
    results = _race(app, gate, calls, row["id"])
    winner, _conflict = _one_winner(app, results)
    item = model.Session.get(Item, row["id"])
    assert item.hasil == calls[winner][2]["hasil"] and item.revision == 2
    events = _events(row["id"], "item_review")
    assert len(events) == 1 and events[0].after["hasil"] == item.hasil


def test_a_desk_result_and_the_step_closing_at_once_keep_the_gate(
    app, actors, call_as, cycle, gate
):
    """Step 4 closes only when no revision (perbaikan) is open. The desk
    sends a row back at the moment the Walidata closes the step: both pass
    their checks, then meet inside PostgreSQL (the item and event tables held).
    Exactly one goes through: the review first, and the gate then refuses
    the step; or the step first, and the review is then refused (step 5).
    Without the cycle lock both went through: a closed desk, a row open."""
    rows = [_row(call_as, actors) for _ in range(2)]
    for number in (1, 2, 3):
        call_as("satudata_step_complete", actors.sysadmin, id=2027, step=number)
    for row in rows:
        call_as(
            "satudata_item_review", actors.sekretariat, id=row["id"], hasil="disetujui"
        )
    calls = [
        (
            "satudata_item_review",
            actors.sekretariat,
            {"id": rows[0]["id"], "hasil": "perbaikan", "catatan": "Lengkapi definisi"},
        ),
        ("satudata_step_complete", actors.sysadmin, {"id": 2027, "step": 4}),
    ]
    results = _race(
        app,
        gate,
        calls,
        rows[0]["id"],
        revision=2,
        tables=("satudata_item", "satudata_event"),
    )
    went_through = [isinstance(r, dict) for r in results]
    assert went_through.count(True) == 1, results
    item = model.Session.get(Item, rows[0]["id"])
    step = Cycle.get(2027).current_step
    if went_through[0]:
        assert (item.hasil, step) == ("perbaikan", 4)
        assert isinstance(results[1], tk.ValidationError)
    else:
        assert (item.hasil, step) == ("disetujui", 5)
        assert isinstance(results[0], tk.NotAuthorized)


def test_import_and_edit_of_one_row_at_once_lose_nothing(
    app, actors, call_as, cycle, gate
):
    """An import that updates a row races an edit of it. The file carries no
    revision (the newer list wins), so both may succeed one after the other,
    or the edit is told of the conflict; either way every success is counted
    in the revision and has its own event: no change overwrites another
    unseen."""
    row = _row(call_as, actors)
    column = {f.key: i for i, f in enumerate(FIELDS, start=1)}
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template()))
    ws = wb[spreadsheet.SHEET_DATA]
    for key, value in (
        ("kode_data", row["kode_data"]),
        ("organization", "dinkes"),
        ("nama_data", "Jumlah Puskesmas"),
        ("satuan", "lusin"),
    ):
        ws.cell(row=2, column=column[key], value=value)
    out = io.BytesIO()
    wb.save(out)
    calls = [
        (
            "satudata_item_import",
            actors.produsen,
            {"cycle_id": 2027, "upload": out.getvalue()},
        ),
        (
            "satudata_item_patch",
            actors.sysadmin,
            {"id": row["id"], "revision": 1, "satuan": "gedung"},
        ),
    ]
    results = _race(app, gate, calls, row["id"])
    done = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if not isinstance(r, dict)]
    assert all(isinstance(r, tk.ValidationError) for r in refused), refused
    assert done and results[0] == {"count": 1, "created": 0, "updated": 1}
    item = model.Session.get(Item, row["id"])
    assert item.revision == 1 + len(done)
    events = (
        model.Session.query(Event)
        .filter(Event.target_id == row["id"], Event.action != "item_create")
        .order_by(Event.seq)
        .all()
    )
    assert [e.after["revision"] for e in events] == list(range(2, 2 + len(done)))
    assert [e.before["revision"] for e in events] == list(range(1, 1 + len(done)))
    assert events[-1].after["satuan"] == item.satuan


def test_second_form_with_the_same_revision_shows_the_conflict(
    app, actors, call_as, cycle
):
    """Two people open the row's form (revision 1); the second save is told."""
    row = _row(call_as, actors)
    url = f"/perencanaan/2027/daftar/{row['kode_data']}"
    forms = {}
    for label in ("produsen", "sysadmin"):
        login(app, getattr(actors, label))
        page = app.get(url).get_data(as_text=True)
        assert 'name="revision" value="1"' in page
        forms[label] = (app.client, csrf_token(app, url))

    def post(label: str, satuan: str) -> str:
        app.client, token = forms[label]
        res = app.post(
            url,
            data={
                "_csrf_token": token,
                "revision": "1",
                "nama_data": "Jumlah Puskesmas",
                "organization": "dinkes",
                "satuan": satuan,
            },
        )
        assert res.status_code == 200
        return res.get_data(as_text=True)

    first = post("produsen", "buah")
    assert "satudata-form-errors" not in first
    second = post("sysadmin", "gedung")
    assert "satudata-form-errors" in second
    assert _conflict_text(app) in second
    model.Session.expire_all()
    item = model.Session.get(Item, row["id"])
    assert item.satuan == "buah" and item.revision == 2
    assert len(_events(row["id"], "item_update")) == 1
