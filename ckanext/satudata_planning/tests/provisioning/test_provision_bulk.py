"""Step 10's fast path (``provision_bulk``) held to ``package_create``.

A dataset the fast path makes for a row is purged and made again from the
same row by ``package_create`` itself (the action, committing and indexing
per call, its activity written by the activity plugin's subscriber): the
``package_show`` output, the index row and the activity must be the same but
for the id and the timestamps. Then: other plugins' hooks, what keeps the
fast path off, and the bulk index write against the one-by-one write.
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

from ckanext.satudata_pgsearch import index as search_index
from ckanext.satudata_pgsearch.model import search_facet_table as F
from ckanext.satudata_pgsearch.model import search_index_table as T
from ckanext.satudata_pgsearch.model import search_term_table as TERMS
from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.provisioning import bulk as provision_bulk
from ckanext.satudata_planning.provisioning import run as provision
from ckanext.satudata_planning.tests.factories import (
    SK_NUMBER,
    add_sk,
    agreed_rows,
    cycle_at_step_10,
    dataset_counts,
)

pytestmark = pytest.mark.usefixtures("with_plugins")

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
    doc_id = row.pop("doc_id")
    for key in ("indexed_at", "search_vector", "metadata_created", "metadata_modified"):
        row.pop(key)
    row["facets"] = sorted(
        model.Session.execute(
            sa.select(TERMS.c.field, TERMS.c.value)
            .join(F, F.c.term_id == TERMS.c.term_id)
            .where(F.c.doc_id == doc_id)
        ).all()
    )
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


def test_fast_path_is_the_default():
    assert provision_bulk.blockers() == []
    assert provision.fast_path() is True


#: rows of different shapes in one batch: the first is validated by
#: plugin_validate itself, the others by the compiled schema (Validation)
SPARSE_ROW = {
    "definisi": None,
    "konsep": None,
    "satuan": None,
    "kategori_sumber": [],
    "jadwal_rilis": None,
}


@pytest.mark.parametrize("position", [0, 1, 2, 3])
def test_dataset_index_row_and_activity_are_package_create_s(
    actors, cycle, call_as, position, monkeypatch
):
    from ckan.lib import plugins as lib_plugins
    from ckan.lib import search

    add_sk(cycle["id"])
    rows = (
        agreed_rows(cycle["id"], "dinkes", 2, **FULL_ROW)
        + agreed_rows(cycle["id"], "dinsos", 1, **SPARSE_ROW)
        + agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-X", rumus="a / b")
    )
    calls = []
    with monkeypatch.context() as m:
        real = lib_plugins.plugin_validate
        m.setattr(
            lib_plugins,
            "plugin_validate",
            lambda *args: calls.append(args[-1]) or real(*args),
        )
        result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert (result["created"], result["errors"]) == (4, [])
    # plugin_validate itself only for the first dataset (create, both shows);
    # the others went through the compiled schemas
    assert calls == ["package_create", "package_show", "package_show"]
    row = rows[position]
    fast_id = _item(row.id).package_id
    fast = _snapshot(fast_id)
    shown = json.loads(fast["show"])
    assert shown["kode_data"] == row.kode_data
    if position < 2:
        assert sorted(shown["kategori_sumber"]) == ["sdgs", "spm"]
    if position == 2:
        assert "satuan" not in shown and "definisi" not in shown
    assert json.loads(fast["activity"])[0]["activity_type"] == "new package"

    core_id = _remade_by_package_create(_item(row.id), fast_id, "walidata")
    core = _snapshot(core_id)
    assert core_id != fast_id
    assert fast["show"] == core["show"]
    assert fast["activity"] == core["activity"]
    # package_create indexes its in-memory extras (in the schema's order);
    # CKAN's rebuild reads them back from the JSONB column (PostgreSQL's
    # order), and that is what the fast path stores
    search.rebuild(core_id)
    model.Session.commit()
    assert fast["index"] == _snapshot(core_id)["index"]


def test_index_row_is_the_one_a_rebuild_stores(actors, cycle, call_as):
    from ckan.lib import search

    row = agreed_rows(cycle["id"], "dinsos", 3, **FULL_ROW)[1]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(row.id).package_id
    provisioned = _index_row(package_id)

    search.rebuild(package_id)
    model.Session.commit()
    assert _index_row(package_id) == provisioned


def test_updated_dataset_equals_package_show(actors, cycle, call_as):
    """A changed row goes through package_patch; its index row is a rebuild's."""
    from ckan.lib import search

    row = agreed_rows(cycle["id"], "dinkes", 1, **FULL_ROW)[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(row.id).package_id
    call_as(
        "resource_create",
        actors.sysadmin,
        package_id=package_id,
        url="http://example.com/data.csv",
        name="Data",
    )
    model.Session.execute(
        sa.update(Item)
        .where(Item.id == row.id)
        .values(satuan="unit", revision=Item.revision + 1)
    )
    model.Session.commit()
    again = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert (again["created"], again["updated"]) == (0, 1)
    updated = _index_row(package_id)
    assert updated["fields"]["satuan"] == ["unit"]
    assert updated["fields"]["res_name"] == ["Data"]

    search.rebuild(package_id)
    model.Session.commit()
    assert _index_row(package_id) == updated


def test_create_validates_each_row_and_leaves_related_rows_to_package_create(
    actors, cycle
):
    rows = agreed_rows(cycle["id"], "dinkes", 3)
    good, bad, tagged = (_data_for(r, f"data-{i}") for i, r in enumerate(rows))
    bad["jenis_data"] = "bukan-pilihan"
    tagged["tag_string"] = "kesehatan,penduduk"

    made = provision_bulk.create(
        [("good", good), ("bad", bad), ("tagged", tagged)], user="walidata"
    )

    assert list(made.ids) == ["good"]
    assert list(made.errors) == ["bad"] and "jenis_data" in made.errors["bad"]
    assert made.declined == ["tagged"]  # tags are package_create's to save
    names = model.Session.execute(
        sa.select(model.Package.name).where(model.Package.name.like("data-%"))
    ).scalars()
    assert list(names) == ["data-0"]
    member = model.Session.execute(
        sa.select(model.Member.group_id, model.Member.capacity).where(
            model.Member.table_id == made.ids["good"], model.Member.state == "active"
        )
    ).one()
    assert tuple(member) == (actors.opd["id"], "organization")
    model.Session.rollback()


# --- other plugins' hooks and listeners ----------------------------------------


class _Hooks(plugins.SingletonPlugin):
    """A plugin with package_create hooks (registered by the fixture below)."""

    plugins.implements(plugins.IPackageController, inherit=True)
    calls: list[tuple[str, Any]] = []
    refuse: set[str] = set()

    def create(self, entity: model.Package) -> None:
        self.calls.append(("create", entity.id))

    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        self.calls.append(("after_dataset_create", copy.deepcopy(pkg_dict)))
        if pkg_dict.get("kode_data") in self.refuse:
            raise tk.ValidationError({"kode_data": ["refused by a plugin"]})


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Hooks]]:
    """_Hooks among the loaded plugins (CKAN's registry, as ``load`` fills it)."""
    monkeypatch.setattr(_Hooks, "calls", [])
    monkeypatch.setattr(_Hooks, "refuse", set())
    monkeypatch.setitem(plugins_core._PLUGINS_SERVICE, "satudata_test_hooks", _Hooks())
    yield _Hooks


def test_hooks_get_what_package_create_gives_them(actors, cycle, call_as, hooks):
    add_sk(cycle["id"])
    rows = agreed_rows(cycle["id"], "dinkes", 3, **FULL_ROW)
    assert provision.fast_path()  # hooks are called, not a reason to slow down
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    made = {_item(r.id).package_id for r in rows}
    assert {c[1] for c in hooks.calls if c[0] == "create"} == made
    after = [c[1] for c in hooks.calls if c[0] == "after_dataset_create"]
    assert {d["id"] for d in after} == made
    fast = next(d for d in after if d["kode_data"] == rows[0].kode_data)

    hooks.calls.clear()
    helpers.call_action("dataset_purge", id=fast["id"])
    helpers.call_action(
        "package_create",
        context={"user": "walidata"},
        **_data_for(_item(rows[0].id), fast["name"]),
    )
    assert [c[0] for c in hooks.calls] == ["create", "after_dataset_create"]
    core_id, core = hooks.calls[0][1], hooks.calls[1][1]
    assert core["id"] == core_id != fast["id"]
    assert {**fast, "id": None} == {**core, "id": None}


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


def test_another_listener_of_package_create_keeps_the_fast_path_off(
    actors, cycle, call_as
):
    heard: list[str] = []

    def listener(sender: str, **kwargs: Any) -> None:
        heard.append(kwargs["result"])

    tk.signals.action_succeeded.connect(listener, sender="package_create")
    try:
        assert provision_bulk.blockers() == [
            "another receiver of package_create's action_succeeded"
        ]
        assert provision.fast_path() is False
        rows = agreed_rows(cycle["id"], "dinkes", 3)
        result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    finally:
        tk.signals.action_succeeded.disconnect(listener, sender="package_create")
    assert result["created"] == 3
    # package_create ran for each row: the listener heard every dataset
    assert sorted(heard) == sorted(_item(r.id).package_id for r in rows)
    assert provision.fast_path() is True


@pytest.mark.ckan_config(provision.FAST_OPTION, "false")
def test_fast_path_can_be_switched_off(actors, cycle, call_as):
    assert provision.fast_path() is False
    rows = agreed_rows(cycle["id"], "dinkes", 2)
    bad = agreed_rows(cycle["id"], "dinsos", 1, frekuensi="tiap-jam")[0]
    result = call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    assert result["created"] == 2
    assert [e["kode_data"] for e in result["errors"]] == [bad.kode_data]
    assert all(_item(r.id).package_id for r in rows)
    activity = _activities(_item(rows[0].id).package_id)
    assert [a["activity_type"] for a in activity] == ["new package"]


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
    fast_id = _item(row.id).package_id
    fast = sorted(op for pid, op in _Observer.seen if pid == fast_id)

    core_id = _remade_by_package_create(_item(row.id), fast_id, "walidata")
    core = sorted(op for pid, op in _Observer.seen if pid == core_id)
    assert fast == core and "new" in fast


# --- the bulk index write ----------------------------------------------------------


def _docs_of(package_ids: list[str]) -> list[dict[str, Any]]:
    """The documents CKAN's index_package builds for these datasets."""
    from ckan import logic

    with search_index.batched_writes() as docs:
        for package_id in package_ids:
            both = logic.package_show_default_and_custom_schemas(
                {"ignore_auth": True},  # type: ignore[arg-type]
                package_id,
            )
            logic.index_update_package_dicts(both, True)
        built = list(docs)
        docs.clear()  # nothing left to write on leaving the block
    return built


def test_bulk_write_stores_what_one_by_one_writes_store(actors, cycle, call_as):
    rows = agreed_rows(cycle["id"], "dinkes", 3, **FULL_ROW)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    ids = [_item(r.id).package_id for r in rows]
    docs = _docs_of(ids)
    assert [d["id"] for d in docs] == ids

    search_index.write_docs(docs)
    one_by_one = [_index_row(i) for i in ids]
    model.Session.rollback()
    model.Session.execute(sa.delete(T).where(T.c.id.in_(ids)))
    search_index.write_docs_bulk(docs)
    assert [_index_row(i) for i in ids] == one_by_one


def test_bulk_write_replaces_rows_and_their_facets(actors, cycle, call_as):
    rows = agreed_rows(cycle["id"], "dinkes", 2, **FULL_ROW)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    ids = [_item(r.id).package_id for r in rows]
    docs = _docs_of(ids)
    changed = {**docs[0], "satuan": "unit", "extras_satuan": "unit"}

    # the same dataset twice in one batch: its last version is written
    search_index.write_docs_bulk([docs[0], docs[1], changed])
    row = _index_row(ids[0])
    assert row["fields"]["satuan"] == ["unit"]
    assert ("satuan", "unit") in row["facets"]
    assert ("satuan", "orang") not in row["facets"]
    assert ("satuan", "orang") in _index_row(ids[1])["facets"]
    model.Session.commit()
    found = helpers.call_action("package_search", q="satuan:unit", include_private=True)
    assert [r["id"] for r in found["results"]] == [ids[0]]


def test_batched_writes_write_nothing_after_an_error(actors, cycle, call_as):
    row = agreed_rows(cycle["id"], "dinkes", 1)[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    package_id = _item(row.id).package_id
    doc = _docs_of([package_id])[0]
    model.Session.execute(sa.delete(T).where(T.c.id == package_id))
    with pytest.raises(RuntimeError):
        with search_index.batched_writes():
            search_index.connection().add([doc])
            raise RuntimeError("stop")
    assert (
        model.Session.execute(
            sa.select(sa.func.count()).select_from(T).where(T.c.id == package_id)
        ).scalar_one()
        == 0
    )
    # outside the block the connection writes at once again
    search_index.connection().add([doc])
    assert _index_row(package_id)["name"] == doc["name"]
