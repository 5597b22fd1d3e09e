"""The checking state of each dataset made in step 10.

Revision ID: 9eba9af113d5
Revises: 3b2ccabbc956
Create Date: 2026-12-05 10:00:00

One row per provisioned dataset, made the first time its data or its
checking changes (``model/checking.py``); the changes themselves are audit
events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9eba9af113d5"
down_revision = "3b2ccabbc956"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satudata_dataset_check",
        sa.Column(
            "package_id",
            sa.UnicodeText,
            sa.ForeignKey("package.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "item_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "cycle_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("queued", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("catatan", sa.UnicodeText),
        sa.Column("fingerprint", sa.UnicodeText),
        sa.Column("submitted", sa.DateTime),
        sa.Column("submitted_by", sa.UnicodeText),
        sa.Column("reviewed", sa.DateTime),
        sa.Column("reviewed_by", sa.UnicodeText),
        sa.Column("published", sa.DateTime),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
        sa.Column("modified_by", sa.UnicodeText),
        sa.CheckConstraint(
            "status IN ('kosong', 'diisi', 'diajukan', 'perbaikan', 'diterima')",
            name="satudata_dataset_check_status_check",
        ),
    )
    op.create_index(
        "satudata_dataset_check_cycle_status_idx",
        "satudata_dataset_check",
        ["cycle_id", "status"],
    )
    op.create_index(
        "satudata_dataset_check_item_idx", "satudata_dataset_check", ["item_id"]
    )
    # lists join a cycle's rows to their datasets
    op.create_index("satudata_item_package_idx", "satudata_item", ["package_id"])


def downgrade() -> None:
    op.drop_index("satudata_item_package_idx", table_name="satudata_item")
    op.drop_table("satudata_dataset_check")
