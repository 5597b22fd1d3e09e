"""The documents of a cycle: BA desk pra forum, BA Forum Satu Data, SK (one each).

Each row holds what the generated .docx and the printable page are made from
(number, date, place, participants, signatories) and the scanned signed PDF,
stored by CKAN's uploader under ``<storage_path>/storage/uploads/
satudata_documents/<file>``. Only the SK is ever published (step 9).

>>> d = Document(jenis="sk", peserta=[], penandatangan=[])
>>> d.complete
False
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.model import meta
from ckan.model.types import make_uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .cycle import utcnow
from .event import Event


class Document(tk.BaseModel):  # type: ignore[misc, valid-type]
    """One document (``jenis``) of a cycle."""

    __tablename__ = "satudata_document"

    id: Mapped[str] = mapped_column(sa.UnicodeText, primary_key=True, default=make_uuid)
    cycle_id: Mapped[str] = mapped_column(
        sa.UnicodeText,
        sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
        nullable=False,
    )
    jenis: Mapped[str] = mapped_column(sa.UnicodeText, nullable=False)
    nomor: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    tanggal: Mapped[Optional[dt.date]] = mapped_column(sa.Date)
    tempat: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    #: [{nama, jabatan, instansi}]
    peserta: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, default=list, server_default="[]"
    )
    #: [{nama, jabatan, nip}]
    penandatangan: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, default=list, server_default="[]"
    )
    #: the stored signed PDF's name as CKAN's uploader keeps it
    file: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    file_name: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    file_size: Mapped[Optional[int]] = mapped_column(sa.BigInteger)
    uploaded: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime)
    uploaded_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    published: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )
    published_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime)
    created: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow
    )
    modified: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    created_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)
    modified_by: Mapped[Optional[str]] = mapped_column(sa.UnicodeText)

    __table_args__ = (
        sa.UniqueConstraint(
            "cycle_id", "jenis", name="satudata_document_cycle_jenis_key"
        ),
        sa.CheckConstraint(
            "jenis IN ('ba_desk', 'ba_forum', 'sk')",
            name="satudata_document_jenis_check",
        ),
    )

    @classmethod
    def get(
        cls, cycle_id: str, jenis: str, *, for_update: bool = False
    ) -> Optional[Document]:
        """The ``jenis`` document of the cycle; ``None`` until first written."""
        query = sa.select(cls).where(cls.cycle_id == cycle_id, cls.jenis == jenis)
        if for_update:
            query = query.with_for_update(of=cls)
        return meta.Session.execute(query).scalars().first()

    @property
    def complete(self) -> bool:
        """Number and date are filled (what the gates of steps 5 and 7 ask)."""
        return bool(self.nomor and self.tanggal)

    def changed(
        self,
        session: Any,
        *,
        action: str,
        user_id: Optional[str],
        before: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        """Stamp a change and add it to the audit trail (before and after)."""
        self.modified = now
        self.modified_by = user_id
        session.flush()
        Event.record(
            session,
            cycle_id=self.cycle_id,
            user_id=user_id,
            action=action,
            target_type="document",
            target_id=self.jenis,
            before=before,
            after=self.snapshot(),
            timestamp=now,
        )

    def snapshot(self) -> dict[str, Any]:
        """The mutable fields, for an event's before/after."""
        return {
            k: getattr(self, k)
            for k in (
                "nomor",
                "tanggal",
                "tempat",
                "peserta",
                "penandatangan",
                "file",
                "file_name",
                "file_size",
                "published",
            )
        }
