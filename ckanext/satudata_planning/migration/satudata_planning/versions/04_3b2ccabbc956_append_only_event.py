"""Make the audit trail append-only: UPDATE and DELETE of an event raise.

Revision ID: 3b2ccabbc956
Revises: a3d0c5e1f2b4
Create Date: 2026-11-26 09:00:00

No action edits or removes an event; this holds the line in the database too,
against a future bug, a plugin or a hand-typed query: a row-level trigger
refuses every UPDATE and DELETE of ``satudata_event``, whoever runs it.

What stays possible is deliberate and visible: ``TRUNCATE`` (row triggers do
not fire on it; the test reset empties the table this way before CKAN's
``delete_all``), ``DROP TABLE`` (``ckan db clean``) and this migration's
downgrade. Inserting stays free, as writing events is the point.

The function is created with ``OR REPLACE``: ``ckan db clean`` drops the
tables (and so the trigger) but leaves functions behind, and the migrations
then run again from the first.
"""

from __future__ import annotations

from alembic import op

revision = "3b2ccabbc956"
down_revision = "a3d0c5e1f2b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION satudata_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION
                'satudata_event is append-only: an audit event cannot be %',
                lower(TG_OP) || 'd'
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Record a new event instead.';
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER satudata_event_append_only
        BEFORE UPDATE OR DELETE ON satudata_event
        FOR EACH ROW EXECUTE FUNCTION satudata_event_append_only()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS satudata_event_append_only ON satudata_event")
    op.execute("DROP FUNCTION IF EXISTS satudata_event_append_only()")
