"""Template helpers. They read what the view or action already loaded: no queries."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

import ckan.plugins.toolkit as tk
from markupsafe import Markup

from ckanext.satudata_planning import audit, formats, sop
from ckanext.satudata_planning.logic.context import viewer
from ckanext.satudata_planning.sop import vocabularies

__all__ = [
    "satudata_actor_label",
    "satudata_actor_labels",
    "satudata_choices",
    "satudata_event_summary",
    "satudata_field_label",
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




def _lang() -> str:
    return "en" if sop.current_lang().startswith("en") else "id"


def satudata_row_fields() -> tuple[Any, ...]:
    """The fields of a Daftar Data row (``row_fields.FIELDS``), for forms."""
    from ckanext.satudata_planning.sop.row_fields import FIELDS

    return FIELDS


def satudata_field_label(key: str) -> str:
    """The label of a row field in the viewer's language."""
    from ckanext.satudata_planning.sop.row_fields import BY_KEY

    f = BY_KEY.get(key)
    return f.label(_lang()) if f else key


def satudata_vocab_terms(name: str) -> list[tuple[str, str]]:
    """``(value, label)`` of every term of vocabulary ``name``."""
    return [
        (t.value, t.en if _lang() == "en" else t.id) for t in vocabularies.terms(name)
    ]


__all__ += ["satudata_event_lines"]

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
        return tk.get_action("satudata_todo_datasets")(viewer(), data)
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return []


__all__ += ["satudata_todo_datasets"]


satudata_format_date = formats.date
__all__ += ["satudata_format_date"]

# --- the audit trail in sentences (audit.py) ------------------------------------

satudata_event_summary = audit.event_summary
satudata_event_lines = audit.event_lines
satudata_item_event_summary = audit.item_event_summary
satudata_check_event_summary = audit.check_event_summary
__all__ += ["satudata_event_lines", "satudata_check_event_summary"]


# --- after step 10: the checking of a provisioned dataset -------------------------


def satudata_check_status_label(status: Optional[str]) -> str:
    """A checking status (``kosong`` … ``diterima``) for people."""
    from ckanext.satudata_planning.workflow.checking import status_label

    return status_label(status)


def satudata_dataset_check(pkg: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The checking of a dataset's page (``satudata_verification_show``):
    ``None`` for a dataset not made in step 10 (no query then) or a viewer
    who may not see it."""
    if not pkg.get("satudata_item_id") or not tk.current_user.is_authenticated:
        return None
    try:
        return tk.get_action("satudata_verification_show")(viewer(), {"id": pkg["id"]})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None


__all__ += ["satudata_check_status_label", "satudata_dataset_check"]


# --- after step 10: the release calendar -------------------------------------------


def satudata_release_status_label(status: Optional[str]) -> str:
    """A release status (``akan_datang`` … ``tanpa_jadwal``) for people."""
    from ckanext.satudata_planning.release.schedule import status_label

    return status_label(status or "")


def satudata_share_label(part: int, whole: int) -> str:
    """A share written the Indonesian way: ``12,5 %``."""
    from ckanext.satudata_planning.release.schedule import share_label

    return share_label(part, whole)


__all__ += ["satudata_release_status_label", "satudata_share_label"]


def satudata_release_progress(cycle_id: str) -> Optional[dict[str, Any]]:
    """``satudata_progress`` of a finished cycle for its dashboard (its
    ``release`` counts); ``None`` when the viewer may not see it."""
    try:
        return tk.get_action("satudata_progress")(viewer(), {"cycle_id": cycle_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


__all__ += ["satudata_release_progress"]


def satudata_duplicate_kind_label(kind: str) -> str:
    """The kind of a duplicate candidate (``jenis`` of a pair), translated."""
    labels = {
        "kode": tk._("Same standard code"),
        "mirip": tk._("Near-identical name"),
        "rincian": tk._("Same subject, another breakdown"),
    }
    return labels.get(kind, kind)


__all__ += ["satudata_duplicate_kind_label"]

# --- the portal's public face: numbers, identity, avatars --------------------------

satudata_number = formats.number
satudata_percent = formats.percent
__all__ += ["satudata_number", "satudata_percent"]


def satudata_home() -> dict[str, Any]:
    """The home page's figures and lists (one action call per page)."""
    return tk.get_action("satudata_portal_summary")(viewer(), {})


def satudata_about_text() -> str:
    """The configured about text (Markdown), empty for the built-in page."""
    from ckanext.satudata_planning import config

    return tk.config.get("ckan.site_about") or config.about_text()


def satudata_city_name() -> str:
    from ckanext.satudata_planning import config

    return config.city_name()


def satudata_initials(name: Optional[str]) -> str:
    """Up to two initials of a display name (``"Budi Santoso"`` → ``"BS"``)."""
    words = [w for w in (name or "").replace("_", " ").replace("-", " ").split() if w]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters or "?"


def _on_site(url: Optional[str]) -> bool:
    """An image served by the portal itself (an upload), not another host."""
    from urllib.parse import urlsplit

    if not url:
        return False
    host = urlsplit(url if not url.startswith("//") else "http:" + url).netloc
    return not host or host == urlsplit(tk.config.get("ckan.site_url", "")).netloc


@tk.chained_helper
def user_image(next_helper: Any, user_id: str, size: int = 100) -> Any:
    """CKAN's avatar without Gravatar: a picture uploaded to the portal stays;
    otherwise (none, or a link to another host) the user's initials, drawn by
    the page itself (no outside request)."""
    if not user_id:
        return ""
    me = tk.current_user
    if (me.is_authenticated and user_id in (me.id, me.name)
            and (not me.image_url or me.image_url.startswith("http"))):
        # the header's avatar: the user the login loaded, no user_show (an
        # uploaded picture, whose address the file storage gives, still
        # takes the path below)
        on_site = _on_site(me.image_url)
        name = me.display_name or me.name
    else:
        user = tk.get_action("user_show")({"ignore_auth": True}, {"id": user_id})
        if not user:
            return ""
        on_site = _on_site(user.get("image_display_url"))
        name = user.get("display_name") or user.get("name")
    if on_site:
        return next_helper(user_id, size)
    return tk.h.snippet("satudata/snippets/avatar.html", size=size,
                        name=name, initials=satudata_initials(name))


__all__ += ["satudata_home", "satudata_about_text", "satudata_city_name",
            "satudata_initials", "user_image"]


def satudata_dcat_enabled() -> bool:
    """The DCAT endpoints are served (the ``dcat`` plugin is loaded)."""
    import ckan.plugins as p

    return p.plugin_loaded("dcat")


__all__ += ["satudata_dcat_enabled"]


def satudata_structured_data(pkg: dict[str, Any]) -> Markup:
    """ckanext-dcat's schema.org JSON-LD of a dataset, safe inside a
    ``<script>`` element: ``<``, ``>`` and ``&`` written as JSON's ``\\u``
    escapes (the same JSON), so no user text can close the element."""
    text = tk.h.structured_data(pkg)
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escape)
    return Markup(text)


__all__ += ["satudata_structured_data"]


def satudata_route_exists(endpoint: str) -> bool:
    """A view of that name is registered (a screen another plugin or a later
    version adds: the page links it only then)."""
    from flask import current_app

    return endpoint in current_app.view_functions


__all__ += ["satudata_route_exists"]


def satudata_data_table(pkg: dict[str, Any]) -> Optional[dict[str, Any]]:
    """A provisioned dataset's data table on its page: the table resource,
    the unit and definition shown next to the numbers, and whether the
    viewer may import (``None`` without a table; no query)."""
    if not pkg.get("satudata_item_id"):
        return None
    table = next((r for r in pkg.get("resources") or []
                  if r.get("url_type") == "tabledesigner"), None)
    if table is None:
        return None
    may_import = tk.current_user.is_authenticated and tk.h.check_access(
        "satudata_table_import", {"id": pkg["id"]})
    return {"resource": table, "satuan": pkg.get("satuan"),
            "definisi": pkg.get("definisi"), "rumus": pkg.get("rumus"),
            "may_import": may_import}


__all__ += ["satudata_data_table"]


#: the page where each step's work is done
_STEP_PAGES = {
    1: "satudata_planning.daftar", 2: "satudata_planning.rekomendasi",
    3: "satudata_planning.daftar", 4: "satudata_planning.desk",
    5: "satudata_forum.dokumen", 6: "satudata_forum.forum_page",
    7: "satudata_forum.dokumen", 8: "satudata_forum.dokumen",
    9: "satudata_forum.dokumen", 10: "satudata_portal.page",
}


def satudata_step_page(tahun: int, step: Optional[int]) -> str:
    """The URL of the page where step ``step``'s work is done ("" if none)."""
    endpoint = _STEP_PAGES.get(step or 0)
    return tk.h.url_for(endpoint, tahun=tahun) if endpoint else ""


__all__ += ["satudata_step_page"]
