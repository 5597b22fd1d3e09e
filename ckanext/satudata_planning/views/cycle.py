"""``/perencanaan``: the cycles (the Walidata opens one with the form);
``/perencanaan/<tahun>``: the dashboard (the ten steps as a timeline, what
the viewer must do now, the current step's button, the audit trail);
``…/langkah/<nomor>/selesai`` (POST): complete a step."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Response

from .blueprints import perencanaan
from .common import action_errors, context, flash_errors, may

CREATE_FIELDS = ("tahun", "judul", "tanggal_mulai")
EVENTS_ON_DASHBOARD = 50


@action_errors
def index() -> str | Response:
    """The cycles, and the "open a cycle" form for the Walidata."""
    data: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        data = {k: (tk.request.form.get(k) or "").strip() for k in CREATE_FIELDS}
        payload = {k: v for k, v in data.items() if v}
        try:
            cycle = tk.get_action("satudata_cycle_create")(context(), payload)
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(
                tk._("The {tahun} planning cycle has been opened").format(
                    tahun=cycle["tahun"])
            )
            return tk.redirect_to("satudata_planning.dashboard", tahun=cycle["tahun"])
    cycles = tk.get_action("satudata_cycle_list")(context(), {})
    return tk.render(
        "satudata/cycle_list.html",
        extra_vars={
            "cycles": cycles,
            "can_create": may("satudata_cycle_create"),
            "data": data,
            "errors": errors,
        },
    )


@action_errors
def dashboard(tahun: int) -> str:
    """The cycle of ``tahun``: timeline, my tasks (with the concrete ones:
    rows sent back, rows lacking metadata), audit trail."""
    cycle = tk.get_action("satudata_cycle_show")(
        context(), {"id": tahun, "tasks": True})
    events: list[dict[str, Any]] = []
    if tk.current_user.is_authenticated:
        events = tk.get_action("satudata_cycle_events")(
            context(),
            {"id": cycle["id"], "limit": EVENTS_ON_DASHBOARD, "batched": True})
    return tk.render(
        "satudata/cycle_dashboard.html",
        extra_vars={"cycle": cycle, "events": events},
    )


@action_errors
def complete_step(tahun: int, nomor: int) -> Response:
    """POST: complete step ``nomor``; back to the dashboard with a message."""
    data = {"id": tahun, "step": nomor,
            "catatan": (tk.request.form.get("catatan") or "").strip()}
    if not data["catatan"]:
        del data["catatan"]
    try:
        tk.get_action("satudata_step_complete")(context(), data)
    except tk.ValidationError as e:
        flash_errors(e)
    else:
        tk.h.flash_success(tk._("Step {number} completed").format(number=nomor))
    return tk.redirect_to("satudata_planning.dashboard", tahun=tahun)


perencanaan.add_url_rule(
    "/", "index", index, methods=["GET", "POST"], strict_slashes=False
)
perencanaan.add_url_rule("/<int:tahun>", "dashboard", dashboard)
perencanaan.add_url_rule(
    "/<int:tahun>/langkah/<int:nomor>/selesai",
    "complete_step",
    complete_step,
    methods=["POST"],
)
