"""Dates and numbers as the viewer reads them: Indonesian first
(5 Desember 2026; 12,5 %), English when the page is in English."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ckanext.satudata_planning import sop


def locale() -> str:
    """The Babel locale of the viewer's language (``id`` or ``en``)."""
    return "en" if sop.current_lang().startswith("en") else "id"


def date(value: Any, with_time: bool = False) -> str:
    """An ISO date (or timestamp, stored in UTC) as a long local date.

    Timestamps are shown in ``ckanext.satudata_planning.timezone``.
    """
    from babel.dates import format_date, format_datetime

    from ckanext.satudata_planning.sop import working_days

    if not value:
        return ""
    lang = locale()
    if isinstance(value, str):
        try:
            value = (dt.datetime.fromisoformat(value) if "T" in value
                     else dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        local = value.astimezone(working_days.timezone())
        if with_time:
            return format_datetime(local, "d MMMM y HH:mm", locale=lang)
        value = local.date()
    return format_date(value, "long", locale=lang)


def number(value: Any, decimals: int | None = None) -> str:
    """A number as the viewer reads it: ``1.234`` and ``12,5`` in Indonesian."""
    from babel.numbers import format_decimal

    if value is None or value == "":
        return ""
    if decimals is None:
        return format_decimal(value, locale=locale())
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=locale())


def percent(value: Any, decimals: int = 1) -> str:
    """A percentage with one decimal and a (no-break) space: ``0,0 %``."""
    if value is None or value == "":
        return ""
    return number(value, decimals) + "\u00a0%"
