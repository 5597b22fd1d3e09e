"""Fill a Word template (docxtpl) or prepare a printable page for a document.

Templates are looked up in the configured folder first
(``ckanext.satudata_planning.document_template_dir``, passed in as
``template_dir``) so a region can restyle its documents (logo, fonts, wording)
without touching the code; otherwise the packaged defaults in ``templates/``
are used. Rendering runs with ``autoescape=True``: every value is inserted as
text, so a data name such as ``<script>&`` cannot break the document's XML.
"""
from __future__ import annotations

import io
import os
from collections.abc import Mapping
from typing import Any

from docxtpl import DocxTemplate

from ckanext.satudata_planning.documents.context import (
    DEFAULT_CITY,
    JENIS,
    DocumentContext,
    Jenis,
    Letterhead,
    template_variables,
)

PACKAGED_TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")
#: CKAN template path of the printable page of each document.
HTML_TEMPLATES: dict[str, str] = {
    j: f"satudata/documents/{j}.html" for j in JENIS
}
DOCX_MIMETYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
FILENAMES: dict[str, str] = {
    "ba_desk": "BA-Desk-Pra-Forum-{tahun}.docx",
    "ba_forum": "BA-Forum-Satu-Data-{tahun}.docx",
    "sk": "SK-Daftar-Data-{tahun}.docx",
}




def configured_template_dir() -> str | None:
    """The custom template folder the site configured, if any."""
    from ckanext.satudata_planning import config

    return config.document_template_dir() or None


def config_defaults() -> dict[str, Any]:
    """Context fields the site configures: ``kota`` and the letterhead ``kop``.

    Merge them under the cycle's own data: ``{**config_defaults(), **data}``.
    """
    from ckanext.satudata_planning import config

    kota = config.city_name() or DEFAULT_CITY
    return {
        "kota": kota,
        "kop": Letterhead.for_city(
            kota,
            config.document_letterhead_agency(),
            config.document_letterhead_address(),
        ),
    }


def template_path(jenis: str, template_dir: str | None = None) -> str:
    """The .docx template used for ``jenis``: the custom one when present."""
    if jenis not in JENIS:
        raise ValueError(f"unknown document kind {jenis!r}; expected one of {JENIS}")
    if template_dir:
        custom = os.path.join(template_dir, f"{jenis}.docx")
        if os.path.isfile(custom):
            return custom
    return os.path.join(PACKAGED_TEMPLATE_DIR, f"{jenis}.docx")


def render(
    jenis: Jenis,
    context: DocumentContext | Mapping[str, Any],
    *,
    template_dir: str | None = None,
) -> bytes:
    """The document ``jenis`` filled with ``context``, as .docx bytes."""
    variables = template_variables(jenis, context)
    tpl = DocxTemplate(template_path(jenis, template_dir))
    tpl.render(variables, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def render_html_context(
    jenis: Jenis, context: DocumentContext | Mapping[str, Any]
) -> dict[str, Any]:
    """Variables for the printable page ``HTML_TEMPLATES[jenis]``.

    The same variables as the Word template, so both show the same document;
    the view renders it with ``tk.render(HTML_TEMPLATES[jenis], extra_vars=...)``
    (Jinja autoescapes HTML there).
    """
    return template_variables(jenis, context)


def filename(jenis: str, tahun: int) -> str:
    """A download name such as ``SK-Daftar-Data-2027.docx``."""
    return FILENAMES[jenis].format(tahun=int(tahun))
