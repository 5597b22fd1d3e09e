"""The extension's tables (``satudata_*``), one module per entity.

Importing this package maps every model on CKAN's metadata, which is what lets
``ckan.model.repo.delete_all`` (the test reset) clear our tables too; the plugin
imports it at load time. Nothing here opens a session, queries or commits:
actions own the transaction and commit once.
"""
from __future__ import annotations

from .checking import CheckStatus, DatasetCheck
from .cycle import Cycle, CycleStatus, CycleStep, StepState, utcnow
from .document import Document
from .event import Event
from .item import IgnoredPair, Item, ItemState
from .recommendation import Recommendation
from .reminder import Reminder

__all__ = [
    "CheckStatus",
    "Cycle",
    "CycleStatus",
    "CycleStep",
    "DatasetCheck",
    "Document",
    "Event",
    "IgnoredPair",
    "Item",
    "ItemState",
    "Recommendation",
    "Reminder",
    "StepState",
    "utcnow",
]
