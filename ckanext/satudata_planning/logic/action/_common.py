"""What the actions share: the transaction (one commit per action), finding
the cycle (and locking it), organizations, uploads, dates as text.

Every write action ends in :func:`commit` and releases its locks on a refusal
with :func:`rollback`; both leave the transaction to a caller that passed
``defer_commit`` (CKAN's convention).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.types import Context, DataDict

from ckanext.satudata_planning.model import Cycle

#: error lines shown at most; a last line says how many more there are
MAX_ERRORS = 200


def commit(context: Context) -> None:
    """The action's one commit (unless the caller owns the transaction)."""
    if not context.get("defer_commit"):
        model.Session.commit()


def rollback(context: Context) -> None:
    """Release row locks taken before a refusal (unless the caller owns the
    transaction)."""
    if not context.get("defer_commit"):
        model.Session.rollback()


def iso(value: Any) -> Any:
    """Dates and times as ISO text; anything else as it is."""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def get_cycle(ref: Any, *, for_update: bool = False, for_share: bool = False) -> Cycle:
    """The cycle by id or year (``ObjectNotFound`` otherwise), optionally locked:
    ``for_update`` by step changes and bulk writes, ``for_share`` by row
    actions (see :meth:`Cycle.get`)."""
    cycle = Cycle.get(ref, for_update=for_update, for_share=for_share)
    if cycle is None:
        raise tk.ObjectNotFound(tk._("Planning cycle not found"))
    return cycle


def locked_cycle(ref: Any, action: str, context: Context, data_dict: DataDict) -> Cycle:
    """The cycle share-locked, and ``action``'s auth checked again: the step
    it read before the lock may have moved."""
    cycle = get_cycle(ref, for_share=True)
    try:
        tk.check_access(action, context, data_dict)
    except tk.NotAuthorized:
        rollback(context)
        raise
    return cycle


class Org:
    """An organization's id, name and title."""

    __slots__ = ("id", "name", "title")

    def __init__(self, id: str, name: str, title: str) -> None:
        self.id, self.name, self.title = id, name, title


def org(ref: Any, field: str = "organization") -> Org:
    """The active organization named ``ref`` (name or id): one query; a
    ``ValidationError`` on ``field`` otherwise."""
    g = model.Group
    row = model.Session.execute(
        sa.select(g.id, g.name, g.title).where(
            sa.or_(g.name == str(ref), g.id == str(ref)),
            g.is_organization.is_(True),
            g.state == "active",
        )
    ).first()
    if row is None:
        raise tk.ValidationError(
            {
                field: [
                    tk._('"{value}" is not an organization of the portal').format(
                        value=str(ref)[:100]
                    )
                ]
            }
        )
    return Org(row.id, row.name, row.title or row.name)


def organizations(names: Optional[Iterable[str]] = None) -> dict[str, Org]:
    """Active organizations (``names`` only, when given), by name: one query."""
    g = model.Group
    query = sa.select(g.id, g.name, g.title).where(
        g.is_organization.is_(True), g.state == "active"
    )
    if names is not None:
        query = query.where(g.name.in_(list(names)))
    return {
        r.name: Org(r.id, r.name, r.title or r.name)
        for r in model.Session.execute(query)
    }


def read_upload(upload: Any, max_bytes: int, refusal: str) -> tuple[bytes, str]:
    """The bytes of an upload as CKAN passes it (FieldStorage, FileStorage, a
    file object) or raw bytes, at most ``max_bytes`` + 1 (to tell it is too
    big), and the client's file name; a ``ValidationError`` on ``upload``
    saying ``refusal`` when it is no file at all."""
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload[: max_bytes + 1]), ""
    name = getattr(upload, "filename", None) or getattr(upload, "name", None) or ""
    stream = getattr(upload, "stream", None) or getattr(upload, "file", None) or upload
    if not hasattr(stream, "read"):
        raise tk.ValidationError({"upload": [refusal]})
    data = stream.read(max_bytes + 1)
    return (data.encode() if isinstance(data, str) else bytes(data)), str(name)


def capped(messages: list[str]) -> list[str]:
    """At most :data:`MAX_ERRORS` messages, then one saying how many more."""
    if len(messages) <= MAX_ERRORS:
        return messages
    rest = len(messages) - MAX_ERRORS
    return [
        *messages[:MAX_ERRORS],
        tk._("… and {count} more errors").format(count=rest),
    ]
