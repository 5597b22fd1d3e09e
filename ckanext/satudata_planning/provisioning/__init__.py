"""Step 10: every agreed row of the Daftar Data becomes a dataset its OPD
fills in. :mod:`.run` does the work; the actions, the job and the CLI call
it, and the gate of step 10 asks :func:`missing_datasets`."""
from __future__ import annotations

from .run import missing_datasets, pending_count, removed

__all__ = ["missing_datasets", "pending_count", "removed"]
