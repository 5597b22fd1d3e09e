"""Answering ``PackageSearchQuery.run`` from ``satudata_search_index``.

CKAN's ``package_search`` keeps its validation, auth, labels and hooks and
hands the Solr parameters here; the parsed ``q``/``fq`` trees become SQL
expressions (``compiler``) whose user text only ever travels as bound
parameters.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any, Optional

import ckan.model as model
import sqlalchemy as sa
from ckan.common import config
from ckan.lib.search.common import SearchError, SearchQueryError
from ckan.lib.search.query import (
    MAGIC_FIELD_RE,
    QUERY_PARSER_RE,
    VALID_SOLR_PARAMETERS,
    PackageSearchQuery,
    _get_local_query_parser,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.exc import DBAPIError

from . import cache
from . import parser as P
from .compiler import (
    _FIELD_NAME,
    COLUMN_FIELDS,
    DATE_COLUMNS,
    Compiler,
    _field_name,
    _or_all,
)
from .index import is_faceted, text_search_config
from .model import search_index_table as T
from .model import search_state_table as S
from .model import search_term_table as TERMS
from .parser import _

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


def _check_query_parser(param: str, value: Any) -> None:
    """CKAN's refusal of magic fields, local parameters and query parsers
    (``PackageSearchQuery.run``), with its messages."""
    if not isinstance(value, str):
        return
    value = value.strip()
    if re.search(MAGIC_FIELD_RE, value):
        raise SearchError(f"Magic fields are not supported in param '{param}'.")
    match = QUERY_PARSER_RE.findall(value)
    if match:
        if len(match) > 1:
            raise SearchError(f"Query parsers are not supported in param '{param}'.")
        if not value.startswith("{!"):
            raise SearchError(
                "Local parameters must be defined at the beginning of param "
                f"'{param}'.")
        allowed = config.get("ckan.search.solr_allowed_query_parsers")
        if _get_local_query_parser(value) not in allowed:
            raise SearchError(f"Local parameters are not supported in param '{param}'.")


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
        """The indexed document of one dataset, by name or id (as Solr has it).

        ``reference`` is compared as text, as in Solr's query string: CKAN
        passes SQLAlchemy ``Row`` objects here (bulk updates, organization
        purge); they find nothing and CKAN falls back to the database.
        """
        reference = str(reference)
        stmt = (
            sa.select(T.c.data, T.c.data_dict, T.c.validated_data_dict)
            .where(
                sa.or_(T.c.name == reference, T.c.id == reference),
                T.c.site_id == config.get("ckan.site_id"),
            )
            .limit(1)
        )
        try:
            with model.Session.begin_nested():
                row = model.Session.execute(stmt).first()
        except DBAPIError as e:
            raise SearchError(_("Search query failed: {error}").format(
                error=e.orig)) from None
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
        for param, value in query.items():
            for item in value if isinstance(value, list) else [value]:
                _check_query_parser(param, item)

        compiler = Compiler(text_search_config())
        try:
            conds = self._conditions(query, compiler, permission_labels)
        except SearchQueryError as e:
            # what Solr answers for a query it cannot parse: CKAN shows the
            # search page with its error, the API answers 409
            raise SearchError(str(e)) from None
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
                generation, tuned = (
                    cache.current_generation(*_planner_settings())
                    if key
                    else (None, False)
                )
                answer = (
                    cache.answers.get(key, generation) if key and generation else None
                )
                if answer is None:
                    if not tuned:
                        model.Session.execute(sa.select(*_planner_settings()))
                    terms = compiler.resolve_terms(model.Session)
                    answer, seen = self._search(
                        query, where, rank, order, rows, start, terms
                    )
                    # the term ids were read by a statement of their own: the
                    # answer is kept only if no write came between the two
                    if key and seen and (seen == generation or not terms):
                        cache.answers.put(key, seen, answer)
                self.count, self.facets, page = answer
                self.results = self._results(page, fl)
        except DBAPIError as e:
            raise SearchError(_("Search query failed: {error}").format(
                error=e.orig)) from None

        if query.get("fl", "name") in ("id", "name"):
            self.results = [r.get(query.get("fl", "name")) for r in self.results]
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
        except SearchQueryError as e:
            # dismax (CKAN's default for q without ':') reads bad syntax as words
            dismax = query.get("defType", "dismax") == "dismax" and ":" not in q
            if not dismax or isinstance(e, P.OperatorError):
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
        filter_compiler = Compiler(
            compiler.stem_config, term_lookups=compiler.term_lookups
        )
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
        terms: dict[str, list[int]],
    ) -> tuple[cache.Answer, Optional[str]]:
        """The count, every facet and the page's ids, in one statement.

        Also the index generation the statement saw (None when this
        transaction set it), to cache the answer under. ``terms`` are the
        term ids of the facet filters (``Compiler.resolve_terms``).

        The matching rows are computed once for the count, the page and the
        facets (a CTE, with their rank and sort keys; the page is an ORDER BY
        ... LIMIT over it). Faceted fields are counted from the matching
        rows' ``facet_ids``, cut to the requested fields' terms as they are
        read (see ``_side_facets``); other fields (e.g. ``name``) are grouped
        from the CTE, from their column or from ``fields``.
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
                *([_requested_ids(side).label("facet_ids")] if side else []),
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
                sa.select(
                    matched.c.id,
                    matched.c.score,
                    *(c for c in matched.c if c.name.startswith("s") and
                      c.name[1:].isdigit()),
                )
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
            branches.append(self._side_facets(matched, side, limit, mincount, branch))
        for name in others:
            branches.append(self._other_facet(matched, name, limit, mincount, branch))

        count = 0
        generation: Optional[str] = None
        facets: dict[str, dict[str, int]] = {name: {} for name in names}
        per_facet: dict[str, list[tuple[str, int]]] = {}
        page_rows: list[tuple[int, str, float]] = []
        statement = sa.union_all(*branches)
        for k, v, total, sc in model.Session.execute(statement, terms):
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
        matched: Any, names: list[str], limit: int, mincount: int, branch: Any
    ) -> Any:
        """Facets of ``names`` from the matching rows' requested term ids.

        One GROUP BY of small integers for all the fields, then their field
        and value from the terms, ``facet.limit`` applied per field by a
        window function: the work follows the number of matches and of their
        values in the requested fields only.
        """
        ids = (
            sa.select(sa.func.unnest(matched.c.facet_ids).label("term_id"))
            .subquery("u")
        )
        n = sa.func.count()
        counted = sa.select(ids.c.term_id, n.label("n")).group_by(ids.c.term_id)
        if mincount > 1:
            counted = counted.having(n >= mincount)
        counts = counted.subquery("counts")
        rn = (
            sa.func.row_number()
            .over(partition_by=TERMS.c.field, order_by=(counts.c.n.desc(),
                                                        TERMS.c.value.asc()))
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
        """A facet of a field not in ``facet_ids``: its column or ``fields``."""
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


def _requested_ids(names: list[str]) -> Any:
    """A row's ``facet_ids`` cut to the terms of the fields ``names``.

    intarray's ``&`` intersects the two sorted arrays in C, once per row:
    the facet count then unnests only the values it counts (a row has ~25
    faceted values, a /dataset page asks for a handful of fields).
    """
    wanted = (
        sa.select(
            sa.func.array_agg(aggregate_order_by(TERMS.c.term_id, TERMS.c.term_id))
        )
        .where(TERMS.c.field.in_(names))
        .scalar_subquery()
    )
    return T.c.facet_ids.op("&", return_type=ARRAY(sa.Integer))(wanted)


def _planner_settings() -> list[Any]:
    """SET LOCAL of the search's planner settings (``PLANNER_SETTINGS``), as
    columns: they run with the statement that reads the cache generation."""
    return [
        sa.func.set_config(name, value, True).label(f"set_{name}")
        for name, value in PLANNER_SETTINGS
    ]
