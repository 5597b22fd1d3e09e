"""Facet values as integer term ids in the row (``facet_ids``), with GIN.

Replaces ``facet_terms`` (text) and the facet rows table: counting groups
small integers instead of splitting strings, a filter on a faceted field is
answered from the GIN index, and an index write touches one row.

Revision ID: e3a1f7c5d926
Revises: b7e2c4a91f05
Create Date: 2026-12-08 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "e3a1f7c5d926"
down_revision = "b7e2c4a91f05"
branch_labels = None
depends_on = None

TABLE = "satudata_search_index"
FACET = "satudata_search_facet"


def upgrade() -> None:
    # intarray: ``&`` intersects two sorted int[] in C (the facet counting),
    # and its GIN operator class serves &&/@> on int[]. A trusted extension:
    # the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS intarray")
    op.add_column(
        TABLE,
        sa.Column(
            "facet_ids", ARRAY(sa.Integer), nullable=False, server_default="{}"
        ),
    )
    op.execute(
        "UPDATE satudata_search_index i SET facet_ids = coalesce(("
        "SELECT array_agg(f.term_id ORDER BY f.term_id) "
        "FROM satudata_search_facet f WHERE f.doc_id = i.doc_id), '{}')"
    )
    op.create_index(
        f"{TABLE}_facet_ids_idx",
        TABLE,
        ["facet_ids"],
        postgresql_using="gin",
        postgresql_ops={"facet_ids": "gin__int_ops"},
    )
    op.drop_column(TABLE, "facet_terms")
    op.drop_table(FACET)
    # the rows were all rewritten: the planner's figures and the visibility
    # map are those of before
    op.execute(f"ANALYZE {TABLE}")


def downgrade() -> None:
    op.create_table(
        FACET,
        sa.Column("term_id", sa.Integer, primary_key=True),
        sa.Column(
            "doc_id",
            sa.BigInteger,
            sa.ForeignKey(f"{TABLE}.doc_id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index(f"{FACET}_doc_id_idx", FACET, ["doc_id"])
    op.execute(
        "INSERT INTO satudata_search_facet (term_id, doc_id) "
        "SELECT DISTINCT unnest(facet_ids), doc_id FROM satudata_search_index"
    )
    op.add_column(
        TABLE,
        sa.Column("facet_terms", ARRAY(sa.Text), nullable=False, server_default="{}"),
    )
    op.execute(
        "UPDATE satudata_search_index i SET facet_terms = coalesce(("
        "SELECT array_agg(t.field || chr(31) || t.value ORDER BY t.field, t.value) "
        "FROM unnest(i.facet_ids) u(id) JOIN satudata_search_term t "
        "ON t.term_id = u.id), '{}')"
    )
    op.drop_index(f"{TABLE}_facet_ids_idx", table_name=TABLE)
    op.drop_column(TABLE, "facet_ids")
