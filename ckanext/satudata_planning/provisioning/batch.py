"""Step 10, one batch: its rows' datasets made or updated through CKAN's
public actions, in the batch's one transaction.

For each row, in code order:

* **a new dataset**: ``package_create`` with ``defer_commit`` and
  ``return_id_only`` (CKAN's own validation, save, hooks and signals: the
  activity plugin records its "new package" activity through its usual
  subscriber);
* **an existing dataset** (the row changed since, or its link was lost):
  ``package_update`` with the row's fields laid over the dataset's
  ``package_show`` (what ``package_patch`` does, given the shown dict as
  ``original_package`` so that it is not shown twice): the OPD's resources
  and other fields stay;
* then CKAN's own index call for it (``ckan.logic.index_update_package``, the
  ``package_show`` both schemas that ``package_create`` indexes when it
  commits itself): with ``defer_commit`` the actions leave the index to the
  caller. On the PostgreSQL search backend the index row is written in the
  same transaction; on Solr it is sent at once, as ``package_create`` does.
  A new dataset is indexed from the plugin's ``after_dataset_create`` hook
  (:func:`index_in_action`, asked for by :data:`INDEX_IN_ACTION` in the
  context), so that the activity plugin's ``package_show``, which runs when
  ``package_create`` returns, reads the indexed copy as it does after a
  committed ``package_create`` instead of dictizing the dataset once more.

Each row runs in its own SAVEPOINT (``Session.begin_nested()``): a row that a
plugin's hook refuses, or that a database constraint stops, is rolled back
alone, reported with its errors, and the rest of the batch goes on.
``package_create`` and ``package_update`` answer a validation error of their
own with ``Session.rollback()``, which in SQLAlchemy 2 rolls back the whole
transaction, savepoints included: :class:`RowFailed` then tells the runner
to roll back, leave that row out and do the batch again, this time with
``check``: every row is first validated as the action will
(:func:`validation_errors`, no write, no rollback), so that the batch's other
invalid rows fail alone. A batch without invalid rows is validated once
(the action's own validation); one with some costs one attempt more.

Two things of CKAN 2.12 with ``defer_commit`` this relies on (held by tests):

* ``package_update`` without ``return_id_only`` rolls its own savepoint back
  (its change is lost): it is always called with ``return_id_only``;
* ``package_update`` marks a dataset as changed
  (``context["changed_entities"]``, what the activity plugin's subscriber
  reads to record "changed package") only when it commits itself: the batch
  sets it when the row's revision differs from the dataset's, the one case
  in which the row's fields change the dataset.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ckanext.satudata_planning.model import Item

from . import plan


class RowFailed(Exception):
    """An action rolled back the batch's whole transaction because of this
    row: the runner does the batch again without it."""

    def __init__(self, item_id: str, kode: str, errors: Any) -> None:
        super().__init__(item_id)
        self.item_id, self.kode, self.errors = item_id, kode, errors


@dataclass
class Batch:
    """What one batch did (not yet committed when :func:`run_batch` returns).

    ``created`` / ``updated``: ``(item, package_id)`` of every dataset made
    or updated; ``errors``: ``{item_id, kode_data, errors}`` of the rows left
    out (CKAN's error dict, its messages in the run's language)."""

    created: list[tuple[Item, str]] = field(default_factory=list)
    updated: list[tuple[Item, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[Item, str]]:
        return [*self.created, *self.updated]

    def fail(self, item: Item, errors: Any) -> None:
        self.errors.append(
            {"item_id": item.id, "kode_data": item.kode_data, "errors": errors}
        )


def validation_errors(
    action: str, data: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    """The errors ``action`` (``package_create`` or ``package_update``) would
    find in ``data``: the same call of ``plugin_validate`` with the package
    type's schema, on copies (nothing is written, nothing rolled back)."""
    from ckan.lib import plugins as lib_plugins

    plugin = lib_plugins.lookup_package_plugin(data.get("type"))
    schema = (
        plugin.create_package_schema()
        if action == "package_create"
        else plugin.update_package_schema()
    )
    _data, errors = lib_plugins.plugin_validate(
        plugin, dict(context), copy.deepcopy(data), schema, action
    )
    return errors


def _row(item: Item, batch: Batch, call: Any) -> Optional[str]:
    """``call()`` (the action and the index) in a savepoint: the dataset's id,
    or None when the row failed alone (its errors are in ``batch``)."""
    try:
        with model.Session.begin_nested():
            return call()
    except tk.ValidationError as e:
        if not model.Session().in_transaction():  # rolled back to the start
            raise RowFailed(item.id, item.kode_data, e.error_dict) from None
        batch.fail(item, e.error_dict)
    except sa.exc.IntegrityError as e:  # a constraint of the database
        reason = str(e.orig).splitlines()[0] if e.orig else type(e).__name__
        batch.fail(
            item,
            {
                "database": [
                    tk._("The database refused this row: {reason}").format(
                        reason=reason
                    )
                ]
            },
        )
    return None


INDEX_IN_ACTION = "satudata_index_in_action"


def index_in_action(context: dict[str, Any], package_id: str) -> None:
    """Index the dataset now if step 10 asked for it (see the module doc)."""
    if context.get(INDEX_IN_ACTION):
        _index(package_id)


def _index(package_id: str) -> None:
    """CKAN's index call for the dataset, as it stands in the transaction.

    Its extras are read back first, so that their order (PostgreSQL's, in the
    JSONB column) and with it the index row are what a later
    ``search-index rebuild`` stores."""
    from ckan import logic

    model.Session.flush()
    package = model.Session.get(model.Package, package_id)
    if package is not None:
        model.Session.expire(package, ["extras"])
    logic.index_update_package(
        {"ignore_auth": True},  # type: ignore[arg-type]
        package_id,
        defer_commit=True,
    )


def create(
    item: Item,
    data: dict[str, Any],
    context: dict[str, Any],
    batch: Batch,
    check: bool = False,
) -> Optional[str]:
    """A new dataset for the row by ``package_create``; its id or None.
    ``check``: validate first (see the module doc)."""
    errors = validation_errors("package_create", data, context) if check else None
    if errors:
        batch.fail(item, errors)
        return None

    def call() -> str:
        return tk.get_action("package_create")(
            {**context, INDEX_IN_ACTION: True}, dict(data)
        )

    package_id = _row(item, batch, call)
    if package_id:
        batch.created.append((item, package_id))
    return package_id


def update(
    item: Item,
    package_id: str,
    data: dict[str, Any],
    context: dict[str, Any],
    batch: Batch,
    check: bool = False,
) -> Optional[str]:
    """The row's fields laid over its dataset by ``package_update``.
    ``check``: validate first (see the module doc)."""
    show = {
        "user": context["user"],
        "auth_user_obj": context.get("auth_user_obj"),
        "ignore_auth": True,
        "for_update": True,
    }
    original = tk.get_action("package_show")(show, {"id": package_id})
    patched = {**original, **data, "id": original["id"]}
    patched.pop("metadata_modified", None)
    if check:
        package = model.Session.get(model.Package, package_id)
        # package_update validates the dataset without its unchanged resources
        errors = validation_errors(
            "package_update",
            {**patched, "resources": []},
            {**context, "package": package},
        )
        if errors:
            batch.fail(item, errors)
            return None
    ctx = {**context, "original_package": original}
    if original.get(plan.REVISION_KEY) != data[plan.REVISION_KEY]:
        ctx["changed_entities"] = {"packages": {original["id"]}}

    def call() -> str:
        tk.get_action("package_update")(ctx, patched)
        _index(original["id"])
        return original["id"]

    done = _row(item, batch, call)
    if done:
        batch.updated.append((item, done))
    return done


_LINK = sa.text(
    f"UPDATE {Item.__table__.name} AS i SET package_id = v.package_id "  # noqa: S608
    "FROM unnest(CAST(:ids AS text[]), CAST(:package_ids AS text[])) "
    "AS v(id, package_id) WHERE i.id = v.id"
)


def link(links: list[tuple[Item, str]]) -> None:
    """Record each row's dataset (``item.package_id``) in one UPDATE.

    Assigning the attributes would make the flush send one UPDATE per row;
    the rows' objects are given the value as already stored.
    """
    changed = [(i, p) for i, p in links if i.package_id != p]
    if not changed:
        return
    model.Session.execute(
        _LINK,
        {
            "ids": [item.id for item, _p in changed],
            "package_ids": [package_id for _i, package_id in changed],
        },
    )
    for item, package_id in changed:
        set_committed_value(item, "package_id", package_id)


def run_batch(
    ids: Sequence[str],
    *,
    user: str,
    tahun: int,
    fields: Sequence[str],
    private: bool,
    cycle_id: str,
    first: Optional[dict[str, str]] = None,
    check: bool = False,
) -> Batch:
    """Create or update the datasets of the rows ``ids`` in the open
    transaction (the caller commits, once).

    ``first``: :func:`plan.first_by_name` of the cycle (read here when not
    given); ``check``: validate each row before its action. Raises
    :class:`RowFailed` when an action rolled the transaction back.
    """
    items = list(
        model.Session.execute(
            sa.select(Item)
            .where(Item.id.in_(list(ids)))
            .order_by(Item.kode_data)
            .execution_options(populate_existing=True)
        ).scalars()
    )
    nomor_sk = plan.sk_number(cycle_id)
    live = set(
        model.Session.execute(
            sa.select(model.Package.id).where(
                model.Package.id.in_([i.package_id for i in items if i.package_id]),
                model.Package.state != "deleted",
            )
        ).scalars()
    )
    by_item = plan.existing_by_item([i.id for i in items if i.package_id not in live])
    wanted = {i.id: plan.slug(i.kode_data, i.tahun or tahun) for i in items}
    if first is None:
        first = plan.first_by_name(cycle_id, tahun)
    taken = plan.taken_names(
        [*wanted.values(), *(plan.suffixed(n, i) for i, n in wanted.items())]
    )
    context = {
        "model": model,
        "session": model.Session,
        "user": user,
        # check_access looks the user up once per context otherwise
        "auth_user_obj": model.User.get(user),
        "__auth_user_obj_checked": True,
        "ignore_auth": True,
        "defer_commit": True,
        "return_id_only": True,
    }
    batch = Batch()
    for item in items:
        data = plan.dataset_dict(item, fields=fields, nomor_sk=nomor_sk, tahun=tahun)
        package_id = (
            item.package_id if item.package_id in live else by_item.get(item.id)
        )
        if package_id:
            update(item, package_id, data, context, batch, check)
            continue
        name = plan.dataset_name(item.id, wanted[item.id], first, taken)
        taken.add(name)
        create(
            item,
            {**data, "name": name, "private": private, "type": "dataset"},
            context,
            batch,
            check,
        )
    link(batch.rows)
    model.Session.flush()
    return batch
