"""Actions of steps 5–9: the documents (BA desk, BA forum, SK), the forum's
decision on each approved row, and the publication of the SK.

Write actions follow :mod:`logic.action.cycle`: access first, then the cycle
row locked, the change and its audit events in one transaction, one commit.
A signed PDF is checked (:func:`uploads.check_pdf`) *before* CKAN's uploader
touches the disk, so a refused upload writes nothing. The publication commits
before any e-mail goes out: a mail server that fails cannot undo it; each
failure is logged and returned.

Examples (ckanapi)::

    ckan.action.satudata_document_update(cycle_id=2027, jenis="ba_desk",
                                         nomor="000.5/12/2026", tanggal="2026-09-01")
    ckan.action.satudata_item_agree(cycle_id=2027, ids=["2027-DINKES-001"],
                                    disepakati=True)
    ckan.action.satudata_document_upload(cycle_id=2027, jenis="sk",
                                         upload=open("sk-ttd.pdf", "rb"))
    ckan.action.satudata_sk_publish(cycle_id=2027)   # {"notified": 12, "failed": []}
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
from collections.abc import Iterable, Iterator
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.satudata_planning import gates, uploads
from ckanext.satudata_planning.logic import schema
from ckanext.satudata_planning.model import Cycle, Document, Event, Item, utcnow
from ckanext.satudata_planning.model.document import FROM_STEP, JENIS
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.roles import roles_in_context

log = logging.getLogger(__name__)

__all__ = [
    "satudata_document_data",
    "satudata_document_show",
    "satudata_document_update",
    "satudata_document_upload",
    "satudata_item_agree",
    "satudata_sk_publish",
]

UPLOAD_MAX_OPTION = "ckanext.satudata_planning.upload_max_bytes"
#: CKAN uploader object type: files live in <storage>/storage/uploads/<this>/
OBJECT_TYPE = "satudata_documents"
FORUM_STEP = 6
PUBLISH_STEP = 9
AGREED = "disetujui"
EMAIL_TEMPLATE = "satudata/emails/sk_published.txt"
EMAIL_SUBJECT_TEMPLATE = "satudata/emails/sk_published_subject.txt"


# --- helpers -------------------------------------------------------------------


def _commit(context: Context) -> None:
    if not context.get("defer_commit"):
        model.Session.commit()


def _rollback(context: Context) -> None:
    if not context.get("defer_commit"):
        model.Session.rollback()


def _get_cycle(ref: Any, *, for_update: bool = False) -> Cycle:
    cycle = Cycle.get(ref, for_update=for_update)
    if cycle is None:
        raise tk.ObjectNotFound(tk._("Planning cycle not found"))
    return cycle


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _label(jenis: str) -> str:
    return {
        "ba_desk": tk._("The desk minutes (BA desk pra forum)"),
        "ba_forum": tk._("The forum minutes (BA Forum Satu Data)"),
        "sk": tk._("The decree (SK)"),
    }[jenis]


def upload_max_bytes() -> int:
    return int(tk.config.get(UPLOAD_MAX_OPTION) or 10 * 1024 * 1024)


def storage_dir() -> Optional[str]:
    """Where CKAN's uploader keeps the signed PDFs (None: no storage_path)."""
    from ckan.lib.uploader import get_storage_path

    path = get_storage_path()
    return os.path.join(path, "storage", "uploads", OBJECT_TYPE) if path else None


def signed_pdf_path(document: dict[str, Any]) -> Optional[str]:
    """The file on disk of a document dict's signed PDF (views send it)."""
    stored = document.get("file")
    folder = storage_dir()
    if not stored or not folder:
        return None
    path = os.path.join(folder, os.path.basename(stored))
    return path if os.path.isfile(path) else None


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
        "tanggal": _iso(doc.tanggal) if doc else None,
        "tempat": doc.tempat if doc else None,
        "peserta": list(doc.peserta or []) if doc else [],
        "penandatangan": list(doc.penandatangan or []) if doc else [],
        "file": doc.file if doc else None,
        "file_name": doc.file_name if doc else None,
        "file_size": doc.file_size if doc else None,
        "has_file": bool(doc and doc.file),
        "uploaded": _iso(doc.uploaded) if doc else None,
        "published": bool(doc and doc.published),
        "published_at": _iso(doc.published_at) if doc else None,
        "modified": _iso(doc.modified) if doc else None,
        "complete": bool(doc and doc.complete),
    }
    if public:
        for key in ("peserta", "penandatangan", "uploaded", "modified"):
            data.pop(key)
    return data


#: the forum's attendance list is taken during the forum (step 6), before
#: its minutes are written (step 7)
ATTENDANCE_STEP = 6


def _check_step(
    cycle: Cycle, jenis: str, context: Context, keys: Iterable[str] = ()
) -> None:
    """Documents are written from their step on (5, 7, 8; the forum's
    ``peserta`` alone from step 6); the SK is frozen once published."""
    first = FROM_STEP[jenis]
    if jenis == "ba_forum" and set(keys) == {"peserta"}:
        first = ATTENDANCE_STEP
    if cycle.current_step < first and not cycle.finished:
        _rollback(context)
        raise tk.ValidationError(
            {
                "jenis": [
                    tk._(
                        "{document} is written from step {step} on; "
                        "the cycle is at step {current}"
                    ).format(
                        document=_label(jenis), step=first, current=cycle.current_step
                    )
                ]
            }
        )
    if jenis == "sk" and cycle.published:
        _rollback(context)
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


# --- gates of steps 5 to 8 ------------------------------------------------------


def _document_missing(cycle: Cycle, jenis: str, *, signed: bool = False) -> list[str]:
    doc = Document.get(cycle.id, jenis)
    label = _label(jenis)
    missing = []
    if doc is None or not doc.nomor:
        missing.append(tk._("{document} has no number").format(document=label))
    if doc is None or not doc.tanggal:
        missing.append(tk._("{document} has no date").format(document=label))
    if signed and (doc is None or not doc.file):
        missing.append(
            tk._("{document} has no signed PDF uploaded").format(document=label)
        )
    return missing


@gates.register(5)
def ba_desk_written(cycle: Cycle) -> list[str]:
    """Step 5: the desk minutes have a number and a date."""
    return _document_missing(cycle, "ba_desk")


@gates.register(6)
def every_approved_item_decided(cycle: Cycle) -> list[str]:
    """Step 6: every row approved at the desk has the forum's decision."""
    g = model.Group
    rows = model.Session.execute(
        sa.select(sa.func.coalesce(g.title, g.name), sa.func.count())
        .select_from(Item)
        .join(g, g.id == Item.organization_id)
        .where(
            Item.cycle_id == cycle.id,
            Item.state == "active",
            Item.hasil == AGREED,
            Item.disepakati.is_(None),
        )
        .group_by(g.title, g.name)
        .order_by(sa.func.coalesce(g.title, g.name))
    ).all()
    return [
        tk._("{org}: {count} approved item(s) without a forum decision").format(
            org=org, count=count
        )
        for org, count in rows
    ]


@gates.register(7)
def ba_forum_written(cycle: Cycle) -> list[str]:
    """Step 7: the forum minutes have a number and a date."""
    return _document_missing(cycle, "ba_forum")


@gates.register(8)
def sk_signed(cycle: Cycle) -> list[str]:
    """Step 8: the SK has a number, a date and its signed PDF."""
    return _document_missing(cycle, "sk", signed=True)


# --- documents ------------------------------------------------------------------


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
    cycle = _get_cycle(data_dict["cycle_id"])
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
    cycle = _get_cycle(data_dict["cycle_id"], for_update=True)
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
    _commit(context)
    return document_dictize(cycle, jenis, doc)


def _read_upload(upload: Any, max_bytes: int) -> tuple[bytes, str]:
    """The bytes (at most ``max_bytes`` + 1) and the client's file name."""
    name = getattr(upload, "filename", None) or getattr(upload, "name", None) or ""
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload[: max_bytes + 1]), ""
    stream = getattr(upload, "stream", None) or getattr(upload, "file", None) or upload
    if not hasattr(stream, "read"):
        raise tk.ValidationError({"upload": [tk._("Upload the signed PDF file")]})
    data = stream.read(max_bytes + 1)
    return (data.encode() if isinstance(data, str) else bytes(data)), str(name)


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
    max_bytes = upload_max_bytes()
    data, client_name = _read_upload(data_dict["upload"], max_bytes)
    try:
        uploads.check_pdf(data, max_bytes=max_bytes)
    except uploads.UploadRefused as e:
        raise tk.ValidationError({"upload": [e.message]}) from None
    cycle = _get_cycle(data_dict["cycle_id"], for_update=True)
    jenis = data_dict["jenis"]
    _check_step(cycle, jenis, context)
    if storage_dir() is None:
        _rollback(context)
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
    uploader = get_uploader(OBJECT_TYPE)
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
        _commit(context)
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

    uploader = get_uploader(OBJECT_TYPE, old_filename=filename)
    fields = {"file": filename, "clear_upload": True}
    uploader.update_data_dict(fields, "file", "file_upload", "clear_upload")
    try:
        uploader.upload()
    except OSError as e:  # a file left behind is logged, not an error
        log.warning("Could not remove stored file %s: %s", filename, e)


def _items(cycle: Cycle, *where: Any) -> list[dict[str, Any]]:
    """The cycle's active rows as item dicts (organization joined): one query."""
    from .item import item_dictize

    g = model.Group
    rows = model.Session.execute(
        sa.select(Item, g.name, g.title)
        .join(g, g.id == Item.organization_id)
        .where(Item.cycle_id == cycle.id, Item.state == "active", *where)
        .order_by(sa.func.coalesce(g.title, g.name), Item.kode_data)
    ).all()
    return [item_dictize(item, name, title) for item, name, title in rows]


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
    from .recommendation import recommendations

    cycle = _get_cycle(data_dict["cycle_id"])
    jenis = data_dict["jenis"]
    docs = {j: Document.get(cycle.id, j) for j in JENIS}
    doc = docs[jenis]
    where = () if jenis == "ba_desk" else (Item.disepakati.is_(True),)
    data: dict[str, Any] = {
        "tahun": cycle.tahun,
        "judul": cycle.judul,
        "nomor": (doc.nomor if doc else "") or "",
        "tanggal": _iso(doc.tanggal) if doc else None,
        "tempat": (doc.tempat if doc else "") or "",
        "peserta": list(doc.peserta or []) if doc else [],
        "penandatangan": list(doc.penandatangan or []) if doc else [],
        "items": _items(cycle, *where),
        "rekomendasi": [
            {"isi": r["isi"], "kode_data": r["kode_data"] or ""}
            for r in reversed(recommendations(cycle.id))
        ],
    }
    for j in ("ba_desk", "ba_forum"):
        data[f"{j}_nomor"] = (docs[j].nomor if docs[j] else "") or ""
        data[f"{j}_tanggal"] = _iso(docs[j].tanggal) if docs[j] else None
    return data


# --- the forum's decision (step 6) ----------------------------------------------


@validate(schema.item_agree)
def satudata_item_agree(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The Forum Satu Data agrees (or not) on rows approved at the desk.

    :param cycle_id: id or year
    :param ids: the rows (ids or kode_data), a list
    :param disepakati: true (agreed) or false (not agreed)
    :returns: ``{count, disepakati, ids}``

    Step 6 only; every row must be an active row of the cycle approved at the
    desk (``hasil`` = ``disetujui``), or nothing changes. Each row's revision
    grows by one and gets its audit event; one commit.
    """
    tk.check_access("satudata_item_agree", context, data_dict)
    roles = roles_in_context(context)
    cycle = _get_cycle(data_dict["cycle_id"], for_update=True)
    if cycle.current_step != FORUM_STEP or cycle.finished:
        _rollback(context)
        raise tk.ValidationError(
            {
                "cycle_id": [
                    tk._(
                        "The forum decides on the rows in step 6; the cycle is at step "
                        "{current}"
                    ).format(current=cycle.current_step)
                ]
            }
        )
    refs = list(dict.fromkeys(data_dict["ids"]))
    items = (
        model.Session.execute(
            sa.select(Item)
            .where(
                Item.cycle_id == cycle.id,
                Item.state == "active",
                sa.or_(Item.id.in_(refs), Item.kode_data.in_(refs)),
            )
            .order_by(Item.kode_data)
            .with_for_update(of=Item)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )
    found = {i.id for i in items} | {i.kode_data for i in items}
    unknown = [r for r in refs if r not in found]
    errors: list[str] = []
    if unknown:
        errors.append(
            tk._("Not rows of this list: {refs}").format(refs=", ".join(unknown[:20]))
        )
    refused = [i.kode_data for i in items if i.hasil != AGREED]
    if refused:
        errors.append(
            tk._("Only rows approved at the desk go to the forum: {refs}").format(
                refs=", ".join(refused[:20])
            )
        )
    if errors:
        _rollback(context)
        raise tk.ValidationError({"ids": errors})
    disepakati: bool = data_dict["disepakati"]
    now = utcnow()
    for item in items:
        before = item.snapshot()
        item.disepakati = disepakati
        item.changed(
            model.Session, action=EventAction.ITEM_AGREE, user_id=roles.user_id,
            before=before, now=now,
        )
    _commit(context)
    return {"count": len(items), "disepakati": disepakati, "ids": [i.id for i in items]}


# --- publication (step 9) -------------------------------------------------------


def producer_recipients(cycle: Cycle) -> list[tuple[model.User, list[dict[str, Any]]]]:
    """Every Produsen Data user (editor/admin) of an OPD with agreed rows, once,
    with the agreed rows of *their* OPDs: two queries."""
    rows = _items(cycle, Item.disepakati.is_(True))
    by_org: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_org.setdefault(row["organization_id"], []).append(row)
    if not by_org:
        return []
    m, u = model.Member, model.User
    pairs = model.Session.execute(
        sa.select(u, m.group_id)
        .join(m, m.table_id == u.id)
        .where(
            m.table_name == "user",
            m.state == "active",
            m.capacity.in_(("editor", "admin")),
            m.group_id.in_(list(by_org)),
            u.state == "active",
        )
        .order_by(u.name)
    ).all()
    users: dict[str, tuple[model.User, list[dict[str, Any]]]] = {}
    for user, org_id in pairs:
        entry = users.setdefault(user.id, (user, []))
        entry[1].extend(by_org[org_id])
    return list(users.values())


def mail_locale(user: model.User) -> str:
    """The language of ``user``'s e-mails: the site's (``ckan.locale_default``).

    CKAN keeps no language per user, and the person publishing may browse in
    another language than the producers read: the request's language is not
    theirs."""
    return tk.config.get("ckan.locale_default") or "id"


@contextlib.contextmanager
def _mail_language(locale: str) -> Iterator[None]:
    """Render CKAN templates and ``tk._`` in ``locale``, inside or outside a
    request: the CLI (``resend-sk``) has none, so borrow the one CKAN itself
    uses for ``h.url_for`` there."""
    import flask
    import flask_babel
    from ckan.lib import helpers as h

    borrowed = None if flask.has_request_context() else h._get_auto_flask_context()
    if borrowed is not None:
        borrowed.push()
    try:
        with flask_babel.force_locale(locale):
            yield
    finally:
        if borrowed is not None:
            borrowed.pop()


def _email(
    cycle: Cycle,
    sk: Optional[Document],
    user: model.User,
    rows: Iterable[dict[str, Any]],
) -> tuple[str, str]:
    """Subject and text of one e-mail, from ``templates/satudata/emails/
    sk_published_subject.txt`` and ``sk_published.txt``, in the recipient's
    language (:func:`mail_locale`): English msgids through the catalogue like
    every screen, so the region edits the wording in the templates and the
    ``.po``, as with CKAN's own e-mails."""
    from babel.dates import format_date
    from ckan.lib.base import render

    from ckanext.satudata_planning import vocabularies
    from ckanext.satudata_planning.documents.context import as_date, text

    locale = mail_locale(user)
    lang = "en" if locale.startswith("en") else "id"

    def day(value: Any) -> str:
        d = as_date(value)
        return format_date(d, "long", locale=locale) if d else ""

    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(text(row["organization_title"]), []).append({
            "kode_data": text(row.get("kode_data")),
            "nama_data": text(row.get("nama_data")),
            "frekuensi": vocabularies.label("frekuensi", row.get("frekuensi"), lang)
            if row.get("frekuensi") else "",
            "jadwal_rilis": day(row.get("jadwal_rilis")),
        })
    site = (tk.config.get("ckan.site_url") or "").rstrip("/")
    variables = {
        "user": user.display_name,
        "tahun": cycle.tahun,
        "judul": cycle.judul,
        "nomor": (sk.nomor if sk else "") or "",
        "tanggal": day(sk.tanggal) if sk else "",
        "link": f"{site}/perencanaan/{cycle.tahun}",
        "site_title": tk.config.get("ckan.site_title") or "",
        "groups": sorted(groups.items()),
    }
    with _mail_language(locale):
        subject = render(EMAIL_SUBJECT_TEMPLATE, variables)
        body = render(EMAIL_TEMPLATE, variables)
    return " ".join(subject.split()), body


def notify_producers(cycle: Cycle) -> dict[str, Any]:
    """One e-mail per Produsen Data user, with their own OPD's agreed rows."""
    from ckan.lib import mailer

    sk = Document.get(cycle.id, "sk")
    notified = 0
    failed: list[dict[str, str]] = []
    for user, rows in producer_recipients(cycle):
        try:
            mailer.mail_user(user, *_email(cycle, sk, user, rows))
        except Exception as e:  # noqa: BLE001 - one failure never stops the rest
            log.warning("SK e-mail to %s failed: %s", user.name, e)
            failed.append({"user": user.name, "error": str(e)})
        else:
            notified += 1
    return {"notified": notified, "failed": failed}


@validate(schema.sk_publish)
def satudata_sk_publish(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Publish the SK and the agreed list, and tell every Produsen Data.

    :param cycle_id: id or year
    :param resend: send the e-mails of an already published SK again (a
        cycle not yet published is refused: publish it without ``resend``)
    :returns: ``{published: true, notified, failed: [{user, error}]}``

    Step 9, Walidata; the SK needs its number, date and signed PDF. After
    the commit each Produsen Data user (editor or admin of an OPD with agreed
    rows) gets one e-mail with their OPD's rows; a failed e-mail is logged and
    listed in ``failed``, publication stands.
    """
    tk.check_access("satudata_sk_publish", context, data_dict)
    roles = roles_in_context(context)
    cycle = _get_cycle(data_dict["cycle_id"], for_update=True)
    resend = bool(data_dict.get("resend"))
    now = utcnow()
    if cycle.published:
        if not resend:
            _rollback(context)
            raise tk.ValidationError(
                {
                    "cycle_id": [
                        tk._(
                            "The decree (SK) of {tahun} is already published; "
                            "ask to resend the e-mails (resend) to send them again"
                        ).format(tahun=cycle.tahun)
                    ]
                }
            )
        Event.record(
            model.Session,
            cycle_id=cycle.id,
            user_id=roles.user_id,
            action=EventAction.SK_RESEND,
            target_type="document",
            target_id="sk",
            after={"nomor": getattr(Document.get(cycle.id, "sk"), "nomor", None)},
            timestamp=now,
        )
    elif resend:
        _rollback(context)
        raise tk.ValidationError({"cycle_id": [tk._(
            "The decree (SK) of {tahun} is not published yet: nothing to resend"
        ).format(tahun=cycle.tahun)]})
    else:
        if cycle.current_step != PUBLISH_STEP or cycle.finished:
            _rollback(context)
            raise tk.ValidationError(
                {
                    "cycle_id": [
                        tk._(
                            "The decree (SK) is published in step 9; "
                            "the cycle is at step {current}"
                        ).format(current=cycle.current_step)
                    ]
                }
            )
        missing = sk_signed(cycle)
        if missing:
            _rollback(context)
            raise tk.ValidationError({"cycle_id": missing})
        sk = Document.get(cycle.id, "sk", for_update=True)
        assert sk is not None
        before = sk.snapshot()
        cycle.published = True
        cycle.modified = now
        cycle.modified_by = roles.user_id
        sk.published = True
        sk.published_at = now
        sk.modified = now
        sk.modified_by = roles.user_id
        Event.record(
            model.Session,
            cycle_id=cycle.id,
            user_id=roles.user_id,
            action=EventAction.SK_PUBLISH,
            target_type="document",
            target_id="sk",
            before=before,
            after=sk.snapshot(),
            timestamp=now,
        )
    _commit(context)
    result = notify_producers(cycle)
    return {"published": True, **result}
