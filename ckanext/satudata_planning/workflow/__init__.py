"""The cycle's workflow: step transitions (:mod:`.transitions`), what each
step's output must be before it completes (:mod:`.gates`) and who may change
a Daftar Data row at which step (:mod:`.rules`). Nothing here commits: the
calling action does, once.
"""
from __future__ import annotations

from .transitions import (
    check_can_complete,
    complete_step,
    cycle_snapshot,
    open_cycle,
    overdue_days,
    plan,
    start_step,
    step_snapshot,
    todo,
)

__all__ = [
    "check_can_complete",
    "complete_step",
    "cycle_snapshot",
    "open_cycle",
    "overdue_days",
    "plan",
    "start_step",
    "step_snapshot",
    "todo",
]
