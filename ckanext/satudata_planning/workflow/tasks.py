"""The concrete things a viewer must do in a cycle, for the dashboard's
"Yang harus saya kerjakan sekarang" box and the desk: rows sent back for
revision, rows missing the metadata the desk asks for, documents waiting.

Each task: ``{"kind", "text", "count", "rows", "filters"}``; ``rows`` are up
to :data:`ROWS_SHOWN` ``{"kode_data", "nama_data"}`` to link to, ``filters``
the Daftar Data filters that list them all (the template builds the links).
Two statements at most, whatever the size of the list.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.model import Cycle, Item, ItemState
from ckanext.satudata_planning.sop.roles import Actor, UserRoles
from ckanext.satudata_planning.sop.row_fields import BY_KEY

#: what the desk pra forum asks of a row before it is approved (and the SK
#: annex prints): a row without one of these is listed for its OPD
DESK_ASKS = ("definisi", "satuan", "frekuensi", "jadwal_rilis", "kategori_sumber")
#: what the SK annex prints in its columns: the desk is warned before step 4
ANNEX_ASKS = ("jadwal_rilis", "kategori_sumber")
ROWS_SHOWN = 5
_DESK_ACTORS = (Actor.WALIDATA, Actor.SEKRETARIAT, Actor.PEMBINA)


def _blank(key: str) -> Any:
    column = getattr(Item, key)
    if key == "kategori_sumber":
        return sa.or_(column.is_(None), sa.func.cardinality(column) == 0)
    if BY_KEY[key].kind in ("text", "long_text"):
        return sa.or_(column.is_(None), sa.func.btrim(column) == "")
    return column.is_(None)


def _rows(cycle: Cycle, *where: Any) -> tuple[int, list[dict[str, str]]]:
    """How many active rows of ``cycle`` match, and the first few."""
    g = model.Group
    found = model.Session.execute(
        sa.select(Item.kode_data, Item.nama_data, sa.func.count().over())
        .join(g, g.id == Item.organization_id)
        .where(Item.cycle_id == cycle.id, Item.state == ItemState.ACTIVE, *where)
        .order_by(Item.kode_data)
        .limit(ROWS_SHOWN)
    ).all()
    count = found[0][2] if found else 0
    return count, [{"kode_data": k, "nama_data": n} for k, n, _c in found]


def _labels(keys: tuple[str, ...]) -> str:
    lang = sop.current_lang()
    return ", ".join(BY_KEY[k].label(lang) for k in keys)


def tasks(roles: UserRoles, cycle: Cycle) -> list[dict[str, Any]]:
    """The concrete tasks of ``roles`` in ``cycle`` (empty when none)."""
    if cycle.finished or roles.anonymous:
        return []
    out: list[dict[str, Any]] = []
    orgs = sorted(roles.produsen_of)
    step = cycle.current_step
    g = model.Group
    one_org = {"organization": orgs[0]} if len(orgs) == 1 else {}
    if orgs and step <= sop.DESK.number:
        count, rows = _rows(cycle, g.name.in_(orgs), Item.hasil == "perbaikan")
        if count:
            out.append({
                "kind": "revise", "count": count, "rows": rows,
                "filters": {**one_org, "hasil": "perbaikan"},
                "text": tk.ungettext(
                    "{num} row was sent back for revision by the desk: correct it "
                    "so that the desk reviews it again.",
                    "{num} rows were sent back for revision by the desk: correct "
                    "them so that the desk reviews them again.", count,
                ).format(num=count),
            })
        count, rows = _rows(
            cycle, g.name.in_(orgs),
            sa.or_(Item.hasil.is_(None), Item.hasil == "perbaikan"),
            sa.or_(*(_blank(k) for k in DESK_ASKS)),
        )
        if count:
            out.append({
                "kind": "incomplete", "count": count, "rows": rows,
                "filters": one_org,
                "text": tk.ungettext(
                    "{num} row lacks metadata the desk will ask for ({fields}).",
                    "{num} rows lack metadata the desk will ask for ({fields}).",
                    count,
                ).format(num=count, fields=_labels(DESK_ASKS)),
            })
    desk = roles.sysadmin or bool(roles.actors.intersection(_DESK_ACTORS))
    if desk and step == sop.DESK.number:
        count, rows = _rows(
            cycle, sa.or_(Item.hasil.is_(None), Item.hasil == "disetujui"),
            sa.or_(*(_blank(k) for k in ANNEX_ASKS)),
        )
        if count:
            out.append({
                "kind": "annex", "count": count, "rows": rows, "filters": {},
                "text": tk.ungettext(
                    "{num} row has no {fields}: the SK annex prints these columns; "
                    "ask for them before step 4 closes.",
                    "{num} rows have no {fields}: the SK annex prints these "
                    "columns; ask for them before step 4 closes.", count,
                ).format(num=count, fields=_labels(ANNEX_ASKS)),
            })
    return out
