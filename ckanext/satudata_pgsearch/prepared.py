"""Server-side prepared statements for the index write.

psycopg2 sends every statement as text, so PostgreSQL parses and plans the
row's INSERT ... ON CONFLICT anew for each dataset (about a third of the
write's time in the database). Prepared once per database connection, it is
only executed afterwards. A prepared statement belongs to the connection,
not to a transaction (a rollback keeps it), and PostgreSQL re-plans it by
itself when the tables change (a migration, a test database reset).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import sqlalchemy as sa
from psycopg2 import errorcodes
from sqlalchemy.exc import DBAPIError

_PARAM = re.compile(r"%\((\w+)\)s")


class Prepared:
    """A ``sa.text`` statement run through PREPARE/EXECUTE on psycopg2."""

    def __init__(self, statement: sa.TextClause, prefix: str) -> None:
        self.statement = statement
        self.prefix = prefix
        self._compiled: tuple[str, str, list[str]] | None = None

    def _compile(self, dialect: Any) -> tuple[str, str, list[str]]:
        """The statement's name, its PREPARE text and its parameters in order."""
        if self._compiled is None:
            sql = str(self.statement.compile(dialect=dialect))
            names: list[str] = []
            for name in _PARAM.findall(sql):
                if name not in names:
                    names.append(name)
            body = _PARAM.sub(lambda m: f"${names.index(m.group(1)) + 1}", sql)
            digest = hashlib.sha1(body.encode()).hexdigest()[:10]  # noqa: S324
            self._compiled = (f"{self.prefix}_{digest}", body.replace("%%", "%"), names)
        return self._compiled

    def execute(self, connection: sa.Connection, params: dict[str, Any]) -> Any:
        """Run the statement with ``params`` on ``connection`` (its transaction)."""
        name, body, names = self._compile(connection.dialect)
        info = connection.connection.info
        if not info.get(name):
            connection.exec_driver_sql(f"PREPARE {name} AS {body}")
            info[name] = True
        args = ", ".join(f"%({n})s" for n in names)
        try:
            return connection.exec_driver_sql(f"EXECUTE {name} ({args})", params)
        except DBAPIError as e:
            # gone from the connection (DISCARD ALL, e.g. by a pooler): the
            # next write prepares it again
            if getattr(e.orig, "pgcode", None) == errorcodes.INVALID_SQL_STATEMENT_NAME:
                info.pop(name, None)
            raise
