"""Actions of one Daftar Data row (item): propose, edit, delete, read, list.

Who may do what at which step is :mod:`workflow.rules`, checked by the auth
functions. Each write locks what it changes (the cycle share-locked, then the
row), writes an audit :class:`~model.Event` with before/after in the same
transaction, and commits once. Reads are a constant number of queries
whatever the list's size: the list is one COUNT and one page query.

Examples (ckanapi)::

    ckan.action.satudata_item_create(cycle_id=2027, organization="dinkes",
                                     nama_data="Jumlah Puskesmas")
    ckan.action.satudata_item_list(cycle_id=2027, organization="dinkes", q="puskes")
    ckan.action.satudata_item_patch(id="2027-DINKES-001", revision=1, satuan="unit")
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.model.types import make_uuid
from ckan.types import Context, DataDict
from sqlalchemy.exc import IntegrityError

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.logic import schema
from ckanext.satudata_planning.logic.dictize import item_dict, item_dicts, public_dict
from ckanext.satudata_planning.model import Cycle, Event, Item, ItemState, utcnow
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.model.item import SOP_COLUMNS
from ckanext.satudata_planning.sop.roles import roles_in_context
from ckanext.satudata_planning.sop.row_fields import BY_KEY
from ckanext.satudata_planning.workflow import rules

from ._common import (
    commit,
    get_cycle,
    iso,
    locked_cycle,
    organizations,
    rollback,
)
from ._common import org as org_
from .recommendation import recommendations

__all__ = [
    "satudata_item_create",
    "satudata_item_delete",
    "satudata_item_list",
    "satudata_item_patch",
    "satudata_item_show",
    "satudata_item_update",
    "satudata_organization_list",
]


#: fields an edit may change (kode_data is stable, tahun is the cycle's)
EDITABLE = tuple(k for k in SOP_COLUMNS if k not in ("kode_data", "tahun"))


_KODE = re.compile(r"^(\d{4}-[A-Z0-9]+)-(\d+)$")


def get_item(
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
        cycle_id = get_cycle(data_dict["cycle_id"]).id
    item = Item.get(data_dict["id"], cycle_id=cycle_id)
    if item is not None and for_update:
        if recheck:
            locked_cycle(item.cycle_id, recheck[0], recheck[1], data_dict)
        else:
            get_cycle(item.cycle_id, for_share=True)
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


def check_revision(item: Item, data_dict: DataDict, context: Context) -> None:
    given = data_dict.get("revision")
    if given is not None and int(given) != item.revision:
        rollback(context)
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


class Codes:
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


def values_of(
    data_dict: DataDict, keys: Iterable[str], *, fill: bool
) -> dict[str, Any]:
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
    cycle = locked_cycle(
        data_dict["cycle_id"], "satudata_item_create", context, data_dict
    )
    org = org_(data_dict["organization"])
    _check_tahun(cycle, data_dict)
    values = values_of(data_dict, EDITABLE, fill=True)
    if cycle.current_step > sop.COMPILE.number:
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
        kode = Codes(cycle).next(org.name)
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
    commit(context)
    return item_dict(item.id)


def _apply_edit(
    context: Context, data_dict: DataDict, *, patch: bool
) -> dict[str, Any]:
    roles = roles_in_context(context)
    action = "satudata_item_patch" if patch else "satudata_item_update"
    item = get_item(data_dict, for_update=True, recheck=(action, context))
    cycle = get_cycle(item.cycle_id)
    check_revision(item, data_dict, context)
    _check_tahun(cycle, data_dict)
    if data_dict.get("kode_data") and data_dict["kode_data"] != item.kode_data:
        rollback(context)
        raise tk.ValidationError(
            {"kode_data": [tk._("The data code of a row does not change")]}
        )
    before = item.snapshot()
    if "organization" in data_dict:
        org = org_(data_dict["organization"])
        if org.id != item.organization_id:
            refusal = rules.create_refusal(roles, cycle, org.name)
            if refusal and not roles.is_any(rules.COMPILERS):
                rollback(context)
                raise tk.NotAuthorized(refusal)
            item.organization_id = org.id
    for key, value in values_of(data_dict, EDITABLE, fill=not patch).items():
        setattr(item, key, value)
    if item.hasil == "perbaikan":
        # the OPD's revision: back to the desk ("menunggu review ulang")
        item.hasil = None
    now = utcnow()
    item.changed(
        model.Session, action=EventAction.ITEM_UPDATE, user_id=roles.user_id,
        before=before, now=now,
    )
    commit(context)
    return item_dict(item.id)


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
    item = get_item(
        data_dict, for_update=True, recheck=("satudata_item_delete", context)
    )
    before = item.snapshot()
    now = utcnow()
    item.state = ItemState.DELETED
    item.changed(
        model.Session, action=EventAction.ITEM_DELETE, user_id=roles.user_id,
        before=before, now=now,
    )
    commit(context)
    return {"id": item.id, "kode_data": item.kode_data, "state": item.state}


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
    item = get_item(data_dict)
    data = item_dict(item.id)
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
                "timestamp": iso(e.timestamp),
                "user": name,
                "user_display": fullname or name,
                "before": e.before,
                "after": e.after,
            }
            for e, name, fullname in rows
        ]
    if data_dict.get("include_recommendations"):
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
    cycle = get_cycle(data_dict["cycle_id"])
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
    results = item_dicts(*where, order=order, limit=limit, offset=data_dict["offset"])
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
    orgs = sorted(organizations().values(), key=lambda o: o.title.casefold())
    return [{"id": o.id, "name": o.name, "title": o.title} for o in orgs]
