"""Screens of steps 5–9 under /perencanaan: the forum, the documents, the SK.

* ``/perencanaan/<tahun>/forum``: the rows approved at the desk per OPD, the
  forum's decision per row and in bulk (``/forum/sepakati``, POST), the
  attendance (``/forum/peserta``, POST), and the printable draft agreement
  (``/dokumen/draft-penyepakatan/cetak``).
* ``/perencanaan/<tahun>/dokumen``: BA desk, BA forum, SK: the form
  (``/dokumen/<jenis>``, POST), the .docx (``/dokumen/<jenis>.docx``), the
  printable page (``/dokumen/<jenis>/cetak``), the signed PDF's upload
  (``/dokumen/<jenis>/unggah``, POST) and download (``/dokumen/<jenis>/ttd.pdf``),
  and the publication (``/dokumen/sk/publikasi``, POST: step 9, Walidata).
* ``/perencanaan/<tahun>/sk``: the public page: the SK and the agreed list.

Anonymous visitors: :func:`_public_only` (a ``before_request`` of the
``satudata_planning`` blueprint) shows them the public page instead of the
cycle's dashboard and keeps them off every other screen of a cycle: after
publication they see the SK and the agreed list, nothing else.

Views call actions only; forms carry CKAN's CSRF token, which ``csrf_guard``
checks on every session POST.
"""

from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.types import Response
from flask import Blueprint, make_response, send_file

from ckanext.satudata_planning import documents, uploads

forum = Blueprint("satudata_forum", __name__, url_prefix="/perencanaan")

__all__ = ["forum"]

JENIS = ("ba_desk", "ba_forum", "sk")
JENIS_RULE = "<any(ba_desk, ba_forum, sk):jenis>"
FIELDS = ("nomor", "tanggal", "tempat", "peserta", "penandatangan")
#: screens of the planning blueprint anonymous visitors may open
PUBLIC_ENDPOINTS = (
    "satudata_planning.index",
    "satudata_forum.public",
    "satudata_forum.dokumen_pdf",
)


def _views() -> Any:
    """``views`` (imported late: it imports this module)."""
    from ckanext.satudata_planning import views

    return views


def _cycle(tahun: int) -> dict[str, Any]:
    return _views()._cycle(tahun)


def _titles() -> dict[str, str]:
    return {
        "ba_desk": tk._("Minutes of the desk pra forum (BA desk)"),
        "ba_forum": tk._("Minutes of the Forum Satu Data (BA forum)"),
        "sk": tk._("Decree (SK) on the Data List"),
    }


def _is_compiler(cycle: dict[str, Any]) -> bool:
    viewer = cycle.get("viewer") or {}
    return bool(
        viewer.get("sysadmin")
        or {"walidata", "sekretariat"}.intersection(viewer.get("actors") or [])
    )


def _is_walidata(cycle: dict[str, Any]) -> bool:
    viewer = cycle.get("viewer") or {}
    return bool(viewer.get("sysadmin") or "walidata" in (viewer.get("actors") or []))


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
        _cycle(tahun)  # 404 / 403 (not public yet) as the dashboard answers
        return tk.redirect_to("satudata_forum.public", tahun=tahun)
    return None


def public(tahun: int) -> str:
    """The SK and the agreed list: all a visitor sees of a published cycle."""
    cycle = _cycle(tahun)
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
    cycle = _cycle(tahun)
    listed = tk.get_action("satudata_item_list")(
        {}, {"cycle_id": cycle["id"], "hasil": "disetujui", "limit": 10000}
    )
    ba_forum = _document(cycle, "ba_forum")
    may_decide = (
        _is_compiler(cycle)
        and cycle["current_step"] == 6
        and (cycle["status"] != "selesai")
    )
    return tk.render(
        "satudata/forum.html",
        extra_vars={
            "cycle": cycle,
            "groups": _group(listed["results"]),
            "count": listed["count"],
            "may_decide": may_decide,
            "may_edit_attendance": _is_compiler(cycle) and cycle["current_step"] >= 6,
            "peserta": _lines(ba_forum["peserta"], "instansi"),
            "decided": sum(1 for i in listed["results"] if i["disepakati"] is not None),
        },
    )


def forum_agree(tahun: int) -> Response:
    """POST: the forum's decision on the chosen rows (one row or in bulk)."""
    cycle = _cycle(tahun)
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
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_views()._messages(e.error_dict)))
    else:
        message = (
            tk._("{count} row(s) agreed")
            if result["disepakati"]
            else tk._("{count} row(s) not agreed")
        )
        tk.h.flash_success(message.format(count=result["count"]))
    return tk.redirect_to("satudata_forum.forum_page", tahun=tahun)


def forum_attendance(tahun: int) -> Response:
    """POST: the forum's attendance list (the BA forum's ``peserta``)."""
    cycle = _cycle(tahun)
    try:
        tk.get_action("satudata_document_update")(
            {},
            {
                "cycle_id": cycle["id"],
                "jenis": "ba_forum",
                "peserta": tk.request.form.get("peserta") or "",
            },
        )
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_views()._messages(e.error_dict)))
    else:
        tk.h.flash_success(tk._("Attendance saved"))
    return tk.redirect_to("satudata_forum.forum_page", tahun=tahun)


# --- the documents -------------------------------------------------------------------


def dokumen(
    tahun: int,
    errors: Optional[dict[str, dict[str, Any]]] = None,
    posted: Optional[dict[str, dict[str, Any]]] = None,
    publish_result: Optional[dict[str, Any]] = None,
) -> str:
    """BA desk, BA forum and SK: forms, downloads, uploads, publication."""
    cycle = _cycle(tahun)
    docs = []
    for jenis in JENIS:
        doc = _document(cycle, jenis)
        data = {
            "nomor": doc["nomor"] or "",
            "tanggal": doc["tanggal"] or "",
            "tempat": doc["tempat"] or "",
            "peserta": _lines(doc["peserta"], "instansi"),
            "penandatangan": _lines(doc["penandatangan"], "nip"),
        }
        data.update((posted or {}).get(jenis) or {})
        docs.append(
            {
                "jenis": jenis,
                "title": _titles()[jenis],
                "doc": doc,
                "data": data,
                "errors": (errors or {}).get(jenis) or {},
                "from_step": {"ba_desk": 5, "ba_forum": 7, "sk": 8}[jenis],
            }
        )
    sk = docs[2]["doc"]
    return tk.render(
        "satudata/dokumen.html",
        extra_vars={
            "cycle": cycle,
            "docs": docs,
            "may_write": _is_compiler(cycle),
            "may_publish": (
                _is_walidata(cycle)
                and cycle["current_step"] == 9
                and not cycle["published"]
            ),
            "may_resend": _is_walidata(cycle) and cycle["published"],
            "sk": sk,
            "publish_result": publish_result,
            "max_mb": _max_mb(),
        },
    )


def _max_mb() -> str:
    size = int(
        tk.config.get("ckanext.satudata_planning.upload_max_bytes") or 10 * 1024 * 1024
    ) / (1024 * 1024)
    return f"{size:.1f}".rstrip("0").rstrip(".")


def dokumen_update(tahun: int, jenis: str) -> str | Response:
    """POST: number, date, place, participants, signatories of one document."""
    cycle = _cycle(tahun)
    form = tk.request.form
    data = {k: (form.get(k) or "").strip() for k in FIELDS if k in form}
    try:
        tk.get_action("satudata_document_update")(
            {}, {"cycle_id": cycle["id"], "jenis": jenis, **data}
        )
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(tk._("The document was not saved: see the errors below"))
        return dokumen(tahun, errors={jenis: e.error_dict}, posted={jenis: data})
    tk.h.flash_success(tk._("{document} saved").format(document=_titles()[jenis]))
    return tk.redirect_to("satudata_forum.dokumen", tahun=tahun, _anchor=jenis)


def dokumen_upload(tahun: int, jenis: str) -> str | Response:
    """POST (multipart): the signed PDF of one document."""
    cycle = _cycle(tahun)
    upload = tk.request.files.get("upload")
    if upload is None or not upload.filename:
        return dokumen(
            tahun, errors={jenis: {"upload": [tk._("Choose the signed PDF file")]}}
        )
    try:
        tk.get_action("satudata_document_upload")(
            {}, {"cycle_id": cycle["id"], "jenis": jenis, "upload": upload}
        )
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(tk._("The signed PDF was not kept: see the errors below"))
        return dokumen(tahun, errors={jenis: e.error_dict})
    tk.h.flash_success(tk._("Signed PDF kept"))
    return tk.redirect_to("satudata_forum.dokumen", tahun=tahun, _anchor=jenis)


def dokumen_publish(tahun: int) -> str | Response:
    """POST: publish the SK (step 9, Walidata) and show who got the e-mail."""
    cycle = _cycle(tahun)
    try:
        result = tk.get_action("satudata_sk_publish")(
            {},
            {"cycle_id": cycle["id"], "resend": tk.request.form.get("resend") == "1"},
        )
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_views()._messages(e.error_dict)))
        return tk.redirect_to("satudata_forum.dokumen", tahun=tahun, _anchor="sk")
    tk.h.flash_success(tk._("The decree (SK) and the agreed list are published"))
    return dokumen(tahun, publish_result=result)


def _context(cycle: dict[str, Any], jenis: str) -> dict[str, Any]:
    data = tk.get_action("satudata_document_data")(
        {}, {"cycle_id": cycle["id"], "jenis": jenis}
    )
    return {**documents.config_defaults(), **data}


def _logged_in() -> None:
    if not tk.current_user.is_authenticated:
        tk.abort(403, tk._("Log in to see the documents"))


def dokumen_docx(tahun: int, jenis: str) -> Response:
    """The document as Word (.docx), from the cycle's data."""
    _logged_in()
    cycle = _cycle(tahun)
    data = documents.render(
        jenis,
        _context(cycle, jenis),  # type: ignore[arg-type]
        template_dir=documents.configured_template_dir(),
    )
    response = make_response(data)
    response.headers["Content-Type"] = documents.DOCX_MIMETYPE
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{documents.filename(jenis, cycle["tahun"])}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def dokumen_cetak(tahun: int, jenis: str) -> str:
    """The printable page of the document."""
    _logged_in()
    cycle = _cycle(tahun)
    return tk.render(
        documents.HTML_TEMPLATES[jenis],
        extra_vars=documents.render_html_context(jenis, _context(cycle, jenis)),
    )  # type: ignore[arg-type]


def draft_cetak(tahun: int) -> str:
    """The working paper of the forum: the approved rows per OPD with the
    decisions taken so far (Draft Penyepakatan Daftar Data)."""
    _logged_in()
    cycle = _cycle(tahun)
    data = _context(cycle, "ba_desk")
    approved = [i for i in data["items"] if i.get("hasil") == "disetujui"]
    decision = {i["kode_data"]: i.get("disepakati") for i in approved}
    variables = documents.render_html_context("ba_desk", {**data, "items": approved})
    return tk.render(
        "satudata/documents/draft_penyepakatan.html",
        extra_vars={
            **variables,
            "decision": decision,
            "jumlah_disepakati": sum(1 for v in decision.values() if v is True),
        },
    )


def dokumen_pdf(tahun: int, jenis: str) -> Response:
    """The signed PDF (anonymous visitors: the published SK only)."""
    from ckanext.satudata_planning.logic.action.document import signed_pdf_path

    try:
        doc = tk.get_action("satudata_document_show")(
            {}, {"cycle_id": tahun, "jenis": jenis}
        )
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Planning cycle not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("This document is not public"))
    path = signed_pdf_path(doc)
    if path is None:
        return tk.abort(404, tk._("No signed PDF has been uploaded yet"))
    name = uploads.safe_filename(
        doc.get("file_name") or "", f"{jenis}-{doc['tahun']}.pdf"
    )
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


forum.add_url_rule("/<int:tahun>/sk", "public", public)
forum.add_url_rule("/<int:tahun>/forum", "forum_page", forum_page)
forum.add_url_rule(
    "/<int:tahun>/forum/sepakati", "forum_agree", forum_agree, methods=["POST"]
)
forum.add_url_rule(
    "/<int:tahun>/forum/peserta", "forum_attendance", forum_attendance, methods=["POST"]
)
forum.add_url_rule("/<int:tahun>/dokumen", "dokumen", dokumen)
forum.add_url_rule(
    "/<int:tahun>/dokumen/draft-penyepakatan/cetak", "draft_cetak", draft_cetak
)
forum.add_url_rule(
    "/<int:tahun>/dokumen/sk/publikasi",
    "dokumen_publish",
    dokumen_publish,
    methods=["POST"],
)
forum.add_url_rule(
    f"/<int:tahun>/dokumen/{JENIS_RULE}",
    "dokumen_update",
    dokumen_update,
    methods=["POST"],
)
forum.add_url_rule(
    f"/<int:tahun>/dokumen/{JENIS_RULE}.docx", "dokumen_docx", dokumen_docx
)
forum.add_url_rule(
    f"/<int:tahun>/dokumen/{JENIS_RULE}/cetak", "dokumen_cetak", dokumen_cetak
)
forum.add_url_rule(
    f"/<int:tahun>/dokumen/{JENIS_RULE}/unggah",
    "dokumen_upload",
    dokumen_upload,
    methods=["POST"],
)
forum.add_url_rule(
    f"/<int:tahun>/dokumen/{JENIS_RULE}/ttd.pdf", "dokumen_pdf", dokumen_pdf
)

# anonymous visitors: the public page, on this blueprint and the cycle's screens
forum.before_request(_public_only)
_views().perencanaan.before_request(_public_only)
