"""Counting the SQL statements a piece of code sends (tests only)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import ckan.model as model
import sqlalchemy as sa


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The statements sent to CKAN's database inside the ``with`` block, in
    order (a ``before_cursor_execute`` listener on the engine)."""
    sent: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001
        sent.append(statement)

    engine = model.meta.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
