"""Which SOP actor(s) a CKAN user is.

The mapping (DESIGN.md, "Actors in CKAN terms"):

* an editor or admin of ``ckanext.satudata_planning.walidata_org`` is the
  **Walidata**; of one of ``pembina_orgs`` a **Pembina Data**; of
  ``sekretariat_org`` the **Sekretariat**;
* an editor or admin of *any* organization is **Produsen Data** of that
  organization (so the Walidata is also Produsen Data of Diskominfo);
* a member with capacity ``member`` only reads: no actor;
* a sysadmin may do everything (:meth:`UserRoles.is_` is always true).

Koordinator Forum and Wali Kota act outside the portal: no user maps to them.

Everything comes from ONE query per user (user row and memberships joined);
call :func:`roles_for` once per request or action and pass the result on.

>>> r = UserRoles(user_id="u1", name="walidata", sysadmin=False,
...               actors=frozenset({Actor.WALIDATA, Actor.PRODUSEN}),
...               produsen_of=frozenset({"diskominfo"}))
>>> r.is_(Actor.WALIDATA), r.is_(Actor.PEMBINA)
(True, False)
>>> r.is_any(sop.step(8).executors)
True
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import ckan.model as model
import sqlalchemy as sa

from ckanext.satudata_planning import config, memo, sop
from ckanext.satudata_planning.sop import Actor

ACTING_CAPACITIES = frozenset({"editor", "admin"})



@dataclass(frozen=True)
class UserRoles:
    """The SOP actors one user is, and the organizations they produce data for."""

    user_id: Optional[str] = None
    name: Optional[str] = None
    sysadmin: bool = False
    actors: frozenset[Actor] = frozenset()
    #: organizations (names) where the user is editor or admin
    produsen_of: frozenset[str] = frozenset()
    #: organizations (names) where the user is only a member (reads)
    member_of: frozenset[str] = frozenset()
    capacities: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    def is_(self, actor: Actor) -> bool:
        """True when the user acts as ``actor`` (always for a sysadmin)."""
        return self.sysadmin or actor in self.actors

    def is_any(self, actors: Iterable[Actor]) -> bool:
        return self.sysadmin or bool(self.actors.intersection(actors))

    def can_complete(self, number: int) -> bool:
        """May the user complete step ``number`` (ignoring order and gates)?"""
        return self.is_any(sop.step(number).executors)

    def produces_for(self, organization: str) -> bool:
        """Editor/admin of ``organization`` (name), or sysadmin."""
        return self.sysadmin or organization in self.produsen_of

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.name,
            "sysadmin": self.sysadmin,
            "actors": sorted(a.value for a in self.actors),
            "produsen_of": sorted(self.produsen_of),
            "member_of": sorted(self.member_of),
        }


ANONYMOUS = UserRoles()


def configured_orgs() -> tuple[str, frozenset[str], str]:
    """(walidata org, pembina orgs, sekretariat org) names from the config."""
    return config.walidata_org(), config.pembina_orgs(), config.sekretariat_org()


def from_memberships(
    user_id: str, name: str, sysadmin: bool, memberships: Iterable[tuple[str, str]]
) -> UserRoles:
    """Roles from ``(organization name, capacity)`` pairs (no database access)."""
    walidata_org, pembina_orgs, sekretariat_org = configured_orgs()
    actors: set[Actor] = set()
    acting: set[str] = set()
    reading: set[str] = set()
    capacities: dict[str, str] = {}
    for org, capacity in memberships:
        capacities[org] = capacity
        if capacity not in ACTING_CAPACITIES:
            reading.add(org)
            continue
        acting.add(org)
        actors.add(Actor.PRODUSEN)
        if org == walidata_org:
            actors.add(Actor.WALIDATA)
        if org in pembina_orgs:
            actors.add(Actor.PEMBINA)
        if org == sekretariat_org:
            actors.add(Actor.SEKRETARIAT)
    if sysadmin:
        actors.add(Actor.SYSADMIN)
    return UserRoles(
        user_id=user_id,
        name=name,
        sysadmin=sysadmin,
        actors=frozenset(actors),
        produsen_of=frozenset(acting),
        member_of=frozenset(reading - acting),
        capacities=capacities,
    )


def _query(user: str) -> sa.Select[Any]:
    m = model.Member
    g = model.Group
    memberships = (
        sa.select(m.table_id, g.name, m.capacity)
        .join(g, g.id == m.group_id)
        .where(
            m.table_name == "user",
            m.state == "active",
            g.state == "active",
            g.is_organization.is_(True),
        )
        .subquery()
    )
    u = model.User
    return (
        sa.select(u.id, u.name, u.sysadmin, memberships.c.name, memberships.c.capacity)
        .outerjoin(memberships, memberships.c.table_id == u.id)
        .where(sa.or_(u.name == user, u.id == user), u.state == "active")
    )


def roles_for(user: Union[str, model.User, None]) -> UserRoles:
    """The roles of ``user`` (a name, an id, a ``model.User`` or ``None``).

    One query: the user row with every active organization membership, read
    once per transaction (:mod:`memo`; the actors are worked out from it on
    each call, with the configuration of the moment). Unknown or anonymous
    users get :data:`ANONYMOUS`.
    """
    if user is None or user == "":
        return ANONYMOUS
    key = user if isinstance(user, str) else user.id
    read = memo.recall("roles", key)
    if read is None:
        rows = model.Session.execute(_query(key)).all()
        if not rows:
            return ANONYMOUS
        user_id, name, sysadmin = rows[0][0], rows[0][1], bool(rows[0][2])
        pairs = tuple((org, cap) for (_i, _n, _s, org, cap) in rows if org is not None)
        read = (user_id, name, sysadmin, pairs)
        for known in (key, user_id, name):
            memo.remember("roles", known, read)
    return from_memberships(*read)


def roles_in_context(context: Any) -> UserRoles:
    """:func:`roles_for` the context's user, computed once per context."""
    cached = context.get("satudata_roles")
    if isinstance(cached, UserRoles) and cached.name == (context.get("user") or None):
        return cached
    roles = roles_for(context.get("user") or None)
    context["satudata_roles"] = roles
    return roles
