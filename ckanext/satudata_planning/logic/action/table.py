"""The data tables' actions: the wilayah reference and the XLSX import.

Examples (ckanapi)::

    ckan.action.satudata_wilayah_list(tingkat="kecamatan")
    ckan.action.satudata_table_import(id="2027-dinkes-001",
                                      upload=open("isian.xlsx", "rb"))
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator

from ckanext.satudata_planning import config
from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.sop import wilayah

from ._common import capped, read_upload

__all__ = ["satudata_table_import", "satudata_wilayah_list"]


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


def _a_file(value: Any) -> Any:
    """A file as CKAN passes an upload (never text, a number or JSON)."""
    if isinstance(value, (bytes, bytearray)) or any(
            hasattr(value, a) for a in ("read", "stream", "file")):
        return value
    raise tk.Invalid(tk._("Upload an Excel workbook (.xlsx) made from the template"))


@validator_args
def table_import_schema(not_empty: Validator, satudata_ref: Validator) -> Schema:
    return {"id": [not_empty, satudata_ref], "upload": [not_empty, _a_file]}


def _row_of(package_id: str) -> Any:
    from ckanext.satudata_planning.workflow import checking

    prov = checking.provisioned(package_id)
    item = model.Session.get(Item, prov.item_id) if prov else None
    if item is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return item


def table_of(ref: str) -> tuple[dict[str, Any], Any, str]:
    """(dataset, its row, its table's resource id) of a provisioned dataset;
    ``ValidationError`` when it has no data table."""
    from ckanext.satudata_planning.tables import ensure

    dataset = tk.get_action("package_show")({"ignore_auth": True}, {"id": ref})
    item = _row_of(dataset["id"])
    resource_id = ensure.table_resource_id(dataset["id"])
    if resource_id is None:
        raise tk.ValidationError({"id": [tk._("This dataset has no data table")]})
    return dataset, item, resource_id


@validate(table_import_schema)
def satudata_table_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import an XLSX into a dataset's data table: all rows or none.

    :param id: the dataset's id or name
    :param upload: the workbook (the dataset's template, filled)
    :returns: ``{count, resource_id}``

    The first sheet; a header row of column ids or their Indonesian labels;
    rows without a value and a note are skipped. Any bad cell is a
    ``ValidationError`` on ``upload`` naming every bad cell by row and column,
    and nothing is written. Existing records of the same wilayah, year and
    period are replaced (``datastore_upsert``).
    """
    from ckanext.satudata_planning.tables import ensure, xlsx

    tk.check_access("satudata_table_import", context, data_dict)
    dataset, item, resource_id = table_of(data_dict["id"])
    max_bytes = config.import_max_bytes()
    raw, _name = read_upload(
        data_dict["upload"], max_bytes,
        tk._("Upload an Excel workbook (.xlsx) made from the template"))
    d = ensure.design_of(item)
    names = wilayah.names(config.wilayah_kode())
    parsed = xlsx.parse(raw, d, names, max_bytes=max_bytes,
                        max_unpacked=config.import_max_unpacked_bytes(),
                        max_rows=config.import_max_rows())
    if parsed.errors:
        raise tk.ValidationError({"upload": capped(parsed.errors)})
    if not parsed.records:
        raise tk.ValidationError({"upload": [tk._(
            "The file has no value to import")]})
    try:
        tk.get_action("datastore_upsert")(
            {"user": context.get("user"), "ignore_auth": True},
            {"resource_id": resource_id, "method": "upsert",
             "records": parsed.records, "force": True})
    except tk.ValidationError as e:
        errs = e.error_dict
        row = errs.get("records_row")
        line = (parsed.rows[row] if isinstance(row, int)
                and 0 <= row < len(parsed.rows) else None)
        text = (errs.get("records") or [""])[0]
        if line is not None and isinstance(text, str) and ": " in text:
            text = tk._("Row {row}").format(row=line) + text[text.index(": "):]
        raise tk.ValidationError({"upload": [text]}) from None
    return {"count": len(parsed.records), "resource_id": resource_id,
            "package_id": dataset["id"]}
