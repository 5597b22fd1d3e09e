"""Where each agreed row stands against its jadwal rilis (release date).

A row is *released* once its dataset has been accepted by the Walidata (the
checking, :mod:`workflow.checking`) and not sent back since; it was released
on the local date of its first acceptance. A release date that falls on a
weekend or a public holiday is due on the next working day. Against today in
the portal's time zone a row is:

* ``akan_datang``: not released, its date not passed;
* ``terlambat``: not released, its date passed;
* ``terbit_tepat_waktu``: released on or before its date;
* ``terbit_terlambat``: released after its date;
* ``tanpa_jadwal``: the row has no jadwal rilis (listed and counted).

>>> import datetime as dt
>>> cal = working_days.WorkingCalendar()
>>> status_of(dt.date(2027, 3, 31), None, dt.date(2027, 3, 31), cal)
'akan_datang'
>>> status_of(dt.date(2027, 3, 31), None, dt.date(2027, 4, 1), cal)
'terlambat'
>>> status_of(dt.date(2027, 3, 27), None, dt.date(2027, 3, 29), cal)  # Sat: due Mon
'akan_datang'
>>> status_of(dt.date(2027, 3, 31), dt.date(2027, 4, 2), dt.date(2027, 5, 1), cal)
'terbit_terlambat'
>>> share_label(1, 8)
'12,5 %'
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa

from ckanext.satudata_planning.model import (
    CheckStatus,
    Cycle,
    DatasetCheck,
    Event,
    Item,
)
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.sop import working_days
from ckanext.satudata_planning.workflow import checking

AKAN_DATANG = "akan_datang"
TERLAMBAT = "terlambat"
TEPAT_WAKTU = "terbit_tepat_waktu"
TERBIT_TERLAMBAT = "terbit_terlambat"
TANPA_JADWAL = "tanpa_jadwal"
#: every status, in the order the page and the counts show them
STATUSES: tuple[str, ...] = (TERLAMBAT, AKAN_DATANG, TEPAT_WAKTU, TERBIT_TERLAMBAT,
                             TANPA_JADWAL)
RELEASED = frozenset({TEPAT_WAKTU, TERBIT_TERLAMBAT})


def status_label(status: str) -> str:
    """A status for people, in the viewer's language."""
    import ckan.plugins.toolkit as tk

    return {
        AKAN_DATANG: tk._("Upcoming"),
        TERLAMBAT: tk._("Late"),
        TEPAT_WAKTU: tk._("Released on time"),
        TERBIT_TERLAMBAT: tk._("Released late"),
        TANPA_JADWAL: tk._("No release date"),
    }.get(status, status)


def due_of(jadwal: dt.date, cal: working_days.WorkingCalendar) -> dt.date:
    """The day a row is due: its date, or the next working day after a day off."""
    return cal.next_working_day(jadwal)


def status_of(jadwal: Optional[dt.date], released_on: Optional[dt.date],
              today: dt.date, cal: working_days.WorkingCalendar) -> str:
    """The status of one row (see the module's text)."""
    if jadwal is None:
        return TANPA_JADWAL
    due = due_of(jadwal, cal)
    if released_on is not None:
        return TEPAT_WAKTU if released_on <= due else TERBIT_TERLAMBAT
    return TERLAMBAT if today > due else AKAN_DATANG


def share_label(part: int, whole: int) -> str:
    """A share as Indonesian write it: ``12,5 %`` (``–`` without a whole)."""
    if not whole:
        return "–"
    value = round(100.0 * part / whole, 1)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


@dataclass
class Row:
    """One agreed row of a published cycle on the calendar."""

    item_id: str
    kode_data: str
    nama_data: str
    organization: str
    organization_title: str
    organization_id: str
    tahun: int
    jadwal_rilis: Optional[str]
    jadwal_pemutakhiran: Optional[str]
    due: Optional[str]
    status: str
    released: bool
    released_on: Optional[str]
    late_days: int
    package_name: Optional[str]
    package_title: Optional[str]
    public: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _first_acceptance() -> Any:
    """Subquery: each dataset's first acceptance (``target_id``, ``accepted``)."""
    return (
        sa.select(Event.target_id.label("package_id"),
                  sa.func.min(Event.timestamp).label("accepted"))
        .where(Event.target_type == "dataset",
               Event.action == EventAction.DATASET_ACCEPT)
        .group_by(Event.target_id)
        .subquery()
    )


def rows(*, tahun: Optional[int] = None, organization_id: Optional[str] = None,
         cycle_id: Optional[str] = None, published_only: bool = True,
         today: Optional[dt.date] = None) -> list[Row]:
    """The agreed, active rows (of published cycles unless told otherwise),
    by date (rows without one last), OPD and code. One query."""
    p, g, c = model.Package, model.Group, DatasetCheck
    first = _first_acceptance()
    query = (
        sa.select(Item.id, Item.kode_data, Item.nama_data, g.name, g.title, g.id,
                  Cycle.tahun, Item.jadwal_rilis, Item.jadwal_pemutakhiran,
                  p.name, p.title, p.private, c.status, first.c.accepted)
        .select_from(Item)
        .join(Cycle, Cycle.id == Item.cycle_id)
        .join(g, g.id == Item.organization_id)
        .outerjoin(p, sa.and_(p.id == Item.package_id, p.state == "active"))
        .outerjoin(c, c.package_id == p.id)
        .outerjoin(first, first.c.package_id == p.id)
        .where(checking.active_items())
        .order_by(Item.jadwal_rilis.asc().nulls_last(), g.name, Item.kode_data)
    )
    if published_only:
        query = query.where(Cycle.published.is_(True))
    if tahun is not None:
        query = query.where(Cycle.tahun == tahun)
    if organization_id:
        query = query.where(g.id == organization_id)
    if cycle_id:
        query = query.where(Cycle.id == cycle_id)
    today = today or working_days.today()
    cal = working_days.WorkingCalendar(working_days.extra_holidays())
    out = []
    found = model.Session.execute(query).all()
    for (item_id, kode, nama, org, org_title, org_id, year, jadwal, pemutakhiran,
         pkg_name, pkg_title, private, stored, accepted) in found:
        released_on = None
        if accepted is not None and stored != CheckStatus.PERBAIKAN.value:
            released_on = working_days.local_date(accepted)
        status = status_of(jadwal, released_on, today, cal)
        due = due_of(jadwal, cal) if jadwal else None
        late = 0
        if due is not None:
            late = working_days.overdue_days(due, released_on or today)
        public = pkg_name is not None and not private
        out.append(Row(
            item_id=item_id, kode_data=kode, nama_data=nama, organization=org,
            organization_title=org_title or org, organization_id=org_id,
            tahun=year, jadwal_rilis=jadwal.isoformat() if jadwal else None,
            jadwal_pemutakhiran=(pemutakhiran.isoformat() if pemutakhiran
                                 else None),
            due=due.isoformat() if due else None, status=status,
            released=released_on is not None,
            released_on=released_on.isoformat() if released_on else None,
            late_days=late, package_name=pkg_name, package_title=pkg_title,
            public=public,
        ))
    return out


COUNT_KEYS = ("released", "on_time", "released_late", "late", "upcoming",
              "no_date")


def counts(listed: list[Row]) -> dict[str, Any]:
    """On-time, late and released counts of ``listed`` and the share released
    on time (of the rows whose date has passed or that were released)."""
    by = {s: 0 for s in STATUSES}
    for row in listed:
        by[row.status] += 1
    out: dict[str, Any] = {
        "released": by[TEPAT_WAKTU] + by[TERBIT_TERLAMBAT],
        "on_time": by[TEPAT_WAKTU],
        "released_late": by[TERBIT_TERLAMBAT],
        "late": by[TERLAMBAT],
        "upcoming": by[AKAN_DATANG],
        "no_date": by[TANPA_JADWAL],
    }
    due = by[TEPAT_WAKTU] + by[TERBIT_TERLAMBAT] + by[TERLAMBAT]
    out["on_time_share"] = round(100.0 * by[TEPAT_WAKTU] / due, 1) if due else None
    out["on_time_label"] = share_label(by[TEPAT_WAKTU], due)
    return out


def per_organization(cycle_id: str) -> tuple[dict[str, dict[str, Any]],
                                             dict[str, Any]]:
    """:func:`counts` per OPD (by name) of one cycle, published or not, and
    of the whole cycle."""
    listed = rows(cycle_id=cycle_id, published_only=False)
    grouped: dict[str, list[Row]] = {}
    for row in listed:
        grouped.setdefault(row.organization, []).append(row)
    return ({org: counts(mine) for org, mine in grouped.items()}, counts(listed))
