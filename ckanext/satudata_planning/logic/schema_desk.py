"""navl schemas of the desk's actions (step 4) that outgrew ``schema.py``."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.satudata_planning.duplicates import KINDS
from ckanext.satudata_planning.logic.schema import OFFSET_MAX
from ckanext.satudata_planning.logic.validators import REF_MAX, _one_of, clean_text

#: pairs of one call when the caller names no limit (a desk page)
DUPLICATES_LIMIT_DEFAULT = 50


#: the most rows one call may ask the pairs of (``item``)
ITEMS_MAX = 200


def _kind(value: Any) -> str:
    return _one_of(value, KINDS)


def _refs(value: Any) -> list[str]:
    """Row ids or codes: a list, or text separated by commas or spaces."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, str) and v.strip() for v in value
    ):
        raise tk.Invalid(tk._("A list of rows (ids or codes) is expected"))
    if len(value) > ITEMS_MAX:
        raise tk.Invalid(tk._("At most {num} rows").format(num=ITEMS_MAX))
    return [str(clean_text(v.strip(), REF_MAX)) for v in value]


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
    satudata_text: Validator,
) -> Schema:
    # the largest limit is the duplicate_page_max option, checked in the action
    return {
        "cycle_id": [not_empty, satudata_ref],
        "organization": [ignore_missing, satudata_ref, strip_value],
        "item": [ignore_missing, _refs],
        "jenis": [ignore_missing, satudata_text, strip_value, satudata_blank_to_none,
                  ignore_missing, _kind],
        "limit": [satudata_blank_to_none, default(DUPLICATES_LIMIT_DEFAULT),
                  is_positive_integer],
        "offset": [satudata_blank_to_none, default(0), natural_number_validator,
                   satudata_int_max(OFFSET_MAX)],
    }
