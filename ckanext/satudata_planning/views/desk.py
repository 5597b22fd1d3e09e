"""``/perencanaan/<tahun>/rekomendasi``: the Pembina Data's recommendations
(step 2); ``…/desk``: the desk pra forum (step 4): each OPD's rows with their
review buttons and the duplicates panel (``…/desk/<kode>/hasil`` and
``…/desk/bukan-duplikat``, POST)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Response

from ckanext.satudata_planning import sop

from .blueprints import perencanaan
from .common import (
    PAGE_SIZE,
    action_errors,
    flash_errors,
    load_cycle,
    organizations,
    page_number,
    pager,
    request_filters,
)
from .daftar import FILTERS
from .urls import KODE

HASIL = ("disetujui", "perbaikan", "duplikat", "dialihkan", "ditolak")


def _desk_member(cycle: dict[str, Any]) -> bool:
    return tk.h.check_access("satudata_duplicates", {"cycle_id": cycle["id"]})


@action_errors
def rekomendasi(tahun: int) -> str | Response:
    """Pembina Data's page: the list with a recommendation form per row and
    one for the whole list (POST)."""
    cycle = load_cycle(tahun)
    if not _desk_member(cycle):
        return tk.abort(
            403,
            tk._(
                "Only the Pembina Data, the Walidata and the Sekretariat see this page"
            ),
        )
    filters = request_filters(FILTERS)
    if tk.request.method == "POST":
        data = {
            "cycle_id": cycle["id"],
            "isi": (tk.request.form.get("isi") or "").strip(),
            "item_id": (tk.request.form.get("item_id") or "").strip(),
        }
        try:
            tk.get_action("satudata_recommendation_create")({}, data)
        except tk.ValidationError as e:
            flash_errors(e)
        else:
            tk.h.flash_success(tk._("Your recommendation has been saved"))
        return tk.redirect_to("satudata_planning.rekomendasi", tahun=tahun, **filters)
    page = page_number()
    listed = tk.get_action("satudata_item_list")(
        {},
        {
            **filters,
            "cycle_id": cycle["id"],
            "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE,
        },
    )
    recs = tk.get_action("satudata_recommendation_list")({}, {"cycle_id": cycle["id"]})
    by_item: dict[str, list[dict[str, Any]]] = {}
    for rec in recs:
        by_item.setdefault(rec["item_id"] or "", []).append(rec)

    return tk.render(
        "satudata/recommendations.html",
        extra_vars={
            "cycle": cycle,
            "items": listed["results"],
            "count": listed["count"],
            "page": pager(
                "satudata_planning.rekomendasi", cycle, listed, page, filters
            ),
            "by_item": by_item,
            "whole_list": by_item.get("", []),
            "filters": filters,
            "organizations": organizations(),
            "may_recommend": tk.h.check_access(
                "satudata_recommendation_create", {"cycle_id": cycle["id"]}
            ),
        },
    )


@action_errors
def desk(tahun: int) -> str | Response:
    """The desk pra forum: one OPD's rows with review buttons, and the
    candidate duplicates."""
    cycle = load_cycle(tahun)
    if not _desk_member(cycle):
        return tk.abort(
            403,
            tk._("Only the desk (Walidata, Sekretariat, Pembina Data) sees this page"),
        )
    organization = tk.request.args.get("organization", "").strip()
    page = page_number()
    query: dict[str, Any] = {
        "cycle_id": cycle["id"],
        "limit": PAGE_SIZE,
        "offset": (page - 1) * PAGE_SIZE,
    }
    if organization:
        query["organization"] = organization
    try:
        listed = tk.get_action("satudata_item_list")({}, query)
    except tk.ValidationError as e:
        flash_errors(e)
        listed = {"count": 0, "results": []}
    by_org = {"organization": organization} if organization else {}
    pairs = tk.get_action("satudata_duplicates")(
        {}, {"cycle_id": cycle["id"], **by_org}
    )
    return tk.render(
        "satudata/desk.html",
        extra_vars={
            "cycle": cycle,
            "items": listed["results"],
            "count": listed["count"],
            "page": pager("satudata_planning.desk", cycle, listed, page, by_org),
            "organization": organization,
            "organizations": organizations(),
            "pairs": pairs,
            "hasil_values": HASIL,
            "may_review": cycle["current_step"] == sop.DESK.number
            or ((cycle.get("viewer") or {}).get("sysadmin")),
        },
    )


def _back_to_desk(tahun: int, form: Any) -> Response:
    """Back to the desk page (and OPD filter) the form was posted from."""
    back = (form.get("organization_filter") or "").strip()
    page = page_number(form.get("page"))
    return tk.redirect_to(
        "satudata_planning.desk",
        tahun=tahun,
        **({"organization": back} if back else {}),
        **({"page": page} if page > 1 else {}),
    )


@action_errors
def desk_review(tahun: int, kode: str) -> Response:
    """POST: the desk's result for one row."""
    cycle = load_cycle(tahun)
    form = tk.request.form
    data = {
        "id": kode,
        "cycle_id": cycle["id"],
        "hasil": (form.get("hasil") or "").strip(),
    }
    for key in ("catatan", "duplikat_dari", "organization", "revision"):
        if (form.get(key) or "").strip():
            data[key] = form[key].strip()
    try:
        tk.get_action("satudata_item_review")({}, data)
    except tk.ValidationError as e:
        flash_errors(e)
    else:
        tk.h.flash_success(tk._("Desk result saved for {kode}").format(kode=kode))
    return _back_to_desk(tahun, form)


@action_errors
def desk_ignore(tahun: int) -> Response:
    """POST: the desk marks a pair "bukan duplikat"."""
    cycle = load_cycle(tahun)
    form = tk.request.form
    try:
        tk.get_action("satudata_duplicate_ignore")(
            {},
            {
                "cycle_id": cycle["id"],
                "item_a": form.get("item_a") or "",
                "item_b": form.get("item_b") or "",
            },
        )
    except tk.ValidationError as e:
        flash_errors(e)
    else:
        tk.h.flash_success(tk._("The pair is marked as not a duplicate"))
    return _back_to_desk(tahun, form)


perencanaan.add_url_rule(
    "/<int:tahun>/rekomendasi", "rekomendasi", rekomendasi, methods=["GET", "POST"]
)
perencanaan.add_url_rule("/<int:tahun>/desk", "desk", desk)
perencanaan.add_url_rule(
    f"/<int:tahun>/desk/<{KODE}:kode>/hasil",
    "desk_review",
    desk_review,
    methods=["POST"],
)
perencanaan.add_url_rule(
    "/<int:tahun>/desk/bukan-duplikat", "desk_ignore", desk_ignore, methods=["POST"]
)
