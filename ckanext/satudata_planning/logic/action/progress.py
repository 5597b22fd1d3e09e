"""Progress after step 10: how far each OPD has filled its datasets and how
far their checking has come, and "Data yang harus diisi" (the datasets an
OPD still has to fill in, with their status and the Walidata's note).

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

from ckanext.satudata_planning.model import CheckStatus, Cycle, DatasetCheck, Item
from ckanext.satudata_planning.release import schedule
from ckanext.satudata_planning.sop import working_days
from ckanext.satudata_planning.sop.roles import roles_in_context
from ckanext.satudata_planning.workflow import checking

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


#: the counts of the checking, per OPD and in total (see satudata_progress)
CHECK_COUNTS = ("submitted", "returned", "accepted", "published")
COUNTS = ("agreed", "datasets", "with_data", *CHECK_COUNTS, "overdue")


@validate(cycle_ref_schema)
@tk.side_effect_free
def satudata_progress(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Per OPD: agreed rows, datasets made, filled, submitted, returned,
    accepted, published, percent, overdue.

    :param cycle_id: the cycle's id or year
    :returns: ``{cycle_id, tahun, organizations: [{organization,
        organization_title, agreed, datasets, with_data, submitted, returned,
        accepted, published, percent, overdue, release}], totals: {…}}``,
        OPDs by name; ``release``: the release calendar's counts
        (:func:`release.schedule.counts`: ``released``, ``on_time``,
        ``released_late``, ``late``, ``upcoming``, ``no_date``,
        ``on_time_share``, ``on_time_label``)

    One aggregate query. ``with_data``: datasets with data (filled,
    :func:`workflow.checking.has_data_sql`), whatever their checking;
    ``submitted``: waiting in the Walidata's queue (``diajukan``);
    ``returned``: sent back for revision (``perbaikan``); ``accepted``:
    ``diterima``; ``published``: accepted and public; ``overdue``: rows whose
    ``jadwal_rilis`` has passed and whose dataset has no data yet;
    ``percent``: with_data of agreed.
    """
    tk.check_access("satudata_progress", context, data_dict)
    cycle = get_cycle(data_dict["cycle_id"])
    p, g, c = model.Package, model.Group, DatasetCheck
    today = working_days.today()
    has_data = sa.and_(p.id.is_not(None), checking.has_data_sql(p.id))
    status = checking.status_sql(c.status, has_data)

    def made(*where: Any) -> Any:
        return sa.func.count(p.id).filter(*where)

    rows = model.Session.execute(
        sa.select(
            g.name,
            g.title,
            sa.func.count(Item.id),
            sa.func.count(p.id),
            made(has_data),
            made(status == CheckStatus.DIAJUKAN.value),
            made(status == CheckStatus.PERBAIKAN.value),
            made(status == CheckStatus.DITERIMA.value),
            made(status == CheckStatus.DITERIMA.value, p.private.is_(False)),
            sa.func.count(Item.id).filter(
                Item.jadwal_rilis < today, sa.not_(sa.func.coalesce(has_data, False))
            ),
        )
        .join(g, g.id == Item.organization_id)
        .outerjoin(p, sa.and_(p.id == Item.package_id, p.state == "active"))
        .outerjoin(c, c.package_id == p.id)
        .where(Item.cycle_id == cycle.id, checking.active_items())
        .group_by(g.name, g.title)
        .order_by(g.name)
    ).all()
    orgs = []
    for name, title, *counts in rows:
        org = {"organization": name, "organization_title": title or name,
               **dict(zip(COUNTS, counts, strict=True))}
        org["percent"] = _percent(org["with_data"], org["agreed"])
        orgs.append(org)
    totals: dict[str, Any] = {k: sum(o[k] for o in orgs) for k in COUNTS}
    totals["percent"] = _percent(totals["with_data"], totals["agreed"])
    totals["organizations"] = len(orgs)
    # the release calendar: released on time, late, share on time
    release, totals["release"] = schedule.per_organization(cycle.id)
    for o in orgs:
        o["release"] = release.get(o["organization"]) or schedule.counts([])
    return {
        "cycle_id": cycle.id,
        "tahun": cycle.tahun,
        "published": cycle.published,
        "organizations": orgs,
        "totals": totals,
    }


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


#: the order of "Data yang harus diisi": what the OPD must act on first
_TODO_ORDER = {
    CheckStatus.PERBAIKAN.value: 0,
    CheckStatus.KOSONG.value: 1,
    CheckStatus.DIISI.value: 2,
    CheckStatus.DIAJUKAN.value: 3,
    CheckStatus.DITERIMA.value: 4,
}


@validate(todo_schema)
@tk.side_effect_free
def satudata_todo_datasets(
    context: Context, data_dict: DataDict
) -> list[dict[str, Any]]:
    """ "Data yang harus diisi": provisioned datasets an OPD has to fill in,
    with where their checking stands.

    :param organization: one organization (name or id); default: every
        organization the caller is a member of (sysadmins: every one)
    :param cycle_id: one cycle (id or year); default: every cycle
    :param limit: at most this many (default and maximum 1000)
    :returns: a list of ``{package_id, name, title, kode_data, tahun,
        organization, jadwal_rilis, resources, has_data, overdue, status,
        catatan, queued, can_fill, may_submit}``: those past their jadwal
        rilis and not accepted first, then returned ones, empty, filled,
        submitted and accepted ones, each by due date.
        ``can_fill``: the caller may add data (an editor of the OPD);
        ``may_submit``: and may submit it for checking now.
    """
    tk.check_access("satudata_todo_datasets", context, data_dict)
    roles = roles_in_context(context)
    p, g, c, r = model.Package, model.Group, DatasetCheck, model.Resource
    resources = (
        sa.select(sa.func.count(r.id))
        .where(r.package_id == p.id, r.state == "active")
        .correlate(p)
        .scalar_subquery()
    )
    filled = checking.has_data_sql(p.id)
    status = checking.status_sql(c.status, filled)
    order = sa.case(
        *((status == value, rank) for value, rank in _TODO_ORDER.items()), else_=9
    )
    query = (
        sa.select(
            p.id, p.name, p.title, Item.kode_data, Cycle.tahun, g.name,
            Item.jadwal_rilis, resources, filled, status, c.catatan,
            sa.func.coalesce(c.queued, False),
        )
        .select_from(Item)
        .join(p, sa.and_(p.id == Item.package_id, p.state == "active"))
        .join(g, g.id == Item.organization_id)
        .join(Cycle, Cycle.id == Item.cycle_id)
        .outerjoin(c, c.package_id == p.id)
        .where(checking.active_items())
    )
    organization: Optional[str] = data_dict.get("organization")
    if organization:
        query = query.where(sa.or_(g.name == organization, g.id == organization))
    elif not roles.sysadmin:
        # the Walidata's own list too: the others' it checks, it does not fill
        query = query.where(g.name.in_(sorted(roles.produsen_of | roles.member_of)))
    if data_dict.get("cycle_id"):
        query = query.where(Cycle.id == get_cycle(data_dict["cycle_id"]).id)
    limit = min(data_dict.get("limit") or TODO_LIMIT_MAX, TODO_LIMIT_MAX)
    today = working_days.today()
    late = sa.and_(Item.jadwal_rilis.is_not(None), Item.jadwal_rilis < today,
                   status != CheckStatus.DITERIMA.value)
    rows = model.Session.execute(
        query.order_by(late.desc(), order, Item.jadwal_rilis.asc().nulls_last(),
                       Item.kode_data)
        .limit(limit)
    ).all()
    out = []
    for (package_id, name, title, kode, tahun, org, due, count, has_data, state,
         catatan, queued) in rows:
        can_fill = roles.produces_for(org)
        out.append({
            "package_id": package_id,
            "name": name,
            "title": title,
            "kode_data": kode,
            "tahun": tahun,
            "organization": org,
            "jadwal_rilis": due.isoformat() if due else None,
            "resources": count,
            "has_data": bool(has_data),
            "overdue": bool(due and due < today and not has_data),
            "status": state,
            "catatan": catatan,
            "queued": bool(queued),
            "can_fill": can_fill,
            "may_submit": can_fill and checking.submit_refusal(
                CheckStatus(state), filled=bool(has_data)) is None,
        })
    return out
