"""Benchmark of step 10 (a script, not a test): datasets per second.

On the ``satudata_bench_prov`` database, twice from the same starting point
(the database is emptied, migrated and filled again in between):

* the extension's path, :func:`provisioning.run` as ``satudata_provision``
  runs it (default settings): batches of 200 rows, each one transaction in
  which every row's dataset is made by ``package_create`` (``defer_commit``,
  in a savepoint) and indexed by
  CKAN's ``index_update_package``, then one commit;
* the naive loop: one ``package_create`` call and one commit per row (CKAN
  indexes inside each call), then the row's ``package_id`` and a commit.

2,000 agreed rows across 30 OPDs (organizations and rows are bulk-inserted).
Prints both rates, their ratio, the statements per dataset, the CPU time of
this process (PostgreSQL's aside) and the load average. The machine may be
shared: the two runs are sequential, so a change of load between them moves
the ratio; no ratio is asserted. ``--profile`` prints where the extension's path
spends its time (cProfile, cumulative).

Usage::

    runuser -u postgres -- psql -c "CREATE DATABASE satudata_bench_prov OWNER satudata"
    .venv/bin/python benchmarks/bench_provision.py [--rows 2000] [--profile]

The database is emptied first (``ckan db clean``): nobody else may use it.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DB = "postgresql://satudata:satudata@127.0.0.1:5432/satudata_bench_prov"
ORGS = 30
TAHUN = 2027


def _ckan(ini: str, *args: str) -> None:
    subprocess.run([os.path.join(ROOT, ".venv", "bin", "ckan"), "-c", ini, *args],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def reset(ini: str) -> None:
    """An empty, migrated database (CKAN's tables, activity, search, ours)."""
    import ckan.model as model

    model.Session.remove()
    model.meta.engine.dispose()
    _ckan(ini, "db", "clean", "--yes")
    _ckan(ini, "db", "upgrade")


def fill(rows: int) -> tuple[str, str]:
    """A sysadmin, 30 organizations, a cycle at step 10 and ``rows`` agreed rows,
    bulk-inserted. Returns (cycle id, user name)."""
    import ckan.model as model
    import sqlalchemy as sa
    from ckan.model.types import make_uuid

    from ckanext.satudata_planning.model import Cycle, Item

    user = model.User(name="bench", email="bench@example.com", password="x" * 20,
                      sysadmin=True, state="active")
    model.Session.add(user)
    now = dt.datetime.utcnow()
    orgs = [{"id": make_uuid(), "name": f"opd-{i:02d}", "title": f"OPD {i:02d}",
             "type": "organization", "is_organization": True, "state": "active",
             "approval_status": "approved", "created": now,
             "description": "", "image_url": ""} for i in range(ORGS)]
    model.Session.execute(sa.insert(model.Group), orgs)
    cycle = Cycle(id=make_uuid(), tahun=TAHUN, judul="Bench", current_step=10,
                  published=True)
    model.Session.add(cycle)
    model.Session.flush()
    items = []
    for i in range(rows):
        org = orgs[i % ORGS]
        items.append({
            "id": make_uuid(), "cycle_id": cycle.id, "organization_id": org["id"],
            "kode_data": f"{TAHUN}-{org['name'].upper().replace('-', '')}-{i:04d}",
            "tahun": TAHUN, "nama_data": f"Jumlah penduduk menurut kecamatan {i}",
            "jenis_data": "statistik_sektoral", "bentuk": "indikator",
            "kategori_sumber": ["sdgs", "spm"], "status_usulan": "baru",
            "konsep": "Konsep baku BPS", "definisi": f"Definisi operasional {i}",
            "ukuran": "jumlah", "satuan": "orang", "tingkat_penyajian": "kecamatan",
            "frekuensi": "tahunan", "jadwal_rilis": dt.date(TAHUN, 3, 31),
            "cara_pengumpulan": "survei", "sumber_data": "SIAK",
            "sifat_akses": "terbuka", "hasil": "disetujui", "disepakati": True,
            "revision": 1, "state": "active", "created": now, "modified": now,
        })
    model.Session.execute(sa.insert(Item), items)
    model.Session.commit()
    return cycle.id, user.name


def naive(cycle_id: str, user: str) -> int:
    """One package_create (indexed, committed) and one commit per row."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    from ckanext.satudata_planning import provisioning as provision
    from ckanext.satudata_planning.model import Item

    fields = provision.dataset_fields()
    items = model.Session.execute(
        sa.select(Item).where(Item.cycle_id == cycle_id).order_by(Item.kode_data)
    ).scalars().all()
    for item in items:
        data = provision.dataset_dict(item, fields=fields, nomor_sk=None, tahun=TAHUN)
        pkg = tk.get_action("package_create")(
            {"user": user, "ignore_auth": True},
            {**data, "name": provision.slug(item.kode_data, TAHUN), "private": True})
        item.package_id = pkg["id"]
        model.Session.commit()
    return len(items)


class Statements:
    """Counts the SQL statements sent while it is on."""

    def __init__(self) -> None:
        import sqlalchemy as sa

        self.n = 0
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object, **_kw: object) -> None:
        self.n += 1

    def take(self) -> int:
        n, self.n = self.n, 0
        return n


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def count(cycle_id: str) -> int:
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.satudata_planning.model import Item

    return model.Session.execute(sa.select(sa.func.count(Item.id)).where(
        Item.cycle_id == cycle_id, Item.package_id.is_not(None))).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", DEFAULT_DB))
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ["CKAN_SQLALCHEMY_URL"] = args.db
    os.environ.setdefault("CKAN_REDIS_URL", "redis://127.0.0.1:6379/3")
    print(f"Preparing {args.db.rsplit('/', 1)[-1]} ...", flush=True)
    _ckan(args.ini, "db", "clean", "--yes")
    _ckan(args.ini, "db", "upgrade")

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    from ckanext.satudata_planning import provisioning as provision

    app = make_app(load_config(args.ini))
    flask_app = app._wsgi_app  # type: ignore[attr-defined]
    results: dict[str, float] = {}
    with flask_app.test_request_context():
        cycle_id, user = fill(args.rows)
        print(f"{args.rows} agreed rows in {ORGS} OPDs", flush=True)
        profiler = cProfile.Profile() if args.profile else None
        statements = Statements()
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = provision.run(cycle_id, user)
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert result.created == args.rows == count(cycle_id), result.as_dict()
        results["extension"] = args.rows / seconds
        print(f"extension (package_create, a commit a batch): {seconds:7.1f} s  "
              f"{results['extension']:7.1f} datasets/s  "
              f"{statements.take() / args.rows:5.1f} statements/dataset  "
              f"{cpu:6.1f} s CPU here  load {load_average()}", flush=True)
        print("  phases (s): " + ", ".join(
            f"{k} {v:.1f}" for k, v in result.timings.items()), flush=True)
        if profiler:
            out = io.StringIO()
            if os.environ.get("BENCH_PROFILE_OUT"):
                profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
            print(out.getvalue())

        reset(args.ini)
        cycle_id, user = fill(args.rows)
        statements.take()
        start, cpu = time.perf_counter(), time.process_time()
        made = naive(cycle_id, user)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert made == args.rows == count(cycle_id)
        results["naive"] = args.rows / seconds
        print(f"naive (package_create + commit per row):   {seconds:7.1f} s  "
              f"{results['naive']:7.1f} datasets/s  "
              f"{statements.take() / args.rows:5.1f} statements/dataset  "
              f"{cpu:6.1f} s CPU here  load {load_average()}", flush=True)
    print(f"ratio: {results['extension'] / results['naive']:.2f}x")


if __name__ == "__main__":
    main()
