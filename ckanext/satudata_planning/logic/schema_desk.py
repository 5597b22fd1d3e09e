"""navl schemas of the desk's actions (step 4) that outgrew ``schema.py``."""
from __future__ import annotations

from typing import Any

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.satudata_planning.duplicates import KINDS
from ckanext.satudata_planning.logic.schema import OFFSET_MAX
from ckanext.satudata_planning.logic.validators import _one_of

#: pairs of one call when the caller names no limit (a desk page)
DUPLICATES_LIMIT_DEFAULT = 50


def _kind(value: Any) -> str:
    return _one_of(value, KINDS)


@validator_args
def duplicates(
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_ref: Validator,
    strip_value: Validator,
    default: ValidatorFactory,
    natural_number_validator: Validator,
    is_positive_integer: Validator,
    satudata_int_max: ValidatorFactory,
    satudata_blank_to_none: Validator,
) -> Schema:
    # the largest limit is the duplicate_page_max option, checked in the action
    return {
        "cycle_id": [not_empty, satudata_ref],
        "organization": [ignore_missing, satudata_ref, strip_value],
        "jenis": [ignore_missing, strip_value, satudata_blank_to_none,
                  ignore_missing, _kind],
        "limit": [satudata_blank_to_none, default(DUPLICATES_LIMIT_DEFAULT),
                  is_positive_integer],
        "offset": [satudata_blank_to_none, default(0), natural_number_validator,
                   satudata_int_max(OFFSET_MAX)],
    }
