"""Answering ``PackageSearchQuery.run`` from ``satudata_search_index``.

CKAN's ``package_search`` keeps its validation, auth, labels and hooks and
hands the Solr parameters here; the parsed ``q``/``fq`` trees become SQL
expressions whose user text only ever travels as bound parameters.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa
from ckan.common import config
from ckan.lib.search.common import SearchError, SearchQueryError
from ckan.lib.search.query import VALID_SOLR_PARAMETERS, PackageSearchQuery
from dateutil.relativedelta import relativedelta
from sqlalchemy.exc import DBAPIError

from . import parser as P
from .index import regconfig, text_search_config
from .model import search_index_table as T

# Fields with a column of their own: exact, case-sensitive string matches.
COLUMN_FIELDS = (
    "id",
    "name",
    "title_string",
    "state",
    "capacity",
    "owner_org",
    "organization",
    "dataset_type",
    "site_id",
)
DATE_COLUMNS = ("metadata_created", "metadata_modified")
# Text fields answered from the weighted vector (None: the whole vector).
VECTOR_FIELDS: dict[Optional[str], Optional[str]] = {
    None: None,
    "text": None,
    "title": "A",
    "notes": "C",
}
# Solr "textgen" fields: tokenised, answered from the row's own values.
TEXT_FIELDS = (
    "res_name",
    "res_description",
    "author",
    "maintainer",
    "urls",
    "author_email",
    "maintainer_email",
)
TEXT_PREFIXES = ("extras_", "res_extras_")
# Solr's n-gram fields (package_autocomplete): a substring of name or title.
NGRAM_FIELDS = {"name_ngram": "name", "title_ngram": "title_string"}
# ts_rank weights for D, C, B, A (Solr's qf: name^4 title^4 tags^2 groups^2 text).
RANK_WEIGHTS = "{0.1, 0.3, 0.6, 1.0}"

_FIELD_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_WORD = re.compile(r"\w+", re.UNICODE)
_DATE_MATH = re.compile(
    r"^(?P<base>NOW|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?Z?)"
    r"(?P<math>(?:[+-]\d+[A-Z]+|/[A-Z]+)*)$"
)
_UNITS = {
    "YEAR": "years",
    "MONTH": "months",
    "DAY": "days",
    "DATE": "days",
    "HOUR": "hours",
    "MINUTE": "minutes",
    "SECOND": "seconds",
}


def _field_name(name: str) -> str:
    if not _FIELD_NAME.match(name):
        raise SearchQueryError(f"Invalid field name: {name!r}")
    return name


def parse_date(value: str) -> Optional[datetime.datetime]:
    """Solr dates and date math (``NOW-7DAYS/DAY``) as naive UTC datetimes."""
    match = _DATE_MATH.match(value.strip())
    if not match:
        return None
    base = match.group("base")
    if base == "NOW":
        stamp = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    else:
        try:
            stamp = datetime.datetime.fromisoformat(base.rstrip("Z").replace(" ", "T"))
        except ValueError:
            return None
    for op in re.findall(r"[+-]\d+[A-Z]+|/[A-Z]+", match.group("math")):
        unit = _UNITS.get(re.sub(r"[^A-Z]", "", op).rstrip("S"))
        if unit is None:
            return None
        if op.startswith("/"):
            stamp = _round_down(stamp, unit)
        else:
            amount = int(re.sub(r"[A-Z]", "", op))
            stamp = stamp + relativedelta(**{unit: amount})
    return stamp


def _round_down(stamp: datetime.datetime, unit: str) -> datetime.datetime:
    keep = ["years", "months", "days", "hours", "minutes", "seconds"]
    parts = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
    names = ["month", "day", "hour", "minute", "second"]
    cut = keep.index(unit)
    reset = {k: parts[k] for k in names[cut:]}
    return stamp.replace(microsecond=0, **reset)


@dataclass
class Compiler:
    """Turns parse trees into SQL conditions; collects tsqueries for ranking."""

    stem_config: str
    rank_queries: list[Any] = field(default_factory=list)

    def condition(self, node: Optional[P.Node], negated: bool = False) -> Any:
        """SQL boolean for ``node``; None when the node says nothing."""
        if node is None:
            return None
        if isinstance(node, P.MatchAll):
            return sa.true()
        if isinstance(node, P.And):
            parts = [self.condition(c, negated) for c in node.children]
            parts = [p for p in parts if p is not None]
            return sa.and_(*parts) if parts else None
        if isinstance(node, P.Or):
            parts = [self.condition(c, negated) for c in node.children]
            parts = [p for p in parts if p is not None]
            return sa.or_(*parts) if parts else None
        if isinstance(node, P.Not):
            inner = self.condition(node.child, not negated)
            return None if inner is None else sa.not_(inner)
        if isinstance(node, P.Exists):
            return self._exists(_field_name(node.field))
        if isinstance(node, P.Range):
            return self._range(node)
        if isinstance(node, P.Term):
            return self._value(node.field, node.text, False, node.prefix, negated)
        if isinstance(node, P.Phrase):
            return self._value(node.field, node.text, True, False, negated)
        raise SearchQueryError(f"Unsupported query part: {node!r}")

    # values
    def _value(
        self, fld: Optional[str], text: str, phrase: bool, prefix: bool, negated: bool
    ) -> Any:
        if fld in VECTOR_FIELDS:
            tsq = self._tsquery(text, phrase, prefix, VECTOR_FIELDS[fld])
            if tsq is None:
                return None
            if not negated:
                self.rank_queries.append(tsq)
            return T.c.search_vector.op("@@")(tsq)
        assert fld is not None
        fld = _field_name(fld)
        if fld in TEXT_FIELDS or fld.startswith(TEXT_PREFIXES):
            tsq = self._tsquery(text, phrase, prefix, None)
            if tsq is None:
                return None
            values = T.c.data[fld].astext
            vector = sa.func.to_tsvector(
                regconfig(self.stem_config), sa.func.coalesce(values, "")
            ).op("||")(
                sa.func.to_tsvector(regconfig("simple"), sa.func.coalesce(values, ""))
            )
            return vector.op("@@")(tsq)
        if fld in NGRAM_FIELDS:
            col = T.c[NGRAM_FIELDS[fld]]
            return col.icontains(text, autoescape=True)
        if fld in DATE_COLUMNS:
            stamp = parse_date(text)
            if stamp is None:
                raise SearchQueryError(f"Invalid date for {fld}: {text!r}")
            return sa.and_(T.c[fld].isnot(None), T.c[fld] == stamp)
        if fld == "permission_labels":
            if prefix:
                raise SearchQueryError(
                    "Wildcards are not supported on permission_labels"
                )
            return T.c.permission_labels.contains([text])
        if fld in COLUMN_FIELDS:
            col = T.c[fld]
            cond = col.startswith(text, autoescape=True) if prefix else col == text
            return sa.and_(col.isnot(None), cond)
        if prefix:
            elem = self._elements(fld)
            return sa.exists(
                sa.select(sa.literal(1))
                .select_from(elem)
                .where(elem.c.value.startswith(text, autoescape=True))
            )
        return T.c.fields.contains({fld: [text]})

    def _tsquery(
        self, text: str, phrase: bool, prefix: bool, weight: Optional[str]
    ) -> Any:
        """``to_tsquery(stemmed) || to_tsquery(simple)`` of the words of ``text``.

        The tsquery text is built only from ``\\w+`` words, so no user
        character can reach tsquery syntax; it is a bound parameter anyway.
        """
        words = _WORD.findall(text)
        if not words:
            return None
        labels = weight or ""
        parts = [f"'{w}'" + (":" + labels if labels else "") for w in words]
        if prefix:
            parts[-1] = f"'{words[-1]}':*{labels}"
        source = (" <-> " if phrase else " & ").join(parts)
        stemmed = sa.func.to_tsquery(regconfig(self.stem_config), source)
        exact = sa.func.to_tsquery(regconfig("simple"), source)
        return stemmed.op("||")(exact)

    def _elements(self, fld: str) -> Any:
        return (
            sa.func.jsonb_array_elements_text(T.c.fields[fld])
            .table_valued("value")
            .alias("e")
        )

    def _exists(self, fld: str) -> Any:
        if fld in DATE_COLUMNS or fld in COLUMN_FIELDS:
            return T.c[fld].isnot(None)
        if fld == "permission_labels":
            return sa.func.cardinality(T.c.permission_labels) > 0
        return T.c.fields.has_key(fld)

    def _range(self, node: P.Range) -> Any:
        if node.field is None or node.field in VECTOR_FIELDS:
            raise SearchQueryError("Ranges need a field, e.g. tahun:[2020 TO 2025]")
        fld = _field_name(node.field)
        low, high = node.low, node.high
        bounds = [b for b in (low, high) if b is not None]
        if fld in DATE_COLUMNS:
            col: Any = T.c[fld]
            low_v, high_v = (self._date_bound(fld, b) for b in (low, high))
            return self._between(col, low_v, high_v, node, [col.isnot(None)])
        if fld in COLUMN_FIELDS:
            col = T.c[fld]
            return self._between(col, low, high, node, [col.isnot(None)])
        elem = self._elements(fld)
        value: Any = elem.c.value
        guard: list[Any] = []
        low_v: Any
        high_v: Any
        if bounds and all(_NUMBER.match(b) for b in bounds):
            guard = [value.op("~")(r"^-?\d+(\.\d+)?$")]
            value = sa.cast(value, sa.Numeric)
            low_v, high_v = (None if b is None else float(b) for b in (low, high))
        elif bounds and all(parse_date(b) is not None for b in bounds):
            guard = [value.op("~")(r"^\d{4}-\d{2}-\d{2}")]
            value = sa.case(
                (sa.func.length(value) == 10, value + "T00:00:00"),
                else_=sa.func.left(sa.func.replace(value, " ", "T"), 19),
            )
            low_v, high_v = (
                None if b is None else self._date_bound(fld, b).isoformat()[:19]
                for b in (low, high)
            )
        else:
            low_v, high_v = low, high
        cond = self._between(value, low_v, high_v, node, guard)
        return sa.exists(sa.select(sa.literal(1)).select_from(elem).where(cond))

    @staticmethod
    def _date_bound(fld: str, value: Optional[str]) -> Any:
        if value is None:
            return None
        stamp = parse_date(value)
        if stamp is None:
            raise SearchQueryError(f"Invalid date for {fld}: {value!r}")
        return stamp

    @staticmethod
    def _between(col: Any, low: Any, high: Any, node: P.Range, extra: list[Any]) -> Any:
        conds = list(extra)
        if low is not None:
            conds.append(col >= low if node.include_low else col > low)
        if high is not None:
            conds.append(col <= high if node.include_high else col < high)
        return sa.and_(*conds) if conds else sa.true()


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            return [value] if value else []
        return [str(v) for v in loaded] if isinstance(loaded, list) else [value]
    return [str(v) for v in value]


def _int(query: dict[str, Any], key: str, default: int) -> int:
    try:
        return int(query.get(key, default))
    except (TypeError, ValueError):
        raise SearchQueryError(f"{key} must be a whole number") from None


class PgPackageSearchQuery(PackageSearchQuery):
    """CKAN's package query, answered by PostgreSQL; same return shapes."""

    def get_all_entity_ids(self, max_results: int = 1000) -> list[str]:
        """Ids of indexed active datasets of this site."""
        stmt = (
            sa.select(T.c.id)
            .where(T.c.site_id == config.get("ckan.site_id"), T.c.state == "active")
            .limit(max_results)
        )
        return [r[0] for r in model.Session.execute(stmt)]

    def get_index(self, reference: str) -> dict[str, Any]:
        """The indexed document of one dataset, by name or id (as Solr has it)."""
        stmt = (
            sa.select(T.c.data, T.c.data_dict, T.c.validated_data_dict)
            .where(
                sa.or_(T.c.name == reference, T.c.id == reference),
                T.c.site_id == config.get("ckan.site_id"),
            )
            .limit(1)
        )
        row = model.Session.execute(stmt).first()
        if row is None:
            raise SearchError(f"Dataset not found in the search index: {reference}")
        doc = dict(row.data)
        doc["data_dict"] = row.data_dict
        doc["validated_data_dict"] = row.validated_data_dict
        return doc

    def run(
        self,
        query: dict[str, Any],
        permission_labels: Optional[list[str]] = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Search; sets ``results``, ``count`` and ``facets`` like CKAN's Solr query."""
        if not set(query.keys()) <= VALID_SOLR_PARAMETERS:
            invalid = sorted(set(query.keys()) - VALID_SOLR_PARAMETERS)
            raise SearchQueryError(f"Invalid search parameters: {invalid}")

        compiler = Compiler(text_search_config())
        conds = self._conditions(query, compiler, permission_labels)
        where = sa.and_(*conds) if conds else sa.true()
        rank: Any = (
            sa.func.ts_rank(
                sa.literal(RANK_WEIGHTS).cast(sa.ARRAY(sa.REAL)),
                T.c.search_vector,
                _or_all(compiler.rank_queries),
            )
            if compiler.rank_queries
            else None
        )

        rows = _int(query, "rows", 10)
        start = _int(query, "start", 0)
        if rows < 0 or start < 0:
            raise SearchQueryError("rows and start must not be negative")
        order = self._order(query.get("sort"), rank)
        fl = [f for f in re.split(r"[\s,]+", str(query.get("fl") or "name")) if f]

        try:
            # a savepoint: a failing search must not spoil the caller's transaction
            with model.Session.begin_nested():
                self.count, self.facets = self._count_and_facets(query, where)
                self.results = (
                    self._results(where, rank, order, fl, rows, start)
                    if self.count > start
                    else []
                )
        except DBAPIError as e:
            raise SearchQueryError(f"Search query failed: {e.orig}") from None

        if query.get("fl") in ("id", "name"):
            self.results = [r.get(query["fl"]) for r in self.results]
        return {"results": self.results, "count": self.count}

    # pieces of run
    def _conditions(
        self,
        query: dict[str, Any],
        compiler: Compiler,
        permission_labels: Optional[list[str]],
    ) -> list[Any]:
        q = query.get("q")
        if not q or q in ('""', "''"):
            q = "*:*"
        conds: list[Any] = []
        try:
            q_tree = P.parse(q)
        except SearchQueryError:
            # dismax (CKAN's default for q without ':') reads bad syntax as words
            dismax = query.get("defType", "dismax") == "dismax" and ":" not in q
            if not dismax:
                raise
            q_tree = P.parse_plain(q)
        q_cond = compiler.condition(q_tree)
        if q_cond is not None:
            conds.append(q_cond)

        fq: list[str] = []
        raw_fq = query.get("fq")
        if isinstance(raw_fq, (list, tuple)):
            fq.extend(str(f) for f in raw_fq)
        elif raw_fq:
            fq.append(str(raw_fq))
        fq.extend(str(f) for f in query.get("fq_list") or [])
        filter_compiler = Compiler(compiler.stem_config)
        for item in fq:
            cond = filter_compiler.condition(P.parse(item))
            if cond is not None:
                conds.append(cond)

        conds.append(T.c.site_id == config.get("ckan.site_id"))
        if not any("+state:" in item for item in fq):
            conds.append(T.c.state == "active")
        if permission_labels is not None:
            conds.append(T.c.permission_labels.overlap(list(permission_labels)))
        return conds

    def _order(self, sort: Optional[str], rank: Any) -> list[Any]:
        sort = sort or "score desc, metadata_modified desc"
        order: list[Any] = []
        for item in sort.split(","):
            parts = item.split()
            if not parts:
                continue
            if len(parts) != 2 or parts[1].lower() not in ("asc", "desc"):
                raise SearchQueryError('Invalid "sort" parameter')
            name, direction = parts[0], parts[1].lower()
            if not _FIELD_NAME.match(name):
                raise SearchQueryError('Invalid "sort" parameter')
            if name == "score":
                if rank is None:  # no free text: every score is the same
                    continue
                expr: Any = rank
            elif name in COLUMN_FIELDS or name in DATE_COLUMNS:
                expr = T.c[name]
            elif name == "title":
                expr = T.c.title_string
            else:
                expr = T.c.fields[name].op("->>")(0)
            expr = expr.asc() if direction == "asc" else expr.desc()
            order.append(expr.nulls_last())
        order.append(T.c.id.asc())
        return order

    def _results(
        self,
        where: Any,
        rank: Any,
        order: list[Any],
        fl: list[str],
        rows: int,
        start: int,
    ) -> list[dict[str, Any]]:
        if rows == 0:
            return []
        wants = set(fl)
        plain = {"id", "name", "data_dict", "validated_data_dict", "score"}
        score = rank if rank is not None else sa.literal(1.0, sa.Float)
        cols: list[Any] = [T.c.id, T.c.name, score.label("score")]
        needs_data = "*" in wants or bool(wants - plain)
        if needs_data:
            cols.append(T.c.data)
        for own in ("data_dict", "validated_data_dict"):
            if own in wants or "*" in wants:
                cols.append(T.c[own])
        stmt = sa.select(*cols).where(where).order_by(*order).limit(rows).offset(start)
        results = []
        for row in model.Session.execute(stmt).mappings():
            stored: dict[str, Any] = dict(row["data"]) if needs_data else {}
            stored.update(id=row["id"], name=row["name"], score=row["score"])
            for own in ("data_dict", "validated_data_dict"):
                if own in row:
                    stored[own] = row[own]
            doc: dict[str, Any] = {}
            for name in fl:
                if name == "*":
                    doc.update({k: v for k, v in stored.items() if k != "score"})
                elif "*" in name or "?" in name:
                    doc.update(
                        {
                            k: v
                            for k, v in stored.items()
                            if fnmatch.fnmatchcase(k, name)
                        }
                    )
                elif name in stored:
                    doc[name] = stored[name]
            # like CKAN's Solr query: extras_* keys come back as an extras dict
            extras = {
                key[len("extras_") :]: doc.pop(key)
                for key in [k for k in doc if k.startswith("extras_")]
            }
            doc["extras"] = extras
            results.append(doc)
        return results

    def _count_and_facets(
        self, query: dict[str, Any], where: Any
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """The count and every facet in one statement over the matched rows.

        The rows matching ``where`` are computed once (a CTE); each facet is a
        GROUP BY over them (list values one by one), all in a UNION ALL.
        """
        names: list[str] = []
        if str(query.get("facet", "true")).lower() != "false":
            names = [_field_name(n) for n in _as_list(query.get("facet.field"))]
        limit = _int(query, "facet.limit", config.get("search.facets.limit"))
        mincount = _int(query, "facet.mincount", 1)

        columns = sorted({n for n in names if n in COLUMN_FIELDS} | {"id"})
        generic = any(n not in COLUMN_FIELDS for n in names)
        matched = (
            sa.select(*(T.c[c] for c in columns), *([T.c.fields] if generic else []))
            .where(where)
            .cte("matched")
        )
        n = sa.func.count().label("n")
        branches: list[Any] = [
            sa.select(
                sa.literal(-1).label("k"), sa.null().cast(sa.Text).label("v"), n
            ).select_from(matched)
        ]
        for i, name in enumerate(names):
            if name in COLUMN_FIELDS:
                value: Any = matched.c[name]
                sel = sa.select(sa.literal(i).label("k"), value.label("v"), n).where(
                    value.isnot(None)
                )
            else:
                elem = (
                    sa.func.jsonb_array_elements_text(matched.c.fields[name])
                    .table_valued("value")
                    .alias(f"e{i}")
                )
                value = elem.c.value
                sel = sa.select(
                    sa.literal(i).label("k"), value.label("v"), n
                ).select_from(matched.join(elem, sa.true()))
            sel = sel.group_by(value)
            if mincount > 1:
                sel = sel.having(sa.func.count() >= mincount)
            if limit >= 0:
                sel = sel.order_by(sa.desc("n"), sa.asc("v")).limit(limit)
            sub = sel.subquery(f"f{i}")
            branches.append(sa.select(sub.c.k, sub.c.v, sub.c.n))
        rows = model.Session.execute(sa.union_all(*branches)).all()

        count = 0
        facets: dict[str, dict[str, int]] = {name: {} for name in names}
        per_facet: dict[int, list[tuple[str, int]]] = {}
        for k, v, total in rows:
            if k == -1:
                count = int(total)
            elif total >= mincount:
                per_facet.setdefault(k, []).append((str(v), int(total)))
        for k, values in per_facet.items():
            if limit >= 0:
                values.sort(key=lambda item: (-item[1], item[0]))
            else:
                values.sort()
            facets[names[k]] = dict(values)
        return count, facets


def _or_all(queries: list[Any]) -> Any:
    combined = queries[0]
    for q in queries[1:]:
        combined = combined.op("||")(q)
    return combined
