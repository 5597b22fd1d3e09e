"""Actions of the desk pra forum (step 4): each row's result, and the
candidate duplicates the desk settles.

Examples (ckanapi)::

    ckan.action.satudata_duplicates(cycle_id=2027, limit=50, offset=0)[0]["jenis"]
    ckan.action.satudata_item_review(id="2027-DINKES-001", hasil="disetujui")
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ckanext.satudata_planning import config, memo
from ckanext.satudata_planning import duplicates as duplicates_
from ckanext.satudata_planning.logic import schema, schema_desk
from ckanext.satudata_planning.logic.dictize import item_dict, item_dicts
from ckanext.satudata_planning.model import Event, IgnoredPair, Item, ItemState, utcnow
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.sop.roles import roles_in_context

from ._common import commit, get_cycle, locked_cycle, rollback
from ._common import org as org_
from .item import check_revision, get_item

__all__ = [
    "satudata_duplicate_ignore",
    "satudata_duplicates",
    "satudata_item_review",
]


#: desk results that take a row out of the duplicate candidates
SETTLED = ("duplikat", "ditolak")


def _ignored(cycle_id: str) -> set[frozenset[str]]:
    return {
        frozenset((a, b))
        for a, b in model.Session.execute(
            sa.select(IgnoredPair.item_a, IgnoredPair.item_b).where(
                IgnoredPair.cycle_id == cycle_id
            )
        )
    }


#: the columns the comparison reads (the page's pairs get whole item dicts)
_COMPARED = ("nama_data", "definisi", "satuan", "ukuran", "kode_sds", "kode_indikator")
#: the last computed pairs of a few cycles, by what they were computed from
_CACHE: dict[str, tuple[int, list[duplicates_.Pair]]] = {}
_CACHE_CYCLES = 8


def _compared_rows(cycle_id: str) -> list[dict[str, Any]]:
    """The cycle's active rows, with only what the comparison reads."""
    g = model.Group
    query = (
        sa.select(
            Item.id, Item.kode_data, Item.organization_id,
            g.name.label("organization"),
            *(getattr(Item, key) for key in _COMPARED),
        )
        .join(g, g.id == Item.organization_id)
        .where(Item.cycle_id == cycle_id, Item.state == ItemState.ACTIVE)
        .order_by(Item.kode_data)
    )
    return [dict(row._mapping) for row in model.Session.execute(query)]


def _compared_digest(cycle_id: str) -> Optional[str]:
    """A digest of what the comparison reads, computed by PostgreSQL (one
    short answer instead of every row)."""
    g = model.Group
    columns = [Item.id, Item.kode_data, Item.organization_id, g.name,
               *(getattr(Item, key) for key in _COMPARED)]
    text = sa.func.concat_ws(
        "\x1f", *(sa.func.coalesce(sa.cast(c, sa.UnicodeText), "\x1e") for c in columns)
    )
    return model.Session.execute(
        sa.select(sa.func.md5(sa.func.string_agg(
            text, aggregate_order_by(sa.literal("\x1d"), Item.id))))
        .select_from(Item)
        .join(g, g.id == Item.organization_id)
        .where(Item.cycle_id == cycle_id, Item.state == ItemState.ACTIVE)
    ).scalar()


def _settled(cycle_id: str) -> set[str]:
    """Rows the desk marked duplikat or ditolak: out of the candidates."""
    return set(model.Session.scalars(
        sa.select(Item.id).where(Item.cycle_id == cycle_id, Item.hasil.in_(SETTLED))
    ))


def cycle_pairs(cycle_id: str) -> list[duplicates_.Pair]:
    """Every candidate pair of the cycle, best first, on light row dicts;
    pairs marked "not a duplicate" and settled rows left out.

    The comparison of every row with every other runs again only when what
    it reads changed (a name, a definition, a unit, a code, a row added or
    removed, the options) since the last call in this process: a desk result
    or a pair marked "not a duplicate" only filters the pairs kept. Within
    one transaction (a page asks twice: its page of pairs, the partners of
    its rows) the answer is read once (:mod:`memo`)."""
    known = memo.recall("pairs", cycle_id)
    if known is not None:
        return known
    pairs = _cycle_pairs(cycle_id)
    memo.remember("pairs", cycle_id, pairs)
    return pairs


def _cycle_pairs(cycle_id: str) -> list[duplicates_.Pair]:
    threshold = config.duplicate_threshold()
    breakdown = config.duplicate_breakdown_score()
    fingerprint = hash((
        _compared_digest(cycle_id), threshold, breakdown,
        config.duplicate_terms_file(),
    ))
    cached = _CACHE.get(cycle_id)
    if cached and cached[0] == fingerprint:
        pairs = cached[1]
    else:
        pairs = duplicates_.find_pairs(
            _compared_rows(cycle_id), threshold=threshold, breakdown_score=breakdown
        )
        _CACHE.pop(cycle_id, None)
        if len(_CACHE) >= _CACHE_CYCLES:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[cycle_id] = (fingerprint, pairs)
    ignored = _ignored(cycle_id)
    settled = _settled(cycle_id)
    if not ignored and not settled:
        return pairs
    return [
        p for p in pairs
        if p.item_a["id"] not in settled and p.item_b["id"] not in settled
        and frozenset((p.item_a["id"], p.item_b["id"])) not in ignored
    ]


@validate(schema_desk.duplicates)
@tk.side_effect_free
def satudata_duplicates(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Candidate duplicate rows of the cycle, best first (the desk), one page.

    :param cycle_id: id or year
    :param organization: only pairs involving this organization (name or id)
    :param jenis: only pairs of this kind: ``kode`` (same SDS or indicator
        code), ``mirip`` (near-identical names) or ``rincian`` (the same
        subject with another breakdown, "… menurut Kecamatan" against
        "… menurut Kecamatan dan Jenis Kelamin")
    :param item: only pairs involving one of these rows (a list of ids or
        kode_data, at most 200)
    :param limit: pairs of the page (default 50, at most the
        ``duplicate_page_max`` option, 200)
    :param offset: pairs skipped (default 0)
    :returns: a list of ``{item_a, item_b, score, alasan, jenis}`` with item
        dicts; pairs marked "not a duplicate" and rows already settled as
        duplikat or ditolak are left out. Thresholds: ``duplicate_threshold``
        and ``duplicate_breakdown_score`` (config).
    """
    tk.check_access("satudata_duplicates", context, data_dict)
    cycle = get_cycle(data_dict["cycle_id"])
    limit, most = data_dict["limit"], config.duplicate_page_max()
    if limit > most:
        raise tk.ValidationError(
            {"limit": [tk._("At most {num} pairs per call").format(num=most)]}
        )
    pairs = cycle_pairs(cycle.id)
    org = data_dict.get("organization")
    if org:
        pairs = [
            p for p in pairs
            if org in (p.item_a["organization"], p.item_b["organization"],
                       p.item_a["organization_id"], p.item_b["organization_id"])
        ]
    refs = set(data_dict.get("item") or ())
    if refs:
        pairs = [
            p for p in pairs
            if p.item_a["id"] in refs or p.item_b["id"] in refs
            or p.item_a["kode_data"] in refs or p.item_b["kode_data"] in refs
        ]
    kind = data_dict.get("jenis")
    if kind:
        pairs = [p for p in pairs if p.jenis == kind]
    offset = data_dict["offset"]
    page = pairs[offset:offset + limit]
    ids = {i["id"] for p in page for i in (p.item_a, p.item_b)}
    full = {i["id"]: i for i in item_dicts(Item.id.in_(ids))} if ids else {}
    return [
        {**p.as_dict(), "item_a": full[p.item_a["id"]], "item_b": full[p.item_b["id"]]}
        for p in page
    ]


@validate(schema.duplicate_ignore)
def satudata_duplicate_ignore(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The desk marks two rows as *not* duplicates: the pair is not listed again.

    :param cycle_id: id or year
    :param item_a, item_b: the two rows (ids or kode_data)
    :returns: ``{item_a, item_b}`` (ids, in a stable order)
    """
    tk.check_access("satudata_duplicate_ignore", context, data_dict)
    roles = roles_in_context(context)
    cycle = locked_cycle(
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
    commit(context)
    return {"item_a": a, "item_b": b}


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
    item = get_item(
        data_dict, for_update=True, recheck=("satudata_item_review", context)
    )
    check_revision(item, data_dict, context)
    hasil = data_dict["hasil"]
    before = item.snapshot()
    item.duplikat_dari = None
    if hasil == "duplikat":
        ref = data_dict.get("duplikat_dari")
        if not ref:
            rollback(context)
            raise tk.ValidationError(
                {"duplikat_dari": [tk._("Name the row that is kept (its code)")]}
            )
        kept = Item.get(ref, cycle_id=item.cycle_id)
        if kept is None or not kept.active or kept.id == item.id:
            rollback(context)
            raise tk.ValidationError(
                {
                    "duplikat_dari": [
                        tk._("The kept row must be another row of the same list")
                    ]
                }
            )
        if kept.hasil in SETTLED:
            rollback(context)
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
            rollback(context)
            raise tk.ValidationError(
                {"organization": [tk._("Name the organization the row moves to")]}
            )
        org = org_(data_dict["organization"])
        if org.id == item.organization_id:
            rollback(context)
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
    commit(context)
    return item_dict(item.id)
