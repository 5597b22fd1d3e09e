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

from . import cache
from . import parser as P
from .index import is_faceted, regconfig, text_search_config
from .model import search_facet_table as F
from .model import search_index_table as T
from .model import search_state_table as S
from .model import search_term_table as TERMS
from .parser import _

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
# Planner settings for the search (SET LOCAL: they end with the transaction).
# The index is small and cached, so random reads cost about what sequential
# ones do; with the default 4.0 PostgreSQL prefers reading every row's vector
# to the GIN index even for fairly selective words. The facet join hashes
# tens of thousands of rows: enough memory to do it without temporary files.
PLANNER_SETTINGS = (("random_page_cost", "1.1"), ("work_mem", "32MB"))
# Union rows that carry the count and the page rather than a facet value.
_COUNT, _PAGE, _GENERATION = "#count", "#page", "#generation"

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
        raise SearchQueryError(_("Invalid field name: {name}").format(name=repr(name)))
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
            # words on the vector: one ``@@`` of their tsqueries joined by
            # ``&&`` (each ``@@`` would read the row's vector again)
            words = [c for c in node.children if _vector_word(c)]
            parts = [
                self.condition(c, negated)
                for c in node.children
                if len(words) < 2 or c not in words
            ]
            if len(words) >= 2:
                parts.insert(0, self._vector_all(words, negated))
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
        raise SearchQueryError(
            _("Unsupported query part: {part}").format(part=repr(node)))

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
                raise SearchQueryError(_("Invalid date for {field}: {value}").format(
                    field=fld, value=repr(text)))
            return sa.and_(T.c[fld].isnot(None), T.c[fld] == stamp)
        if fld == "permission_labels":
            if prefix:
                raise SearchQueryError(
                    _("Wildcards are not supported on permission_labels"))
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

    def _vector_all(self, words: list[Any], negated: bool) -> Any:
        """``vector @@ (q1 && q2 ...)`` for vector words that must all match."""
        queries = []
        for word in words:
            tsq = self._tsquery(
                word.text,
                isinstance(word, P.Phrase),
                bool(getattr(word, "prefix", False)),
                VECTOR_FIELDS[word.field],
            )
            if tsq is not None:
                queries.append(tsq)
        if not queries:
            return None
        if not negated:
            self.rank_queries.extend(queries)
        combined = queries[0]
        for tsq in queries[1:]:
            combined = combined.op("&&")(tsq)
        return T.c.search_vector.op("@@")(combined)

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
            raise SearchQueryError(
                _("Ranges need a field, e.g. tahun:[2020 TO 2025]"))
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
            raise SearchQueryError(_("Invalid date for {field}: {value}").format(
                field=fld, value=repr(value)))
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
        raise SearchQueryError(
            _("{parameter} must be a whole number").format(parameter=key)) from None


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
            raise SearchError(_("Dataset not found in the search index: {reference}")
                              .format(reference=reference))
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
            raise SearchQueryError(_("Invalid search parameters: {names}").format(
                names=", ".join(invalid)))

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
            raise SearchQueryError(_("rows and start must not be negative"))
        order = self._order(query.get("sort"), rank)
        fl = [f for f in re.split(r"[\s,]+", str(query.get("fl") or "name")) if f]

        try:
            # a savepoint: a failing search must not spoil the caller's transaction
            with model.Session.begin_nested():
                key = cache.cache_key(query, permission_labels)
                generation = cache.current_generation() if key else None
                answer = (
                    cache.answers.get(key, generation) if key and generation else None
                )
                if answer is None:
                    _tune_planner()
                    answer, seen = self._search(query, where, rank, order, rows, start)
                    if key and seen:
                        cache.answers.put(key, seen, answer)
                self.count, self.facets, page = answer
                self.results = self._results(page, fl)
        except DBAPIError as e:
            raise SearchQueryError(_("Search query failed: {error}").format(
                error=e.orig)) from None

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

    def _order(self, sort: Optional[str], rank: Any) -> list[tuple[Any, bool]]:
        """The sort keys, as (expression, descending) pairs; ``id`` breaks ties."""
        sort = sort or "score desc, metadata_modified desc"
        order: list[tuple[Any, bool]] = []
        for item in sort.split(","):
            parts = item.split()
            if not parts:
                continue
            if len(parts) != 2 or parts[1].lower() not in ("asc", "desc"):
                raise SearchQueryError(_('Invalid "sort" parameter'))
            name, direction = parts[0], parts[1].lower()
            if not _FIELD_NAME.match(name):
                raise SearchQueryError(_('Invalid "sort" parameter'))
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
            order.append((expr, direction == "desc"))
        return order

    def _results(
        self, page: list[tuple[str, float]], fl: list[str]
    ) -> list[dict[str, Any]]:
        """The stored documents of the page's ids (in page order), cut to ``fl``.

        Only the returned rows are read for ``data`` and the dicts.
        """
        if not page:
            return []
        wants = set(fl)
        plain = {"id", "name", "data_dict", "validated_data_dict", "score"}
        cols: list[Any] = [T.c.id, T.c.name]
        needs_data = "*" in wants or bool(wants - plain)
        if needs_data:
            cols.append(T.c.data)
        for own in ("data_dict", "validated_data_dict"):
            if own in wants or "*" in wants:
                cols.append(T.c[own])
        ids = [pid for pid, _ in page]
        stmt = sa.select(*cols).where(T.c.id.in_(ids))
        found = {row["id"]: row for row in model.Session.execute(stmt).mappings()}
        results = []
        for pid, score in page:
            row = found.get(pid)
            if row is None:  # removed since: the page statement saw it
                continue
            stored: dict[str, Any] = dict(row["data"]) if needs_data else {}
            stored.update(id=row["id"], name=row["name"], score=score)
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

    def _search(
        self,
        query: dict[str, Any],
        where: Any,
        rank: Any,
        order: list[tuple[Any, bool]],
        rows: int,
        start: int,
    ) -> tuple[cache.Answer, Optional[str]]:
        """The count, every facet and the page's ids, in one statement.

        Also the index generation the statement saw (None when this
        transaction set it), to cache the answer under.

        The matching rows are computed once for the count and the page (a
        CTE, with their rank and sort keys; the page is an ORDER BY ... LIMIT
        over it). Facets of fields with facet rows are one join of the
        matching rows to ``satudata_search_facet`` and one GROUP BY term for
        all of them, ``facet.limit`` applied per field by a window function;
        other fields (e.g. ``name``) are grouped from the CTE, from their
        column or from ``fields`` as before.
        """
        names: list[str] = []
        if str(query.get("facet", "true")).lower() != "false":
            names = [_field_name(n) for n in _as_list(query.get("facet.field"))]
        limit = _int(query, "facet.limit", config.get("search.facets.limit"))
        mincount = _int(query, "facet.mincount", 1)

        side = sorted({n for n in names if is_faceted(n)})
        others = sorted({n for n in names if not is_faceted(n)})
        columns = sorted({n for n in others if n in COLUMN_FIELDS} | {"id"})
        generic = any(n not in COLUMN_FIELDS for n in others)
        score = rank if rank is not None else sa.literal(1.0, sa.Float)
        # sort keys other than the rank (computed once, as ``score``)
        keys = [
            expr.label(f"s{i}") for i, (expr, _) in enumerate(order) if expr is not rank
        ]
        matched = (
            sa.select(
                *(T.c[c] for c in columns),
                *([T.c.fields] if generic else []),
                score.label("score"),
                *keys,
            )
            .where(where)
            .cte("matched")
        )

        def branch(k: Any, v: Any, n: Any, sc: Any = None) -> list[Any]:
            return [
                sa.cast(k, sa.Text).label("k"),
                sa.cast(v, sa.Text).label("v"),
                sa.cast(n, sa.BigInteger).label("n"),
                sa.cast(sc if sc is not None else sa.null(), sa.Float).label("sc"),
            ]

        branches: list[Any] = [
            sa.select(
                *branch(sa.literal(_COUNT), sa.null(), sa.func.count())
            ).select_from(matched)
        ]
        if rows > 0:

            def sort_by(rel: Any) -> list[Any]:
                cols = [
                    rel.c.score if expr is rank else rel.c[f"s{i}"]
                    for i, (expr, _) in enumerate(order)
                ]
                return [
                    (col.desc() if desc else col.asc()).nulls_last()
                    for col, (_, desc) in zip(cols, order, strict=True)
                ] + [rel.c.id.asc()]

            # ORDER BY ... LIMIT (a top-N sort), then numbered: 20 rows
            top = (
                sa.select(matched)
                .order_by(*sort_by(matched))
                .limit(rows)
                .offset(start)
                .subquery("top")
            )
            pos = sa.func.row_number().over(order_by=sort_by(top))
            branches.append(
                sa.select(*branch(sa.literal(_PAGE), top.c.id, pos, top.c.score))
            )
        mine = sa.case((cache.generation_columns()[1], 1.0), else_=0.0)
        branches.append(
            sa.select(
                *branch(sa.literal(_GENERATION), cache.generation_columns()[0], 0, mine)
            ).where(S.c.id == 1)
        )
        if side:
            branches.append(self._side_facets(where, side, limit, mincount, branch))
        for name in others:
            branches.append(self._other_facet(matched, name, limit, mincount, branch))

        count = 0
        generation: Optional[str] = None
        facets: dict[str, dict[str, int]] = {name: {} for name in names}
        per_facet: dict[str, list[tuple[str, int]]] = {}
        page_rows: list[tuple[int, str, float]] = []
        for k, v, total, sc in model.Session.execute(sa.union_all(*branches)):
            if k == _GENERATION:
                generation = None if sc else str(v)
            elif k == _COUNT:
                count = int(total)
            elif k == _PAGE:
                page_rows.append((int(total), str(v), float(sc)))
            elif total >= mincount:
                per_facet.setdefault(k, []).append((str(v), int(total)))
        for k, values in per_facet.items():
            if limit >= 0:
                values.sort(key=lambda item: (-item[1], item[0]))
            else:
                values.sort()
            facets[k] = dict(values)
        page_rows.sort()
        page = [(pid, sc) for _, pid, sc in page_rows]
        return (count, facets, page), generation

    @staticmethod
    def _side_facets(
        where: Any, names: list[str], limit: int, mincount: int, branch: Any
    ) -> Any:
        """Facets of ``names`` from the facet rows of the matching datasets."""
        n = sa.func.count()
        # The matching rows again, not from the CTE: the planner knows
        # nothing of a CTE's doc_ids (it guesses 200 distinct values) and then
        # walks the facet rows dataset by dataset (0.5 s at 9,000 matches).
        # Joined to the table it hashes the matching doc_ids and probes the
        # facet rows of the requested fields (an index-only scan).
        counted = (
            sa.select(F.c.term_id, n.label("n"))
            .select_from(F.join(T, T.c.doc_id == F.c.doc_id))
            .where(
                where,
                F.c.term_id.in_(
                    sa.select(TERMS.c.term_id).where(TERMS.c.field.in_(names))
                ),
            )
            .group_by(F.c.term_id)
        )
        if mincount > 1:
            counted = counted.having(n >= mincount)
        counts = counted.subquery("counts")
        rn = (
            sa.func.row_number()
            .over(
                partition_by=TERMS.c.field,
                order_by=(counts.c.n.desc(), TERMS.c.value.asc()),
            )
            .label("rn")
        )
        ranked = (
            sa.select(TERMS.c.field, TERMS.c.value, counts.c.n, rn)
            .select_from(counts.join(TERMS, TERMS.c.term_id == counts.c.term_id))
            .subquery("ranked")
        )
        sel = sa.select(*branch(ranked.c.field, ranked.c.value, ranked.c.n))
        if limit >= 0:
            sel = sel.where(ranked.c.rn <= limit)
        return sel

    @staticmethod
    def _other_facet(
        matched: Any, name: str, limit: int, mincount: int, branch: Any
    ) -> Any:
        """A facet of a field without facet rows: its column or ``fields``."""
        if name in COLUMN_FIELDS:
            value: Any = matched.c[name]
            sel = sa.select(*branch(sa.literal(name), value, sa.func.count())).where(
                value.isnot(None)
            )
        else:
            elem = (
                sa.func.jsonb_array_elements_text(matched.c.fields[name])
                .table_valued("value")
                .alias("e")
            )
            value = elem.c.value
            sel = sa.select(
                *branch(sa.literal(name), value, sa.func.count())
            ).select_from(matched.join(elem, sa.true()))
        sel = sel.group_by(value)
        if mincount > 1:
            sel = sel.having(sa.func.count() >= mincount)
        if limit >= 0:
            sel = sel.order_by(sa.func.count().desc(), value.asc()).limit(limit)
        return sa.select(sel.subquery())


def _tune_planner() -> None:
    """SET LOCAL the planner settings of the search (see PLANNER_SETTINGS)."""
    model.Session.execute(
        sa.select(
            *(sa.func.set_config(name, value, True) for name, value in PLANNER_SETTINGS)
        )
    )


def _vector_word(node: Any) -> bool:
    """A word or phrase answered from the whole or weighted vector."""
    return isinstance(node, (P.Term, P.Phrase)) and node.field in VECTOR_FIELDS


def _or_all(queries: list[Any]) -> Any:
    combined = queries[0]
    for q in queries[1:]:
        combined = combined.op("||")(q)
    return combined
