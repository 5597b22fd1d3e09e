"""Typed readers of the plugin's options.

Each option's name is written here once and its default, type and meaning in
``config_declaration.yaml`` only (CKAN fills the declared default in). A value
set by a test (``ckan_config``) or by ``config-tool`` may still be a string:
the readers convert it.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

PREFIX = "ckanext.satudata_planning."


def _get(name: str) -> Any:
    return tk.config.get(PREFIX + name)


def _int(name: str) -> int:
    return int(_get(name))


def _float(name: str) -> float:
    return float(_get(name))


def _bool(name: str) -> bool:
    return tk.asbool(_get(name))


def _list(name: str) -> list[str]:
    value = _get(name) or []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def _text(name: str) -> str:
    return str(_get(name) or "")


# --- who is who -------------------------------------------------------------------

def walidata_org() -> str:
    return _text("walidata_org")


def pembina_orgs() -> frozenset[str]:
    return frozenset(_list("pembina_orgs"))


def sekretariat_org() -> str:
    return _text("sekretariat_org")


def city_name() -> str:
    return _text("city_name")


def wilayah_kode() -> str:
    return _text("wilayah_kode")


def data_tables() -> bool:
    return _bool("data_tables")


# --- the SOP ---------------------------------------------------------------------

def vocabulary_file() -> str:
    return _text("vocabulary_file")


def desk_duration_days() -> int:
    return _int("desk_duration_days")


def extra_holidays() -> list[str]:
    """The configured extra days off, as written (``working_days`` parses them)."""
    return _list("extra_holidays")


def timezone() -> str:
    return _text("timezone")


# --- the Daftar Data -------------------------------------------------------------

def import_max_rows() -> int:
    return _int("import_max_rows")


def import_max_bytes() -> int:
    return _int("import_max_bytes")


def import_max_unpacked_bytes() -> int:
    return _int("import_max_unpacked_bytes")


def duplicate_threshold() -> float:
    return _float("duplicate_threshold")


def duplicate_breakdown_score() -> float:
    return _float("duplicate_breakdown_score")


def duplicate_terms_file() -> str:
    return _text("duplicate_terms_file")


def duplicate_page_max() -> int:
    return _int("duplicate_page_max")


# --- documents -------------------------------------------------------------------

def document_template_dir() -> str:
    return _text("document_template_dir")


def document_letterhead_agency() -> str:
    return _text("document_letterhead_agency")


def document_letterhead_address() -> str:
    return _text("document_letterhead_address")


def upload_max_bytes() -> int:
    return _int("upload_max_bytes")


# --- step 10 ---------------------------------------------------------------------

def provision_private() -> bool:
    return _bool("provision_private")


def provision_sync_max() -> int:
    return _int("provision_sync_max")


def provision_batch_size() -> int:
    return _int("provision_batch_size")


def provision_batch_pause() -> float:
    return _float("provision_batch_pause")


def provision_lock_wait() -> float:
    return _float("provision_lock_wait")


# --- CKAN's own options the plugin reads ------------------------------------------

def site_url() -> str:
    return str(tk.config.get("ckan.site_url") or "").rstrip("/")


def site_title() -> str:
    return str(tk.config.get("ckan.site_title") or "")


def default_locale() -> str:
    return str(tk.config.get("ckan.locale_default") or "id")


# --- the release calendar ---------------------------------------------------------

def remind_before_days() -> int:
    return _int("remind_before_days")


def remind_escalate_days() -> int:
    return _int("remind_escalate_days")


def remind_hour() -> int:
    return _int("remind_hour")


def remind_enabled() -> bool:
    return _bool("remind_enabled")

# --- the portal's public face -------------------------------------------------------

#: CKAN's own defaults, replaced by the portal's while a site keeps them
CKAN_DEFAULT_TITLE = "CKAN"
CKAN_DEFAULT_LOGO = "/base/images/ckan-logo.png"
CKAN_DEFAULT_ROUTE_AFTER_LOGIN = "dashboard.datasets"


def logo() -> str:
    return _text("logo")


def default_site_title() -> str:
    return _text("site_title")


def about_text() -> str:
    return _text("about_text")


def tasks_after_login() -> bool:
    return _bool("tasks_after_login")
