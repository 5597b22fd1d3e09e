"""A row of the Daftar Data (butir), and the pairs the desk said are not duplicates.

The SOP fields are the columns of :mod:`row_fields` (the ``organization``
field is stored as ``organization_id``, a CKAN ``group.id``). Review state
(``hasil``, ``catatan_desk``, ``duplikat_dari``, ``dialihkan_dari``), the
forum decision (``disepakati``) and the dataset made in step 10
(``package_id``) sit beside them. ``revision`` grows by one on every change,
so a client that read revision 3 cannot overwrite someone else's revision 4.

>>> sorted(SOP_COLUMNS)[:3]
['bentuk', 'cara_pengumpulan', 'definisi']
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model import meta
from ckan.model.types import make_uuid
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from ckanext.satudata_planning.sop.row_fields import FIELDS

from .cycle import utcnow
from .event import Event

#: SOP fields stored under their own name (``organization`` is ``organization_id``)
SOP_COLUMNS: tuple[str, ...] = tuple(
    f.key for f in FIELDS if f.key not in ("organization",)
)
REVIEW_COLUMNS: tuple[str, ...] = (
    "hasil",
    "catatan_desk",
    "duplikat_dari",
    "dialihkan_dari",
    "disepakati",
)

_TYPES = {
    "text": sa.UnicodeText,
    "long_text": sa.UnicodeText,
    "vocab": sa.UnicodeText,
    "int": sa.Integer,
    "date": sa.Date,
    "bool": sa.Boolean,
}


def _sop_column(key: str) -> sa.Column[Any]:
    """The column of a row field, typed from its kind (one definition: row_fields)."""
    f = next(f for f in FIELDS if f.key == key)
    if f.kind == "multi_vocab":
        return sa.Column(
            key,
            ARRAY(sa.UnicodeText),
            nullable=False,
            server_default="{}",
            default=list,
        )
    if key in ("nama_data", "kode_data"):
        return sa.Column(key, sa.UnicodeText, nullable=False)
    return sa.Column(key, _TYPES[f.kind]())


class ItemState:
    ACTIVE = "active"
    DELETED = "deleted"


class Item(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One butir of a cycle's Daftar Data."""

    __table__ = sa.Table(
        "satudata_item",
        tk.BaseModel.metadata,
        sa.Column("id", sa.UnicodeText, primary_key=True, default=make_uuid),
        sa.Column(
            "cycle_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "organization_id", sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False
        ),
        *(_sop_column(k) for k in SOP_COLUMNS),
        sa.Column("hasil", sa.UnicodeText),
        sa.Column("catatan_desk", sa.UnicodeText),
        sa.Column(
            "duplikat_dari",
            sa.UnicodeText,
            sa.ForeignKey("satudata_item.id", ondelete="SET NULL"),
        ),
        sa.Column("dialihkan_dari", sa.UnicodeText),
        sa.Column("disepakati", sa.Boolean),
        sa.Column("package_id", sa.UnicodeText),
        #: last desk review; kept when the OPD revises (hasil back to null), so
        #: "awaiting re-review" is ``hasil IS NULL AND reviewed IS NOT NULL``
        sa.Column("reviewed", sa.DateTime),
        sa.Column("reviewed_by", sa.UnicodeText),
        sa.Column(
            "revision", sa.Integer, nullable=False, default=1, server_default="1"
        ),
        sa.Column(
            "state",
            sa.UnicodeText,
            nullable=False,
            default=ItemState.ACTIVE,
            server_default=ItemState.ACTIVE,
        ),
        sa.Column("created", sa.DateTime, nullable=False, default=utcnow),
        sa.Column("modified", sa.DateTime, nullable=False, default=utcnow),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("modified_by", sa.UnicodeText),
        sa.UniqueConstraint(
            "cycle_id", "kode_data", name="satudata_item_cycle_kode_key"
        ),
        sa.CheckConstraint(
            "state IN ('active', 'deleted')", name="satudata_item_state_check"
        ),
        sa.Index("satudata_item_cycle_org_idx", "cycle_id", "organization_id"),
        sa.Index("satudata_item_cycle_hasil_idx", "cycle_id", "hasil"),
        sa.Index("satudata_item_package_idx", "package_id"),
    )

    @classmethod
    def get(
        cls, ref: object, *, cycle_id: Optional[str] = None, for_update: bool = False
    ) -> Optional[Item]:
        """The item whose id or kode_data is ``ref`` (active or deleted).

        A kode_data is kept across years, so it names one item per cycle:
        without ``cycle_id`` the newest cycle's item is taken.
        """
        from .cycle import Cycle

        if ref is None or ref == "":
            return None
        text = str(ref).strip()
        query = sa.select(cls)
        if cycle_id:
            query = query.where(
                cls.cycle_id == cycle_id, sa.or_(cls.id == text, cls.kode_data == text)
            )
        else:
            query = (
                query.join(Cycle, Cycle.id == cls.cycle_id)
                .where(sa.or_(cls.id == text, cls.kode_data == text))
                .order_by((cls.id == text).desc(), Cycle.tahun.desc())
            )
        query = query.limit(1)
        if for_update:
            query = query.with_for_update(of=cls)
        return meta.Session.execute(query).scalars().first()

    @property
    def active(self) -> bool:
        return self.state == ItemState.ACTIVE

    def changed(
        self,
        session: Any,
        *,
        action: str,
        user_id: Optional[str],
        before: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        """Count a change to this row and add it to the audit trail.

        The revision grows, so a client still holding the old one cannot
        overwrite this change; the event keeps the row before and after.
        """
        self.revision += 1
        self.modified = now
        self.modified_by = user_id
        Event.record(
            session,
            cycle_id=self.cycle_id,
            user_id=user_id,
            action=action,
            target_type="item",
            target_id=self.id,
            before=before,
            after=self.snapshot(),
            timestamp=now,
        )

    def snapshot(self) -> dict[str, Any]:
        """The mutable fields, for an event's before/after."""
        data = {k: getattr(self, k) for k in SOP_COLUMNS}
        data["organization_id"] = self.organization_id
        data.update({k: getattr(self, k) for k in REVIEW_COLUMNS})
        data["kategori_sumber"] = list(self.kategori_sumber or [])
        data["state"] = self.state
        data["revision"] = self.revision
        data["package_id"] = self.package_id
        return data


class IgnoredPair(tk.BaseModel):  # type: ignore[misc, valid-type]
    """Two items the desk marked "bukan duplikat": never listed as a pair again.

    ``item_a`` < ``item_b`` (ids), so a pair is stored once whatever its order.
    """

    __tablename__ = "satudata_duplicate_ignored"

    cycle_id: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    item_a: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
        primary_key=True,
    )
    item_b: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
        primary_key=True,
    )
    created: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )
    created_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)

    __table_args__ = (
        sa.CheckConstraint("item_a < item_b", name="satudata_duplicate_ignored_order"),
    )
