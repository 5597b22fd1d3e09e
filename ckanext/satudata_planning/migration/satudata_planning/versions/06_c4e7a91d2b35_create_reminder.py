"""The reminders of the release calendar, as sent.

Revision ID: c4e7a91d2b35
Revises: 9eba9af113d5
Create Date: 2026-12-06 02:00:00

One row per reminder e-mail per recipient, row, reason and release date
(``model/reminder.py``): what makes a second run on the same day send nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c4e7a91d2b35"
down_revision = "9eba9af113d5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satudata_reminder",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("user_id", sa.UnicodeText,
                  sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", sa.UnicodeText,
                  sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("reason", sa.UnicodeText, nullable=False),
        sa.Column("jadwal_rilis", sa.Date, nullable=False),
        sa.Column("sent_on", sa.Date, nullable=False),
        sa.Column("email", sa.UnicodeText),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.UniqueConstraint("user_id", "item_id", "reason", "jadwal_rilis",
                            name="satudata_reminder_once_key"),
        sa.CheckConstraint(
            "reason IN ('akan_datang', 'terlambat', 'eskalasi')",
            name="satudata_reminder_reason_check",
        ),
    )
    op.create_index("satudata_reminder_user_day_idx", "satudata_reminder",
                    ["user_id", "sent_on"])


def downgrade() -> None:
    op.drop_table("satudata_reminder")
