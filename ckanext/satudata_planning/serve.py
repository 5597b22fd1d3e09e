"""The WSGI application for a multi-process server (gunicorn), as ``make
serve`` runs it::

    CKAN_INI=ckan.ini gunicorn -c scripts/gunicorn.conf.py \\
        'ckanext.satudata_planning.serve:make_app()'

CKAN ships no WSGI module in its wheel. Loading CKAN's ``[loggers]`` with
``logging.config.fileConfig`` disables every logger that exists already,
gunicorn's own among them (its access and error logs would stay empty):
they are loaded here without that, and gunicorn's loggers switched on again.
"""
from __future__ import annotations

import logging
import logging.config
import os
from typing import Any

#: gunicorn's loggers (``--access-logfile``, ``--error-logfile``)
GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")


def restore_gunicorn_loggers() -> None:
    for name in GUNICORN_LOGGERS:
        logging.getLogger(name).disabled = False


def load_logging(path: str) -> None:
    """CKAN's ``[loggers]`` of ``path``, leaving the loggers that exist alone."""
    logging.config.fileConfig(path, disable_existing_loggers=False)
    restore_gunicorn_loggers()


def make_app(ini: str | None = None) -> Any:
    """CKAN's WSGI app for ``ini`` (default: ``$CKAN_INI``, else ckan.ini)."""
    from ckan.cli import CKANConfigLoader
    from ckan.config.middleware import make_app as ckan_app

    path = os.path.abspath(ini or os.environ.get("CKAN_INI") or "ckan.ini")
    load_logging(path)
    config = CKANConfigLoader(path).get_config()
    app = ckan_app(config)
    restore_gunicorn_loggers()
    return app
