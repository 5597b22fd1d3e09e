"""``/perencanaan/<tahun>/daftar``: the Daftar Data (filters, paging, add a
row), its import (``/impor``, POST), export (``/ekspor``), template
(``/templat``) and an earlier year's agreed rows carried over (``/salin``,
POST); ``…/daftar/<kode>``: one row, its edit form, recommendations and
history, ``/hapus`` (POST) deletes it. ``<kode>`` is any kode_data
(:class:`~.urls.KodeConverter`)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Response

from ckanext.satudata_planning import spreadsheet
from ckanext.satudata_planning.sop import current_lang
from ckanext.satudata_planning.sop.row_fields import FIELDS

from .blueprints import perencanaan
from .common import (
    PAGE_SIZE,
    XLSX,
    action_errors,
    context,
    download,
    flash_errors,
    load_cycle,
    may,
    messages,
    organizations,
    page_number,
    pager,
    request_filters,
    viewer_is,
)
from .urls import KODE

FILTERS = ("organization", "status", "hasil", "kategori", "q")


def _form_row() -> dict[str, Any]:
    """The row fields of the posted form (multi-value fields as lists)."""
    form = tk.request.form
    data: dict[str, Any] = {}
    for f in FIELDS:
        if f.kind == "multi_vocab":
            data[f.key] = [v for v in form.getlist(f.key) if v]
        else:
            data[f.key] = (form.get(f.key) or "").strip()
    if not data.get("kode_data"):
        data.pop("kode_data", None)
    if not data.get("tahun"):
        data.pop("tahun", None)
    return data


@action_errors
def daftar(tahun: int) -> str | Response:
    """The list (GET) and the add-row form (POST)."""
    cycle = load_cycle(tahun)
    form_data: dict[str, Any] = {}
    form_errors: dict[str, Any] = {}
    refused = False
    if tk.request.method == "POST":
        form_data = _form_row()
        try:
            item = tk.get_action("satudata_item_create")(
                context(), {**form_data, "cycle_id": cycle["id"]}
            )
        except tk.ValidationError as e:
            form_errors = e.error_dict
        except tk.NotAuthorized as e:  # the form again, with what was typed
            refused = True
            form_errors = {"organization": [str(e) or tk._(
                "You may not propose rows for this organization")]}
        else:
            tk.h.flash_success(
                tk._("Row {kode} has been added").format(kode=item["kode_data"])
            )
            return tk.redirect_to("satudata_planning.daftar", tahun=tahun)
    page = _render_daftar(cycle, form_data=form_data, form_errors=form_errors)
    return (page, 403) if refused else page  # type: ignore[return-value]


def _render_daftar(cycle: dict[str, Any], **extra: Any) -> str:
    filters = request_filters(FILTERS)
    page = page_number()
    query = {
        **filters,
        "cycle_id": cycle["id"],
        "limit": PAGE_SIZE,
        "offset": (page - 1) * PAGE_SIZE,
        "mine_first": True,
    }
    try:
        listed = tk.get_action("satudata_item_list")(context(), query)
    except tk.ValidationError as e:
        flash_errors(e)
        listed = {"count": 0, "results": []}
    viewer = cycle.get("viewer") or {}
    own = set(viewer.get("produsen_of") or [])
    perbaikan: list[dict[str, Any]] = []
    if own:  # one call: the viewer's rows come first, others are dropped
        perbaikan = [
            i
            for i in tk.get_action("satudata_item_list")(
                context(),
                {
                    "cycle_id": cycle["id"],
                    "hasil": "perbaikan",
                    "mine_first": True,
                    "limit": 200,
                },
            )["results"]
            if i["organization"] in own
        ]

    may_add = bool(viewer.get("produsen_of")) or may(
        "satudata_item_import", {"cycle_id": cycle["id"]}
    )
    everyone = organizations()
    # Walidata and Sekretariat add rows for any OPD; an OPD for its own
    proposable = everyone if viewer_is(cycle, "walidata", "sekretariat") else [
        o for o in everyone if o["name"] in own]
    carry_years: list[int] = []
    if cycle["status"] != "selesai" and may(
        "satudata_item_carry_over", {"cycle_id": cycle["id"]}
    ):
        carry_years = [
            c["tahun"]
            for c in tk.get_action("satudata_cycle_list")(context(), {})
            if c["tahun"] < cycle["tahun"]
        ]
    return tk.render(
        "satudata/item_list.html",
        extra_vars={
            "cycle": cycle,
            "items": listed["results"],
            "count": listed["count"],
            "page": pager("satudata_planning.daftar", cycle, listed, page, filters),
            "filters": filters,
            "perbaikan": perbaikan,
            "organizations": everyone,
            "proposable": proposable,
            "default_org": sorted(own)[0] if own else "",
            "own": own,
            "may_add": may_add and cycle["status"] != "selesai",
            "may_export": may("satudata_item_list", {"cycle_id": cycle["id"]}),
            "form_data": extra.get("form_data") or {},
            "form_errors": extra.get("form_errors") or {},
            "import_errors": extra.get("import_errors") or [],
            "carry_years": carry_years,
        },
    )


@action_errors
def daftar_import(tahun: int) -> str | Response:
    """POST: import an XLSX; every error is shown on the list page."""
    cycle = load_cycle(tahun)
    upload = tk.request.files.get("upload")
    if upload is None or not upload.filename:
        return _render_daftar(
            cycle, import_errors=[tk._("Choose an Excel workbook (.xlsx) to import")]
        )
    try:
        result = tk.get_action("satudata_item_import")(
            context(), {"cycle_id": cycle["id"], "upload": upload}
        )
    except tk.ValidationError as e:
        return _render_daftar(cycle, import_errors=messages(e.error_dict))
    tk.h.flash_success(
        tk._("Import done: {created} rows added, {updated} rows updated").format(
            created=result["created"], updated=result["updated"]
        )
    )
    return tk.redirect_to("satudata_planning.daftar", tahun=tahun)


@action_errors
def daftar_carry_over(tahun: int) -> Response:
    """POST: bring an earlier year's agreed rows into this list (step 1)."""
    cycle = load_cycle(tahun)
    data = {
        "cycle_id": cycle["id"],
        "from_tahun": (tk.request.form.get("from_tahun") or "").strip(),
    }
    try:
        result = tk.get_action("satudata_item_carry_over")(context(), data)
    except tk.ValidationError as e:
        flash_errors(e)
    else:
        tk.h.flash_success(
            tk._(
                "{count} agreed rows carried over from the {tahun} list "
                "({skipped} were already in this list)"
            ).format(
                count=result["count"],
                tahun=data["from_tahun"],
                skipped=result["skipped"],
            )
        )
    return tk.redirect_to("satudata_planning.daftar", tahun=tahun)


@action_errors
def daftar_export(tahun: int) -> Response:
    """The list under the current filter as XLSX (re-importable)."""
    cycle = load_cycle(tahun)
    try:
        listed = tk.get_action("satudata_item_list")(
            context(),
            {
                **request_filters(FILTERS),
                "cycle_id": cycle["id"],
                "limit": 10000,
                "sort": "organization",
            },
        )
    except tk.ValidationError as e:
        return tk.abort(400, " ".join(messages(e.error_dict)))
    lang = "en" if current_lang().startswith("en") else "id"
    data = spreadsheet.export(listed["results"], lang=lang)
    return download(data, f"daftar-data-{int(cycle['tahun'])}.xlsx", XLSX)


@action_errors
def daftar_template(tahun: int) -> Response:
    """The empty template with the producers the viewer may import for."""
    cycle = load_cycle(tahun)
    if not tk.current_user.is_authenticated:
        return tk.abort(403, tk._("Log in to download the template"))
    viewer = cycle.get("viewer") or {}
    orgs = organizations()
    if not viewer_is(cycle, "walidata"):
        own = set(viewer.get("produsen_of") or [])
        orgs = [o for o in orgs if o["name"] in own] or orgs
    data = spreadsheet.build_template([(o["name"], o["title"]) for o in orgs])
    return download(data, f"templat-daftar-data-{int(cycle['tahun'])}.xlsx", XLSX)


def _item(cycle: dict[str, Any], kode: str, **extra: Any) -> dict[str, Any]:
    return tk.get_action("satudata_item_show")(
        context(), {"id": kode, "cycle_id": cycle["id"], **extra}
    )


@action_errors
def item_detail(tahun: int, kode: str) -> str | Response:
    """One row: its fields, the edit form (POST) for those allowed, its
    recommendations and history."""
    cycle = load_cycle(tahun)
    form_data: dict[str, Any] = {}
    form_errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        item = _item(cycle, kode)
        form_data = _form_row()
        form_data.pop("kode_data", None)
        try:
            tk.get_action("satudata_item_update")(
                context(),
                {
                    **form_data,
                    "id": item["id"],
                    "revision": tk.request.form.get("revision") or None,
                },
            )
        except tk.ValidationError as e:
            form_errors = e.error_dict
        else:
            tk.h.flash_success(tk._("Row {kode} has been saved").format(kode=kode))
            return tk.redirect_to(
                "satudata_planning.item_detail", tahun=tahun, kode=kode
            )
    detail = _item(cycle, kode, include_history=True, include_recommendations=True)
    if not tk.current_user.is_authenticated:
        detail["history"] = []
    return tk.render(
        "satudata/item_detail.html",
        extra_vars={
            "cycle": cycle,
            "item": detail,
            "may_edit": may("satudata_item_update", {"id": detail["id"]}),
            "may_delete": may(
                "satudata_item_delete", {"id": detail["id"]}
            ),
            "organizations": organizations(),
            "form_data": form_data or detail,
            "form_errors": form_errors,
        },
    )


@action_errors
def item_delete(tahun: int, kode: str) -> Response:
    """POST: delete a row."""
    cycle = load_cycle(tahun)
    tk.get_action("satudata_item_delete")(
        context(), {"id": kode, "cycle_id": cycle["id"]})
    tk.h.flash_success(tk._("Row {kode} has been deleted").format(kode=kode))
    return tk.redirect_to("satudata_planning.daftar", tahun=tahun)


perencanaan.add_url_rule(
    "/<int:tahun>/daftar", "daftar", daftar, methods=["GET", "POST"]
)
perencanaan.add_url_rule(
    "/<int:tahun>/daftar/impor", "daftar_import", daftar_import, methods=["POST"]
)
perencanaan.add_url_rule("/<int:tahun>/daftar/ekspor", "daftar_export", daftar_export)
perencanaan.add_url_rule(
    "/<int:tahun>/daftar/templat", "daftar_template", daftar_template
)
perencanaan.add_url_rule(
    "/<int:tahun>/daftar/salin", "daftar_carry_over", daftar_carry_over,
    methods=["POST"],
)
perencanaan.add_url_rule(
    f"/<int:tahun>/daftar/<{KODE}:kode>",
    "item_detail",
    item_detail,
    methods=["GET", "POST"],
)
perencanaan.add_url_rule(
    f"/<int:tahun>/daftar/<{KODE}:kode>/hapus",
    "item_delete",
    item_delete,
    methods=["POST"],
)
