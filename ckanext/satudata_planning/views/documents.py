"""``/perencanaan/<tahun>/dokumen``: BA desk, BA forum and SK (steps 5–9):
the form (``/dokumen/<jenis>``, POST), the .docx (``/dokumen/<jenis>.docx``),
the printable page (``/dokumen/<jenis>/cetak``), the signed PDF's upload
(``/dokumen/<jenis>/unggah``, POST) and download (``/dokumen/<jenis>/ttd.pdf``),
the publication (``/dokumen/sk/publikasi``, POST: step 9, Walidata), and the
forum's working paper (``/dokumen/draft-penyepakatan/cetak``)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.types import Response
from flask import send_file

from ckanext.satudata_planning import config, documents, sop
from ckanext.satudata_planning.logic import uploads
from ckanext.satudata_planning.sop.documents import DOCUMENTS, JENIS

from .blueprints import forum
from .common import (
    action_errors,
    download,
    load_cycle,
    messages,
    viewer_is,
)
from .forum import _document, _lines

JENIS_RULE = "<any({}):jenis>".format(", ".join(JENIS))
FIELDS = ("nomor", "tanggal", "tempat", "peserta", "penandatangan")


def _title(jenis: str) -> str:
    return sop.documents.kind(jenis).title.get(sop.current_lang())


@action_errors
def dokumen(
    tahun: int,
    errors: Optional[dict[str, dict[str, Any]]] = None,
    posted: Optional[dict[str, dict[str, Any]]] = None,
    publish_result: Optional[dict[str, Any]] = None,
) -> str:
    """BA desk, BA forum and SK: forms, downloads, uploads, publication."""
    cycle = load_cycle(tahun)
    docs = []
    for kind in DOCUMENTS:
        jenis = kind.jenis
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
                "title": _title(jenis),
                "doc": doc,
                "data": data,
                "errors": (errors or {}).get(jenis) or {},
                "from_step": kind.first_step,
            }
        )
    sk = docs[2]["doc"]
    return tk.render(
        "satudata/dokumen.html",
        extra_vars={
            "cycle": cycle,
            "docs": docs,
            "may_write": viewer_is(cycle, "walidata", "sekretariat"),
            "may_publish": (
                viewer_is(cycle, "walidata")
                and cycle["current_step"] == sop.PUBLISH.number
                and not cycle["published"]
            ),
            "may_resend": viewer_is(cycle, "walidata") and cycle["published"],
            "sk": sk,
            "publish_result": publish_result,
            "max_mb": _max_mb(),
        },
    )


def _max_mb() -> str:
    size = config.upload_max_bytes() / (1024 * 1024)
    return f"{size:.1f}".rstrip("0").rstrip(".")


@action_errors
def dokumen_update(tahun: int, jenis: str) -> str | Response:
    """POST: number, date, place, participants, signatories of one document."""
    cycle = load_cycle(tahun)
    form = tk.request.form
    data = {k: (form.get(k) or "").strip() for k in FIELDS if k in form}
    try:
        tk.get_action("satudata_document_update")(
            {}, {"cycle_id": cycle["id"], "jenis": jenis, **data}
        )
    except tk.ValidationError as e:
        tk.h.flash_error(tk._("The document was not saved: see the errors below"))
        return dokumen(tahun, errors={jenis: e.error_dict}, posted={jenis: data})
    tk.h.flash_success(tk._("{document} saved").format(document=_title(jenis)))
    return tk.redirect_to("satudata_forum.dokumen", tahun=tahun, _anchor=jenis)


@action_errors
def dokumen_upload(tahun: int, jenis: str) -> str | Response:
    """POST (multipart): the signed PDF of one document."""
    cycle = load_cycle(tahun)
    upload = tk.request.files.get("upload")
    if upload is None or not upload.filename:
        return dokumen(
            tahun, errors={jenis: {"upload": [tk._("Choose the signed PDF file")]}}
        )
    try:
        tk.get_action("satudata_document_upload")(
            {}, {"cycle_id": cycle["id"], "jenis": jenis, "upload": upload}
        )
    except tk.ValidationError as e:
        tk.h.flash_error(tk._("The signed PDF was not kept: see the errors below"))
        return dokumen(tahun, errors={jenis: e.error_dict})
    tk.h.flash_success(tk._("Signed PDF kept"))
    return tk.redirect_to("satudata_forum.dokumen", tahun=tahun, _anchor=jenis)


@action_errors
def dokumen_publish(tahun: int) -> str | Response:
    """POST: publish the SK (step 9, Walidata) and show who got the e-mail."""
    cycle = load_cycle(tahun)
    try:
        result = tk.get_action("satudata_sk_publish")(
            {},
            {"cycle_id": cycle["id"], "resend": tk.request.form.get("resend") == "1"},
        )
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(messages(e.error_dict)))
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


@action_errors
def dokumen_docx(tahun: int, jenis: str) -> Response:
    """The document as Word (.docx), from the cycle's data."""
    _logged_in()
    cycle = load_cycle(tahun)
    data = documents.render(
        jenis,
        _context(cycle, jenis),  # type: ignore[arg-type]
        template_dir=documents.configured_template_dir(),
    )
    return download(
        data,
        documents.filename(jenis, cycle["tahun"]),
        documents.DOCX_MIMETYPE,
    )


@action_errors
def dokumen_cetak(tahun: int, jenis: str) -> str:
    """The printable page of the document."""
    _logged_in()
    cycle = load_cycle(tahun)
    return tk.render(
        documents.HTML_TEMPLATES[jenis],
        extra_vars=documents.render_html_context(jenis, _context(cycle, jenis)),
    )  # type: ignore[arg-type]


@action_errors
def draft_cetak(tahun: int) -> str:
    """The working paper of the forum: the approved rows per OPD with the
    decisions taken so far (Draft Penyepakatan Daftar Data)."""
    _logged_in()
    cycle = load_cycle(tahun)
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


@action_errors
def dokumen_pdf(tahun: int, jenis: str) -> Response:
    """The signed PDF (anonymous visitors: the published SK only)."""
    doc = tk.get_action("satudata_document_show")(
        {}, {"cycle_id": tahun, "jenis": jenis}
    )
    path = uploads.signed_pdf_path(doc)
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
