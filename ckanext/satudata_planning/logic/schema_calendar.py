"""Schemas of the release calendar and the reminders (``logic/schema.py``
holds the planning's own)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

CALENDAR_LIMIT_DEFAULT = 100
CALENDAR_LIMIT_MAX = 5000
OFFSET_MAX = 2**31 - 1


def release_status(value: Any) -> str:
    """A release status (``akan_datang`` … ``tanpa_jadwal``)."""
    from ckanext.satudata_planning.release.schedule import STATUSES

    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in STATUSES:
        raise tk.Invalid(
            tk._('"{value}" is not an allowed value. Allowed: {allowed}').format(
                value=str(value)[:80], allowed=", ".join(STATUSES)
            )
        )
    return text


@validator_args
def release_calendar(
    ignore_missing: Validator,
    satudata_ref: Validator,
    satudata_text: Validator,
    strip_value: Validator,
    satudata_blank_to_none: Validator,
    satudata_year: Validator,
    default: ValidatorFactory,
    is_positive_integer: Validator,
    natural_number_validator: Validator,
    satudata_int_max: ValidatorFactory,
) -> Schema:
    return {
        "tahun": [satudata_blank_to_none, ignore_missing, satudata_year],
        "organization": [ignore_missing, satudata_ref, strip_value,
                         satudata_blank_to_none, ignore_missing],
        "status": [ignore_missing, satudata_text, satudata_blank_to_none,
                   ignore_missing, release_status],
        "limit": [satudata_blank_to_none, default(CALENDAR_LIMIT_DEFAULT),
                  is_positive_integer, satudata_int_max(CALENDAR_LIMIT_MAX)],
        "offset": [satudata_blank_to_none, default(0), natural_number_validator,
                   satudata_int_max(OFFSET_MAX)],
    }


@validator_args
def remind(
    ignore_missing: Validator,
    satudata_blank_to_none: Validator,
    satudata_date: Validator,
    satudata_boolean: Validator,
) -> Schema:
    return {
        "today": [satudata_blank_to_none, ignore_missing, satudata_date],
        "dry_run": [ignore_missing, satudata_boolean],
    }
