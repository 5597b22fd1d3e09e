"""``/perencanaan/<tahun>/rekomendasi``: the Pembina Data's recommendations
(step 2); ``…/desk``: the desk pra forum (step 4): each OPD's rows with their
review buttons and the duplicates panel (``…/desk/<kode>/hasil`` and
``…/desk/bukan-duplikat``, POST)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Response

from ckanext.satudata_planning import config, sop
from ckanext.satudata_planning.duplicates import KINDS

from .blueprints import perencanaan
from .common import (
    PAGE_SIZE,
    action_errors,
    context,
    flash_errors,
    load_cycle,
    may,
    organizations,
    page_number,
    pager,
    request_filters,
)
from .daftar import FILTERS
from .urls import KODE

HASIL = ("disetujui", "perbaikan", "duplikat", "dialihkan", "ditolak")


def _desk_member(cycle: dict[str, Any]) -> bool:
    return may("satudata_duplicates", {"cycle_id": cycle["id"]})


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
            tk.get_action("satudata_recommendation_create")(context(), data)
        except tk.ValidationError as e:
            flash_errors(e)
        else:
            tk.h.flash_success(tk._("Your recommendation has been saved"))
        return tk.redirect_to("satudata_planning.rekomendasi", tahun=tahun, **filters)
    page = page_number()
    listed = tk.get_action("satudata_item_list")(
        context(),
        {
            **filters,
            "cycle_id": cycle["id"],
            "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE,
        },
    )
    recs = tk.get_action("satudata_recommendation_list")(
        context(), {"cycle_id": cycle["id"]})
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
            "may_recommend": may(
                "satudata_recommendation_create", {"cycle_id": cycle["id"]}
            ),
        },
    )


#: candidate pairs per page of the desk's duplicates panel
PAIRS_PER_PAGE = 25


def _kept_choices(
    items: list[dict[str, Any]], partners: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """For each row of the page, the rows the desk may keep instead of it:
    its duplicate candidates first, then the other rows of the page."""
    choices: dict[str, dict[str, dict[str, Any]]] = {i["id"]: {} for i in items}
    for pair in partners:
        for this, other in ((pair["item_a"], pair["item_b"]),
                            (pair["item_b"], pair["item_a"])):
            if this["id"] in choices:
                choices[this["id"]].setdefault(other["id"], other)
    for item in items:
        for other in items:
            if other["id"] != item["id"] and other.get("hasil") not in (
                    "duplikat", "ditolak"):
                choices[item["id"]].setdefault(other["id"], other)
    return {k: list(v.values()) for k, v in choices.items()}


@action_errors
def desk(tahun: int) -> str | Response:
    """The desk pra forum: one OPD's rows with review buttons and the
    Pembina's recommendations, and a page of candidate duplicates."""
    cycle = load_cycle(tahun)
    if not _desk_member(cycle):
        return tk.abort(
            403,
            tk._("Only the desk (Walidata, Sekretariat, Pembina Data) sees this page"),
        )
    organization = tk.request.args.get("organization", "").strip()
    jenis = tk.request.args.get("jenis", "").strip()
    if jenis not in KINDS:
        jenis = ""
    page = page_number()
    dpage = page_number(tk.request.args.get("dpage"))
    query: dict[str, Any] = {
        "cycle_id": cycle["id"],
        "limit": PAGE_SIZE,
        "offset": (page - 1) * PAGE_SIZE,
    }
    if organization:
        query["organization"] = organization
    try:
        listed = tk.get_action("satudata_item_list")(context(), query)
    except tk.ValidationError as e:
        flash_errors(e)
        listed = {"count": 0, "results": []}
    by_org = {"organization": organization} if organization else {}
    pairs = tk.get_action("satudata_duplicates")(
        context(),
        {"cycle_id": cycle["id"], **by_org, **({"jenis": jenis} if jenis else {}),
         "limit": PAIRS_PER_PAGE + 1, "offset": (dpage - 1) * PAIRS_PER_PAGE}
    )
    more_pairs = len(pairs) > PAIRS_PER_PAGE
    ids = [i["id"] for i in listed["results"]]
    partners = tk.get_action("satudata_duplicates")(
        context(),
        {"cycle_id": cycle["id"], "item": ids, "limit": config.duplicate_page_max()}
    ) if ids else []
    recs = tk.get_action("satudata_recommendation_list")(
        context(), {"cycle_id": cycle["id"]})
    by_item: dict[str, list[dict[str, Any]]] = {}
    for rec in recs:
        by_item.setdefault(rec["item_id"] or "", []).append(rec)
    args = {**by_org, **({"jenis": jenis} if jenis else {})}
    return tk.render(
        "satudata/desk.html",
        extra_vars={
            "cycle": cycle,
            "items": listed["results"],
            "count": listed["count"],
            "page": pager("satudata_planning.desk", cycle, listed, page,
                          {**args, **({"dpage": dpage} if dpage > 1 else {})}),
            "organization": organization,
            "organizations": organizations(),
            "pairs": pairs[:PAIRS_PER_PAGE],
            "pairs_page": dpage,
            "pairs_first": (dpage - 1) * PAIRS_PER_PAGE + 1,
            "pairs_prev": tk.h.url_for(
                "satudata_planning.desk", tahun=tahun, page=page, dpage=dpage - 1,
                **args, _anchor="duplikat") if dpage > 1 else None,
            "pairs_next": tk.h.url_for(
                "satudata_planning.desk", tahun=tahun, page=page, dpage=dpage + 1,
                **args, _anchor="duplikat") if more_pairs else None,
            "jenis": jenis,
            "kinds": KINDS,
            "kept_choices": _kept_choices(listed["results"], partners),
            "by_item": by_item,
            "whole_list": by_item.get("", []),
            "hasil_values": HASIL,
            "may_review": cycle["current_step"] == sop.DESK.number
            or ((cycle.get("viewer") or {}).get("sysadmin")),
        },
    )


def _back_to_desk(tahun: int, form: Any, anchor: str = "") -> Response:
    """Back to the desk page (OPD filter, pages, kind) the form was posted
    from, at the row or pair it was about."""
    back = (form.get("organization_filter") or "").strip()
    page = page_number(form.get("page"))
    dpage = page_number(form.get("dpage"))
    jenis = (form.get("jenis_filter") or "").strip()
    return tk.redirect_to(
        "satudata_planning.desk",
        tahun=tahun,
        **({"organization": back} if back else {}),
        **({"page": page} if page > 1 else {}),
        **({"dpage": dpage} if dpage > 1 else {}),
        **({"jenis": jenis} if jenis in KINDS else {}),
        **({"_anchor": anchor} if anchor else {}),
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
    anchor = ""
    try:
        item = tk.get_action("satudata_item_review")(context(), data)
    except tk.ValidationError as e:
        flash_errors(e)
    else:
        anchor = f"butir-{item['id']}"
        tk.h.flash_success(tk._("Desk result saved for {kode}").format(kode=kode))
    back = (form.get("back_to") or "").strip()
    if back == "duplikat":
        anchor = "duplikat"
    elif back.startswith("butir-") and not anchor:
        anchor = back
    return _back_to_desk(tahun, form, anchor)


@action_errors
def desk_ignore(tahun: int) -> Response:
    """POST: the desk marks a pair "bukan duplikat"."""
    cycle = load_cycle(tahun)
    form = tk.request.form
    try:
        tk.get_action("satudata_duplicate_ignore")(
            context(),
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
    return _back_to_desk(tahun, form, "duplikat")


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
