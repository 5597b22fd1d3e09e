"""Auth of the step-10 actions (provisioning and progress).

Kept beside :mod:`logic.auth` (which re-exports these names) so the rules of
step 10 read in one place; who provisions is read from the table of
:mod:`logic.access`.
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.satudata_planning import roles as roles_
from ckanext.satudata_planning.logic import access
from ckanext.satudata_planning.sop import Actor

__all__ = [
    "satudata_progress",
    "satudata_provision",
    "satudata_provision_status",
    "satudata_todo_datasets",
]


def _refuse(msg: str) -> AuthResult:
    return {"success": False, "msg": msg}


def satudata_provision(context: Context, data_dict: DataDict) -> AuthResult:
    """The Walidata, as portal administrator (SOP step 10); sysadmins."""
    if access.permits("satudata_provision", context):
        return {"success": True}
    return _refuse(tk._("Only the Walidata prepares the datasets in the portal"))


def satudata_provision_status(context: Context, data_dict: DataDict) -> AuthResult:
    """Any logged-in user (CKAN refuses anonymous callers before this runs)."""
    if access.permits("satudata_provision_status", context):
        return {"success": True}
    return _refuse(tk._("Log in to do this"))


@tk.auth_allow_anonymous_access
def satudata_progress(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users; anonymous visitors once the SK is published (step 9)."""
    if context.get("user"):
        return {"success": True}
    from ckanext.satudata_planning.model import Cycle

    cycle = Cycle.get((data_dict or {}).get("cycle_id"))
    if cycle is None or cycle.published:
        return {"success": True}  # unknown: the action answers "not found"
    return _refuse(tk._("This planning cycle is not public yet"))


def satudata_todo_datasets(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users; one organization's list only for its members, the
    Walidata and sysadmins (the datasets are private until checked)."""
    roles = roles_.roles_in_context(context)
    organization = (data_dict or {}).get("organization")
    if not organization or roles.is_(Actor.WALIDATA):
        return {"success": True}
    from ckanext.satudata_planning.logic.auth import _org_name

    name = _org_name(organization)
    if name is None or name in roles.produsen_of or name in roles.member_of:
        return {"success": True}
    return _refuse(tk._("Only members of the organization see its data to fill in"))
