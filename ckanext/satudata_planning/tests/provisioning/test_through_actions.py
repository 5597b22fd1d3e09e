"""Step 10 through CKAN's public actions, held to what the actions give.

A dataset step 10 makes for a row is purged and made again from the same row
by ``package_create`` itself (committing and indexing per call): the
``package_show`` output, the index row and the activity are the same but for
the id and the timestamps. Updates go through ``package_update``: the index
row is a rebuild's, the activity a "changed package". Other plugins' hooks
and listeners hear every dataset; a row refused by one fails alone; a row
that makes an action roll the whole transaction back is left out and the
batch done again. What CKAN 2.12 does with ``defer_commit`` that the batch
relies on, and the signal sent after each batch.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan.plugins import core as plugins_core
from ckan.tests import helpers

from ckanext.satudata_pgsearch.index import stored_facet_pairs
from ckanext.satudata_pgsearch.model import search_index_table as T
from ckanext.satudata_planning import provisioning as provision
from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.provisioning import batch as provision_batch
from ckanext.satudata_planning.tests.factories import (
    SK_NUMBER,
    add_sk,
    agreed_rows,
    cycle_at_step_10,
    dataset_counts,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "without_tables")


@pytest.fixture
def without_tables() -> Iterator[None]:
    """These tests hold step 10 to ``package_create`` alone: the data tables
    made after each batch (tests/tables) are left out."""
    from ckanext.satudata_planning.tables import ensure

    signal = tk.signals.ckanext.signal(ensure.SIGNAL)
    signal.disconnect(ensure.on_provisioned)
    try:
        yield
    finally:
        signal.connect(ensure.on_provisioned)

#: every SOP field the dataset schema has, filled (vocabulary slugs valid)
FULL_ROW = {
    "jenis_data": "statistik_sektoral",
    "bentuk": "indikator",
    "kategori_sumber": ["sdgs", "spm"],
    "status_usulan": "baru",
    "konsep": "Konsep baku BPS",
    "definisi": "Definisi operasional",
    "ukuran": "jumlah",
    "satuan": "orang",
    "tingkat_penyajian": "kecamatan",
    "frekuensi": "tahunan",
    "jadwal_rilis": dt.date(2027, 3, 31),
    "cara_pengumpulan": "survei",
    "sumber_data": "SIAK",
    "sifat_akses": "terbuka",
}


@pytest.fixture
def cycle(actors: Any) -> dict[str, Any]:
    return cycle_at_step_10(actors.walidata)


def _item(item_id: str) -> Item:
    model.Session.expire_all()
    item = model.Session.get(Item, item_id)
    assert item is not None
    return item


def _show(package_id: str) -> dict[str, Any]:
    return helpers.call_action("package_show", id=package_id)


def _index_row(package_id: str) -> dict[str, Any]:
    """The dataset's index row (all but its write time and doc_id) and facets."""
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
    row.pop("doc_id")
    for key in ("indexed_at", "search_vector", "metadata_created", "metadata_modified"):
        row.pop(key)
    row["facets"] = stored_facet_pairs(package_id)
    return row


def _activities(package_id: str) -> list[dict[str, Any]]:
    from ckanext.activity.model import Activity

    model.Session.expire_all()
    rows = model.Session.execute(
        sa.select(Activity).where(Activity.object_id == package_id)
    ).scalars()
    return [
        {
            "user_id": a.user_id,
            "activity_type": a.activity_type,
            "permission_labels": a.permission_labels,
            "data": a.data,
        }
        for a in rows
    ]


def _stamps(package_id: str) -> list[str]:
    pkg = model.Session.get(model.Package, package_id)
    assert pkg is not None
    stamps = [pkg.metadata_created, pkg.metadata_modified]
    # the index keeps them to the millisecond, as Solr does
    millis = [
        s.strftime("%Y-%m-%dT%H:%M:%S")
        + (f".{s.microsecond // 1000:03d}" if s.microsecond // 1000 else "")
        for s in stamps
    ]
    return [s.isoformat() for s in stamps] + millis


def _neutral(value: Any, package_id: str, stamps: list[str]) -> str:
    """``value`` as JSON text with the dataset's id (also as CKAN's
    ``index_id``, a hash of it) and timestamps blanked."""
    site = tk.config["ckan.site_id"]
    index_id = hashlib.md5(f"{package_id}{site}".encode()).hexdigest()  # noqa: S324
    text = json.dumps(value, default=str)
    for old in [package_id, index_id, *stamps]:
        text = text.replace(old, "<>")
    # the index's own spelling of them: milliseconds and "Z"
    for stamp in stamps:
        text = text.replace(stamp[:23] + "Z", "<>")
    return text


def _snapshot(package_id: str) -> dict[str, str]:
    stamps = _stamps(package_id)
    return {
        "show": _neutral(_show(package_id), package_id, stamps),
        "index": _neutral(_index_row(package_id), package_id, stamps),
        "activity": _neutral(_activities(package_id), package_id, stamps),
    }


def _data_for(item: Item, name: str) -> dict[str, Any]:
    """What the provisioning passes for a new dataset of ``item``."""
    data = provision.dataset_dict(
        item, fields=provision.dataset_fields(), nomor_sk=SK_NUMBER, tahun=2027
    )
    return {**data, "name": name, "private": True, "type": "dataset"}


def _remade_by_package_create(item: Item, package_id: str, user: str) -> str:
    """Purge the dataset and make it again from the row with package_create."""
    name = _show(package_id)["name"]
    helpers.call_action("dataset_purge", id=package_id)
    pkg = helpers.call_action(
        "package_create", context={"user": user}, **_data_for(item, name)
    )
    return pkg["id"]




#: rows of different shapes in one batch
SPARSE_ROW = {
    "definisi": None,
    "konsep": None,
    "satuan": None,
    "kategori_sumber": [],
    "jadwal_rilis": None,
}


@pytest.mark.parametrize("position", [0, 2, 3])
def test_dataset_index_row_and_activity_are_package_create_s(
    actors, cycle, call_as, position
):
    from ckan.lib import search

    add_sk(cycle["id"])
    rows = (
        agreed_rows(cycle["id"], "dinkes", 2, **FULL_ROW)
        + agreed_rows(cycle["id"], "dinsos", 1, **SPARSE_ROW)
        + agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-X", rumus="a / b")
    )
    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert (result["created"], result["errors"]) == (4, [])
    row = rows[position]
    ours_id = _item(row.id).package_id
    ours = _snapshot(ours_id)
    shown = json.loads(ours["show"])
    assert shown["kode_data"] == row.kode_data
    if position < 2:
        assert sorted(shown["kategori_sumber"]) == ["sdgs", "spm"]
    if position == 2:
        assert "satuan" not in shown and "definisi" not in shown
    assert json.loads(ours["activity"])[0]["activity_type"] == "new package"

    core_id = _remade_by_package_create(_item(row.id), ours_id, "walidata")
    core = _snapshot(core_id)
    assert core_id != ours_id
    assert ours["show"] == core["show"]
    assert ours["activity"] == core["activity"]
    # package_create indexes its in-memory extras (in the schema's order);
    # CKAN's rebuild reads them back from the JSONB column (PostgreSQL's
    # order), and that is what step 10 stores
    search.rebuild(core_id)
    model.Session.commit()
    assert ours["index"] == _snapshot(core_id)["index"]


def test_index_row_is_the_one_a_rebuild_stores(actors, cycle, call_as):
    from ckan.lib import search

    row = agreed_rows(cycle["id"], "dinsos", 3, **FULL_ROW)[1]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(row.id).package_id
    provisioned = _index_row(package_id)

    search.rebuild(package_id)
    model.Session.commit()
    assert _index_row(package_id) == provisioned


def test_each_new_dataset_is_dictized_once(actors, cycle, call_as, monkeypatch):
    """The index is written inside ``package_create``, so the activity
    plugin's ``package_show`` reads the indexed copy (as after a committed
    ``package_create``) instead of dictizing the dataset again."""
    from ckan.lib.dictization import model_dictize

    agreed_rows(cycle["id"], "dinsos", 3, **FULL_ROW)
    real = model_dictize.package_dictize
    calls: list[str] = []

    def package_dictize(pkg: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(pkg.id)
        return real(pkg, *args, **kwargs)

    monkeypatch.setattr(model_dictize, "package_dictize", package_dictize)
    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert result["created"] == 3
    assert len(calls) == 3 and len(set(calls)) == 3
    assert all(a[0]["activity_type"] == "new package" for a in map(_activities, calls))
    assert all(_index_row(package_id)["id"] == package_id for package_id in calls)


def _change(item_id: str, **values: Any) -> None:
    model.Session.execute(
        sa.update(Item)
        .where(Item.id == item_id)
        .values(**values, revision=Item.revision + 1)
    )
    model.Session.commit()


def test_an_update_is_package_update_s_indexed_searchable_and_in_the_stream(
    actors, cycle, call_as
):
    """A changed row goes through package_update: the OPD's resource stays,
    the index row is a rebuild's, the dataset is found by its new text at
    once, and the activity stream has the change by the Walidata."""
    from ckan.lib import search

    rows = agreed_rows(cycle["id"], "dinkes", 2, **FULL_ROW)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(rows[0].id).package_id
    call_as(
        "resource_create",
        actors.sysadmin,
        package_id=package_id,
        url="http://example.com/data.csv",
        name="Data",
    )
    _change(rows[0].id, satuan="unit", nama_data="Jumlah bidan desa")
    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert (again["created"], again["updated"], again["errors"]) == (0, 1, [])
    updated = _index_row(package_id)
    assert updated["fields"]["satuan"] == ["unit"]
    assert updated["fields"]["res_name"] == ["Data"]
    found = helpers.call_action(
        "package_search",
        q="bidan",
        include_private=True,
        context={"user": actors.sysadmin["name"]},
    )
    assert [r["id"] for r in found["results"]] == [package_id]
    activities = _activities(package_id)
    # made, its resource added (by the sysadmin), changed by step 10
    assert sorted(a["activity_type"] for a in activities) == [
        "changed package",
        "changed package",
        "new package",
    ]
    changed = next(
        a for a in activities
        if a["activity_type"] == "changed package"
        and a["user_id"] == actors.walidata["id"]
    )
    assert changed["data"]["package"]["title"] == "Jumlah bidan desa"
    assert len(changed["data"]["package"]["resources"]) == 1
    # the resource's own activity (by the sysadmin) aside, nothing else
    listed = helpers.call_action(
        "package_activity_list",
        id=package_id,
        context={"user": actors.sysadmin["name"]},
    )
    assert listed[0]["activity_type"] == "changed package"
    assert listed[0]["user_id"] == actors.walidata["id"]

    search.rebuild(package_id)
    model.Session.commit()
    assert _index_row(package_id) == updated


def test_a_rerun_after_an_update_changes_nothing(actors, cycle, call_as):
    row = agreed_rows(cycle["id"], "dinkes", 1)[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(row.id).package_id
    _change(row.id, satuan="unit")
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    before = _snapshot(package_id)
    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert (again["created"], again["updated"], again["total"]) == (0, 0, 0)
    assert _snapshot(package_id) == before


def test_a_row_invalid_for_an_update_fails_alone(actors, cycle, call_as):
    rows = agreed_rows(cycle["id"], "dinkes", 3)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    for row in rows:
        _change(row.id, satuan="unit")
    _change(rows[1].id, frekuensi="tiap-jam")
    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert (again["created"], again["updated"]) == (0, 2)
    assert [e["kode_data"] for e in again["errors"]] == [rows[1].kode_data]
    assert "frekuensi" in again["errors"][0]["errors"]
    shown = [_show(_item(r.id).package_id) for r in rows]
    assert [s["satuan"] for s in shown] == ["unit", "orang", "unit"]
    assert shown[1]["frekuensi"] == "tahunan"  # its dataset as it was
    assert shown[1]["satudata_item_revision"] == "1"


# --- other plugins' hooks and listeners ----------------------------------------


class _Hooks(plugins.SingletonPlugin):
    """A plugin with package_create hooks (registered by the fixture below)."""

    plugins.implements(plugins.IPackageController, inherit=True)
    calls: list[tuple[str, Any]] = []
    refuse: set[str] = set()
    constraint: set[str] = set()

    def create(self, entity: model.Package) -> None:
        self.calls.append(("create", entity.id))

    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        self.calls.append(("after_dataset_create", copy.deepcopy(pkg_dict)))
        if pkg_dict.get("kode_data") in self.refuse:
            raise tk.ValidationError({"kode_data": ["refused by a plugin"]})
        if pkg_dict.get("kode_data") in self.constraint:
            # what a plugin's write that breaks a constraint raises
            model.Session.execute(
                sa.insert(model.Package).values(id=pkg_dict["id"], name="x")
            )


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Hooks]]:
    """_Hooks among the loaded plugins (CKAN's registry, as ``load`` fills it)."""
    monkeypatch.setattr(_Hooks, "calls", [])
    monkeypatch.setattr(_Hooks, "refuse", set())
    monkeypatch.setattr(_Hooks, "constraint", set())
    monkeypatch.setitem(plugins_core._PLUGINS_SERVICE, "satudata_test_hooks", _Hooks())
    yield _Hooks


def test_hooks_get_what_package_create_gives_them(actors, cycle, call_as, hooks):
    add_sk(cycle["id"])
    rows = agreed_rows(cycle["id"], "dinkes", 3, **FULL_ROW)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    made = {_item(r.id).package_id for r in rows}
    assert {c[1] for c in hooks.calls if c[0] == "create"} == made
    after = [c[1] for c in hooks.calls if c[0] == "after_dataset_create"]
    assert {d["id"] for d in after} == made
    ours = next(d for d in after if d["kode_data"] == rows[0].kode_data)

    hooks.calls.clear()
    helpers.call_action("dataset_purge", id=ours["id"])
    helpers.call_action(
        "package_create",
        context={"user": "walidata"},
        **_data_for(_item(rows[0].id), ours["name"]),
    )
    assert [c[0] for c in hooks.calls] == ["create", "after_dataset_create"]
    core_id, core = hooks.calls[0][1], hooks.calls[1][1]
    assert core["id"] == core_id != ours["id"]
    assert {**ours, "id": None} == {**core, "id": None}


def test_a_hook_refusing_a_dataset_leaves_only_that_row_out(
    actors, cycle, call_as, hooks
):
    rows = agreed_rows(cycle["id"], "dinkes", 4)
    hooks.refuse = {rows[2].kode_data}
    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert result["created"] == 3
    assert [e["kode_data"] for e in result["errors"]] == [rows[2].kode_data]
    assert result["errors"][0]["errors"] == {"kode_data": ["refused by a plugin"]}
    assert _item(rows[2].id).package_id is None
    counts = dataset_counts(cycle["id"])
    assert [counts[r.id] for r in rows] == [1, 1, 0, 1]




def test_a_row_a_constraint_stops_fails_alone(app, actors, cycle, call_as, hooks):
    rows = agreed_rows(cycle["id"], "dinkes", 3)
    hooks.constraint = {rows[1].kode_data}
    with app.flask_app.test_request_context():
        result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert result["created"] == 2
    assert [e["kode_data"] for e in result["errors"]] == [rows[1].kode_data]
    message = result["errors"][0]["errors"]["database"][0]
    assert message.startswith("Basis data menolak butir ini:"), message
    counts = dataset_counts(cycle["id"])
    assert [counts[r.id] for r in rows] == [1, 0, 1]


def test_another_listener_of_package_create_hears_every_dataset(
    actors, cycle, call_as
):
    heard: list[str] = []

    def listener(sender: str, **kwargs: Any) -> None:
        heard.append(kwargs["result"])

    tk.signals.action_succeeded.connect(listener, sender="package_create")
    try:
        rows = agreed_rows(cycle["id"], "dinkes", 3)
        result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    finally:
        tk.signals.action_succeeded.disconnect(listener, sender="package_create")
    assert result["created"] == 3
    assert sorted(heard) == sorted(_item(r.id).package_id for r in rows)


class _Observer(plugins.SingletonPlugin):
    """Records IDomainObjectModification notifications."""

    plugins.implements(plugins.IDomainObjectModification, inherit=True)
    seen: list[tuple[str, str]] = []

    def notify(self, entity: Any, operation: str) -> None:
        if isinstance(entity, model.Package):
            self.seen.append((entity.id, str(operation)))


def test_domain_object_observers_hear_what_package_create_tells_them(
    actors, cycle, call_as, monkeypatch
):
    monkeypatch.setattr(_Observer, "seen", [])
    monkeypatch.setitem(
        plugins_core._PLUGINS_SERVICE, "satudata_test_observer", _Observer()
    )
    row = agreed_rows(cycle["id"], "dinkes", 1)[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    ours_id = _item(row.id).package_id
    ours = sorted(op for pid, op in _Observer.seen if pid == ours_id)

    core_id = _remade_by_package_create(_item(row.id), ours_id, "walidata")
    core = sorted(op for pid, op in _Observer.seen if pid == core_id)
    assert ours == core and "new" in ours




# --- a row the action refuses after the check: the batch is done again ----------


def test_a_row_the_action_itself_refuses_is_left_out_and_the_batch_redone(
    actors, cycle, call_as, monkeypatch
):
    """package_create answers a validation error with Session.rollback()
    (the whole transaction, savepoints included): the run rolls back, leaves
    that row out and does the batch again."""
    rows = agreed_rows(cycle["id"], "dinkes", 4)
    bad = agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-DINKES-X",
                      frekuensi="tiap-jam")[0]
    monkeypatch.setattr(provision_batch, "validation_errors", lambda *a: {})
    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert result["created"] == 4
    assert [e["kode_data"] for e in result["errors"]] == [bad.kode_data]
    assert "frekuensi" in result["errors"][0]["errors"]
    counts = dataset_counts(cycle["id"])
    assert [counts[r.id] for r in rows] == [1, 1, 1, 1] and counts[bad.id] == 0
    assert _item(bad.id).package_id is None


def test_invalid_rows_cost_their_batch_one_attempt_more(
    actors, cycle, call_as, monkeypatch
):
    """The first invalid row rolls the batch back; the batch is done again
    with every row checked first, so the other invalid rows fail alone."""
    good = agreed_rows(cycle["id"], "dinkes", 4)
    bad = agreed_rows(cycle["id"], "dinkes", 3, prefix="2027-DINKES-X",
                      frekuensi="tiap-jam")
    attempts: list[bool] = []
    real = provision_batch.run_batch

    def spy(*args: Any, **kwargs: Any) -> Any:
        attempts.append(kwargs["check"])
        return real(*args, **kwargs)

    monkeypatch.setattr(provision_batch, "run_batch", spy)
    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert attempts == [False, True]
    assert result["created"] == 4 and result["batches"] == 1
    assert sorted(e["kode_data"] for e in result["errors"]) == sorted(
        r.kode_data for r in bad
    )
    counts = dataset_counts(cycle["id"])
    assert [counts[r.id] for r in good] == [1] * 4
    assert [counts[r.id] for r in bad] == [0] * 3


def test_the_error_of_a_bad_row_is_in_indonesian(app, actors, cycle, call_as):
    """The portal's request (its language, ``id``): scheming's message too."""
    agreed_rows(cycle["id"], "dinkes", 1, frekuensi="tiap-jam")
    with app.flask_app.test_request_context():
        result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert result["errors"][0]["errors"]["frekuensi"] == [
        'pilihan "tiap-jam" tidak dikenal'
    ]


# --- what CKAN 2.12 does with defer_commit (what the batch relies on) -------------


def _dataset(actors: Any, name: str) -> dict[str, Any]:
    return helpers.call_action(
        "package_create",
        context={"user": actors.sysadmin["name"]},
        name=name,
        title="Sebelum",
        owner_org=actors.opd["id"],
    )


def _title(package_id: str) -> str:
    """The title as committed (another connection; package_show may answer
    from the index)."""
    with model.meta.engine.connect() as conn:
        return conn.execute(
            sa.select(model.Package.title).where(model.Package.id == package_id)
        ).scalar_one()


def test_package_update_with_defer_commit_needs_return_id_only(actors):
    """Without return_id_only package_update rolls its savepoint back (the
    change is lost); with it, its change and what follows in the
    transaction are committed with it."""
    ctx = {"user": actors.sysadmin["name"], "ignore_auth": True, "defer_commit": True}
    lost, kept = _dataset(actors, "hilang"), _dataset(actors, "tetap")
    lost.pop("metadata_modified")
    kept.pop("metadata_modified")
    helpers.call_action("package_update", context=dict(ctx),
                        **{**lost, "title": "Sesudah"})
    helpers.call_action("package_update", context={**ctx, "return_id_only": True},
                        **{**kept, "title": "Sesudah"})
    after = helpers.call_action(
        "package_create", context=dict(ctx), name="sesudahnya", title="Sesudah",
        owner_org=actors.opd["id"],
    )
    model.Session.commit()
    assert _title(lost["id"]) == "Sebelum"
    assert _title(kept["id"]) == "Sesudah"
    assert _title(after["id"]) == "Sesudah"


def test_a_row_refused_after_the_write_rolls_back_to_its_savepoint_only(
    actors, cycle, hooks
):
    """Two rows in one batch: the second refused by a hook after its write;
    the first, made before it in the same transaction, stays."""
    rows = agreed_rows(cycle["id"], "dinkes", 2)
    hooks.refuse = {rows[1].kode_data}
    done = provision_batch.run_batch(
        [r.id for r in rows], user=actors.walidata["name"], tahun=2027,
        fields=provision.dataset_fields(), private=True, cycle_id=cycle["id"],
    )
    model.Session.commit()
    assert [i.id for i, _p in done.created] == [rows[0].id]
    assert [e["item_id"] for e in done.errors] == [rows[1].id]
    assert dataset_counts(cycle["id"]) == {rows[0].id: 1, rows[1].id: 0}
    assert _item(rows[0].id).package_id == done.created[0][1]


# --- the signal after each batch --------------------------------------------------


def test_the_signal_names_each_batch_s_rows_after_its_commit(
    actors, cycle, call_as
):
    rows = agreed_rows(cycle["id"], "dinkes", 3)
    bad = agreed_rows(cycle["id"], "dinsos", 1, frekuensi="tiap-jam")[0]
    heard: list[tuple[str, list[tuple[str, str, str]], int]] = []

    def receiver(
        sender: str, rows: list[tuple[Item, str]], **kwargs: Any
    ) -> None:
        # committed: another connection sees the datasets and the links
        with model.meta.engine.connect() as conn:
            linked = conn.execute(
                sa.select(sa.func.count(Item.id)).where(
                    Item.id.in_([i.id for i, _p in rows]),
                    Item.package_id.is_not(None),
                )
            ).scalar_one()
        heard.append(
            (sender, [(i.id, i.kode_data, p) for i, p in rows], linked)
        )

    signal = tk.signals.ckanext.signal(provision.DATASETS_PROVISIONED)
    signal.connect(receiver)
    try:
        with helpers.changed_config(provision.BATCH_OPTION, 2):
            call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
        _change(rows[2].id, satuan="unit")
        call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    finally:
        signal.disconnect(receiver)
    made = {r.id: _item(r.id).package_id for r in rows}
    # the first run: two batches (4 rows, 2 a batch), the bad row in neither
    # signal; each batch's rows were committed when it was sent
    assert len(heard) == 3
    assert all(s == cycle["id"] and 0 < len(r) <= 2 and n == len(r)
               for s, r, n in heard)
    first_run = [row for _s, batch, _n in heard[:2] for row in batch]
    assert sorted(first_run) == sorted(
        (r.id, r.kode_data, made[r.id]) for r in rows
    )
    assert heard[2][1] == [(rows[2].id, rows[2].kode_data, made[rows[2].id])]
    assert bad.id not in {i for _s, batch, _n in heard for i, _k, _p in batch}


def test_a_failing_receiver_does_not_stop_the_run(actors, cycle, call_as):
    rows = agreed_rows(cycle["id"], "dinkes", 3)

    def receiver(
        sender: str, rows: list[tuple[Item, str]], **kwargs: Any
    ) -> None:
        raise RuntimeError("receiver broken")

    signal = tk.signals.ckanext.signal(provision.DATASETS_PROVISIONED)
    signal.connect(receiver)
    try:
        with helpers.changed_config(provision.BATCH_OPTION, 2):
            result = call_as("satudata_provision", actors.walidata,
                             cycle_id=cycle["id"])
    finally:
        signal.disconnect(receiver)
    assert (result["created"], result["batches"]) == (3, 2)
    assert all(_item(r.id).package_id for r in rows)
