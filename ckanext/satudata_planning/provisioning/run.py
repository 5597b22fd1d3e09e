"""Step 10: every agreed row of the Daftar Data becomes a dataset its OPD fills in.

One dataset of the scheming schema per agreed row (``disepakati`` true,
active), in the producer OPD's organization, carrying the row's metadata, its
``kode_data``, ``tahun``, the SK number and ``satudata_item_id``; no resources
(the OPD adds them the normal CKAN way). The row records its dataset in
``item.package_id``.

Why it is shaped like this:

* **Batches, one transaction each.** The batch's new datasets are made
  together by :mod:`provision_bulk` (validated one by one with the scheming
  create schema, written in one flush, dictized and indexed in bulk, their
  "new package" activities added), its changed ones by ``package_patch``
  (``defer_commit``); the rows' ``package_id`` are set and the batch commits
  once. A worker killed mid-batch leaves nothing of that batch; a re-run does
  the rest. A row that does not validate is reported and the rest of its
  batch is written.
* **package_create's result, not its cost.** The fast path is held to
  ``package_create`` by tests (same ``package_show`` output, index row and
  activity); it is not taken when a plugin changes what ``package_create``
  does (:func:`provision_bulk.blockers`) or when
  ``ckanext.satudata_planning.provision_fast`` is false: each dataset is then
  made by ``package_create(defer_commit, return_id_only)`` and indexed by one
  ``package_show`` (:func:`_index`; :func:`_quiet_create` when only the
  activity plugin listens).
* **Idempotent.** A row is found again by ``item.package_id``, falling back to a
  dataset whose ``satudata_item_id`` extra is the row's id (a JSONB query on
  ``package.extras``: a batch committed by a run whose row update was lost still
  is not created twice). The dataset records the row's ``revision`` it was made
  from (``satudata_item_revision``): a row changed since is updated.
* **Never twice at once.** Each batch takes ``pg_try_advisory_xact_lock`` on the
  cycle and re-reads what is left under it, so two runs of the same cycle
  interleave batches at worst, and never create a dataset twice.
* **A name per row, whatever its code.** The dataset's name comes from the
  code (:func:`slug`), and codes that differ only in punctuation, case or
  accents (``01/DINKES/001``, ``01.DINKES.001``) make the same name. Of the
  cycle's agreed rows that make one name, the first in code order gets it
  (when it is free), the others have their row id's first characters added
  (:func:`_dataset_name`): which row gets which does not depend on the order
  a run meets the rows in (organization ids, batch boundaries, the database's
  collation). A name is chosen once, when the dataset is made (a row agreed
  after the bare name was given gets a suffixed one); re-runs find the
  dataset by its row, never by its name.
* **Removed rows are reported, not deleted**: a dataset may already hold an
  OPD's data; deleting it is a person's decision.

Progress (done/total, batch, state, errors) lives in Redis under
:func:`status_key`, written by whoever runs the batches (the request, the RQ job
or the CLI), read by the portal screen.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ckanext.satudata_planning.model import Cycle, Event, Item, ItemState
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.model.item import SOP_COLUMNS
from ckanext.satudata_planning.provisioning import bulk as provision_bulk

log = logging.getLogger(__name__)

PRIVATE_OPTION = "ckanext.satudata_planning.provision_private"
SYNC_MAX_OPTION = "ckanext.satudata_planning.provision_sync_max"
BATCH_OPTION = "ckanext.satudata_planning.provision_batch_size"
PAUSE_OPTION = "ckanext.satudata_planning.provision_batch_pause"
LOCK_WAIT_OPTION = "ckanext.satudata_planning.provision_lock_wait"
FAST_OPTION = "ckanext.satudata_planning.provision_fast"
QUEUE = "satudata"
#: the extra that records which revision of the row the dataset was made from
REVISION_KEY = "satudata_item_revision"
ITEM_KEY = "satudata_item_id"
STATUS_TTL = 7 * 24 * 3600

# job states, as the screen shows them
ANTRI, BERJALAN, SELESAI, GAGAL = "antri", "berjalan", "selesai", "gagal"


class Busy(Exception):
    """Another run of the same cycle holds the lock."""


@dataclass
class Result:
    """What a run did."""

    total: int = 0
    created: int = 0
    updated: int = 0
    done: int = 0
    batches: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    #: seconds spent per phase, for the benchmark and the logs: ``prepare``
    #: (rows, names), ``validate`` / ``write`` (provision_bulk.create),
    #: ``datasets`` (package_patch, package_create), ``show`` (dictize, show
    #: schemas), ``index``, ``activity``, ``commit``
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, phase: str, seconds: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "done": self.done,
            "batches": self.batches,
            "errors": self.errors,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


# --- what is to be done ---------------------------------------------------------


def _agreed(cycle_id: str) -> list[Any]:
    return [
        Item.cycle_id == cycle_id,
        Item.state == ItemState.ACTIVE,
        Item.disepakati.is_(True),
    ]


def _pending_query(cycle_id: str) -> sa.Select[Any]:
    """Agreed rows without a live dataset, or whose dataset is older than the row."""
    p = model.Package
    recorded = p.extras[REVISION_KEY].astext
    return (
        sa.select(Item.id)
        .outerjoin(p, sa.and_(p.id == Item.package_id, p.state != "deleted"))
        .where(
            *_agreed(cycle_id),
            sa.or_(
                p.id.is_(None),
                recorded.is_(None),
                recorded != sa.cast(Item.revision, sa.UnicodeText),
            ),
        )
        .order_by(Item.organization_id, Item.kode_data)
    )


def pending_count(cycle_id: str) -> int:
    sub = _pending_query(cycle_id).order_by(None).subquery()
    return model.Session.execute(
        sa.select(sa.func.count()).select_from(sub)
    ).scalar_one()


def removed(cycle_id: str) -> list[dict[str, Any]]:
    """Rows that have a dataset but are no longer on the agreed list (one query)."""
    p, g = model.Package, model.Group
    rows = model.Session.execute(
        sa.select(
            Item.id,
            Item.kode_data,
            Item.nama_data,
            Item.state,
            Item.disepakati,
            Item.package_id,
            p.name,
            p.state,
            g.name,
        )
        .join(g, g.id == Item.organization_id)
        .outerjoin(p, p.id == Item.package_id)
        .where(
            Item.cycle_id == cycle_id,
            Item.package_id.is_not(None),
            sa.or_(Item.state != ItemState.ACTIVE, Item.disepakati.is_not(True)),
        )
        .order_by(g.name, Item.kode_data)
    ).all()
    return [
        {
            "item_id": r[0],
            "kode_data": r[1],
            "nama_data": r[2],
            "alasan": "dihapus" if r[3] != ItemState.ACTIVE else "tidak_disepakati",
            "package_id": r[5],
            "package_name": r[6],
            "package_state": r[7],
            "organization": r[8],
        }
        for r in rows
    ]


def missing_datasets(cycle_id: str) -> int:
    """Agreed rows without a live dataset (gate 10)."""
    p = model.Package
    return model.Session.execute(
        sa.select(sa.func.count(Item.id))
        .outerjoin(p, sa.and_(p.id == Item.package_id, p.state == "active"))
        .where(*_agreed(cycle_id), p.id.is_(None))
    ).scalar_one()


# --- building the dataset dicts ----------------------------------------------------


def dataset_fields() -> tuple[str, ...]:
    """The row's SOP fields that the dataset schema has (read from scheming)."""
    from ckanext.scheming.helpers import scheming_get_dataset_schema

    schema = scheming_get_dataset_schema("dataset") or {}
    names = {f["field_name"] for f in schema.get("dataset_fields", [])}
    return tuple(k for k in SOP_COLUMNS if k in names)


def sk_number(cycle_id: str) -> Optional[str]:
    """The SK's number, or None (no document module, table or row yet)."""
    try:
        from ckanext.satudata_planning.model.document import Document
    except ImportError:
        return None
    try:
        with model.Session.begin_nested():
            return (
                model.Session.execute(
                    sa.select(Document.nomor).where(
                        Document.cycle_id == cycle_id, Document.jenis == "sk"
                    )
                )
                .scalars()
                .first()
            )
    except sa.exc.SQLAlchemyError:
        return None


def slug(kode: str, tahun: Optional[int]) -> str:
    """A dataset name from the kode_data; the year is added when the code
    lacks it (kode_data is kept across years, a dataset per year). Accents
    are dropped rather than the letters (``é`` → ``e``); any other run of
    characters a name cannot hold becomes one "-", so several codes can make
    one name (:func:`_dataset_name` tells their datasets apart).

    >>> slug("2027-DINKES-001", 2027), slug("1.02/Dinkés/7", 2027)
    ('2027-dinkes-001', '2027-1-02-dinkes-7')
    """
    ascii_ = unicodedata.normalize("NFKD", kode).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9_-]+", "-", ascii_.lower()).strip("-_") or "data"
    if tahun and not name.startswith(f"{tahun}-"):
        name = f"{tahun}-{name}"
    return name[:90]


def _first_by_name(cycle_id: str, tahun: int) -> dict[str, str]:
    """``{name: item id}``: for each name the cycle's agreed rows make with
    :func:`slug`, the row that may have it bare, the first by ``kode_data``
    in code-point order (then id), as Python compares, not the database's
    collation. One query over the cycle's agreed rows."""
    rows = model.Session.execute(
        sa.select(Item.kode_data, Item.id, Item.tahun).where(*_agreed(cycle_id))
    ).all()
    first: dict[str, tuple[str, str]] = {}
    for kode, item_id, year in rows:
        name = slug(kode, year or tahun)
        if name not in first or (kode, item_id) < first[name]:
            first[name] = (kode, item_id)
    return {name: item_id for name, (_kode, item_id) in first.items()}


def _suffixed(name: str, item_id: str, n: int = 1) -> str:
    """``name`` with the row id's first characters (then ``-n``): at most
    100 characters, CKAN's limit."""
    base = f"{name[:80]}-{item_id[:8]}"
    return base if n == 1 else f"{base}-{n}"


def _dataset_name(
    item_id: str, wanted: str, first: dict[str, str], taken: set[str]
) -> str:
    """The name of a new dataset for the row: ``wanted`` when the row is the
    first to make it (:func:`_first_by_name`) and no dataset has it, else
    ``wanted-<id[:8]>``, else ``wanted-<id[:8]>-2``, … (a deleted dataset
    keeps its name, so a row whose dataset was deleted needs the next one).

    ``taken`` holds the names known to be used (every state); the
    numbered names, rarely needed, are looked up here.
    """
    if first.get(wanted, item_id) == item_id and wanted not in taken:
        return wanted
    for n in itertools.count(1):
        name = _suffixed(wanted, item_id, n)
        if name in taken:
            continue
        if n == 1 or not _taken_names([name]):
            return name
        taken.add(name)
    raise AssertionError("unreachable")  # pragma: no cover


def _text(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def dataset_dict(
    item: Item, *, fields: Sequence[str], nomor_sk: Optional[str], tahun: int
) -> dict[str, Any]:
    """The dataset's metadata from the row (vocabulary slugs as they are)."""
    data: dict[str, Any] = {}
    for key in fields:
        value = getattr(item, key)
        if value is None or value == "" or value == []:
            continue
        data[key] = list(value) if key == "kategori_sumber" else _text(value)
    data["tahun"] = item.tahun or tahun
    notes = [t.strip() for t in (item.definisi, item.konsep) if t and t.strip()]
    data.update(
        {
            "title": item.nama_data[:500],
            "notes": "\n\n".join(notes),
            "owner_org": item.organization_id,
            ITEM_KEY: item.id,
            REVISION_KEY: str(item.revision),
        }
    )
    if nomor_sk:
        data["nomor_sk"] = nomor_sk
    return data


# --- running -------------------------------------------------------------------


def _lock_key(cycle_id: str) -> sa.ColumnElement[Any]:
    return sa.func.hashtext("satudata_provision:" + cycle_id)


def _lock(cycle_id: str, wait: float) -> None:
    """Take the cycle's advisory lock for this transaction, or raise Busy."""
    deadline = time.monotonic() + wait
    while True:
        got = model.Session.execute(
            sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(cycle_id)))
        ).scalar_one()
        if got:
            return
        if time.monotonic() >= deadline:
            raise Busy(cycle_id)
        time.sleep(0.1)


def _existing_by_item(item_ids: Sequence[str]) -> dict[str, str]:
    """``{item id: package id}`` of live datasets that name these rows."""
    p = model.Package
    rows = model.Session.execute(
        sa.select(p.extras[ITEM_KEY].astext, p.id).where(
            p.extras[ITEM_KEY].astext.in_(list(item_ids)), p.state != "deleted"
        )
    ).all()
    return {r[0]: r[1] for r in rows}


def _taken_names(names: Sequence[str]) -> set[str]:
    p = model.Package
    return set(
        model.Session.execute(
            sa.select(p.name).where(p.name.in_(list(names)))
        ).scalars()
    )


def _activity_receiver(receiver: Any) -> bool:
    return getattr(receiver, "__module__", "") == "ckanext.activity.subscriptions"


def _quiet_create() -> Optional[Callable[..., Any]]:
    """``package_create`` without its ``action_succeeded`` signal, or None.

    The only receiver of that signal for ``package_create`` in CKAN 2.12 is the
    activity plugin's, which runs a second ``package_show`` per dataset to build
    the "new package" activity. When it is the only one, the batch calls the
    action underneath CKAN's wrapper (the same function, chained actions
    included: ``functools.wraps`` keeps it as ``__wrapped__``) and writes the
    activities itself from the dicts it indexes (:func:`_index`). With any other
    receiver (another plugin), the normal action runs and nothing is skipped.
    """
    action = tk.get_action("package_create")
    inner = getattr(action, "__wrapped__", None)
    if inner is None:
        return None
    receivers = list(tk.signals.action_succeeded.receivers_for("package_create"))
    if not all(_activity_receiver(r) for r in receivers):
        return None
    return inner


def fast_path() -> bool:
    """Whether new datasets are made by :mod:`provision_bulk` (the default)."""
    if not tk.asbool(tk.config.get(FAST_OPTION, True)):
        return False
    blockers = provision_bulk.blockers()
    if blockers:
        log.info("Provisioning with package_create: %s", "; ".join(blockers))
    return not blockers


def _index(
    package_ids: Sequence[str], *, user: str, new_ids: Collection[str] = ()
) -> None:
    """One index pass over the batch's datasets, inside its transaction.

    One ``package_show`` per dataset (CKAN's own dictization, both schemas,
    ``after_dataset_show``), written through CKAN's index (what
    ``ckan.lib.search.rebuild(id)`` stores). The same dict is the activity of
    the datasets in ``new_ids`` (created without the activity subscriber):
    what the subscriber would have stored, "new package" by ``user``.
    """
    from ckan import logic

    context: dict[str, Any] = {"ignore_auth": True}
    actor = model.User.get(user) if new_ids else None
    if actor is not None and tk.asbool(tk.config.get("ckan.activity_streams_enabled")):
        from ckan.lib.plugins import get_permission_labels

        from ckanext.activity.model import Activity

        labels = get_permission_labels()
    else:
        actor = None
    # Reload the batch's packages in one query: their extras then come back
    # from the JSONB column in PostgreSQL's key order, so the dict (and the
    # order of its text in the index) is exactly what a later rebuild makes.
    model.Session.flush()
    model.Session.execute(
        sa.select(model.Package)
        .where(model.Package.id.in_(list(package_ids)))
        .execution_options(populate_existing=True)
    ).scalars().all()
    activities: list[Any] = []
    for package_id in package_ids:
        both = logic.package_show_default_and_custom_schemas(
            context, package_id  # type: ignore[arg-type]
        )
        logic.index_update_package_dicts(both, True)
        if actor is not None and package_id in new_ids:
            # what the subscriber's activity_create stores (activity_dict_save)
            activities.append(
                Activity(
                    actor.id,
                    package_id,
                    "new package",
                    {"package": both[1], "actor": actor.name},
                    labels.get_dataset_labels(model.Package.get(package_id)),
                )
            )
    # one multi-row INSERT for the batch (rather than one per autoflush)
    model.Session.add_all(activities)


ProgressCallback = Callable[[Result, int], None]


def run(
    cycle_id: str,
    user: str,
    *,
    progress: Optional[ProgressCallback] = None,
    batch_size: Optional[int] = None,
    on_start: Optional[Callable[[Result], None]] = None,
) -> Result:
    """Provision the cycle's agreed rows, batch by batch (see the module doc).

    ``user`` is the name written as the datasets' creator and in the activity
    stream; auth was checked by the caller (the action or the CLI).
    ``progress(result, batch_number)`` is called after each committed batch.
    Raises :class:`Busy` when another run holds the cycle past the wait.
    """
    started = time.monotonic()
    cycle = model.Session.get(Cycle, cycle_id)
    if cycle is None:
        raise tk.ObjectNotFound(tk._("Planning cycle not found"))
    tahun = cycle.tahun
    size = batch_size or tk.config.get(BATCH_OPTION) or 200
    pause = float(tk.config.get(PAUSE_OPTION) or 0)
    wait = float(tk.config.get(LOCK_WAIT_OPTION) or 30)
    private = tk.asbool(tk.config.get(PRIVATE_OPTION, True))
    fields = dataset_fields()
    fast = fast_path()
    result = Result(total=pending_count(cycle_id))
    naming = time.perf_counter()
    first = _first_by_name(cycle_id, tahun)
    result.timed("prepare", time.perf_counter() - naming)
    model.Session.commit()
    failed: set[str] = set()
    handled: set[str] = set()
    while True:
        _lock(cycle_id, wait)
        if on_start:  # first lock taken: this run is the one that works
            on_start(result)
            on_start = None
        query = _pending_query(cycle_id)
        if failed or handled:
            # each row at most once per run, even if its dataset does not
            # keep what was written (a plugin dropping the revision extra)
            query = query.where(Item.id.not_in(failed | handled))
        ids = list(model.Session.execute(query.limit(size)).scalars())
        if not ids:
            model.Session.commit()
            break
        try:
            created, updated, rejected = _batch(
                ids,
                user=user,
                tahun=tahun,
                fields=fields,
                private=private,
                cycle_id=cycle_id,
                result=result,
                fast=fast,
                first=first,
            )
        except _RowFailed as e:
            model.Session.rollback()
            failed.add(e.item_id)
            result.errors.append(
                {"item_id": e.item_id, "kode_data": e.kode, "errors": e.errors}
            )
            continue
        except Exception:
            model.Session.rollback()
            raise
        committing = time.perf_counter()
        model.Session.commit()
        result.timed("commit", time.perf_counter() - committing)
        tk.signals.ckanext.signal("satudata_planning.datasets_provisioned").send(
            cycle_id, rows=[(i, i.package_id) for i in model.Session.execute(
                sa.select(Item).where(Item.id.in_(ids), Item.package_id.is_not(None))
            ).scalars()], user=user)
        handled.update(ids)
        for error in rejected:  # not written: the rest of the batch was
            failed.add(error["item_id"])
            result.errors.append(error)
        result.created += created
        result.updated += updated
        result.done += created + updated
        result.batches += 1
        result.total = max(result.total, result.done + len(failed))
        if progress:
            progress(result, result.batches)
        if pause:
            time.sleep(pause)
    result.removed = removed(cycle_id)
    result.seconds = time.monotonic() - started
    actor = model.User.get(user)
    Event.record(
        model.Session,
        cycle_id=cycle_id,
        user_id=actor.id if actor else None,
        action=EventAction.PROVISION_RUN,
        target_type="cycle",
        target_id=cycle_id,
        after={
            "created": result.created,
            "updated": result.updated,
            "failed": len(result.errors),
            "removed": len(result.removed),
        },
    )
    model.Session.commit()
    return result


class _RowFailed(Exception):
    def __init__(self, item_id: str, kode: str, errors: Any) -> None:
        super().__init__(item_id)
        self.item_id, self.kode, self.errors = item_id, kode, errors


_LINK = sa.text(
    f"UPDATE {Item.__table__.name} AS i SET package_id = v.package_id "  # noqa: S608
    "FROM unnest(CAST(:ids AS text[]), CAST(:package_ids AS text[])) "
    "AS v(id, package_id) WHERE i.id = v.id"
)


def _link(links: list[tuple[Item, str]]) -> None:
    """Record each row's dataset (``item.package_id``) in one UPDATE.

    Assigning the attributes would make the flush send one UPDATE per row;
    the rows' objects are given the value as already stored.
    """
    if not links:
        return
    model.Session.execute(
        _LINK,
        {
            "ids": [item.id for item, _p in links],
            "package_ids": [package_id for _i, package_id in links],
        },
    )
    for item, package_id in links:
        set_committed_value(item, "package_id", package_id)


def _batch(
    ids: list[str],
    *,
    user: str,
    tahun: int,
    fields: Sequence[str],
    private: bool,
    cycle_id: str,
    result: Result,
    fast: bool = False,
    first: Optional[dict[str, str]] = None,
) -> tuple[int, int, list[dict[str, Any]]]:
    """Create or update the datasets of ``ids`` in the open transaction.

    ``first``: :func:`_first_by_name` of the cycle (read here when not given).

    Returns (created, updated, rejected): ``rejected`` are the errors of rows
    the fast path did not write because they did not validate (the others
    are written); with package_create a row that does not validate raises
    :class:`_RowFailed` (package_create rolls the transaction back).
    """
    started = time.perf_counter()
    items = list(
        model.Session.execute(
            sa.select(Item)
            .where(Item.id.in_(ids))
            .order_by(Item.kode_data)
            .execution_options(populate_existing=True)
        ).scalars()
    )
    nomor_sk = sk_number(cycle_id)
    live = {
        r[0]
        for r in model.Session.execute(
            sa.select(model.Package.id).where(
                model.Package.id.in_([i.package_id for i in items if i.package_id]),
                model.Package.state != "deleted",
            )
        )
    }
    by_item = _existing_by_item([i.id for i in items if i.package_id not in live])
    wanted = {i.id: slug(i.kode_data, i.tahun or tahun) for i in items}
    if first is None:
        first = _first_by_name(cycle_id, tahun)
    taken = _taken_names(
        [*wanted.values(), *(_suffixed(n, i) for i, n in wanted.items())]
    )
    updated = 0
    touched: list[str] = []
    create_ctx_base = {
        "user": user,
        # check_access looks the user up once per context otherwise
        "auth_user_obj": model.User.get(user),
        "__auth_user_obj_checked": True,
        "ignore_auth": True,
        "defer_commit": True,
        "return_id_only": True,
    }
    new: list[tuple[Item, dict[str, Any]]] = []
    links: list[tuple[Item, str]] = []
    for item in items:
        data = dataset_dict(item, fields=fields, nomor_sk=nomor_sk, tahun=tahun)
        package_id = (
            item.package_id if item.package_id in live else by_item.get(item.id)
        )
        if package_id:
            try:
                patch = {**data, "id": package_id}
                tk.get_action("package_patch")(dict(create_ctx_base), patch)
            except tk.ValidationError as e:
                raise _RowFailed(item.id, item.kode_data, e.error_dict) from None
            updated += 1
            links.append((item, package_id))
            touched.append(package_id)
            continue
        name = _dataset_name(item.id, wanted[item.id], first, taken)
        taken.add(name)
        new.append(
            (item, {**data, "name": name, "private": private, "type": "dataset"})
        )
    rejected: list[dict[str, Any]] = []
    bulk_ids: set[str] = set()
    slow = new
    if fast and new:
        result.timed("prepare", time.perf_counter() - started)
        by_id = {item.id: item for item, _data in new}
        try:
            made = provision_bulk.create(
                [(item.id, data) for item, data in new], user=user, timer=result.timed
            )
        except provision_bulk.RowError as e:
            raise _RowFailed(e.key, by_id[e.key].kode_data, e.errors) from None
        for key, package_id in made.ids.items():
            links.append((by_id[key], package_id))
            touched.append(package_id)
            bulk_ids.add(package_id)
        rejected = [
            {"item_id": key, "kode_data": by_id[key].kode_data, "errors": errors}
            for key, errors in made.errors.items()
        ]
        declined = set(made.declined)
        slow = [(item, data) for item, data in new if item.id in declined]
        started = time.perf_counter()
    quiet: set[str] = set()
    create = None if fast else _quiet_create()
    if create is None or not plugins.plugin_loaded("activity"):
        create = tk.get_action("package_create")
        quiet_create = False
    else:
        quiet_create = True
    for item, data in slow:
        ctx = dict(create_ctx_base)
        if quiet_create:  # what the action wrapper would add
            ctx.setdefault("model", model)
            ctx.setdefault("session", model.Session)
        try:
            package_id = create(ctx, data)
        except tk.ValidationError as e:
            raise _RowFailed(item.id, item.kode_data, e.error_dict) from None
        if quiet_create:
            quiet.add(package_id)
        links.append((item, package_id))
        touched.append(package_id)
    _link(links)
    model.Session.flush()
    indexing = time.perf_counter()
    # "datasets": package_patch/package_create (all of it on the slow path)
    result.timed("datasets", indexing - started)
    if fast:
        provision_bulk.index(
            touched, user=user, new_ids=sorted(bulk_ids), timer=result.timed
        )
    else:
        _index(touched, user=user, new_ids=quiet)
        result.timed("index", time.perf_counter() - indexing)
    created = len(new) - len(rejected)
    return created, updated, rejected


# --- progress in Redis --------------------------------------------------------------


def status_key(cycle_id: str) -> str:
    site = tk.config.get("ckan.site_id") or "default"
    return f"{site}:satudata:provision:{cycle_id}"


def _redis() -> Any:
    from ckan.lib.redis import connect_to_redis

    return connect_to_redis()


def write_status(cycle_id: str, **values: Any) -> dict[str, Any]:
    """Merge ``values`` into the stored status; raises Redis errors."""
    conn = _redis()
    key = status_key(cycle_id)
    raw = conn.get(key)
    status = json.loads(raw) if raw else {}
    status.update(values)
    # not "updated": that key is the run's count of updated datasets
    status["updated_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    conn.set(key, json.dumps(status, default=str), ex=STATUS_TTL)
    return status


def read_status(cycle_id: str) -> dict[str, Any]:
    """The stored status (empty when none, or when Redis does not answer)."""
    try:
        raw = _redis().get(status_key(cycle_id))
    except Exception as e:  # redis down: the screen shows no run
        log.warning("Could not read provisioning status: %s", e)
        return {}
    return json.loads(raw) if raw else {}


def failure_message(error: BaseException) -> str:
    """One readable line for a failed run (the status, the CLI): a database
    error's own message, without SQLAlchemy's statement and parameters."""
    orig = getattr(error, "orig", None)
    text = str(orig if isinstance(error, sa.exc.DBAPIError) and orig else error)
    return " ".join(t.strip() for t in text.splitlines() if t.strip())[:300] or (
        type(error).__name__
    )


def _safe_status(cycle_id: str, **values: Any) -> None:
    try:
        write_status(cycle_id, **values)
    except Exception as e:
        log.warning("Could not write provisioning status: %s", e)


def tracked_run(
    cycle_id: str,
    user: str,
    *,
    echo: Optional[ProgressCallback] = None,
    job_id: Optional[str] = None,
) -> Result:
    """:func:`run` with its progress written to Redis (request, job and CLI).

    The status becomes ``berjalan`` once the run holds the cycle's lock, so a
    run refused as busy does not overwrite the status of the one working.
    """

    def start(result: Result) -> None:
        _safe_status(
            cycle_id,
            state=BERJALAN,
            done=0,
            total=result.total,
            batch=0,
            errors=[],
            job_id=job_id,
            user=user,
            started=dt.datetime.now(dt.timezone.utc).isoformat(),
            finished=None,
        )

    def progress(result: Result, batch: int) -> None:
        _safe_status(
            cycle_id,
            done=result.done,
            total=result.total,
            batch=batch,
            created=result.created,
            updated=result.updated,
            errors=result.errors[:50],
        )
        if echo:
            echo(result, batch)

    try:
        result = run(cycle_id, user, progress=progress, on_start=start)
    except Busy:
        # the other run owns the status: it goes on writing its own progress
        raise
    except Exception as e:
        _safe_status(
            cycle_id,
            state=GAGAL,
            errors=[{"errors": {"job": [failure_message(e)]}}],
            finished=dt.datetime.now(dt.timezone.utc).isoformat(),
        )
        raise
    _safe_status(
        cycle_id,
        state=SELESAI,
        done=result.done,
        total=result.total,
        created=result.created,
        updated=result.updated,
        errors=result.errors[:50],
        removed=len(result.removed),
        batch=result.batches,
        seconds=round(result.seconds, 2),
        finished=dt.datetime.now(dt.timezone.utc).isoformat(),
    )
    return result


def job(cycle_id: str, user: str) -> dict[str, Any]:
    """The RQ job: one per run, it does every batch (a job costs a CKAN reload)."""
    job_id = None
    try:
        from rq import get_current_job

        current = get_current_job()
        job_id = current.id if current else None
    except ImportError:
        pass
    try:
        return tracked_run(cycle_id, user, job_id=job_id).as_dict()
    except Busy:
        # another run (request or CLI) is doing it: nothing left for this job
        log.info("Provisioning of %s already running elsewhere", cycle_id)
        return {"state": "busy"}


#: a queued or running status older than this is taken for a dead run
STALE_AFTER = dt.timedelta(minutes=15)


def active_run(cycle_id: str) -> Optional[dict[str, Any]]:
    """The status of a queued or running job that still reports, else None."""
    status = read_status(cycle_id)
    if status.get("state") not in (ANTRI, BERJALAN):
        return None
    try:
        written = dt.datetime.fromisoformat(status["updated_at"])
    except (KeyError, TypeError, ValueError):
        return None
    if dt.datetime.now(dt.timezone.utc) - written > STALE_AFTER:
        return None
    return status


def enqueue(cycle_id: str, user: str, title: str) -> str:
    """Queue one job for the run; raises Redis errors (the action turns them
    into a ValidationError) before anything is written to the database.

    A job that could not be queued leaves the status as it was: a stray
    ``antri`` would keep the button off for :data:`STALE_AFTER`.
    """
    previous = _redis().get(status_key(cycle_id))
    write_status(
        cycle_id,
        state=ANTRI,
        done=0,
        total=None,
        batch=0,
        errors=[],
        user=user,
        finished=None,
        queued=dt.datetime.now(dt.timezone.utc).isoformat(),
    )
    try:
        queued = tk.enqueue_job(
            job,
            [cycle_id, user],
            title=title,
            queue=QUEUE,
            rq_kwargs={"timeout": 6 * 3600},
        )
    except Exception:
        _restore_status(cycle_id, previous)
        raise
    # queued: the job writes its id itself when it starts, should this fail
    _safe_status(cycle_id, job_id=queued.id)
    return queued.id


def _restore_status(cycle_id: str, raw: Optional[bytes]) -> None:
    """Put back the status as it was (best effort: Redis may be gone)."""
    try:
        conn = _redis()
        if raw is None:
            conn.delete(status_key(cycle_id))
        else:
            conn.set(status_key(cycle_id), raw, ex=STATUS_TTL)
    except Exception as e:
        log.warning("Could not restore provisioning status: %s", e)
