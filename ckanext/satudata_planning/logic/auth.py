"""Auth functions of the ``satudata_*`` actions: who may do what, and when.

Who is which SOP actor comes from :mod:`roles` (one query per user); which
actor executes which step comes from :mod:`sop`. Sysadmins pass CKAN's auth
before these functions run. *When* (step order, gates) is the action's job: it
answers with a ``ValidationError`` that says what is missing.

The rules are stated once, in the table of :mod:`logic.access` (printed in the
README); a pure "who" is read from it (:func:`access.permits`); the rules that
depend on the step or the row are :mod:`workflow.rules`, which the import
applies too, and the auth-matrix test holds them to the table.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.types import AuthResult, Context, DataDict

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.logic import access, dataset_guard
from ckanext.satudata_planning.logic.dataset_guard import (  # noqa: F401
    bulk_update_delete,
    bulk_update_private,
    bulk_update_public,
    package_delete,
    package_update,
    resource_delete,
)
from ckanext.satudata_planning.sop import Actor
from ckanext.satudata_planning.sop import roles as roles_
from ckanext.satudata_planning.workflow.rules import (
    DESK,
    create_refusal,
    delete_refusal,
    edit_refusal,
    finished,
    recommend_refusal,
    review_refusal,
)

if TYPE_CHECKING:
    from ckanext.satudata_planning.model import Cycle, Item

__all__: list[str] = [
    "satudata_dataset_review",
    "satudata_dataset_submit",
    "satudata_verification_list",
    "satudata_verification_show",
    "satudata_release_calendar",
    "satudata_remind",
    "satudata_portal_summary",
    "satudata_my_tasks",
    "satudata_wilayah_list",
    "satudata_table_import",
    "satudata_progress",
    "satudata_provision",
    "satudata_provision_status",
    "satudata_todo_datasets",
    "satudata_cycle_create",
    "satudata_cycle_events",
    "satudata_cycle_list",
    "satudata_cycle_show",
    "satudata_document_data",
    "satudata_document_show",
    "satudata_document_update",
    "satudata_document_upload",
    "satudata_duplicate_ignore",
    "satudata_duplicates",
    "satudata_item_carry_over",
    "satudata_item_create",
    "satudata_item_agree",
    "satudata_item_delete",
    "satudata_item_import",
    "satudata_item_list",
    "satudata_item_patch",
    "satudata_item_review",
    "satudata_item_show",
    "satudata_item_update",
    "satudata_organization_list",
    "satudata_recommendation_create",
    "satudata_recommendation_list",
    "satudata_sk_publish",
    "satudata_step_complete",
    # CKAN's own, chained: what an OPD may not do to a provisioned dataset
    *dataset_guard.__all__,
]


def _refuse(msg: str) -> AuthResult:
    return {"success": False, "msg": msg}


def _no_access() -> str:
    """Refusal of the actions open to every signed-in user (CKAN refuses
    anonymous callers of these before the auth function runs)."""
    return tk._("Log in to do this")


def _by_table(
    action: str, context: Context, refusal: Callable[[], str]
) -> AuthResult:
    """The answer of the access table for a pure-"who" action (``refusal``
    gives the message, translated only when needed)."""
    if access.permits(action, context):
        return {"success": True}
    return _refuse(refusal())


def satudata_cycle_create(context: Context, data_dict: DataDict) -> AuthResult:
    """The Walidata opens the yearly cycle."""
    return _by_table(
        "satudata_cycle_create",
        context,
        lambda: tk._("Only the Walidata may open a planning cycle"),
    )


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
    return _by_table("satudata_cycle_list", context, _no_access)


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
    return _by_table("satudata_cycle_events", context, _no_access)


# --- the Daftar Data (items): who may do what at which step ---------------------
#
# The rules are :mod:`workflow.rules` (pure functions, also applied row by row
# on import); these functions load the cycle and the row once and ask them.


def _cycle(context: Context, ref: Any) -> Optional[Cycle]:
    from ckanext.satudata_planning.model import Cycle

    cache = context.setdefault("satudata_cycles", {})  # type: ignore[typeddict-item]
    key = str(ref)
    if key not in cache:
        cache[key] = Cycle.get(ref)
    return cache[key]


def _item(context: Context, data_dict: DataDict) -> Optional[Item]:
    from ckanext.satudata_planning.model import Item

    cycle_id = None
    if data_dict.get("cycle_id"):
        cycle = _cycle(context, data_dict["cycle_id"])
        cycle_id = cycle.id if cycle else "-"
    return Item.get(data_dict.get("id"), cycle_id=cycle_id)


def _org_name(ref: Any) -> Optional[str]:
    """The name of the organization ``ref`` (name or id)."""
    if not ref:
        return None
    g = model.Group
    return model.Session.execute(
        sa.select(g.name).where(
            sa.or_(g.name == str(ref), g.id == str(ref)),
            g.is_organization.is_(True),
            g.state == "active",
        )
    ).scalar()


def _org_of(item: Item) -> str:
    return (
        model.Session.execute(
            sa.select(model.Group.name).where(model.Group.id == item.organization_id)
        ).scalar()
        or ""
    )


def _result(msg: Optional[str]) -> AuthResult:
    return {"success": True} if msg is None else _refuse(msg)


def _anonymous_read(context: Context, cycle: Optional[Cycle]) -> AuthResult:
    if context.get("user") or cycle is None or cycle.published:
        return {"success": True}
    return _refuse(tk._("This planning cycle is not public yet"))


def satudata_item_create(context: Context, data_dict: DataDict) -> AuthResult:
    """OPD editors for their own organization in step 1; Walidata or
    Sekretariat for any organization up to step 6."""
    roles = roles_.roles_in_context(context)
    cycle = _cycle(context, (data_dict or {}).get("cycle_id"))
    if cycle is None:
        return {"success": True}  # the action answers "not found"
    org = _org_name((data_dict or {}).get("organization"))
    if org is None:  # the action names the unknown organization
        return _result(
            None if roles.actors or roles.sysadmin else tk._("You may not propose rows")
        )
    return _result(create_refusal(roles, cycle, org))


def _edit(context: Context, data_dict: DataDict) -> AuthResult:
    item = _item(context, data_dict or {})
    if item is None:
        return {"success": True}
    cycle = _cycle(context, item.cycle_id)
    assert cycle is not None
    roles = roles_.roles_in_context(context)
    return _result(
        edit_refusal(roles, cycle, _org_of(item), item.status_usulan, item.hasil)
    )


def satudata_item_update(context: Context, data_dict: DataDict) -> AuthResult:
    """The owner OPD while the row is editable (see :func:`edit_refusal`)."""
    return _edit(context, data_dict)


def satudata_item_patch(context: Context, data_dict: DataDict) -> AuthResult:
    return _edit(context, data_dict)


def satudata_item_delete(context: Context, data_dict: DataDict) -> AuthResult:
    item = _item(context, data_dict or {})
    if item is None:
        return {"success": True}
    cycle = _cycle(context, item.cycle_id)
    assert cycle is not None
    return _result(
        delete_refusal(roles_.roles_in_context(context), cycle, _org_of(item))
    )


@tk.auth_allow_anonymous_access
def satudata_item_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users; anonymous visitors the agreed rows of a published cycle."""
    if context.get("user"):
        return {"success": True}
    item = _item(context, data_dict or {})
    if item is None:
        return {"success": True}
    if not item.disepakati:
        return _refuse(tk._("This planning cycle is not public yet"))
    return _anonymous_read(context, _cycle(context, item.cycle_id))


@tk.auth_allow_anonymous_access
def satudata_item_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users; anonymous visitors a published cycle (agreed rows only)."""
    return _anonymous_read(context, _cycle(context, (data_dict or {}).get("cycle_id")))


def satudata_item_import(context: Context, data_dict: DataDict) -> AuthResult:
    """OPD editors (their own rows, step 1) or the Walidata; each row is then
    checked like a create or an update."""
    roles = roles_.roles_in_context(context)
    cycle = _cycle(context, (data_dict or {}).get("cycle_id"))
    if cycle is None:
        return {"success": True}
    if roles.is_(Actor.WALIDATA):
        return _result(finished(cycle))
    if Actor.PRODUSEN in roles.actors:
        if cycle.current_step == sop.COMPILE.number:
            return {"success": True}
        return _refuse(tk._("Organizations import their rows in step 1"))
    return _refuse(tk._("Only data producers and the Walidata import rows"))


def satudata_item_carry_over(context: Context, data_dict: DataDict) -> AuthResult:
    """The Walidata, while the list is compiled (step 1)."""
    roles = roles_.roles_in_context(context)
    if not roles.is_(Actor.WALIDATA):
        return _refuse(tk._("Only the Walidata carries last year's rows over"))
    cycle = _cycle(context, (data_dict or {}).get("cycle_id"))
    if cycle is not None and cycle.current_step != sop.COMPILE.number:
        return _refuse(tk._("Last year's rows are carried over in step 1"))
    return {"success": True}


def satudata_duplicates(context: Context, data_dict: DataDict) -> AuthResult:
    """The desk: Walidata, Sekretariat, Pembina Data."""
    return _by_table(
        "satudata_duplicates",
        context,
        lambda: tk._(
            "Only the desk (Walidata, Sekretariat, Pembina Data) checks duplicates"
        ),
    )


def satudata_duplicate_ignore(context: Context, data_dict: DataDict) -> AuthResult:
    """The desk marks a pair "not a duplicate" up to the desk's end (step 4)."""
    roles = roles_.roles_in_context(context)
    if not roles.is_any(DESK):
        return _refuse(
            tk._(
                "Only the desk (Walidata, Sekretariat, Pembina Data) checks duplicates"
            )
        )
    cycle = _cycle(context, (data_dict or {}).get("cycle_id"))
    if cycle is not None and (cycle.current_step > sop.DESK.number or cycle.finished):
        return _refuse(tk._("Duplicates are settled up to the desk (step 4)"))
    return {"success": True}


def satudata_item_review(context: Context, data_dict: DataDict) -> AuthResult:
    """The desk, in step 4."""
    item = _item(context, data_dict or {})
    roles = roles_.roles_in_context(context)
    if item is None:
        return _result(
            None
            if roles.is_any(DESK)
            else tk._(
                "Only the desk (Walidata, Sekretariat, Pembina Data) reviews rows"
            )
        )
    cycle = _cycle(context, item.cycle_id)
    assert cycle is not None
    return _result(review_refusal(roles, cycle))


def satudata_recommendation_create(context: Context, data_dict: DataDict) -> AuthResult:
    """Pembina Data, in step 2 and during the desk (step 4)."""
    roles = roles_.roles_in_context(context)
    cycle = _cycle(context, (data_dict or {}).get("cycle_id"))
    if cycle is None:
        return _result(
            None
            if roles.is_(Actor.PEMBINA)
            else tk._("Only the Pembina Data gives recommendations")
        )
    return _result(recommend_refusal(roles, cycle))


def satudata_recommendation_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Any logged-in user."""
    return _by_table("satudata_recommendation_list", context, _no_access)


def satudata_organization_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Any logged-in user (the producers a row may name)."""
    return _by_table("satudata_organization_list", context, _no_access)


# --- documents, forum and SK (steps 5–9) --------------------------------------------
#
# Who: here (NotAuthorized). When (the step, what is missing): the action, with a
# ValidationError that says so.


def _documents_refusal() -> str:
    return tk._("Only the Sekretariat or the Walidata write the documents")


def satudata_document_update(context: Context, data_dict: DataDict) -> AuthResult:
    """The Sekretariat writes the minutes; the Walidata may too (and the SK)."""
    return _by_table("satudata_document_update", context, _documents_refusal)


def satudata_document_upload(context: Context, data_dict: DataDict) -> AuthResult:
    """The same actors keep the signed PDF."""
    return _by_table("satudata_document_upload", context, _documents_refusal)


@tk.auth_allow_anonymous_access
def satudata_document_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users; anonymous visitors the SK of a published cycle only."""
    if context.get("user"):
        return {"success": True}
    cycle = _cycle(context, (data_dict or {}).get("cycle_id"))
    if (data_dict or {}).get("jenis") == "sk" and cycle is not None and cycle.published:
        return {"success": True}
    if cycle is None:
        return {"success": True}  # the action answers "not found"
    return _refuse(tk._("This document is not public"))


def satudata_document_data(context: Context, data_dict: DataDict) -> AuthResult:
    """Any logged-in user (drafts and printable pages of the documents)."""
    return _by_table("satudata_document_data", context, _no_access)


def satudata_item_agree(context: Context, data_dict: DataDict) -> AuthResult:
    """The Sekretariat (who organises the forum) or the Walidata records its
    decisions."""
    return _by_table(
        "satudata_item_agree",
        context,
        lambda: tk._(
            "Only the Sekretariat or the Walidata record the forum's decisions"
        ),
    )


def satudata_sk_publish(context: Context, data_dict: DataDict) -> AuthResult:
    """The Walidata disseminates the SK (step 9)."""
    return _by_table(
        "satudata_sk_publish",
        context,
        lambda: tk._("Only the Walidata publishes the decree (SK)"),
    )


# --- step 10: provisioning and progress -------------------------------------------


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
    name = _org_name(organization)
    if name is None or name in roles.produsen_of or name in roles.member_of:
        return {"success": True}
    return _refuse(tk._("Only members of the organization see its data to fill in"))


# --- after step 10: checking and publication -----------------------------------------


def _dataset_org(data_dict: DataDict) -> Optional[str]:
    """The organization (name) of the dataset ``id`` names; ``None`` when no
    dataset has that id or name (the action answers "not found")."""
    ref = (data_dict or {}).get("id")
    if not isinstance(ref, str) or not ref:
        return None
    p, g = model.Package, model.Group
    row = model.Session.execute(
        sa.select(g.name).select_from(p).outerjoin(g, g.id == p.owner_org)
        .where(sa.or_(p.id == ref, p.name == ref)).limit(1)
    ).first()
    return None if row is None else (row[0] or "")


def satudata_dataset_submit(context: Context, data_dict: DataDict) -> AuthResult:
    """The dataset's OPD (its editors and admins) submits it for checking."""
    organization = _dataset_org(data_dict)
    roles = roles_.roles_in_context(context)
    if organization is None or roles.produces_for(organization):
        return {"success": True}
    return _refuse(tk._("Only the dataset's OPD submits it for checking"))


def satudata_dataset_review(context: Context, data_dict: DataDict) -> AuthResult:
    """The Walidata checks the data and decides."""
    return _by_table(
        "satudata_dataset_review",
        context,
        lambda: tk._("Only the Walidata checks and publishes the data"),
    )


def satudata_verification_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Any logged-in user; an OPD's list holds its own datasets only."""
    return _by_table("satudata_verification_list", context, _no_access)


def satudata_verification_show(context: Context, data_dict: DataDict) -> AuthResult:
    """The Walidata, the Pembina Data and the dataset's organization."""
    roles = roles_.roles_in_context(context)
    if roles.is_any((Actor.WALIDATA, Actor.PEMBINA)):
        return {"success": True}
    organization = _dataset_org(data_dict)
    if organization is None or organization in roles.produsen_of | roles.member_of:
        return {"success": True}
    return _refuse(tk._("Only the dataset's OPD and the Walidata see its checking"))


# --- after step 10: the release calendar ---------------------------------------------


@tk.auth_allow_anonymous_access
def satudata_release_calendar(context: Context, data_dict: DataDict) -> AuthResult:
    """Anyone: the calendar lists the published cycles only."""
    return _by_table("satudata_release_calendar", context, _no_access)


def satudata_remind(context: Context, data_dict: DataDict) -> AuthResult:
    """The Walidata (and sysadmins, and the daily job) sends the reminders."""
    return _by_table(
        "satudata_remind",
        context,
        lambda: tk._("Only the Walidata sends the release reminders"),
    )


@tk.auth_allow_anonymous_access
def satudata_portal_summary(context: Context, data_dict: DataDict) -> AuthResult:
    """Anyone: the home page's public figures."""
    return _by_table("satudata_portal_summary", context, _no_access)


def satudata_my_tasks(context: Context, data_dict: DataDict) -> AuthResult:
    """Any logged-in user: their own tasks."""
    return _by_table("satudata_my_tasks", context, _no_access)


@tk.auth_allow_anonymous_access
def satudata_wilayah_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Anyone: the region's reference data is public."""
    return _by_table("satudata_wilayah_list", context, _no_access)


def satudata_table_import(context: Context, data_dict: DataDict) -> AuthResult:
    """The dataset's OPD (its editors and admins) and the Walidata."""
    roles = roles_.roles_in_context(context)
    if roles.is_(Actor.WALIDATA):
        return {"success": True}
    organization = _dataset_org(data_dict)
    if organization is None or roles.produces_for(organization):
        return {"success": True}
    return _refuse(tk._("Only the dataset's OPD enters its data"))
