"""What a transaction reads once: the cycle with its steps, a user's roles.

One page calls several actions and auth functions, and each of them asks for
the cycle of the URL and for the viewer's roles. SQLAlchemy's identity map
already hands back the same cycle object every time, but only after a query
(and the steps' query again). This memo keeps what was read on the session
itself (``Session.info``) and forgets it whenever the session

* flushes (anything written through the ORM),
* executes a statement that is not a ``SELECT`` (a bulk ``UPDATE`` …),
* ends a transaction (commit, rollback, close, a savepoint's end).

So nothing outlives the transaction it was read in: CKAN removes the session
at the end of every request, a CLI command or a job commits, and a write in
the middle of a request is followed by fresh reads. Each thread has its own
session (``scoped_session``), hence its own memo.

>>> remember("cycles", "2027", "a cycle")
>>> recall("cycles", "2027")
'a cycle'
>>> forget()
>>> recall("cycles", "2027") is None
True
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa

_KEY = "satudata_memo"


def _bucket(kind: str, create: bool) -> Optional[dict[str, Any]]:
    memo = model.Session.info.get(_KEY)
    if memo is None:
        if not create:
            return None
        memo = model.Session.info[_KEY] = {}
    if create:
        return memo.setdefault(kind, {})
    return memo.get(kind)


def recall(kind: str, key: str) -> Any:
    """What was remembered of ``kind`` under ``key`` in this transaction, or
    ``None``."""
    bucket = _bucket(kind, create=False)
    return bucket.get(key) if bucket else None


def remember(kind: str, key: str, value: Any) -> None:
    """Keep ``value`` of ``kind`` under ``key`` until the transaction ends or
    writes."""
    _bucket(kind, create=True)[key] = value  # type: ignore[index]


def forget(session: Any = None, *_args: Any) -> None:
    """Drop everything remembered (``session``: the one an event names)."""
    (session.info if session is not None else model.Session.info).pop(_KEY, None)


def _on_execute(state: Any) -> None:
    if not state.is_select:
        forget(state.session)


for _event in ("after_flush", "after_transaction_end"):
    sa.event.listen(model.Session, _event, forget)
sa.event.listen(model.Session, "do_orm_execute", _on_execute)
