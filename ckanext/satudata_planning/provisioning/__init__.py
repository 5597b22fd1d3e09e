"""Step 10: every agreed row of the Daftar Data becomes a dataset its OPD
fills in, through CKAN's public actions.

* :mod:`.plan`: which rows need a dataset made or updated, its name and
  metadata;
* :mod:`.batch`: one batch through ``package_create`` / ``package_update``,
  a savepoint per row, CKAN's index call;
* :mod:`.runner`: the batches under the cycle's lock, one commit each, the
  ``satudata_planning.datasets_provisioned`` signal, the RQ job;
* :mod:`.status`: the run's progress in Redis.

The actions, the job, the CLI and the portal use the names below
(``from ckanext.satudata_planning import provisioning``).
"""
from __future__ import annotations

from .plan import (
    ITEM_KEY,
    REVISION_KEY,
    dataset_dict,
    dataset_fields,
    missing_datasets,
    pending_count,
    removed,
    slug,
)
from .runner import (
    BATCH_OPTION,
    DATASETS_PROVISIONED,
    LOCK_WAIT_OPTION,
    PAUSE_OPTION,
    PRIVATE_OPTION,
    QUEUE,
    SYNC_MAX_OPTION,
    Busy,
    Result,
    enqueue,
    job,
    run,
    tracked_run,
)
from .status import (
    ANTRI,
    BERJALAN,
    GAGAL,
    SELESAI,
    active_run,
    failure_message,
    read_status,
    redis_connection,
    status_key,
    write_status,
)

__all__ = [
    "ANTRI", "BATCH_OPTION", "BERJALAN", "DATASETS_PROVISIONED", "GAGAL",
    "ITEM_KEY", "LOCK_WAIT_OPTION", "PAUSE_OPTION", "PRIVATE_OPTION", "QUEUE",
    "REVISION_KEY", "SELESAI", "SYNC_MAX_OPTION", "Busy", "Result",
    "active_run", "dataset_dict", "dataset_fields", "enqueue",
    "failure_message", "job", "missing_datasets", "pending_count",
    "read_status", "redis_connection", "removed", "run", "slug", "status_key",
    "tracked_run", "write_status",
]
