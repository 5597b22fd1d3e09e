"""The data tables' actions: the wilayah reference and the XLSX import.

Examples (ckanapi)::

    ckan.action.satudata_wilayah_list(tingkat="kecamatan")
    ckan.action.satudata_table_import(id="2027-dinkes-001",
                                      upload=open("isian.xlsx", "rb"))
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator

from ckanext.satudata_planning.sop import wilayah

__all__ = ["satudata_wilayah_list"]


@validator_args
def wilayah_list_schema(ignore_missing: Validator, unicode_safe: Validator,
                        OneOf: Any) -> Schema:
    return {"tingkat": [ignore_missing, unicode_safe, OneOf(list(wilayah.LEVELS))]}


@tk.side_effect_free
@validate(wilayah_list_schema)
def satudata_wilayah_list(
    context: Context, data_dict: DataDict
) -> list[dict[str, Any]]:
    """The configured region's wilayah with their Kemendagri codes.

    :param tingkat: ``kota``, ``kecamatan`` or ``kelurahan`` (all three when
        absent)
    :returns: ``[{kode, nama, tingkat, induk}]`` in code order
    """
    tk.check_access("satudata_wilayah_list", context, data_dict)
    tingkat = data_dict.get("tingkat")
    return [w.as_dict() for w in wilayah.configured(tingkat)
            if w.tingkat in wilayah.LEVELS]
