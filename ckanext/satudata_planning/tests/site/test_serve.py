"""gunicorn's loggers survive CKAN's logging configuration (access and
error logs of ``make serve``)."""
from __future__ import annotations

import logging
from pathlib import Path

from ckanext.satudata_planning import serve

TEST_INI = str(Path(__file__).resolve().parents[4] / "test.ini")


def test_load_logging_keeps_gunicorn_loggers():
    for name in serve.GUNICORN_LOGGERS:
        # as CKAN's fileConfig (disable_existing_loggers) leaves them
        logging.getLogger(name).disabled = True
    serve.load_logging(TEST_INI)
    assert not any(logging.getLogger(n).disabled for n in serve.GUNICORN_LOGGERS)
