"""The index table: one row per dataset, as CKAN would have sent it to Solr.

The table is created by this plugin's alembic migration, never at start-up.
"""

from __future__ import annotations

import datetime
from typing import Any, Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

TABLE_NAME = "satudata_search_index"


class SearchIndexRow(tk.BaseModel):
    """An indexed dataset.

    ``data`` keeps the index dict with its own types (what ``fl`` returns);
    ``fields`` keeps every value as a list of strings so that ``field:value``,
    ranges and facets treat scalars and lists alike (Solr's multi-valued
    string fields); the scalar columns carry what is sorted and filtered on
    most, with b-tree indexes. ``facet_ids`` holds the ids
    (``satudata_search_term``) of the row's faceted values, the ones facets
    are counted from; ``search_vector`` is stored in the row (``STORAGE
    MAIN``), not in the TOAST table.
    """

    __tablename__ = TABLE_NAME

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    doc_id: Mapped[int] = mapped_column(
        sa.BigInteger, sa.Identity(always=False), unique=True, nullable=False
    )
    name: Mapped[str] = mapped_column(sa.Text, nullable=False)
    title_string: Mapped[Optional[str]] = mapped_column(sa.Text)
    state: Mapped[Optional[str]] = mapped_column(sa.Text)
    private: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    capacity: Mapped[str] = mapped_column(sa.Text, nullable=False, default="public")
    owner_org: Mapped[Optional[str]] = mapped_column(sa.Text)
    organization: Mapped[Optional[str]] = mapped_column(sa.Text)
    dataset_type: Mapped[Optional[str]] = mapped_column(sa.Text)
    site_id: Mapped[Optional[str]] = mapped_column(sa.Text)
    metadata_created: Mapped[Optional[datetime.datetime]] = mapped_column(sa.DateTime)
    metadata_modified: Mapped[Optional[datetime.datetime]] = mapped_column(sa.DateTime)
    permission_labels: Mapped[list[str]] = mapped_column(
        ARRAY(sa.Text), nullable=False, default=list
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    data_dict: Mapped[Optional[str]] = mapped_column(sa.Text)
    validated_data_dict: Mapped[Optional[str]] = mapped_column(sa.Text)
    search_vector: Mapped[Any] = mapped_column(TSVECTOR, nullable=False)
    # the term ids of the dataset's faceted (field, value) pairs, sorted (GIN,
    # intarray's gin__int_ops): facets are counted from these, facet filters
    # answered from the index
    facet_ids: Mapped[list[int]] = mapped_column(
        ARRAY(sa.Integer), nullable=False, default=list, server_default="{}"
    )
    indexed_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, nullable=False, server_default=sa.func.now()
    )


search_index_table: sa.Table = SearchIndexRow.__table__  # type: ignore[assignment]


TERM_TABLE_NAME = "satudata_search_term"

search_term_table = sa.Table(
    TERM_TABLE_NAME,
    tk.BaseModel.metadata,
    sa.Column("term_id", sa.Integer, sa.Identity(always=False), primary_key=True),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.UniqueConstraint("field", "value", name=f"{TERM_TABLE_NAME}_field_value_key"),
)
"""Every (field, value) pair ever indexed, numbered; only ever added to."""


STATE_TABLE_NAME = "satudata_search_state"

search_state_table = sa.Table(
    STATE_TABLE_NAME,
    tk.BaseModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("generation", UUID(as_uuid=False), nullable=False),
    sa.Column("writer_xid", sa.BigInteger),
)
"""One row: the index's generation, a random uuid set anew by every writing
transaction (``writer_xid`` is that transaction's id); see ``cache``."""
