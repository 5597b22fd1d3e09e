"""Step 10, what is to be done: which agreed rows need a dataset made or
updated, the dataset's name and its metadata from the row.

* **Which rows.** An agreed row (``disepakati`` true, active) without a live
  dataset, or whose dataset records an older ``revision`` of the row
  (:data:`REVISION_KEY`), is pending (:func:`pending_query`).
* **Found again by the row.** A row's dataset is ``item.package_id``, or else
  the live dataset whose :data:`ITEM_KEY` extra is the row's id (a JSONB
  query on ``package.extras``, :func:`existing_by_item`): a batch committed
  by a run whose row update was lost is not created twice.
* **A name per row, whatever its code.** The dataset's name comes from the
  code (:func:`slug`); codes that differ only in punctuation, case or accents
  (``01/DINKES/001``, ``01.DINKES.001``) make the same name. Of the cycle's
  agreed rows that make one name, the first in code order gets it (when it is
  free), the others have their row id's first characters added
  (:func:`dataset_name`): which row gets which does not depend on the order a
  run meets the rows in. A name is chosen once, when the dataset is made;
  re-runs find the dataset by its row, never by its name.
* **Removed rows are reported, not deleted** (:func:`removed`): a dataset may
  already hold an OPD's data; deleting it is a person's decision.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa

from ckanext.satudata_planning.model import Item, ItemState
from ckanext.satudata_planning.model.item import SOP_COLUMNS

#: the extra that records which revision of the row the dataset was made from
REVISION_KEY = "satudata_item_revision"
#: the extra that names the dataset's row
ITEM_KEY = "satudata_item_id"


def _agreed(cycle_id: str) -> list[Any]:
    return [
        Item.cycle_id == cycle_id,
        Item.state == ItemState.ACTIVE,
        Item.disepakati.is_(True),
    ]


def pending_query(cycle_id: str) -> sa.Select[Any]:
    """Agreed rows without a live dataset, or whose dataset is older than the row."""
    p = model.Package
    recorded = p.extras[REVISION_KEY].astext
    return (
        sa.select(Item.id)
        .outerjoin(p, sa.and_(p.id == Item.package_id, p.state != "deleted"))
        .where(
            *_agreed(cycle_id),
            sa.or_(
                p.id.is_(None),
                recorded.is_(None),
                recorded != sa.cast(Item.revision, sa.UnicodeText),
            ),
        )
        .order_by(Item.organization_id, Item.kode_data)
    )


def pending_count(cycle_id: str) -> int:
    sub = pending_query(cycle_id).order_by(None).subquery()
    return model.Session.execute(
        sa.select(sa.func.count()).select_from(sub)
    ).scalar_one()


def removed(cycle_id: str) -> list[dict[str, Any]]:
    """Rows that have a dataset but are no longer on the agreed list (one query)."""
    p, g = model.Package, model.Group
    rows = model.Session.execute(
        sa.select(
            Item.id,
            Item.kode_data,
            Item.nama_data,
            Item.state,
            Item.disepakati,
            Item.package_id,
            p.name,
            p.state,
            g.name,
        )
        .join(g, g.id == Item.organization_id)
        .outerjoin(p, p.id == Item.package_id)
        .where(
            Item.cycle_id == cycle_id,
            Item.package_id.is_not(None),
            sa.or_(Item.state != ItemState.ACTIVE, Item.disepakati.is_not(True)),
        )
        .order_by(g.name, Item.kode_data)
    ).all()
    return [
        {
            "item_id": r[0],
            "kode_data": r[1],
            "nama_data": r[2],
            "alasan": "dihapus" if r[3] != ItemState.ACTIVE else "tidak_disepakati",
            "package_id": r[5],
            "package_name": r[6],
            "package_state": r[7],
            "organization": r[8],
        }
        for r in rows
    ]


def missing_datasets(cycle_id: str) -> int:
    """Agreed rows without a live dataset (gate 10)."""
    p = model.Package
    return model.Session.execute(
        sa.select(sa.func.count(Item.id))
        .outerjoin(p, sa.and_(p.id == Item.package_id, p.state == "active"))
        .where(*_agreed(cycle_id), p.id.is_(None))
    ).scalar_one()


# --- building the dataset dicts ----------------------------------------------------


def dataset_fields() -> tuple[str, ...]:
    """The row's SOP fields that the dataset schema has (read from scheming)."""
    from ckanext.scheming.helpers import scheming_get_dataset_schema

    schema = scheming_get_dataset_schema("dataset") or {}
    names = {f["field_name"] for f in schema.get("dataset_fields", [])}
    return tuple(k for k in SOP_COLUMNS if k in names)


def sk_number(cycle_id: str) -> Optional[str]:
    """The SK's number, or None (no document module, table or row yet)."""
    try:
        from ckanext.satudata_planning.model.document import Document
    except ImportError:
        return None
    try:
        with model.Session.begin_nested():
            return (
                model.Session.execute(
                    sa.select(Document.nomor).where(
                        Document.cycle_id == cycle_id, Document.jenis == "sk"
                    )
                )
                .scalars()
                .first()
            )
    except sa.exc.SQLAlchemyError:
        return None


def slug(kode: str, tahun: Optional[int]) -> str:
    """A dataset name from the kode_data; the year is added when the code
    lacks it (kode_data is kept across years, a dataset per year). Accents
    are dropped rather than the letters (``é`` → ``e``); any other run of
    characters a name cannot hold becomes one "-", so several codes can make
    one name (:func:`dataset_name` tells their datasets apart).

    >>> slug("2027-DINKES-001", 2027), slug("1.02/Dinkés/7", 2027)
    ('2027-dinkes-001', '2027-1-02-dinkes-7')
    """
    ascii_ = unicodedata.normalize("NFKD", kode).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9_-]+", "-", ascii_.lower()).strip("-_") or "data"
    if tahun and not name.startswith(f"{tahun}-"):
        name = f"{tahun}-{name}"
    return name[:90]


def first_by_name(cycle_id: str, tahun: int) -> dict[str, str]:
    """``{name: item id}``: for each name the cycle's agreed rows make with
    :func:`slug`, the row that may have it bare, the first by ``kode_data``
    in code-point order (then id), as Python compares, not the database's
    collation. One query over the cycle's agreed rows."""
    rows = model.Session.execute(
        sa.select(Item.kode_data, Item.id, Item.tahun).where(*_agreed(cycle_id))
    ).all()
    first: dict[str, tuple[str, str]] = {}
    for kode, item_id, year in rows:
        name = slug(kode, year or tahun)
        if name not in first or (kode, item_id) < first[name]:
            first[name] = (kode, item_id)
    return {name: item_id for name, (_kode, item_id) in first.items()}


def suffixed(name: str, item_id: str, n: int = 1) -> str:
    """``name`` with the row id's first characters (then ``-n``): at most
    100 characters, CKAN's limit."""
    base = f"{name[:80]}-{item_id[:8]}"
    return base if n == 1 else f"{base}-{n}"


def dataset_name(
    item_id: str, wanted: str, first: dict[str, str], taken: set[str]
) -> str:
    """The name of a new dataset for the row: ``wanted`` when the row is the
    first to make it (:func:`first_by_name`) and no dataset has it, else
    ``wanted-<id[:8]>``, else ``wanted-<id[:8]>-2``, … (a deleted dataset
    keeps its name, so a row whose dataset was deleted needs the next one).

    ``taken`` holds the names known to be used (every state); the
    numbered names, rarely needed, are looked up here.
    """
    if first.get(wanted, item_id) == item_id and wanted not in taken:
        return wanted
    for n in itertools.count(1):
        name = suffixed(wanted, item_id, n)
        if name in taken:
            continue
        if n == 1 or not taken_names([name]):
            return name
        taken.add(name)
    raise AssertionError("unreachable")  # pragma: no cover


def _text(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def dataset_dict(
    item: Item, *, fields: Sequence[str], nomor_sk: Optional[str], tahun: int
) -> dict[str, Any]:
    """The dataset's metadata from the row (vocabulary slugs as they are)."""
    data: dict[str, Any] = {}
    for key in fields:
        value = getattr(item, key)
        if value is None or value == "" or value == []:
            continue
        data[key] = list(value) if key == "kategori_sumber" else _text(value)
    data["tahun"] = item.tahun or tahun
    notes = [t.strip() for t in (item.definisi, item.konsep) if t and t.strip()]
    data.update(
        {
            "title": item.nama_data[:500],
            "notes": "\n\n".join(notes),
            "owner_org": item.organization_id,
            ITEM_KEY: item.id,
            REVISION_KEY: str(item.revision),
        }
    )
    if nomor_sk:
        data["nomor_sk"] = nomor_sk
    return data


def existing_by_item(item_ids: Sequence[str]) -> dict[str, str]:
    """``{item id: package id}`` of live datasets that name these rows."""
    p = model.Package
    rows = model.Session.execute(
        sa.select(p.extras[ITEM_KEY].astext, p.id).where(
            p.extras[ITEM_KEY].astext.in_(list(item_ids)), p.state != "deleted"
        )
    ).all()
    return {r[0]: r[1] for r in rows}


def taken_names(names: Sequence[str]) -> set[str]:
    p = model.Package
    return set(
        model.Session.execute(
            sa.select(p.name).where(p.name.in_(list(names)))
        ).scalars()
    )

