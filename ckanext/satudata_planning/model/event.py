"""The audit trail: one append-only row per change, written in the change's transaction.

>>> e = Event.record(None, cycle_id="c1", user_id="u1", action="step_complete",
...                  target_type="step", target_id="3",
...                  before={"state": "berjalan"}, after={"state": "selesai"})
>>> e.after
{'state': 'selesai'}
"""
from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any, Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model.types import make_uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from .cycle import utcnow


class EventAction:
    """Every action name the audit trail records: the one list.

    Each ``record`` call (and the bulk inserts of imports and carry-overs)
    names its action from here, and every name has a sentence of its own on
    the cycle dashboard (``helpers.satudata_event_summary``); the tests check
    both, so a new action cannot reach the trail as a bare name.
    """

    CYCLE_CREATE = "cycle_create"
    CYCLE_FINISH = "cycle_finish"
    STEP_START = "step_start"
    STEP_COMPLETE = "step_complete"
    ITEM_CREATE = "item_create"
    ITEM_UPDATE = "item_update"
    ITEM_DELETE = "item_delete"
    ITEM_IMPORT = "item_import"
    ITEM_CARRY_OVER = "item_carry_over"
    ITEM_REVIEW = "item_review"
    ITEM_AGREE = "item_agree"
    DUPLICATE_IGNORE = "duplicate_ignore"
    RECOMMENDATION_CREATE = "recommendation_create"
    DOCUMENT_UPDATE = "document_update"
    DOCUMENT_UPLOAD = "document_upload"
    SK_PUBLISH = "sk_publish"
    SK_RESEND = "sk_resend"
    PROVISION_RUN = "provision_run"
    #: after step 10: a provisioned dataset between its OPD and the Walidata
    DATASET_FILL = "dataset_fill"
    DATASET_EMPTY = "dataset_empty"
    DATASET_SUBMIT = "dataset_submit"
    DATASET_RETURN = "dataset_return"
    DATASET_ACCEPT = "dataset_accept"
    DATASET_CHANGE = "dataset_change"
    #: step 10 redesigned a dataset's data table after its row changed
    TABLE_REDESIGN = "table_redesign"


#: every action name, in the order above
ACTIONS: tuple[str, ...] = tuple(
    value for key, value in vars(EventAction).items() if key.isupper()
)
#: the actions one request records once per row (an import, a carry-over, a
#: forum decision): their events of one request share action, user and
#: timestamp, and the dashboard shows them as one line
BATCHED_ACTIONS: tuple[str, ...] = (
    EventAction.ITEM_IMPORT,
    EventAction.ITEM_CARRY_OVER,
    EventAction.ITEM_AGREE,
)
#: the actions whose event may be about a row (``target_type`` ``item``): a
#: row's history shows them
ITEM_ACTIONS: tuple[str, ...] = (
    EventAction.ITEM_CREATE,
    EventAction.ITEM_UPDATE,
    EventAction.ITEM_DELETE,
    EventAction.ITEM_IMPORT,
    EventAction.ITEM_CARRY_OVER,
    EventAction.ITEM_REVIEW,
    EventAction.ITEM_AGREE,
    EventAction.DUPLICATE_IGNORE,
    EventAction.RECOMMENDATION_CREATE,
)


#: the actions about a provisioned dataset (``target_type`` ``dataset``,
#: ``target_id`` its package id): its checking history shows them
DATASET_ACTIONS: tuple[str, ...] = (
    EventAction.DATASET_FILL,
    EventAction.DATASET_EMPTY,
    EventAction.DATASET_SUBMIT,
    EventAction.DATASET_RETURN,
    EventAction.DATASET_ACCEPT,
    EventAction.DATASET_CHANGE,
    EventAction.TABLE_REDESIGN,
)


def jsonable(value: Any) -> Any:
    """``value`` with dates, enums and decimals turned into JSON-friendly values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


class Event(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Who did what to which object, when, with the values before and after."""

    __tablename__ = "satudata_event"

    id: Mapped[str] = mapped_column(sa.UnicodeText, primary_key=True, default=make_uuid)
    cycle_id: Mapped[Optional[str]] = mapped_column(
        sa.UnicodeText, sa.ForeignKey("satudata_cycle.id")
    )
    #: insertion order: breaks ties between events of one transaction
    seq: Mapped[int] = mapped_column(
        sa.BigInteger, sa.Identity(always=False), nullable=False, unique=True
    )
    user_id: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    timestamp: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )
    action: Mapped[str] = mapped_column(sa.UnicodeText, nullable=False)
    target_type: Mapped[str] = mapped_column(sa.UnicodeText, nullable=False)
    target_id: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    before: Mapped[Optional[dict[str, Any]]] = mapped_column(JSONB)
    after: Mapped[Optional[dict[str, Any]]] = mapped_column(JSONB)

    __table_args__ = (
        sa.Index("satudata_event_cycle_seq_idx", "cycle_id", "seq"),
    )

    @classmethod
    def record(
        cls,
        session: Optional[Session],
        *,
        cycle_id: Optional[str],
        user_id: Optional[str],
        action: str,
        target_type: str,
        target_id: Optional[str] = None,
        before: Optional[dict[str, Any]] = None,
        after: Optional[dict[str, Any]] = None,
        timestamp: Optional[dt.datetime] = None,
    ) -> Event:
        """Add an event to ``session`` (not flushed, never committed).

        ``action`` is one of :data:`ACTIONS` (``EventAction.*``).
        """
        event = cls(
            id=make_uuid(),
            cycle_id=cycle_id,
            user_id=user_id,
            timestamp=timestamp or utcnow(),
            action=action,
            target_type=target_type,
            target_id=target_id,
            before=jsonable(before) if before is not None else None,
            after=jsonable(after) if after is not None else None,
        )
        if session is not None:
            session.add(event)
        return event
