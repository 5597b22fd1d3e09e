"""The cycle's step logic: opening a cycle, completing a step, starting the next.

Rules (SOP.md, DESIGN.md):

* a cycle opens at step 1, which starts at once; steps run strictly in order;
* a step starts when the previous one is completed; its due date is the last
  of the SOP's working days counted from its start day (step 1 counts from the
  cycle's ``tanggal_mulai`` when that is later than the day it is opened);
* only the current step can be completed, only when its gate
  (:mod:`gates`) passes; completing step 10 finishes the cycle;
* a step is late (terlambat) by the working days between its due date and
  today (or the day it was completed).

Every change adds an :class:`~model.Event` to the session; nothing here commits
(the calling action commits once). Authorization is the auth function's job;
this module checks order and gates and raises ``tk.ValidationError``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import ckan.plugins.toolkit as tk
from sqlalchemy.orm import Session

from ckanext.satudata_planning import formats, sop
from ckanext.satudata_planning.model import (
    Cycle,
    CycleStatus,
    CycleStep,
    Event,
    StepState,
    utcnow,
)
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.sop import Actor, working_days
from ckanext.satudata_planning.sop.roles import UserRoles
from ckanext.satudata_planning.workflow import gates


def plan(start: dt.date) -> dict[int, dt.date]:
    """Planned start of every step when each takes exactly its SOP duration.

    >>> plan(dt.date(2026, 8, 12))[2]     # step 1: Wed 12 .. Wed 19 (17th is a holiday)
    datetime.date(2026, 8, 20)
    """
    cal = working_days.WorkingCalendar(working_days.extra_holidays())
    starts: dict[int, dt.date] = {}
    day = cal.next_working_day(start)
    for s in sop.STEPS:
        starts[s.number] = day
        day = cal.add_working_days(cal.due_date(day, sop.duration(s.number)), 1)
    return starts


def step_snapshot(step: CycleStep) -> dict[str, Any]:
    """The step's mutable fields, for an event's before/after."""
    return {
        "number": step.number,
        "state": step.state,
        "started": step.started,
        "due_date": step.due_date,
        "completed": step.completed,
        "completed_by": step.completed_by,
        "note": step.note,
    }


def cycle_snapshot(cycle: Cycle) -> dict[str, Any]:
    return {
        "tahun": cycle.tahun,
        "judul": cycle.judul,
        "status": cycle.status,
        "current_step": cycle.current_step,
        "tanggal_mulai": cycle.tanggal_mulai,
        "published": cycle.published,
    }


def open_cycle(
    session: Session,
    *,
    tahun: int,
    judul: str,
    user_id: Optional[str],
    tanggal_mulai: Optional[dt.date] = None,
    now: Optional[dt.datetime] = None,
) -> Cycle:
    """A new cycle with its ten steps, step 1 started (added to ``session``)."""
    now = now or utcnow()
    first_day = max(working_days.local_date(now), tanggal_mulai or dt.date.min)
    planned = plan(first_day)
    cycle = Cycle(
        tahun=tahun,
        judul=judul,
        status=CycleStatus.BERJALAN.value,
        current_step=sop.FIRST_STEP,
        tanggal_mulai=tanggal_mulai,
        published=False,
        created=now,
        modified=now,
        created_by=user_id,
        modified_by=user_id,
    )
    cycle.steps = [
        CycleStep(number=s.number, state=StepState.BELUM.value,
                  planned_start=planned[s.number], created=now, modified=now)
        for s in sop.STEPS
    ]
    session.add(cycle)
    session.flush()
    Event.record(session, cycle_id=cycle.id, user_id=user_id,
                 action=EventAction.CYCLE_CREATE, target_type="cycle",
                 target_id=cycle.id,
                 after=cycle_snapshot(cycle), timestamp=now)
    start_step(session, cycle, sop.FIRST_STEP, user_id=user_id, now=now)
    return cycle


def start_step(
    session: Session,
    cycle: Cycle,
    number: int,
    *,
    user_id: Optional[str],
    now: Optional[dt.datetime] = None,
) -> CycleStep:
    """Start step ``number``: state ``berjalan``, due date from the SOP's duration."""
    now = now or utcnow()
    step = cycle.step(number)
    before = step_snapshot(step)
    start_day = working_days.local_date(now)
    if number == sop.FIRST_STEP and cycle.tanggal_mulai:
        start_day = max(start_day, cycle.tanggal_mulai)
    step.state = StepState.BERJALAN.value
    step.started = now
    step.due_date = working_days.due_date(start_day, sop.duration(number))
    step.modified = now
    cycle.current_step = number
    cycle.modified = now
    cycle.modified_by = user_id
    Event.record(session, cycle_id=cycle.id, user_id=user_id,
                 action=EventAction.STEP_START, target_type="step",
                 target_id=str(number),
                 before=before, after=step_snapshot(step), timestamp=now)
    return step


def check_can_complete(cycle: Cycle, number: int) -> None:
    """``ValidationError`` unless step ``number`` is current and its gate passes."""
    if cycle.finished:
        raise tk.ValidationError({"step": [tk._(
            "The {tahun} cycle is finished: every step has been completed"
        ).format(tahun=cycle.tahun)]})
    if number != cycle.current_step:
        current = cycle.current_step
        if number < current:
            msg = tk._("Step {number} has already been completed").format(number=number)
        else:
            msg = tk._(
                "Step {number} cannot be completed yet: step {current} "
                "({title}) must be completed first"
            ).format(number=number, current=current,
                     title=sop.step(current).title.get(sop.current_lang()))
        raise tk.ValidationError({"step": [msg]})
    lacking = gates.missing(cycle, number)
    if lacking:
        intro = tk._(
            "Step {number} cannot be completed: its output is missing."
        ).format(number=number)
        raise tk.ValidationError({"step": [intro, *lacking]})


def complete_step(
    session: Session,
    cycle: Cycle,
    number: int,
    *,
    user_id: Optional[str],
    catatan: Optional[str] = None,
    now: Optional[dt.datetime] = None,
) -> CycleStep:
    """Complete the current step and start the next (or finish the cycle)."""
    check_can_complete(cycle, number)
    now = now or utcnow()
    step = cycle.step(number)
    before = step_snapshot(step)
    step.state = StepState.SELESAI.value
    step.completed = now
    step.completed_by = user_id
    step.note = catatan or None
    step.modified = now
    cycle.modified = now
    cycle.modified_by = user_id
    Event.record(session, cycle_id=cycle.id, user_id=user_id,
                 action=EventAction.STEP_COMPLETE, target_type="step",
                 target_id=str(number),
                 before=before, after=step_snapshot(step), timestamp=now)
    if number < sop.LAST_STEP:
        start_step(session, cycle, number + 1, user_id=user_id, now=now)
    else:
        before_cycle = cycle_snapshot(cycle)
        cycle.status = CycleStatus.SELESAI.value
        Event.record(session, cycle_id=cycle.id, user_id=user_id,
                     action=EventAction.CYCLE_FINISH, target_type="cycle",
                     target_id=cycle.id,
                     before=before_cycle, after=cycle_snapshot(cycle), timestamp=now)
    return step


def overdue_days(step: CycleStep, today: Optional[dt.date] = None) -> int:
    """Working days the step is (or was, when completed) past its due date."""
    if step.due_date is None or step.state == StepState.BELUM.value:
        return 0
    if step.state == StepState.SELESAI.value and step.completed is not None:
        on = working_days.local_date(step.completed)
    else:
        on = today or working_days.today()
    return working_days.overdue_days(step.due_date, on)


def todo(
    roles: UserRoles, cycle: Cycle, today: Optional[dt.date] = None
) -> list[dict[str, Any]]:
    """What the user must do now in ``cycle`` ("Yang harus saya kerjakan").

    Each entry: ``{"step", "kind", "text"}``; kind is ``complete`` (the user
    may complete the current step), ``take_part`` (the SOP names the user's
    role for the current step) or ``wait``.
    """
    if cycle.finished or roles.anonymous:
        return []
    lang = sop.current_lang()
    number = cycle.current_step
    spec = sop.step(number)
    current = cycle.step(number)
    due = formats.date(current.due_date) if current.due_date else "-"
    entries: list[dict[str, Any]] = []
    if roles.is_any(spec.executors):
        entries.append({
            "step": number,
            "kind": "complete",
            "text": tk._(
                "Step {number}: {title}. Produce \u201c{output}\u201d and complete "
                "the step by {due}."
            ).format(number=number, title=spec.title.get(lang),
                     output=spec.output.get(lang), due=due),
        })
    elif roles.actors.intersection(spec.participants + ((spec.approver,)
                                                        if spec.approver else ())):
        if number == 1 and Actor.PRODUSEN in roles.actors:
            text = tk._(
                "Step 1: propose your organization's data for the {tahun} data "
                "list by {due}."
            ).format(tahun=cycle.tahun, due=due)
        else:
            text = tk._("Step {number}: {title}. You take part in this step "
                        "(due {due}).").format(number=number,
                                               title=spec.title.get(lang), due=due)
        entries.append({"step": number, "kind": "take_part", "text": text})
    if not entries:
        entries.append({
            "step": number,
            "kind": "wait",
            "text": tk._("Nothing to do now: step {number} is in the hands of {who}.")
            .format(number=number,
                    who=", ".join(a.label.get(lang) for a in spec.executors)),
        })
    return entries
