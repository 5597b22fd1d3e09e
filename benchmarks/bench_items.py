"""Benchmark of the Daftar Data (a script, not a test).

Prints, on the ``satudata_bench`` database:

* the time to import 5,000 rows from an XLSX (``satudata_item_import``);
* the time to export them (``satudata_item_list`` + ``spreadsheet.export``);
* the time of ``satudata_duplicates`` (first call, and again with nothing
  changed) and how many pairs it finds, at 500 and 5,000 rows;
* the SQL statements and time of the real list (``/perencanaan/<tahun>/daftar``,
  50 rows), desk (``…/desk``: 50 rows and a page of duplicate pairs),
  dashboard (``/perencanaan/<tahun>``) and portal (``…/portal``: step 10's
  progress per OPD) pages, with 500 and with 5,000 rows in the cycle, as the
  Walidata (counted with a ``before_cursor_execute`` listener on the engine).
  The counts must not grow with the list. The desk is measured as after any
  change to a row (its duplicate pairs computed again) and again with nothing
  changed; the portal with every row agreed (set in the database: walking
  the cycle through steps 2–9 is not what is measured);
* the load average before and after (the machine is shared: times swing).

Usage::

    .venv/bin/python benchmarks/bench_items.py [--db postgresql://…/satudata_bench]
        [--statements]   # also each page's statements, grouped

The database is emptied and migrated first (``ckan db clean`` / ``db upgrade``):
check that nobody else uses it (``pg_stat_activity``) before running.
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import time
from collections import Counter
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DB = "postgresql://satudata:satudata@127.0.0.1:5432/satudata_bench"
OPDS = ("dinkes", "dinsos", "disdik", "dpupr", "dishub", "dlh", "disperindag",
        "dinperkim", "bpkad", "bkpsdm")
WORDS = ("jumlah penduduk sekolah puskesmas jalan pasar nelayan batik guru murid "
         "kelahiran kematian bantuan sosial anggaran kendaraan sampah air").split()


def _ckan(ini: str, *args: str) -> None:
    subprocess.run([os.path.join(ROOT, ".venv", "bin", "ckan"), "-c", ini, *args],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def _workbook(count: int) -> bytes:
    import openpyxl

    from ckanext.satudata_planning import spreadsheet
    from ckanext.satudata_planning.sop.row_fields import FIELDS

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(spreadsheet.SHEET_DATA)
    ws.append([spreadsheet.header(f) for f in FIELDS])
    for i in range(count):
        name = " ".join(WORDS[(i * k) % len(WORDS)] for k in (1, 3, 7)) + f" {i}"
        ws.append(["", None, name, OPDS[i % len(OPDS)], "Statistik Sektoral",
                   "Indikator", "SDGs; SPM", "Baru", "Konsep", "Definisi", "",
                   "Jumlah", "orang", "", "Kecamatan", "Tahunan", "2027-03-31", "",
                   "Survei", "SIAK", "Terbuka", "", "", ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", DEFAULT_DB))
    parser.add_argument("--statements", action="store_true",
                        help="print each page's statements, grouped")
    args = parser.parse_args()
    os.environ["CKAN_SQLALCHEMY_URL"] = args.db
    os.environ.setdefault("CKAN_REDIS_URL", "redis://127.0.0.1:6379/3")
    print(f"Preparing {args.db.rsplit('/', 1)[-1]} ...", flush=True)
    _ckan(args.ini, "db", "clean", "--yes")
    _ckan(args.ini, "db", "upgrade")

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.ini))
    flask_app = app._wsgi_app  # type: ignore[attr-defined]
    with flask_app.test_request_context():
        user = setup()
        import_s = run_import(user, 2026, 500)
        import_s = run_import(user, 2027, 5000)
        export_s = run_export(user)
        dup_times = {tahun: run_duplicates(user, tahun) for tahun in (2026, 2027)}
    print("load average before: " + _load())
    print(f"import 5,000 rows: {import_s:.2f} s")
    print(f"export 5,000 rows: {export_s:.2f} s")
    for tahun, rows in ((2026, 500), (2027, 5000)):
        cold, warm, found = dup_times[tahun]
        print(f"satudata_duplicates, {rows:>5} rows: {found} pairs, first call "
              f"{cold * 1000:.0f} ms, again {warm * 1000:.0f} ms (a page of 50)")
    for label, path, marker, least in PAGES:
        if label == "portal":
            with flask_app.test_request_context():
                agree_all()
        for tahun, rows in ((2026, 500), (2027, 5000)):
            for again in ((False, True) if label == "desk" else (False,)):
                sent, seconds, size = page_queries(
                    flask_app, user, tahun, path, marker, least, again=again)
                name = label + (" again" if again else "")
                print(f"{name:<10} page, {rows:>5} rows in the cycle: "
                      f"{len(sent)} SQL statements, {seconds * 1000:.0f} ms "
                      f"(median of {TIMES}), {size / 1024:.0f} KiB")
                if args.statements:
                    for statement, n in Counter(sent).most_common():
                        print(f"    {n}x {statement[:150]}")
    print("load average after: " + _load())


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


#: (label, path after /perencanaan/<tahun>, a marker of the page, its least count)
PAGES = (
    ("list", "/daftar", '<tr class="satudata-item', 50),
    ("desk", "/desk", 'class="satudata-desk-row', 50),
    ("dashboard", "", '<li class="satudata-step', 10),
    ("portal", "/portal", 'class="satudata-progress"', 1),
)


def agree_all() -> None:
    """Every row of both cycles approved by the desk and agreed by the forum
    (what the portal page counts), straight in the database."""
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.satudata_planning.model import Item

    model.Session.execute(sa.update(Item).values(hasil="disetujui", disepakati=True))
    model.Session.commit()


def run_duplicates(user: dict[str, Any], tahun: int) -> tuple[float, float, int]:
    """Seconds of a first and a second call, and the pairs found."""
    import ckan.plugins.toolkit as tk

    from ckanext.satudata_planning.logic.action import desk

    desk._CACHE.clear()
    ctx = {"user": user["name"]}
    started = time.perf_counter()
    tk.get_action("satudata_duplicates")(dict(ctx), {"cycle_id": tahun, "limit": 50})
    cold = time.perf_counter() - started
    started = time.perf_counter()
    tk.get_action("satudata_duplicates")(dict(ctx), {"cycle_id": tahun, "limit": 50})
    warm = time.perf_counter() - started
    cycle = tk.get_action("satudata_cycle_show")(dict(ctx), {"id": tahun})
    found = len(desk.cycle_pairs(cycle["id"]))
    desk._CACHE.clear()  # the page measures its own first call
    return cold, warm, found


def setup() -> dict[str, Any]:
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    site = {"ignore_auth": True, "user": ""}
    admin = tk.get_action("user_create")(site, {
        "name": "bench_admin", "email": "a@example.org", "password": "Bench-12345678"})
    model.User.get(admin["id"]).sysadmin = True
    walidata = tk.get_action("user_create")(site, {
        "name": "bench_walidata", "email": "w@example.org",
        "password": "Bench-12345678"})
    model.Session.commit()
    ctx = {"user": "bench_admin", "ignore_auth": True}
    for name in ("diskominfo", "bps", "bappeda", *OPDS):
        tk.get_action("organization_create")(dict(ctx), {
            "name": name, "title": name.upper(),
            "users": [{"name": "bench_walidata", "capacity": "editor"}]})
    return walidata


def run_import(user: dict[str, Any], tahun: int, count: int) -> float:
    import ckan.plugins.toolkit as tk

    ctx = {"user": user["name"]}
    tk.get_action("satudata_cycle_create")(dict(ctx), {"tahun": tahun})
    data = _workbook(count)
    started = time.perf_counter()
    result = tk.get_action("satudata_item_import")(dict(ctx), {
        "cycle_id": tahun, "upload": data})
    elapsed = time.perf_counter() - started
    assert result["created"] == count, result
    return elapsed


def run_export(user: dict[str, Any]) -> float:
    import ckan.plugins.toolkit as tk

    from ckanext.satudata_planning import spreadsheet

    started = time.perf_counter()
    listed = tk.get_action("satudata_item_list")({"user": user["name"]}, {
        "cycle_id": 2027, "limit": 10000})
    data = spreadsheet.export(listed["results"])
    elapsed = time.perf_counter() - started
    assert listed["count"] == 5000 and data
    return elapsed


#: GETs of each page whose median time is printed (the machine is shared)
TIMES = 3


def page_queries(flask_app: Any, user: dict[str, Any], tahun: int, path: str,
                 marker: str, least: int, again: bool = False
                 ) -> tuple[list[str], float, int]:
    """Statements (whitespace folded) of one GET of a real page, the median
    seconds of :data:`TIMES` GETs and the page's bytes, logged in as the
    Walidata, after one GET that warms templates and translations. The
    desk's pairs are computed again for each GET, as after any change to a
    row, unless ``again`` (kept from the first GET, as when nothing changed)."""
    import statistics

    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from sqlalchemy import event

    from ckanext.satudata_planning.logic.action import desk

    client = flask_app.test_client()
    with client.session_transaction(base_url=tk.config["ckan.site_url"]) as sess:
        sess["_user_id"] = user["id"]
        sess["_fresh"] = True
    url = f"{tk.config['ckan.site_url']}/perencanaan/{tahun}{path}"
    client.get(url)  # warm caches (templates, translations)
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    engine = model.meta.engine
    seconds = []
    for run in range(TIMES):
        if not again:
            desk._CACHE.clear()
        if run == 0:
            event.listen(engine, "before_cursor_execute", count)
        try:
            started = time.perf_counter()
            res = client.get(url)
            seconds.append(time.perf_counter() - started)
        finally:
            if run == 0:
                event.remove(engine, "before_cursor_execute", count)
        assert res.status_code == 200, res.status_code
    body = res.get_data(as_text=True)
    assert body.count(marker) >= least, (path, body.count(marker))
    return sent, statistics.median(seconds), len(body.encode())


if __name__ == "__main__":
    main()
