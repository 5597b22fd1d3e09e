"""Table Designer's refusals in Indonesian (the screens and the API).

The DataStore answers a refused record with PostgreSQL's text: Table
Designer's checks as ``TAB-DELIMITED\\tcolumn\\tmessage…`` (``Below minimum:
"0"``, ``Invalid choice: "x"``, ``Missing value``…), PostgreSQL's own as one
English line (``invalid input syntax for type numeric: "abc"``).

* Table Designer's forms split the tab-delimited text into per-column
  errors: for them (a request to its blueprint) the format is kept and each
  message translated.
* Everywhere else (the API, scripts, our import) the error becomes
  ``{"records": ["Baris 1: Nilai: …"], "records_row": 0, "<column>": [msg]}``.

:func:`datastore_actions` chains ``datastore_create`` and ``datastore_upsert``
over the actions it is given (the checking's chained ones).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ckanext.satudata_planning.tables.design import LABELS

log = logging.getLogger(__name__)

PREFIX = "TAB-DELIMITED\t"
_QUOTED = re.compile(r'^(?P<kind>[A-Za-z ]+): "(?P<value>.*)"$', re.S)
_PG_TYPE = re.compile(
    r'invalid input syntax for type (?P<type>[a-z ]+): "(?P<value>.*?)"')
_PG_RANGE = re.compile(r"value .* out of range for type (?P<type>[a-z0-9 ]+)")


def column_label(column: str) -> str:
    return LABELS.get(column, column)


def message(column: str, text: str) -> str:
    """One of Table Designer's column messages, translated."""
    text = text.strip()
    m = _QUOTED.match(text)
    kind, value = (m["kind"], m["value"]) if m else (text, "")
    if kind == "Below minimum":
        return tk._("below the minimum {value}").format(value=value)
    if kind == "Above maximum":
        return tk._("above the maximum {value}").format(value=value)
    if kind == "Invalid choice":
        if column == "kode_wilayah":
            return tk._("unknown wilayah code “{value}”").format(value=value)
        return tk._("“{value}” is not one of the choices").format(value=value)
    if kind == "Missing value":
        return tk._("must be filled in")
    if kind == "Primary key must not be empty":
        return tk._("must be filled in (part of the key)")
    if kind == "Does not match pattern":
        return tk._("does not match the expected pattern")
    return text


def split(text: str) -> list[tuple[str, str]]:
    """``TAB-DELIMITED\\tcol\\tmsg\\tcol\\tmsg`` → [(col, msg)]."""
    parts = iter(text[len(PREFIX):].split("\t"))
    return list(zip(parts, parts, strict=False))


def postgres_message(text: str) -> Optional[str]:
    """PostgreSQL's own refusals that an OPD meets, translated (else None)."""
    m = _PG_TYPE.search(text)
    if m:
        if m["type"] in ("numeric", "integer", "bigint", "smallint"):
            return tk._("“{value}” is not a number").format(value=m["value"])
        if m["type"] == "date":
            return tk._("“{value}” is not a date").format(value=m["value"])
        return tk._("“{value}” is not a valid {type}").format(
            value=m["value"], type=m["type"])
    if _PG_RANGE.search(text):
        return tk._("number too large")
    if text.startswith("duplicate key"):
        return tk._("a record for this wilayah, year and period already exists")
    return None


def _row_label(row: Any) -> str:
    try:
        return tk._("Row {row}").format(row=int(row) + 1)
    except (TypeError, ValueError):
        return tk._("Record")


def translate(errors: dict[str, Any], *, keep_format: bool) -> dict[str, Any]:
    """A DataStore ValidationError's ``error_dict``, in Indonesian."""
    records = errors.get("records")
    if not isinstance(records, list) or not records or not isinstance(
            records[0], str):
        return errors
    text = records[0]
    out = dict(errors)
    if text.startswith(PREFIX):
        pairs = [(c, message(c, m)) for c, m in split(text)]
        if keep_format:
            out["records"] = [PREFIX + "\t".join(f"{c}\t{m}" for c, m in pairs)]
            return out
        for column, msg in pairs:
            out.setdefault(column, []).append(msg)
        out["records"] = ["{row}: {msgs}".format(
            row=_row_label(errors.get("records_row")),
            msgs="; ".join(f"{column_label(c)}: {m}" for c, m in pairs))]
        return out
    if keep_format:  # the forms read PostgreSQL's duplicate-key text themselves
        return out
    msg = postgres_message(text)
    if msg:
        out["records"] = [f"{_row_label(errors.get('records_row'))}: {msg}"]
    return out


def _from_form() -> bool:
    """Is the request one of Table Designer's forms?"""
    try:
        from flask import request

        return bool(request.endpoint and request.endpoint.startswith(
            "tabledesigner."))
    except RuntimeError:  # no request
        return False


def _refreshing(name: str, up: Action) -> Action:
    """``up``, then the table's "filled" flag (before the checking reads it)."""
    from ckanext.satudata_planning.tables import filled

    def call(context: Context, data_dict: DataDict) -> Any:
        result = up(context, data_dict)
        if name == "datastore_create" and not data_dict.get("records"):
            return result  # a design, no record: nothing to count
        resource_id = data_dict.get("resource_id") or (
            result.get("resource_id") if isinstance(result, dict) else None)
        try:
            filled.refresh(resource_id)
        except Exception:  # the data is written: its flag must not undo it
            model.Session.rollback()
            log.exception("filled flag of resource %s not updated", resource_id)
        return result

    return call  # type: ignore[return-value]


def _translating(name: str, inner: Optional[Action]) -> Action:
    def action(up: Action, context: Context, data_dict: DataDict) -> Any:
        try:
            if inner is not None:
                return inner(_refreshing(name, up), context, data_dict)  # type: ignore[call-arg]
            return _refreshing(name, up)(context, data_dict)
        except tk.ValidationError as e:
            if name == "datastore_delete":
                raise
            raise tk.ValidationError(
                translate(e.error_dict, keep_format=_from_form())) from None

    action.__name__ = name
    action.__doc__ = (inner.__doc__ if inner else None) or (
        f"CKAN's ``{name}``, its refusals in Indonesian.")
    return tk.chained_action(action)


def datastore_actions(chained: dict[str, Callable[..., Any]]) -> dict[str, Any]:
    """``chained`` with ``datastore_create`` and ``datastore_upsert`` also
    translating their refusals (only when the DataStore is loaded)."""
    import ckan.plugins as plugins

    if not plugins.plugin_loaded("datastore"):
        return dict(chained)
    out = dict(chained)
    for name in ("datastore_create", "datastore_upsert", "datastore_delete"):
        out[name] = _translating(name, chained.get(name))
    return out
