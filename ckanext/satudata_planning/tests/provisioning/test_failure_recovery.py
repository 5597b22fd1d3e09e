"""Failures during step 10: PostgreSQL restarted mid-run, Redis down.

PostgreSQL restarted in the middle of a provisioning run. The run happens
in a private PostgreSQL cluster started for this test only
(the shared server on 5432 serves other tests and must never be restarted):
``initdb`` into a temporary directory, a free port, trust authentication,
CKAN's and the plugins' migrations, a cycle at step 10 with a few hundred
agreed rows in four OPDs, then ``ckan satudata provision`` as its own process.

The restart is made to land inside a batch rather than between two: the test
holds a row lock on the last row of the second batch, so that batch's
transaction waits on it with its datasets created but not committed. Then
``pg_ctl restart -m fast`` ends every session. What must follow:

* the run stops at once with a non-zero exit and a readable message (no hang),
* the status in Redis says ``gagal`` with that message,
* nothing of the interrupted batch is left (only the first batch's datasets),
* a second run completes: one dataset per agreed row, every row has its
  ``package_id``, no dataset name twice.

Redis down when the Walidata starts a background run from the portal screen:
the screen says, in Indonesian, that the job could not be queued; no dataset,
no status (or the earlier one as it was), no change to the cycle. Also when
only the queue fails, after the status was written.
"""
from __future__ import annotations

import datetime as dt
import glob
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan.model.types import make_uuid
from sqlalchemy.orm import Session

from ckanext.satudata_planning import provisioning as provision
from ckanext.satudata_planning.model import Cycle, Item

ROOT = str(pathlib.Path(__file__).resolve().parents[4])
DB_NAME = "satudata_recovery"
TAHUN = 2027
OPDS = 4
ROWS = 200
BATCH = 20
#: seconds: every wait of the test is bounded, a hang fails it
STEP_TIMEOUT = 300


def _pg_bin(name: str) -> str | None:
    """``name`` from the newest PostgreSQL server binaries installed, or None."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit()
                   else 0)
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateCluster:
    """A throw-away PostgreSQL cluster owned by ``postgres`` (the tests run as
    root in CI, and the server refuses to run as root)."""

    def __init__(self, bindir: str) -> None:
        self.bindir = bindir
        self.base = tempfile.mkdtemp(prefix="satudata-pg-")
        self.data = os.path.join(self.base, "data")
        self.log = os.path.join(self.base, "postgres.log")
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)

    def _run(self, *cmd: str) -> None:
        argv = [os.path.join(self.bindir, cmd[0]), *cmd[1:]]
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        out = subprocess.run(argv, capture_output=True, text=True,
                             timeout=STEP_TIMEOUT, cwd=self.base)
        assert out.returncode == 0, (
            f"{cmd[0]} failed: {out.stdout}{out.stderr}{self.log_tail()}")

    def _options(self) -> str:
        return (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c full_page_writes=off")

    def init(self) -> None:
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        self._run("pg_ctl", "-D", self.data, "-o", self._options(), "-l", self.log,
                  "-w", "start")

    def restart(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-o", self._options(), "-l", self.log,
                  "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            except AssertionError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def log_tail(self) -> str:
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return "\n--- postgres log ---\n" + f.read()[-2000:]
        except OSError:
            return ""


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    initdb = _pg_bin("initdb")
    if initdb is None:
        pytest.skip("initdb is not installed: no private PostgreSQL cluster for "
                    "the restart test")
    pg = PrivateCluster(os.path.dirname(initdb))
    try:
        pg.init()
        engine = sa.create_engine(pg.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {DB_NAME}"))
        engine.dispose()
        yield pg
    finally:
        pg.stop()


# --- CKAN against the private cluster -------------------------------------------


def _ini(directory: str) -> str:
    """The tests' ini with small, unpaused batches (the restart lands in one)."""
    with open(os.path.abspath(tk.config["__file__"]), encoding="utf-8") as f:
        text = f.read()
    extra = (f"{provision.BATCH_OPTION} = {BATCH}\n"
             f"{provision.PAUSE_OPTION} = 0\n"
             f"{provision.LOCK_WAIT_OPTION} = 5\n")
    text = text.replace("[app:main]\n", "[app:main]\n" + extra, 1)
    path = os.path.join(directory, "recovery.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["CKAN_SQLALCHEMY_URL"] = url
    env["CKAN_REDIS_URL"] = tk.config["ckan.redis.url"]
    return env


def _ckan(ini: str, url: str, *args: str, timeout: float = STEP_TIMEOUT
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", ini, *args],
        env=_env(url), capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def _seed(engine: sa.Engine) -> str:
    """Four OPDs and ``ROWS`` agreed rows in a cycle at step 10 (bulk inserts,
    as ``benchmarks/bench_provision.fill``). Returns the cycle id."""
    now = dt.datetime.utcnow()
    orgs = [{"id": make_uuid(), "name": f"opd-{i}", "title": f"OPD {i}",
             "type": "organization", "is_organization": True, "state": "active",
             "approval_status": "approved", "created": now, "description": "",
             "image_url": ""} for i in range(OPDS)]
    with Session(engine) as session:
        session.execute(sa.insert(model.Group), orgs)
        cycle = Cycle(id=make_uuid(), tahun=TAHUN, judul="Pemulihan",
                      current_step=10, published=True)
        session.add(cycle)
        session.flush()
        session.execute(sa.insert(Item), [{
            "id": make_uuid(), "cycle_id": cycle.id,
            "organization_id": orgs[i % OPDS]["id"],
            "kode_data": f"{TAHUN}-OPD{i % OPDS}-{i:04d}", "tahun": TAHUN,
            "nama_data": f"Jumlah penduduk menurut kecamatan {i}",
            "jenis_data": "statistik_sektoral", "kategori_sumber": ["sdgs"],
            "definisi": f"Definisi operasional {i}", "konsep": "Konsep baku",
            "satuan": "orang", "tingkat_penyajian": "kecamatan",
            "frekuensi": "tahunan", "jadwal_rilis": dt.date(TAHUN, 3, 31),
            "hasil": "disetujui", "disepakati": True, "revision": 1,
            "state": "active", "created": now, "modified": now,
        } for i in range(ROWS)])
        session.commit()
        return cycle.id


def _count(engine: sa.Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def _datasets(engine: sa.Engine) -> int:
    return _count(engine, "SELECT count(*) FROM package WHERE state = 'active'")


def _waiting_on_lock(engine: sa.Engine) -> bool:
    return bool(_count(
        engine, "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
        "AND wait_event_type = 'Lock'", db=DB_NAME))


def _wait_for(what: str, check: Any, job: subprocess.Popen[str], log: str) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT
    while not check():
        if job.poll() is not None:
            pytest.fail(f"the run ended before {what}: {_read(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def test_postgres_restart_mid_batch_fails_cleanly_and_rerun_completes(
    cluster: PrivateCluster, tmp_path: Any
) -> None:
    url = cluster.url(DB_NAME)
    ini = _ini(str(tmp_path))
    migrated = _ckan(ini, url, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    engine = sa.create_engine(url)
    cycle_id = _seed(engine)
    status_key = provision.status_key(cycle_id)
    try:
        # the last row of the second batch, in the run's own order
        with engine.connect() as conn:
            blocker = conn.execute(
                sa.select(Item.id)
                .where(Item.cycle_id == cycle_id)
                .order_by(Item.organization_id, Item.kode_data)
                .offset(2 * BATCH - 1)
                .limit(1)
            ).scalar_one()
        holder = engine.connect()
        holder.begin()
        holder.execute(sa.select(Item.id).where(Item.id == blocker).with_for_update())

        out, err = str(tmp_path / "run1.out"), str(tmp_path / "run1.err")
        with open(out, "w") as stdout, open(err, "w") as stderr:
            job = subprocess.Popen(
                [os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", ini,
                 "satudata", "provision", str(TAHUN)],
                env=_env(url), stdout=stdout, stderr=stderr, text=True, cwd=ROOT)
        try:
            _wait_for("the first batch's commit",
                      lambda: _datasets(engine) >= BATCH, job, err)
            _wait_for("the second batch waiting on the held row",
                      lambda: _waiting_on_lock(engine), job, err)
            assert _datasets(engine) == BATCH  # the second is not committed
            cluster.restart()
            started = time.monotonic()
            code = job.wait(timeout=STEP_TIMEOUT)
        finally:
            if job.poll() is None:
                job.kill()
                job.wait()
        stopped_in = time.monotonic() - started
        holder.invalidate()
        engine.dispose()  # every pooled connection died with the restart

        message = _read(err)
        assert code == 4, _read(out) + message
        assert stopped_in < 60
        assert "batch 1:" in _read(out) and "batch 2:" not in _read(out)
        # one readable line: what happened and what to do
        assert "Traceback" not in message and "[SQL:" not in message, message
        assert "basis data tidak dapat dipakai" in message, message
        assert "jalankan perintah ini lagi" in message, message
        status = provision.read_status(cycle_id)
        assert status["state"] == provision.GAGAL, status
        assert status["finished"]
        failure = status["errors"][0]["errors"]["job"][0]
        assert "terminating connection" in failure or "closed" in failure, failure
        assert len(failure) < 500  # a message, not the SQL and its parameters

        # nothing of the interrupted batch: only the first batch's datasets
        assert _datasets(engine) == BATCH
        assert _count(engine, "SELECT count(*) FROM satudata_item "
                      "WHERE package_id IS NOT NULL") == BATCH

        rerun = _ckan(ini, url, "satudata", "provision", str(TAHUN))
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-3000:]
        assert f"dibuat {ROWS - BATCH}" in rerun.stdout, rerun.stdout
        assert provision.read_status(cycle_id)["state"] == provision.SELESAI

        assert _datasets(engine) == ROWS
        assert _count(engine, "SELECT count(*) FROM satudata_item "
                      "WHERE package_id IS NULL") == 0
        assert _count(engine, "SELECT count(DISTINCT name) FROM package") == ROWS
        # exactly one dataset per row, and it is the one the row points to
        assert _count(engine, """
            SELECT count(*) FROM satudata_item i
            JOIN package p ON p.extras ->> 'satudata_item_id' = i.id
            WHERE p.state = 'active' AND p.id = i.package_id""") == ROWS
        assert _count(engine, """
            SELECT count(*) FROM (
              SELECT p.extras ->> 'satudata_item_id' FROM package p
              GROUP BY 1 HAVING count(*) > 1) d""") == 0
    finally:
        engine.dispose()
        try:
            provision.redis_connection().delete(status_key)
        except Exception:  # cleanup only: Redis may be gone
            pass


# --- Redis down, at the screen -----------------------------------------------------

CLOSED_REDIS = "redis://127.0.0.1:1/0"


def _redis_down(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """``redis``: CKAN pointed at a closed port. CKAN caches the connection pool
    (``ckan.lib.redis._connection_pool``) and the RQ queues
    (``ckan.lib.jobs._queues``): both are dropped so nothing reaches the real
    server. ``queue``: the status store answers, the job queue's server does
    not (Redis going away between the two writes)."""
    import redis
    import rq
    from ckan.lib import jobs
    from ckan.lib import redis as ckan_redis

    if where == "redis":
        monkeypatch.setitem(tk.config, "ckan.redis.url", CLOSED_REDIS)
        monkeypatch.setattr(ckan_redis, "_connection_pool", None)
        monkeypatch.setattr(jobs, "_queues", {})
    else:
        name = jobs.add_queue_name_prefix(provision.QUEUE)
        closed = rq.Queue(name, connection=redis.Redis.from_url(CLOSED_REDIS))
        monkeypatch.setattr(jobs, "_queues", {name: closed})


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config(provision.SYNC_MAX_OPTION, "2")
@pytest.mark.parametrize("where", ["redis", "queue"])
def test_redis_down_the_portal_screen_says_the_job_could_not_be_queued(
    app: Any, actors: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    import redis

    from ckanext.satudata_planning.tests.factories import (
        agreed_rows,
        cycle_at_step_10,
        dataset_counts,
    )
    from ckanext.satudata_planning.tests.web import csrf_token, login

    cycle = cycle_at_step_10(actors.walidata)
    agreed_rows(cycle["id"], "dinkes", 3)
    agreed_rows(cycle["id"], "dinsos", 2)  # 5 rows > sync max: a background job
    key = provision.status_key(cycle["id"])
    real = redis.Redis.from_url(tk.config["ckan.redis.url"])
    real.delete(key)
    if where == "queue":  # an earlier run's status, to be kept as it was
        provision.write_status(cycle["id"], state=provision.SELESAI, done=0)
    stored = real.get(key)
    before = model.Session.get(Cycle, cycle["id"])
    assert before is not None
    step, state, modified = before.current_step, before.status, before.modified
    packages = model.Session.query(model.Package).count()
    _redis_down(monkeypatch, where)

    login(app, actors.walidata)
    page = "/perencanaan/2027/portal"
    token = csrf_token(app, page)  # the page itself renders without Redis
    res = app.post("/perencanaan/2027/portal/sediakan",
                   data={"_csrf_token": token}, follow_redirects=False)
    assert res.status_code == 302
    assert res.headers["Location"].endswith(page)
    body = app.get(page).get_data(as_text=True)
    assert "alert-error" in body or "alert-danger" in body
    assert "tidak dapat dimasukkan ke antrean" in body, body
    assert "Belum ada yang dikerjakan" in body

    model.Session.expire_all()
    after = model.Session.get(Cycle, cycle["id"])
    assert after is not None
    assert (after.current_step, after.status, after.modified) == (
        step, state, modified)
    assert set(dataset_counts(cycle["id"]).values()) == {0}
    assert model.Session.query(model.Package).count() == packages
    # no status written, or the earlier one as it was (no stray "antri")
    assert real.get(key) == stored
    real.delete(key)
