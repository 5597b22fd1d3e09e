"""The portal's public face and the signed-in user's landing page.

* ``satudata_portal_summary``: what the home page shows citizens (figures,
  topics, the latest accepted data, this month's release dates, the current
  Daftar Data and its SK).
* ``satudata_my_tasks``: "Tugas saya", what the caller must do now across
  cycles, per role (OPD, Walidata, Sekretariat, Pembina).

Examples (ckanapi)::

    ckan.action.satudata_portal_summary()["figures"]
    ckan.action.satudata_my_tasks()["has_role"]
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.types import Context, DataDict

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.model import CheckStatus, Cycle, DatasetCheck, Item
from ckanext.satudata_planning.model.cycle import CycleStatus
from ckanext.satudata_planning.model.item import ItemState
from ckanext.satudata_planning.sop import Actor, working_days
from ckanext.satudata_planning.sop import vocabularies as vocab
from ckanext.satudata_planning.sop.roles import roles_in_context
from ckanext.satudata_planning.workflow import transitions

__all__ = ["satudata_portal_summary", "satudata_my_tasks"]

LATEST = 6
RELEASES = 10
LIST_MAX = 50


def _current_cycle(year: int) -> Optional[Cycle]:
    """The current year's published cycle, else the newest published one up
    to next year's (planned this year)."""
    return model.Session.execute(
        sa.select(Cycle)
        .where(Cycle.published.is_(True), Cycle.tahun <= year + 1)
        .order_by((Cycle.tahun == year).desc(), Cycle.tahun.desc())
        .limit(1)
    ).scalar_one_or_none()


def _release_this_month() -> Optional[list[dict[str, Any]]]:
    """This month's release dates of the published cycles, from
    ``satudata_release_calendar`` when that action exists (``None`` without
    it: the page shows nothing)."""
    try:
        calendar = tk.get_action("satudata_release_calendar")
    except (KeyError, AttributeError):
        return None
    month = working_days.today().strftime("%Y-%m")
    try:
        found = calendar({}, {"limit": 5000})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return []
    return [r for r in found.get("results", [])
            if str(r.get("jadwal_rilis") or "").startswith(month)][:RELEASES]


@tk.side_effect_free
def satudata_portal_summary(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The home page's figures and lists (public data only).

    :returns: ``{figures: {datasets, organizations, agreed, released,
        released_percent}, tahun, cycle_published, sk_published, topics:
        [{value, label, count}], latest: [{name, title, organization,
        organization_title, published}], releases: [...] or None}``.
        ``agreed``: rows of the current year's Daftar Data agreed by the
        forum; ``released``: their datasets accepted and public.
    """
    tk.check_access("satudata_portal_summary", context, data_dict)
    p, g = model.Package, model.Group
    public = sa.and_(p.state == "active", p.private.is_(False),
                     p.type == "dataset")
    datasets = model.Session.execute(
        sa.select(sa.func.count(p.id)).where(public)).scalar_one()
    organizations = model.Session.execute(
        sa.select(sa.func.count(g.id)).where(
            g.is_organization.is_(True), g.state == "active")).scalar_one()
    today = working_days.today()
    cycle = _current_cycle(today.year)
    agreed = released = 0
    topics: list[dict[str, Any]] = []
    if cycle is not None:
        c = DatasetCheck
        agreed, released = model.Session.execute(
            sa.select(
                sa.func.count(Item.id),
                sa.func.count(p.id).filter(c.status == CheckStatus.DITERIMA.value,
                                           p.private.is_(False)),
            )
            .select_from(Item)
            .outerjoin(p, sa.and_(p.id == Item.package_id, p.state == "active"))
            .outerjoin(c, c.package_id == p.id)
            .where(Item.cycle_id == cycle.id, Item.state == ItemState.ACTIVE,
                   Item.disepakati.is_(True))
        ).one()
        rows = model.Session.execute(
            sa.select(Item.jenis_data, sa.func.count(Item.id))
            .where(Item.cycle_id == cycle.id, Item.state == ItemState.ACTIVE,
                   Item.disepakati.is_(True))
            .group_by(Item.jenis_data)
            .order_by(sa.func.count(Item.id).desc())
        ).all()
        lang = sop.current_lang()
        topics = [{"value": value or "statistik_sektoral",
                   "label": vocab.label("jenis_data", value or "statistik_sektoral",
                                        lang),
                   "count": count} for value, count in rows]
    latest = model.Session.execute(
        sa.select(p.name, p.title, g.name, g.title, DatasetCheck.published)
        .join(DatasetCheck, DatasetCheck.package_id == p.id)
        .outerjoin(g, g.id == p.owner_org)
        .where(public, DatasetCheck.status == CheckStatus.DITERIMA.value)
        .order_by(DatasetCheck.published.desc().nulls_last(), p.title)
        .limit(LATEST)
    ).all()
    return {
        "figures": {
            "datasets": datasets,
            "organizations": organizations,
            "agreed": agreed,
            "released": released,
            "released_percent": round(100.0 * released / agreed, 1) if agreed else 0.0,
        },
        "tahun": cycle.tahun if cycle else None,
        "cycle_published": bool(cycle and cycle.published),
        "sk_published": bool(cycle and cycle.published),
        "topics": topics,
        "latest": [
            {"name": n, "title": t, "organization": o, "organization_title": ot or o,
             "published": pub.isoformat() if pub else None}
            for n, t, o, ot, pub in latest
        ],
        "releases": _release_this_month(),
    }


def _revisions(roles: Any) -> list[dict[str, Any]]:
    """Rows of the caller's OPDs sent back by the desk, while they may be fixed."""
    if not roles.produsen_of and not roles.sysadmin:
        return []
    g = model.Group
    query = (
        sa.select(Item.id, Item.kode_data, Item.nama_data, Item.catatan_desk,
                  Cycle.tahun, g.name, g.title)
        .join(Cycle, Cycle.id == Item.cycle_id)
        .join(g, g.id == Item.organization_id)
        .where(Item.hasil == "perbaikan", Item.state == ItemState.ACTIVE,
               Cycle.status != CycleStatus.SELESAI.value,
               Cycle.current_step.in_([sop.COMPILE.number, sop.DESK.number]))
        .order_by(Cycle.tahun.desc(), g.name, Item.kode_data)
        .limit(LIST_MAX)
    )
    if not roles.sysadmin:
        query = query.where(g.name.in_(sorted(roles.produsen_of)))
    return [
        {"id": i, "kode_data": k, "nama_data": n, "catatan": cat, "tahun": t,
         "organization": o, "organization_title": ot or o}
        for i, k, n, cat, t, o, ot in model.Session.execute(query).all()
    ]


def _late_opds(cycles: list[Cycle]) -> list[dict[str, Any]]:
    """OPDs with rows past their release date and no data, per cycle."""
    out = []
    for cycle in cycles:
        if cycle.current_step < sop.PROVISION.number:
            continue
        progress = tk.get_action("satudata_progress")({}, {"cycle_id": cycle.id})
        for org in progress["organizations"]:
            if org["overdue"]:
                out.append({"tahun": cycle.tahun, **org})
    return out


@tk.side_effect_free
def satudata_my_tasks(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """ "Tugas saya": what the caller must do now, across cycles.

    :returns: ``{has_role, roles, steps: [{tahun, step, kind, text}],
        revisions: [rows sent back by the desk], datasets: [datasets of the
        caller's OPDs to fill, returned or late (see satudata_todo_datasets)],
        queue: {count, results} (Walidata: submitted data to check) or None,
        late: [{tahun, organization, organization_title, overdue, …}]
        (Walidata) or None}``. ``has_role``: the caller acts in the cycle
        (an editor of an organization, the Walidata, Sekretariat, Pembina or
        a sysadmin); without one the portal keeps CKAN's dashboard.
    """
    tk.check_access("satudata_my_tasks", context, data_dict)
    roles = roles_in_context(context)
    has_role = bool(roles.actors) or roles.sysadmin
    out: dict[str, Any] = {
        "has_role": has_role, "roles": sorted(a.value for a in roles.actors),
        "steps": [], "revisions": [], "datasets": [], "queue": None, "late": None,
    }
    if not has_role:
        return out
    today = working_days.today()
    cycles = list(model.Session.execute(
        sa.select(Cycle).order_by(Cycle.tahun.desc())).scalars())
    for cycle in cycles:
        for entry in transitions.todo(roles, cycle, today):
            if entry["kind"] != "wait":
                out["steps"].append({"tahun": cycle.tahun, **entry})
    out["revisions"] = _revisions(roles)
    if roles.produsen_of:
        todo = tk.get_action("satudata_todo_datasets")(
            {"user": context.get("user")}, {})
        out["datasets"] = [
            d for d in todo
            if d["can_fill"] and (
                d["status"] in (CheckStatus.KOSONG.value, CheckStatus.DIISI.value,
                                CheckStatus.PERBAIKAN.value) or d["overdue"])
        ][:LIST_MAX]
    if roles.is_(Actor.WALIDATA):
        out["queue"] = tk.get_action("satudata_verification_list")(
            {"user": context.get("user")},
            {"queued": True, "limit": LIST_MAX})
        out["late"] = _late_opds([c for c in cycles if not c.finished])
    return out
