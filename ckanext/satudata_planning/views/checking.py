"""After step 10: "Periksa & terbitkan" under ``/perencanaan/<tahun>/periksa``.

* ``…/periksa``: the cycle's provisioned datasets with their checking status,
  filtered by OPD and status (default for the Walidata: those waiting for
  it), paged on the server;
* ``…/periksa/<dataset>``: one dataset: its data (resources, the first rows
  of a DataStore table), its row's metadata and release dates, the history
  of notes; the Walidata's accept/return form (POST here), the OPD's
  "Ajukan pemeriksaan" form;
* ``…/periksa/<dataset>/ajukan`` (POST): the OPD submits it (also from the
  dataset's own page and from "Data yang harus diisi").

Views call actions only.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.types import Response

from ckanext.satudata_planning.model import CheckStatus

from .blueprints import portal
from .common import (
    PAGE_SIZE,
    action_errors,
    context,
    flash_errors,
    load_cycle,
    page_number,
    pager,
    request_filters,
)

#: the status filter's extra value: waiting for the Walidata's decision
MENUNGGU = "menunggu"
FILTERS = ("organization", "status", "q")
#: where "Ajukan pemeriksaan" returns to (never a URL taken from the form)
RETURNS = ("dataset", "periksa", "dasbor")
#: rows of a DataStore table shown as the data's preview
PREVIEW_ROWS = 10


def _may_check(cycle: dict[str, Any]) -> bool:
    viewer = cycle.get("viewer") or {}
    return bool(viewer.get("sysadmin")) or "walidata" in (viewer.get("actors") or [])


def _default_filters(cycle: dict[str, Any]) -> dict[str, str]:
    filters = request_filters(FILTERS)
    if "status" not in tk.request.args and _may_check(cycle):
        filters["status"] = MENUNGGU
    return filters


@action_errors
def periksa(tahun: int) -> str:
    """The queue: every dataset of the cycle the viewer may see, with its status."""
    cycle = load_cycle(tahun)
    if not tk.current_user.is_authenticated:
        return tk.abort(403, tk._("Log in to do this"))
    filters = _default_filters(cycle)
    data: dict[str, Any] = {k: v for k, v in filters.items() if k != "status"}
    if filters.get("status") == MENUNGGU:
        data["queued"] = True
    elif filters.get("status") in {s.value for s in CheckStatus}:
        data["status"] = filters["status"]
    page = page_number()
    try:
        listed = tk.get_action("satudata_verification_list")(context(), {
            **data, "cycle_id": cycle["id"], "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE,
        })
    except tk.ValidationError as e:
        flash_errors(e)
        listed = tk.get_action("satudata_verification_list")(context(), {
            "cycle_id": cycle["id"], "limit": PAGE_SIZE})
    return tk.render("satudata/periksa.html", extra_vars={
        "cycle": cycle,
        "listed": listed,
        "filters": filters,
        "statuses": [s.value for s in CheckStatus],
        "menunggu": MENUNGGU,
        "organizations": _organizations(),
        "may_check": _may_check(cycle),
        "page": pager("satudata_portal.periksa", cycle, listed, page, filters),
    })


def _organizations() -> list[dict[str, str]]:
    """The OPDs the filter offers."""
    orgs = tk.get_action("satudata_organization_list")(context(), {})
    return [{"name": o["name"], "title": o.get("title") or o["name"]} for o in orgs]


def _preview(dataset: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The first rows of the dataset's first DataStore table (``None``
    without one, or without the DataStore)."""
    table = next((r for r in dataset.get("resources") or []
                  if r.get("datastore_active")), None)
    if table is None:
        return None
    try:
        found = tk.get_action("datastore_search")(
            {}, {"resource_id": table["id"], "limit": PREVIEW_ROWS})
    except (KeyError, tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None
    fields = [f["id"] for f in found.get("fields", []) if not f["id"].startswith("_")]
    return {"resource": table, "fields": fields, "records": found.get("records", []),
            "total": found.get("total")}


def _detail(cycle: dict[str, Any], dataset_name: str, **extra: Any) -> str:
    check = tk.get_action("satudata_verification_show")(context(), {"id": dataset_name})
    if check["tahun"] != cycle["tahun"]:
        return tk.abort(404, tk._("Dataset not found"))
    dataset = tk.get_action("package_show")(context(), {"id": check["package_id"]})
    item = tk.get_action("satudata_item_show")(context(), {"id": check["item_id"]})
    return tk.render("satudata/periksa_detail.html", extra_vars={
        "cycle": cycle, "check": check, "dataset": dataset, "item": item,
        "preview": _preview(dataset), "may_check": _may_check(cycle), **extra,
    })


@action_errors
def periksa_detail(tahun: int, dataset: str) -> str | Response:
    """GET: one dataset to check; POST: the Walidata's decision."""
    cycle = load_cycle(tahun)
    if tk.request.method != "POST":
        return _detail(cycle, dataset)
    form = tk.request.form
    data = {"id": dataset, "hasil": (form.get("hasil") or "").strip(),
            "catatan": (form.get("catatan") or "").strip()}
    try:
        result = tk.get_action("satudata_dataset_review")(context(), data)
    except tk.ValidationError as e:
        flash_errors(e)
        return _detail(cycle, dataset, catatan=data["catatan"])
    if result["status"] == CheckStatus.DITERIMA.value:
        tk.h.flash_success(
            tk._("{code} accepted and published").format(code=result["kode_data"])
            if not result["private"] else
            tk._("{code} accepted; it stays private").format(code=result["kode_data"])
        )
    else:
        tk.h.flash_success(tk._("{code} returned to its OPD for revision").format(
            code=result["kode_data"]))
    _flash_failed(result)
    return tk.redirect_to("satudata_portal.periksa", tahun=tahun)


def _flash_failed(result: dict[str, Any]) -> None:
    for line in result.get("failed") or []:
        tk.h.flash_notice(line)


@action_errors
def ajukan(tahun: int, dataset: str) -> Response:
    """POST: the OPD submits its dataset for checking."""
    load_cycle(tahun)
    form = tk.request.form
    back = form.get("kembali") if form.get("kembali") in RETURNS else "dataset"
    try:
        result = tk.get_action("satudata_dataset_submit")(
            {}, {"id": dataset, "catatan": (form.get("catatan") or "").strip()})
    except tk.ValidationError as e:
        flash_errors(e)
    else:
        tk.h.flash_success(tk._(
            "{code} submitted: the Walidata will check it"
        ).format(code=result["kode_data"]))
        _flash_failed(result)
    if back == "periksa":
        return tk.redirect_to("satudata_portal.periksa_detail", tahun=tahun,
                              dataset=dataset)
    if back == "dasbor":
        return tk.redirect_to("satudata_planning.dashboard", tahun=tahun)
    return tk.redirect_to("dataset.read", id=dataset)


portal.add_url_rule("/<int:tahun>/periksa", "periksa", periksa)
portal.add_url_rule("/<int:tahun>/periksa/<dataset>", "periksa_detail",
                    periksa_detail, methods=["GET", "POST"])
portal.add_url_rule("/<int:tahun>/periksa/<dataset>/ajukan", "ajukan", ajukan,
                    methods=["POST"])
