"""Pembina Data's input on the list (SOP step 2, and during the desk, step 4).

``item_id`` null: a recommendation on the whole list.

>>> Recommendation(isi="Gunakan konsep BPS").isi
'Gunakan konsep BPS'
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model.types import make_uuid
from sqlalchemy.orm import Mapped, mapped_column

from .cycle import utcnow


class Recommendation(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One recommendation, kept with the step it was given in."""

    __tablename__ = "satudata_recommendation"

    id: Mapped[str] = mapped_column(sa.UnicodeText, primary_key=True, default=make_uuid)
    cycle_id: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
        nullable=False,
    )
    item_id: Mapped[Optional[str]] = mapped_column(
        sa.UnicodeText, sa.ForeignKey("satudata_item.id", ondelete="CASCADE")
    )
    step: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    isi: Mapped[str] = mapped_column(sa.UnicodeText, nullable=False)
    created: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )
    created_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)

    __table_args__ = (
        sa.Index("satudata_recommendation_cycle_item_idx", "cycle_id", "item_id"),
    )
