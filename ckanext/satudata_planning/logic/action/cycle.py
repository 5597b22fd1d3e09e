"""Actions of the planning cycle: open it, show it, complete its steps, read its trail.

Each write action checks access, changes the session through :mod:`workflow`
(which also writes the audit events), and commits exactly once at the end
unless ``context["defer_commit"]`` is set.

Examples (ckanapi)::

    ckan.action.satudata_cycle_create(tahun=2027, tanggal_mulai="2026-08-12")
    ckan.action.satudata_cycle_show(id=2027)["steps"][0]["due_date"]
    ckan.action.satudata_step_complete(id=2027, step=1, catatan="Draft lengkap")
    ckan.action.satudata_cycle_events(id=2027)[0]["action"]   # newest first
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict
from sqlalchemy.exc import IntegrityError

from ckanext.satudata_planning import config, sop, workflow
from ckanext.satudata_planning.logic import schema
from ckanext.satudata_planning.model import Cycle, CycleStep, Event, StepState
from ckanext.satudata_planning.model.event import BATCHED_ACTIONS
from ckanext.satudata_planning.sop import working_days
from ckanext.satudata_planning.sop.roles import UserRoles, roles_in_context
from ckanext.satudata_planning.workflow import gates
from ckanext.satudata_planning.workflow import tasks as tasks_

from ._common import commit, get_cycle, iso

__all__ = [
    "satudata_cycle_create",
    "satudata_cycle_events",
    "satudata_cycle_list",
    "satudata_cycle_show",
    "satudata_step_complete",
]

#: stored data, in the product's first language
DEFAULT_TITLE = "Perencanaan Daftar Data {city} Tahun {tahun}"


# --- helpers -------------------------------------------------------------------

def _duplicate_year(tahun: int) -> tk.ValidationError:
    return tk.ValidationError({"tahun": [
        tk._("A planning cycle for {tahun} already exists: there is one per year")
        .format(tahun=tahun)
    ]})


def _users(ids: Iterable[Optional[str]]) -> Users:
    """``{user id: {"name", "fullname"}}`` for ``ids``, in one query."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = model.Session.execute(
        sa.select(model.User.id, model.User.name, model.User.fullname)
        .where(model.User.id.in_(wanted))
    ).all()
    return {r.id: {"name": r.name, "fullname": r.fullname} for r in rows}


def _user_ids(cycles: Iterable[Cycle]) -> set[Optional[str]]:
    ids: set[Optional[str]] = set()
    for c in cycles:
        ids.update((c.created_by, c.modified_by))
        ids.update(s.completed_by for s in c.steps)
    return ids


Users = dict[str, dict[str, Optional[str]]]


def _name(users: Users, user_id: Optional[str]) -> Optional[str]:
    return (users.get(user_id) or {}).get("name") if user_id else None


def _display(users: Users, user_id: Optional[str]) -> Optional[str]:
    user = users.get(user_id or "") or {}
    return user.get("fullname") or user.get("name")


def step_dictize(
    step: CycleStep,
    *,
    lang: str,
    today: dt.date,
    users: Users,
    missing: Optional[list[str]] = None,
) -> dict[str, Any]:
    """One step: the SOP's data (texts in ``lang``) and the cycle's state of it."""
    spec = sop.step(step.number)
    return {
        "number": step.number,
        "title": spec.title.get(lang),
        "executors": [a.value for a in spec.executors],
        "participants": [a.value for a in spec.participants],
        "approver": spec.approver.value if spec.approver else None,
        "inputs": [t.get(lang) for t in spec.inputs],
        "output": spec.output.get(lang),
        "duration_days": sop.duration(step.number),
        "gate": spec.gate.value,
        "gate_text": spec.gate_text.get(lang),
        "state": step.state,
        "planned_start": iso(step.planned_start),
        "started": iso(step.started),
        "due_date": iso(step.due_date),
        "completed": iso(step.completed),
        "completed_by": _name(users, step.completed_by),
        "completed_by_display": _display(users, step.completed_by),
        "note": step.note,
        "overdue_days": workflow.overdue_days(step, today),
        "missing": missing if missing is not None else [],
    }


def cycle_dictize(
    cycle: Cycle,
    *,
    users: Users,
    today: Optional[dt.date] = None,
    roles: Optional[UserRoles] = None,
    with_missing: bool = False,
    with_tasks: bool = False,
) -> dict[str, Any]:
    """The cycle with its ten steps; ``viewer`` and the current step's
    ``missing`` only when ``roles`` / ``with_missing`` are given."""
    lang = sop.current_lang()
    today = today or working_days.today()
    steps = []
    for step in cycle.steps:
        missing = None
        if (with_missing and not cycle.finished
                and step.number == cycle.current_step):
            missing = gates.missing(cycle, step.number)
        steps.append(step_dictize(step, lang=lang, today=today, users=users,
                                  missing=missing))
    counts = {state.value: 0 for state in StepState}
    for s in steps:
        counts[s["state"]] += 1
    current = steps[cycle.current_step - 1] if steps else None
    data: dict[str, Any] = {
        "id": cycle.id,
        "tahun": cycle.tahun,
        "judul": cycle.judul,
        "status": cycle.status,
        "current_step": cycle.current_step,
        "current_step_title": current["title"] if current else None,
        "current_due_date": (current["due_date"]
                             if current and not cycle.finished else None),
        "overdue_days": (current["overdue_days"]
                         if current and not cycle.finished else 0),
        "tanggal_mulai": iso(cycle.tanggal_mulai),
        "published": cycle.published,
        "created": iso(cycle.created),
        "modified": iso(cycle.modified),
        "created_by": _name(users, cycle.created_by),
        "modified_by": _name(users, cycle.modified_by),
        "steps": steps,
        "counts": {"steps": counts},
    }
    if roles is not None:
        data["viewer"] = {
            **roles.as_dict(),
            "can_complete": (not cycle.finished
                             and roles.can_complete(cycle.current_step)),
            "todo": ((tasks_.tasks(roles, cycle) if with_tasks else [])
                     + workflow.todo(roles, cycle, today)),
        }
    return data


def event_dictize(
    event: Event, name: Optional[str], fullname: Optional[str]
) -> dict[str, Any]:
    return {
        "id": event.id,
        "cycle_id": event.cycle_id,
        "user_id": event.user_id,
        "user": name,
        "user_display": fullname or name,
        "timestamp": iso(event.timestamp),
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
    }


# --- actions -------------------------------------------------------------------

@validate(schema.cycle_create)
def satudata_cycle_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Open the planning cycle of ``tahun`` at step 1 (Walidata; one per year).

    :param tahun: the year the Daftar Data is for, e.g. ``2027``
    :param judul: title (default "Perencanaan Daftar Data <kota> Tahun <tahun>")
    :param tanggal_mulai: planned start ``YYYY-MM-DD`` (default: today); step 1's
        due date counts from it when it is later than today
    :returns: the cycle, as :func:`satudata_cycle_show` gives it

    A second cycle for the same year is a ``ValidationError`` on ``tahun``.
    """
    tk.check_access("satudata_cycle_create", context, data_dict)
    tahun: int = data_dict["tahun"]
    if Cycle.get(tahun) is not None:
        raise _duplicate_year(tahun)
    judul = data_dict.get("judul") or DEFAULT_TITLE.format(
        city=config.city_name(), tahun=tahun)
    roles = roles_in_context(context)
    try:
        with model.Session.begin_nested():
            cycle = workflow.open_cycle(
                model.Session, tahun=tahun, judul=" ".join(judul.split()),
                user_id=roles.user_id, tanggal_mulai=data_dict.get("tanggal_mulai"))
    except IntegrityError:
        # another request opened the same year between our check and insert
        raise _duplicate_year(tahun) from None
    commit(context)
    return cycle_dictize(cycle, users=_users(_user_ids([cycle])), roles=roles,
                         with_missing=True)


@validate(schema.cycle_show)
@tk.side_effect_free
def satudata_cycle_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A cycle with its ten steps.

    :param id: the cycle's id or its year
    :returns: the cycle: ``steps`` (ten dicts with ``number``, ``title``,
        ``executors``, ``state``, ``due_date`` (null until the step starts),
        ``overdue_days``, ``started``, ``completed``, ``completed_by``, ``note``,
        and for the current step ``missing``: what its gate still lacks),
        ``counts`` (steps per state), and ``viewer``: the caller's actors,
        whether they may complete the current step, and ``todo``
    :param tasks: also the viewer's concrete tasks at the head of ``todo``
        (rows sent back, rows lacking metadata the desk asks for; entries with
        ``count``, ``rows`` and ``filters``)
    """
    tk.check_access("satudata_cycle_show", context, data_dict)
    cycle = get_cycle(data_dict["id"])
    data = cycle_dictize(cycle, users=_users(_user_ids([cycle])),
                         roles=roles_in_context(context), with_missing=True,
                         with_tasks=bool(data_dict.get("tasks")))
    return data if context.get("user") else public_cycle(data)


@validate(schema.cycle_list)
@tk.side_effect_free
def satudata_cycle_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Every cycle, newest year first (anonymous visitors: published cycles only).

    :returns: a list of cycles shaped like :func:`satudata_cycle_show`'s, without
        ``viewer`` and ``missing``
    """
    tk.check_access("satudata_cycle_list", context, data_dict)
    query = sa.select(Cycle).order_by(Cycle.tahun.desc())
    if not context.get("user"):
        query = query.where(Cycle.published.is_(True))
    cycles = model.Session.execute(query).scalars().all()
    users = _users(_user_ids(cycles))
    today = working_days.today()
    listed = [cycle_dictize(c, users=users, today=today) for c in cycles]
    return listed if context.get("user") else [public_cycle(c) for c in listed]


#: what anonymous visitors do not see of a published cycle: who did what, notes
_PRIVATE_CYCLE_KEYS = ("created_by", "modified_by", "viewer")
_PRIVATE_STEP_KEYS = ("completed_by", "completed_by_display", "note", "missing")


def public_cycle(data: dict[str, Any]) -> dict[str, Any]:
    """A cycle dict for anonymous visitors (published cycles): the timeline
    without the people, notes and what the gates miss."""
    out = {k: v for k, v in data.items() if k not in _PRIVATE_CYCLE_KEYS}
    out["steps"] = [{k: v for k, v in s.items() if k not in _PRIVATE_STEP_KEYS}
                    for s in data.get("steps", [])]
    return out


@validate(schema.step_complete)
def satudata_step_complete(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Complete the cycle's current step and start the next one.

    :param id: the cycle's id or year
    :param step: the step number (must be the current step)
    :param catatan: a note kept with the step (optional)
    :returns: the cycle, as :func:`satudata_cycle_show` gives it

    Only the step's executors (``sop.py``) may do it (``NotAuthorized``);
    another step than the current one, or a step whose output is missing
    (its gate, ``gates.py``), is a ``ValidationError`` on ``step`` that says
    what is missing.
    """
    tk.check_access("satudata_step_complete", context, data_dict)
    cycle = get_cycle(data_dict["id"], for_update=True)
    roles = roles_in_context(context)
    try:
        workflow.complete_step(model.Session, cycle, data_dict["step"],
                               user_id=roles.user_id, catatan=data_dict.get("catatan"))
    except tk.ValidationError:
        if not context.get("defer_commit"):
            model.Session.rollback()  # release the row lock
        raise
    commit(context)
    return cycle_dictize(cycle, users=_users(_user_ids([cycle])), roles=roles,
                         with_missing=True)


@validate(schema.cycle_events)
@tk.side_effect_free
def satudata_cycle_events(
    context: Context, data_dict: DataDict
) -> list[dict[str, Any]]:
    """The cycle's audit trail, newest first (logged-in users).

    :param id: the cycle's id or year
    :param limit: at most this many events (default 100, at most 1000)
    :param offset: skip this many (default 0)
    :param batched: the events one request recorded per row (an import, a
        carry-over, a forum decision: ``BATCHED_ACTIONS``) come as one, the
        newest, with ``batch: {count, created}`` (how many rows it touched,
        how many it made); ``limit`` and ``offset`` count these lines
    :returns: a list of ``{id, user, user_display, timestamp, action,
        target_type, target_id, before, after}`` (and ``batch``)
    """
    tk.check_access("satudata_cycle_events", context, data_dict)
    cycle = get_cycle(data_dict["id"])
    limit = min(data_dict.get("limit", 100), schema.EVENTS_LIMIT_MAX)
    offset = data_dict.get("offset", 0)
    if data_dict.get("batched"):
        return _batched_events(cycle.id, limit, offset)
    rows = model.Session.execute(
        sa.select(Event, model.User.name, model.User.fullname)
        .outerjoin(model.User, model.User.id == Event.user_id)
        .where(Event.cycle_id == cycle.id)
        .order_by(Event.seq.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [event_dictize(event, name, fullname) for event, name, fullname in rows]


def _batched_events(cycle_id: str, limit: int, offset: int) -> list[dict[str, Any]]:
    """The trail with each request's per-row events as one (one query).

    A window over the cycle's events: a batch is the events of one batched
    action with one user, timestamp and decision (``disepakati``, the year
    carried from); every other event is a group of its own.
    """
    batched = Event.action.in_(BATCHED_ACTIONS)
    window = {
        "partition_by": [
            Event.action,
            Event.user_id,
            Event.timestamp,
            Event.after["disepakati"].astext,
            Event.after["dari_tahun"].astext,
            sa.case((batched, sa.literal("")), else_=Event.id),
        ]
    }
    made = sa.func.coalesce(sa.func.jsonb_typeof(Event.before), "null") == "null"
    lines = (
        sa.select(
            Event.seq,
            sa.func.count().over(**window).label("count"),
            sa.func.count().filter(made).over(**window).label("created"),
            sa.func.row_number()
            .over(order_by=Event.seq.desc(), **window)
            .label("newest"),
        )
        .where(Event.cycle_id == cycle_id)
        .subquery()
    )
    rows = model.Session.execute(
        sa.select(Event, model.User.name, model.User.fullname, lines.c.count,
                  lines.c.created)
        .join(lines, lines.c.seq == Event.seq)
        .outerjoin(model.User, model.User.id == Event.user_id)
        .where(lines.c.newest == 1)
        .order_by(Event.seq.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    out = []
    for event, name, fullname, count, created in rows:
        data = event_dictize(event, name, fullname)
        if event.action in BATCHED_ACTIONS:
            data["batch"] = {"count": count, "created": created}
        out.append(data)
    return out
