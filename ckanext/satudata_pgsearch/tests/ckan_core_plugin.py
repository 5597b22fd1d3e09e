"""A pytest plugin for running CKAN's own tests with ``satudata_pgsearch``.

CKAN's test reset (``model.repo.rebuild_db``) drops every table the first
time it runs (the search index ones too) and then creates core's only; the
plugin's alembic migration is run again right after, whoever asked for the
reset (``clean_db``, ``reset_db``, ``helpers.reset_db``).

Used by ``scripts/ckan-core-search-tests.sh``::

    pytest -p ckanext.satudata_pgsearch.tests.ckan_core_plugin ...
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import ckan.model as model
import pytest
import sqlalchemy as sa

from ckanext.satudata_pgsearch.model import TABLE_NAME

MIGRATIONS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "migration",
    "satudata_pgsearch",
    "alembic.ini",
)


def _migrate_if_dropped() -> None:
    """The plugin's migration, as ``ckan db upgrade -p satudata_pgsearch``
    (whether or not a test has loaded the plugin yet)."""
    if sa.inspect(model.ensure_engine()).has_table(TABLE_NAME):
        return
    original = model.repo._alembic_ini
    model.repo._alembic_ini = MIGRATIONS
    try:
        model.repo.upgrade_db("head")
    finally:
        model.repo._alembic_ini = original


@pytest.fixture(autouse=True, scope="session")
def _pgsearch_tables_after_core_reset() -> Iterator[None]:
    original = model.repo.rebuild_db

    def rebuild_db() -> None:
        original()
        _migrate_if_dropped()

    model.repo.rebuild_db = rebuild_db  # type: ignore[method-assign]
    yield
    model.repo.rebuild_db = original  # type: ignore[method-assign]
