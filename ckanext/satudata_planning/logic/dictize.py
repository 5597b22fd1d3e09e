"""Rows of the Daftar Data as callers see them (one query for any number).

An item dict has every SOP field (dates as ISO text), ``organization`` as a
name, the desk's result, the forum's decision, its dataset and its revision;
:func:`public_dict` is what anonymous visitors of a published list see.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ckanext.satudata_planning.logic.action._common import iso
from ckanext.satudata_planning.model import Cycle, Item, ItemState
from ckanext.satudata_planning.model.item import SOP_COLUMNS

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
        data[key] = iso(getattr(item, key))
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
            "reviewed": iso(item.reviewed),
            "disepakati": item.disepakati,
            "package_id": item.package_id,
            "revision": item.revision,
            "state": item.state,
            "created": iso(item.created),
            "modified": iso(item.modified),
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


def item_dicts(
    *where: Any, order: Sequence[Any] = (), limit: Optional[int] = None, offset: int = 0
) -> list[dict[str, Any]]:
    query = _select().where(*where).order_by(*order)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [item_dictize(*row) for row in model.Session.execute(query)]


def item_dict(item_id: str) -> dict[str, Any]:
    return item_dicts(Item.id == item_id)[0]


def cycle_items(cycle: Cycle, *where: Any) -> list[dict[str, Any]]:
    """The cycle's active rows as item dicts (organization joined): one query."""
    g = model.Group
    rows = model.Session.execute(
        sa.select(Item, g.name, g.title)
        .join(g, g.id == Item.organization_id)
        .where(Item.cycle_id == cycle.id, Item.state == ItemState.ACTIVE, *where)
        .order_by(sa.func.coalesce(g.title, g.name), Item.kode_data)
    ).all()
    return [item_dictize(item, name, title) for item, name, title in rows]
