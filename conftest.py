"""The distribution's test harness, shared by both plugins' tests.

* ``clean_db`` resets CKAN's database like core's fixture does, then runs the
  migrations of every loaded plugin that has some (core's reset drops every
  table, ours too, the first time it runs).
* Core's reset DELETEs rows, which the planning plugin's append-only audit
  trail refuses: for the whole session ``satudata_event`` is TRUNCATEd first.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import ckan.model as model
import ckan.plugins as plugins
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import close_all_sessions

#: the plugins whose tables the tests need, in migration order
PLUGINS_WITH_MIGRATIONS = ("activity", "satudata_pgsearch", "satudata_planning")


@pytest.fixture
def clean_db(
    with_plugins: None,
    reset_db: Callable[[], None],
    migrate_db_for: Callable[[str], None],
) -> None:
    """Empty database with CKAN's tables and those of the loaded plugins.

    Core's reset only deletes rows once tables exist; it drops them (ours too)
    the first time, and only then do the plugins' migrations have to run
    again. ``migrate_db_for`` finds a plugin's migrations only once it is
    loaded, hence ``with_plugins`` first.
    """
    dropped = not model.repo.tables_created_and_initialised
    reset_db()
    if dropped:
        for plugin in PLUGINS_WITH_MIGRATIONS:
            if plugins.plugin_loaded(plugin):
                migrate_db_for(plugin)


def _empty_audit_trail() -> None:
    """TRUNCATE the audit trail (a no-op before the tables exist).

    The events table refuses UPDATE and DELETE (a row trigger); TRUNCATE
    fires no row trigger, and on an empty table a DELETE has no row to refuse.
    """
    close_all_sessions()  # as core's reset does: no open transaction may wait
    with model.ensure_engine().begin() as conn:
        if conn.execute(sa.text("SELECT to_regclass('satudata_event')")).scalar():
            conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(sa.text("TRUNCATE satudata_event"))


@pytest.fixture(autouse=True, scope="session")
def _test_reset_empties_the_audit_trail() -> Iterator[None]:
    """CKAN's test reset (``reset_db`` → ``repo.delete_all``) DELETEs every
    table's rows, which the append-only audit trail refuses; empty it first
    by TRUNCATE, whoever calls the reset (``clean_db``, ``reset_db``,
    ``helpers.reset_db``)."""
    original = model.repo.delete_all

    def delete_all() -> None:
        _empty_audit_trail()
        original()

    model.repo.delete_all = delete_all  # type: ignore[method-assign]
    yield
    model.repo.delete_all = original  # type: ignore[method-assign]
