"""``/perencanaan/tugas``: "Tugas saya", where users with a role in the
planning cycle land after login (users without one go on to CKAN's
dashboard). Views call actions only."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.satudata_planning import sop

from .blueprints import perencanaan
from .common import action_errors, context

DASHBOARD = "dashboard.datasets"

#: the screen of a step, where it has its own (else the cycle's dashboard)
STEP_SCREENS = {
    sop.RECOMMEND.number: "satudata_planning.rekomendasi",
    sop.DESK.number: "satudata_planning.desk",
    sop.PROVISION.number: "satudata_portal.page",
}


def step_url(step: int, tahun: int) -> str:
    return tk.h.url_for(STEP_SCREENS.get(step, "satudata_planning.dashboard"),
                        tahun=tahun)


@action_errors
def tasks() -> Any:
    """The caller's tasks per role, with a button to each."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login",
                              next=tk.h.url_for("satudata_planning.tasks"))
    found = tk.get_action("satudata_my_tasks")(context(), {})
    if not found["has_role"]:
        return tk.redirect_to(DASHBOARD)
    for entry in found["steps"]:
        entry["url"] = step_url(entry["step"], entry["tahun"])
    return tk.render("satudata/tasks.html", extra_vars={"tasks": found})


perencanaan.add_url_rule("/tugas", "tasks", tasks)
