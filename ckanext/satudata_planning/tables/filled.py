"""Is a dataset's data table filled? At least one record for its row's year.

The DataStore lives in its own database, so the answer is kept on the
resource (extra ``satudata_filled``, true or false), refreshed after every
write to the table (:func:`refresh`, called by the chained DataStore
actions); :func:`workflow.checking.has_data_sql` reads it in SQL. A table
that was never written is not filled.
"""
from __future__ import annotations

import logging
from typing import Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.satudata_planning.model import Item

log = logging.getLogger(__name__)

KEY = "satudata_filled"
TABLE_URL_TYPE = "tabledesigner"


def _year(package_id: str) -> Optional[int]:
    p = model.Package
    linked = sa.and_(Item.package_id == p.id,
                     Item.id == p.extras["satudata_item_id"].astext)
    return model.Session.execute(
        sa.select(Item.tahun).join(p, linked).where(p.id == package_id).limit(1)
    ).scalar()


def count_for_year(resource_id: str, tahun: Optional[int]) -> int:
    """Records of the table for ``tahun`` (all records when it is not known)."""
    data: dict[str, object] = {"resource_id": resource_id, "limit": 0,
                               "include_total": True}
    if tahun:
        data["filters"] = {"tahun": tahun}
    return tk.get_action("datastore_search")({"ignore_auth": True}, data)["total"]


def refresh(resource_id: object) -> Optional[bool]:
    """Recompute the flag of a Table Designer resource after a write (its new
    value; ``None`` for another resource). Committed when it changed."""
    if not isinstance(resource_id, str):
        return None
    resource = model.Session.get(model.Resource, resource_id)
    if resource is None or resource.url_type != TABLE_URL_TYPE:
        return None
    try:
        filled = count_for_year(resource_id, _year(resource.package_id)) > 0
    except (tk.ObjectNotFound, tk.ValidationError):
        filled = False  # the table itself was deleted
    extras = dict(resource.extras or {})
    if extras.get(KEY) is not filled:
        extras[KEY] = filled
        resource.extras = extras
        model.Session.commit()
    return filled
