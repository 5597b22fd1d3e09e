"""Pembina Data's recommendations on the Daftar Data (SOP step 2, and step 4).

Examples (ckanapi)::

    ckan.action.satudata_recommendation_create(cycle_id=2027, item_id="2027-DINKES-001",
                                               isi="Gunakan definisi SDS BPS")
    ckan.action.satudata_recommendation_create(cycle_id=2027,
                                               isi="Lengkapi satuan semua indikator")
"""

from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.model.types import make_uuid
from ckan.types import Context, DataDict

from ckanext.satudata_planning.logic import schema
from ckanext.satudata_planning.model import Event, Item, Recommendation, utcnow
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.sop.roles import roles_in_context

from ._common import commit, get_cycle

__all__ = ["satudata_recommendation_create", "satudata_recommendation_list"]


def recommendations(
    cycle_id: str, item_id: Optional[str] = None, *, whole_list_only: bool = False
) -> list[dict[str, Any]]:
    """The cycle's recommendations (on ``item_id`` only, when given), newest
    first, with the item's code and the author: one query."""
    u = model.User
    query = (
        sa.select(Recommendation, Item.kode_data, Item.nama_data, u.name, u.fullname)
        .outerjoin(Item, Item.id == Recommendation.item_id)
        .outerjoin(u, u.id == Recommendation.created_by)
        .where(Recommendation.cycle_id == cycle_id)
        .order_by(Recommendation.created.desc(), Recommendation.id)
    )
    if item_id:
        query = query.where(Recommendation.item_id == item_id)
    elif whole_list_only:
        query = query.where(Recommendation.item_id.is_(None))
    return [
        {
            "id": r.id,
            "cycle_id": r.cycle_id,
            "item_id": r.item_id,
            "kode_data": kode,
            "nama_data": nama,
            "step": r.step,
            "isi": r.isi,
            "created": r.created.isoformat(),
            "user": name,
            "user_display": fullname or name,
        }
        for r, kode, nama, name, fullname in model.Session.execute(query)
    ]


@validate(schema.recommendation_create)
def satudata_recommendation_create(
    context: Context, data_dict: DataDict
) -> dict[str, Any]:
    """Pembina Data's recommendation on a row, or on the whole list.

    :param cycle_id: id or year
    :param item_id: the row (id or kode_data); absent: the whole list
    :param isi: the recommendation
    :returns: ``{id, cycle_id, item_id, kode_data, step, isi, created, user}``
    """
    tk.check_access("satudata_recommendation_create", context, data_dict)
    roles = roles_in_context(context)
    cycle = get_cycle(data_dict["cycle_id"])
    item_id = None
    item = None
    if data_dict.get("item_id"):
        item = Item.get(data_dict["item_id"], cycle_id=cycle.id)
        if item is None or not item.active:
            raise tk.ValidationError({"item_id": [tk._("Data list row not found")]})
        item_id = item.id
    now = utcnow()
    rec = Recommendation(
        id=make_uuid(),
        cycle_id=cycle.id,
        item_id=item_id,
        step=cycle.current_step,
        isi=data_dict["isi"],
        created=now,
        created_by=roles.user_id,
    )
    model.Session.add(rec)
    Event.record(
        model.Session,
        cycle_id=cycle.id,
        user_id=roles.user_id,
        action=EventAction.RECOMMENDATION_CREATE,
        target_type="item" if item_id else "cycle",
        target_id=item_id or cycle.id,
        after={
            "isi": rec.isi,
            "step": rec.step,
            "recommendation": rec.id,
            # the row's code and name, for the audit trail
            **(
                {"kode_data": item.kode_data, "nama_data": item.nama_data}
                if item is not None
                else {}
            ),
        },
        timestamp=now,
    )
    commit(context)
    return next(r for r in recommendations(cycle.id, item_id) if r["id"] == rec.id)


@validate(schema.recommendation_list)
@tk.side_effect_free
def satudata_recommendation_list(
    context: Context, data_dict: DataDict
) -> list[dict[str, Any]]:
    """The cycle's recommendations, newest first (``item_id``: on that row only)."""
    tk.check_access("satudata_recommendation_list", context, data_dict)
    cycle = get_cycle(data_dict["cycle_id"])
    item_id = None
    item = None
    if data_dict.get("item_id"):
        item = Item.get(data_dict["item_id"], cycle_id=cycle.id)
        if item is None:
            raise tk.ObjectNotFound(tk._("Data list row not found"))
        item_id = item.id
    return recommendations(cycle.id, item_id)
