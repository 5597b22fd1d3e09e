"""Test helpers for step 10: a cycle at step 10 with agreed rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import sqlalchemy as sa
from ckan.tests import helpers

from ckanext.satudata_planning.model import Cycle, Item
from ckanext.satudata_planning.tests.items import add_item

SK_NUMBER = "500.14.1/12/2026"


def cycle_at_step_10(walidata: dict[str, Any], tahun: int = 2027) -> dict[str, Any]:
    """A cycle moved straight to step 10 (the earlier steps have their own tests)."""
    cycle = helpers.call_action(
        "satudata_cycle_create", context={"user": walidata["name"]}, tahun=tahun
    )
    model.Session.execute(
        sa.update(Cycle)
        .where(Cycle.id == cycle["id"])
        .values(current_step=10, published=True)
    )
    model.Session.commit()
    return cycle


def add_sk(cycle_id: str, nomor: str = SK_NUMBER) -> None:
    """The cycle's SK with its number (a Document row; the document actions
    have their own tests)."""
    from ckanext.satudata_planning.model.document import Document

    model.Session.add(
        Document(
            cycle_id=cycle_id, jenis="sk", nomor=nomor, tanggal=dt.date(2026, 12, 1)
        )
    )
    model.Session.commit()


def agreed_rows(
    cycle_id: str,
    organization: str,
    n: int,
    *,
    tahun: int = 2027,
    prefix: str | None = None,
    **fields: Any,
) -> list[Item]:
    """``n`` agreed rows of ``organization`` with typical metadata."""
    prefix = prefix or f"{tahun}-{organization.upper()}"
    rows = []
    for i in range(1, n + 1):
        values = {
            "kode_data": f"{prefix}-{i:03d}",
            "tahun": tahun,
            "nama_data": f"Data {organization} nomor {i}",
            "jenis_data": "statistik_sektoral",
            "frekuensi": "tahunan",
            "tingkat_penyajian": "kecamatan",
            "satuan": "orang",
            "definisi": f"Definisi data {i}",
            "konsep": "Konsep baku",
            "kategori_sumber": ["sdgs"],
            "jadwal_rilis": dt.date(tahun, 3, 31),
            "hasil": "disetujui",
            "disepakati": True,
        }
        values.update(fields)
        rows.append(add_item(cycle_id, organization, **values))
    return rows


def datasets_of(item_id: str) -> int:
    """How many live datasets name ``item_id`` (duplicates show up here)."""
    p = model.Package
    return model.Session.execute(
        sa.select(sa.func.count(p.id)).where(
            p.extras["satudata_item_id"].astext == item_id, p.state != "deleted"
        )
    ).scalar_one()


def dataset_counts(cycle_id: str) -> dict[str, int]:
    """``{item id: number of datasets}`` for the cycle's rows (one query)."""
    p = model.Package
    rows = model.Session.execute(
        sa.select(Item.id, sa.func.count(p.id))
        .outerjoin(
            p,
            sa.and_(
                p.extras["satudata_item_id"].astext == Item.id, p.state != "deleted"
            ),
        )
        .where(Item.cycle_id == cycle_id)
        .group_by(Item.id)
    ).all()
    return dict(rows)
