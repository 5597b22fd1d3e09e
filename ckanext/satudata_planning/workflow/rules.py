"""Who may change a Daftar Data row at which step: the business rules of the
SOP, as pure functions of (roles, cycle, row).

The auth functions (:mod:`logic.auth`) load the cycle and the row once and
ask these; the XLSX import asks them for each of its rows without a query
per row. Each answers ``None`` (allowed) or the reason, for people.

* OPDs propose and change their own rows while the list is compiled (step 1),
  and in the desk (step 4) the rows it sent back for revision (*perbaikan*);
* the Walidata and the Sekretariat add *tambahan* rows, and change them, up
  to the forum (step 6); the Walidata deletes rows before the forum;
* the desk (Walidata, Sekretariat, Pembina Data) reviews rows in step 4;
* the Pembina Data recommends in step 2 and during the desk.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import ckan.plugins.toolkit as tk

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.sop import Actor
from ckanext.satudata_planning.sop.roles import UserRoles

if TYPE_CHECKING:
    from ckanext.satudata_planning.model import Cycle

#: who sits at the desk pra forum
DESK = frozenset({Actor.WALIDATA, Actor.SEKRETARIAT, Actor.PEMBINA})
#: who compiles the list and adds *tambahan* rows
COMPILERS = frozenset({Actor.WALIDATA, Actor.SEKRETARIAT})
#: the steps in which the Pembina Data recommends
RECOMMENDING = frozenset({sop.RECOMMEND.number, sop.DESK.number})


def finished(cycle: Cycle) -> Optional[str]:
    if cycle.finished:
        return tk._("The {tahun} cycle is finished: its list no longer changes").format(
            tahun=cycle.tahun
        )
    return None


def create_refusal(roles: UserRoles, cycle: Cycle, org: str) -> Optional[str]:
    """Why ``roles`` may not add a row for organization ``org`` now (None: may)."""
    if roles.sysadmin:
        return None
    if msg := finished(cycle):
        return msg
    step = cycle.current_step
    if step == sop.COMPILE.number and roles.produces_for(org):
        return None
    if step <= sop.FORUM.number and roles.is_any(COMPILERS):
        return None
    if step == sop.COMPILE.number:
        return tk._("You may only propose rows for your own organization")
    return tk._(
        "Rows are proposed by the OPDs in step 1; from step 2 to step 6 "
        "only the Walidata or the Sekretariat add rows (Tambahan)"
    )


def edit_refusal(
    roles: UserRoles,
    cycle: Cycle,
    org: str,
    status_usulan: Optional[str],
    hasil: Optional[str],
) -> Optional[str]:
    """Why ``roles`` may not change a row of ``org`` now (None: may)."""
    if roles.sysadmin:
        return None
    if msg := finished(cycle):
        return msg
    step = cycle.current_step
    if roles.produces_for(org):
        if step == sop.COMPILE.number:
            return None
        if step == sop.DESK.number and hasil == "perbaikan":
            return None
    if (
        status_usulan == "tambahan"
        and step <= sop.FORUM.number
        and roles.is_any(COMPILERS)
    ):
        return None
    if roles.produces_for(org):
        return tk._(
            "Your organization's rows can be changed in step 1, and in "
            "step 4 only when the desk asks for a revision (perbaikan)"
        )
    return tk._("Only the organization that produces this data may change it")


def delete_refusal(roles: UserRoles, cycle: Cycle, org: str) -> Optional[str]:
    """The owner OPD deletes in step 1; the Walidata before the forum (step 6)."""
    if roles.sysadmin:
        return None
    if msg := finished(cycle):
        return msg
    if cycle.current_step == sop.COMPILE.number and roles.produces_for(org):
        return None
    if cycle.current_step < sop.FORUM.number and roles.is_(Actor.WALIDATA):
        return None
    return tk._(
        "Rows are deleted by their organization in step 1, or by the "
        "Walidata before the forum"
    )


def review_refusal(roles: UserRoles, cycle: Cycle) -> Optional[str]:
    if roles.sysadmin:
        return None
    if not roles.is_any(DESK):
        return tk._("Only the desk (Walidata, Sekretariat, Pembina Data) reviews rows")
    if cycle.current_step != sop.DESK.number or cycle.finished:
        return tk._("Rows are reviewed during the desk pra forum (step 4)")
    return None


def recommend_refusal(roles: UserRoles, cycle: Cycle) -> Optional[str]:
    if roles.sysadmin:
        return None
    if not roles.is_(Actor.PEMBINA):
        return tk._("Only the Pembina Data gives recommendations")
    if cycle.current_step not in RECOMMENDING or cycle.finished:
        return tk._("Recommendations are given in step 2 and during the desk (step 4)")
    return None
