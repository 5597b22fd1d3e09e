"""A dataset's data table: its XLSX template and its import (the OPD's form
on the dataset's page, under ``/perencanaan/tabel/<dataset>``)."""
from __future__ import annotations

import io
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Response

from ckanext.satudata_planning import config
from ckanext.satudata_planning.sop import wilayah

from .blueprints import portal
from .common import action_errors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@action_errors
def templat(dataset: str) -> Response:
    """GET: the dataset's XLSX template (those who may import into it)."""
    from ckanext.satudata_planning.logic.action.table import table_of
    from ckanext.satudata_planning.tables import ensure, xlsx

    tk.check_access("satudata_table_import", {}, {"id": dataset})
    pkg, item, _resource_id = table_of(dataset)
    data = xlsx.template(item, ensure.design_of(item),
                         wilayah.names(config.wilayah_kode()))
    return Response(data, headers={
        "Content-Type": XLSX,
        "Content-Disposition": f'attachment; filename="templat-{pkg["name"]}.xlsx"',
    })


@action_errors
def impor(dataset: str) -> Response:
    """POST: import the filled template into the dataset's table."""
    try:
        out = tk.get_action("satudata_table_import")(
            {}, {"id": dataset, "upload": tk.request.files.get("upload")})
    except tk.ValidationError as e:
        lines = [m for v in e.error_dict.values()
                 for m in (v if isinstance(v, list) else [v])]
        tk.h.flash_error(tk._("Nothing was imported:") + " " + " · ".join(
            str(m) for m in lines[:20]))
    else:
        tk.h.flash_success(tk._("{count} records imported into the data table")
                           .format(count=out["count"]))
    return tk.redirect_to("dataset.read", id=dataset)


#: records read for the chart and the XLSX download
MAX_RECORDS = 32000


def _records(dataset: str) -> tuple[dict[str, Any], Any, list[dict[str, Any]]]:
    """The dataset's table records as the viewer may read them (CKAN's own
    DataStore auth: a private dataset answers 403 to the public)."""
    from ckanext.satudata_planning.logic.action.table import table_of

    tk.check_access("package_show", {}, {"id": dataset})
    pkg, item, resource_id = table_of(dataset)
    found = tk.get_action("datastore_search")(
        {}, {"resource_id": resource_id, "limit": MAX_RECORDS,
             "sort": "tahun, periode, kode_wilayah"})
    return pkg, item, found["records"]


@action_errors
def grafik(dataset: str) -> Response:
    """GET: the table's chart as SVG (see :mod:`tables.chart`)."""
    from ckanext.satudata_planning.tables import chart, design

    pkg, item, records = _records(dataset)
    svg = chart.chart(records, level=design.level(item),
                      periods=design.periods(item), satuan=item.satuan or "")
    return Response(svg, headers={"Content-Type": "image/svg+xml; charset=utf-8",
                                  "Cache-Control": "no-store"})


@action_errors
def unduh_xlsx(dataset: str) -> Response:
    """GET: the table's records as an XLSX (columns labelled in Indonesian)."""
    from openpyxl import Workbook

    from ckanext.satudata_planning.tables import design

    pkg, _item, records = _records(dataset)
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    columns = list(design.LABELS)
    ws.append([design.LABELS[c] for c in columns])
    for r in records:
        ws.append([_cell(c, r.get(c)) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), headers={
        "Content-Type": XLSX,
        "Content-Disposition": f'attachment; filename="{pkg["name"]}.xlsx"',
    })


def _cell(column: str, value: Any) -> Any:
    """``nilai`` as a number; text that a spreadsheet would run as a formula
    stays text."""
    if column == "nilai" and value is not None:
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


portal.add_url_rule("/tabel/<dataset>/templat.xlsx", "tabel_templat", templat)
portal.add_url_rule("/tabel/<dataset>/grafik.svg", "tabel_grafik", grafik)
portal.add_url_rule("/tabel/<dataset>/data.xlsx", "tabel_xlsx", unduh_xlsx)
portal.add_url_rule("/tabel/<dataset>/impor", "tabel_impor", impor, methods=["POST"])
