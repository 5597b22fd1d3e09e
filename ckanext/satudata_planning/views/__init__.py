"""The screens (Flask blueprints). One module per screen group:

* :mod:`.cycle`: ``/perencanaan`` (the cycles) and ``/perencanaan/<tahun>``
  (the dashboard, completing a step);
* :mod:`.daftar`: the Daftar Data (list, add, import, export, template,
  carry-over, one row);
* :mod:`.desk`: the Pembina's recommendations and the desk pra forum;
* :mod:`.forum`: the forum (step 6) and the public SK page;
* :mod:`.documents`: BA desk, BA forum and SK (steps 5–9);
* :mod:`.portal`: step 10 and the OPDs' progress;
* :mod:`.calendar`: ``/jadwal-rilis``, the public release calendar (page,
  .ics feed, CSV);
* :mod:`.tasks`: "Tugas saya", the landing page after login;
* :mod:`.checking`: after step 10, "Periksa & terbitkan" (checking and
  publication) and the OPD's "Ajukan pemeriksaan";
* :mod:`.tables`: a dataset's data table, its XLSX template and import.

Views call actions, never the database; :mod:`.common` maps an action's
refusal to its page. ``csrf`` is the middleware that checks every form's token.
"""
from __future__ import annotations

from . import (  # noqa: F401
    calendar,
    checking,
    cycle,
    daftar,
    desk,
    documents,
    forum,
    portal,
    tables,
    tasks,
)
from .blueprints import calendar as calendar_blueprint
from .blueprints import forum as forum_blueprint
from .blueprints import perencanaan as perencanaan_blueprint
from .blueprints import portal as portal_blueprint

#: what CKAN's blueprint blanket registers
__all__ = [
    "perencanaan_blueprint", "forum_blueprint", "portal_blueprint",
    "calendar_blueprint",
]
