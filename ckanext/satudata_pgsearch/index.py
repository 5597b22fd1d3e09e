"""Writing CKAN's index dict into ``satudata_search_index``.

``PackageSearchIndex.index_package`` in CKAN builds the dict it sends to Solr
(extras in the main namespace, vocabulary tags, resources flattened,
``before_dataset_index`` hooks, permission labels) and then calls
``make_connection().add(...)``. ``backend.install()`` points that module-level
``make_connection`` at :func:`connection`, so CKAN's own code builds the dict
and only the sending lands here, in CKAN's session: the row is written in the
action's transaction and committed with it (``defer_commit`` keeps meaning
"not yet committed").

Inside :func:`batched_writes` (step 10's provisioning), the documents CKAN
sends are collected and written together by :func:`write_docs_bulk`: the same
rows as :func:`write_docs`, in two statements for the batch.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa
from ckan.common import config
from ckan.lib.search.common import SearchIndexError
from ckan.lib.search.index import PackageSearchIndex
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.exc import SQLAlchemyError

from .cache import bump_generation
from .model import search_index_table as T
from .model import search_term_table as TERMS
from .prepared import Prepared

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

# Kept out of ``facet_ids``: one value per dataset, or nearly, and never
# faceted on. A facet on one of them is still
# answered, counted from the ``fields`` column (more slowly).
UNFACETED_KEYS = frozenset(
    (
        "id",
        "name",
        "title_string",
        "metadata_created",
        "metadata_modified",
        "index_id",
        "site_id",
        "entity_type",
        "creator_user_id",
        "url",
        "urls",
        "res_url",
        "res_name",
    )
)

# Solr date fields: kept to the millisecond.
_DATE_KEYS = ("metadata_created", "metadata_modified")

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
    """Solr-style '...Z' stamps as naive UTC datetimes (CKAN stores UTC),
    cut to milliseconds as Solr's date fields keep them."""
    if not value or not isinstance(value, str):
        return None
    try:
        stamp = datetime.datetime.fromisoformat(value.rstrip("Z"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)


def solr_date(value: Any) -> Any:
    """A stamp as Solr returns it: '2014-06-10T08:24:12.782Z' (milliseconds,
    none when zero); anything else unchanged."""
    stamp = _parse_stamp(value)
    if stamp is None:
        return value
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S")
    millis = stamp.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def _text(doc: dict[str, Any], keys: tuple[str, ...], prefixes=()) -> str:
    parts: list[str] = []
    for key, value in doc.items():
        if key in keys or (prefixes and key.startswith(prefixes)):
            parts.extend(as_strings(value))
    if "name" in keys:
        # "jumlah-penduduk" also as words
        parts.append(str(doc.get("name") or "").replace("-", " ").replace("_", " "))
    return f" {SEPARATOR} ".join([""] + parts)[:MAX_TEXT]


def vector_texts(doc: dict[str, Any]) -> dict[str, str]:
    """The text of each weight (A ranks highest), parameters of ``_VECTOR``."""
    return {
        "text_a": _text(doc, WEIGHT_A),
        "text_b": _text(doc, WEIGHT_B),
        "text_c": _text(doc, WEIGHT_C),
        "text_d": _text(doc, WEIGHT_D, WEIGHT_D_PREFIXES),
    }


# The weighted tsvector: stemmed lexemes and, for exact/prefix, simple ones.
_VECTOR = "ts_delete({}, :separator)".format(
    " || ".join(
        f"setweight(to_tsvector(CAST(:{cfg} AS regconfig), :text_{w.lower()}), '{w}')"
        for w in "ABCD"
        for cfg in ("stem_config", "simple_config")
    )
)
_CASTS = {
    "permission_labels": "text[]",
    "data": "jsonb",
    "fields": "jsonb",
}
_ROW_COLUMNS = (
    "id",
    "name",
    "title_string",
    "state",
    "private",
    "capacity",
    "owner_org",
    "organization",
    "dataset_type",
    "site_id",
    "metadata_created",
    "metadata_modified",
    "permission_labels",
    "data",
    "fields",
    "data_dict",
    "validated_data_dict",
)
_TERMS_OF_PAIRS = "unnest(CAST(:{f} AS text[]), CAST(:{v} AS text[])) AS u(f, v)"
# The term ids of the dataset's facet pairs, numbering those never seen:
# ``known`` are the terms this statement's snapshot sees, ``added`` the others
# (DO UPDATE rather than DO NOTHING: a term another transaction committed
# meanwhile conflicts, and DO UPDATE still returns its id).
_FACET_IDS_CTE = (  # noqa: S608
    "WITH pairs AS (SELECT u.f, u.v FROM {pairs}), "
    "known AS (SELECT t.term_id FROM {terms} t JOIN pairs p "
    "ON t.field = p.f AND t.value = p.v), "
    "added AS (INSERT INTO {terms} (field, value) SELECT p.f, p.v FROM pairs p "
    "WHERE NOT EXISTS (SELECT 1 FROM {terms} t WHERE t.field = p.f AND t.value = p.v) "
    "ORDER BY p.f, p.v "
    "ON CONFLICT (field, value) DO UPDATE SET field = EXCLUDED.field "
    "RETURNING term_id) "
).format(pairs=_TERMS_OF_PAIRS.format(f="facet_fields", v="facet_values"),
         terms=TERMS.name)
_FACET_IDS = (
    "(SELECT coalesce(array_agg(term_id ORDER BY term_id), '{}') FROM "
    "(SELECT term_id FROM known UNION ALL SELECT term_id FROM added) ids)"
)
# Written as SQL text (names are this module's constants, every value a bound
# parameter: hence the noqa S608). SQLAlchemy does not cache the compiled
# form of PostgreSQL's INSERT ... ON CONFLICT; compiling it anew for every
# dataset cost ~2 ms. One statement: the terms, the row and its facet ids,
# prepared once per connection (``prepared``).
_UPSERT = sa.text(
    _FACET_IDS_CTE
    + "INSERT INTO {table} ({columns}, facet_ids, search_vector, indexed_at) "  # noqa: S608
    "VALUES ({values}, {facet_ids}, {vector}, now()) "
    "ON CONFLICT (id) DO UPDATE SET {updates}, facet_ids = EXCLUDED.facet_ids, "
    "search_vector = EXCLUDED.search_vector, indexed_at = EXCLUDED.indexed_at "
    "RETURNING doc_id".format(
        table=T.name,
        columns=", ".join(_ROW_COLUMNS),
        values=", ".join(
            f"CAST(:{c} AS {_CASTS[c]})" if c in _CASTS else f":{c}"
            for c in _ROW_COLUMNS
        ),
        facet_ids=_FACET_IDS,
        vector=_VECTOR,
        updates=", ".join(f"{c} = EXCLUDED.{c}" for c in _ROW_COLUMNS if c != "id"),
    )
)
_PREPARED_UPSERT = Prepared(_UPSERT, "satudata_search_upsert")
# Terms of a whole batch; the next statement (a new snapshot under READ
# COMMITTED) sees them, and those another transaction committed meanwhile.
_INSERT_TERMS = sa.text(
    f"INSERT INTO {TERMS.name} (field, value) SELECT u.f, u.v "  # noqa: S608
    f"FROM {_TERMS_OF_PAIRS.format(f='fields', v='values')} "
    f"WHERE NOT EXISTS (SELECT 1 FROM {TERMS.name} t "
    "WHERE t.field = u.f AND t.value = u.v) ORDER BY u.f, u.v ON CONFLICT DO NOTHING"
)


def is_faceted(key: str) -> bool:
    """Whether ``key``'s values are in ``facet_ids`` (see ``UNFACETED_KEYS``)."""
    return key not in UNFACETED_KEYS and key not in FREE_TEXT_KEYS


def field_values(doc: dict[str, Any]) -> dict[str, list[str]]:
    """Every field's values as strings (the ``fields`` column)."""
    fields = {}
    for key, value in doc.items():
        if key in FREE_TEXT_KEYS or key in _OWN_COLUMNS:
            continue
        strings = [v for v in as_strings(value) if len(v) <= MAX_FIELD_VALUE]
        if strings:
            fields[key] = strings
    return fields


def facet_pairs(fields: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The distinct (field, value) pairs numbered into ``facet_ids``."""
    return sorted(
        {(key, v) for key, values in fields.items() if is_faceted(key) for v in values}
    )


def row_values(doc: dict[str, Any]) -> dict[str, Any]:
    """The parameters of ``_UPSERT`` for one index dict (CKAN's index_package)."""
    data = {k: v for k, v in doc.items() if k not in _OWN_COLUMNS}
    for key in _DATE_KEYS:
        if key in data:
            data[key] = solr_date(data[key])
    fields = field_values(data)
    pairs = facet_pairs(fields)
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
        "facet_fields": [p[0] for p in pairs],
        "facet_values": [p[1] for p in pairs],
        "data": json.dumps(data, default=str),
        "fields": json.dumps(fields),
        "data_dict": doc.get("data_dict"),
        "validated_data_dict": doc.get("validated_data_dict"),
        "stem_config": text_search_config(),
        "simple_config": "simple",
        "separator": SEPARATOR,
        **vector_texts(doc),
    }


def write_docs(docs: list[dict[str, Any]]) -> None:
    """Insert or replace rows (with their facet ids), in CKAN's session.

    Committed with the action (or rolled back with it).
    """
    if docs:
        bump_generation()
    for doc in docs:
        try:
            _PREPARED_UPSERT.execute(model.Session.connection(), row_values(doc))
        except SQLAlchemyError as e:
            raise SearchIndexError(
                f"Could not index dataset {doc.get('id')}: {e}"
            ) from e


# The bulk form of _UPSERT: every row of the batch in one statement, its
# values one JSON array (jsonb_to_recordset), the vector and the facet ids
# computed per row exactly as _UPSERT computes them.
_RECORD_TYPES = {
    "private": "boolean",
    "metadata_created": "timestamp",
    "metadata_modified": "timestamp",
    "permission_labels": "text[]",
    "facet_fields": "text[]",
    "facet_values": "text[]",
}
_TEXT_COLUMNS = ("text_a", "text_b", "text_c", "text_d")
_FACET_COLUMNS = ("facet_fields", "facet_values")
_UPSERT_MANY = sa.text(
    "INSERT INTO {table} ({columns}, facet_ids, search_vector, indexed_at) "  # noqa: S608
    "SELECT {values}, {facet_ids}, {vector}, now() "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({record}) "
    "ON CONFLICT (id) DO UPDATE SET {updates}, facet_ids = EXCLUDED.facet_ids, "
    "search_vector = EXCLUDED.search_vector, indexed_at = EXCLUDED.indexed_at "
    "RETURNING id".format(
        table=T.name,
        columns=", ".join(_ROW_COLUMNS),
        values=", ".join(
            f"CAST(r.{c} AS {_CASTS[c]})" if c in ("data", "fields") else f"r.{c}"
            for c in _ROW_COLUMNS
        ),
        facet_ids=(
            "(SELECT coalesce(array_agg(t.term_id ORDER BY t.term_id), '{}') "  # noqa: S608
            "FROM unnest(r.facet_fields, r.facet_values) AS u(f, v) "
            f"JOIN {TERMS.name} t ON t.field = u.f AND t.value = u.v)"
        ),
        vector=_VECTOR.replace(":text_", "r.text_"),
        record=", ".join(
            f"{c} {_RECORD_TYPES.get(c, 'text')}"
            for c in _ROW_COLUMNS + _TEXT_COLUMNS + _FACET_COLUMNS
        ),
        updates=", ".join(f"{c} = EXCLUDED.{c}" for c in _ROW_COLUMNS if c != "id"),
    )
)


def _record(doc: dict[str, Any]) -> dict[str, Any]:
    """``row_values`` of one document as a JSON object for ``_UPSERT_MANY``."""
    values = row_values(doc)
    for key in ("metadata_created", "metadata_modified"):
        if values[key] is not None:
            values[key] = values[key].isoformat()
    return {k: values[k] for k in _ROW_COLUMNS + _TEXT_COLUMNS + _FACET_COLUMNS}


def write_docs_bulk(docs: list[dict[str, Any]]) -> None:
    """What :func:`write_docs` stores for ``docs``, in two statements.

    The terms not seen before, then the rows (one INSERT ... ON CONFLICT for
    all of them, each with its facet ids). A document given twice is written
    once, as its last version (as two ``write_docs`` would leave it).
    """
    if not docs:
        return
    latest = {doc["id"]: doc for doc in docs}
    bump_generation()
    try:
        records = [_record(doc) for doc in latest.values()]
        pairs = sorted(
            {
                pair
                for r in records
                for pair in zip(r["facet_fields"], r["facet_values"], strict=True)
            }
        )
        if pairs:
            model.Session.execute(
                _INSERT_TERMS,
                {"fields": [p[0] for p in pairs], "values": [p[1] for p in pairs]},
            )
        model.Session.execute(
            _UPSERT_MANY,
            {
                "rows": json.dumps(records, default=str),
                "stem_config": text_search_config(),
                "simple_config": "simple",
                "separator": SEPARATOR,
            },
        )
    except SQLAlchemyError as e:
        raise SearchIndexError(
            f"Could not index {len(latest)} datasets ({next(iter(latest))}, ...): {e}"
        ) from e


def stored_facet_pairs(package_id: str) -> list[tuple[str, str]]:
    """The (field, value) pairs of an index row's ``facet_ids``, sorted."""
    stmt = (
        sa.select(TERMS.c.field, TERMS.c.value)
        .select_from(T.join(TERMS, TERMS.c.term_id == sa.any_(T.c.facet_ids)))
        .where(T.c.id == package_id)
        .order_by(TERMS.c.field, TERMS.c.value)
    )
    return [(r.field, r.value) for r in model.Session.execute(stmt)]


_HAS_WRITTEN = sa.text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")


def owns_transaction() -> bool:
    """Whether an index write now would be the first write of the transaction.

    CKAN's actions index inside their own transaction (``package_update``
    in a savepoint, after writing the dataset) and commit it themselves: the
    transaction has written already. A script, the CLI or ``member_create``
    (it reindexes after its commit) write to the index first: nobody else
    would commit, and the write would be lost when the session is removed.
    """
    if model.Session().in_nested_transaction():
        return False
    return not model.Session.execute(_HAS_WRITTEN).scalar()


_batch: ContextVar[Optional[list[dict[str, Any]]]] = ContextVar(
    "satudata_search_batch", default=None
)


@contextlib.contextmanager
def batched_writes() -> Iterator[list[dict[str, Any]]]:
    """Collect the documents CKAN sends to the index, write them at the end.

    Inside the block, ``index_package`` (CKAN's, unchanged: it still builds
    each document) hands its document to a list instead of writing it; on
    leaving the block without an error they are written by
    :func:`write_docs_bulk`, in the caller's transaction. Nothing in the block
    may read the index expecting its own documents there.
    """
    docs: list[dict[str, Any]] = []
    token = _batch.set(docs)
    try:
        yield docs
    finally:
        _batch.reset(token)
    write_docs_bulk(docs)


def vacuum_tables() -> None:
    """VACUUM ANALYZE the index tables, after a bulk rebuild (committed first).

    ANALYZE gives the planner the new row counts and the statistics of the
    words and facet ids; VACUUM marks the pages all-visible and empties the
    GIN indexes' pending lists (which every search reads until then).
    VACUUM cannot run in a transaction: its own connection.
    """
    model.Session.commit()
    try:
        engine = model.Session.get_bind()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text(f"VACUUM (ANALYZE) {T.name}, {TERMS.name}"))
    except SQLAlchemyError as e:  # e.g. a database user that does not own them
        log.warning("Could not VACUUM the search index tables: %s", e)


class _Connection:
    """Stands in for the pysolr connection CKAN's index_package sends to."""

    url = "postgresql:satudata_search_index"

    def add(self, docs: list[dict[str, Any]], commit: bool = False, **_: Any) -> None:
        batch = _batch.get()
        if batch is not None:  # inside batched_writes(): written at its end
            batch.extend(docs)
            return
        # Solr's commit: the write is committed unless the transaction it
        # joins belongs to someone else (see owns_transaction)
        own = commit and owns_transaction()
        write_docs(docs)
        if own:
            model.Session.commit()

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
            bump_generation()
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
        bump_generation()
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
