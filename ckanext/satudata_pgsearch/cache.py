"""A per-process cache of search answers, invalidated by every index write.

What is kept: the count, the facets and the page's ids and scores of one
``package_search`` (not the documents: they are read again, by id). Keyed by
the query parameters, the site and the searcher's permission labels, so one
user never gets counts computed with another's labels.

Invalidation: every transaction that writes to the index (``write_docs``,
``delete_package``, ``clear``) sets ``satudata_search_state.generation`` to a
new random uuid, in its own transaction. An answer is stored with the
generation its statement saw (read in the same statement, hence the same
snapshot) and served only while the generation read before the search is the
same: any committed write in between changes it. A uuid is never drawn twice,
so a rolled-back write (or a re-created table) cannot bring an old one back.
A transaction that wrote to the index itself neither reads nor fills the
cache (its own uncommitted rows are not what others see).

Queries whose answer depends on the clock (``NOW`` in date math) are never
cached.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa
from ckan.common import config

from .model import search_state_table as S

CONFIG_KEY = "ckanext.satudata_pgsearch.cache_size"
DEFAULT_SIZE = 256

Answer = tuple[int, dict[str, dict[str, int]], list[tuple[str, float]]]

# The xid of this transaction if it wrote anything (NULL otherwise: reading
# does not assign one).
_MINE = sa.func.coalesce(S.c.writer_xid == sa.func.txid_current_if_assigned(), False)


# SQL text: SQLAlchemy does not cache PostgreSQL's INSERT ... ON CONFLICT.
_BUMP = sa.text(
    f"INSERT INTO {S.name} (id, generation, writer_xid) "  # noqa: S608
    "VALUES (1, gen_random_uuid(), txid_current()) "
    "ON CONFLICT (id) DO UPDATE SET generation = EXCLUDED.generation, "
    "writer_xid = EXCLUDED.writer_xid "
    f"WHERE {S.name}.writer_xid IS DISTINCT FROM EXCLUDED.writer_xid"
)


def bump_generation() -> None:
    """Mark the index as changed, in the caller's transaction.

    Once per transaction in effect: the row is rewritten only when another
    transaction bumped it last (a bulk rebuild does not pile up 10,000
    versions of it). Concurrent writers wait for each other's commit here.
    """
    model.Session.execute(_BUMP)


def generation_columns() -> list[Any]:
    """The generation and whether this transaction set it (for a union row)."""
    return [S.c.generation, _MINE]


def current_generation(*also: Any) -> tuple[Optional[str], bool]:
    """The committed generation this transaction sees (None: do not cache),
    and whether ``also`` (columns run in the same statement, saving a round
    trip) were evaluated: they are not when the row is missing."""
    row = model.Session.execute(
        sa.select(S.c.generation, _MINE.label("mine"), *also).where(S.c.id == 1)
    ).first()
    if row is None:
        return None, False
    return (None if row.mine else str(row.generation)), True


def cache_key(
    query: dict[str, Any], permission_labels: Optional[list[str]]
) -> Optional[str]:
    """The key of a search, or None when it must not be cached."""
    params = {k: v for k, v in query.items() if k != "fl"}
    text = json.dumps(params, sort_keys=True, default=str)
    if "NOW" in text:
        return None
    labels = None if permission_labels is None else sorted(set(permission_labels))
    return json.dumps([config.get("ckan.site_id"), labels, text])


class AnswerCache:
    """A small LRU of answers, each with the generation it is valid for."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[str, Answer]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def size() -> int:
        return int(config.get(CONFIG_KEY) or 0)

    def get(self, key: str, generation: str) -> Optional[Answer]:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != generation:
                return None
            self._items.move_to_end(key)
            count, facets, page = item[1]
        return count, {k: dict(v) for k, v in facets.items()}, list(page)

    def put(self, key: str, generation: str, answer: Answer) -> None:
        size = self.size()
        if size <= 0:
            return
        count, facets, page = answer
        copy = (count, {k: dict(v) for k, v in facets.items()}, list(page))
        with self._lock:
            self._items[key] = (generation, copy)
            self._items.move_to_end(key)
            while len(self._items) > size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


answers = AnswerCache()
