"""Actions of the Daftar Data rows (items): propose, edit, import, carry over, review.

Who may do what at which step is in :mod:`logic.auth` (pure rules, also
applied row by row on import). Each write action locks what it changes,
writes an audit :class:`~model.Event` with before/after in the same
transaction, and commits once at the end unless ``context["defer_commit"]``.

Reads are a constant number of queries whatever the list's size: the list is
one COUNT and one page query (organization names joined in), never a query
per row.

Import decision: a row whose ``kode_data`` already exists in the cycle *for
the same organization* updates that row (only the columns present in the
file; re-importing an export round-trips); a row with a new or empty
``kode_data`` is created; a ``kode_data`` of another organization's (or a
deleted) row is an error on that row. All rows or none.

Examples (ckanapi)::

    ckan.action.satudata_item_create(cycle_id=2027, organization="dinkes",
                                     nama_data="Jumlah Puskesmas")
    ckan.action.satudata_item_list(cycle_id=2027, organization="dinkes", q="puskes")
    ckan.action.satudata_item_patch(id="2027-DINKES-001", revision=1, satuan="unit")
    ckan.action.satudata_item_import(cycle_id=2027, upload=open("daftar.xlsx", "rb"))
    ckan.action.satudata_item_review(id="2027-DINKES-001", hasil="disetujui")
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.model.types import make_uuid
from ckan.types import Context, DataDict
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ckanext.satudata_planning import duplicates as duplicates_
from ckanext.satudata_planning import gates, spreadsheet
from ckanext.satudata_planning.logic import auth, schema
from ckanext.satudata_planning.model import (
    Cycle,
    Event,
    IgnoredPair,
    Item,
    ItemState,
    utcnow,
)
from ckanext.satudata_planning.model.event import EventAction, jsonable
from ckanext.satudata_planning.model.item import SOP_COLUMNS
from ckanext.satudata_planning.roles import UserRoles, roles_in_context
from ckanext.satudata_planning.row_fields import BY_KEY
from ckanext.satudata_planning.sop import Actor

__all__ = [
    "satudata_duplicate_ignore",
    "satudata_duplicates",
    "satudata_item_carry_over",
    "satudata_item_create",
    "satudata_item_delete",
    "satudata_item_import",
    "satudata_item_list",
    "satudata_item_patch",
    "satudata_item_review",
    "satudata_item_show",
    "satudata_item_update",
    "satudata_organization_list",
]

MAX_ROWS_OPTION = "ckanext.satudata_planning.import_max_rows"
MAX_BYTES_OPTION = "ckanext.satudata_planning.import_max_bytes"
MAX_UNPACKED_OPTION = "ckanext.satudata_planning.import_max_unpacked_bytes"
THRESHOLD_OPTION = "ckanext.satudata_planning.duplicate_threshold"
#: import errors shown at most; a last line says how many more there are
MAX_ERRORS = 200
#: desk results that take a row out of the duplicate candidates
SETTLED = ("duplikat", "ditolak")
_KODE = re.compile(r"^(\d{4}-[A-Z0-9]+)-(\d+)$")
#: fields an edit may change (kode_data is stable, tahun is the cycle's)
EDITABLE = tuple(k for k in SOP_COLUMNS if k not in ("kode_data", "tahun"))


# --- helpers -------------------------------------------------------------------


def _commit(context: Context) -> None:
    if not context.get("defer_commit"):
        model.Session.commit()


def _rollback(context: Context) -> None:
    """Release row locks taken before a refusal (unless the caller owns the
    transaction)."""
    if not context.get("defer_commit"):
        model.Session.rollback()


def _get_cycle(
    ref: Any, *, for_update: bool = False, for_share: bool = False
) -> Cycle:
    cycle = Cycle.get(ref, for_update=for_update, for_share=for_share)
    if cycle is None:
        raise tk.ObjectNotFound(tk._("Planning cycle not found"))
    return cycle


def _locked_cycle(
    ref: Any, action: str, context: Context, data_dict: DataDict
) -> Cycle:
    """The cycle share-locked (``Cycle.get(for_share)``), and ``action``'s
    auth checked again: the step it read before the lock may have moved."""
    cycle = _get_cycle(ref, for_share=True)
    try:
        tk.check_access(action, context, data_dict)
    except tk.NotAuthorized:
        _rollback(context)
        raise
    return cycle


def _get_item(
    data_dict: DataDict,
    *,
    for_update: bool = False,
    recheck: Optional[tuple[str, Context]] = None,
) -> Item:
    """The row by id or kode_data. ``for_update``: its cycle share-locked first
    (``recheck``: the action and context whose auth to check again under that
    lock), then the row locked; always in that order, as an import takes them."""
    cycle_id = None
    if data_dict.get("cycle_id"):
        cycle_id = _get_cycle(data_dict["cycle_id"]).id
    item = Item.get(data_dict["id"], cycle_id=cycle_id)
    if item is not None and for_update:
        if recheck:
            _locked_cycle(item.cycle_id, recheck[0], recheck[1], data_dict)
        else:
            _get_cycle(item.cycle_id, for_share=True)
        item = (
            model.Session.execute(
                sa.select(Item)
                .where(Item.id == item.id)
                .with_for_update(of=Item)
                .execution_options(populate_existing=True)
            )
            .scalars()
            .first()
        )
    if item is None or not item.active:
        raise tk.ObjectNotFound(tk._("Data list row not found"))
    return item


class Org:
    """An organization's id, name and title (one query to find)."""

    __slots__ = ("id", "name", "title")

    def __init__(self, id: str, name: str, title: str) -> None:
        self.id, self.name, self.title = id, name, title


def _org(ref: Any, field: str = "organization") -> Org:
    g = model.Group
    row = model.Session.execute(
        sa.select(g.id, g.name, g.title).where(
            sa.or_(g.name == str(ref), g.id == str(ref)),
            g.is_organization.is_(True),
            g.state == "active",
        )
    ).first()
    if row is None:
        raise tk.ValidationError(
            {
                field: [
                    tk._('"{value}" is not an organization of the portal').format(
                        value=str(ref)[:100]
                    )
                ]
            }
        )
    return Org(row.id, row.name, row.title or row.name)


def _organizations(names: Optional[Iterable[str]] = None) -> dict[str, Org]:
    """Active organizations (``names`` only, when given), by name: one query."""
    g = model.Group
    query = sa.select(g.id, g.name, g.title).where(
        g.is_organization.is_(True), g.state == "active"
    )
    if names is not None:
        query = query.where(g.name.in_(list(names)))
    return {
        r.name: Org(r.id, r.name, r.title or r.name)
        for r in model.Session.execute(query)
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _revision_conflict() -> tk.ValidationError:
    return tk.ValidationError(
        {
            "revision": [
                tk._(
                    "Someone else changed this row after you opened it. Their "
                    "change has been kept: reload the row, then make your change "
                    "again."
                )
            ]
        }
    )


def _check_revision(item: Item, data_dict: DataDict, context: Context) -> None:
    given = data_dict.get("revision")
    if given is not None and int(given) != item.revision:
        _rollback(context)
        raise _revision_conflict()


def acronym(org_name: str) -> str:
    """The organization part of a kode_data.

    >>> acronym("dinas-kesehatan"), acronym("dinkes")
    ('DINASKESEHATAN', 'DINKES')
    """
    return re.sub(r"[^A-Z0-9]", "", org_name.upper()) or "OPD"


def _lock_codes(cycle_id: str) -> None:
    """Serialise kode_data allocation in a cycle until the transaction ends."""
    model.Session.execute(
        sa.select(
            sa.func.pg_advisory_xact_lock(
                sa.func.hashtext("satudata_item_kode:" + cycle_id)
            )
        )
    )


def _next_numbers(cycle: Cycle) -> dict[str, int]:
    """Next free number per ``<tahun>-<ACRONYM>`` prefix in the cycle (one query)."""
    rows = model.Session.execute(
        sa.select(Item.kode_data).where(
            Item.cycle_id == cycle.id, Item.kode_data.like(f"{cycle.tahun}-%")
        )
    ).scalars()
    numbers: dict[str, int] = {}
    for kode in rows:
        m = _KODE.match(kode)
        if m:
            numbers[m.group(1)] = max(numbers.get(m.group(1), 1), int(m.group(2)) + 1)
    return numbers


class _Codes:
    """Hands out kode_data: ``<tahun>-<ACRONYM>-<NNN>``, next free number."""

    def __init__(self, cycle: Cycle) -> None:
        _lock_codes(cycle.id)
        self.tahun = cycle.tahun
        self.numbers = _next_numbers(cycle)

    def next(self, org_name: str) -> str:
        prefix = f"{self.tahun}-{acronym(org_name)}"
        number = self.numbers.get(prefix, 1)
        self.numbers[prefix] = number + 1
        return f"{prefix}-{number:03d}"


# --- dictize -------------------------------------------------------------------

_KEPT = aliased(Item, name="kept")
_FROM_ORG = aliased(model.Group, name="from_org")


def _select() -> sa.Select[Any]:
    """Items with their organization, kept row's kode and former organization."""
    g = model.Group
    return (
        sa.select(Item, g.name, g.title, _KEPT.kode_data, _FROM_ORG.name)
        .join(g, g.id == Item.organization_id)
        .outerjoin(_KEPT, _KEPT.id == Item.duplikat_dari)
        .outerjoin(_FROM_ORG, _FROM_ORG.id == Item.dialihkan_dari)
    )


def item_dictize(
    item: Item,
    org_name: str,
    org_title: Optional[str],
    kept_kode: Optional[str] = None,
    from_org: Optional[str] = None,
) -> dict[str, Any]:
    """The item as callers see it: every SOP field, ``organization`` as a name."""
    data: dict[str, Any] = {"id": item.id, "cycle_id": item.cycle_id}
    for key in SOP_COLUMNS:
        data[key] = _iso(getattr(item, key))
    data["kategori_sumber"] = list(item.kategori_sumber or [])
    data.update(
        {
            "organization": org_name,
            "organization_title": org_title or org_name,
            "organization_id": item.organization_id,
            "hasil": item.hasil,
            "catatan_desk": item.catatan_desk,
            # the export's review column
            "catatan": item.catatan_desk,
            "duplikat_dari": item.duplikat_dari,
            "duplikat_dari_kode": kept_kode,
            "dialihkan_dari": from_org,
            "menunggu_review_ulang": item.hasil is None and item.reviewed is not None,
            "reviewed": _iso(item.reviewed),
            "disepakati": item.disepakati,
            "package_id": item.package_id,
            "revision": item.revision,
            "state": item.state,
            "created": _iso(item.created),
            "modified": _iso(item.modified),
        }
    )
    return data


#: what the review (desk, audit) adds to a row: hidden from anonymous visitors,
#: who see only the agreed list once the SK is published (DESIGN.md)
INTERNAL_KEYS = frozenset({
    "hasil", "catatan_desk", "catatan", "duplikat_dari", "duplikat_dari_kode",
    "dialihkan_dari", "menunggu_review_ulang", "reviewed", "revision", "state",
    "created", "modified", "history", "recommendations",
})


def public_dict(data: dict[str, Any]) -> dict[str, Any]:
    """The row as published: its metadata, producer, decision and dataset."""
    return {k: v for k, v in data.items() if k not in INTERNAL_KEYS}


def _dicts(
    *where: Any, order: Sequence[Any] = (), limit: Optional[int] = None, offset: int = 0
) -> list[dict[str, Any]]:
    query = _select().where(*where).order_by(*order)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [item_dictize(*row) for row in model.Session.execute(query)]


def _dict_of(item_id: str) -> dict[str, Any]:
    return _dicts(Item.id == item_id)[0]


# --- gates of steps 1 and 4 ------------------------------------------------------


@gates.register(1)
def at_least_one_item(cycle: Cycle) -> list[str]:
    """Step 1: the draft list has at least one (active) row."""
    found = model.Session.execute(
        sa.select(Item.id)
        .where(Item.cycle_id == cycle.id, Item.state == ItemState.ACTIVE)
        .limit(1)
    ).first()
    if found:
        return []
    return [tk._("The data list has no items yet: add at least one item")]


@gates.register(4)
def every_item_reviewed(cycle: Cycle) -> list[str]:
    """Step 4: every row has a desk result and no revision (perbaikan) is open."""
    g = model.Group
    rows = model.Session.execute(
        sa.select(
            sa.func.coalesce(g.title, g.name).label("org"),
            sa.func.count().filter(Item.hasil.is_(None)).label("belum"),
            sa.func.count().filter(Item.hasil == "perbaikan").label("perbaikan"),
        )
        .join(g, g.id == Item.organization_id)
        .where(
            Item.cycle_id == cycle.id,
            Item.state == ItemState.ACTIVE,
            sa.or_(Item.hasil.is_(None), Item.hasil == "perbaikan"),
        )
        .group_by(g.title, g.name)
        .order_by(sa.func.coalesce(g.title, g.name))
    ).all()
    messages = []
    for org, belum, perbaikan in rows:
        if belum:
            messages.append(
                tk._("{org}: {count} item(s) not reviewed yet").format(
                    org=org, count=belum
                )
            )
        if perbaikan:
            messages.append(
                tk._(
                    "{org}: {count} item(s) sent back for revision (perbaikan) "
                    "and not yet revised"
                ).format(org=org, count=perbaikan)
            )
    return messages


# --- create, update, delete ------------------------------------------------------


def _values(data_dict: DataDict, keys: Iterable[str], *, fill: bool) -> dict[str, Any]:
    """The SOP values of ``data_dict``; ``fill``: absent fields become empty."""
    out: dict[str, Any] = {}
    for key in keys:
        if key in data_dict:
            out[key] = data_dict[key]
        elif fill:
            out[key] = [] if BY_KEY[key].kind == "multi_vocab" else None
        if key == "kategori_sumber" and key in out and out[key] is None:
            out[key] = []
    return out


def _check_tahun(cycle: Cycle, data_dict: DataDict) -> None:
    tahun = data_dict.get("tahun")
    if tahun is not None and tahun != cycle.tahun:
        raise tk.ValidationError(
            {
                "tahun": [
                    tk._("This row belongs to the {tahun} list").format(
                        tahun=cycle.tahun
                    )
                ]
            }
        )


def _kode_taken(kode: str) -> tk.ValidationError:
    return tk.ValidationError(
        {
            "kode_data": [
                tk._("The data code {kode} is already used in this list").format(
                    kode=kode
                )
            ]
        }
    )


@validate(schema.item_create)
def satudata_item_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Propose a row of the Daftar Data.

    :param cycle_id: the cycle's id or year
    :param organization: the producing OPD (name or id), required
    :param nama_data: the data's name, required
    :param kode_data: optional; assigned as ``<tahun>-<OPD>-<NNN>`` when absent
    :param ...: any field of ``row_fields`` (vocabulary values as slugs or labels)
    :returns: the item (see :func:`satudata_item_show`)

    OPD editors propose for their own organization in step 1; the Walidata
    or the Sekretariat add rows for any organization up to step 6 (from step 2
    on always with ``status_usulan`` ``tambahan``).
    """
    tk.check_access("satudata_item_create", context, data_dict)
    roles = roles_in_context(context)
    cycle = _locked_cycle(
        data_dict["cycle_id"], "satudata_item_create", context, data_dict
    )
    org = _org(data_dict["organization"])
    _check_tahun(cycle, data_dict)
    values = _values(data_dict, EDITABLE, fill=True)
    if cycle.current_step > 1:
        values["status_usulan"] = "tambahan"
    elif not values.get("status_usulan"):
        values["status_usulan"] = "baru"
    now = utcnow()
    kode = data_dict.get("kode_data")
    if kode:
        exists = model.Session.execute(
            sa.select(Item.id).where(Item.cycle_id == cycle.id, Item.kode_data == kode)
        ).first()
        if exists:
            raise _kode_taken(kode)
    else:
        kode = _Codes(cycle).next(org.name)
    item = Item(
        id=make_uuid(),
        cycle_id=cycle.id,
        organization_id=org.id,
        kode_data=kode,
        tahun=cycle.tahun,
        revision=1,
        state=ItemState.ACTIVE,
        created=now,
        modified=now,
        created_by=roles.user_id,
        modified_by=roles.user_id,
        **values,
    )
    try:
        with model.Session.begin_nested():
            model.Session.add(item)
            model.Session.flush()
    except IntegrityError:
        raise _kode_taken(kode) from None  # a concurrent request took the code
    Event.record(
        model.Session,
        cycle_id=cycle.id,
        user_id=roles.user_id,
        action=EventAction.ITEM_CREATE,
        target_type="item",
        target_id=item.id,
        after=item.snapshot(),
        timestamp=now,
    )
    _commit(context)
    return _dict_of(item.id)


def _apply_edit(
    context: Context, data_dict: DataDict, *, patch: bool
) -> dict[str, Any]:
    roles = roles_in_context(context)
    action = "satudata_item_patch" if patch else "satudata_item_update"
    item = _get_item(data_dict, for_update=True, recheck=(action, context))
    cycle = _get_cycle(item.cycle_id)
    _check_revision(item, data_dict, context)
    _check_tahun(cycle, data_dict)
    if data_dict.get("kode_data") and data_dict["kode_data"] != item.kode_data:
        _rollback(context)
        raise tk.ValidationError(
            {"kode_data": [tk._("The data code of a row does not change")]}
        )
    before = item.snapshot()
    if "organization" in data_dict:
        org = _org(data_dict["organization"])
        if org.id != item.organization_id:
            refusal = auth.create_refusal(roles, cycle, org.name)
            if refusal and not roles.is_any(auth.COMPILERS):
                _rollback(context)
                raise tk.NotAuthorized(refusal)
            item.organization_id = org.id
    for key, value in _values(data_dict, EDITABLE, fill=not patch).items():
        setattr(item, key, value)
    if item.hasil == "perbaikan":
        # the OPD's revision: back to the desk ("menunggu review ulang")
        item.hasil = None
    now = utcnow()
    item.changed(
        model.Session, action=EventAction.ITEM_UPDATE, user_id=roles.user_id,
        before=before, now=now,
    )
    _commit(context)
    return _dict_of(item.id)


@validate(schema.item_update)
def satudata_item_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Replace a row's fields (fields not given become empty).

    :param id: the item's id or kode_data (``cycle_id`` picks the year; default
        the newest cycle with that code)
    :param revision: the revision you read; when someone changed the row
        since, a ``ValidationError`` on ``revision`` (their change stays)
    :param nama_data, organization: required
    :returns: the item

    A row the desk sent back (``hasil`` ``perbaikan``) returns to the desk:
    its ``hasil`` becomes null ("menunggu review ulang").
    """
    tk.check_access("satudata_item_update", context, data_dict)
    return _apply_edit(context, data_dict, patch=False)


@validate(schema.item_patch)
def satudata_item_patch(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Change only the given fields of a row (same rules as ``_update``)."""
    tk.check_access("satudata_item_patch", context, data_dict)
    return _apply_edit(context, data_dict, patch=True)


@validate(schema.item_ref)
def satudata_item_delete(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Delete a row (kept as ``state`` deleted, its code is never reused).

    The owner OPD in step 1; the Walidata before the forum (step 6).
    """
    tk.check_access("satudata_item_delete", context, data_dict)
    roles = roles_in_context(context)
    item = _get_item(
        data_dict, for_update=True, recheck=("satudata_item_delete", context)
    )
    before = item.snapshot()
    now = utcnow()
    item.state = ItemState.DELETED
    item.changed(
        model.Session, action=EventAction.ITEM_DELETE, user_id=roles.user_id,
        before=before, now=now,
    )
    _commit(context)
    return {"id": item.id, "kode_data": item.kode_data, "state": item.state}


# --- read ------------------------------------------------------------------------


@validate(schema.item_show)
@tk.side_effect_free
def satudata_item_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One row.

    :param id: id or kode_data (``cycle_id``: id or year, to pick the year)
    :param include_history: add ``history``, its audit events, newest first
    :param include_recommendations: add ``recommendations`` on it
    :returns: the item: ``id``, ``kode_data``, ``organization`` (name),
        ``organization_title``, ``revision``, ``hasil``, ``disepakati``,
        ``package_id`` and every SOP field
    """
    tk.check_access("satudata_item_show", context, data_dict)
    item = _get_item(data_dict)
    data = _dict_of(item.id)
    if data_dict.get("include_history"):
        rows = model.Session.execute(
            sa.select(Event, model.User.name, model.User.fullname)
            .outerjoin(model.User, model.User.id == Event.user_id)
            .where(Event.target_type == "item", Event.target_id == item.id)
            .order_by(Event.seq.desc())
            .limit(200)
        ).all()
        data["history"] = [
            {
                "action": e.action,
                "timestamp": _iso(e.timestamp),
                "user": name,
                "user_display": fullname or name,
                "before": e.before,
                "after": e.after,
            }
            for e, name, fullname in rows
        ]
    if data_dict.get("include_recommendations"):
        from .recommendation import recommendations

        data["recommendations"] = recommendations(item.cycle_id, item.id)
    if roles_in_context(context).anonymous:
        return public_dict(data)
    return data


def _order(sort: Optional[str]) -> list[Any]:
    g = model.Group
    field, _sep, direction = (sort or "organization asc").partition(" ")
    desc = direction == "desc"
    columns = {
        "organization": [sa.func.coalesce(g.title, g.name), Item.kode_data],
        "kode_data": [Item.kode_data],
        "nama_data": [Item.nama_data, Item.kode_data],
        "modified": [Item.modified, Item.kode_data],
        "hasil": [Item.hasil.nullsfirst(), Item.kode_data],
    }[field]
    if desc:
        columns = [c.desc() for c in columns]
    return [*columns, Item.id]


def _filters(cycle: Cycle, data_dict: DataDict, anonymous: bool) -> list[Any]:
    g = model.Group
    where: list[Any] = [Item.cycle_id == cycle.id, Item.state == ItemState.ACTIVE]
    if anonymous:
        where.append(Item.disepakati.is_(True))
    if data_dict.get("organization"):
        org = data_dict["organization"]
        where.append(sa.or_(g.name == org, g.id == org))
    if data_dict.get("status"):
        where.append(Item.status_usulan == data_dict["status"])
    hasil = data_dict.get("hasil")
    if hasil == "belum":
        where.append(Item.hasil.is_(None))
    elif hasil:
        where.append(Item.hasil == hasil)
    if data_dict.get("kategori"):
        where.append(Item.kategori_sumber.contains([data_dict["kategori"]]))
    if data_dict.get("q"):
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", data_dict["q"]) + "%"
        where.append(
            sa.or_(
                Item.nama_data.ilike(pattern, escape="\\"),
                Item.kode_data.ilike(pattern, escape="\\"),
            )
        )
    return where


@validate(schema.item_list)
@tk.side_effect_free
def satudata_item_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A page of the cycle's rows.

    :param cycle_id: id or year
    :param organization: producer (name or id)
    :param status: ``status_usulan``
    :param hasil: desk result, or ``belum`` (not reviewed)
    :param kategori: a ``kategori_sumber`` value
    :param q: text in the name or code
    :param limit: rows per page (default 50, at most 10000)
    :param offset: rows to skip
    :param sort: ``organization`` (default), ``kode_data``, ``nama_data``,
        ``modified`` or ``hasil``, optionally followed by ``asc``/``desc``
    :param mine_first: the caller's own organizations' rows first
    :returns: ``{count, results}``; anonymous visitors of a published cycle see
        the agreed rows only
    """
    tk.check_access("satudata_item_list", context, data_dict)
    cycle = _get_cycle(data_dict["cycle_id"])
    roles = roles_in_context(context)
    where = _filters(cycle, data_dict, roles.anonymous)
    g = model.Group
    count = model.Session.execute(
        sa.select(sa.func.count())
        .select_from(Item)
        .join(g, g.id == Item.organization_id)
        .where(*where)
    ).scalar_one()
    order = _order(data_dict.get("sort"))
    if data_dict.get("mine_first") and roles.produsen_of:
        order.insert(0, sa.case((g.name.in_(sorted(roles.produsen_of)), 0), else_=1))
    limit = min(data_dict["limit"], schema.ITEMS_LIMIT_MAX)
    results = _dicts(*where, order=order, limit=limit, offset=data_dict["offset"])
    if roles.anonymous:
        results = [public_dict(r) for r in results]
    return {"count": count, "results": results}


@validate(schema.organization_list)
@tk.side_effect_free
def satudata_organization_list(
    context: Context, data_dict: DataDict
) -> list[dict[str, str]]:
    """Every active organization (``id``, ``name``, ``title``), by title: the
    producers a row may name. One query (CKAN's ``organization_list`` with
    ``all_fields`` counts datasets through the search index)."""
    tk.check_access("satudata_organization_list", context, data_dict)
    orgs = sorted(_organizations().values(), key=lambda o: o.title.casefold())
    return [{"id": o.id, "name": o.name, "title": o.title} for o in orgs]


# --- import ----------------------------------------------------------------------


def _read_upload(upload: Any, max_bytes: int) -> bytes:
    """The bytes of an upload as CKAN passes it (FieldStorage, FileStorage,
    a file object) or raw bytes; at most ``max_bytes`` (+1 to tell it's too big)."""
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload)
    stream = getattr(upload, "file", None) or getattr(upload, "stream", None) or upload
    if not hasattr(stream, "read"):
        raise tk.ValidationError(
            {
                "upload": [
                    tk._("Upload an Excel workbook (.xlsx) made from the template")
                ]
            }
        )
    data = stream.read(max_bytes + 1)
    return data.encode() if isinstance(data, str) else bytes(data)


def _cap(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_ERRORS:
        return messages
    rest = len(messages) - MAX_ERRORS
    return [
        *messages[:MAX_ERRORS],
        tk._("… and {count} more errors").format(count=rest),
    ]


def _allowed_orgs(roles: UserRoles, organization: Optional[str]) -> dict[str, Org]:
    if roles.is_(Actor.WALIDATA):
        orgs = _organizations()
    else:
        orgs = _organizations(roles.produsen_of)
    if organization:
        org = _org(organization)
        if org.name not in orgs:
            raise tk.NotAuthorized(
                tk._("You may not import rows for {org}").format(org=org.title)
            )
        orgs = {org.name: org}
    return orgs


@validate(schema.item_import)
def satudata_item_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import the rows of an XLSX made from the template: all rows or none.

    :param cycle_id: id or year
    :param upload: the workbook (a file upload, or bytes)
    :param organization: only rows of this organization are accepted
    :returns: ``{count, created, updated}``

    Every cell is checked (``spreadsheet.parse``); any error is a
    ``ValidationError`` on ``upload`` listing every error with its row and
    column (at most 200 lines), and nothing is written. A row whose
    ``kode_data`` exists in the cycle for the same organization updates it
    (the columns present in the file), other rows are created.
    """
    tk.check_access("satudata_item_import", context, data_dict)
    roles = roles_in_context(context)
    cycle = _get_cycle(data_dict["cycle_id"], for_update=True)
    max_rows = tk.config.get(MAX_ROWS_OPTION) or spreadsheet.DEFAULT_MAX_ROWS
    max_bytes = tk.config.get(MAX_BYTES_OPTION) or spreadsheet.DEFAULT_MAX_BYTES
    max_unpacked = (
        tk.config.get(MAX_UNPACKED_OPTION) or spreadsheet.DEFAULT_MAX_UNCOMPRESSED
    )
    orgs = _allowed_orgs(roles, data_dict.get("organization"))
    raw = _read_upload(data_dict["upload"], max_bytes)
    parsed = spreadsheet.parse(
        raw,
        allowed_organizations={o.name: o.title for o in orgs.values()},
        max_rows=int(max_rows),
        max_bytes=int(max_bytes),
        max_uncompressed=int(max_unpacked),
    )
    if not parsed.ok:
        _rollback(context)
        raise tk.ValidationError({"upload": _cap(parsed.messages())})

    by_id = {o.id: o for o in orgs.values()}
    kodes = [r["kode_data"] for r in parsed.rows if r.get("kode_data")]
    existing: dict[str, Item] = {}
    if kodes:
        # locked and re-read: an edit saved meanwhile is counted in the
        # revision written below, never overwritten unseen
        existing = {
            i.kode_data: i
            for i in model.Session.execute(
                sa.select(Item)
                .where(Item.cycle_id == cycle.id, Item.kode_data.in_(kodes))
                .order_by(Item.id)
                .with_for_update(of=Item)
                .execution_options(populate_existing=True)
            ).scalars()
        }
    errors: list[str] = []
    seen: set[str] = set()
    creates: list[tuple[dict[str, Any], Org]] = []
    updates: list[tuple[dict[str, Any], Item]] = []
    for row in parsed.rows:
        line = row[spreadsheet.ROW_KEY]
        org = orgs[row["organization"]]
        kode = row.get("kode_data")
        if row.get("tahun") not in (None, cycle.tahun):
            errors.append(
                tk._("Row {row}: the year must be {tahun}").format(
                    row=line, tahun=cycle.tahun
                )
            )
        if kode and kode in seen:
            errors.append(
                tk._(
                    "Row {row}: the data code {kode} appears twice in the file"
                ).format(row=line, kode=kode)
            )
        seen.add(kode or "")
        current = existing.get(kode or "")
        if current is None:
            refusal = auth.create_refusal(roles, cycle, org.name)
            creates.append((row, org))
        elif not current.active or current.organization_id != org.id:
            refusal = tk._(
                "the data code {kode} belongs to another row of the list"
            ).format(kode=kode)
        else:
            owner = by_id.get(current.organization_id)
            refusal = auth.edit_refusal(
                roles,
                cycle,
                owner.name if owner else "",
                current.status_usulan,
                current.hasil,
            )
            updates.append((row, current))
        if refusal:
            errors.append(
                tk._("Row {row}: {message}").format(row=line, message=refusal)
            )
    if errors:
        _rollback(context)
        raise tk.ValidationError({"upload": _cap(errors)})

    now = utcnow()
    user_id = roles.user_id
    status_default = "tambahan" if cycle.current_step > 1 else "baru"
    codes = _Codes(cycle) if any(not r.get("kode_data") for r, _o in creates) else None
    item_rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row, org in creates:
        values = _values(row, EDITABLE, fill=True)
        if cycle.current_step > 1 or not values.get("status_usulan"):
            values["status_usulan"] = status_default
        new = {
            "id": make_uuid(),
            "cycle_id": cycle.id,
            "organization_id": org.id,
            "kode_data": row.get("kode_data") or codes.next(org.name),  # type: ignore[union-attr]
            "tahun": cycle.tahun,
            **values,
            "revision": 1,
            "state": ItemState.ACTIVE,
            "created": now,
            "modified": now,
            "created_by": user_id,
            "modified_by": user_id,
        }
        item_rows.append(new)
        after = {k: new.get(k) for k in (*SOP_COLUMNS, "organization_id")}
        events.append(
            _event_row(
                cycle.id, user_id, EventAction.ITEM_IMPORT, new["id"], None, after, now
            )
        )
    update_rows: list[dict[str, Any]] = []
    for row, item in updates:
        values = _values(row, EDITABLE, fill=False)
        before = item.snapshot()
        change = {
            "id": item.id,
            **values,
            "revision": item.revision + 1,
            "modified": now,
            "modified_by": user_id,
            "hasil": None if item.hasil == "perbaikan" else item.hasil,
        }
        update_rows.append(change)
        after = {**before, **{k: v for k, v in change.items() if k != "id"}}
        events.append(
            _event_row(
                cycle.id, user_id, EventAction.ITEM_IMPORT, item.id, before, after, now
            )
        )
    try:
        with model.Session.begin_nested():
            if item_rows:
                model.Session.execute(sa.insert(Item), item_rows)
            # grouped by key set: one executemany each
            for group in _by_keys(update_rows).values():
                model.Session.execute(sa.update(Item), group)
            if events:
                model.Session.execute(sa.insert(Event), events)
    except IntegrityError:
        _rollback(context)
        raise tk.ValidationError(
            {
                "upload": [
                    tk._(
                        "Someone else changed the list at the same time: "
                        "import the file again"
                    )
                ]
            }
        ) from None
    _commit(context)
    return {
        "count": len(item_rows) + len(update_rows),
        "created": len(item_rows),
        "updated": len(update_rows),
    }


def _by_keys(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups


def _event_row(
    cycle_id: str,
    user_id: Optional[str],
    action: str,
    target: str,
    before: Optional[dict[str, Any]],
    after: Optional[dict[str, Any]],
    now: dt.datetime,
) -> dict[str, Any]:
    """An event as a row for a bulk insert (same shape as ``Event.record``)."""
    return {
        "id": make_uuid(),
        "cycle_id": cycle_id,
        "user_id": user_id,
        "timestamp": now,
        "action": action,
        "target_type": "item",
        "target_id": target,
        "before": jsonable(before) if before is not None else None,
        "after": jsonable(after) if after is not None else None,
    }


# --- carry-over ------------------------------------------------------------------


@validate(schema.item_carry_over)
def satudata_item_carry_over(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Bring last year's agreed rows (``disepakati``) into this cycle as ``lama``.

    :param cycle_id: id or year of the cycle being compiled
    :param from_tahun: the year whose agreed list is carried over
    :returns: ``{count, skipped}``: rows added, rows already in the list

    The kode_data is kept; a row whose code is already in the list (carried
    before, or proposed with that code) is not added again.
    """
    tk.check_access("satudata_item_carry_over", context, data_dict)
    roles = roles_in_context(context)
    cycle = _get_cycle(data_dict["cycle_id"], for_update=True)
    source = Cycle.get(data_dict["from_tahun"])
    if source is None or source.id == cycle.id:
        _rollback(context)
        raise tk.ValidationError(
            {
                "from_tahun": [
                    tk._("There is no other planning cycle for {tahun}").format(
                        tahun=data_dict["from_tahun"]
                    )
                ]
            }
        )
    present = set(
        model.Session.execute(
            sa.select(Item.kode_data).where(Item.cycle_id == cycle.id)
        ).scalars()
    )
    agreed = (
        model.Session.execute(
            sa.select(Item)
            .where(
                Item.cycle_id == source.id,
                Item.disepakati.is_(True),
                Item.state == ItemState.ACTIVE,
            )
            .order_by(Item.kode_data)
        )
        .scalars()
        .all()
    )
    now = utcnow()
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for old in agreed:
        if old.kode_data in present:
            continue
        new = {key: getattr(old, key) for key in SOP_COLUMNS}
        new.update(
            {
                "id": make_uuid(),
                "cycle_id": cycle.id,
                "organization_id": old.organization_id,
                "tahun": cycle.tahun,
                "kategori_sumber": list(old.kategori_sumber or []),
                "status_usulan": "lama",
                "revision": 1,
                "state": ItemState.ACTIVE,
                "created": now,
                "modified": now,
                "created_by": roles.user_id,
                "modified_by": roles.user_id,
            }
        )
        rows.append(new)
        after = {k: new.get(k) for k in (*SOP_COLUMNS, "organization_id")}
        after["dari_tahun"] = source.tahun
        events.append(
            _event_row(
                cycle.id,
                roles.user_id,
                EventAction.ITEM_CARRY_OVER,
                new["id"],
                None,
                after,
                now,
            )
        )
    if rows:
        model.Session.execute(sa.insert(Item), rows)
        model.Session.execute(sa.insert(Event), events)
    _commit(context)
    return {"count": len(rows), "skipped": len(agreed) - len(rows)}


# --- duplicates --------------------------------------------------------------------


def _ignored(cycle_id: str) -> set[frozenset[str]]:
    return {
        frozenset((a, b))
        for a, b in model.Session.execute(
            sa.select(IgnoredPair.item_a, IgnoredPair.item_b).where(
                IgnoredPair.cycle_id == cycle_id
            )
        )
    }


@validate(schema.duplicates)
@tk.side_effect_free
def satudata_duplicates(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Candidate duplicate rows of the cycle, best first (the desk).

    :param cycle_id: id or year
    :param organization: only pairs involving this organization (name or id)
    :returns: a list of ``{item_a, item_b, score, alasan}`` with item dicts;
        pairs marked "not a duplicate" and rows already settled as duplikat or
        ditolak are left out. Threshold: ``duplicate_threshold`` (config).
    """
    tk.check_access("satudata_duplicates", context, data_dict)
    cycle = _get_cycle(data_dict["cycle_id"])
    items = _dicts(
        Item.cycle_id == cycle.id,
        Item.state == ItemState.ACTIVE,
        sa.or_(Item.hasil.is_(None), Item.hasil.not_in(SETTLED)),
        order=[Item.kode_data],
    )
    threshold = float(tk.config.get(THRESHOLD_OPTION) or duplicates_.DEFAULT_THRESHOLD)
    pairs = duplicates_.find_pairs(
        items, threshold=threshold, ignored=_ignored(cycle.id)
    )
    org = data_dict.get("organization")
    if org:
        pairs = [
            p
            for p in pairs
            if org
            in (
                p.item_a["organization"],
                p.item_b["organization"],
                p.item_a["organization_id"],
                p.item_b["organization_id"],
            )
        ]
    return [p.as_dict() for p in pairs]


@validate(schema.duplicate_ignore)
def satudata_duplicate_ignore(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The desk marks two rows as *not* duplicates: the pair is not listed again.

    :param cycle_id: id or year
    :param item_a, item_b: the two rows (ids or kode_data)
    :returns: ``{item_a, item_b}`` (ids, in a stable order)
    """
    tk.check_access("satudata_duplicate_ignore", context, data_dict)
    roles = roles_in_context(context)
    cycle = _locked_cycle(
        data_dict["cycle_id"], "satudata_duplicate_ignore", context, data_dict
    )
    found = []
    for key in ("item_a", "item_b"):
        item = Item.get(data_dict[key], cycle_id=cycle.id)
        if item is None:
            raise tk.ValidationError({key: [tk._("Data list row not found")]})
        found.append(item)
    a, b = sorted(i.id for i in found)
    if a == b:
        raise tk.ValidationError({"item_b": [tk._("Choose two different rows")]})
    result = model.Session.execute(
        pg_insert(IgnoredPair.__table__)
        .values(
            cycle_id=cycle.id,
            item_a=a,
            item_b=b,
            created=utcnow(),
            created_by=roles.user_id,
        )
        .on_conflict_do_nothing()
    )
    if result.rowcount:
        Event.record(
            model.Session,
            cycle_id=cycle.id,
            user_id=roles.user_id,
            action=EventAction.DUPLICATE_IGNORE,
            target_type="item",
            target_id=a,
            after={
                "item_a": a,
                "item_b": b,
                # what the audit trail names them by
                "rows": {
                    i.id: {"kode_data": i.kode_data, "nama_data": i.nama_data}
                    for i in found
                },
            },
        )
    _commit(context)
    return {"item_a": a, "item_b": b}


# --- desk review --------------------------------------------------------------------


@validate(schema.item_review)
def satudata_item_review(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The desk's result for a row (step 4).

    :param id: id or kode_data
    :param hasil: ``disetujui``, ``perbaikan`` (back to the OPD), ``duplikat``
        (needs ``duplikat_dari``: the kept row of the same cycle),
        ``dialihkan`` (needs ``organization``: the row moves to that OPD) or
        ``ditolak``
    :param catatan: the desk's note
    :param revision: optional, as in ``satudata_item_update``
    :returns: the item
    """
    tk.check_access("satudata_item_review", context, data_dict)
    roles = roles_in_context(context)
    item = _get_item(
        data_dict, for_update=True, recheck=("satudata_item_review", context)
    )
    _check_revision(item, data_dict, context)
    hasil = data_dict["hasil"]
    before = item.snapshot()
    item.duplikat_dari = None
    if hasil == "duplikat":
        ref = data_dict.get("duplikat_dari")
        if not ref:
            _rollback(context)
            raise tk.ValidationError(
                {"duplikat_dari": [tk._("Name the row that is kept (its code)")]}
            )
        kept = Item.get(ref, cycle_id=item.cycle_id)
        if kept is None or not kept.active or kept.id == item.id:
            _rollback(context)
            raise tk.ValidationError(
                {
                    "duplikat_dari": [
                        tk._("The kept row must be another row of the same list")
                    ]
                }
            )
        if kept.hasil in SETTLED:
            _rollback(context)
            raise tk.ValidationError(
                {
                    "duplikat_dari": [
                        tk._(
                            "The kept row {kode} is itself marked duplicate or rejected"
                        ).format(kode=kept.kode_data)
                    ]
                }
            )
        item.duplikat_dari = kept.id
    elif hasil == "dialihkan":
        if not data_dict.get("organization"):
            _rollback(context)
            raise tk.ValidationError(
                {"organization": [tk._("Name the organization the row moves to")]}
            )
        org = _org(data_dict["organization"])
        if org.id == item.organization_id:
            _rollback(context)
            raise tk.ValidationError(
                {"organization": [tk._("The row already belongs to this organization")]}
            )
        item.dialihkan_dari = item.organization_id
        item.organization_id = org.id
    now = utcnow()
    item.hasil = hasil
    item.catatan_desk = data_dict.get("catatan")
    item.reviewed = now
    item.reviewed_by = roles.user_id
    item.changed(
        model.Session, action=EventAction.ITEM_REVIEW, user_id=roles.user_id,
        before=before, now=now,
    )
    _commit(context)
    return _dict_of(item.id)
