"""Actions of step 10: provision the datasets and follow the run.

The work itself is in :mod:`provision` (batches, lock, Redis status); these
actions check access and decide between running in the request (a short
list) and queueing one background job (a long one).

Examples (ckanapi)::

    ckan.action.satudata_provision(cycle_id=2027)              # small list: done
    ckan.action.satudata_provision(cycle_id=2027, background=True)["state"]  # "antri"
    ckan.action.satudata_provision_status(cycle_id=2027)["done"]

The OPDs' progress and "Data yang harus diisi" are in :mod:`.progress`.
"""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator
from redis.exceptions import RedisError

from ckanext.satudata_planning import config, sop
from ckanext.satudata_planning import provisioning as provision
from ckanext.satudata_planning.model import Cycle
from ckanext.satudata_planning.sop.roles import roles_in_context

from ._common import get_cycle

__all__ = ["satudata_provision", "satudata_provision_status"]


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
