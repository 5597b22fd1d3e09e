"""``/perencanaan/<tahun>/forum``: the Forum Satu Data (step 6): the rows
approved at the desk per OPD, the forum's decision per row and in bulk
(``/forum/sepakati``, POST) and its attendance (``/forum/peserta``, POST);
``/perencanaan/<tahun>/sk``: the public page, the SK and the agreed list.

Anonymous visitors: :func:`_public_only` (a ``before_request`` of this and
the ``satudata_planning`` blueprint) shows them the public page instead of
the cycle's dashboard and keeps them off every other screen of a cycle:
after publication they see the SK and the agreed list, nothing else.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.types import Response

from ckanext.satudata_planning import sop

from .blueprints import forum, perencanaan
from .common import action_errors, load_cycle, messages, viewer_is

#: screens of the planning blueprints anonymous visitors may open
PUBLIC_ENDPOINTS = (
    "satudata_planning.index",
    "satudata_forum.public",
    "satudata_forum.dokumen_pdf",
)


def _lines(people: list[dict[str, str]], third: str) -> str:
    """People as the textarea shows them: ``Nama; Jabatan; X`` a line."""
    return "\n".join(
        "; ".join([p.get("nama", ""), p.get("jabatan", ""), p.get(third, "")]).rstrip(
            "; "
        )
        for p in people
    )


def _document(cycle: dict[str, Any], jenis: str) -> dict[str, Any]:
    return tk.get_action("satudata_document_show")(
        {}, {"cycle_id": cycle["id"], "jenis": jenis}
    )


def _group(items: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(
            item.get("organization_title") or item["organization"], []
        ).append(item)
    return sorted(groups.items(), key=lambda kv: kv[0].casefold())


# --- anonymous visitors ------------------------------------------------------------


def _public_only() -> Optional[Response | str]:
    """Anonymous visitors of a cycle get its public page (or nothing)."""
    if tk.current_user.is_authenticated:
        return None
    endpoint = tk.request.endpoint or ""
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    tahun = (tk.request.view_args or {}).get("tahun")
    if endpoint == "satudata_planning.dashboard" and tahun is not None:
        return public(tahun)
    if tahun is not None:
        # 404, or 403 while not public, as the dashboard answers
        action_errors(load_cycle)(tahun)
        return tk.redirect_to("satudata_forum.public", tahun=tahun)
    return None


@action_errors
def public(tahun: int) -> str:
    """The SK and the agreed list: all a visitor sees of a published cycle."""
    cycle = load_cycle(tahun)
    listed = tk.get_action("satudata_item_list")(
        {}, {"cycle_id": cycle["id"], "limit": 10000}
    )
    # logged-in viewers get every row from the action: keep the agreed ones
    agreed = [i for i in listed["results"] if i.get("disepakati") is True]
    sk = _document(cycle, "sk") if cycle.get("published") else None
    return tk.render(
        "satudata/public_sk.html",
        extra_vars={
            "cycle": {k: cycle[k] for k in ("id", "tahun", "judul", "published")},
            "sk": sk,
            "groups": _group(agreed),
            "count": len(agreed),
        },
    )


# --- the forum (step 6) ---------------------------------------------------------------


def forum_page(tahun: int) -> str:
    """The approved rows per OPD with the forum's decision, and the attendance."""
    cycle = load_cycle(tahun)
    listed = tk.get_action("satudata_item_list")(
        {}, {"cycle_id": cycle["id"], "hasil": "disetujui", "limit": 10000}
    )
    ba_forum = _document(cycle, "ba_forum")
    may_decide = (
        viewer_is(cycle, "walidata", "sekretariat")
        and cycle["current_step"] == sop.FORUM.number
        and (cycle["status"] != "selesai")
    )
    return tk.render(
        "satudata/forum.html",
        extra_vars={
            "cycle": cycle,
            "groups": _group(listed["results"]),
            "count": listed["count"],
            "may_decide": may_decide,
            "may_edit_attendance": viewer_is(cycle, "walidata", "sekretariat")
            and cycle["current_step"] >= sop.FORUM.number,
            "peserta": _lines(ba_forum["peserta"], "instansi"),
            "decided": sum(1 for i in listed["results"] if i["disepakati"] is not None),
        },
    )


@action_errors
def forum_agree(tahun: int) -> Response:
    """POST: the forum's decision on the chosen rows (one row or in bulk)."""
    cycle = load_cycle(tahun)
    form = tk.request.form
    decision = form.get("disepakati") or ""
    ids = form.getlist("ids")
    if form.get("row"):  # a row's own button: "<true|false>:<id>"
        decision, _sep, row = form["row"].partition(":")
        ids = [row]
    if not ids:
        tk.h.flash_error(tk._("Choose at least one row"))
        return tk.redirect_to("satudata_forum.forum_page", tahun=tahun)
    try:
        result = tk.get_action("satudata_item_agree")(
            {}, {"cycle_id": cycle["id"], "ids": ids, "disepakati": decision}
        )
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(messages(e.error_dict)))
    else:
        message = (
            tk._("{count} row(s) agreed")
            if result["disepakati"]
            else tk._("{count} row(s) not agreed")
        )
        tk.h.flash_success(message.format(count=result["count"]))
    return tk.redirect_to("satudata_forum.forum_page", tahun=tahun)


@action_errors
def forum_attendance(tahun: int) -> Response:
    """POST: the forum's attendance list (the BA forum's ``peserta``)."""
    cycle = load_cycle(tahun)
    try:
        tk.get_action("satudata_document_update")(
            {},
            {
                "cycle_id": cycle["id"],
                "jenis": "ba_forum",
                "peserta": tk.request.form.get("peserta") or "",
            },
        )
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(messages(e.error_dict)))
    else:
        tk.h.flash_success(tk._("Attendance saved"))
    return tk.redirect_to("satudata_forum.forum_page", tahun=tahun)



forum.add_url_rule("/<int:tahun>/sk", "public", public)
forum.add_url_rule("/<int:tahun>/forum", "forum_page", forum_page)
forum.add_url_rule(
    "/<int:tahun>/forum/sepakati", "forum_agree", forum_agree, methods=["POST"]
)
forum.add_url_rule(
    "/<int:tahun>/forum/peserta", "forum_attendance", forum_attendance, methods=["POST"]
)

# anonymous visitors: the public page, on both blueprints of a cycle's screens
forum.before_request(_public_only)
perencanaan.before_request(_public_only)
