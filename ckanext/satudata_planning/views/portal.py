"""Step 10 screens under /perencanaan/<tahun>/portal. Views call actions only.

* ``…/portal``: the provision button (Walidata), the run's progress, the
  per-OPD progress table and chart, the rows removed after provisioning.
* ``…/portal/sediakan`` (POST): provision (in the request or as one job).
* ``…/portal/status``: the run's status as JSON (polled by ``portal.js``).
* ``…/portal/progress.csv``: the per-OPD table as CSV.
"""
from __future__ import annotations

import csv
import io
import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.types import Response
from flask import jsonify

from ckanext.satudata_planning.provisioning import failure_message

from .blueprints import portal
from .common import action_errors, context, download, flash_errors, load_cycle, may

log = logging.getLogger(__name__)

CSV_COLUMNS = (
    ("organization", "Kode OPD"), ("organization_title", "Produsen Data"),
    ("agreed", "Butir disepakati"), ("datasets", "Dataset dibuat"),
    ("with_data", "Dataset berisi data"), ("submitted", "Diajukan"),
    ("returned", "Dikembalikan"), ("accepted", "Diterima"),
    ("published", "Dipublikasikan"), ("percent", "Persen"),
    ("overdue", "Terlambat"),
)
#: the release calendar's counts (each row's ``release``)
RELEASE_COLUMNS = (
    ("on_time", "Terbit tepat waktu"), ("released_late", "Terbit terlambat"),
    ("late", "Belum terbit, lewat jadwal"), ("no_date", "Tanpa jadwal"),
    ("on_time_label", "Persen tepat waktu"),
)


def _progress(cycle: dict[str, Any]) -> dict[str, Any]:
    return tk.get_action("satudata_progress")(context(), {"cycle_id": cycle["id"]})


@action_errors
def page(tahun: int) -> str:
    """The step-10 page: provisioning and the OPDs' progress."""
    cycle = load_cycle(tahun)
    progress = _progress(cycle)
    status: dict[str, Any] = {}
    if tk.current_user.is_authenticated:
        status = tk.get_action("satudata_provision_status")(
            {}, {"cycle_id": cycle["id"]})
    return tk.render("satudata/portal.html", extra_vars={
        "cycle": cycle, "progress": progress, "status": status,
        "may_provision": may("satudata_provision", {"cycle_id": cycle["id"]}),
    })


@action_errors
def provision(tahun: int) -> Response:
    """POST: provision the datasets; back to the page with a message."""
    cycle = load_cycle(tahun)
    try:
        result = tk.get_action("satudata_provision")(
            context(), {"cycle_id": cycle["id"]})
    except tk.ValidationError as e:
        flash_errors(e)
    except sa.exc.SQLAlchemyError as e:
        # a run in the request: the batches committed before the failure stay
        model.Session.rollback()
        log.warning("Provisioning of %s stopped: %s", tahun, e)
        tk.h.flash_error(
            tk._(
                "Provisioning stopped because the database failed ({error}). "
                "The datasets already made are kept; start it again to make "
                "the rest."
            ).format(error=failure_message(e))
        )
    else:
        if result["mode"] == "background":
            tk.h.flash_success(tk._(
                "Provisioning of {total} rows has been queued as a background job"
            ).format(total=result["total"]))
        else:
            tk.h.flash_success(tk._(
                "{created} datasets created, {updated} updated"
            ).format(created=result["created"], updated=result["updated"]))
            if result["errors"]:
                tk.h.flash_error(tk._("{count} rows could not be provisioned").format(
                    count=len(result["errors"])))
    return tk.redirect_to("satudata_portal.page", tahun=tahun)


@action_errors
def status(tahun: int) -> Response:
    """The run's status as JSON, for the page's progress bar."""
    cycle = load_cycle(tahun)
    if not tk.current_user.is_authenticated:
        return tk.abort(403)
    data = tk.get_action("satudata_provision_status")(
        context(), {"cycle_id": cycle["id"]})
    data["removed"] = len(data["removed"])
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@action_errors
def progress_csv(tahun: int) -> Response:
    """The per-OPD progress as CSV (UTF-8 with BOM: spreadsheets open it right)."""
    cycle = load_cycle(tahun)
    progress = _progress(cycle)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _key, label in CSV_COLUMNS + RELEASE_COLUMNS])
    for row in progress["organizations"]:
        writer.writerow([row[key] for key, _label in CSV_COLUMNS]
                        + [row["release"][key] for key, _label in RELEASE_COLUMNS])
    totals = progress["totals"]
    writer.writerow(["", "Jumlah", *(totals[key] for key, _label in CSV_COLUMNS[2:]),
                     *(totals["release"][key] for key, _label in RELEASE_COLUMNS)])
    return download(
        ("\ufeff" + out.getvalue()).encode(),
        f"progres-daftar-data-{int(cycle['tahun'])}.csv",
        "text/csv; charset=utf-8",
    )


portal.add_url_rule("/<int:tahun>/portal", "page", page)
portal.add_url_rule("/<int:tahun>/portal/sediakan", "provision", provision,
                    methods=["POST"])
portal.add_url_rule("/<int:tahun>/portal/status", "status", status)
portal.add_url_rule("/<int:tahun>/portal/progress.csv", "progress_csv", progress_csv)
