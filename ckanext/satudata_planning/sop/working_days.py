"""Working days (hari kerja) in Indonesia: the SOP's unit of time.

A working day is a Monday to Friday that is neither a national public holiday
nor a joint leave day (cuti bersama), both from the ``holidays`` package
(``holidays.Indonesia`` with its ``public`` and ``government`` categories), nor
one of the dates listed in ``ckanext.satudata_planning.extra_holidays``: cuti
bersama is decreed every year and a region may add its own days off, so the
portal's administrator can always add what the package does not know yet.

"Today" is the date in ``ckanext.satudata_planning.timezone`` (Asia/Jakarta),
not the server's UTC date.

>>> import datetime as dt
>>> is_working_day(dt.date(2026, 8, 17))         # Hari Kemerdekaan, a Monday
False
>>> add_working_days(dt.date(2026, 8, 14), 1)    # Fri + 1: skips Sat, Sun, the 17th
datetime.date(2026, 8, 18)
>>> due_date(dt.date(2026, 8, 12), 5)            # Wed..Fri, Tue, Wed
datetime.date(2026, 8, 19)
>>> working_days_between(dt.date(2026, 8, 14), dt.date(2026, 8, 19))
2
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from typing import Optional
from zoneinfo import ZoneInfo

import ckan.plugins.toolkit as tk
import holidays as holidays_lib

from ckanext.satudata_planning import config

log = logging.getLogger(__name__)

CATEGORIES = ("public", "government")  # government: cuti bersama

_ONE_DAY = dt.timedelta(days=1)


def parse_dates(values: Iterable[str] | str | None) -> frozenset[dt.date]:
    """``YYYY-MM-DD`` strings (a list, or one string separated by spaces/commas).

    >>> sorted(parse_dates("2026-12-31, 2026-12-24"))
    [datetime.date(2026, 12, 24), datetime.date(2026, 12, 31)]
    """
    if not values:
        return frozenset()
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    dates = set()
    for value in values:
        for part in str(value).replace(",", " ").split():
            try:
                dates.add(dt.date.fromisoformat(part))
            except ValueError:
                raise ValueError(
                    f"{config.PREFIX}extra_holidays: {part!r} is not a YYYY-MM-DD date"
                ) from None
    return frozenset(dates)


def extra_holidays() -> frozenset[dt.date]:
    """The dates the configuration adds (cuti bersama, regional days off)."""
    return parse_dates(config.extra_holidays())


@functools.lru_cache(maxsize=64)
def _national(year: int) -> dict[dt.date, str]:
    days = holidays_lib.Indonesia(years=year, categories=CATEGORIES, language="id")
    return dict(days)


def holiday_name(day: dt.date) -> Optional[str]:
    """The name of the holiday on ``day``, or ``None`` on an ordinary day.

    >>> holiday_name(dt.date(2026, 8, 17)) is not None
    True
    """
    if day in extra_holidays():
        return tk._("Additional holiday (configured)")
    return _national(day.year).get(day)


class WorkingCalendar:
    """Working-day arithmetic with one fixed set of extra days off.

    The module functions build one per call from the configuration; keep one
    for loops.
    """

    def __init__(self, extra: Iterable[dt.date] = ()) -> None:
        self.extra = frozenset(extra)

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.extra
            and day not in _national(day.year)
        )

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return self.next_working_day(start)
        day = start
        while n:
            day += _ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def due_date(self, start: dt.date, duration: int) -> dt.date:
        if duration < 1:
            raise ValueError("duration must be at least one working day")
        return self.add_working_days(start - _ONE_DAY, duration)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        day = a
        while day < b:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


def _calendar() -> WorkingCalendar:
    return WorkingCalendar(extra_holidays())


def is_working_day(day: dt.date) -> bool:
    """Monday–Friday and no public holiday, cuti bersama or configured day off.

    >>> is_working_day(dt.date(2026, 8, 15))    # Saturday
    False
    >>> is_working_day(dt.date(2026, 8, 18))
    True
    """
    return _calendar().is_working_day(day)


def next_working_day(day: dt.date) -> dt.date:
    """``day`` when it is a working day, otherwise the first working day after it.

    >>> next_working_day(dt.date(2026, 8, 15))
    datetime.date(2026, 8, 18)
    """
    return _calendar().next_working_day(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The working day ``n`` working days after ``start`` (``start`` not counted).

    ``n == 0`` gives :func:`next_working_day` of ``start``.

    >>> add_working_days(dt.date(2026, 8, 13), 2)    # Thu -> Fri, (Sat, Sun, 17th) Tue
    datetime.date(2026, 8, 18)
    """
    return _calendar().add_working_days(start, n)


def due_date(start: dt.date, duration: int) -> dt.date:
    """The last day of a ``duration``-working-day task that starts on ``start``.

    ``start`` counts as the first day when it is a working day; a task that
    starts on a weekend or a holiday begins on the next working day.

    >>> due_date(dt.date(2026, 8, 10), 1)    # one day, started Monday: due Monday
    datetime.date(2026, 8, 10)
    >>> due_date(dt.date(2026, 8, 15), 1)    # started Saturday: due Tuesday 18th
    datetime.date(2026, 8, 18)
    """
    return _calendar().due_date(start, duration)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b < a``).

    This is how late something due on ``a`` is on ``b``.

    >>> working_days_between(dt.date(2026, 8, 14), dt.date(2026, 8, 17))  # to a holiday
    0
    >>> working_days_between(dt.date(2026, 8, 18), dt.date(2026, 8, 14))
    -1
    """
    return _calendar().working_days_between(a, b)


def overdue_days(due: Optional[dt.date], on: dt.date) -> int:
    """Working days past ``due`` on day ``on`` (0 when not late or no due date).

    >>> overdue_days(dt.date(2026, 8, 14), dt.date(2026, 8, 19))   # Tue 18, Wed 19
    2
    """
    if due is None or on <= due:
        return 0
    return max(0, working_days_between(due, on))


def timezone() -> ZoneInfo:
    return ZoneInfo(config.timezone())


def today() -> dt.date:
    """Today's date in the portal's time zone (WIB by default)."""
    return dt.datetime.now(timezone()).date()


def local_date(moment: dt.datetime) -> dt.date:
    """The local date of a stored timestamp (naive timestamps are UTC, as in CKAN)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(timezone()).date()
