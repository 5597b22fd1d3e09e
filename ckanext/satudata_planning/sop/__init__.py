"""The SOP "Perencanaan Data" as data: everything the rest of the code reads
about the process and is written nowhere else.

* :mod:`.steps`: the ten steps (executors, inputs, duration, output, gate),
  the actors and their labels; re-exported here (``sop.step(4)``,
  ``sop.DESK``, ``sop.Actor``);
* :mod:`.row_fields`: the fields of a Daftar Data row;
* :mod:`.vocabularies`: their controlled vocabularies;
* :mod:`.working_days`: Indonesian working days (holidays, cuti bersama);
* :mod:`.roles`: which SOP actor a CKAN user is.
"""
from __future__ import annotations

from .steps import (
    ACTOR_LABELS,
    BA_DESK,
    BA_FORUM,
    COMPILE,
    DESK,
    FIRST_STEP,
    FORUM,
    GATE_TEXTS,
    HANDOVER,
    LAST_STEP,
    PROVISION,
    PUBLISH,
    RECOMMEND,
    SK,
    STEPS,
    Actor,
    Gate,
    Step,
    Text,
    current_lang,
    duration,
    is_step,
    step,
    steps_of,
)

__all__ = [
    "ACTOR_LABELS",
    "BA_DESK",
    "BA_FORUM",
    "COMPILE",
    "DESK",
    "FIRST_STEP",
    "FORUM",
    "GATE_TEXTS",
    "HANDOVER",
    "LAST_STEP",
    "PROVISION",
    "PUBLISH",
    "RECOMMEND",
    "SK",
    "STEPS",
    "Actor",
    "Gate",
    "Step",
    "Text",
    "current_lang",
    "duration",
    "is_step",
    "step",
    "steps_of",
]
