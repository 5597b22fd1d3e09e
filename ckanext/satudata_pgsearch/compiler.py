"""Compiling parsed ``q``/``fq`` trees into SQL conditions on the index table.

User text only ever travels as bound parameters; field names are checked
against ``_FIELD_NAME`` before they name a column or a JSON key.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from ckan.lib.search.common import SearchQueryError
from dateutil.relativedelta import relativedelta
from sqlalchemy.dialects.postgresql import ARRAY

from . import parser as P
from .index import is_faceted, regconfig
from .model import search_index_table as T
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
    # milliseconds, like Solr's dates (and the index's)
    return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)


def _round_down(stamp: datetime.datetime, unit: str) -> datetime.datetime:
    keep = ["years", "months", "days", "hours", "minutes", "seconds"]
    parts = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
    names = ["month", "day", "hour", "minute", "second"]
    cut = keep.index(unit)
    reset = {k: parts[k] for k in names[cut:]}
    return stamp.replace(microsecond=0, **reset)


@dataclass
class Compiler:
    """Turns parse trees into SQL conditions; collects tsqueries for ranking
    and the term lookups of faceted fields (see ``_has_term``)."""

    stem_config: str
    rank_queries: list[Any] = field(default_factory=list)
    term_lookups: list[Any] = field(default_factory=list)

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
        if is_faceted(fld):
            value = TERMS.c.value
            match = value.startswith(text, autoescape=True) if prefix else value == text
            return self._has_term(fld, match)
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

    def _has_term(self, fld: str, value_cond: Any) -> Any:
        """Whether the row has a value of ``fld`` meeting ``value_cond`` (on
        the terms' ``value``), through ``facet_ids``' GIN index.

        The term ids are a parameter, looked up before the search (see
        ``resolve_terms``): given as constants, the planner estimates the
        filter from the column's statistics (an InitPlan would be guessed at
        1 % of the rows, and a broad filter preferred to the text's index).
        """
        name = f"terms_{len(self.term_lookups)}"
        self.term_lookups.append(
            sa.select(TERMS.c.term_id).where(TERMS.c.field == fld, value_cond)
        )
        return T.c.facet_ids.op("&&", return_type=sa.Boolean)(
            sa.bindparam(name, type_=ARRAY(sa.Integer))
        )

    def resolve_terms(self, session: Any) -> dict[str, list[int]]:
        """The term ids of every ``_has_term`` filter, in one statement."""
        if not self.term_lookups:
            return {}
        parts = [
            lookup.add_columns(sa.literal(n).label("k"))
            for n, lookup in enumerate(self.term_lookups)
        ]
        found: dict[str, list[int]] = {
            f"terms_{n}": [] for n in range(len(self.term_lookups))
        }
        for term_id, k in session.execute(sa.union_all(*parts)):
            found[f"terms_{k}"].append(term_id)
        return found

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
        faceted = is_faceted(fld)
        elem = self._elements(fld)
        value: Any = TERMS.c.value if faceted else elem.c.value
        guard: list[Any] = []
        low_v: Any
        high_v: Any
        if bounds and all(_NUMBER.match(b) for b in bounds):
            # cast only what is a number (a CASE: the planner may order the
            # conditions of an AND as it likes)
            value = sa.case(
                (value.op("~")(r"^-?\d+(\.\d+)?$"), sa.cast(value, sa.Numeric))
            )
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
        if faceted:
            return self._has_term(fld, cond)
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


def _vector_word(node: Any) -> bool:
    """A word or phrase answered from the whole or weighted vector."""
    return isinstance(node, (P.Term, P.Phrase)) and node.field in VECTOR_FIELDS


def _or_all(queries: list[Any]) -> Any:
    combined = queries[0]
    for q in queries[1:]:
        combined = combined.op("||")(q)
    return combined
