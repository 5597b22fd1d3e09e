"""Writing CKAN's index dict into ``satudata_search_index``.

``PackageSearchIndex.index_package`` in CKAN builds the dict it sends to Solr
(extras in the main namespace, vocabulary tags, resources flattened,
``before_dataset_index`` hooks, permission labels) and then calls
``make_connection().add(...)``. ``backend.install()`` points that module-level
``make_connection`` at :func:`connection`, so CKAN's own code builds the dict
and only the sending lands here, in CKAN's session: the row is written in the
action's transaction and committed with it (``defer_commit`` keeps meaning
"not yet committed").
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa
from ckan.common import config
from ckan.lib.search.common import SearchIndexError
from ckan.lib.search.index import PackageSearchIndex
from sqlalchemy.dialects.postgresql import JSONB, REGCONFIG
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import SQLAlchemyError

from .model import search_index_table as T

log = logging.getLogger(__name__)

CONFIG_KEY = "ckanext.satudata_pgsearch.text_search_config"

# Keys whose text goes into the full-text vector, by weight (A ranks highest).
# Solr's ``qf`` is "name^4 title^4 tags^2 groups^2 text"; ``title:`` and
# ``notes:`` queries use the weights to look at their own field only.
WEIGHT_A = ("title",)
WEIGHT_B = ("name", "tags", "groups", "organization")
WEIGHT_C = ("notes",)
WEIGHT_D = (
    "text",
    "res_name",
    "res_description",
    "res_format",
    "author",
    "maintainer",
    "license_title",
    "license_id",
    "url",
    "version",
    "urls",
)
WEIGHT_D_PREFIXES = ("extras_", "vocab_", "res_extras_")
# Longest text given to to_tsvector per weight (its limit is 1 MB of lexemes).
MAX_TEXT = 200_000

# Put between values and fields, then deleted from the vector: it keeps a
# position between them, so a phrase never spans two fields (Solr's
# positionIncrementGap). Both configurations leave it unchanged.
SEPARATOR = "zzsepzz"

# Kept out of ``fields``: free text (searched through the vector or ``data``)
# would only make every row's ``fields`` longer to read when faceting.
FREE_TEXT_KEYS = frozenset(
    ("notes", "title", "text", "res_description", "index_id", "validated_data_dict")
)
MAX_FIELD_VALUE = 256

# Kept out of ``data``: they have columns of their own.
_OWN_COLUMNS = ("data_dict", "validated_data_dict")


def text_search_config() -> str:
    """The configured text-search configuration (``indonesian`` by default)."""
    return config.get(CONFIG_KEY) or "indonesian"


def regconfig(name: str) -> sa.ColumnElement[Any]:
    """A bound text-search configuration name, cast for to_tsvector/to_tsquery."""
    return sa.cast(sa.literal(name), REGCONFIG)


def as_strings(value: Any) -> list[str]:
    """Every value as a list of strings, the way Solr indexes string fields.

    Scheming stores multiple-choice fields (e.g. ``kategori_sumber``) as a JSON
    list in a string; those are split into their elements so that they can be
    filtered and faceted one by one, like ``tags``.
    """
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (list, tuple, set)):
        out: list[str] = []
        for item in value:
            out.extend(as_strings(item))
        return out
    if isinstance(value, dict):
        return [json.dumps(value, sort_keys=True, default=str)]
    if isinstance(value, str):
        if value.startswith("[") and value.endswith("]"):
            try:
                items = json.loads(value)
            except ValueError:
                return [value]
            if isinstance(items, list) and all(
                isinstance(i, (str, int, float)) for i in items
            ):
                return [str(i) for i in items]
        return [value]
    return [str(value)]


def _parse_stamp(value: Any) -> Optional[datetime.datetime]:
    """Solr-style '...Z' stamps as naive UTC datetimes (CKAN stores UTC)."""
    if not value or not isinstance(value, str):
        return None
    try:
        stamp = datetime.datetime.fromisoformat(value.rstrip("Z"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return stamp


def _text(doc: dict[str, Any], keys: tuple[str, ...], prefixes=()) -> str:
    parts: list[str] = []
    for key, value in doc.items():
        if key in keys or (prefixes and key.startswith(prefixes)):
            parts.extend(as_strings(value))
    if "name" in keys:
        # "jumlah-penduduk" also as words
        parts.append(str(doc.get("name") or "").replace("-", " ").replace("_", " "))
    return f" {SEPARATOR} ".join([""] + parts)[:MAX_TEXT]


def vector_expression(doc: dict[str, Any]) -> sa.ColumnElement[Any]:
    """The weighted tsvector: stemmed lexemes and, for exact/prefix, simple ones."""
    stemmed, simple = regconfig(text_search_config()), regconfig("simple")
    texts = (
        ("A", _text(doc, WEIGHT_A)),
        ("B", _text(doc, WEIGHT_B)),
        ("C", _text(doc, WEIGHT_C)),
        ("D", _text(doc, WEIGHT_D, WEIGHT_D_PREFIXES)),
    )
    vector: Optional[sa.ColumnElement[Any]] = None
    for weight, text in texts:
        for cfg in (stemmed, simple):
            part = sa.func.setweight(sa.func.to_tsvector(cfg, text), weight)
            vector = part if vector is None else vector.op("||")(part)
    assert vector is not None
    return sa.func.ts_delete(vector, SEPARATOR)


def _jsonb(text: str) -> sa.ColumnElement[Any]:
    """JSON text cast in SQL: serialised once, with ``default=str`` for odd values."""
    return sa.cast(sa.literal(text, sa.Text), JSONB)


def row_values(doc: dict[str, Any]) -> dict[str, Any]:
    """The column values of one index dict (as CKAN's index_package made it)."""
    data = {k: v for k, v in doc.items() if k not in _OWN_COLUMNS}
    fields = {}
    for key, value in data.items():
        if key in FREE_TEXT_KEYS:
            continue
        strings = [v for v in as_strings(value) if len(v) <= MAX_FIELD_VALUE]
        if strings:
            fields[key] = strings
    return {
        "id": doc["id"],
        "name": doc.get("name") or doc["id"],
        "title_string": doc.get("title_string"),
        "state": doc.get("state"),
        "private": bool(doc.get("private")),
        "capacity": doc.get("capacity") or "public",
        "owner_org": doc.get("owner_org"),
        "organization": doc.get("organization"),
        "dataset_type": doc.get("dataset_type"),
        "site_id": doc.get("site_id"),
        "metadata_created": _parse_stamp(doc.get("metadata_created")),
        "metadata_modified": _parse_stamp(doc.get("metadata_modified")),
        "permission_labels": [str(p) for p in doc.get("permission_labels") or []],
        "data": _jsonb(json.dumps(data, default=str)),
        "fields": _jsonb(json.dumps(fields)),
        "data_dict": doc.get("data_dict"),
        "validated_data_dict": doc.get("validated_data_dict"),
        "search_vector": vector_expression(doc),
        "indexed_at": sa.func.now(),
    }


def write_docs(docs: list[dict[str, Any]]) -> None:
    """Insert or replace rows, in CKAN's session (committed with the action)."""
    for doc in docs:
        values = row_values(doc)
        stmt = pg_insert(T).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[T.c.id],
            set_={k: stmt.excluded[k] for k in values if k != "id"},
        )
        try:
            model.Session.execute(stmt)
        except SQLAlchemyError as e:
            raise SearchIndexError(
                f"Could not index dataset {doc.get('id')}: {e}"
            ) from e


class _Connection:
    """Stands in for the pysolr connection CKAN's index_package sends to."""

    url = "postgresql:satudata_search_index"

    def add(self, docs: list[dict[str, Any]], commit: bool = False, **_: Any) -> None:
        write_docs(docs)

    def commit(self, **_: Any) -> None:
        model.Session.flush()

    def delete(self, **_: Any) -> None:
        """Only CKAN's ``clear_index`` deletes by query; PgPackageSearchIndex
        overrides every path that reaches it."""


def connection(decode_dates: bool = True) -> _Connection:
    """Replacement for ``ckan.lib.search.index.make_connection``."""
    return _Connection()


class PgPackageSearchIndex(PackageSearchIndex):
    """CKAN's package index; CKAN builds the dict, PostgreSQL stores it."""

    def commit(self) -> None:
        """Rows are visible in the session at once; the action commits them."""
        model.Session.flush()

    def delete_package(self, pkg_dict: dict[str, Any]) -> None:
        """Remove by id or name, as CKAN's Solr delete query does."""
        ref = pkg_dict.get("id")
        if not ref:
            return
        try:
            model.Session.execute(
                sa.delete(T).where(sa.or_(T.c.id == ref, T.c.name == ref))
            )
        except SQLAlchemyError as e:
            raise SearchIndexError(f"Could not remove dataset {ref}: {e}") from e

    def clear(self) -> None:
        """Empty this site's part of the index and commit, as Solr's clear does.

        ``ckan search-index clear`` and the ``clean_index`` fixture call this
        outside any action, so nobody else would commit it. ``ckan db clean``
        calls it after dropping every table: nothing to clear then.
        """
        if not sa.inspect(model.Session.connection()).has_table(T.name):
            model.Session.commit()
            return
        model.Session.execute(
            sa.delete(T).where(T.c.site_id == config.get("ckan.site_id"))
        )
        model.Session.commit()

    def get_all_entity_ids(self) -> list[str]:  # type: ignore[override]
        """Ids of every indexed dataset of this site."""
        rows = model.Session.execute(
            sa.select(T.c.id).where(T.c.site_id == config.get("ckan.site_id"))
        )
        return [r[0] for r in rows]
