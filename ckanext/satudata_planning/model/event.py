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
        """Add an event to ``session`` (not flushed, never committed)."""
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
