"""Auth functions of the ``satudata_*`` actions: who may do what, and when.

Who is which SOP actor comes from :mod:`roles` (one query per user); which
actor executes which step comes from :mod:`sop`. Sysadmins pass CKAN's auth
before these functions run. *When* (step order, gates) is the action's job: it
answers with a ``ValidationError`` that says what is missing.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.satudata_planning import roles as roles_
from ckanext.satudata_planning import sop
from ckanext.satudata_planning.sop import Actor

__all__: list[str] = [
    "satudata_cycle_create",
    "satudata_cycle_events",
    "satudata_cycle_list",
    "satudata_cycle_show",
    "satudata_step_complete",
]


def _refuse(msg: str) -> AuthResult:
    return {"success": False, "msg": msg}


def satudata_cycle_create(context: Context, data_dict: DataDict) -> AuthResult:
    """The Walidata opens the yearly cycle."""
    if roles_.roles_in_context(context).is_(Actor.WALIDATA):
        return {"success": True}
    return _refuse(tk._("Only the Walidata may open a planning cycle"))


@tk.auth_allow_anonymous_access
def satudata_cycle_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users see every cycle; anonymous visitors only a published one."""
    if context.get("user"):
        return {"success": True}
    from ckanext.satudata_planning.model import Cycle

    cycle = Cycle.get((data_dict or {}).get("id"))
    if cycle is None or cycle.published:
        # an unknown cycle: let the action answer "not found"
        return {"success": True}
    return _refuse(tk._("This planning cycle is not public yet"))


@tk.auth_allow_anonymous_access
def satudata_cycle_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Everyone; the action lists only published cycles to anonymous visitors."""
    return {"success": True}


def satudata_step_complete(context: Context, data_dict: DataDict) -> AuthResult:
    """Only the step's executors (``sop.Step.executors``) complete it."""
    try:
        number = int((data_dict or {}).get("step"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = 0
    roles = roles_.roles_in_context(context)
    if not sop.is_step(number):
        # the schema reports the bad number; any executor of some step may ask
        if roles.actors - {Actor.PRODUSEN}:
            return {"success": True}
        return _refuse(tk._("You may not complete steps of the planning cycle"))
    step = sop.step(number)
    if roles.is_any(step.executors):
        return {"success": True}
    lang = sop.current_lang()
    return _refuse(
        tk._("Step {number} is completed by {who}").format(
            number=number, who=", ".join(a.label.get(lang) for a in step.executors)
        )
    )


def satudata_cycle_events(context: Context, data_dict: DataDict) -> AuthResult:
    """Any logged-in user (CKAN refuses anonymous callers before this runs)."""
    return {"success": True}
