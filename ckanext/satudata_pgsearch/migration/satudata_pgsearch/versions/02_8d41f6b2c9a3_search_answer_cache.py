"""The index generation that invalidates the search answer cache.

Revision ID: 8d41f6b2c9a3
Revises: 5c3a9e1d7b20
Create Date: 2025-01-02 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "8d41f6b2c9a3"
down_revision = "5c3a9e1d7b20"
branch_labels = None
depends_on = None

TABLE = "satudata_search_state"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer, primary_key=True),
        # a random uuid, new for every writing transaction: never handed out
        # twice, even after a rollback or a re-created table
        sa.Column("generation", UUID(as_uuid=False), nullable=False),
        sa.Column("writer_xid", sa.BigInteger),
        sa.CheckConstraint("id = 1", name=f"{TABLE}_one_row"),
    )
    state = sa.table(TABLE, sa.column("id"), sa.column("generation"))
    op.execute(sa.insert(state).values(id=1, generation=sa.func.gen_random_uuid()))


def downgrade() -> None:
    op.drop_table(TABLE)
