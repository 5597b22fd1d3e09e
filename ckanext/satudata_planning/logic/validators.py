"""Validators shared by the action schemas and the scheming dataset schema."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.satudata_planning import sop

__all__ = [
    "satudata_date",
    "satudata_step_number",
    "satudata_text_max",
    "satudata_year",
]

MIN_YEAR = 2000
MAX_YEAR = 2100


def satudata_year(value: Any) -> int:
    """A plausible Daftar Data year (2000–2100).

    >>> satudata_year("2027")
    2027
    """
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise tk.Invalid(tk._("Year must be a whole number")) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise tk.Invalid(
            tk._("Year must be between {min} and {max}").format(
                min=MIN_YEAR, max=MAX_YEAR
            )
        )
    return year


def satudata_date(value: Any) -> dt.date:
    """A calendar date: a ``date``, or an ISO ``YYYY-MM-DD`` string.

    >>> satudata_date("2026-08-17")
    datetime.date(2026, 8, 17)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise tk.Invalid(tk._("Date must be in the form YYYY-MM-DD")) from None


def satudata_step_number(value: Any) -> int:
    """A step number of the SOP, 1 to 10.

    >>> satudata_step_number("4")
    4
    """
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise tk.Invalid(tk._("Step must be a whole number")) from None
    if not sop.is_step(number):
        raise tk.Invalid(
            tk._("Step must be between {first} and {last}").format(
                first=sop.FIRST_STEP, last=sop.LAST_STEP
            )
        )
    return number


def satudata_text_max(length: int) -> Callable[[Any], Any]:
    """Factory: a text of at most ``length`` characters.

    >>> satudata_text_max(3)("abc")
    'abc'
    """

    def validator(value: Any) -> Any:
        if value is not None and len(str(value)) > length:
            raise tk.Invalid(
                tk._("Must be at most {length} characters long").format(length=length)
            )
        return value

    return validator
