"""Benchmark of the web server (a script, not a test): CKAN's development
server against gunicorn as ``make serve`` runs it.

Prepares the ``satudata_bench_serve`` database (emptied, migrated, the demo
seeded, a published cycle with agreed rows), then for each server in turn
starts it on a free port, warms it up and sends, with 8 concurrent clients,
the same number of requests to each of:

* ``/``                               the home page (figures, latest data)
* ``/dataset/?q=penduduk``            a dataset search
* ``/perencanaan/<tahun>/daftar``     the Daftar Data, as the Walidata
                                      (an API token: the page sends visitors
                                      to the public SK)

and prints requests per second and the 95th percentile latency per page and
server, and gunicorn's ratio to the development server.

Usage::

    .venv/bin/python benchmarks/bench_serve.py                # 2 workers
    .venv/bin/python benchmarks/bench_serve.py --workers 4 --requests 400

No figure is asserted. On a shared machine the figures move with the other
load: gunicorn's advantage is bounded by the free cores.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DB = "postgresql://satudata:satudata@127.0.0.1:5432/satudata_bench_serve"
VENV = os.path.join(ROOT, ".venv", "bin")
TAHUN = 2027
ROWS_PER_OPD = 20
OPDS = ("dinkes", "dindikbud", "dinhub", "dlh", "dindagkop", "bpkad")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ini(db: str, redis: str, port: int, workdir: str) -> str:
    """test.ini with the benchmark's database, Redis and address; not in
    testing mode (the portal as served)."""
    text = open(os.path.join(ROOT, "test.ini"), encoding="utf-8").read()
    text = re.sub(r"(?m)^sqlalchemy\.url = .*$", f"sqlalchemy.url = {db}", text)
    text = re.sub(r"(?m)^ckan\.redis\.url = .*$", f"ckan.redis.url = {redis}", text)
    text = re.sub(r"(?m)^ckan\.site_url = .*$",
                  f"ckan.site_url = http://127.0.0.1:{port}", text)
    text = re.sub(r"(?m)^testing = true$", "", text)
    text = re.sub(r"(?m)^ckan\.storage_path = .*$",
                  f"ckan.storage_path = {workdir}/storage", text)
    path = os.path.join(workdir, "bench_serve.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _ckan(ini: str, *args: str) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CKAN_SQLALCHEMY_URL", "CKAN_REDIS_URL")}
    subprocess.run([os.path.join(VENV, "ckan"), "-c", ini, *args], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL, env=env)


def prepare(ini: str) -> None:
    """Empty the database, migrate, seed the demo and a published cycle."""
    print("Preparing the database (demo, a published cycle) ...", flush=True)
    _ckan(ini, "db", "clean", "--yes")
    _ckan(ini, "db", "upgrade")
    _ckan(ini, "satudata", "seed-demo")
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ini))
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        from ckanext.satudata_planning.tests.factories import (
            agreed_rows,
            cycle_at_step_10,
        )

        cycle = cycle_at_step_10({"name": "walidata"}, tahun=TAHUN)
        for org in OPDS:
            agreed_rows(cycle["id"], org, ROWS_PER_OPD, tahun=TAHUN)
    _ckan(ini, "search-index", "rebuild", "-q")


def _token(ini: str, user: str) -> str:
    """A new API token of ``user`` (CKAN accepts it on pages too)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CKAN_SQLALCHEMY_URL", "CKAN_REDIS_URL")}
    out = subprocess.run(
        [os.path.join(VENV, "ckan"), "-c", ini, "user", "token", "add", user,
         "bench_serve"], check=True, cwd=ROOT, capture_output=True, text=True,
        env=env).stdout
    return out.strip().splitlines()[-1].strip()


def _wait(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped (exit {proc.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/3/action/status_show")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer")


def start(
    server: str, ini: str, port: int, workers: int, logdir: str
) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CKAN_SQLALCHEMY_URL", "CKAN_REDIS_URL")}
    if server == "dev":
        cmd = [os.path.join(VENV, "ckan"), "-c", ini, "run", "-H", "127.0.0.1",
               "-p", str(port), "--threaded", "--disable-reloader",
               "--disable-debugger"]
    else:
        env.update(CKAN_INI=ini, HOST="127.0.0.1", PORT=str(port),
                   WEB_WORKERS=str(workers), LOG_DIR=logdir)
        cmd = [os.path.join(VENV, "gunicorn"), "-c",
               os.path.join(ROOT, "scripts", "gunicorn.conf.py"),
               "ckanext.satudata_planning.serve:make_app()"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(logdir, f"{server}.log"), "w"),
                            start_new_session=True)
    _wait(port, proc)
    return proc


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def load(port: int, path: str, requests: int, clients: int,
         token: str = "") -> dict[str, float]:
    """``requests`` GETs of ``path`` by ``clients`` threads, a new connection
    each (as a reverse proxy talks to the server by default): requests per
    second, p50 and p95 latency (ms)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = [requests // clients + (i < requests % clients)
                  for i in range(clients)]
    headers = {"Connection": "close", **({"Authorization": token} if token else {})}

    def client(n: int) -> None:
        nonlocal errors
        mine = []
        bad = 0
        for _ in range(n):
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                conn.request("GET", path, headers=headers)
                res = conn.getresponse()
                res.read()
                if res.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
            finally:
                conn.close()
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)
            errors += bad

    start_t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, per_client))
    elapsed = time.perf_counter() - start_t
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[max(0, int(round(0.95 * len(latencies))) - 1)],
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", DEFAULT_DB))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200,
                        help="requests per page and server")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database a previous run prepared")
    args = parser.parse_args()

    # the benchmark's own database and Redis, whatever the shell exports
    for key in ("CKAN_SQLALCHEMY_URL", "CKAN_REDIS_URL"):
        os.environ.pop(key, None)
    workdir = tempfile.mkdtemp(prefix="bench_serve_")
    port = _free_port()
    ini = _ini(args.db, args.redis, port, workdir)
    os.environ["CKAN_INI"] = ini
    if not args.reuse:
        prepare(ini)
    walidata = _token(ini, "walidata")
    pages = {"/": "", "/dataset/?q=penduduk": "",
             f"/perencanaan/{TAHUN}/daftar": walidata}
    servers = [("dev", "ckan run (1 process, threaded)"),
               ("gunicorn", f"gunicorn ({args.workers} workers)")]
    results: dict[tuple[str, str], dict[str, float]] = {}
    print(f"{os.cpu_count()} CPUs; {args.clients} concurrent clients, "
          f"{args.requests} requests per page", flush=True)
    for server, label in servers:
        proc = start(server, ini, port, args.workers, workdir)
        try:
            for page, token in pages.items():
                load(port, page, args.clients * 2, args.clients, token)  # warm-up
                results[server, page] = r = load(port, page, args.requests,
                                                 args.clients, token)
                print(f"  {label:34} {page:30} {r['rps']:7.1f} req/s  "
                      f"p50 {r['p50']:7.0f} ms  p95 {r['p95']:7.0f} ms"
                      + (f"  ({r['errors']:.0f} errors)" if r["errors"] else ""),
                      flush=True)
        finally:
            stop(proc)
    print()
    print(f"{'page':30} {'dev req/s':>10} {'gunicorn req/s':>15} {'ratio':>6} "
          f"{'dev p95':>8} {'gunicorn p95':>13}")
    for page in pages:
        d, g = results["dev", page], results["gunicorn", page]
        print(f"{page:30} {d['rps']:10.1f} {g['rps']:15.1f} "
              f"{g['rps'] / d['rps']:5.2f}x {d['p95']:6.0f}ms {g['p95']:11.0f}ms")
    print(f"\nlogs: {workdir}")


if __name__ == "__main__":
    sys.exit(main())
