"""Create the planning cycle, its steps and the audit trail.

Revision ID: 801779e78b38
Revises:
Create Date: 2026-01-05 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "801779e78b38"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satudata_cycle",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("tahun", sa.Integer, nullable=False),
        sa.Column("judul", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="berjalan"),
        sa.Column("current_step", sa.Integer, nullable=False, server_default="1"),
        sa.Column("tanggal_mulai", sa.Date),
        sa.Column("published", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("modified_by", sa.UnicodeText),
        sa.UniqueConstraint("tahun", name="satudata_cycle_tahun_key"),
        sa.CheckConstraint(
            "current_step BETWEEN 1 AND 10", name="satudata_cycle_current_step_check"
        ),
        sa.CheckConstraint(
            "status IN ('berjalan', 'selesai')", name="satudata_cycle_status_check"
        ),
    )
    op.create_table(
        "satudata_cycle_step",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column(
            "cycle_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("state", sa.UnicodeText, nullable=False, server_default="belum"),
        sa.Column("planned_start", sa.Date),
        sa.Column("started", sa.DateTime),
        sa.Column("due_date", sa.Date),
        sa.Column("completed", sa.DateTime),
        sa.Column("completed_by", sa.UnicodeText),
        sa.Column("note", sa.UnicodeText),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
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
    op.create_table(
        "satudata_event",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=False), nullable=False),
        sa.Column("cycle_id", sa.UnicodeText, sa.ForeignKey("satudata_cycle.id")),
        sa.Column("user_id", sa.UnicodeText),
        sa.Column("timestamp", sa.DateTime, nullable=False),
        sa.Column("action", sa.UnicodeText, nullable=False),
        sa.Column("target_type", sa.UnicodeText, nullable=False),
        sa.Column("target_id", sa.UnicodeText),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
        sa.UniqueConstraint("seq", name="satudata_event_seq_key"),
    )
    op.create_index(
        "satudata_event_cycle_seq_idx", "satudata_event", ["cycle_id", "seq"]
    )


def downgrade() -> None:
    op.drop_index("satudata_event_cycle_seq_idx", table_name="satudata_event")
    op.drop_table("satudata_event")
    op.drop_table("satudata_cycle_step")
    op.drop_table("satudata_cycle")
