"""Template helpers. They read what the view or action already loaded: no queries."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.satudata_planning import sop, vocabularies

__all__ = [
    "satudata_actor_label",
    "satudata_actor_labels",
    "satudata_choices",
    "satudata_event_summary",
    "satudata_field_label",
    "satudata_format_date",
    "satudata_item_event_summary",
    "satudata_row_fields",
    "satudata_step_state_label",
    "satudata_vocab_terms",
    "satudata_vocab_label",
]


def satudata_choices(field: dict[str, Any]) -> list[dict[str, Any]]:
    """scheming ``choices_helper``: the field's ``satudata_vocabulary`` terms."""
    return vocabularies.scheming_choices(field["satudata_vocabulary"])


def satudata_vocab_label(name: str, value: str | None) -> str:
    """Label of a vocabulary value in the current language."""
    from ckan.lib.i18n import get_lang

    return vocabularies.label(name, value, get_lang())


def satudata_actor_label(actor: Optional[str]) -> str:
    """The SOP actor ``actor`` (a slug such as ``walidata``) in the viewer's language.

    >>> satudata_actor_label("pembina")  # doctest: +SKIP
    'Pembina Data'
    """
    try:
        return sop.Actor(actor).label.get(sop.current_lang())
    except ValueError:
        return actor or ""


def satudata_actor_labels(actors: Iterable[str]) -> str:
    """Several actors, comma separated."""
    return ", ".join(satudata_actor_label(a) for a in actors)


def satudata_step_state_label(state: str) -> str:
    """``belum`` / ``berjalan`` / ``selesai`` for people."""
    labels = {
        "belum": tk._("Not started"),
        "berjalan": tk._("In progress"),
        "selesai": tk._("Done"),
    }
    return labels.get(state, state)


def satudata_event_summary(event: dict[str, Any]) -> str:
    """One line for an audit-trail entry from ``satudata_cycle_events``."""
    action = event.get("action")
    target = event.get("target_id")
    if action == "cycle_create":
        return tk._("Cycle opened")
    if action == "cycle_finish":
        return tk._("Cycle finished")
    if action == "step_start":
        return tk._("Step {number} started").format(number=target)
    if action == "step_complete":
        return tk._("Step {number} completed").format(number=target)
    return "{action} {type} {target}".format(
        action=action, type=event.get("target_type") or "", target=target or "")


def satudata_format_date(value: Any, with_time: bool = False) -> str:
    """An ISO date (or timestamp, stored in UTC) as a long local date.

    Timestamps are shown in ``ckanext.satudata_planning.timezone``.
    """
    from babel.dates import format_date, format_datetime

    from ckanext.satudata_planning import calendar

    if not value:
        return ""
    lang = sop.current_lang()
    locale = "en" if lang.startswith("en") else "id"
    if isinstance(value, str):
        try:
            value = (dt.datetime.fromisoformat(value) if "T" in value
                     else dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        local = value.astimezone(calendar.timezone())
        if with_time:
            return format_datetime(local, "d MMMM y HH:mm", locale=locale)
        value = local.date()
    return format_date(value, "long", locale=locale)


def _lang() -> str:
    return "en" if sop.current_lang().startswith("en") else "id"


def satudata_row_fields() -> tuple[Any, ...]:
    """The fields of a Daftar Data row (``row_fields.FIELDS``), for forms."""
    from ckanext.satudata_planning.row_fields import FIELDS

    return FIELDS


def satudata_field_label(key: str) -> str:
    """The label of a row field in the viewer's language."""
    from ckanext.satudata_planning.row_fields import BY_KEY

    f = BY_KEY.get(key)
    return f.label(_lang()) if f else key


def satudata_vocab_terms(name: str) -> list[tuple[str, str]]:
    """``(value, label)`` of every term of vocabulary ``name``."""
    return [
        (t.value, t.en if _lang() == "en" else t.id) for t in vocabularies.terms(name)
    ]


def satudata_item_event_summary(event: dict[str, Any]) -> str:
    """One line for an entry of a row's history."""
    action = event.get("action")
    after = event.get("after") or {}
    if action == "item_create":
        return tk._("Row proposed")
    if action == "item_import":
        return tk._("Imported from a spreadsheet")
    if action == "item_carry_over":
        return tk._("Carried over from {tahun}").format(tahun=after.get("dari_tahun"))
    if action == "item_update":
        before = event.get("before") or {}
        changed = sorted(
            k for k in after if after.get(k) != before.get(k) and k not in ("revision",)
        )
        return tk._("Changed: {fields}").format(
            fields=", ".join(satudata_field_label(k) for k in changed) or "-"
        )
    if action == "item_delete":
        return tk._("Row deleted")
    if action == "item_review":
        return tk._("Desk result: {hasil}").format(
            hasil=satudata_vocab_label("hasil", after.get("hasil"))
        )
    if action == "recommendation_create":
        return tk._("Recommendation: {text}").format(text=after.get("isi", ""))
    if action == "duplicate_ignore":
        return tk._("Marked as not a duplicate")
    return str(action)


# --- step 10: "Data yang harus diisi" (one action call per page) ---------------

def satudata_todo_datasets(organization: Optional[str] = None,
                           cycle_id: Optional[str] = None) -> list[dict[str, Any]]:
    """The provisioned datasets the viewer's OPD has to fill in (empty when the
    viewer may not see them): the dashboard and the organization page call it
    once."""
    if not tk.current_user.is_authenticated:
        return []
    data = {k: v for k, v in (("organization", organization),
                              ("cycle_id", cycle_id)) if v}
    try:
        return tk.get_action("satudata_todo_datasets")({}, data)
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return []


__all__ += ["satudata_todo_datasets"]
