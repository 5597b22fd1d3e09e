"""The ``satudata_pgsearch`` plugin: CKAN's dataset search kept in PostgreSQL.

A portal that has Solr leaves it off; nothing else in the distribution
imports this package.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.config_declarations
class SatudataPgsearchPlugin(p.SingletonPlugin):
    """CKAN's dataset search index and query, kept in PostgreSQL."""

    p.implements(p.IConfigurer)

    # IConfigurer runs before CKAN checks the Solr schema at start-up, so the
    # backend is in place before anything asks for a search connection.
    def update_config(self, config: Any) -> None:
        from ckanext.satudata_pgsearch import backend

        backend.install()
