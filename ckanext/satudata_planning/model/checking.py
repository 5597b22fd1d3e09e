"""The checking of a dataset made in step 10: where it stands between its OPD
and the Walidata (Perpres 39/2019 Ps 21: the Walidata checks what the
producers deliver; Ps 34: and disseminates it).

One row per provisioned dataset, made the first time something happens to it
(its first data, a submission). ``kosong`` (no data) and ``diisi`` (data, not
submitted) follow the data itself, so lists derive them from it
(:func:`workflow.checking.status_sql`); ``diajukan``, ``perbaikan`` and
``diterima`` are the checking's own states and live only here. ``queued``
says the Walidata has to decide: a submitted dataset, or accepted data that
changed since. Every change of ``status`` is an audit event
(:mod:`workflow.checking` records it).

>>> CheckStatus.DIAJUKAN.value, CheckStatus("perbaikan").label_en
('diajukan', 'returned for revision')
>>> [s.value for s in CHECKING]
['diajukan', 'perbaikan', 'diterima']
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model import meta
from sqlalchemy.orm import Mapped, mapped_column

from .cycle import utcnow


class CheckStatus(str, enum.Enum):
    """kosong → diisi → diajukan → perbaikan → diajukan … → diterima."""

    KOSONG = "kosong"  # no data yet
    DIISI = "diisi"  # data entered, not submitted
    DIAJUKAN = "diajukan"  # submitted: in the Walidata's queue
    PERBAIKAN = "perbaikan"  # returned to the OPD with a note
    DITERIMA = "diterima"  # accepted (public when its access class is open)

    @property
    def label_en(self) -> str:
        return _LABELS_EN[self]


_LABELS_EN = {
    CheckStatus.KOSONG: "empty",
    CheckStatus.DIISI: "filled",
    CheckStatus.DIAJUKAN: "submitted",
    CheckStatus.PERBAIKAN: "returned for revision",
    CheckStatus.DITERIMA: "accepted",
}

#: the states the checking decides (stored); the other two follow the data
CHECKING: tuple[CheckStatus, ...] = (
    CheckStatus.DIAJUKAN,
    CheckStatus.PERBAIKAN,
    CheckStatus.DITERIMA,
)
STATUSES: tuple[str, ...] = tuple(s.value for s in CheckStatus)


class DatasetCheck(tk.BaseModel):  # type: ignore[misc, valid-type]
    """The checking state of one provisioned dataset."""

    __tablename__ = "satudata_dataset_check"

    package_id: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("package.id", ondelete="CASCADE"),
        primary_key=True,
    )
    #: the Daftar Data row the dataset was made for (``satudata_item_id``)
    item_id: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
        nullable=False,
    )
    cycle_id: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
        nullable=False,
    )
    status: Mapped[str] = mapped_column(sa.UnicodeText, nullable=False)
    #: waits for the Walidata's decision: submitted, or accepted data that
    #: changed since (then ``diisi``, and still public if it was)
    queued: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )
    #: the last note: the OPD's on submitting, the Walidata's on deciding
    catatan: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    #: what the data was when last submitted or accepted (see
    #: ``workflow.checking.fingerprint``): a later change is told from it
    fingerprint: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    submitted: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime)
    submitted_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    reviewed: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime)
    reviewed_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    #: when an acceptance last made the dataset public
    published: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime)
    created: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )
    modified: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )
    modified_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('kosong', 'diisi', 'diajukan', 'perbaikan', 'diterima')",
            name="satudata_dataset_check_status_check",
        ),
        sa.Index("satudata_dataset_check_cycle_status_idx", "cycle_id", "status"),
        sa.Index("satudata_dataset_check_item_idx", "item_id"),
    )

    @classmethod
    def get(
        cls, package_id: str, *, for_update: bool = False
    ) -> Optional[DatasetCheck]:
        """The row of ``package_id`` (``None`` until something happened to it)."""
        query = sa.select(cls).where(cls.package_id == package_id)
        if for_update:
            query = query.with_for_update()
        return meta.Session.execute(query).scalars().first()
