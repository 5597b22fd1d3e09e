"""Benchmark of the satudata_pgsearch backend (a script, not a test).

Loads datasets into the ``satudata_bench_search`` database (package rows
inserted in bulk, indexed by CKAN's real index code through
``ckan.lib.search.rebuild``; beyond ``--indexed``, index rows copied in SQL),
and prints at each size of ``--counts``:

* median and p95 of three anonymous ``/dataset``-style ``package_search``
  queries, interleaved, answer cache off: text + 3 facets, no text + 3
  facets, phrase + range filter + sort by date;
* the EXPLAIN ANALYZE figures of each one's search statement (execution and
  planning time, how the rows were found, facet values unnested, buffers);
* the index write per dataset (``index_package`` into the row, in one
  transaction), package_show, and the ``uptime`` before and after;

then a summary of every size side by side. Usage::

    .venv/bin/python benchmarks/bench_search.py              # 10,000 then 50,000
    .venv/bin/python benchmarks/bench_search.py --counts 2000
    .venv/bin/python benchmarks/bench_search.py --reuse      # queries only, on the
                                                             # datasets loaded before

The database is emptied and migrated first (``ckan db clean`` / ``db upgrade``).
No figure is asserted; the goals (text + 3 facets: < 50 ms median and < 100 ms
p95 at 50,000, < 25 ms at 10,000; index write <= 3.4 ms) are read from the
output, with the load it was measured at.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Not ``satudata_bench``: benchmarks/bench_items.py empties that one.
DEFAULT_DB = "postgresql://satudata:satudata@127.0.0.1:5432/satudata_bench_search"

WORDS = (
    "jumlah penduduk pendidikan kesehatan sekolah kecamatan kelurahan angka rumah "
    "sakit puskesmas jalan jembatan anggaran pendapatan belanja daerah tenaga kerja "
    "pertanian perikanan produksi padi luas lahan kemiskinan bantuan sosial air "
    "bersih sampah pasar harga inflasi wisata hotel kendaraan bermotor kecelakaan "
    "lalu lintas guru murid kelahiran kematian imunisasi gizi pendidik koperasi "
    "usaha mikro industri batik pelabuhan nelayan tangkapan ikan"
).split()
JENIS = ("statistik_sektoral", "geospasial", "keuangan_daerah", "lainnya")
KATEGORI = ("prioritas_nasional", "kpda", "perencanaan", "sektoral_opd", "spm", "sdgs")
FORMATS = ("CSV", "XLSX", "JSON", "PDF", "SHP")


def _ckan(ini: str, *args: str) -> None:
    subprocess.run(
        [os.path.join(ROOT, ".venv", "bin", "ckan"), "-c", ini, *args],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _stats(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in ms."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def _bulk_load(
    count: int, org_ids: list[str], user_id: str, offset: int = 0
) -> list[str]:
    """Package, tag and resource rows in bulk: the loading is not what is measured."""
    import ckan.model as model
    import sqlalchemy as sa

    rnd = random.Random(42 + offset)
    tag_table = model.tag_table
    tags = {
        r.name: r.id
        for r in model.Session.execute(
            sa.select(tag_table.c.id, tag_table.c.name).where(
                tag_table.c.name.in_(WORDS[:30])
            )
        )
    }
    if not tags:
        tags = {w: str(uuid.uuid4()) for w in WORDS[:30]}
        model.Session.execute(
            sa.insert(tag_table), [{"id": i, "name": n} for n, i in tags.items()]
        )
    loaded: list[str] = []
    start = datetime.datetime(2020, 1, 1)
    batch = 1000
    for first in range(offset, offset + count, batch):
        packages, package_tags, resources = [], [], []
        for n in range(first, min(first + batch, offset + count)):
            pid = str(uuid.uuid4())
            loaded.append(pid)
            title_words = rnd.sample(WORDS, 5)
            stamp = start + datetime.timedelta(minutes=n * 7)
            packages.append(
                {
                    "id": pid,
                    "name": f"dataset-{n:05d}",
                    "title": " ".join(title_words).capitalize(),
                    "notes": " ".join(rnd.choices(WORDS, k=40)),
                    "type": "dataset",
                    "owner_org": rnd.choice(org_ids),
                    "creator_user_id": user_id,
                    "metadata_created": stamp,
                    "metadata_modified": stamp,
                    "private": rnd.random() < 0.1,
                    "state": "active",
                    "extras": {
                        "jenis_data": rnd.choice(JENIS),
                        "kategori_sumber": json.dumps(rnd.sample(KATEGORI, 2)),
                        "tahun": str(rnd.randint(2020, 2027)),
                        "frekuensi": "tahunan",
                    },
                }
            )
            for tag in rnd.sample(list(tags), 3):
                package_tags.append(
                    {
                        "id": str(uuid.uuid4()),
                        "package_id": pid,
                        "tag_id": tags[tag],
                        "state": "active",
                    }
                )
            resources.append(
                {
                    "id": str(uuid.uuid4()),
                    "package_id": pid,
                    "position": 0,
                    "url": f"http://example.com/{n}.csv",
                    "format": rnd.choice(FORMATS),
                    "name": f"Berkas {title_words[0]}",
                    "state": "active",
                    "extras": "{}",
                }
            )
        model.Session.execute(sa.insert(model.package_table), packages)
        model.Session.execute(sa.insert(model.package_tag_table), package_tags)
        model.Session.execute(sa.insert(model.resource_table), resources)
        model.Session.commit()
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--counts", default="10000,50000",
        help="dataset counts measured in one run (each adds to the previous)")
    parser.add_argument("--repeat", type=int, default=30, help="queries per figure")
    parser.add_argument(
        "--indexed", type=int, default=2000,
        help="datasets indexed through CKAN; the rest are cloned index rows")
    parser.add_argument("--ini", default=os.path.join(ROOT, "test.ini"))
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", DEFAULT_DB))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the datasets a previous run loaded; time the queries only",
    )
    args = parser.parse_args()

    os.environ["CKAN_SQLALCHEMY_URL"] = args.db
    os.environ.setdefault("CKAN_REDIS_URL", "redis://127.0.0.1:6379/3")
    if not args.reuse:
        print(f"Preparing {args.db.rsplit('/', 1)[-1]} ...", flush=True)
        _ckan(args.ini, "db", "clean", "--yes")
        _ckan(args.ini, "db", "upgrade")

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.ini))
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        run(args)


def run(args: argparse.Namespace) -> None:
    import ckan.lib.search as search
    import ckan.logic as logic
    import ckan.model as model
    from ckan.tests import factories

    from ckanext.satudata_pgsearch.index import vacuum_tables

    if args.reuse:
        _summary([run_queries(args, load_s=None, rebuild_ms=None, create_ms=None)])
        return

    admin = factories.Sysadmin(name="bench_admin")
    orgs = [
        factories.Organization(name=f"opd-{i:02d}", title=f"Perangkat Daerah {i}")
        for i in range(20)
    ]
    context = {"user": admin["name"]}

    # a few through the whole action, for scale
    sample_create = 50
    start = time.perf_counter()
    for n in range(sample_create):
        logic.get_action("package_create")(
            dict(context),
            {
                "name": f"lewat-aksi-{n}",
                "title": f"Jumlah guru sekolah {n}",
                "owner_org": orgs[n % 20]["id"],
                "jenis_data": "statistik_sektoral",
                "kategori_sumber": ["spm"],
                "tahun": 2025,
            },
        )
    create_ms = (time.perf_counter() - start) * 1000 / sample_create

    counts = [int(c) for c in args.counts.split(",")]
    indexed = min(args.indexed, counts[0])
    load_start = time.perf_counter()
    _bulk_load(indexed - sample_create, [o["id"] for o in orgs], admin["id"],
               offset=sample_create)
    load_s = time.perf_counter() - load_start
    print(f"Indexing {indexed} datasets (ckan.lib.search.rebuild) ...", flush=True)
    start = time.perf_counter()
    search.rebuild(quiet=True, defer_commit=True)  # then VACUUM ANALYZE
    rebuild_ms = (time.perf_counter() - start) * 1000 / indexed
    model.Session.remove()
    rows = indexed
    results: list[dict[str, Any]] = []
    for target in counts:
        if target > rows:
            print(f"Cloning index rows up to {target} datasets ...", flush=True)
            _clone_index_rows(target - rows, indexed)
            vacuum_tables()
            rows = target
        model.Session.remove()
        results.append(run_queries(args, load_s, rebuild_ms, create_ms))
    _summary(results)


# Index rows of more datasets, copied in SQL from those CKAN indexed (same
# texts, facet values and labels; new ids, names and dates): what a query
# costs depends on the rows, not on how they were written, and indexing
# tens of thousands of datasets through package_show takes hours on a
# loaded machine. The index write is measured apart (index_package).
_CLONE = """
INSERT INTO satudata_search_index (id, name, title_string, state, private,
    capacity, owner_org, organization, dataset_type, site_id,
    metadata_created, metadata_modified, permission_labels, facet_ids,
    data, fields, data_dict, validated_data_dict, search_vector, indexed_at)
SELECT gen_random_uuid()::text, s.name || '~' || CAST(:round AS text) || '-1',
    s.title_string, s.state, s.private, s.capacity, s.owner_org,
    s.organization, s.dataset_type, s.site_id,
    s.metadata_created - make_interval(days => CAST(:round AS int)),
    s.metadata_modified - make_interval(days => CAST(:round AS int)),
    s.permission_labels, s.facet_ids, s.data, s.fields, s.data_dict,
    s.validated_data_dict, s.search_vector, now()
FROM (SELECT * FROM satudata_search_index WHERE name NOT LIKE '%~%'
      ORDER BY doc_id LIMIT :take) s
"""


def _explain(search: Callable[[], Any]) -> str:
    """The search statement of one package_search, run again under EXPLAIN
    ANALYZE: its times, how the rows were found and how many facet values
    were unnested from the matches."""
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.satudata_pgsearch.query import PLANNER_SETTINGS

    seen: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "matched" in statement:
            seen.append((statement, parameters))

    engine = model.Session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        search()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    if not seen:
        return "no statement seen (answered from the cache?)"
    statement, parameters = seen[-1]
    cursor = model.Session.connection().connection.cursor()
    for name, value in PLANNER_SETTINGS:
        cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
    plan = cursor.fetchone()[0][0]
    model.Session.rollback()

    def nodes(node: dict) -> list[dict]:
        return [node] + [n for c in node.get("Plans", []) for n in nodes(c)]

    every = nodes(plan["Plan"])
    scans = [n for n in every if n.get("Relation Name") == "satudata_search_index"]
    scan = ", ".join(
        f"{n['Node Type']} {n['Actual Rows'] * n.get('Actual Loops', 1)} rows"
        for n in scans
    )
    unnested = sum(
        n["Actual Rows"] * n.get("Actual Loops", 1)
        for n in every
        if n["Node Type"] in ("ProjectSet", "Function Scan")
    )
    top = plan["Plan"]
    return (
        f"{plan['Execution Time']:.1f} ms executing, "
        f"{plan['Planning Time']:.1f} ms planning; {scan}; "
        f"{unnested} facet values unnested; buffers hit "
        f"{top.get('Shared Hit Blocks', 0)} read {top.get('Shared Read Blocks', 0)}"
    )


def _clone_index_rows(count: int, source: int) -> None:
    import ckan.model as model
    import sqlalchemy as sa

    done = 0
    rnd = model.Session.execute(
        sa.text("SELECT count(*) FROM satudata_search_index WHERE name LIKE '%~%'")
    ).scalar_one()  # a new round number for every batch of copies
    while done < count:
        rnd += 1
        take = min(source, count - done)
        model.Session.execute(sa.text(_CLONE), {"round": rnd, "take": take})
        model.Session.commit()
        done += take


def _uptime() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run_queries(
    args: argparse.Namespace,
    load_s: float | None,
    rebuild_ms: float | None,
    create_ms: float | None,
) -> dict[str, Any]:
    """The timings of the index write, package_show and the searches."""
    import ckan.lib.search as search
    import ckan.logic as logic
    import ckan.model as model
    import sqlalchemy as sa

    context = {"user": "bench_admin"}
    before = _uptime()

    ids = [r[0] for r in model.Session.query(model.Package.id).limit(200)]
    both = [logic.package_show_default_and_custom_schemas({}, i) for i in ids]
    index = search.index_for(model.Package)
    start = time.perf_counter()
    for default, custom in both:
        # as in an action: written in its transaction, committed with it
        index.update_dict(dict(default, with_custom_schema=custom), defer_commit=True)
    write_ms = (time.perf_counter() - start) * 1000 / len(both)
    model.Session.commit()

    show = logic.get_action("package_show")
    show_cached = statistics.median(
        _timed(lambda: show(dict(context), {"id": random.choice(ids)}), 200)
    )
    show_fresh = statistics.median(
        _timed(
            lambda: show(dict(context, use_cache=False), {"id": random.choice(ids)}),
            200,
        )
    )

    anon = {"user": "", "ignore_auth": False}
    facets = {"facet.field": ["organization", "tags", "kategori_sumber"], "rows": 20}
    package_search = logic.get_action("package_search")

    def page(q: str) -> Callable[[], Any]:
        return lambda: package_search(
            dict(anon), dict(facets, q=q, include_private=True)
        )

    def phrase() -> Any:
        return package_search(
            dict(anon),
            dict(
                facets,
                q='"jumlah penduduk"',
                fq="tahun:[2024 TO *]",
                sort="metadata_modified desc",
            ),
        )

    # the figures below are without the answer cache (every query computed);
    # the cached repeat is printed apart
    from ckan.common import config

    from ckanext.satudata_pgsearch import cache

    cache_key = cache.CONFIG_KEY
    cache_size = config.get(cache_key)
    config[cache_key] = 0
    queries = {
        "text + 3 facets": page("pendidikan sekolah"),
        "no text + 3 facets": page(""),
        "phrase + range + sort": phrase,
    }
    found = {label: fn()["count"] for label, fn in queries.items()}
    # interleaved, so that a burst of other load hits every query alike
    times: dict[str, list[float]] = {label: [] for label in queries}
    for _ in range(args.repeat):
        for label, fn in queries.items():
            times[label] += _timed(fn, 1)
    figures = {label: _stats(ts) for label, ts in times.items()}
    explained = {label: _explain(fn) for label, fn in queries.items()}
    config[cache_key] = cache_size or cache.DEFAULT_SIZE
    cached_ms = statistics.median(_timed(page("pendidikan sekolah"), args.repeat))

    n = model.Session.execute(
        sa.text("SELECT count(*) FROM satudata_search_index")
    ).scalar_one()
    print(f"\n=== {n} datasets ===")
    loaded = "reused" if load_s is None else f"bulk load of rows {load_s:.1f} s"
    real = model.Session.query(model.Package).count()
    print(f"indexed datasets: {n} ({real} through CKAN's rebuild, the others "
          f"copied index rows; {loaded})")
    print(f"before: {before}")
    print("package_search, /dataset style (3 facets, 20 rows, anonymous), "
          f"{args.repeat} each, answer cache off:")
    for label, (median, p95) in figures.items():
        print(f"  {label:<22} median {median:7.1f} ms  p95 {p95:7.1f} ms"
              f"  ({found[label]} found)")
    for label, text in explained.items():
        print(f"  EXPLAIN ANALYZE, {label}: {text}")
    print(f"  text + 3 facets again, from the answer cache {cached_ms:5.1f} ms")
    print("per dataset:")
    if rebuild_ms is not None:
        print(f"  index (rebuild: package_show dicts + index) {rebuild_ms:7.2f} ms")
    print(f"  index write alone (index_package → row)    {write_ms:7.2f} ms")
    print(f"  package_show (from the index cache)        {show_cached:7.2f} ms")
    print(f"  package_show (use_cache=False)             {show_fresh:7.2f} ms")
    if create_ms is not None:
        label = "package_create (whole action, 50 samples)"
        print(f"  {label:<43}{create_ms:7.2f} ms")
    after = _uptime()
    print(f"after: {after}")
    sys.stdout.flush()
    return {"n": n, "figures": figures, "write_ms": write_ms, "uptime": after}


def _summary(results: list[dict[str, Any]]) -> None:
    """The figures of every size side by side, with the load they ran at."""
    print("\n=== summary (median / p95 ms; index write ms per dataset) ===")
    head = " | ".join(f"{r['n']:,}" for r in results)
    print(f"{'':<24}| {head}")
    for label in results[0]["figures"]:
        cells = " | ".join(
            "{:.1f} / {:.1f}".format(*r["figures"][label]) for r in results
        )
        print(f"{label:<24}| {cells}")
    writes = " | ".join(f"{r['write_ms']:.2f}" for r in results)
    print(f"{'index write':<24}| {writes}")
    for r in results:
        print(f"{r['n']:,}: {r['uptime']}")


if __name__ == "__main__":
    main()
