"""Reminders of the release calendar (``satudata_remind``, ``ckan satudata
remind``) over a real local SMTP server: who gets what on a fixed day, the
escalation to the Walidata after the configured delay, nothing twice, nothing
on a day off, nothing for a released row; and the daily scheduled job."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa

from ckanext.satudata_planning.model import Item, Reminder
from ckanext.satudata_planning.release import remind
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)
from ckanext.satudata_planning.tests.smtp import body

pytestmark = pytest.mark.usefixtures("with_plugins", "with_request_context")

D = dt.date
MONDAY = "2027-04-12"


@pytest.fixture
def world(actors: Any, call_as: Any, smtp: Any, monkeypatch: pytest.MonkeyPatch
          ) -> dict[str, Any]:
    """A published 2027 cycle. dinkes: SOON due Thu 15 April, LATE due Thu
    8 April, OLD due Thu 1 April, NOD without a date; dinsos: DONE due 8 April
    and released, FAR due in June. Escalation after 3 working days."""
    monkeypatch.setitem(tk.config,
                        "ckanext.satudata_planning.remind_escalate_days", "3")
    monkeypatch.setitem(tk.config, "ckanext.satudata_planning.remind_before_days",
                        "5")
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    for prefix, org, day in (("SOON", "dinkes", D(2027, 4, 15)),
                             ("LATE", "dinkes", D(2027, 4, 8)),
                             ("OLD", "dinkes", D(2027, 4, 1)),
                             ("NOD", "dinkes", None),
                             ("DONE", "dinsos", D(2027, 4, 8)),
                             ("FAR", "dinsos", D(2027, 6, 30))):
        agreed_rows(cycle["id"], org, 1, prefix=prefix, jadwal_rilis=day)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    done = model.Session.execute(
        sa.select(Item.package_id).where(Item.kode_data == "DONE-001")
    ).scalar_one()
    call_as("resource_create", actors.produsen_lain, package_id=done, name="Data",
            url="http://example.com/data.csv", format="CSV")
    call_as("satudata_dataset_submit", actors.produsen_lain, id=done)
    call_as("satudata_dataset_review", actors.walidata, id=done, hasil="diterima")
    smtp.messages.clear()
    return {"cycle": cycle}


def remind_on(call_as: Any, actors: Any, day: str, **data: Any) -> dict[str, Any]:
    return call_as("satudata_remind", actors.walidata, today=day, **data)


def codes(message: Any) -> set[str]:
    text = body(message)
    return {c for c in ("SOON-001", "LATE-001", "OLD-001", "NOD-001", "DONE-001",
                        "FAR-001") if c in text}


def test_remind_sends_the_expected_messages_once(actors, world, call_as, smtp):
    result = remind_on(call_as, actors, MONDAY)
    assert result["sent"] == 2 and result["failed"] == []
    dinkes = smtp.to(actors.produsen["email"])
    walidata = smtp.to(actors.walidata["email"])
    assert len(dinkes) == 1 and len(walidata) == 1 and len(smtp.messages) == 2
    # the OPD: due soon and late; the Walidata: the row late beyond 3 days
    assert codes(dinkes[0]) == {"SOON-001", "LATE-001", "OLD-001"}
    assert codes(walidata[0]) == {"OLD-001"}
    text = body(dinkes[0])
    assert "Operator Dinkes" in text and "Dear" not in text  # Indonesian
    assert "jadwal rilis: 15 April 2027" in text
    assert "terlambat 2 hari kerja" in text  # LATE, due Thu 8 April
    assert "Jadwal rilis" in dinkes[0]["Subject"] or "jadwal rilis" in dinkes[0][
        "Subject"]
    assert "/dataset/" in text and "/jadwal-rilis" in text
    assert smtp.to(actors.produsen_lain["email"]) == []  # released and far away
    assert smtp.to(actors.anggota["email"]) == []  # a member who only reads
    # a second run on the same day sends nothing
    again = remind_on(call_as, actors, MONDAY)
    assert again["sent"] == 0 and again["messages"] == []
    assert len(smtp.messages) == 2
    reasons = model.Session.execute(
        sa.select(Reminder.reason, sa.func.count()).group_by(Reminder.reason)
    ).all()
    assert dict(reasons) == {"akan_datang": 1, "terlambat": 2, "eskalasi": 1}


def test_escalation_after_the_configured_delay(actors, world, call_as, smtp):
    remind_on(call_as, actors, MONDAY)  # LATE is 2 working days late
    smtp.messages.clear()
    result = remind_on(call_as, actors, "2027-04-13")  # now 3: escalated
    assert result["sent"] == 1
    walidata = smtp.to(actors.walidata["email"])
    assert len(walidata) == 1 and codes(walidata[0]) == {"LATE-001"}
    assert smtp.to(actors.produsen["email"]) == []  # told before, not again


def test_nothing_on_a_day_off_and_dry_run_sends_nothing(actors, world, call_as,
                                                        smtp):
    for day_off in ("2027-04-10", "2027-08-17"):  # Saturday, Independence Day
        result = remind_on(call_as, actors, day_off)
        assert result["working_day"] is False and result["messages"] == []
    dry = remind_on(call_as, actors, MONDAY, dry_run=True)
    assert dry["sent"] == 0 and len(dry["messages"]) == 2
    assert smtp.messages == []
    assert model.Session.execute(sa.select(sa.func.count(Reminder.id))).scalar() == 0


def test_only_the_walidata_reminds(actors, world, call_as):
    for user in (actors.produsen, actors.pembina, None):
        with pytest.raises(tk.NotAuthorized):
            call_as("satudata_remind", user, today=MONDAY, dry_run=True)


def test_cli_remind(actors, world, smtp, cli, monkeypatch):
    from ckan.cli.cli import ckan

    # the command loads the ini again: the test's SMTP server goes by CKAN's
    # environment override
    monkeypatch.setenv("CKAN_SMTP_SERVER", tk.config["smtp.server"])

    dry = cli.invoke(ckan, ["satudata", "remind", "--dry-run", "--today", MONDAY])
    assert dry.exit_code == 0, dry.output
    lines = [line for line in dry.output.splitlines() if "\t" in line]
    assert sorted(lines) == sorted([
        f"{actors.produsen['email']}\tOLD-001, LATE-001, SOON-001",
        f"{actors.walidata['email']}\tOLD-001",
    ])
    assert smtp.messages == []
    sent = cli.invoke(ckan, ["satudata", "remind", "--today", MONDAY])
    assert sent.exit_code == 0, sent.output
    assert "2 pesan" in sent.output and len(smtp.messages) == 2
    again = cli.invoke(ckan, ["satudata", "remind", "--today", MONDAY])
    assert again.exit_code == 0 and "0 pesan" in again.output
    assert len(smtp.messages) == 2
    weekend = cli.invoke(ckan, ["satudata", "remind", "--today", "2027-04-11"])
    assert "bukan hari kerja" in weekend.output
    bad = cli.invoke(ckan, ["satudata", "remind", "--today", "12-04-2027"])
    assert bad.exit_code == 2


def test_the_daily_job_is_scheduled_at_the_configured_hour(monkeypatch):
    from ckan.lib import jobs

    monkeypatch.setitem(tk.config, "ckanext.satudata_planning.remind_hour", "6")
    now = dt.datetime(2027, 4, 12, 0, 30, tzinfo=dt.timezone.utc)  # 07:30 WIB
    when = remind.schedule(now)
    assert when == dt.datetime(2027, 4, 12, 23, 0, tzinfo=dt.timezone.utc)
    queue = jobs.get_queue(remind.QUEUE)
    registry = queue.scheduled_job_registry
    try:
        assert remind.JOB_ID in registry.get_job_ids()
        remind.schedule(now)  # again: still one job
        assert registry.get_job_ids().count(remind.JOB_ID) == 1
        scheduled = registry.get_scheduled_time(remind.JOB_ID)
        assert scheduled.replace(tzinfo=dt.timezone.utc) == when
    finally:
        registry.remove(remind.JOB_ID, delete_job=True)
