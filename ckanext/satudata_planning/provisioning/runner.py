"""Step 10, the run: batches under the cycle's lock, the RQ job, progress.

* **Batches, one transaction each.** Each batch takes
  ``pg_try_advisory_xact_lock`` on the cycle, re-reads what is left under it
  (:func:`plan.pending_query`), makes or updates its rows' datasets through
  CKAN's actions (:func:`batch.run_batch`, a savepoint per row) and commits
  once. A worker killed mid-batch leaves nothing of that batch; a re-run does
  the rest. Two runs of the same cycle interleave batches at worst and never
  create a dataset twice.
* **A bad row fails alone**: it is reported with its errors (in the run's
  language) and the rest of its batch is committed; each row is tried at
  most once per run.
* **After each commit** the signal :data:`DATASETS_PROVISIONED` is sent (see
  :func:`run`), then the progress is reported (the Redis status of
  :mod:`.status`, the CLI's lines).
* **Idempotent**: a re-run creates nothing twice and updates the datasets of
  rows changed since (see :mod:`.plan`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.satudata_planning import config
from ckanext.satudata_planning.model import Cycle, Event, Item
from ckanext.satudata_planning.model.event import EventAction

from . import batch as batches
from . import plan
from .status import (
    ANTRI,
    BERJALAN,
    GAGAL,
    SELESAI,
    failure_message,
    redis_connection,
    restore_status,
    safe_status,
    status_key,
    write_status,
)

log = logging.getLogger(__name__)

PRIVATE_OPTION = "ckanext.satudata_planning.provision_private"
SYNC_MAX_OPTION = "ckanext.satudata_planning.provision_sync_max"
BATCH_OPTION = "ckanext.satudata_planning.provision_batch_size"
PAUSE_OPTION = "ckanext.satudata_planning.provision_batch_pause"
LOCK_WAIT_OPTION = "ckanext.satudata_planning.provision_lock_wait"
QUEUE = "satudata"

#: the name of the signal sent after each committed batch (see :func:`run`)
DATASETS_PROVISIONED = "satudata_planning.datasets_provisioned"

class Busy(Exception):
    """Another run of the same cycle holds the lock."""


@dataclass
class Result:
    """What a run did."""

    total: int = 0
    created: int = 0
    updated: int = 0
    done: int = 0
    batches: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    #: seconds spent per phase, for the benchmark and the logs: ``prepare``
    #: (pending rows, names), ``datasets`` (the actions and the index),
    #: ``commit``, ``signal`` (the receivers of :data:`DATASETS_PROVISIONED`)
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, phase: str, seconds: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "done": self.done,
            "batches": self.batches,
            "errors": self.errors,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


ProgressCallback = Callable[[Result, int], None]


def _lock_key(cycle_id: str) -> sa.ColumnElement[Any]:
    return sa.func.hashtext("satudata_provision:" + cycle_id)


def _lock(cycle_id: str, wait: float) -> None:
    """Take the cycle's advisory lock for this transaction, or raise Busy."""
    deadline = time.monotonic() + wait
    while True:
        got = model.Session.execute(
            sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(cycle_id)))
        ).scalar_one()
        if got:
            return
        if time.monotonic() >= deadline:
            raise Busy(cycle_id)
        time.sleep(0.1)


def provisioned(
    cycle_id: str, rows: list[tuple[Item, str]], user: Optional[str] = None
) -> None:
    """Send :data:`DATASETS_PROVISIONED` for a committed batch.

    ``tk.signals.ckanext.signal("satudata_planning.datasets_provisioned")``,
    sender the cycle's id, ``rows``: ``[(item, package_id), ...]`` of every
    dataset created or updated in the batch, ``item`` being the row's
    :class:`~ckanext.satudata_planning.model.Item` model object (committed,
    still attached to ``model.Session``; its attributes are loaded), ``user``:
    the name of the user who runs step 10 (None for the site user).

    Receivers run in the run's process and session, after the batch's
    commit: what they write they commit themselves. A receiver that raises is
    logged and the run goes on (the batch's datasets are made; the session
    is rolled back to a clean state).
    """
    if not rows:
        return
    try:
        signal = tk.signals.ckanext.signal(DATASETS_PROVISIONED)
        signal.send(cycle_id, rows=rows, user=user)
    except Exception:
        log.exception("A receiver of %s failed", DATASETS_PROVISIONED)
        model.Session.rollback()


def run(
    cycle_id: str,
    user: str,
    *,
    progress: Optional[ProgressCallback] = None,
    batch_size: Optional[int] = None,
    on_start: Optional[Callable[[Result], None]] = None,
) -> Result:
    """Provision the cycle's agreed rows, batch by batch (see the module doc).

    ``user`` is the name written as the datasets' creator and in the activity
    stream; auth was checked by the caller (the action or the CLI).
    ``progress(result, batch_number)`` is called after each committed batch.
    Raises :class:`Busy` when another run holds the cycle past the wait.
    """
    started = time.monotonic()
    cycle = model.Session.get(Cycle, cycle_id)
    if cycle is None:
        raise tk.ObjectNotFound(tk._("Planning cycle not found"))
    tahun = cycle.tahun
    size = batch_size or config.provision_batch_size() or 200
    pause = config.provision_batch_pause()
    wait = config.provision_lock_wait()
    private = config.provision_private()
    fields = plan.dataset_fields()
    result = Result(total=plan.pending_count(cycle_id))
    naming = time.perf_counter()
    first = plan.first_by_name(cycle_id, tahun)
    result.timed("prepare", time.perf_counter() - naming)
    model.Session.commit()
    failed: set[str] = set()
    handled: set[str] = set()
    check = False  # validate before each action: after an action's rollback
    while True:
        _lock(cycle_id, wait)
        if on_start:  # first lock taken: this run is the one that works
            on_start(result)
            on_start = None
        query = plan.pending_query(cycle_id)
        if failed or handled:
            # each row at most once per run, even if its dataset does not
            # keep what was written (a plugin dropping the revision extra)
            query = query.where(Item.id.not_in(failed | handled))
        ids = list(model.Session.execute(query.limit(size)).scalars())
        if not ids:
            model.Session.commit()
            break
        working = time.perf_counter()
        try:
            done = batches.run_batch(
                ids,
                user=user,
                tahun=tahun,
                fields=fields,
                private=private,
                cycle_id=cycle_id,
                first=first,
                check=check,
            )
        except batches.RowFailed as e:
            model.Session.rollback()
            check = True  # the batch again, its other invalid rows alone
            failed.add(e.item_id)
            result.errors.append(
                {"item_id": e.item_id, "kode_data": e.kode, "errors": e.errors}
            )
            continue
        except Exception:
            model.Session.rollback()
            raise
        check = False
        committing = time.perf_counter()
        result.timed("datasets", committing - working)
        model.Session.commit()
        signalling = time.perf_counter()
        result.timed("commit", signalling - committing)
        provisioned(cycle_id, done.rows, user)
        result.timed("signal", time.perf_counter() - signalling)
        handled.update(ids)
        for error in done.errors:  # not written: the rest of the batch was
            failed.add(error["item_id"])
            result.errors.append(error)
        result.created += len(done.created)
        result.updated += len(done.updated)
        result.done += len(done.rows)
        result.batches += 1
        result.total = max(result.total, result.done + len(failed))
        if progress:
            progress(result, result.batches)
        if pause:
            time.sleep(pause)
    result.removed = plan.removed(cycle_id)
    result.seconds = time.monotonic() - started
    actor = model.User.get(user)
    Event.record(
        model.Session,
        cycle_id=cycle_id,
        user_id=actor.id if actor else None,
        action=EventAction.PROVISION_RUN,
        target_type="cycle",
        target_id=cycle_id,
        after={
            "created": result.created,
            "updated": result.updated,
            "failed": len(result.errors),
            "removed": len(result.removed),
        },
    )
    model.Session.commit()
    return result


@contextlib.contextmanager
def site_language() -> Iterator[None]:
    """A Flask request context for a run outside a request (the RQ job, the
    CLI), from the app CKAN's command line made (``ctx.meta["flask_app"]``,
    as CKAN's own commands use it): CKAN's translations need one, so that the
    errors a run records are in the site's language
    (``ckan.locale_default``), as in the portal. Inside a request, or without
    that app, nothing changes."""
    import click
    import flask

    click_ctx = None if flask.has_request_context() else (
        click.get_current_context(silent=True)
    )
    app = click_ctx.meta.get("flask_app") if click_ctx else None
    if app is None:
        yield
        return
    with app.test_request_context():
        yield


def tracked_run(
    cycle_id: str,
    user: str,
    *,
    echo: Optional[ProgressCallback] = None,
    job_id: Optional[str] = None,
) -> Result:
    """:func:`run` with its progress written to Redis (request, job and CLI).

    The status becomes ``berjalan`` once the run holds the cycle's lock, so a
    run refused as busy does not overwrite the status of the one working.
    """

    def start(result: Result) -> None:
        safe_status(
            cycle_id,
            state=BERJALAN,
            done=0,
            total=result.total,
            batch=0,
            errors=[],
            job_id=job_id,
            user=user,
            started=dt.datetime.now(dt.timezone.utc).isoformat(),
            finished=None,
        )

    def progress(result: Result, batch: int) -> None:
        safe_status(
            cycle_id,
            done=result.done,
            total=result.total,
            batch=batch,
            created=result.created,
            updated=result.updated,
            errors=result.errors[:50],
        )
        if echo:
            echo(result, batch)

    try:
        with site_language():
            result = run(cycle_id, user, progress=progress, on_start=start)
    except Busy:
        # the other run owns the status: it goes on writing its own progress
        raise
    except Exception as e:
        safe_status(
            cycle_id,
            state=GAGAL,
            errors=[{"errors": {"job": [failure_message(e)]}}],
            finished=dt.datetime.now(dt.timezone.utc).isoformat(),
        )
        raise
    safe_status(
        cycle_id,
        state=SELESAI,
        done=result.done,
        total=result.total,
        created=result.created,
        updated=result.updated,
        errors=result.errors[:50],
        removed=len(result.removed),
        batch=result.batches,
        seconds=round(result.seconds, 2),
        finished=dt.datetime.now(dt.timezone.utc).isoformat(),
    )
    return result


def job(cycle_id: str, user: str) -> dict[str, Any]:
    """The RQ job: one per run, it does every batch (a job costs a CKAN reload)."""
    job_id = None
    try:
        from rq import get_current_job

        current = get_current_job()
        job_id = current.id if current else None
    except ImportError:
        pass
    try:
        return tracked_run(cycle_id, user, job_id=job_id).as_dict()
    except Busy:
        # another run (request or CLI) is doing it: nothing left for this job
        log.info("Provisioning of %s already running elsewhere", cycle_id)
        return {"state": "busy"}


def enqueue(cycle_id: str, user: str, title: str) -> str:
    """Queue one job for the run; raises Redis errors (the action turns them
    into a ValidationError) before anything is written to the database.

    A job that could not be queued leaves the status as it was: a stray
    ``antri`` would keep the button off for :data:`.status.STALE_AFTER`.
    """
    previous = redis_connection().get(status_key(cycle_id))
    write_status(
        cycle_id,
        state=ANTRI,
        done=0,
        total=None,
        batch=0,
        errors=[],
        user=user,
        finished=None,
        queued=dt.datetime.now(dt.timezone.utc).isoformat(),
    )
    try:
        queued = tk.enqueue_job(
            job,
            [cycle_id, user],
            title=title,
            queue=QUEUE,
            rq_kwargs={"timeout": 6 * 3600},
        )
    except Exception:
        restore_status(cycle_id, previous)
        raise
    # queued: the job writes its id itself when it starts, should this fail
    safe_status(cycle_id, job_id=queued.id)
    return queued.id


