"""What an OPD may not do to a dataset made in step 10, whatever the route.

The OPD keeps filling its dataset (resources, table values, its description)
but only the Walidata's checking publishes it, and what ties it to the
agreed Daftar Data is not the OPD's to change: it may not set ``private``,
change ``kode_data``, ``tahun``, ``nomor_sk``, ``satudata_item_id`` or its
organization, nor delete it. These are CKAN's own auth functions, chained
(``package_update``, which ``package_patch``, ``package_revise`` and the
resource actions ask too; ``package_delete``; the organization's bulk
actions), so the API, the edit form and the organization's bulk page refuse
alike, with a message that says why. Sysadmins and CKAN's internal calls
(``ignore_auth``: step 10, an acceptance) never reach them.

A field left out of a full ``package_update`` would be dropped rather than
changed: the ``satudata_provisioned_keep`` validator keeps it
(:func:`kept_value`).
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthFunction, AuthResult, Context, DataDict

from ckanext.satudata_planning.workflow import checking

__all__ = [
    "bulk_update_delete",
    "bulk_update_private",
    "bulk_update_public",
    "package_delete",
    "package_update",
    "resource_delete",
]

#: the fields that tie a dataset to its row of the agreed list
PROTECTED = ("kode_data", "tahun", "nomor_sk", checking.ITEM_KEY)
#: set while ``resource_delete`` asks ``package_delete``'s auth for the
#: resource's dataset: deleting a resource is filling, not deleting
_RESOURCE_DELETE = "satudata_resource_delete"


def _labels() -> dict[str, str]:
    return {
        "kode_data": tk._("Data code"),
        "tahun": tk._("Data-list year"),
        "nomor_sk": tk._("Decree number"),
        checking.ITEM_KEY: tk._("Data-list row"),
    }


def rekey_refusal(field: str) -> str:
    return tk._(
        "{field} of a dataset of the Daftar Data is set by the agreed list and "
        "cannot be changed"
    ).format(field=_labels().get(field, field))


def visibility_refusal() -> str:
    return tk._(
        "Only the Walidata's checking makes a dataset of the Daftar Data public "
        "or private: submit it for checking instead"
    )


def delete_refusal() -> str:
    return tk._(
        "A dataset of the Daftar Data cannot be deleted by its OPD; ask the Walidata"
    )


def move_refusal() -> str:
    return tk._("A dataset of the Daftar Data stays with the OPD that produces it")


def _privileged(context: Context) -> bool:
    return bool(context.get("ignore_auth")) or authz.is_sysadmin(context.get("user"))


def _package(context: Context, data_dict: DataDict) -> Optional[model.Package]:
    ref = data_dict.get("id") or data_dict.get("name")
    pkg = context.get("package")
    if pkg is not None and (not ref or ref in (pkg.id, pkg.name)):
        return pkg
    return model.Package.get(ref) if isinstance(ref, str) and ref else None


def _provisioned(context: Context, pkg: Optional[model.Package]) -> bool:
    """Step 10 made ``pkg`` (cached in the context: auth asks several times)."""
    if pkg is None or not checking.is_provisioned(pkg):
        return False
    cache = context.setdefault("satudata_provisioned", {})  # type: ignore[typeddict-item]
    if pkg.id not in cache:
        cache[pkg.id] = checking.provisioned(pkg.id) is not None
    return cache[pkg.id]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def update_refusal(context: Context, data_dict: DataDict) -> Optional[str]:
    """Why this update of a provisioned dataset is refused (``None``: it is not)."""
    if _privileged(context):
        return None
    pkg = _package(context, data_dict)
    if pkg is None or not _provisioned(context, pkg):
        return None
    if "private" in data_dict:
        try:
            private = tk.asbool(data_dict["private"])
        except ValueError:
            private = None  # the validator names the bad value
        if private is not None and private != bool(pkg.private):
            return visibility_refusal()
    if "state" in data_dict and _text(data_dict["state"]) not in ("", pkg.state):
        return delete_refusal()
    extras = pkg.extras or {}
    for field in PROTECTED:
        if field in data_dict and _text(data_dict[field]) != _text(extras.get(field)):
            return rekey_refusal(field)
    owner = _text(data_dict.get("owner_org"))
    if owner and owner != pkg.owner_org:
        org = model.Group.get(pkg.owner_org) if pkg.owner_org else None
        if org is None or owner != org.name:
            return move_refusal()
    return None


def kept_value(context: Context, field: str) -> Optional[str]:
    """The stored ``field`` of the provisioned dataset an OPD is updating
    (``None`` when nothing is to be kept: a new dataset, step 10, a sysadmin,
    a dataset of no row)."""
    pkg = context.get("package")
    if pkg is None or _privileged(context) or not _provisioned(context, pkg):
        return None
    value = _text((pkg.extras or {}).get(field))
    return value or None


def _refused(msg: str) -> AuthResult:
    return {"success": False, "msg": msg}


@tk.chained_auth_function
def package_update(
    next_auth: AuthFunction, context: Context, data_dict: DataDict
) -> AuthResult:
    """CKAN's rule, then: no publishing, re-keying or moving a provisioned dataset."""
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    refusal = update_refusal(context, data_dict or {})
    return _refused(refusal) if refusal else result


@tk.chained_auth_function
def package_delete(
    next_auth: AuthFunction, context: Context, data_dict: DataDict
) -> AuthResult:
    """CKAN's rule, then: a provisioned dataset is not its OPD's to delete
    (its resources are: see :func:`resource_delete`)."""
    result = next_auth(context, data_dict)
    if not result.get("success") or context.get(_RESOURCE_DELETE):
        return result
    if not _privileged(context) and _provisioned(
        context, _package(context, data_dict or {})
    ):
        return _refused(delete_refusal())
    return result


@tk.chained_auth_function
def resource_delete(
    next_auth: AuthFunction, context: Context, data_dict: DataDict
) -> AuthResult:
    """CKAN's rule (which asks ``package_delete`` for the resource's dataset)."""
    context[_RESOURCE_DELETE] = True  # type: ignore[literal-required]
    try:
        return next_auth(context, data_dict)
    finally:
        context.pop(_RESOURCE_DELETE, None)  # type: ignore[misc]


def _bulk(next_auth: AuthFunction, context: Context, data_dict: DataDict,
          refusal: str) -> AuthResult:
    result = next_auth(context, data_dict)
    if not result.get("success") or _privileged(context):
        return result
    ids = (data_dict or {}).get("datasets") or []
    if isinstance(ids, str):
        ids = [ids]
    if checking.provisioned_ids([str(i) for i in ids if i]):
        return _refused(refusal)
    return result


@tk.chained_auth_function
def bulk_update_public(
    next_auth: AuthFunction, context: Context, data_dict: DataDict
) -> AuthResult:
    return _bulk(next_auth, context, data_dict, visibility_refusal())


@tk.chained_auth_function
def bulk_update_private(
    next_auth: AuthFunction, context: Context, data_dict: DataDict
) -> AuthResult:
    return _bulk(next_auth, context, data_dict, visibility_refusal())


@tk.chained_auth_function
def bulk_update_delete(
    next_auth: AuthFunction, context: Context, data_dict: DataDict
) -> AuthResult:
    return _bulk(next_auth, context, data_dict, delete_refusal())
