"""Create the Daftar Data items, recommendations and ignored duplicate pairs.

Revision ID: 5b0d3c7e9a14
Revises: 801779e78b38
Create Date: 2026-11-24 09:00:00

Columns are written out here (not read from row_fields.py) so that this
migration stays what it was when later code changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "5b0d3c7e9a14"
down_revision = "801779e78b38"
branch_labels = None
depends_on = None

TEXT_COLUMNS = (
    "jenis_data",
    "bentuk",
    "status_usulan",
    "konsep",
    "definisi",
    "klasifikasi",
    "ukuran",
    "satuan",
    "rumus",
    "tingkat_penyajian",
    "frekuensi",
    "cara_pengumpulan",
    "sumber_data",
    "sifat_akses",
    "kode_sds",
    "kode_urusan",
    "kode_indikator",
)


def _trigram_available() -> bool:
    """pg_trgm is installed, or can be by this user (it is a trusted extension)."""
    bind = op.get_bind()
    if bind.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    ).scalar():
        return True
    if not bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar():
        return False
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return False  # no right to create it: list search scans the cycle's rows
    return True


def upgrade() -> None:
    op.create_table(
        "satudata_item",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column(
            "cycle_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "organization_id", sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False
        ),
        sa.Column("kode_data", sa.UnicodeText, nullable=False),
        sa.Column("tahun", sa.Integer),
        sa.Column("nama_data", sa.UnicodeText, nullable=False),
        sa.Column(
            "kategori_sumber",
            ARRAY(sa.UnicodeText),
            nullable=False,
            server_default="{}",
        ),
        *(sa.Column(name, sa.UnicodeText) for name in TEXT_COLUMNS),
        sa.Column("jadwal_rilis", sa.Date),
        sa.Column("jadwal_pemutakhiran", sa.Date),
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
        sa.Column("reviewed", sa.DateTime),
        sa.Column("reviewed_by", sa.UnicodeText),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("state", sa.UnicodeText, nullable=False, server_default="active"),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("modified_by", sa.UnicodeText),
        sa.UniqueConstraint(
            "cycle_id", "kode_data", name="satudata_item_cycle_kode_key"
        ),
        sa.CheckConstraint(
            "state IN ('active', 'deleted')", name="satudata_item_state_check"
        ),
    )
    op.create_index(
        "satudata_item_cycle_org_idx", "satudata_item", ["cycle_id", "organization_id"]
    )
    op.create_index(
        "satudata_item_cycle_hasil_idx", "satudata_item", ["cycle_id", "hasil"]
    )
    if _trigram_available():
        op.execute(
            "CREATE INDEX satudata_item_nama_trgm_idx ON satudata_item "
            "USING gin (nama_data gin_trgm_ops)"
        )

    op.create_table(
        "satudata_recommendation",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column(
            "cycle_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "item_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
        ),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("isi", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.UnicodeText),
    )
    op.create_index(
        "satudata_recommendation_cycle_item_idx",
        "satudata_recommendation",
        ["cycle_id", "item_id"],
    )

    op.create_table(
        "satudata_duplicate_ignored",
        sa.Column(
            "cycle_id",
            sa.UnicodeText,
            sa.ForeignKey("satudata_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "item_a",
            sa.UnicodeText,
            sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "item_b",
            sa.UnicodeText,
            sa.ForeignKey("satudata_item.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.UnicodeText),
        sa.CheckConstraint("item_a < item_b", name="satudata_duplicate_ignored_order"),
    )
    op.create_index(
        "ix_satudata_duplicate_ignored_cycle_id",
        "satudata_duplicate_ignored",
        ["cycle_id"],
    )
    # an item's history on its page: events by target
    op.create_index(
        "satudata_event_target_idx", "satudata_event", ["target_type", "target_id"]
    )


def downgrade() -> None:
    op.drop_index("satudata_event_target_idx", table_name="satudata_event")
    op.drop_table("satudata_duplicate_ignored")
    op.drop_table("satudata_recommendation")
    op.execute("DROP INDEX IF EXISTS satudata_item_nama_trgm_idx")
    op.drop_table("satudata_item")
