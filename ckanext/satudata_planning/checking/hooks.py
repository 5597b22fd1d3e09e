"""A change to a provisioned dataset's data moves its checking along.

* Resources (added, changed, deleted; through the API, the forms or a
  script) all pass ``package_update``: its ``after_dataset_update`` hook runs
  inside the same transaction, so the new status and its audit event are
  committed with the change itself, or not at all.
* DataStore tables (``datastore_create`` with records, ``datastore_upsert``,
  ``datastore_delete``, ``datastore_records_delete``; Table Designer's forms
  call them too) are written in the DataStore's own database: these actions
  are chained, and once the write succeeded the dataset's status moves and
  is committed on its own. They are registered only when the ``datastore``
  plugin is loaded (:func:`datastore_actions`).

What moves how is :func:`workflow.checking.data_changed`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Optional

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ckanext.satudata_planning.workflow import checking

log = logging.getLogger(__name__)


def _user_id(context: Context) -> Optional[str]:
    user = context.get("auth_user_obj")
    if isinstance(user, model.User):
        return user.id
    name = context.get("user")
    found = model.User.get(name) if name else None
    return found.id if found else None


def after_dataset_update(context: Context, data: dict[str, Any]) -> None:
    """``IPackageController.after_dataset_update``: inside ``package_update``'s
    transaction, before its commit."""
    if not data.get(checking.ITEM_KEY) or not data.get("id"):
        return  # not a dataset of the Daftar Data: no query
    checking.data_changed(data["id"], user_id=_user_id(context))


def _table_written(context: Context, resource_id: Any) -> None:
    resource = model.Resource.get(resource_id) if isinstance(resource_id, str) else None
    if resource is None or not resource.package_id:
        return
    if checking.data_changed(resource.package_id, user_id=_user_id(context),
                             table=True) and not context.get("defer_commit"):
        model.Session.commit()


def _chained(name: str, wrote: Callable[[DataDict], bool]) -> Action:
    def action(up: Action, context: Context, data_dict: DataDict) -> Any:
        result = up(context, data_dict)
        if wrote(data_dict):
            resource_id = data_dict.get("resource_id") or (
                result.get("resource_id") if isinstance(result, dict) else None)
            try:
                _table_written(context, resource_id)
            except Exception:  # the data is written: its status must not undo it
                model.Session.rollback()
                log.exception("checking status of resource %s not updated",
                              resource_id)
        return result

    action.__name__ = name
    action.__doc__ = f"CKAN's ``{name}``; then the dataset's checking follows."
    return tk.chained_action(action)


def datastore_actions() -> dict[str, Action]:
    """The chained DataStore actions, when the ``datastore`` plugin is loaded."""
    if not plugins.plugin_loaded("datastore"):
        return {}
    return {
        "datastore_create": _chained(
            "datastore_create", lambda d: bool(d.get("records"))),
        "datastore_upsert": _chained(
            "datastore_upsert", lambda d: not tk.asbool(d.get("dry_run", False))),
        "datastore_delete": _chained("datastore_delete", lambda d: True),
        "datastore_records_delete": _chained(
            "datastore_records_delete", lambda d: True),
    }
