"""The Forum Satu Data's decision on each row approved at the desk (step 6).

Example (ckanapi)::

    ckan.action.satudata_item_agree(cycle_id=2027, ids=["2027-DINKES-001"],
                                    disepakati=True)
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.logic import schema
from ckanext.satudata_planning.model import Item, ItemState, utcnow
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.sop.roles import roles_in_context

from ._common import commit, get_cycle, rollback

__all__ = ["satudata_item_agree"]


@validate(schema.item_agree)
def satudata_item_agree(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The Forum Satu Data agrees (or not) on rows approved at the desk.

    :param cycle_id: id or year
    :param ids: the rows (ids or kode_data), a list
    :param disepakati: true (agreed) or false (not agreed)
    :returns: ``{count, disepakati, ids}``

    Step 6 only; every row must be an active row of the cycle approved at the
    desk (``hasil`` = ``disetujui``), or nothing changes. Each row's revision
    grows by one and gets its audit event; one commit.
    """
    tk.check_access("satudata_item_agree", context, data_dict)
    roles = roles_in_context(context)
    cycle = get_cycle(data_dict["cycle_id"], for_update=True)
    if cycle.current_step != sop.FORUM.number or cycle.finished:
        rollback(context)
        raise tk.ValidationError(
            {
                "cycle_id": [
                    tk._(
                        "The forum decides on the rows in step 6; the cycle is at step "
                        "{current}"
                    ).format(current=cycle.current_step)
                ]
            }
        )
    refs = list(dict.fromkeys(data_dict["ids"]))
    items = (
        model.Session.execute(
            sa.select(Item)
            .where(
                Item.cycle_id == cycle.id,
                Item.state == ItemState.ACTIVE,
                sa.or_(Item.id.in_(refs), Item.kode_data.in_(refs)),
            )
            .order_by(Item.kode_data)
            .with_for_update(of=Item)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )
    found = {i.id for i in items} | {i.kode_data for i in items}
    unknown = [r for r in refs if r not in found]
    errors: list[str] = []
    if unknown:
        errors.append(
            tk._("Not rows of this list: {refs}").format(refs=", ".join(unknown[:20]))
        )
    refused = [i.kode_data for i in items if i.hasil != "disetujui"]
    if refused:
        errors.append(
            tk._("Only rows approved at the desk go to the forum: {refs}").format(
                refs=", ".join(refused[:20])
            )
        )
    if errors:
        rollback(context)
        raise tk.ValidationError({"ids": errors})
    disepakati: bool = data_dict["disepakati"]
    now = utcnow()
    for item in items:
        before = item.snapshot()
        item.disepakati = disepakati
        item.changed(
            model.Session, action=EventAction.ITEM_AGREE, user_id=roles.user_id,
            before=before, now=now,
        )
    commit(context)
    return {"count": len(items), "disepakati": disepakati, "ids": [i.id for i in items]}
