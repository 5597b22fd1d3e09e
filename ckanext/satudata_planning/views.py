"""Screens under /perencanaan. Each view calls actions; it never queries itself.

* ``/perencanaan``: the cycles; the Walidata opens one with the form (POST).
* ``/perencanaan/<tahun>``: the dashboard: the ten steps as a timeline, what
  the viewer must do now, the current step's "complete" button, the audit trail.
* ``/perencanaan/<tahun>/langkah/<nomor>/selesai`` (POST): complete a step.
* ``/perencanaan/<tahun>/daftar``: the Daftar Data: filters, paging, add a row,
  import (``/impor``, POST), export (``/ekspor``), template (``/templat``) and
  an earlier year's agreed rows carried over (``/salin``, POST).
* ``/perencanaan/<tahun>/daftar/<kode>``: one row, its edit form,
  recommendations and history; ``/hapus`` (POST) deletes it. ``<kode>`` is
  any kode_data, slashes included (:class:`KodeConverter`).
* ``/perencanaan/<tahun>/rekomendasi``: Pembina Data's recommendations.
* ``/perencanaan/<tahun>/desk``: the desk pra forum: review per OPD and the
  duplicates panel (``/desk/<kode>/hasil`` and ``/desk/bukan-duplikat``, POST).

Forms carry CKAN's CSRF token; ``csrf_guard`` checks it on every session POST.
"""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Response
from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

from ckanext.satudata_planning.logic.schema import OFFSET_MAX

perencanaan = Blueprint("satudata_planning", __name__, url_prefix="/perencanaan")


class KodeConverter(PathConverter):
    """A kode_data in a URL, whatever characters it holds.

    Government codes carry slashes (``1.02/DINKES/001``): they stay slashes
    in the URL, the rest is percent-encoded as usual, so ordinary codes keep
    their URLs. A code the path cannot carry as it is becomes one segment
    starting with ``~`` ("~" and "/" written ``~7E`` and ``~2F``): a code
    with an empty or dot segment (a browser or the router would rewrite the
    path), one named like a static sibling route (``impor``, which must stay
    the import) or ending in a route's own tail (``…/hapus`` would reach the
    delete of another row), and a code starting with "~".
    """

    #: any text, newlines included ("." alone would stop at one)
    regex = r"[^/](?s:.)*?"
    part_isolating = False

    #: the static routes beside ``<kode>``: they must win over a code
    STATIC = frozenset({"impor", "ekspor", "templat", "salin", "bukan-duplikat"})
    #: the static tails after ``<kode>``
    TAILS = frozenset({"hapus", "hasil"})
    _UNESCAPE = re.compile("~(2F|7E)")

    @classmethod
    def plain(cls, kode: str) -> bool:
        """Whether the code can be the URL's path as it is."""
        segments = kode.split("/")
        return not (
            kode.startswith("~")
            or kode in cls.STATIC
            or (len(segments) > 1 and segments[-1] in cls.TAILS)
            or any(s in ("", ".", "..") for s in segments)
        )

    def to_url(self, value: Any) -> str:
        kode = str(value)
        if not self.plain(kode):
            kode = "~" + kode.replace("~", "~7E").replace("/", "~2F")
        return super().to_url(kode)

    def to_python(self, value: str) -> str:
        if not value.startswith("~"):
            return value
        return self._UNESCAPE.sub(
            lambda m: "/" if m.group(1) == "2F" else "~", value[1:]
        )


#: the converter's name in the app's URL map
KODE = "satudata_kode"


def _add_converter(state: BlueprintSetupState) -> None:
    """Register ``<satudata_kode:…>`` on the app before the rules below use it."""
    state.app.url_map.converters[KODE] = KodeConverter


perencanaan.record_once(_add_converter)

__all__ = ["perencanaan", "forum", "portal"]

CREATE_FIELDS = ("tahun", "judul", "tanggal_mulai")
EVENTS_ON_DASHBOARD = 50


def _messages(errors: dict[str, Any]) -> list[str]:
    """The messages of a ``ValidationError.error_dict``, flattened."""
    out: list[str] = []
    for value in errors.values():
        if isinstance(value, (list, tuple)):
            out.extend(str(v) for v in value)
        else:
            out.append(str(value))
    return out


def _may(action: str, data_dict: dict[str, Any] | None = None) -> bool:
    """May the current user call ``action`` (CKAN's helper builds the context)?"""
    return tk.h.check_access(action, data_dict or {})


def index() -> str | Response:
    """The cycles, and the "open a cycle" form for the Walidata."""
    data: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        data = {k: (tk.request.form.get(k) or "").strip() for k in CREATE_FIELDS}
        payload = {k: v for k, v in data.items() if v}
        try:
            cycle = tk.get_action("satudata_cycle_create")({}, payload)
        except tk.NotAuthorized:
            return tk.abort(403, tk._("Only the Walidata may open a planning cycle"))
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(
                tk._("The {tahun} planning cycle has been opened").format(
                    tahun=cycle["tahun"])
            )
            return tk.redirect_to("satudata_planning.dashboard", tahun=cycle["tahun"])
    cycles = tk.get_action("satudata_cycle_list")({}, {})
    return tk.render(
        "satudata/cycle_list.html",
        extra_vars={
            "cycles": cycles,
            "can_create": _may("satudata_cycle_create"),
            "data": data,
            "errors": errors,
        },
    )


def dashboard(tahun: int) -> str:
    """The cycle of ``tahun``: timeline, my tasks, audit trail."""
    try:
        cycle = tk.get_action("satudata_cycle_show")({}, {"id": tahun})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Planning cycle not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("This planning cycle is not public yet"))
    events: list[dict[str, Any]] = []
    if tk.current_user.is_authenticated:
        events = tk.get_action("satudata_cycle_events")(
            {}, {"id": cycle["id"], "limit": EVENTS_ON_DASHBOARD, "batched": True})
    return tk.render(
        "satudata/cycle_dashboard.html",
        extra_vars={"cycle": cycle, "events": events},
    )


def complete_step(tahun: int, nomor: int) -> Response:
    """POST: complete step ``nomor``; back to the dashboard with a message."""
    data = {"id": tahun, "step": nomor,
            "catatan": (tk.request.form.get("catatan") or "").strip()}
    if not data["catatan"]:
        del data["catatan"]
    try:
        tk.get_action("satudata_step_complete")({}, data)
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Planning cycle not found"))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_messages(e.error_dict)))
    else:
        tk.h.flash_success(tk._("Step {number} completed").format(number=nomor))
    return tk.redirect_to("satudata_planning.dashboard", tahun=tahun)


# --- the Daftar Data ------------------------------------------------------------

PAGE_SIZE = 50
#: the last page whose offset ``satudata_item_list`` accepts
MAX_PAGE = OFFSET_MAX // PAGE_SIZE
FILTERS = ("organization", "status", "hasil", "kategori", "q")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HASIL = ("disetujui", "perbaikan", "duplikat", "dialihkan", "ditolak")


def _cycle(tahun: int) -> dict[str, Any]:
    """The cycle of ``tahun`` (404 / 403 like the dashboard)."""
    try:
        return tk.get_action("satudata_cycle_show")({}, {"id": tahun})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Planning cycle not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("This planning cycle is not public yet"))


def _form_row() -> dict[str, Any]:
    """The row fields of the posted form (multi-value fields as lists)."""
    from ckanext.satudata_planning.row_fields import FIELDS

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


def _filters() -> dict[str, str]:
    args = tk.request.args
    return {k: args.get(k, "").strip() for k in FILTERS if args.get(k, "").strip()}


def _xlsx(data: bytes, filename: str) -> Response:
    from flask import make_response

    response = make_response(data)
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _organizations() -> list[dict[str, str]]:
    if not tk.current_user.is_authenticated:
        return []
    return tk.get_action("satudata_organization_list")({}, {})


def daftar(tahun: int) -> str | Response:
    """The list (GET) and the add-row form (POST)."""
    cycle = _cycle(tahun)
    form_data: dict[str, Any] = {}
    form_errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        form_data = _form_row()
        try:
            item = tk.get_action("satudata_item_create")(
                {}, {**form_data, "cycle_id": cycle["id"]}
            )
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e) or None)
        except tk.ValidationError as e:
            form_errors = e.error_dict
        else:
            tk.h.flash_success(
                tk._("Row {kode} has been added").format(kode=item["kode_data"])
            )
            return tk.redirect_to("satudata_planning.daftar", tahun=tahun)
    return _render_daftar(cycle, form_data=form_data, form_errors=form_errors)


def _page_number(value: Any = None) -> int:
    """The page asked for (``?page=``, or ``value``): 1 when absent or not a
    number, and never past the last page an offset may reach."""
    raw = tk.request.args.get("page", 1) if value is None else value
    try:
        page = int(str(raw).strip() or 1)
    except ValueError:
        return 1
    return min(max(1, page), MAX_PAGE)


def _pager(
    endpoint: str,
    cycle: dict[str, Any],
    listed: dict[str, Any],
    page: int,
    args: dict[str, Any],
) -> Any:
    """CKAN's pager over one page of ``satudata_item_list`` (``listed``),
    linking to ``endpoint`` with the same ``args`` (filters)."""
    from ckan.lib.pagination import Page

    def url(q: Any = None, page: int = 1) -> str:
        return tk.h.url_for(endpoint, tahun=cycle["tahun"], page=page, **args)

    return Page(
        collection=listed["results"],
        page=page,
        url=url,
        item_count=listed["count"],
        items_per_page=PAGE_SIZE,
        presliced_list=True,
    )


def _render_daftar(cycle: dict[str, Any], **extra: Any) -> str:
    filters = _filters()
    page = _page_number()
    query = {
        **filters,
        "cycle_id": cycle["id"],
        "limit": PAGE_SIZE,
        "offset": (page - 1) * PAGE_SIZE,
        "mine_first": True,
    }
    try:
        listed = tk.get_action("satudata_item_list")({}, query)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("This planning cycle is not public yet"))
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_messages(e.error_dict)))
        listed = {"count": 0, "results": []}
    viewer = cycle.get("viewer") or {}
    own = set(viewer.get("produsen_of") or [])
    perbaikan: list[dict[str, Any]] = []
    if own:  # one call: the viewer's rows come first, others are dropped
        perbaikan = [
            i
            for i in tk.get_action("satudata_item_list")(
                {},
                {
                    "cycle_id": cycle["id"],
                    "hasil": "perbaikan",
                    "mine_first": True,
                    "limit": 200,
                },
            )["results"]
            if i["organization"] in own
        ]

    pager = _pager("satudata_planning.daftar", cycle, listed, page, filters)
    may_add = bool(viewer.get("produsen_of")) or tk.h.check_access(
        "satudata_item_import", {"cycle_id": cycle["id"]}
    )
    carry_years: list[int] = []
    if cycle["status"] != "selesai" and tk.h.check_access(
        "satudata_item_carry_over", {"cycle_id": cycle["id"]}
    ):
        carry_years = [
            c["tahun"]
            for c in tk.get_action("satudata_cycle_list")({}, {})
            if c["tahun"] < cycle["tahun"]
        ]
    return tk.render(
        "satudata/item_list.html",
        extra_vars={
            "cycle": cycle,
            "items": listed["results"],
            "count": listed["count"],
            "page": pager,
            "filters": filters,
            "perbaikan": perbaikan,
            "organizations": _organizations(),
            "own": own,
            "may_add": may_add and cycle["status"] != "selesai",
            "form_data": extra.get("form_data") or {},
            "form_errors": extra.get("form_errors") or {},
            "import_errors": extra.get("import_errors") or [],
            "carry_years": carry_years,
        },
    )


def daftar_import(tahun: int) -> str | Response:
    """POST: import an XLSX; every error is shown on the list page."""
    cycle = _cycle(tahun)
    upload = tk.request.files.get("upload")
    if upload is None or not upload.filename:
        return _render_daftar(
            cycle, import_errors=[tk._("Choose an Excel workbook (.xlsx) to import")]
        )
    try:
        result = tk.get_action("satudata_item_import")(
            {}, {"cycle_id": cycle["id"], "upload": upload}
        )
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        return _render_daftar(cycle, import_errors=_messages(e.error_dict))
    tk.h.flash_success(
        tk._("Import done: {created} rows added, {updated} rows updated").format(
            created=result["created"], updated=result["updated"]
        )
    )
    return tk.redirect_to("satudata_planning.daftar", tahun=tahun)


def daftar_carry_over(tahun: int) -> Response:
    """POST: bring an earlier year's agreed rows into this list (step 1)."""
    cycle = _cycle(tahun)
    data = {
        "cycle_id": cycle["id"],
        "from_tahun": (tk.request.form.get("from_tahun") or "").strip(),
    }
    try:
        result = tk.get_action("satudata_item_carry_over")({}, data)
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_messages(e.error_dict)))
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


def daftar_export(tahun: int) -> Response:
    """The list under the current filter as XLSX (re-importable)."""
    from ckanext.satudata_planning import sop, spreadsheet

    cycle = _cycle(tahun)
    try:
        listed = tk.get_action("satudata_item_list")(
            {},
            {
                **_filters(),
                "cycle_id": cycle["id"],
                "limit": 10000,
                "sort": "organization",
            },
        )
    except tk.NotAuthorized:
        return tk.abort(403, tk._("This planning cycle is not public yet"))
    except tk.ValidationError as e:
        return tk.abort(400, " ".join(_messages(e.error_dict)))
    lang = "en" if sop.current_lang().startswith("en") else "id"
    data = spreadsheet.export(listed["results"], lang=lang)
    return _xlsx(data, f"daftar-data-{int(cycle['tahun'])}.xlsx")


def daftar_template(tahun: int) -> Response:
    """The empty template with the producers the viewer may import for."""
    from ckanext.satudata_planning import spreadsheet

    cycle = _cycle(tahun)
    if not tk.current_user.is_authenticated:
        return tk.abort(403, tk._("Log in to download the template"))
    viewer = cycle.get("viewer") or {}
    orgs = _organizations()
    if not (viewer.get("sysadmin") or "walidata" in (viewer.get("actors") or [])):
        own = set(viewer.get("produsen_of") or [])
        orgs = [o for o in orgs if o["name"] in own] or orgs
    data = spreadsheet.build_template([(o["name"], o["title"]) for o in orgs])
    return _xlsx(data, f"templat-daftar-data-{int(cycle['tahun'])}.xlsx")


def _item(cycle: dict[str, Any], kode: str, **extra: Any) -> dict[str, Any]:
    try:
        return tk.get_action("satudata_item_show")(
            {}, {"id": kode, "cycle_id": cycle["id"], **extra}
        )
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data list row not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("This planning cycle is not public yet"))


def item_detail(tahun: int, kode: str) -> str | Response:
    """One row: its fields, the edit form (POST) for those allowed, its
    recommendations and history."""
    cycle = _cycle(tahun)
    form_data: dict[str, Any] = {}
    form_errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        item = _item(cycle, kode)
        form_data = _form_row()
        form_data.pop("kode_data", None)
        try:
            tk.get_action("satudata_item_update")(
                {},
                {
                    **form_data,
                    "id": item["id"],
                    "revision": tk.request.form.get("revision") or None,
                },
            )
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e) or None)
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
            "may_edit": tk.h.check_access("satudata_item_update", {"id": detail["id"]}),
            "may_delete": tk.h.check_access(
                "satudata_item_delete", {"id": detail["id"]}
            ),
            "organizations": _organizations(),
            "form_data": form_data or detail,
            "form_errors": form_errors,
        },
    )


def item_delete(tahun: int, kode: str) -> Response:
    """POST: delete a row."""
    cycle = _cycle(tahun)
    try:
        tk.get_action("satudata_item_delete")({}, {"id": kode, "cycle_id": cycle["id"]})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data list row not found"))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    tk.h.flash_success(tk._("Row {kode} has been deleted").format(kode=kode))
    return tk.redirect_to("satudata_planning.daftar", tahun=tahun)


def _desk_member(cycle: dict[str, Any]) -> bool:
    return tk.h.check_access("satudata_duplicates", {"cycle_id": cycle["id"]})


def rekomendasi(tahun: int) -> str | Response:
    """Pembina Data's page: the list with a recommendation form per row and
    one for the whole list (POST)."""
    cycle = _cycle(tahun)
    if not _desk_member(cycle):
        return tk.abort(
            403,
            tk._(
                "Only the Pembina Data, the Walidata and the Sekretariat see this page"
            ),
        )
    if tk.request.method == "POST":
        data = {
            "cycle_id": cycle["id"],
            "isi": (tk.request.form.get("isi") or "").strip(),
            "item_id": (tk.request.form.get("item_id") or "").strip(),
        }
        try:
            tk.get_action("satudata_recommendation_create")({}, data)
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e) or None)
        except tk.ValidationError as e:
            tk.h.flash_error(" ".join(_messages(e.error_dict)))
        else:
            tk.h.flash_success(tk._("Your recommendation has been saved"))
        return tk.redirect_to(
            "satudata_planning.rekomendasi", tahun=tahun, **_filters()
        )
    filters = _filters()
    page = _page_number()
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
            "page": _pager(
                "satudata_planning.rekomendasi", cycle, listed, page, filters
            ),
            "by_item": by_item,
            "whole_list": by_item.get("", []),
            "filters": filters,
            "organizations": _organizations(),
            "may_recommend": tk.h.check_access(
                "satudata_recommendation_create", {"cycle_id": cycle["id"]}
            ),
        },
    )


def desk(tahun: int) -> str | Response:
    """The desk pra forum: one OPD's rows with review buttons, and the
    candidate duplicates."""
    cycle = _cycle(tahun)
    if not _desk_member(cycle):
        return tk.abort(
            403,
            tk._("Only the desk (Walidata, Sekretariat, Pembina Data) sees this page"),
        )
    organization = tk.request.args.get("organization", "").strip()
    page = _page_number()
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
        tk.h.flash_error(" ".join(_messages(e.error_dict)))
        listed = {"count": 0, "results": []}

    pager = _pager(
        "satudata_planning.desk",
        cycle,
        listed,
        page,
        {"organization": organization} if organization else {},
    )
    pairs = tk.get_action("satudata_duplicates")(
        {},
        {
            "cycle_id": cycle["id"],
            **({"organization": organization} if organization else {}),
        },
    )
    return tk.render(
        "satudata/desk.html",
        extra_vars={
            "cycle": cycle,
            "items": listed["results"],
            "count": listed["count"],
            "page": pager,
            "organization": organization,
            "organizations": _organizations(),
            "pairs": pairs,
            "hasil_values": HASIL,
            "may_review": cycle["current_step"] == 4
            or ((cycle.get("viewer") or {}).get("sysadmin")),
        },
    )


def desk_review(tahun: int, kode: str) -> Response:
    """POST: the desk's result for one row."""
    cycle = _cycle(tahun)
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
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data list row not found"))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_messages(e.error_dict)))
    else:
        tk.h.flash_success(tk._("Desk result saved for {kode}").format(kode=kode))
    back = (form.get("organization_filter") or "").strip()
    page = _page_number(form.get("page"))
    return tk.redirect_to(
        "satudata_planning.desk",
        tahun=tahun,
        **({"organization": back} if back else {}),
        **({"page": page} if page > 1 else {}),
    )


def desk_ignore(tahun: int) -> Response:
    """POST: the desk marks a pair "bukan duplikat"."""
    cycle = _cycle(tahun)
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
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_messages(e.error_dict)))
    else:
        tk.h.flash_success(tk._("The pair is marked as not a duplicate"))
    back = (form.get("organization_filter") or "").strip()
    page = _page_number(form.get("page"))
    return tk.redirect_to(
        "satudata_planning.desk",
        tahun=tahun,
        **({"organization": back} if back else {}),
        **({"page": page} if page > 1 else {}),
    )


perencanaan.add_url_rule(
    "/", "index", index, methods=["GET", "POST"], strict_slashes=False
)
perencanaan.add_url_rule("/<int:tahun>", "dashboard", dashboard)
perencanaan.add_url_rule(
    "/<int:tahun>/langkah/<int:nomor>/selesai",
    "complete_step",
    complete_step,
    methods=["POST"],
)
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

# steps 5–9 (forum, documents, SK): imported last, it uses this module's helpers
from ckanext.satudata_planning.views_forum import forum  # noqa: E402

# step 10 (provisioning, OPD progress): imported last, it uses this module's helpers
from ckanext.satudata_planning.views_portal import portal  # noqa: E402
