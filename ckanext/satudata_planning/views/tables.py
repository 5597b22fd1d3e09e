"""A dataset's data table: its XLSX template and its import (the OPD's form
on the dataset's page, under ``/perencanaan/tabel/<dataset>``)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Response

from ckanext.satudata_planning import config
from ckanext.satudata_planning.sop import wilayah

from .blueprints import portal
from .common import action_errors


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
        "Content-Type": "application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet",
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


portal.add_url_rule("/tabel/<dataset>/templat.xlsx", "tabel_templat", templat)
portal.add_url_rule("/tabel/<dataset>/impor", "tabel_impor", impor, methods=["POST"])
