"""Reminders of the release calendar, by e-mail (CKAN's mailer, the site's
language, :mod:`mail`).

On a working day, each OPD's Produsen Data users (editors and admins of its
organization) get one message listing its rows whose jadwal rilis is at most
``remind_before_days`` working days away (``akan_datang``) and its rows past
their date without accepted data (``terlambat``); once a row is
``remind_escalate_days`` working days late the Walidata gets a copy
(``eskalasi``). Every reminder sent is recorded (:class:`model.Reminder`):
the same reason for the same row and date never goes twice to the same
person, and a person gets at most one message a day, so a second run on the
same day sends nothing. A row released, removed or not agreed is never
reminded; neither is a row of a cycle whose SK is not published.

The jobs worker's scheduler runs :func:`daily_job` every day at
``remind_hour`` (:func:`schedule` puts the next run in; the job puts in the
one after).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa

from ckanext.satudata_planning import config, mail
from ckanext.satudata_planning.documents import indonesian
from ckanext.satudata_planning.model import Reminder
from ckanext.satudata_planning.sop import working_days

from . import schedule as schedule_

log = logging.getLogger(__name__)

TEMPLATES = "satudata/emails/"
#: the queue the set-up's worker listens to, and the one scheduled job's id
QUEUE = "satudata"
JOB_ID = "satudata-remind-daily"

BEFORE, LATE, ESCALATE = "akan_datang", "terlambat", "eskalasi"


@dataclass
class Message:
    """One e-mail to one user: the rows it names, each with its reason."""

    user: model.User
    rows: list[tuple[str, schedule_.Row]] = field(default_factory=list)
    sent: Optional[bool] = None
    error: Optional[str] = None

    @property
    def kode_data(self) -> list[str]:
        return list(dict.fromkeys(r.kode_data for _reason, r in self.rows))

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.user.name,
            "email": self.user.email or "",
            "kode_data": self.kode_data,
            "reasons": sorted({reason for reason, _r in self.rows}),
            "sent": self.sent,
            "error": self.error,
        }

    def line(self) -> str:
        """What ``--dry-run`` prints: the recipient's e-mail and the codes."""
        return f"{self.user.email or self.user.name}\t{', '.join(self.kode_data)}"


def _calendar() -> working_days.WorkingCalendar:
    return working_days.WorkingCalendar(working_days.extra_holidays())


def reasons_of(row: schedule_.Row, today: dt.date,
               cal: working_days.WorkingCalendar) -> list[str]:
    """Why ``row`` is reminded today (``[]``: it is not)."""
    if row.released or not row.due:
        return []
    due = dt.date.fromisoformat(row.due)
    if today <= due:
        before = config.remind_before_days()
        if before > 0 and cal.working_days_between(today, due) <= before:
            return [BEFORE]
        return []
    found = [LATE]
    if row.late_days >= max(config.remind_escalate_days(), 1):
        found.append(ESCALATE)
    return found


def _date(row: schedule_.Row) -> dt.date:
    """The row's jadwal rilis as recorded with a reminder."""
    return dt.date.fromisoformat(row.jadwal_rilis or "")


def _recorded(user_ids: list[str], today: dt.date
              ) -> tuple[set[tuple[str, str, str, dt.date]], set[str]]:
    """What was sent before: (user, item, reason, date) keys, and the users
    who got a message today."""
    if not user_ids:
        return set(), set()
    r = Reminder
    keys = {tuple(k) for k in model.Session.execute(
        sa.select(r.user_id, r.item_id, r.reason, r.jadwal_rilis)
        .where(r.user_id.in_(user_ids))
    ).all()}
    today_users = set(model.Session.execute(
        sa.select(r.user_id).where(r.user_id.in_(user_ids), r.sent_on == today)
        .distinct()
    ).scalars())
    return keys, today_users  # type: ignore[return-value]


def plan(today: dt.date) -> list[Message]:
    """The messages due on ``today``, none of them sent yet (by user name)."""
    cal = _calendar()
    if not cal.is_working_day(today):
        return []
    by_org: dict[str, list[tuple[str, schedule_.Row]]] = {}
    escalated: list[tuple[str, schedule_.Row]] = []
    for row in schedule_.rows(today=today):
        for reason in reasons_of(row, today, cal):
            if reason == ESCALATE:
                escalated.append((reason, row))
            else:
                by_org.setdefault(row.organization_id, []).append((reason, row))
    messages: dict[str, Message] = {}
    for org_id, listed in by_org.items():
        for user in mail.members([org_id]):
            messages.setdefault(user.id, Message(user)).rows.extend(listed)
    walidata = model.Group.get(config.walidata_org())
    if escalated and walidata is not None:
        for user in mail.members([walidata.id]):
            messages.setdefault(user.id, Message(user)).rows.extend(escalated)
    keys, today_users = _recorded(list(messages), today)
    out = []
    for user_id, message in messages.items():
        if user_id in today_users:
            continue  # one message a day: the rest goes on the next run
        message.rows = [
            (reason, row) for reason, row in message.rows
            if (user_id, row.item_id, reason, _date(row)) not in keys
        ]
        if message.rows:
            out.append(message)
    return sorted(out, key=lambda m: m.user.name)


def _variables(message: Message, today: dt.date) -> dict[str, Any]:
    site = config.site_url()

    def entry(row: schedule_.Row) -> dict[str, Any]:
        return {
            "kode_data": row.kode_data,
            "nama_data": row.nama_data,
            "organization": row.organization_title,
            "jadwal_rilis": indonesian.tanggal(dt.date.fromisoformat(row.due or "")),
            "late_days": row.late_days,
            "link": (f"{site}/dataset/{row.package_name}" if row.package_name
                     else f"{site}/perencanaan/{row.tahun}/daftar/{row.kode_data}"),
        }

    groups = {reason: [entry(r) for why, r in message.rows if why == reason]
              for reason in (BEFORE, LATE, ESCALATE)}
    return {
        "user": message.user.display_name or message.user.name,
        "today": indonesian.tanggal(today),
        "soon": groups[BEFORE],
        "late": groups[LATE],
        "escalated": groups[ESCALATE],
        "calendar_link": f"{site}/jadwal-rilis",
        "site_title": config.site_title(),
    }


def send(today: dt.date, *, dry_run: bool = False) -> list[Message]:
    """Plan the day's messages and, unless ``dry_run``, send and record each
    (one commit per message sent; a failed one is tried again next run)."""
    from ckan.lib import mailer

    messages = plan(today)
    if dry_run:
        return messages
    for message in messages:
        if not message.user.email:
            message.sent, message.error = False, mail.failure_line(message.user, None)
            continue
        subject, body = mail.render(
            TEMPLATES + "release_reminder_subject.txt",
            TEMPLATES + "release_reminder.txt",
            _variables(message, today),
        )
        try:
            mailer.mail_user(message.user, subject, body)
        except Exception as e:  # noqa: BLE001 - SMTP, sockets, encoding: all alike
            log.warning("reminder to %s failed: %s", message.user.name, e)
            message.sent, message.error = False, mail.failure_line(message.user, e)
            continue
        for reason, row in message.rows:
            model.Session.add(Reminder(
                user_id=message.user.id, item_id=row.item_id, reason=reason,
                jadwal_rilis=_date(row), sent_on=today,
                email=message.user.email,
            ))
        model.Session.commit()
        message.sent = True
    return messages


# --- the daily job ----------------------------------------------------------------


def next_run(now: Optional[dt.datetime] = None) -> dt.datetime:
    """The next ``remind_hour`` o'clock in the portal's time zone (aware, UTC)."""
    zone = working_days.timezone()
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(zone)
    hour = min(max(config.remind_hour(), 0), 23)
    run = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if run <= now:
        run += dt.timedelta(days=1)
    return run.astimezone(dt.timezone.utc)


def schedule(now: Optional[dt.datetime] = None) -> dt.datetime:
    """Put the next daily run in the scheduler of the jobs worker (one job,
    always the same id: scheduling again moves it)."""
    from ckan.lib import jobs

    when = next_run(now)
    queue = jobs.get_queue(QUEUE)
    queue.enqueue_at(when, daily_job, job_id=JOB_ID,
                     description="Pengingat jadwal rilis harian")
    return when


def daily_job() -> None:
    """The scheduled run: today's reminders, then the next run put in."""
    try:
        if config.remind_enabled():
            sent = send(working_days.today())
            log.info("release reminders: %d messages", len(sent))
    finally:
        schedule()
