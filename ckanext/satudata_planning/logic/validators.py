"""Validators shared by the action schemas and the scheming dataset schema."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

__all__ = ["satudata_year"]

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
