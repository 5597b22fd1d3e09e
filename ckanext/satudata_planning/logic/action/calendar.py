"""The release calendar (jadwal rilis) of the agreed rows, and its reminders.

Examples (ckanapi)::

    ckan.action.satudata_release_calendar(tahun=2027, status="terlambat")
    ckan.action.satudata_remind(today="2027-04-05", dry_run=True)
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.satudata_planning.logic import schema_calendar
from ckanext.satudata_planning.release import remind, schedule
from ckanext.satudata_planning.sop import working_days

from ._common import org

__all__ = ["satudata_release_calendar", "satudata_remind"]

#: the keys of a result, in the contract's order first
KEYS = ("kode_data", "nama_data", "organization", "jadwal_rilis",
        "jadwal_pemutakhiran", "status", "released", "package_name")


@validate(schema_calendar.release_calendar)
@tk.side_effect_free
def satudata_release_calendar(context: Context, data_dict: DataDict
                              ) -> dict[str, Any]:
    """The release calendar: every agreed row of the published cycles with its
    jadwal rilis and where it stands today.

    :param tahun: one cycle's year
    :param organization: one OPD (name or id)
    :param status: ``akan_datang``, ``terlambat``, ``terbit_tepat_waktu``,
        ``terbit_terlambat`` or ``tanpa_jadwal`` (no release date)
    :param limit: rows per page (default 100, at most 5000)
    :param offset: rows to skip
    :returns: ``{count, counts: {status: n}, summary: {released, on_time,
        released_late, late, upcoming, no_date, on_time_share,
        on_time_label}, today, results: [{kode_data, nama_data, organization,
        jadwal_rilis, jadwal_pemutakhiran, status, released, package_name,
        organization_title, tahun, due, released_on, late_days, public,
        item_id}]}`` by date (rows without one last). ``package_name`` is
        given when the dataset is public; ``due``: the date, or the next
        working day when it falls on a day off; ``late_days``: working days
        late. Open to anonymous visitors: only published cycles are listed.
    """
    tk.check_access("satudata_release_calendar", context, data_dict)
    organization_id = None
    if data_dict.get("organization"):
        organization_id = org(data_dict["organization"]).id
    today = working_days.today()
    listed = schedule.rows(tahun=data_dict.get("tahun"),
                           organization_id=organization_id, today=today)
    counts = {s: 0 for s in schedule.STATUSES}
    for row in listed:
        counts[row.status] += 1
    summary = schedule.counts(listed)
    if data_dict.get("status"):
        listed = [r for r in listed if r.status == data_dict["status"]]
    offset, limit = data_dict["offset"], data_dict["limit"]
    results = []
    for row in listed[offset:offset + limit]:
        shown = row.as_dict()
        if not row.public:
            shown["package_name"] = None
            shown["package_title"] = None
        shown.pop("organization_id")
        results.append({**{k: shown.pop(k) for k in KEYS}, **shown})
    return {"count": len(listed), "counts": counts, "summary": summary,
            "today": today.isoformat(), "results": results}


@validate(schema_calendar.remind)
def satudata_remind(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Send the day's reminders of the release calendar (what the daily job
    and ``ckan satudata remind`` do).

    :param today: the day to remind for (``YYYY-MM-DD``; default: today in
        the portal's time zone)
    :param dry_run: only say what would be sent (nothing sent, nothing
        recorded)
    :returns: ``{today, working_day, dry_run, sent, failed, messages:
        [{user, email, kode_data, reasons, sent, error}]}``

    Nothing goes on a day off. Every reminder sent is recorded: a second call
    on the same day sends nothing.
    """
    tk.check_access("satudata_remind", context, data_dict)
    today = data_dict.get("today") or working_days.today()
    dry_run = bool(data_dict.get("dry_run"))
    messages = remind.send(today, dry_run=dry_run)
    shown = [m.as_dict() for m in messages]
    return {
        "today": today.isoformat(),
        "working_day": working_days.is_working_day(today),
        "dry_run": dry_run,
        "sent": sum(1 for m in messages if m.sent),
        "failed": [m.error for m in messages if m.sent is False and m.error],
        "messages": shown,
    }
