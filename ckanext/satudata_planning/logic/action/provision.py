"""Actions of step 10: provision the datasets, follow the OPDs' progress.

The work itself is in :mod:`provision` (batches, lock, Redis status); these
actions check access and decide between running in the request (a short
list) and queueing one background job (a long one).

Examples (ckanapi)::

    ckan.action.satudata_provision(cycle_id=2027)              # small list: done
    ckan.action.satudata_provision(cycle_id=2027, background=True)["state"]  # "antri"
    ckan.action.satudata_provision_status(cycle_id=2027)["done"]
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
from redis.exceptions import RedisError

from ckanext.satudata_planning import config, sop
from ckanext.satudata_planning.model import Cycle, Item, ItemState
from ckanext.satudata_planning.provisioning import run as provision
from ckanext.satudata_planning.sop import Actor, working_days
from ckanext.satudata_planning.sop.roles import roles_in_context

from ._common import get_cycle

__all__ = [
    "satudata_progress",
    "satudata_provision",
    "satudata_provision_status",
    "satudata_todo_datasets",
]

TODO_LIMIT_MAX = 1000


# --- schemas -------------------------------------------------------------------


@validator_args
def provision_schema(
    not_empty: Validator,
    satudata_ref: Validator,
    ignore_missing: Validator,
    satudata_boolean: Validator,
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "background": [ignore_missing, satudata_boolean],
    }


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


# --- helpers -------------------------------------------------------------------


def _status(cycle: Cycle) -> dict[str, Any]:
    """The stored run status plus what is left to do (two small queries)."""
    status = provision.read_status(cycle.id)
    return {
        "cycle_id": cycle.id,
        "tahun": cycle.tahun,
        "state": status.get("state"),
        "done": status.get("done", 0),
        "total": status.get("total"),
        "batch": status.get("batch", 0),
        "created": status.get("created", 0),
        "updated": status.get("updated", 0),
        "errors": status.get("errors", []),
        "job_id": status.get("job_id"),
        "started": status.get("started"),
        "finished": status.get("finished"),
        "updated_at": status.get("updated_at"),
        "pending": provision.pending_count(cycle.id),
        "removed": provision.removed(cycle.id),
    }


# --- actions -------------------------------------------------------------------


@validate(provision_schema)
def satudata_provision(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Create or update one dataset per agreed row, in its OPD (step 10).

    :param cycle_id: the cycle's id or year
    :param background: run as a background job (default: only when the work
        is larger than ``ckanext.satudata_planning.provision_sync_max`` rows)
    :returns: ``{state, mode, done, total, created, updated, errors, removed,
        job_id}``; ``removed`` lists rows that lost their place on the list
        after their dataset was made (reported, never deleted)

    Idempotent: a re-run creates nothing twice and updates the datasets of
    rows changed since. A job that cannot be queued (Redis down) is a
    ``ValidationError``; nothing is done then.
    """
    tk.check_access("satudata_provision", context, data_dict)
    cycle = get_cycle(data_dict["cycle_id"])
    roles = roles_in_context(context)
    if cycle.current_step < sop.PROVISION.number and not roles.sysadmin:
        raise tk.ValidationError(
            {
                "cycle_id": [
                    tk._(
                        "The datasets are prepared in step 10, after the SK is "
                        "published; the cycle is at step {step}"
                    ).format(step=cycle.current_step)
                ]
            }
        )
    user = (
        context.get("user")
        or tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    )
    pending = provision.pending_count(cycle.id)
    sync_max = config.provision_sync_max()
    background = data_dict.get("background")
    if background is None:
        background = pending > sync_max
    running = provision.active_run(cycle.id) if background else None
    if running:  # one job per run: report the one queued or running
        return {"state": running["state"], "mode": "background",
                "job_id": running.get("job_id"), "done": running.get("done", 0),
                "total": running.get("total") or pending, "created": 0,
                "updated": 0, "errors": [], "removed": provision.removed(cycle.id)}
    if background:
        try:
            job_id = provision.enqueue(
                cycle.id, user, title=f"Penyediaan dataset Daftar Data {cycle.tahun}"
            )
        except (RedisError, OSError) as e:  # the queue (Redis) does not answer
            raise tk.ValidationError(
                {
                    "background": [
                        tk._(
                            "The provisioning job could not be queued (the job "
                            "queue does not answer: {error}). Nothing has been "
                            "done; try again later."
                        ).format(error=type(e).__name__)
                    ]
                }
            ) from None
        return {
            "state": provision.ANTRI,
            "mode": "background",
            "job_id": job_id,
            "done": 0,
            "total": pending,
            "created": 0,
            "updated": 0,
            "errors": [],
            "removed": provision.removed(cycle.id),
        }
    try:
        result = provision.tracked_run(cycle.id, user)
    except provision.Busy:
        raise tk.ValidationError(
            {
                "cycle_id": [
                    tk._(
                        "Another provisioning run of this cycle is in progress: "
                        "wait for it to finish"
                    )
                ]
            }
        ) from None
    return {
        "state": provision.SELESAI,
        "mode": "sync",
        "job_id": None,
        **result.as_dict(),
    }


@validate(cycle_ref_schema)
@tk.side_effect_free
def satudata_provision_status(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The last provisioning run of the cycle and what is left (logged-in users).

    :param cycle_id: the cycle's id or year
    :returns: ``{state (antri/berjalan/selesai/gagal or null), done, total,
        batch, created, updated, errors, pending, removed, …}``
    """
    tk.check_access("satudata_provision_status", context, data_dict)
    return _status(get_cycle(data_dict["cycle_id"]))


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
