"""The release calendar as iCalendar (RFC 5545), so an OPD puts its dates in
its own calendar application: one all-day event per row with a jadwal rilis,
its UID stable across downloads (the row's id), its link to the dataset when
public, else to the calendar page."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import icalendar

from ckanext.satudata_planning import config

from .schedule import Row, status_label

PRODID = "-//Portal Satu Data//ckanext-satudata_planning jadwal rilis//ID"


def feed(rows: Iterable[Row], *, name: str, stamp: dt.datetime) -> bytes:
    """The feed of ``rows`` (rows without a date are left out)."""
    site = config.site_url()
    host = site.split("://", 1)[-1].split("/", 1)[0] or "satudata"
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", config.timezone())
    for row in rows:
        if not row.jadwal_rilis:
            continue
        day = dt.date.fromisoformat(row.jadwal_rilis)
        event = icalendar.Event()
        event.add("uid", f"{row.item_id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", f"Rilis: {row.nama_data} ({row.kode_data})")
        link = (f"{site}/dataset/{row.package_name}" if row.public
                and row.package_name else f"{site}/jadwal-rilis")
        event.add("url", link)
        event.add("description", "\n".join([
            f"Kode data: {row.kode_data}",
            f"Produsen data: {row.organization_title}",
            f"Status: {status_label(row.status)}",
            *([f"Jadwal pemutakhiran: {row.jadwal_pemutakhiran}"]
              if row.jadwal_pemutakhiran else []),
            link,
        ]))
        event.add("categories", [row.organization])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
