"""A planning cycle (one per ``tahun``) and its ten steps.

>>> c = Cycle(tahun=2027, judul="Daftar Data 2027")
>>> c.tahun
2027
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model import meta
from ckan.model.types import make_uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ckanext.satudata_planning import memo


def utcnow() -> dt.datetime:
    """Now, as CKAN stores timestamps: naive UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class CycleStatus(str, enum.Enum):
    BERJALAN = "berjalan"  # running
    SELESAI = "selesai"  # done: step 10 completed


class StepState(str, enum.Enum):
    BELUM = "belum"  # not started
    BERJALAN = "berjalan"  # running (the cycle's current step)
    SELESAI = "selesai"  # completed


class Cycle(tk.BaseModel):  # type: ignore[misc, valid-type]
    """The yearly planning of the Daftar Data for ``tahun``."""

    __tablename__ = "satudata_cycle"

    id: Mapped[str] = mapped_column(sa.UnicodeText, primary_key=True, default=make_uuid)
    tahun: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    judul: Mapped[str] = mapped_column(sa.UnicodeText, nullable=False)
    status: Mapped[str] = mapped_column(
        sa.UnicodeText, nullable=False, default=CycleStatus.BERJALAN.value
    )
    current_step: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    tanggal_mulai: Mapped[Optional[dt.date]] = mapped_column(sa.Date)
    #: set by step 9 (``satudata_sk_publish``): anonymous visitors see the cycle
    published: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )
    created: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )
    modified: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    created_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    modified_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)

    steps: Mapped[list[CycleStep]] = relationship(
        back_populates="cycle",
        order_by="CycleStep.number",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        sa.UniqueConstraint("tahun", name="satudata_cycle_tahun_key"),
        sa.CheckConstraint(
            "current_step BETWEEN 1 AND 10", name="satudata_cycle_current_step_check"
        ),
        sa.CheckConstraint(
            "status IN ('berjalan', 'selesai')", name="satudata_cycle_status_check"
        ),
    )

    @classmethod
    def get(
        cls, ref: object, *, for_update: bool = False, for_share: bool = False
    ) -> Optional[Cycle]:
        """The cycle whose id or year (``tahun``) is ``ref``; ``None`` when absent.

        ``for_update`` locks the row until the transaction ends (step changes)
        and re-reads it (what auth loaded before the lock may be stale). The
        lock is ``FOR NO KEY UPDATE``: it serialises the actions that take it,
        yet lets through the foreign-key checks of rows that only reference
        the cycle (a new event or item). ``FOR UPDATE`` blocks those, and an
        edit holding a row lock, waiting to write its event, deadlocked
        against an import holding the cycle and waiting for that row.

        ``for_share`` (``FOR SHARE``) is what a row action takes before it
        checks the step and locks its row: row actions go on side by side,
        but a step change (``for_update``) waits for them to end and they
        wait for it, so a step is never completed on a list that changed
        under its gate check, nor a row changed in a step that just closed.

        A cycle read without a lock is read once per transaction (the
        :mod:`memo`: a page's actions, auth functions and helpers all ask for
        it); a locked read always goes to the database.
        """
        if ref is None or ref == "":
            return None
        text = str(ref).strip()
        locked = for_update or for_share
        if not locked:
            known = memo.recall("cycle", text)
            if known is not None:
                return known
        if text.isascii() and text.isdigit() and len(text) <= 4:
            where = cls.tahun == int(text)
        else:
            where = cls.id == text
        query = sa.select(cls).where(where)
        if for_update:
            query = query.with_for_update(of=cls, key_share=True).execution_options(
                populate_existing=True
            )
        elif for_share:
            query = query.with_for_update(of=cls, read=True).execution_options(
                populate_existing=True
            )
        cycle = meta.Session.execute(query).scalars().first()
        if cycle is not None:
            memo.remember("cycle", str(cycle.id), cycle)
            memo.remember("cycle", str(cycle.tahun), cycle)
        return cycle

    def step(self, number: int) -> CycleStep:
        for s in self.steps:
            if s.number == number:
                return s
        raise KeyError(number)

    @property
    def finished(self) -> bool:
        return self.status == CycleStatus.SELESAI.value


class CycleStep(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One of the ten steps of a cycle: its schedule, state and completion."""

    __tablename__ = "satudata_cycle_step"

    id: Mapped[str] = mapped_column(sa.UnicodeText, primary_key=True, default=make_uuid)
    cycle_id: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
        nullable=False,
    )
    number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    state: Mapped[str] = mapped_column(
        sa.UnicodeText, nullable=False, default=StepState.BELUM.value
    )
    planned_start: Mapped[Optional[dt.date]] = mapped_column(sa.Date)
    started: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime)
    #: set when the step starts: working days from the SOP's duration
    due_date: Mapped[Optional[dt.date]] = mapped_column(sa.Date)
    completed: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime)
    completed_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    note: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    created: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )
    modified: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    cycle: Mapped[Cycle] = relationship(back_populates="steps")

    __table_args__ = (
        sa.UniqueConstraint(
            "cycle_id", "number", name="satudata_cycle_step_number_key"
        ),
        sa.CheckConstraint(
            "number BETWEEN 1 AND 10", name="satudata_cycle_step_number_check"
        ),
        sa.CheckConstraint(
            "state IN ('belum', 'berjalan', 'selesai')",
            name="satudata_cycle_step_state_check",
        ),
    )
