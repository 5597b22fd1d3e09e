"""Validators shared by the action schemas and the scheming dataset schema."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.satudata_planning import sop, vocabularies

__all__ = [
    "satudata_blank_to_none",
    "satudata_date",
    "satudata_int_or_none",
    "satudata_multi_vocab",
    "satudata_vocab",
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


def satudata_blank_to_none(value: Any) -> Any:
    """An empty or blank text is "no value" (so an update can clear a field).

    >>> satudata_blank_to_none("  ") is None
    True
    """
    if isinstance(value, str) and not value.strip():
        return None
    return value


def satudata_int_or_none(value: Any) -> Any:
    """A whole number, or None when blank.

    >>> satudata_int_or_none("3")
    3
    """
    if value is None or value == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise tk.Invalid(tk._("Must be a whole number")) from None


def _unknown(name: str, text: str) -> tk.Invalid:
    allowed = ", ".join(vocabularies.values(name))
    return tk.Invalid(
        tk._('"{value}" is not an allowed value. Allowed: {allowed}').format(
            value=str(text)[:80], allowed=allowed
        )
    )


def satudata_vocab(name: str) -> Callable[[Any], Any]:
    """Factory: a value of vocabulary ``name`` as its slug (labels accepted).

    >>> satudata_vocab("frekuensi")("Tahunan")
    'tahunan'
    """

    def validator(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        slug = vocabularies.from_label(name, str(value))
        if slug is None:
            raise _unknown(name, value)
        return slug

    return validator


def satudata_multi_vocab(name: str) -> Callable[[Any], Any]:
    """Factory: several values of vocabulary ``name`` (a list, or text split by ``;``).

    >>> satudata_multi_vocab("kategori_sumber")("SDGs; spm")
    ['sdgs', 'spm']
    """

    def validator(value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            parts = [p for p in value.split(";") if p.strip()]
        elif isinstance(value, (list, tuple)):
            parts = [str(p) for p in value if str(p).strip()]
        else:
            raise _unknown(name, value)
        slugs: list[str] = []
        for part in parts:
            slug = vocabularies.from_label(name, part)
            if slug is None:
                raise _unknown(name, part)
            if slug not in slugs:
                slugs.append(slug)
        return slugs

    return validator
