"""Screens under /perencanaan. Each view calls actions; it never queries itself.

* ``/perencanaan``: the cycles; the Walidata opens one with the form (POST).
* ``/perencanaan/<tahun>``: the dashboard: the ten steps as a timeline, what
  the viewer must do now, the current step's "complete" button, the audit trail.
* ``/perencanaan/<tahun>/langkah/<nomor>/selesai`` (POST): complete a step.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Response
from flask import Blueprint
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError as CSRFInvalid

perencanaan = Blueprint("satudata_planning", __name__, url_prefix="/perencanaan")

__all__ = ["perencanaan"]

CREATE_FIELDS = ("tahun", "judul", "tanggal_mulai")
EVENTS_ON_DASHBOARD = 50


def _messages(errors: dict[str, Any]) -> list[str]:
    """The messages of a ``ValidationError.error_dict``, flattened."""
    out: list[str] = []
    for value in errors.values():
        if isinstance(value, (list, tuple)):
            out.extend(str(v) for v in value)
        else:
            out.append(str(value))
    return out


def _csrf_ok() -> bool:
    """The form's CSRF token is valid (logged-in browser sessions).

    Defence in depth: CKAN 2.12 exempts a view from CSRF for the rest of the
    process (``csrf.exempt``) as soon as one anonymous or API-token request
    reaches it, so these POST views check the token themselves. Anonymous
    and API-token callers carry no ambient credential and are left alone.
    """
    if not tk.config.get("WTF_CSRF_ENABLED"):
        return True
    if not tk.current_user.is_authenticated:
        return True
    if tk.request.headers.get(tk.config.get("apitoken_header_name") or "Authorization"):
        return True
    field = tk.config.get("WTF_CSRF_FIELD_NAME") or "_csrf_token"
    try:
        validate_csrf(tk.request.form.get(field))
    except CSRFInvalid:
        return False
    return True


def _may(action: str, data_dict: dict[str, Any] | None = None) -> bool:
    """May the current user call ``action`` (CKAN's helper builds the context)?"""
    return tk.h.check_access(action, data_dict or {})


def index() -> str | Response:
    """The cycles, and the "open a cycle" form for the Walidata."""
    data: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    if tk.request.method == "POST":
        if not _csrf_ok():
            return tk.abort(400, tk._("The form has expired: please try again"))
        data = {k: (tk.request.form.get(k) or "").strip() for k in CREATE_FIELDS}
        payload = {k: v for k, v in data.items() if v}
        try:
            cycle = tk.get_action("satudata_cycle_create")({}, payload)
        except tk.NotAuthorized:
            return tk.abort(403, tk._("Only the Walidata may open a planning cycle"))
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(
                tk._("The {tahun} planning cycle has been opened").format(
                    tahun=cycle["tahun"])
            )
            return tk.redirect_to("satudata_planning.dashboard", tahun=cycle["tahun"])
    cycles = tk.get_action("satudata_cycle_list")({}, {})
    return tk.render(
        "satudata/cycle_list.html",
        extra_vars={
            "cycles": cycles,
            "can_create": _may("satudata_cycle_create"),
            "data": data,
            "errors": errors,
        },
    )


def dashboard(tahun: int) -> str:
    """The cycle of ``tahun``: timeline, my tasks, audit trail."""
    try:
        cycle = tk.get_action("satudata_cycle_show")({}, {"id": tahun})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Planning cycle not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("This planning cycle is not public yet"))
    events: list[dict[str, Any]] = []
    if tk.current_user.is_authenticated:
        events = tk.get_action("satudata_cycle_events")(
            {}, {"id": cycle["id"], "limit": EVENTS_ON_DASHBOARD})
    return tk.render(
        "satudata/cycle_dashboard.html",
        extra_vars={"cycle": cycle, "events": events},
    )


def complete_step(tahun: int, nomor: int) -> Response:
    """POST: complete step ``nomor``; back to the dashboard with a message."""
    if not _csrf_ok():
        return tk.abort(400, tk._("The form has expired: please try again"))
    data = {"id": tahun, "step": nomor,
            "catatan": (tk.request.form.get("catatan") or "").strip()}
    if not data["catatan"]:
        del data["catatan"]
    try:
        tk.get_action("satudata_step_complete")({}, data)
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Planning cycle not found"))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or None)
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(_messages(e.error_dict)))
    else:
        tk.h.flash_success(tk._("Step {number} completed").format(number=nomor))
    return tk.redirect_to("satudata_planning.dashboard", tahun=tahun)


perencanaan.add_url_rule("/", "index", index, methods=["GET", "POST"],
                         strict_slashes=False)
perencanaan.add_url_rule("/<int:tahun>", "dashboard", dashboard)
perencanaan.add_url_rule("/<int:tahun>/langkah/<int:nomor>/selesai", "complete_step",
                         complete_step, methods=["POST"])
