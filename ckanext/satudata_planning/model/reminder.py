"""A reminder e-mail about a row's jadwal rilis, as sent: one record per
recipient, row, reason and date, so the same reminder never goes twice (a
second run on the same day sends nothing) and a recipient gets at most one
message a day (:mod:`release.remind`).

Reasons: ``akan_datang`` (the date is near), ``terlambat`` (the date passed
without accepted data), ``eskalasi`` (the copy to the Walidata after the
configured delay).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model.types import make_uuid
from sqlalchemy.orm import Mapped, mapped_column

from .cycle import utcnow

REASONS: tuple[str, ...] = ("akan_datang", "terlambat", "eskalasi")


class Reminder(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One reminder sent to one user about one row."""

    __tablename__ = "satudata_reminder"

    id: Mapped[str] = mapped_column(sa.UnicodeText, primary_key=True,
                                    default=make_uuid)
    user_id: Mapped[str] = mapped_column(
        sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
        nullable=False,
    )
    reason: Mapped[str] = mapped_column(sa.UnicodeText, nullable=False)
    #: the row's jadwal rilis when reminded: a new date may be reminded again
    jadwal_rilis: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    #: the local day the message went (the portal's time zone)
    sent_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    email: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    created: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )

    __table_args__ = (
        sa.UniqueConstraint("user_id", "item_id", "reason", "jadwal_rilis",
                            name="satudata_reminder_once_key"),
        sa.CheckConstraint(
            "reason IN ('akan_datang', 'terlambat', 'eskalasi')",
            name="satudata_reminder_reason_check",
        ),
        sa.Index("satudata_reminder_user_day_idx", "user_id", "sent_on"),
    )
