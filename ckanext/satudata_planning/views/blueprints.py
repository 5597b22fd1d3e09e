"""The three blueprints under ``/perencanaan``; the screen modules add their
routes to them, and :mod:`ckanext.satudata_planning.views` hands them to CKAN.

Their names are part of every ``url_for`` in the templates: ``satudata_planning``
(cycles, the list, the desk), ``satudata_forum`` (the forum, documents, the
public SK) and ``satudata_portal`` (step 10 and progress).
"""
from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from .urls import KODE, KodeConverter

perencanaan = Blueprint("satudata_planning", __name__, url_prefix="/perencanaan")
forum = Blueprint("satudata_forum", __name__, url_prefix="/perencanaan")
portal = Blueprint("satudata_portal", __name__, url_prefix="/perencanaan")
#: the public release calendar, outside the planning's prefix
calendar = Blueprint("satudata_calendar", __name__, url_prefix="/jadwal-rilis")


def _add_converter(state: BlueprintSetupState) -> None:
    """Register ``<satudata_kode:…>`` on the app before any rule uses it."""
    state.app.url_map.converters[KODE] = KodeConverter


perencanaan.record_once(_add_converter)
