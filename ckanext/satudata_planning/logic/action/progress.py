"""Progress after step 10: how far each OPD has filled its datasets, and
"Data yang harus diisi" (the datasets an OPD still has to fill in).

Examples (ckanapi)::

    ckan.action.satudata_progress(cycle_id=2027)["totals"]["percent"]
    ckan.action.satudata_todo_datasets(organization="dinkes")
"""

from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator

from ckanext.satudata_planning.model import Cycle, Item, ItemState
from ckanext.satudata_planning.sop import Actor, working_days
from ckanext.satudata_planning.sop.roles import roles_in_context

from ._common import get_cycle

__all__ = ["satudata_progress", "satudata_todo_datasets"]

TODO_LIMIT_MAX = 1000


# --- schemas -------------------------------------------------------------------


@validator_args
def cycle_ref_schema(not_empty: Validator, satudata_ref: Validator) -> Schema:
    return {"cycle_id": [not_empty, satudata_ref]}


@validator_args
def todo_schema(
    ignore_missing: Validator,
    satudata_ref: Validator,
    natural_number_validator: Validator,
    satudata_blank_to_none: Validator,
) -> Schema:
    return {
        "organization": [ignore_missing, satudata_ref],
        "cycle_id": [ignore_missing, satudata_ref],
        # blank first: natural_number_validator reads " " as None, then fails
        "limit": [satudata_blank_to_none, ignore_missing, natural_number_validator],
    }


# --- actions -------------------------------------------------------------------


def _has_data(p: Any) -> sa.ColumnElement[bool]:
    r = model.Resource
    return sa.exists().where(r.package_id == p.id, r.state == "active")


@validate(cycle_ref_schema)
@tk.side_effect_free
def satudata_progress(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Per OPD: agreed rows, datasets made, datasets with data, percent, overdue.

    :param cycle_id: the cycle's id or year
    :returns: ``{cycle_id, tahun, organizations: [{organization,
        organization_title, agreed, datasets, with_data, percent, overdue}],
        totals: {…}}``, OPDs by name

    One aggregate query. ``with_data``: datasets with at least one active
    resource; ``overdue``: rows whose ``jadwal_rilis`` has passed and whose
    dataset has no data yet; ``percent``: with_data of agreed.
    """
    tk.check_access("satudata_progress", context, data_dict)
    cycle = get_cycle(data_dict["cycle_id"])
    p, g = model.Package, model.Group
    today = working_days.today()
    has_data = sa.and_(p.id.is_not(None), _has_data(p))
    rows = model.Session.execute(
        sa.select(
            g.name,
            g.title,
            sa.func.count(Item.id),
            sa.func.count(p.id),
            sa.func.count(p.id).filter(has_data),
            sa.func.count(Item.id).filter(
                Item.jadwal_rilis < today, sa.not_(sa.func.coalesce(has_data, False))
            ),
        )
        .join(g, g.id == Item.organization_id)
        .outerjoin(p, sa.and_(p.id == Item.package_id, p.state == "active"))
        .where(
            Item.cycle_id == cycle.id,
            Item.state == ItemState.ACTIVE,
            Item.disepakati.is_(True),
        )
        .group_by(g.name, g.title)
        .order_by(g.name)
    ).all()
    orgs = [
        {
            "organization": name,
            "organization_title": title or name,
            "agreed": agreed,
            "datasets": made,
            "with_data": filled,
            "percent": _percent(filled, agreed),
            "overdue": overdue,
        }
        for name, title, agreed, made, filled, overdue in rows
    ]
    totals = {
        k: sum(o[k] for o in orgs)
        for k in ("agreed", "datasets", "with_data", "overdue")
    }
    totals["percent"] = _percent(totals["with_data"], totals["agreed"])
    totals["organizations"] = len(orgs)
    return {
        "cycle_id": cycle.id,
        "tahun": cycle.tahun,
        "published": cycle.published,
        "organizations": orgs,
        "totals": totals,
    }


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


@validate(todo_schema)
@tk.side_effect_free
def satudata_todo_datasets(
    context: Context, data_dict: DataDict
) -> list[dict[str, Any]]:
    """ "Data yang harus diisi": provisioned datasets an OPD has to fill in.

    :param organization: one organization (name or id); default: every
        organization the caller produces data for
    :param cycle_id: one cycle (id or year); default: every cycle
    :param limit: at most this many (default and maximum 1000)
    :returns: a list of ``{package_id, name, title, kode_data, tahun,
        organization, jadwal_rilis, resources, has_data, overdue}``, rows
        without data first, by due date
    """
    tk.check_access("satudata_todo_datasets", context, data_dict)
    roles = roles_in_context(context)
    p, g = model.Package, model.Group
    query = (
        sa.select(
            p.id,
            p.name,
            p.title,
            Item.kode_data,
            Cycle.tahun,
            g.name,
            Item.jadwal_rilis,
            sa.select(sa.func.count(model.Resource.id))
            .where(model.Resource.package_id == p.id, model.Resource.state == "active")
            .correlate(p)
            .scalar_subquery(),
        )
        .join(p, sa.and_(p.id == Item.package_id, p.state == "active"))
        .join(g, g.id == Item.organization_id)
        .join(Cycle, Cycle.id == Item.cycle_id)
        .where(Item.state == ItemState.ACTIVE, Item.disepakati.is_(True))
    )
    organization: Optional[str] = data_dict.get("organization")
    if organization:
        query = query.where(sa.or_(g.name == organization, g.id == organization))
    elif not (roles.sysadmin or roles.is_(Actor.WALIDATA)):
        query = query.where(g.name.in_(sorted(roles.produsen_of | roles.member_of)))
    if data_dict.get("cycle_id"):
        query = query.where(Cycle.id == get_cycle(data_dict["cycle_id"]).id)
    limit = min(data_dict.get("limit") or TODO_LIMIT_MAX, TODO_LIMIT_MAX)
    today = working_days.today()
    rows = model.Session.execute(
        query.order_by(Item.jadwal_rilis.asc().nulls_last(), Item.kode_data).limit(
            limit
        )
    ).all()
    out = [
        {
            "package_id": r[0],
            "name": r[1],
            "title": r[2],
            "kode_data": r[3],
            "tahun": r[4],
            "organization": r[5],
            "jadwal_rilis": r[6].isoformat() if r[6] else None,
            "resources": r[7],
            "has_data": r[7] > 0,
            "overdue": bool(r[6] and r[6] < today and not r[7]),
        }
        for r in rows
    ]
    out.sort(key=lambda d: d["has_data"])  # stable: due-date order kept
    return out
