"""Publication of the SK (step 9): the SK and the agreed list become public,
and every Produsen Data gets an e-mail with its own OPD's agreed rows.

The publication commits before any e-mail goes out: a mail server that fails
cannot undo it; each failure is logged and returned.

Example (ckanapi)::

    ckan.action.satudata_sk_publish(cycle_id=2027)   # {"notified": 12, "failed": []}
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.satudata_planning import config, mail, sop
from ckanext.satudata_planning.logic import schema
from ckanext.satudata_planning.logic.dictize import cycle_items
from ckanext.satudata_planning.model import Cycle, Document, Event, Item, utcnow
from ckanext.satudata_planning.model.event import EventAction
from ckanext.satudata_planning.sop.roles import roles_in_context
from ckanext.satudata_planning.workflow.gates import sk_signed

from ._common import commit, get_cycle, rollback

log = logging.getLogger(__name__)

__all__ = ["satudata_sk_publish"]


EMAIL_TEMPLATE = "satudata/emails/sk_published.txt"


EMAIL_SUBJECT_TEMPLATE = "satudata/emails/sk_published_subject.txt"


def producer_recipients(cycle: Cycle) -> list[tuple[model.User, list[dict[str, Any]]]]:
    """Every Produsen Data user (editor/admin) of an OPD with agreed rows, once,
    with the agreed rows of *their* OPDs: two queries."""
    rows = cycle_items(cycle, Item.disepakati.is_(True))
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
    """The language of ``user``'s e-mails: the site's (see :mod:`mail`)."""
    return mail.mail_locale()


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

    from ckanext.satudata_planning.documents.context import as_date, text
    from ckanext.satudata_planning.sop import vocabularies

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
    site = config.site_url()
    variables = {
        "user": user.display_name,
        "tahun": cycle.tahun,
        "judul": cycle.judul,
        "nomor": (sk.nomor if sk else "") or "",
        "tanggal": day(sk.tanggal) if sk else "",
        "link": f"{site}/perencanaan/{cycle.tahun}",
        "site_title": config.site_title(),
        "groups": sorted(groups.items()),
    }
    with mail.mail_language(locale):
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
            # a plain sentence: the server's own message stays in the log
            failed.append({"user": user.name, "error": mail.failure_line(user, e)})
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
    cycle = get_cycle(data_dict["cycle_id"], for_update=True)
    resend = bool(data_dict.get("resend"))
    now = utcnow()
    if cycle.published:
        if not resend:
            rollback(context)
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
        rollback(context)
        raise tk.ValidationError({"cycle_id": [tk._(
            "The decree (SK) of {tahun} is not published yet: nothing to resend"
        ).format(tahun=cycle.tahun)]})
    else:
        if cycle.current_step != sop.PUBLISH.number or cycle.finished:
            rollback(context)
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
            rollback(context)
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
    commit(context)
    result = notify_producers(cycle)
    return {"published": True, **result}
