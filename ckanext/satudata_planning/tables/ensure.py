"""Step 10's data tables: each statistical row's dataset gets one Table
Designer resource designed from the row (:mod:`.design`), through CKAN's
actions (``resource_create`` with ``url_type: tabledesigner``, Table
Designer's ``create_table`` → ``datastore_create``).

* **Idempotent.** A dataset's table is its first active resource whose
  ``url_type`` is ``tabledesigner``; when its fields already are the design,
  nothing is written.
* **Redesign keeps what fits.** A row changed after provisioning (its level,
  frequency, year, measure or unit) redesigns the table: the records that fit
  the new design stay, those that do not are removed and reported (with their
  values and the columns that refused them), so the OPD enters them again.
* Rows of other kinds (geospasial, lainnya) keep file resources: no table.

Step 10 calls :func:`ensure_tables` through the signal
``satudata_planning.datasets_provisioned`` (see :func:`on_provisioned`),
after each batch has committed.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.satudata_planning.sop import wilayah
from ckanext.satudata_planning.tables import design as design_

log = logging.getLogger(__name__)

SIGNAL = "satudata_planning.datasets_provisioned"
TABLE_URL_TYPE = "tabledesigner"
#: records read per datastore_search call when a table is redesigned
PAGE = 10000


@dataclass
class Report:
    """What :func:`ensure_tables` did."""

    created: list[str] = field(default_factory=list)
    redesigned: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: per redesigned table: the records that no longer fit, removed
    misfits: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "redesigned": len(self.redesigned),
            "unchanged": len(self.unchanged),
            "skipped": len(self.skipped),
            "misfits": self.misfits,
            "errors": self.errors,
        }


def available() -> bool:
    """Tables are on (``ckanext.satudata_planning.data_tables``) and the
    ``datastore`` and ``tabledesigner`` plugins are loaded."""
    from ckanext.satudata_planning import config

    return config.data_tables() and plugins.plugin_loaded(
        "datastore") and plugins.plugin_loaded("tabledesigner")


def _context(user: Optional[str]) -> dict[str, Any]:
    name = user or tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": name, "ignore_auth": True}


def table_resource_id(package_id: str) -> Optional[str]:
    """The dataset's table: its first active Table Designer resource."""
    r = model.Resource
    return model.Session.execute(
        sa.select(r.id).where(r.package_id == package_id, r.state == "active",
                              r.url_type == TABLE_URL_TYPE)
        .order_by(r.position).limit(1)
    ).scalar()


def design_of(item: Any) -> design_.Design:
    """The design of a row, with the configured region's wilayah at its level."""
    places = [(w.kode, w.nama) for w in wilayah.configured(design_.level(item))]
    return design_.design(item, places)


def current_fields(resource_id: str) -> list[dict[str, Any]]:
    """The table's fields as ``datastore_info`` gives them (Table Designer
    keys and the data dictionary's ``info`` included), ``_id`` left out."""
    info = tk.get_action("datastore_info")(
        {"ignore_auth": True}, {"id": resource_id, "include_meta": False})
    return [f for f in info["fields"] if f["id"] != "_id"]


def _records(resource_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = tk.get_action("datastore_search")(
            {"ignore_auth": True},
            {"resource_id": resource_id, "limit": PAGE, "offset": offset,
             "sort": "_id"},
        )["records"]
        out.extend({k: v for k, v in r.items() if k != "_id"} for r in page)
        if len(page) < PAGE:
            return out
        offset += PAGE


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if v is None or isinstance(v, (str, int, float, bool))
                else str(v)) for k, v in record.items()}


def _create_table(resource_id: str, d: design_.Design, context: dict[str, Any]) -> None:
    from ckanext.tabledesigner.datastore import create_table

    create_table(resource_id, d.fields, context=dict(context))


def _name(item: Any) -> str:
    return tk._("Data table") + f": {getattr(item, 'nama_data', '') or ''}".rstrip(": ")


def _record(item: Any, package_id: str, context: dict[str, Any], *, kept: int,
            removed: list[dict[str, Any]]) -> None:
    """The redesign in the audit trail (the dataset's history), committed."""
    from ckanext.satudata_planning.model import Event
    from ckanext.satudata_planning.model.event import EventAction

    actor = model.User.get(context["user"])
    Event.record(
        model.Session,
        cycle_id=getattr(item, "cycle_id", None),
        user_id=actor.id if actor else None,
        action=EventAction.TABLE_REDESIGN,
        target_type="dataset",
        target_id=package_id,
        after={"kode_data": getattr(item, "kode_data", None),
               "nama_data": getattr(item, "nama_data", None),
               "kept": kept, "removed": removed},
    )
    model.Session.commit()


def ensure_table(item: Any, package_id: str, *, user: Optional[str] = None,
                 report: Optional[Report] = None) -> Report:
    """Create or redesign the table of one row's dataset (see the module doc)."""
    report = report if report is not None else Report()
    if not design_.is_tabular(item):
        report.skipped.append(package_id)
        return report
    context = _context(user)
    d = design_of(item)
    resource_id = table_resource_id(package_id)
    if resource_id is None:
        resource = tk.get_action("resource_create")(
            dict(context),
            {"package_id": package_id, "url_type": TABLE_URL_TYPE, "url": "",
             "name": _name(item), "format": "CSV",
             # set now: datastore_create would otherwise update the dataset
             # a second time (resource_patch) only to set it
             "datastore_active": True,
             "description": tk._("Enter the data in this table (Table Designer) "
                                 "or import the dataset's XLSX template.")},
        )
        _create_table(resource["id"], d, context)
        report.created.append(package_id)
        return report
    current = current_fields(resource_id)
    if [design_._signature(f) for f in current] == d.signature():
        report.unchanged.append(package_id)
        return report
    records = _records(resource_id) if current else []
    keep, drop = [], []
    for record in records:
        refused = d.misfits(record)
        if refused:
            drop.append({"record": _jsonable(record),
                         "columns": [{"column": c, "reason": r} for c, r in refused]})
        else:
            keep.append(record)
    if drop:
        # rows the new checks would refuse cannot stay under them: the table is
        # emptied, redesigned, and what fits written back
        tk.get_action("datastore_delete")(
            dict(context), {"resource_id": resource_id, "filters": {},
                            "force": True})
    _create_table(resource_id, d, context)
    if drop and keep:
        tk.get_action("datastore_upsert")(
            dict(context), {"resource_id": resource_id, "method": "insert",
                            "records": keep, "force": True})
    report.redesigned.append(package_id)
    _record(item, package_id, context, kept=len(keep), removed=drop)
    if drop:
        report.misfits.append({
            "package_id": package_id,
            "resource_id": resource_id,
            "kode_data": getattr(item, "kode_data", None),
            "kept": len(keep),
            "removed": drop,
        })
        log.warning("table of %s redesigned: %d records kept, %d removed",
                    package_id, len(keep), len(drop))
    return report


def ensure_tables(rows: Iterable[tuple[Any, str]], *,
                  user: Optional[str] = None) -> Report:
    """:func:`ensure_table` for each (row, package_id); a row that fails is
    reported (``errors``) and the others are done."""
    report = Report()
    if not available():
        return report
    for item, package_id in rows:
        if not package_id:
            continue
        try:
            ensure_table(item, package_id, user=user, report=report)
        except (tk.ValidationError, tk.ObjectNotFound) as e:
            model.Session.rollback()
            report.errors.append({
                "package_id": package_id,
                "kode_data": getattr(item, "kode_data", None),
                "errors": getattr(e, "error_dict", None) or str(e),
            })
            log.warning("table of %s not made: %s", package_id, e)
    return report


def on_provisioned(sender: Any, **kwargs: Any) -> dict[str, Any]:
    """Receiver of ``satudata_planning.datasets_provisioned`` (``sender``: the
    cycle id; ``rows``: [(item, package_id), …] of a committed batch)."""
    report = ensure_tables(kwargs.get("rows") or [], user=kwargs.get("user"))
    return report.as_dict()
