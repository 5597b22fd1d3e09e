"""``/jadwal-rilis``: the public release calendar of the agreed rows.

* ``/jadwal-rilis``: by month, filters year, OPD and status; each row with
  its dataset's link when public; on-time counts;
* ``/jadwal-rilis/jadwal-rilis.ics``: the iCalendar feed (all, or one OPD
  with ``?organization=``);
* ``/jadwal-rilis/jadwal-rilis.csv``: the same rows as CSV.

Views call ``satudata_release_calendar`` only.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Optional

import ckan.plugins.toolkit as tk
from babel.dates import format_date
from ckan.types import Response

from ckanext.satudata_planning import formats
from ckanext.satudata_planning.logic.schema_calendar import CALENDAR_LIMIT_MAX
from ckanext.satudata_planning.release import ics, schedule

from .blueprints import calendar
from .common import action_errors, download

FILTERS = ("tahun", "organization", "status")
CSV_COLUMNS = (
    ("kode_data", "Kode data"), ("nama_data", "Nama data"),
    ("organization", "Kode OPD"), ("organization_title", "Produsen Data"),
    ("tahun", "Tahun"), ("jadwal_rilis", "Jadwal rilis"),
    ("due", "Batas (hari kerja)"), ("jadwal_pemutakhiran", "Jadwal pemutakhiran"),
    ("status", "Status"), ("released_on", "Tanggal terbit"),
    ("late_days", "Hari kerja terlambat"), ("package_name", "Dataset"),
)


def _filters() -> dict[str, str]:
    args = tk.request.args
    return {k: args.get(k, "").strip()[:100] for k in FILTERS
            if args.get(k, "").strip()}


def _calendar(filters: dict[str, str]) -> dict[str, Any]:
    """The action's answer; a bad filter is a 400 page with its message."""
    try:
        return tk.get_action("satudata_release_calendar")(
            {}, {**filters, "limit": CALENDAR_LIMIT_MAX})
    except tk.ValidationError as e:
        messages = [str(m) for v in e.error_dict.values()
                    for m in (v if isinstance(v, list) else [v])]
        return tk.abort(400, " ".join(messages))


def _months(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rows by month of their date (already sorted), dateless ones last."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    last: Optional[tuple[int, int]] = None
    for row in rows:
        if row["jadwal_rilis"]:
            day = dt.date.fromisoformat(row["jadwal_rilis"])
            key: Optional[tuple[int, int]] = (day.year, day.month)
            label = format_date(day, "LLLL y", locale=formats.locale())
        else:
            key, label = None, schedule.status_label(schedule.TANPA_JADWAL)
        if not groups or key != last:
            groups.append((label, []))
            last = key
        groups[-1][1].append(row)
    return groups


@action_errors
def page() -> str:
    """The calendar, by month."""
    filters = _filters()
    shown = _calendar(filters)
    options = shown if not ({"organization", "status"} & set(filters)) else (
        _calendar({k: v for k, v in filters.items() if k == "tahun"}))
    everything = _calendar({}) if "tahun" in filters else options
    organizations = sorted({(r["organization"], r["organization_title"])
                            for r in options["results"]}, key=lambda o: o[1])
    years = sorted({r["tahun"] for r in everything["results"]}, reverse=True)
    return tk.render("satudata/release_calendar.html", extra_vars={
        "calendar": shown,
        "months": _months(shown["results"]),
        "filters": filters,
        "organizations": organizations,
        "years": years,
        "statuses": schedule.STATUSES,
        "summary": options["summary"],
    })


@action_errors
def feed() -> Response:
    """The iCalendar feed (all rows or one OPD's)."""
    filters = _filters()
    shown = _calendar(filters)
    rows = [_row(r) for r in shown["results"]]
    name = "Jadwal Rilis Satu Data"
    if filters.get("organization") and rows:
        name += f" - {rows[0].organization_title}"
    body = ics.feed(rows, name=name,
                    stamp=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
    slug = filters.get("organization") or "semua"
    return download(body, f"jadwal-rilis-{_safe(slug)}.ics",
                    "text/calendar; charset=utf-8")


@action_errors
def as_csv() -> Response:
    """The calendar as CSV (UTF-8 with BOM: spreadsheets open it right)."""
    shown = _calendar(_filters())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _key, label in CSV_COLUMNS])
    for row in shown["results"]:
        writer.writerow(["" if row[key] is None else row[key]
                         for key, _label in CSV_COLUMNS])
    return download(("\ufeff" + out.getvalue()).encode(), "jadwal-rilis.csv",
                    "text/csv; charset=utf-8")


def _row(shown: dict[str, Any]) -> schedule.Row:
    fields = set(schedule.Row.__dataclass_fields__)
    return schedule.Row(**{k: v for k, v in shown.items() if k in fields},
                        organization_id="")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:60]


calendar.add_url_rule("", "page", page, strict_slashes=False)
calendar.add_url_rule("/jadwal-rilis.ics", "ics", feed)
calendar.add_url_rule("/jadwal-rilis.csv", "csv", as_csv)
