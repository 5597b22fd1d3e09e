"""navl schemas of the ``satudata_*`` actions (``@validate(schema.…)``)."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

EVENTS_LIMIT_MAX = 1000


@validator_args
def cycle_create(
    not_missing: Validator,
    not_empty: Validator,
    ignore_missing: Validator,
    unicode_safe: Validator,
    strip_value: Validator,
    satudata_year: Validator,
    satudata_date: Validator,
    satudata_text_max: ValidatorFactory,
) -> Schema:
    return {
        "tahun": [not_missing, not_empty, satudata_year],
        "judul": [ignore_missing, unicode_safe, strip_value, satudata_text_max(200)],
        "tanggal_mulai": [ignore_missing, satudata_date],
    }


@validator_args
def cycle_show(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe]}


@validator_args
def cycle_list(ignore_missing: Validator) -> Schema:
    return {}


@validator_args
def step_complete(
    not_missing: Validator,
    not_empty: Validator,
    ignore_missing: Validator,
    unicode_safe: Validator,
    strip_value: Validator,
    satudata_step_number: Validator,
    satudata_text_max: ValidatorFactory,
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "step": [not_missing, not_empty, satudata_step_number],
        "catatan": [ignore_missing, unicode_safe, strip_value, satudata_text_max(2000)],
    }


@validator_args
def cycle_events(
    not_empty: Validator,
    unicode_safe: Validator,
    default: ValidatorFactory,
    natural_number_validator: Validator,
    is_positive_integer: Validator,
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "limit": [default(100), is_positive_integer],
        "offset": [default(0), natural_number_validator],
    }
