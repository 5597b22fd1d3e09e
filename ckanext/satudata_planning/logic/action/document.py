"""Actions of the documents of steps 5–8: BA desk, BA forum and SK (their
number, date, place, participants, signatories and the signed PDF), and the
data each document is generated from.

Write actions lock the cycle row, write the change and its audit event in
one transaction and commit once. A signed PDF is checked
(:func:`uploads.check_pdf`) *before* CKAN's uploader touches the disk, so a
refused upload writes nothing; a replaced file is deleted only after the
commit.

Examples (ckanapi)::

    ckan.action.satudata_document_update(cycle_id=2027, jenis="ba_desk",
                                         nomor="000.5/12/2026", tanggal="2026-09-01")
    ckan.action.satudata_document_upload(cycle_id=2027, jenis="sk",
                                         upload=open("sk-ttd.pdf", "rb"))
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterable
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.satudata_planning import config, sop
from ckanext.satudata_planning.logic import schema, uploads
from ckanext.satudata_planning.logic.dictize import cycle_items
from ckanext.satudata_planning.model import Cycle, Document, Item, utcnow
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.sop.documents import JENIS, kind
from ckanext.satudata_planning.sop.roles import roles_in_context

from ._common import commit, get_cycle, iso, read_upload, rollback
from .recommendation import recommendations

log = logging.getLogger(__name__)

__all__ = [
    "satudata_document_data",
    "satudata_document_show",
    "satudata_document_update",
    "satudata_document_upload",
]


def document_dictize(
    cycle: Cycle, jenis: str, doc: Optional[Document], *, public: bool = False
) -> dict[str, Any]:
    """The document as callers see it; an empty shell before it is written.

    ``public`` (anonymous visitors of a published SK): no participant list.
    """
    data: dict[str, Any] = {
        "id": doc.id if doc else None,
        "cycle_id": cycle.id,
        "tahun": cycle.tahun,
        "jenis": jenis,
        "nomor": doc.nomor if doc else None,
        "tanggal": iso(doc.tanggal) if doc else None,
        "tempat": doc.tempat if doc else None,
        "peserta": list(doc.peserta or []) if doc else [],
        "penandatangan": list(doc.penandatangan or []) if doc else [],
        "file": doc.file if doc else None,
        "file_name": doc.file_name if doc else None,
        "file_size": doc.file_size if doc else None,
        "has_file": bool(doc and doc.file),
        "uploaded": iso(doc.uploaded) if doc else None,
        "published": bool(doc and doc.published),
        "published_at": iso(doc.published_at) if doc else None,
        "modified": iso(doc.modified) if doc else None,
        "complete": bool(doc and doc.complete),
    }
    if public:
        for key in ("peserta", "penandatangan", "uploaded", "modified"):
            data.pop(key)
    return data


def _check_step(
    cycle: Cycle, jenis: str, context: Context, keys: Iterable[str] = ()
) -> None:
    """Documents are written from their step on (5, 7, 8; the forum's
    ``peserta`` alone from step 6); the SK is frozen once published."""
    spec = kind(jenis)
    first = spec.first_step
    if spec.attendance_from and set(keys) == {"peserta"}:
        first = spec.attendance_from.number
    if cycle.current_step < first and not cycle.finished:
        rollback(context)
        raise tk.ValidationError(
            {
                "jenis": [
                    tk._(
                        "{document} is written from step {step} on; "
                        "the cycle is at step {current}"
                    ).format(
                        document=kind(jenis).name.get(sop.current_lang()),
                        step=first,
                        current=cycle.current_step,
                    )
                ]
            }
        )
    if jenis == "sk" and cycle.published:
        rollback(context)
        raise tk.ValidationError(
            {
                "jenis": [
                    tk._(
                        "The decree (SK) has been published and can no "
                        "longer be changed"
                    )
                ]
            }
        )


def _document_for_update(cycle: Cycle, jenis: str, user_id: Optional[str]) -> Document:
    """The cycle's ``jenis`` document, created when absent (cycle row locked)."""
    doc = Document.get(cycle.id, jenis, for_update=True)
    if doc is None:
        doc = Document(
            cycle_id=cycle.id,
            jenis=jenis,
            peserta=[],
            penandatangan=[],
            created_by=user_id,
            modified_by=user_id,
        )
        model.Session.add(doc)
    return doc


@validate(schema.document_show)
@tk.side_effect_free
def satudata_document_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One document of a cycle (an empty shell, ``id`` null, before it is written).

    :param cycle_id: id or year
    :param jenis: ``ba_desk``, ``ba_forum`` or ``sk``
    :returns: ``{jenis, nomor, tanggal, tempat, peserta, penandatangan,
        has_file, file_name, file_size, published, complete, …}``;
        anonymous visitors may read the published SK only (no participants)
    """
    tk.check_access("satudata_document_show", context, data_dict)
    cycle = get_cycle(data_dict["cycle_id"])
    jenis = data_dict["jenis"]
    return document_dictize(
        cycle, jenis, Document.get(cycle.id, jenis), public=not context.get("user")
    )


@validate(schema.document_update)
def satudata_document_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Write the number, date, place, participants or signatories of a document.

    :param cycle_id: id or year
    :param jenis: ``ba_desk`` (from step 5), ``ba_forum`` (step 7; its
        ``peserta`` alone from step 6: the forum's attendance), ``sk`` (step 8)
    :param nomor: the document's number
    :param tanggal: its date ``YYYY-MM-DD``
    :param tempat: where the meeting was held
    :param peserta: list of ``{nama, jabatan, instansi}`` or text, one per line
        ``Nama; Jabatan; Instansi``
    :param penandatangan: list of ``{nama, jabatan, nip}`` or text, one per line
        ``Nama; Jabatan; NIP``
    :returns: the document, as :func:`satudata_document_show` gives it

    Only the fields given change (an empty value clears one).
    """
    tk.check_access("satudata_document_update", context, data_dict)
    roles = roles_in_context(context)
    cycle = get_cycle(data_dict["cycle_id"], for_update=True)
    jenis = data_dict["jenis"]
    _check_step(
        cycle,
        jenis,
        context,
        keys=(
            k
            for k in ("nomor", "tanggal", "tempat", "peserta", "penandatangan")
            if k in data_dict
        ),
    )
    doc = _document_for_update(cycle, jenis, roles.user_id)
    before = doc.snapshot() if doc.id else None
    for key in ("nomor", "tanggal", "tempat", "peserta", "penandatangan"):
        if key in data_dict:
            value = data_dict[key]
            if key in ("peserta", "penandatangan") and value is None:
                value = []
            setattr(doc, key, value)
    now = utcnow()
    doc.changed(
        model.Session, action=EventAction.DOCUMENT_UPDATE, user_id=roles.user_id,
        before=before, now=now,
    )
    commit(context)
    return document_dictize(cycle, jenis, doc)


@validate(schema.document_upload)
def satudata_document_upload(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Keep the scanned, signed PDF of a document (replacing an earlier one).

    :param cycle_id: id or year
    :param jenis: ``ba_desk``, ``ba_forum`` or ``sk`` (from their step on)
    :param upload: the PDF (a file upload, or bytes)
    :returns: the document

    Only a complete, inert PDF under ``upload_max_bytes`` is taken; anything
    else is a ``ValidationError`` on ``upload`` and nothing is written.
    """
    tk.check_access("satudata_document_upload", context, data_dict)
    roles = roles_in_context(context)
    max_bytes = config.upload_max_bytes()
    data, client_name = read_upload(
        data_dict["upload"], max_bytes, tk._("Upload the signed PDF file")
    )
    try:
        uploads.check_pdf(data, max_bytes=max_bytes)
    except uploads.UploadRefused as e:
        raise tk.ValidationError({"upload": [e.message]}) from None
    cycle = get_cycle(data_dict["cycle_id"], for_update=True)
    jenis = data_dict["jenis"]
    _check_step(cycle, jenis, context)
    if uploads.storage_dir() is None:
        rollback(context)
        raise tk.ValidationError(
            {
                "upload": [
                    tk._(
                        "File storage is not configured on this portal "
                        "(ckan.storage_path)"
                    )
                ]
            }
        )
    doc = _document_for_update(cycle, jenis, roles.user_id)
    before = doc.snapshot() if doc.id else None

    from werkzeug.datastructures import FileStorage

    # the checked bytes, under a name and type we choose: what the user's
    # browser claims plays no part
    fields: dict[str, Any] = {
        "file_upload": FileStorage(
            stream=io.BytesIO(data),
            filename=f"{jenis}-{cycle.tahun}.pdf",
            content_type="application/pdf",
        )
    }
    from ckan.lib.uploader import get_uploader

    # no old_filename: CKAN's uploader would delete the old file as soon as it
    # writes the new one, before our commit; the old file goes after it
    uploader = get_uploader(uploads.OBJECT_TYPE)
    uploader.update_data_dict(fields, "file", "file_upload", "clear_upload")
    now = utcnow()
    old_file = doc.file
    doc.file = fields["file"]
    doc.file_name = uploads.safe_filename(client_name, f"{jenis}-{cycle.tahun}.pdf")
    doc.file_size = len(data)
    doc.uploaded = now
    doc.uploaded_by = roles.user_id
    doc.changed(
        model.Session, action=EventAction.DOCUMENT_UPLOAD, user_id=roles.user_id,
        before=before, now=now,
    )
    uploader.upload(max_size=math.ceil(max_bytes / (1024 * 1024)) + 1)
    try:
        commit(context)
    except Exception:
        _remove_stored(doc.file)
        raise
    if old_file and old_file != doc.file and not context.get("defer_commit"):
        _remove_stored(old_file)
    return document_dictize(cycle, jenis, doc)


def _remove_stored(filename: str) -> None:
    """Delete a stored file through the configured uploader (a cleared upload),
    so that an IUploader plugin's storage is cleaned the same way."""
    from ckan.lib.uploader import get_uploader

    uploader = get_uploader(uploads.OBJECT_TYPE, old_filename=filename)
    fields = {"file": filename, "clear_upload": True}
    uploader.update_data_dict(fields, "file", "file_upload", "clear_upload")
    try:
        uploader.upload()
    except OSError as e:  # a file left behind is logged, not an error
        log.warning("Could not remove stored file %s: %s", filename, e)


@validate(schema.document_show)
@tk.side_effect_free
def satudata_document_data(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """What a document is generated from (logged-in users): the record, the
    cycle, its rows and the Pembina's notes, in the shape of
    ``documents.DocumentContext.from_value``.

    :param cycle_id: id or year
    :param jenis: ``ba_desk`` (every row with its desk result), ``ba_forum``
        or ``sk`` (the agreed rows)
    """
    tk.check_access("satudata_document_data", context, data_dict)
    cycle = get_cycle(data_dict["cycle_id"])
    jenis = data_dict["jenis"]
    docs = {j: Document.get(cycle.id, j) for j in JENIS}
    doc = docs[jenis]
    where = () if jenis == "ba_desk" else (Item.disepakati.is_(True),)
    data: dict[str, Any] = {
        "tahun": cycle.tahun,
        "judul": cycle.judul,
        "nomor": (doc.nomor if doc else "") or "",
        "tanggal": iso(doc.tanggal) if doc else None,
        "tempat": (doc.tempat if doc else "") or "",
        "peserta": list(doc.peserta or []) if doc else [],
        "penandatangan": list(doc.penandatangan or []) if doc else [],
        "items": cycle_items(cycle, *where),
        "rekomendasi": [
            {"isi": r["isi"], "kode_data": r["kode_data"] or ""}
            for r in reversed(recommendations(cycle.id))
        ],
    }
    for j in ("ba_desk", "ba_forum"):
        data[f"{j}_nomor"] = (docs[j].nomor if docs[j] else "") or ""
        data[f"{j}_tanggal"] = iso(docs[j].tanggal) if docs[j] else None
    return data
