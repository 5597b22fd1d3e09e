"""Actions that bring many rows into the list at once: the XLSX import and
the carry-over of an earlier year's agreed rows (step 1).

Import decision: a row whose ``kode_data`` already exists in the cycle *for
the same organization* updates that row (only the columns present in the
file; re-importing an export round-trips); a row with a new or empty
``kode_data`` is created; a ``kode_data`` of another organization's (or a
deleted) row is an error on that row. Each row is checked with the same
rules as a single create or edit (:mod:`workflow.rules`). All rows or none.

Examples (ckanapi)::

    ckan.action.satudata_item_import(cycle_id=2027, upload=open("daftar.xlsx", "rb"))
    ckan.action.satudata_item_carry_over(cycle_id=2027, from_tahun=2026)
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.model.types import make_uuid
from ckan.types import Context, DataDict
from sqlalchemy.exc import IntegrityError

from ckanext.satudata_planning import config, sop, spreadsheet
from ckanext.satudata_planning.logic import schema
from ckanext.satudata_planning.model import Cycle, Event, Item, ItemState, utcnow
from ckanext.satudata_planning.model.event import EventAction, jsonable
from ckanext.satudata_planning.model.item import SOP_COLUMNS
from ckanext.satudata_planning.sop import Actor
from ckanext.satudata_planning.sop.roles import UserRoles, roles_in_context
from ckanext.satudata_planning.workflow import rules

from ._common import (
    Org,
    capped,
    commit,
    get_cycle,
    organizations,
    read_upload,
    rollback,
)
from ._common import org as org_
from .item import EDITABLE, Codes, values_of

__all__ = ["satudata_item_carry_over", "satudata_item_import"]

COMPILE = sop.COMPILE.number


def _allowed_orgs(roles: UserRoles, organization: Optional[str]) -> dict[str, Org]:
    if roles.is_(Actor.WALIDATA):
        orgs = organizations()
    else:
        orgs = organizations(roles.produsen_of)
    if organization:
        org = org_(organization)
        if org.name not in orgs:
            raise tk.NotAuthorized(
                tk._("You may not import rows for {org}").format(org=org.title)
            )
        orgs = {org.name: org}
    return orgs


@validate(schema.item_import)
def satudata_item_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import the rows of an XLSX made from the template: all rows or none.

    :param cycle_id: id or year
    :param upload: the workbook (a file upload, or bytes)
    :param organization: only rows of this organization are accepted
    :returns: ``{count, created, updated}``

    Every cell is checked (``spreadsheet.parse``); any error is a
    ``ValidationError`` on ``upload`` listing every error with its row and
    column (at most 200 lines), and nothing is written. A row whose
    ``kode_data`` exists in the cycle for the same organization updates it
    (the columns present in the file), other rows are created.
    """
    tk.check_access("satudata_item_import", context, data_dict)
    roles = roles_in_context(context)
    cycle = get_cycle(data_dict["cycle_id"], for_update=True)
    max_bytes = config.import_max_bytes()
    orgs = _allowed_orgs(roles, data_dict.get("organization"))
    raw, _name = read_upload(
        data_dict["upload"],
        max_bytes,
        tk._("Upload an Excel workbook (.xlsx) made from the template"),
    )
    parsed = spreadsheet.parse(
        raw,
        allowed_organizations={o.name: o.title for o in orgs.values()},
        max_rows=config.import_max_rows(),
        max_bytes=max_bytes,
        max_uncompressed=config.import_max_unpacked_bytes(),
    )
    if not parsed.ok:
        rollback(context)
        raise tk.ValidationError({"upload": capped(parsed.messages())})

    by_id = {o.id: o for o in orgs.values()}
    kodes = [r["kode_data"] for r in parsed.rows if r.get("kode_data")]
    existing: dict[str, Item] = {}
    if kodes:
        # locked and re-read: an edit saved meanwhile is counted in the
        # revision written below, never overwritten unseen
        existing = {
            i.kode_data: i
            for i in model.Session.execute(
                sa.select(Item)
                .where(Item.cycle_id == cycle.id, Item.kode_data.in_(kodes))
                .order_by(Item.id)
                .with_for_update(of=Item)
                .execution_options(populate_existing=True)
            ).scalars()
        }
    errors: list[str] = []
    seen: set[str] = set()
    creates: list[tuple[dict[str, Any], Org]] = []
    updates: list[tuple[dict[str, Any], Item]] = []
    for row in parsed.rows:
        line = row[spreadsheet.ROW_KEY]
        org = orgs[row["organization"]]
        kode = row.get("kode_data")
        if row.get("tahun") not in (None, cycle.tahun):
            errors.append(
                tk._("Row {row}: the year must be {tahun}").format(
                    row=line, tahun=cycle.tahun
                )
            )
        if kode and kode in seen:
            errors.append(
                tk._(
                    "Row {row}: the data code {kode} appears twice in the file"
                ).format(row=line, kode=kode)
            )
        seen.add(kode or "")
        current = existing.get(kode or "")
        if current is None:
            refusal = rules.create_refusal(roles, cycle, org.name)
            creates.append((row, org))
        elif not current.active or current.organization_id != org.id:
            refusal = tk._(
                "the data code {kode} belongs to another row of the list"
            ).format(kode=kode)
        else:
            owner = by_id.get(current.organization_id)
            refusal = rules.edit_refusal(
                roles,
                cycle,
                owner.name if owner else "",
                current.status_usulan,
                current.hasil,
            )
            updates.append((row, current))
        if refusal:
            errors.append(
                tk._("Row {row}: {message}").format(row=line, message=refusal)
            )
    if errors:
        rollback(context)
        raise tk.ValidationError({"upload": capped(errors)})

    now = utcnow()
    user_id = roles.user_id
    status_default = "tambahan" if cycle.current_step > COMPILE else "baru"
    codes = Codes(cycle) if any(not r.get("kode_data") for r, _o in creates) else None
    item_rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row, org in creates:
        values = values_of(row, EDITABLE, fill=True)
        if cycle.current_step > COMPILE or not values.get("status_usulan"):
            values["status_usulan"] = status_default
        new = {
            "id": make_uuid(),
            "cycle_id": cycle.id,
            "organization_id": org.id,
            "kode_data": row.get("kode_data") or codes.next(org.name),  # type: ignore[union-attr]
            "tahun": cycle.tahun,
            **values,
            "revision": 1,
            "state": ItemState.ACTIVE,
            "created": now,
            "modified": now,
            "created_by": user_id,
            "modified_by": user_id,
        }
        item_rows.append(new)
        after = {k: new.get(k) for k in (*SOP_COLUMNS, "organization_id")}
        events.append(
            _event_row(
                cycle.id, user_id, EventAction.ITEM_IMPORT, new["id"], None, after, now
            )
        )
    update_rows: list[dict[str, Any]] = []
    for row, item in updates:
        values = values_of(row, EDITABLE, fill=False)
        before = item.snapshot()
        change = {
            "id": item.id,
            **values,
            "revision": item.revision + 1,
            "modified": now,
            "modified_by": user_id,
            "hasil": None if item.hasil == "perbaikan" else item.hasil,
        }
        update_rows.append(change)
        after = {**before, **{k: v for k, v in change.items() if k != "id"}}
        events.append(
            _event_row(
                cycle.id, user_id, EventAction.ITEM_IMPORT, item.id, before, after, now
            )
        )
    try:
        with model.Session.begin_nested():
            if item_rows:
                model.Session.execute(sa.insert(Item), item_rows)
            # grouped by key set: one executemany each
            for group in _by_keys(update_rows).values():
                model.Session.execute(sa.update(Item), group)
            if events:
                model.Session.execute(sa.insert(Event), events)
    except IntegrityError:
        rollback(context)
        raise tk.ValidationError(
            {
                "upload": [
                    tk._(
                        "Someone else changed the list at the same time: "
                        "import the file again"
                    )
                ]
            }
        ) from None
    commit(context)
    return {
        "count": len(item_rows) + len(update_rows),
        "created": len(item_rows),
        "updated": len(update_rows),
    }


def _by_keys(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups


def _event_row(
    cycle_id: str,
    user_id: Optional[str],
    action: str,
    target: str,
    before: Optional[dict[str, Any]],
    after: Optional[dict[str, Any]],
    now: dt.datetime,
) -> dict[str, Any]:
    """An event as a row for a bulk insert (same shape as ``Event.record``)."""
    return {
        "id": make_uuid(),
        "cycle_id": cycle_id,
        "user_id": user_id,
        "timestamp": now,
        "action": action,
        "target_type": "item",
        "target_id": target,
        "before": jsonable(before) if before is not None else None,
        "after": jsonable(after) if after is not None else None,
    }


@validate(schema.item_carry_over)
def satudata_item_carry_over(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Bring last year's agreed rows (``disepakati``) into this cycle as ``lama``.

    :param cycle_id: id or year of the cycle being compiled
    :param from_tahun: the year whose agreed list is carried over
    :returns: ``{count, skipped}``: rows added, rows already in the list

    The kode_data is kept; a row whose code is already in the list (carried
    before, or proposed with that code) is not added again.
    """
    tk.check_access("satudata_item_carry_over", context, data_dict)
    roles = roles_in_context(context)
    cycle = get_cycle(data_dict["cycle_id"], for_update=True)
    source = Cycle.get(data_dict["from_tahun"])
    if source is None or source.id == cycle.id:
        rollback(context)
        raise tk.ValidationError(
            {
                "from_tahun": [
                    tk._("There is no other planning cycle for {tahun}").format(
                        tahun=data_dict["from_tahun"]
                    )
                ]
            }
        )
    present = set(
        model.Session.execute(
            sa.select(Item.kode_data).where(Item.cycle_id == cycle.id)
        ).scalars()
    )
    agreed = (
        model.Session.execute(
            sa.select(Item)
            .where(
                Item.cycle_id == source.id,
                Item.disepakati.is_(True),
                Item.state == ItemState.ACTIVE,
            )
            .order_by(Item.kode_data)
        )
        .scalars()
        .all()
    )
    now = utcnow()
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for old in agreed:
        if old.kode_data in present:
            continue
        new = {key: getattr(old, key) for key in SOP_COLUMNS}
        new.update(
            {
                "id": make_uuid(),
                "cycle_id": cycle.id,
                "organization_id": old.organization_id,
                "tahun": cycle.tahun,
                "kategori_sumber": list(old.kategori_sumber or []),
                "status_usulan": "lama",
                "revision": 1,
                "state": ItemState.ACTIVE,
                "created": now,
                "modified": now,
                "created_by": roles.user_id,
                "modified_by": roles.user_id,
            }
        )
        rows.append(new)
        after = {k: new.get(k) for k in (*SOP_COLUMNS, "organization_id")}
        after["dari_tahun"] = source.tahun
        events.append(
            _event_row(
                cycle.id,
                roles.user_id,
                EventAction.ITEM_CARRY_OVER,
                new["id"],
                None,
                after,
                now,
            )
        )
    if rows:
        model.Session.execute(sa.insert(Item), rows)
        model.Session.execute(sa.insert(Event), events)
    commit(context)
    return {"count": len(rows), "skipped": len(agreed) - len(rows)}
