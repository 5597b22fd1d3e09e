"""Test helpers: rows of the Daftar Data written straight to the session.

The cycle tests need the *outputs* of steps 1 and 4 (real gates since the
items exist) without the item actions' audit events, so they insert rows here.
"""

from __future__ import annotations

from typing import Any

import ckan.model as model
import sqlalchemy as sa
from ckan.model.types import make_uuid

from ckanext.satudata_planning.model import Item


def add_item(cycle_id: str, organization: str = "dinkes", **fields: Any) -> Item:
    """One active row of ``organization`` in the cycle (committed)."""
    org = model.Group.get(organization)
    assert org is not None
    values = {"nama_data": "Jumlah Puskesmas", "kategori_sumber": [], **fields}
    item = Item(
        id=make_uuid(),
        cycle_id=cycle_id,
        organization_id=org.id,
        kode_data=values.pop("kode_data", "T-" + make_uuid()[:8]),
        revision=1,
        state="active",
        **values,
    )
    model.Session.add(item)
    model.Session.commit()
    return item


def review_all(cycle_id: str, hasil: str = "disetujui") -> None:
    """Give every row of the cycle a desk result (committed)."""
    model.Session.execute(
        sa.update(Item).where(Item.cycle_id == cycle_id).values(hasil=hasil)
    )
    model.Session.commit()
