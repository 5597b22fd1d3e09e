"""The documents of the SOP: BA desk pra forum (step 5), BA Forum Satu Data
(step 7) and the Wali Kota's SK Daftar Data (step 8).

A pure package: plain data in (:class:`DocumentContext`), .docx bytes or
template variables out. The Word templates in ``templates/`` are produced by
``build_templates.py`` (run ``python -m
ckanext.satudata_planning.documents.build_templates`` after changing it).
"""
from __future__ import annotations

from ckanext.satudata_planning.documents.context import (
    JENIS,
    DocumentContext,
    Jenis,
    Letterhead,
    OpdCounts,
    Person,
    Recommendation,
    counts_per_opd,
    group_items,
    item_row,
    select_items,
    template_variables,
    total_counts,
)
from ckanext.satudata_planning.documents.render import (
    DOCX_MIMETYPE,
    HTML_TEMPLATES,
    PACKAGED_TEMPLATE_DIR,
    config_defaults,
    configured_template_dir,
    filename,
    render,
    render_html_context,
    template_path,
)

__all__ = [
    "DOCX_MIMETYPE",
    "HTML_TEMPLATES",
    "JENIS",
    "PACKAGED_TEMPLATE_DIR",
    "DocumentContext",
    "Jenis",
    "Letterhead",
    "OpdCounts",
    "Person",
    "Recommendation",
    "config_defaults",
    "configured_template_dir",
    "counts_per_opd",
    "filename",
    "group_items",
    "item_row",
    "render",
    "render_html_context",
    "select_items",
    "template_path",
    "template_variables",
    "total_counts",
]
