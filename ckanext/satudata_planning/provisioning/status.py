"""Step 10's progress in Redis: done/total, batch, state, errors of the
cycle's last run, under :func:`status_key`. Written by whoever runs the
batches (the request, the RQ job or the CLI, see :mod:`.runner`), read by the
portal screen and ``satudata_provision_status``."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa

log = logging.getLogger(__name__)

STATUS_TTL = 7 * 24 * 3600

# job states, as the screen shows them
ANTRI, BERJALAN, SELESAI, GAGAL = "antri", "berjalan", "selesai", "gagal"


def status_key(cycle_id: str) -> str:
    site = tk.config.get("ckan.site_id") or "default"
    return f"{site}:satudata:provision:{cycle_id}"


def redis_connection() -> Any:
    from ckan.lib.redis import connect_to_redis

    return connect_to_redis()


def write_status(cycle_id: str, **values: Any) -> dict[str, Any]:
    """Merge ``values`` into the stored status; raises Redis errors."""
    conn = redis_connection()
    key = status_key(cycle_id)
    raw = conn.get(key)
    status = json.loads(raw) if raw else {}
    status.update(values)
    # not "updated": that key is the run's count of updated datasets
    status["updated_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    conn.set(key, json.dumps(status, default=str), ex=STATUS_TTL)
    return status


def read_status(cycle_id: str) -> dict[str, Any]:
    """The stored status (empty when none, or when Redis does not answer)."""
    try:
        raw = redis_connection().get(status_key(cycle_id))
    except Exception as e:  # redis down: the screen shows no run
        log.warning("Could not read provisioning status: %s", e)
        return {}
    return json.loads(raw) if raw else {}


def failure_message(error: BaseException) -> str:
    """One readable line for a failed run (the status, the CLI): a database
    error's own message, without SQLAlchemy's statement and parameters."""
    orig = getattr(error, "orig", None)
    text = str(orig if isinstance(error, sa.exc.DBAPIError) and orig else error)
    return " ".join(t.strip() for t in text.splitlines() if t.strip())[:300] or (
        type(error).__name__
    )


def safe_status(cycle_id: str, **values: Any) -> None:
    try:
        write_status(cycle_id, **values)
    except Exception as e:
        log.warning("Could not write provisioning status: %s", e)


#: a queued or running status older than this is taken for a dead run
STALE_AFTER = dt.timedelta(minutes=15)


def active_run(cycle_id: str) -> Optional[dict[str, Any]]:
    """The status of a queued or running job that still reports, else None."""
    status = read_status(cycle_id)
    if status.get("state") not in (ANTRI, BERJALAN):
        return None
    try:
        written = dt.datetime.fromisoformat(status["updated_at"])
    except (KeyError, TypeError, ValueError):
        return None
    if dt.datetime.now(dt.timezone.utc) - written > STALE_AFTER:
        return None
    return status


def restore_status(cycle_id: str, raw: Optional[bytes]) -> None:
    """Put back the status as it was (best effort: Redis may be gone)."""
    try:
        conn = redis_connection()
        if raw is None:
            conn.delete(status_key(cycle_id))
        else:
            conn.set(status_key(cycle_id), raw, ex=STATUS_TTL)
    except Exception as e:
        log.warning("Could not restore provisioning status: %s", e)

