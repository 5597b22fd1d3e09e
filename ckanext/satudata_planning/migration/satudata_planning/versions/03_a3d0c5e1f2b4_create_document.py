"""Create the documents of a cycle (BA desk, BA forum, SK).

Revision ID: a3d0c5e1f2b4
Revises: 5b0d3c7e9a14
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "a3d0c5e1f2b4"
down_revision = "5b0d3c7e9a14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satudata_document",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column(
            "cycle_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("jenis", sa.UnicodeText, nullable=False),
        sa.Column("nomor", sa.UnicodeText),
        sa.Column("tanggal", sa.Date),
        sa.Column("tempat", sa.UnicodeText),
        sa.Column("peserta", JSONB, nullable=False, server_default="[]"),
        sa.Column("penandatangan", JSONB, nullable=False, server_default="[]"),
        sa.Column("file", sa.UnicodeText),
        sa.Column("file_name", sa.UnicodeText),
        sa.Column("file_size", sa.BigInteger),
        sa.Column("uploaded", sa.DateTime),
        sa.Column("uploaded_by", sa.UnicodeText),
        sa.Column("published", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("published_at", sa.DateTime),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("modified_by", sa.UnicodeText),
        sa.UniqueConstraint(
            "cycle_id", "jenis", name="satudata_document_cycle_jenis_key"
        ),
        sa.CheckConstraint(
            "jenis IN ('ba_desk', 'ba_forum', 'sk')",
            name="satudata_document_jenis_check",
        ),
    )


def downgrade() -> None:
    op.drop_table("satudata_document")
