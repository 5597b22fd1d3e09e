"""Benchmark of step 10 with its data tables (a script, not a test).

On the ``satudata_bench_tables`` database and its DataStore
``satudata_bench_tables_ds`` (both emptied first; the DataStore database is
created, with CKAN's ``datastore set-permissions`` grants, when missing):

* 2,000 agreed statistical rows across 30 OPDs (bulk-inserted, as in
  ``bench_provision.py``) provisioned by :func:`provision.run` with step 10's
  tables on: datasets and tables, seconds, SQL statements per dataset in
  CKAN's database (the DataStore's are not counted), the seconds spent
  making tables;
* a table import: a 27-kelurahan × 12-month template (324 rows) through
  ``satudata_table_import``.

Usage::

    .venv/bin/python benchmarks/bench_tables.py [--rows 2000]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
PG = "postgresql://satudata:satudata@127.0.0.1:5432"
DEFAULT_DB = f"{PG}/satudata_bench_tables"
DS_DB = "satudata_bench_tables_ds"
RO = "postgresql://satudata_ds_ro:satudata_ds_ro@127.0.0.1:5432"


def _psql(*args: str, db: str = "postgres") -> str:
    return subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-qtA",
                           "-d", db, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def _datastore(ini: str) -> None:
    """An empty DataStore database with CKAN's grants."""
    if _psql("-c", f"SELECT 1 FROM pg_database WHERE datname='{DS_DB}'") != "1":  # noqa: S608
        _psql("-c", f"CREATE DATABASE {DS_DB} OWNER satudata TEMPLATE template0")
    _psql("-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public "
          "AUTHORIZATION satudata", db=DS_DB)
    sql = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ckan"), "-c", ini,
                          "datastore", "set-permissions"], check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-q", "-d", DS_DB],
                   input=sql, check=True, text=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", DEFAULT_DB))
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    os.environ["CKAN_SQLALCHEMY_URL"] = args.db
    os.environ["CKAN_DATASTORE_WRITE_URL"] = f"{PG}/{DS_DB}"
    os.environ["CKAN_DATASTORE_READ_URL"] = f"{RO}/{DS_DB}"
    os.environ.setdefault("CKAN_REDIS_URL", "redis://127.0.0.1:6379/3")
    db_name = args.db.rsplit("/", 1)[-1]
    exists = f"SELECT 1 FROM pg_database WHERE datname='{db_name}'"  # noqa: S608
    if _psql("-c", exists) != "1":
        _psql("-c", f"CREATE DATABASE {db_name} OWNER satudata TEMPLATE template0")
    print(f"Preparing {db_name} and {DS_DB} ...", flush=True)
    import bench_provision as bp

    _datastore(args.ini)  # the datastore plugin connects at start-up
    bp._ckan(args.ini, "db", "clean", "--yes")
    bp._ckan(args.ini, "db", "upgrade")

    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    from ckanext.satudata_planning import provisioning as provision
    from ckanext.satudata_planning.tables import ensure

    config = load_config(args.ini)
    config["ckanext.satudata_planning.data_tables"] = "true"
    app = make_app(config)
    tk.config["ckanext.satudata_planning.data_tables"] = True
    flask_app = app._wsgi_app  # type: ignore[attr-defined]
    with flask_app.test_request_context():
        cycle_id, user = bp.fill(args.rows)
        spent = {"tables": 0.0}
        original = ensure.ensure_tables

        def timed(rows, **kw):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return original(rows, **kw)
            finally:
                spent["tables"] += time.perf_counter() - start

        ensure.ensure_tables = timed  # the receiver looks it up at each call
        statements = bp.Statements()
        start = time.perf_counter()
        result = provision.run(cycle_id, user)
        seconds = time.perf_counter() - start
        ensure.ensure_tables = original
        tables = model.Session.execute(model.Session.query(model.Resource).filter(
            model.Resource.url_type == "tabledesigner",
            model.Resource.state == "active").statement).all()
        print(f"{args.rows} agreed rows in {bp.ORGS} OPDs: {result.created} datasets, "
              f"{len(tables)} tables in {seconds:.1f} s (goal < 300 s); tables "
              f"{spent['tables']:.1f} s; {statements.take() / args.rows:.1f} "
              f"statements/dataset; load {bp.load_average()}", flush=True)

        _import(cycle_id)


def _import(cycle_id: str) -> None:
    """A 27-kelurahan × 12-month template (324 rows) imported into one table."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    from ckanext.satudata_planning.model import Item
    from ckanext.satudata_planning.tables import ensure

    item = model.Session.execute(sa.select(Item).where(
        Item.cycle_id == cycle_id).order_by(Item.kode_data).limit(1)).scalar_one()
    item.tingkat_penyajian, item.frekuensi = "kelurahan", "bulanan"
    model.Session.commit()
    ensure.ensure_tables([(item, item.package_id)])
    sys.path.insert(0, os.path.join(ROOT, "ckanext", "satudata_planning", "tests",
                                    "tables"))
    from ckanext.satudata_planning.tests.tables.conftest import filled

    data = filled(item)
    start = time.perf_counter()
    out = tk.get_action("satudata_table_import")(
        {"ignore_auth": True, "user": "bench"}, {"id": item.package_id,
                                                  "upload": data})
    seconds = time.perf_counter() - start
    print(f"table import: {out['count']} rows in {seconds:.2f} s (goal < 2 s)",
          flush=True)


if __name__ == "__main__":
    main()
