"""Fixtures of the portal's public face and "Tugas saya" tests."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import pytest

from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)


def _package(item: Item) -> str:
    model.Session.expire_all()
    row = model.Session.get(Item, item.id)
    assert row is not None and row.package_id
    return row.package_id


@pytest.fixture
def provisioned(actors: Any, call_as: Any) -> dict[str, Any]:
    """2027 at step 10: two dinkes datasets (one filled and submitted, one
    empty), one of dinsos."""
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    filled, empty = agreed_rows(cycle["id"], "dinkes", 2)
    agreed_rows(cycle["id"], "dinsos", 1)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    call_as("resource_create", actors.produsen, package_id=_package(filled),
            name="Data 2027", url="http://example.com/data.csv", format="CSV")
    call_as("satudata_dataset_submit", actors.produsen, id=_package(filled))
    return {"cycle": cycle, "filled": _package(filled), "empty": _package(empty)}
