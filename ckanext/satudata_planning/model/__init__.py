"""The extension's tables (``satudata_*``), one module per entity.

Importing this package maps every model on CKAN's metadata, which is what lets
``ckan.model.repo.delete_all`` (the test reset) clear our tables too; the plugin
imports it at load time. Nothing here opens a session, queries or commits:
actions own the transaction and commit once.
"""
from __future__ import annotations

from .cycle import Cycle, CycleStatus, CycleStep, StepState, utcnow
from .event import Event

__all__ = ["Cycle", "CycleStatus", "CycleStep", "Event", "StepState", "utcnow"]
