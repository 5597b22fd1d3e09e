"""The gates: what must exist before a step of the cycle can be completed.

``sop`` names each step's condition (:class:`~sop.Gate`, with its text); this
module checks it, in one table (:data:`CHECKS`). A check is a function
``check(cycle) -> list[str]`` returning what is still missing, as messages
for people (translated when the check runs); an empty list opens the gate.
``satudata_step_complete`` refuses with a ``ValidationError`` on ``step``
listing these messages. A check reads the session, never writes or commits.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.satudata_planning import provisioning, sop
from ckanext.satudata_planning.model import Cycle, Document, Item, ItemState
from ckanext.satudata_planning.sop import Gate
from ckanext.satudata_planning.sop.documents import kind

GateCheck = Callable[[Cycle], "list[str]"]


def at_least_one_item(cycle: Cycle) -> list[str]:
    """Step 1: the draft list has at least one (active) row."""
    found = model.Session.execute(
        sa.select(Item.id)
        .where(Item.cycle_id == cycle.id, Item.state == ItemState.ACTIVE)
        .limit(1)
    ).first()
    if found:
        return []
    return [tk._("The data list has no items yet: add at least one item")]


def every_item_reviewed(cycle: Cycle) -> list[str]:
    """Step 4: every row has a desk result and no revision (perbaikan) is open."""
    g = model.Group
    rows = model.Session.execute(
        sa.select(
            sa.func.coalesce(g.title, g.name).label("org"),
            sa.func.count().filter(Item.hasil.is_(None)).label("belum"),
            sa.func.count().filter(Item.hasil == "perbaikan").label("perbaikan"),
        )
        .join(g, g.id == Item.organization_id)
        .where(
            Item.cycle_id == cycle.id,
            Item.state == ItemState.ACTIVE,
            sa.or_(Item.hasil.is_(None), Item.hasil == "perbaikan"),
        )
        .group_by(g.title, g.name)
        .order_by(sa.func.coalesce(g.title, g.name))
    ).all()
    messages = []
    for org, belum, perbaikan in rows:
        if belum:
            messages.append(
                tk._("{org}: {count} item(s) not reviewed yet").format(
                    org=org, count=belum
                )
            )
        if perbaikan:
            messages.append(
                tk._(
                    "{org}: {count} item(s) sent back for revision (perbaikan) "
                    "and not yet revised"
                ).format(org=org, count=perbaikan)
            )
    return messages


def _document_missing(cycle: Cycle, jenis: str, *, signed: bool = False) -> list[str]:
    doc = Document.get(cycle.id, jenis)
    label = kind(jenis).name.get(sop.current_lang())
    missing = []
    if doc is None or not doc.nomor:
        missing.append(tk._("{document} has no number").format(document=label))
    if doc is None or not doc.tanggal:
        missing.append(tk._("{document} has no date").format(document=label))
    if signed and (doc is None or not doc.file):
        missing.append(
            tk._("{document} has no signed PDF uploaded").format(document=label)
        )
    return missing


def ba_desk_written(cycle: Cycle) -> list[str]:
    """Step 5: the desk minutes have a number and a date."""
    return _document_missing(cycle, "ba_desk")


def every_approved_item_decided(cycle: Cycle) -> list[str]:
    """Step 6: every row approved at the desk has the forum's decision."""
    g = model.Group
    rows = model.Session.execute(
        sa.select(sa.func.coalesce(g.title, g.name), sa.func.count())
        .select_from(Item)
        .join(g, g.id == Item.organization_id)
        .where(
            Item.cycle_id == cycle.id,
            Item.state == ItemState.ACTIVE,
            Item.hasil == "disetujui",
            Item.disepakati.is_(None),
        )
        .group_by(g.title, g.name)
        .order_by(sa.func.coalesce(g.title, g.name))
    ).all()
    return [
        tk._("{org}: {count} approved item(s) without a forum decision").format(
            org=org, count=count
        )
        for org, count in rows
    ]


def ba_forum_written(cycle: Cycle) -> list[str]:
    """Step 7: the forum minutes have a number and a date."""
    return _document_missing(cycle, "ba_forum")


def sk_signed(cycle: Cycle) -> list[str]:
    """Step 8: the SK has a number, a date and its signed PDF."""
    return _document_missing(cycle, "sk", signed=True)


def nothing_required(cycle: Cycle) -> list[str]:
    """Steps 2 and 3 have no condition."""
    return []


def sk_published(cycle: Cycle) -> list[str]:
    """Step 9: the SK and the agreed list are published (``satudata_sk_publish``)."""
    if cycle.published:
        return []
    return [tk._("The decree (SK) has not been published yet")]


def every_agreed_item_has_dataset(cycle: Cycle) -> list[str]:
    """Step 10's output: every agreed row has its (live) dataset."""
    missing = provisioning.missing_datasets(cycle.id)
    if not missing:
        return []
    return [
        tk._(
            "{count} agreed rows do not have their dataset yet: run the "
            "provisioning (Portal)"
        ).format(count=missing)
    ]



#: every gate's check, by the name the SOP gives it
CHECKS: dict[Gate, GateCheck] = {
    Gate.HAS_ITEMS: at_least_one_item,
    Gate.NONE: nothing_required,
    Gate.ALL_REVIEWED: every_item_reviewed,
    Gate.BA_DESK: ba_desk_written,
    Gate.ALL_DECIDED: every_approved_item_decided,
    Gate.BA_FORUM: ba_forum_written,
    Gate.SK_SIGNED: sk_signed,
    Gate.SK_PUBLISHED: sk_published,
    Gate.ALL_PROVISIONED: every_agreed_item_has_dataset,
}
_OVERRIDES: dict[int, GateCheck] = {}


def check_of(number: int) -> GateCheck:
    """The check of step ``number``'s gate."""
    return _OVERRIDES.get(number) or CHECKS[sop.step(number).gate]


def missing(cycle: Cycle, number: int) -> list[str]:
    """What step ``number`` of ``cycle`` still lacks (empty: it may be completed)."""
    return list(check_of(number)(cycle))


@contextlib.contextmanager
def override(number: int, check: GateCheck) -> Iterator[None]:
    """Use ``check`` for step ``number`` inside the ``with`` block (tests)."""
    _OVERRIDES[number] = check
    try:
        yield
    finally:
        _OVERRIDES.pop(number, None)
