"""Step 10's fast path: a batch of new datasets made together (issue 7).

``package_create`` and a commit per dataset cost 29 statements each (its
validators, the insert, the organization member, ``package_show``'s six
queries, three for the index row, the activity subscriber's, the commit's).
:func:`create` does the same work for a whole batch, in the caller's
transaction, and :func:`index` indexes it; per dataset only the statements of
CKAN's validators are left (name taken twice, user, organization):

1. **validate** every dataset with its type's real create schema:
   ``plugin_validate`` with the IDatasetForm plugin's
   ``create_package_schema()`` (scheming's), CKAN's own validators included
   (name taken, organization, choices). A row that does not validate is
   reported and nothing of it is written; the others go on. The first
   dataset of a type goes through ``plugin_validate``; the schema it was
   validated with then validates the others, compiled (:class:`Validation`,
   :mod:`compiled_schema`: navl's algorithm with its per-call bookkeeping
   done once per key set, the same validators called in the same order).
2. **write** the ``package`` rows as ``package_dict_save`` fills them (the
   model's own ``from_dict``, ORM objects) and the organization's ``member``
   rows as ``package_owner_org_update`` adds them (:func:`_add_members`), in
   one flush (multi-row INSERTs).
3. **hooks**: ``IPackageController.create`` and ``after_dataset_create`` of
   every plugin are called, not skipped: per dataset, with the arguments
   ``package_create`` passes (the validated dict with ``id`` and
   ``creator_user_id``), after the flush as in ``package_create`` (a hook
   sees the batch's other new datasets already written). A ValidationError
   from a hook leaves that row out (:class:`RowError`).
   IDomainObjectModification observers are notified at commit as after
   ``package_create``.
4. **dictize** (:func:`index`): ``package_dictize``'s dict of each new dataset
   from the batch's reloaded rows and one query per related table for the
   whole batch, then ``package_show``'s plugin calls and both show schemas
   (``package_show_default_and_custom_schemas``), compiled as in 1; their
   errors are discarded there, so the validators that only add an error
   (the name-taken query among them) are not run. A dataset that has related
   rows (a hook added a resource, a tag, a group) and every updated dataset
   go through ``package_show`` itself.
5. **index**: CKAN's ``index_package`` builds each document, unchanged;
   ``search.index.batched_writes`` writes them in three statements.
6. **activity**: the "new package" activity the activity plugin's subscriber
   would store (its ``package_show`` dict is the custom-schema dict of 4).

The tests in ``tests/test_provision_bulk.py`` hold this to ``package_create``:
the same ``package_show`` output, index row and activity for the same row.

When it is not taken (:func:`blockers`): when a plugin replaced or chained
``package_create`` or ``package_owner_org_update``, when something other than
the activity plugin listens to ``package_create``'s ``action_succeeded``
signal, or when ``activity_create`` is not the activity plugin's own. The
caller then makes each dataset with ``package_create``. A dataset whose
validated dict has resources, tags, groups or relationships, or whose
organization is not an organization, is made with ``package_create`` too.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import logic
from ckan.lib import dictization as d
from ckan.lib import plugins as lib_plugins
from ckan.types import Context

from ckanext.satudata_planning.provisioning.compiled_schema import CompiledSchema

log = logging.getLogger(__name__)

#: keys of a validated dict that package_dict_save turns into other tables'
#: rows; a dataset with any of them is made by package_create itself
RELATED_KEYS = (
    "resources",
    "tags",
    "groups",
    "relationships_as_subject",
    "relationships_as_object",
)


#: ``timer(phase, seconds)``: where the time goes (Result.timed)
Timer = Optional[Callable[[str, float], None]]


@contextlib.contextmanager
def _phase(timer: Timer, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        if timer:
            timer(name, time.perf_counter() - started)


def _unwrapped(name: str) -> Any:
    return getattr(tk.get_action(name), "__wrapped__", None)


def _activity_receiver(receiver: Any) -> bool:
    return getattr(receiver, "__module__", "") == "ckanext.activity.subscriptions"


def blockers() -> list[str]:
    """Why the fast path may not stand in for package_create here (empty: it may)."""
    from ckan.logic.action import create, update

    found = []
    if _unwrapped("package_create") is not create.package_create:
        found.append("package_create is replaced or chained by a plugin")
    if _unwrapped("package_owner_org_update") is not update.package_owner_org_update:
        found.append("package_owner_org_update is replaced or chained by a plugin")
    receivers = tk.signals.action_succeeded.receivers_for("package_create")
    if not all(_activity_receiver(r) for r in receivers):
        found.append("another receiver of package_create's action_succeeded")
    if plugins.plugin_loaded("activity"):
        from ckanext.activity.logic import action as activity_action

        if _unwrapped("activity_create") is not activity_action.activity_create:
            found.append("activity_create is replaced or chained by a plugin")
    return found


class RowError(Exception):
    """A plugin's hook refused one dataset of the batch (a ValidationError)."""

    def __init__(self, key: str, errors: Any) -> None:
        super().__init__(key)
        self.key, self.errors = key, errors


@dataclass
class Created:
    """What :func:`create` did with a batch."""

    #: row key -> new package id
    ids: dict[str, str] = field(default_factory=dict)
    #: row key -> the validation errors of a row that was not written
    errors: dict[str, Any] = field(default_factory=dict)
    #: row keys left to package_create (related rows, not an organization)
    declined: list[str] = field(default_factory=list)


def identical(a: Any, b: Any) -> bool:
    """Equal, with the same key order and types (what the index text sees)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(identical, a, b))
    return a == b


def _compilable(plugin: Any, dataset_type: str) -> bool:
    """Whether ``plugin_validate`` with this plugin is navl with a fixed schema.

    True for a form plugin without ``validate`` (navl itself) and for
    ckanext-scheming's, which adds its fields' validators to the schema it is
    given and then calls navl, unless the type has repeating subfields (then
    it also rewrites the data and wraps the schema).
    """
    if not hasattr(plugin, "validate"):
        return True
    if type(plugin).__module__ != "ckanext.scheming.plugins":
        return False
    schemas = getattr(plugin, "_expanded_schemas", None)
    expanded = schemas.get(dataset_type) if isinstance(schemas, dict) else None
    if not expanded:
        return False
    fields = expanded.get("dataset_fields", []) + expanded.get("resource_fields", [])
    return not any("repeating_subfields" in f for f in fields)


class Validation:
    """``plugin_validate`` for a batch: per dataset type, the first dataset goes
    through ``plugin_validate`` itself; the schema it was validated with is
    then compiled (:mod:`compiled_schema`), checked to give that dataset the
    same data and errors, and used for the others. When the plugin is not
    one whose validation is navl with a fixed schema, or the check differs,
    every dataset goes through ``plugin_validate``.
    """

    def __init__(self) -> None:
        self._compiled: dict[tuple[type, str, str], Optional[CompiledSchema]] = {}

    def __call__(
        self,
        plugin: Any,
        context: Context,
        data_dict: dict[str, Any],
        make_schema: Callable[[], dict[str, Any]],
        action: str,
        *,
        with_errors: bool = True,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``plugin_validate(plugin, context, data_dict, make_schema(), action)``.

        ``with_errors=False``: the caller discards the errors (show), which
        are then not built.
        """
        dataset_type = data_dict.get("type") or ""
        key = (type(plugin), dataset_type, action)
        if key in self._compiled:
            compiled = self._compiled[key]
            if compiled is not None:
                return compiled.validate(data_dict, context, with_errors=with_errors)
            return lib_plugins.plugin_validate(
                plugin, context, data_dict, make_schema(), action
            )
        probe = copy.deepcopy(data_dict)
        probe_context: Context = dict(context)  # type: ignore[assignment]
        schema = make_schema()
        data, errors = lib_plugins.plugin_validate(
            plugin, context, data_dict, schema, action
        )
        compiled = CompiledSchema(schema) if _compilable(plugin, dataset_type) else None
        if compiled is not None:
            try:
                again, again_errors = compiled.validate(
                    probe, probe_context, with_errors=with_errors
                )
            except Exception:  # noqa: BLE001 - differing is all it tells
                again, again_errors = None, None
            same_errors = not with_errors or again_errors == errors
            if not (identical(again, data) and same_errors):
                log.warning(
                    "%s of %s datasets: compiled schema differs, validating each",
                    action,
                    dataset_type,
                )
                compiled = None
        self._compiled[key] = compiled
        return data, errors


def _context(user_obj: Optional[model.User], user: str) -> Context:
    """A package_create context, as the action wrapper fills it."""
    return {  # type: ignore[return-value]
        "model": model,
        "session": model.Session,
        "user": user,
        "auth_user_obj": user_obj,
        "__auth_user_obj_checked": True,
        "ignore_auth": True,
        "defer_commit": True,
        "return_id_only": True,
    }


def _organizations(ids: Sequence[str]) -> dict[str, model.Group]:
    rows = model.Session.execute(
        sa.select(model.Group).where(model.Group.id.in_(sorted(set(ids))))
    ).scalars()
    return {g.id: g for g in rows}


def _save(data: dict[str, Any], include_plugin_data: bool) -> model.Package:
    """``package_dict_save`` of a new dataset without related rows.

    The same ``from_dict`` on a new Package; its unique-name lookup is left to
    the validator and the database constraint (the row is new: nothing to
    find), its related-list saves have nothing to save (RELATED_KEYS empty).
    """
    data.pop("metadata_created", None)
    plugin_data = data.pop("plugin_data", None)
    if include_plugin_data:
        data["plugin_data"] = copy.deepcopy(plugin_data) if plugin_data else plugin_data
    extras = {e["key"]: e["value"] for e in data.get("extras", [])}
    pkg = model.Package()
    pkg.from_dict(dict(data, extras=extras))
    if not pkg.id:
        pkg.id = str(uuid.uuid4())
    model.Session.add(pkg)
    return pkg


def _add_members(rows: list[dict[str, Any]]) -> None:
    """The organization member rows, as package_owner_org_update adds them.

    As ORM objects when a plugin observes domain-object changes (at commit
    CKAN then notifies it of each member's package, as after
    package_create); else in one INSERT, which spares the commit one query
    per member (``Member.related_packages``) that nobody would use.
    """
    if not rows:
        return
    if list(plugins.PluginImplementations(plugins.IDomainObjectModification)):
        model.Session.add_all([model.Member(**row) for row in rows])
    else:
        model.Session.execute(sa.insert(model.member_table), rows)


def create(
    rows: Sequence[tuple[str, dict[str, Any]]], *, user: str, timer: Timer = None
) -> Created:
    """Validate and write the new datasets ``rows`` (``(key, data_dict)``).

    In the open transaction, nothing committed. Raises :class:`RowError` when
    a plugin's ``after_dataset_create`` refuses a dataset (the caller rolls
    the batch back and leaves that row out, as with package_create).
    """
    out = Created()
    if not rows:
        return out
    user_obj = model.User.by_name(user)
    base = _context(user_obj, user)
    orgs = _organizations([data.get("owner_org") or "" for _k, data in rows])
    with _phase(timer, "validate"):
        valid = _validate(rows, out, base, orgs, Validation())
    with _phase(timer, "write"):
        _write(valid, out, user_obj)
    return out


def _validate(
    rows: Sequence[tuple[str, dict[str, Any]]],
    out: Created,
    base: Context,
    orgs: dict[str, model.Group],
    validation: Validation,
) -> list[tuple[str, dict[str, Any], Context]]:
    """package_create's validation of each row; what may be written fast."""
    valid: list[tuple[str, dict[str, Any], Context]] = []
    for key, data_dict in rows:
        data_dict = dict(data_dict)
        data_dict.setdefault("type", "dataset")
        package_plugin = lib_plugins.lookup_package_plugin(data_dict["type"])
        context = dict(base)
        tk.check_access("package_create", context, data_dict)  # type: ignore
        data, errors = validation(
            package_plugin,
            context,  # type: ignore[arg-type]
            data_dict,
            package_plugin.create_package_schema,
            "package_create",
        )
        if errors:
            out.errors[key] = errors
            continue
        org = orgs.get(data.get("owner_org") or "")
        if any(data.get(k) for k in RELATED_KEYS) or not (org and org.is_organization):
            out.declined.append(key)
            continue
        valid.append((key, data, context))  # type: ignore[arg-type]
    return valid


def _write(
    valid: list[tuple[str, dict[str, Any], Context]],
    out: Created,
    user_obj: Optional[model.User],
) -> None:
    """package_dict_save, package_owner_org_update and the hooks, per batch."""
    now = dt.datetime.utcnow()
    members: list[dict[str, Any]] = []
    made: list[tuple[str, dict[str, Any], Context, model.Package]] = []
    for key, data, context in valid:
        include_plugin_data = bool(
            user_obj and user_obj.sysadmin and data.get("plugin_data")
        )
        if user_obj:
            data["creator_user_id"] = user_obj.id
        pkg = _save(data, include_plugin_data)
        data["id"] = pkg.id
        # package_create: metadata_created from the column default at its
        # flush, metadata_modified right after; here both before the flush
        pkg.metadata_created = now
        if not data.get("metadata_modified"):
            pkg.metadata_modified = now
        # package_owner_org_update of a new dataset: no member row to retire
        members.append(
            {
                "table_id": pkg.id,
                "table_name": "package",
                "capacity": "organization",
                "group_id": pkg.owner_org,
                "state": "active",
            }
        )
        made.append((key, data, context, pkg))
    _add_members(members)
    model.Session.flush()

    controllers = list(plugins.PluginImplementations(plugins.IPackageController))
    for key, data, context, pkg in made:
        try:
            for item in controllers:
                item.create(pkg)
                item.after_dataset_create(context, data)
        except tk.ValidationError as e:
            raise RowError(key, e.error_dict) from None
        out.ids[key] = pkg.id


# --- dictizing and indexing the batch -------------------------------------------


def _with_related(package_ids: Sequence[str]) -> set[str]:
    """Which of the packages have rows package_dictize would list (one query)."""
    ids = list(package_ids)
    r, pt = model.resource_table, model.package_tag_table
    m, g = model.member_table, model.group_table
    rel = model.package_relationship_table
    queries = [
        sa.select(r.c.package_id).where(r.c.package_id.in_(ids)),
        sa.select(pt.c.package_id).where(pt.c.package_id.in_(ids)),
        sa.select(m.c.table_id)
        .join(g, g.c.id == m.c.group_id)
        .where(
            m.c.table_id.in_(ids),
            m.c.state == "active",
            g.c.is_organization.is_(False),
        ),
        sa.select(rel.c.subject_package_id).where(rel.c.subject_package_id.in_(ids)),
        sa.select(rel.c.object_package_id).where(rel.c.object_package_id.in_(ids)),
    ]
    return set(model.Session.execute(sa.union(*queries)).scalars())


def _organization_dicts(owner_ids: set[str], context: Context) -> dict[str, Any]:
    """package_dictize's ``organization`` of each owner (active ones only)."""
    group = model.group_table
    rows = model.Session.execute(
        sa.select(group).where(
            group.c.id.in_(sorted(owner_ids)), group.c.state == "active"
        )
    )
    out = {}
    for row in rows:
        org = d.obj_list_dictize([row], context)[0]
        del org["extras"]
        out[row.id] = org
    return out


def dictize(pkg: model.Package, context: Context, organizations: dict[str, Any]):
    """``package_dictize(pkg, context)`` of a dataset without related rows.

    Line for line CKAN 2.12's, with the related lists known to be empty and
    the organization dict made once per batch (``organizations``).
    """
    result = d.table_dictize(pkg, context)
    if result.get("title"):
        result["title"] = result["title"].strip()
    result.pop("plugin_data", None)
    result["resources"] = []
    result["num_resources"] = 0
    result["tags"] = []
    result["num_tags"] = 0
    result["extras"] = [
        {"key": k, "value": v} for k, v in (result["extras"] or {}).items()
    ]
    context["with_capacity"] = False
    result["groups"] = []
    org = organizations.get(pkg.owner_org or "")
    result["organization"] = copy.deepcopy(org) if org else None
    result["relationships_as_subject"] = []
    result["relationships_as_object"] = []
    result["isopen"] = pkg.isopen()
    result["type"] = pkg.type or "dataset"
    if pkg.license and pkg.license.url:
        result["license_url"] = pkg.license.url
        result["license_title"] = pkg.license.title.split("::")[-1]
    elif pkg.license:
        result["license_title"] = pkg.license.title
    else:
        result["license_title"] = pkg.license_id
    result["metadata_modified"] = pkg.metadata_modified.isoformat()
    result["metadata_created"] = (
        pkg.metadata_created.isoformat() if pkg.metadata_created else None
    )
    return result


#: package_show_default_and_custom_schemas validates with ``object()``: navl
_NO_PLUGIN = object()


def _show_both(
    pkg: model.Package,
    parent: Context,
    organizations: dict[str, Any],
    validation: Validation,
    custom_is_default: dict[str, bool],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``package_show_default_and_custom_schemas`` with :func:`dictize`.

    Its two validations through ``validation`` (errors are discarded);
    whether the type's show schema is the default one is asked once per
    type (``custom_is_default``).
    """
    from ckan.logic.schema import default_show_package_schema

    context = logic.fresh_context(
        parent, ignore_auth=True, use_cache=False, validate=False
    )
    context["session"] = model.Session
    context["package"] = pkg
    tk.check_access("package_show", context, {"id": pkg.id})
    raw = dictize(pkg, context, organizations)
    for item in plugins.PluginImplementations(plugins.IPackageController):
        item.read(pkg)
    with_default, _errors = validation(
        _NO_PLUGIN,
        context,
        raw,
        default_show_package_schema,
        "package_show",
        with_errors=False,
    )
    package_plugin = lib_plugins.lookup_package_plugin(raw["type"])
    if raw["type"] not in custom_is_default:
        custom_is_default[raw["type"]] = (
            package_plugin.show_package_schema() == default_show_package_schema()
        )
    if custom_is_default[raw["type"]]:
        with_custom = with_default
    else:
        with_custom, _errors = validation(
            package_plugin,
            context,
            raw,
            package_plugin.show_package_schema,
            "package_show",
            with_errors=False,
        )
    logic.apply_after_dataset_show_plugins(context, with_custom)
    return with_default, with_custom


def index(
    package_ids: Sequence[str],
    *,
    user: str,
    new_ids: Sequence[str] = (),
    timer: Timer = None,
) -> None:
    """Index the batch's datasets and write the new ones' activities.

    The new datasets (``new_ids``, from :func:`create`) are dictized from the
    batch's rows; the others (updated ones, new ones with related rows) by
    ``package_show``, as ``ckan.lib.search.rebuild`` does. Every document is
    built by CKAN's ``index_package`` and written in bulk.
    """
    from ckanext.satudata_pgsearch.index import batched_writes

    context: Context = {"ignore_auth": True}  # type: ignore[typeddict-item]
    showing = time.perf_counter()
    model.Session.flush()
    # Reload the batch's packages in one query: their extras then come back
    # from the JSONB column in PostgreSQL's key order, so the dict (and the
    # order of its text in the index) is exactly what a later rebuild makes.
    pkgs = {
        p.id: p
        for p in model.Session.execute(
            sa.select(model.Package)
            .where(model.Package.id.in_(list(package_ids)))
            .execution_options(populate_existing=True)
        ).scalars()
    }
    fast = set(new_ids) - _with_related(list(new_ids)) if new_ids else set()
    organizations = _organization_dicts(
        {pkgs[i].owner_org for i in fast if pkgs[i].owner_org}, context
    )
    activities = _Activities(user) if new_ids else None
    shown: list[tuple[str, tuple[dict[str, Any], dict[str, Any]]]] = []
    validation, custom_is_default = Validation(), {}
    for package_id in package_ids:
        if package_id in fast:
            both = _show_both(
                pkgs[package_id], context, organizations, validation, custom_is_default
            )
        else:
            both = logic.package_show_default_and_custom_schemas(context, package_id)
        shown.append((package_id, both))
    if timer:
        timer("show", time.perf_counter() - showing)
    with _phase(timer, "index"), batched_writes():
        for _package_id, both in shown:
            logic.index_update_package_dicts(both, True)
    if activities is not None:
        with _phase(timer, "activity"):
            for package_id, both in shown:
                if package_id in new_ids:
                    activities.add(pkgs[package_id], both[1])
            activities.save()


class _Activities:
    """The "new package" activities of a batch, what the subscriber stores."""

    def __init__(self, user: str) -> None:
        self.items: list[Any] = []
        self.actor = None
        if tk.asbool(tk.config.get("ckan.activity_streams_enabled")) and (
            plugins.plugin_loaded("activity")
        ):
            self.actor = model.User.get(user)
            self.labels = lib_plugins.get_permission_labels()

    def add(self, pkg: model.Package, shown: dict[str, Any]) -> None:
        if self.actor is None:
            return
        from ckanext.activity.model import Activity

        # _create_package_activity: package_show's dict, the actor's name,
        # the dataset's permission labels (activity_dict_save stores them)
        self.items.append(
            Activity(
                self.actor.id,
                pkg.id,
                "new package",
                {"package": shown, "actor": self.actor.name},
                self.labels.get_dataset_labels(pkg),
            )
        )

    def save(self) -> None:
        # one multi-row INSERT for the batch (rather than one per autoflush)
        model.Session.add_all(self.items)
