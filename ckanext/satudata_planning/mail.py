"""E-mails through CKAN's mailer: in the site's language, rendered from
templates under ``templates/satudata/emails/``, one per recipient, and a
failure said as a plain line for people (the mail server's own words go to
the log only).

CKAN keeps no language per user, and whoever acts may browse in another
language than the recipients read: mails are written in
``ckan.locale_default``.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.satudata_planning import config

log = logging.getLogger(__name__)

ACTING = ("editor", "admin")


def mail_locale() -> str:
    """The language of every e-mail: the site's."""
    return config.default_locale()


@contextlib.contextmanager
def mail_language(locale: str) -> Iterator[None]:
    """Render CKAN templates and ``tk._`` in ``locale``, inside or outside a
    request: the CLI and background jobs have none, so borrow the one CKAN
    itself uses for ``h.url_for`` there."""
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


def render(subject_template: str, body_template: str,
           variables: dict[str, Any]) -> tuple[str, str]:
    """Subject (one line) and text of a mail, in :func:`mail_locale`."""
    from ckan.lib.base import render as render_template

    with mail_language(mail_locale()):
        subject = render_template(subject_template, variables)
        body = render_template(body_template, variables)
    return " ".join(subject.split()), body


def members(org_ids: Iterable[str], capacities: Iterable[str] = ACTING
            ) -> list[model.User]:
    """The active users who are editors or admins of the organizations
    ``org_ids``, once each, by name; never CKAN's own site user."""
    ids = [i for i in org_ids if i]
    if not ids:
        return []
    m, u = model.Member, model.User
    site_user = str(tk.config.get("ckan.site_id") or "")
    return list(model.Session.execute(
        sa.select(u)
        .join(m, m.table_id == u.id)
        .where(m.table_name == "user", m.state == "active",
               m.capacity.in_(list(capacities)), m.group_id.in_(ids),
               u.state == "active", u.name != site_user)
        .distinct()
        .order_by(u.name)
    ).scalars())


@dataclass
class Sent:
    """What happened to a batch of mails."""

    notified: list[str] = field(default_factory=list)
    #: one plain sentence per mail that did not go, for the screen
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"notified": len(self.notified), "failed": list(self.failed)}


def failure_line(user: model.User, error: Optional[BaseException]) -> str:
    """A failed mail as a sentence (the error itself is logged, never shown)."""
    who = user.display_name or user.name
    if not user.email:
        return tk._("{user} has no e-mail address and was not notified").format(
            user=who)
    return tk._(
        "The e-mail to {user} could not be sent: the mail server did not take "
        "it. Tell them another way or try again later."
    ).format(user=who)


def send_each(users: Iterable[model.User], subject: str, body: str) -> Sent:
    """One mail per user through CKAN's mailer; a failure never stops the rest."""
    from ckan.lib import mailer

    sent = Sent()
    for user in users:
        if not user.email:
            sent.failed.append(failure_line(user, None))
            continue
        try:
            mailer.mail_user(user, subject, body)
        except Exception as e:  # noqa: BLE001 - SMTP, sockets, encoding: all alike
            log.warning("e-mail to %s failed: %s", user.name, e)
            sent.failed.append(failure_line(user, e))
        else:
            sent.notified.append(user.name)
    return sent
