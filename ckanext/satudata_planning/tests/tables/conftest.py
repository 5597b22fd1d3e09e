"""Fixtures of the data-table tests: an emptied DataStore and a provisioned
statistical dataset with its table (kelurahan × months, a percentage)."""
from __future__ import annotations

import io
from typing import Any

import ckan.model as model
import pytest
from openpyxl import load_workbook
from sqlalchemy import orm

from ckanext.satudata_planning import config
from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.sop import wilayah
from ckanext.satudata_planning.tables import ensure, xlsx
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)


@pytest.fixture
def clean_datastore() -> None:
    from ckanext.datastore.tests import helpers as ds

    ds.clear_db(orm.scoped_session(orm.sessionmaker(bind=ds.db.get_write_engine())))


@pytest.fixture
def dataset(actors: Any, call_as: Any) -> dict[str, Any]:
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    item = agreed_rows(cycle["id"], "dinkes", 1, tingkat_penyajian="kelurahan",
                       frekuensi="bulanan", ukuran="persentase")[0]
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    model.Session.expire_all()
    row = model.Session.get(Item, item.id)
    return {"id": row.package_id, "item": row, "cycle": cycle,
            "resource_id": ensure.table_resource_id(row.package_id)}


def template(item: Item) -> bytes:
    return xlsx.template(item, ensure.design_of(item),
                         wilayah.names(config.wilayah_kode()))


def filled(item: Item, change: dict[tuple[int, int], Any] | None = None) -> bytes:
    """The template of ``item`` with every value entered (``change``: cells
    (row, column) set after)."""
    wb = load_workbook(io.BytesIO(template(item)))
    ws = wb["Data"]
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=5, value=(r % 97) + 0.5)
    for (r, c), v in (change or {}).items():
        ws.cell(row=r, column=c, value=v)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def total(call_as: Any, actors: Any, resource_id: str) -> int:
    return call_as("datastore_search", actors.produsen, resource_id=resource_id,
                   limit=0)["total"]
