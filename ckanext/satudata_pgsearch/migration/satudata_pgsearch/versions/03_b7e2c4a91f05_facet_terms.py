"""Facet values stored with each index row (counted from the matching rows).

Revision ID: b7e2c4a91f05
Revises: 8d41f6b2c9a3
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "b7e2c4a91f05"
down_revision = "8d41f6b2c9a3"
branch_labels = None
depends_on = None

TABLE = "satudata_search_index"


def upgrade() -> None:
    op.add_column(
        TABLE,
        sa.Column("facet_terms", ARRAY(sa.Text), nullable=False, server_default="{}"),
    )
    # the rows indexed before: their facet rows, as "field<US>value"
    op.execute(
        "UPDATE satudata_search_index i SET facet_terms = coalesce(("
        "SELECT array_agg(t.field || chr(31) || t.value ORDER BY t.field, t.value) "
        "FROM satudata_search_facet f JOIN satudata_search_term t "
        "ON t.term_id = f.term_id WHERE f.doc_id = i.doc_id), '{}')"
    )


def downgrade() -> None:
    op.drop_column(TABLE, "facet_terms")
