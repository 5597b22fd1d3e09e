"""Putting the PostgreSQL index and query where CKAN looks for Solr's.

CKAN reaches its search backend in several ways: ``index_for``/``query_for``
(through the ``_INDICES``/``_QUERIES`` dicts), module-level names other
modules read at call time (``search.PackageSearchQuery()`` in
``model_dictize``), ``make_connection`` inside ``PackageSearchIndex`` and the
start-up ``check_solr_schema_version``. Each is replaced here; the names are
CKAN 2.12's, so another minor version stops the start-up with a clear error.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import ckan
import ckan.lib.search as search
import ckan.lib.search.index as search_index
import ckan.lib.search.query as search_query
import ckan.model as model
from ckan.common import config

from .index import PgPackageSearchIndex, connection, vacuum_tables
from .query import PgPackageSearchQuery

log = logging.getLogger(__name__)

SUPPORTED_CKAN = "2.12"
# CKAN declares solr_url as required; nothing reads it once this plugin is on.
SOLR_URL_PLACEHOLDER = "http://127.0.0.1:8983/solr/unused-satudata-pgsearch"

_original_clear = search.clear
_original_rebuild = search.rebuild


class UnsupportedCkanVersion(RuntimeError):
    """satudata_pgsearch replaces CKAN internals that only 2.12 is known to have."""


def check_ckan_version(version: str = ckan.__version__) -> None:
    """Refuse to start on a CKAN other than 2.12.x."""
    if ".".join(version.split(".")[:2]) != SUPPORTED_CKAN:
        raise UnsupportedCkanVersion(
            f"satudata_pgsearch supports CKAN {SUPPORTED_CKAN}.x only, found "
            f"CKAN {version}: its search internals must be checked before "
            "enabling the plugin on another version."
        )


def _no_solr_schema_check(schema_file: Optional[str] = None) -> bool:
    """There is no Solr schema to check: the index lives in PostgreSQL."""
    return False


def _clear_and_commit(package_reference: str) -> None:
    """``ckan search-index clear NAME`` runs outside any action: commit it here."""
    _original_clear(package_reference)
    model.Session.commit()


def _rebuild_and_analyze(package_id: Optional[str] = None, *args: Any, **kw: Any):
    """``ckan search-index rebuild``: CKAN's rebuild, then VACUUM ANALYZE when it
    rebuilt the whole index (see ``vacuum_tables``)."""
    result = _original_rebuild(package_id, *args, **kw)
    if package_id is None and not kw.get("package_ids"):
        vacuum_tables()
    return result


def install() -> None:
    """Swap CKAN's package index and query for the PostgreSQL ones (idempotent)."""
    check_ckan_version()
    if not config.get("solr_url"):
        config["solr_url"] = SOLR_URL_PLACEHOLDER
    search._INDICES["package"] = PgPackageSearchIndex
    search._QUERIES["package"] = PgPackageSearchQuery
    replacements: dict[Any, dict[str, Any]] = {
        search: {
            "PackageSearchIndex": PgPackageSearchIndex,
            "PackageSearchQuery": PgPackageSearchQuery,
            "check_solr_schema_version": _no_solr_schema_check,
            "is_available": lambda: True,
            "clear": _clear_and_commit,
            "rebuild": _rebuild_and_analyze,
        },
        search_index: {"make_connection": connection},
        search_query: {"PackageSearchQuery": PgPackageSearchQuery},
    }
    for module, names in replacements.items():
        for name, value in names.items():
            setattr(module, name, value)
    log.debug("Dataset search answered by PostgreSQL (satudata_search_index)")
