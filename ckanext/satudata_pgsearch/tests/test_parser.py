"""The Lucene-ish parser, on its own (no database)."""

from __future__ import annotations

import pytest
from ckan.lib.search.common import SearchQueryError

from ckanext.satudata_pgsearch import parser as P
from ckanext.satudata_pgsearch.backend import (
    UnsupportedCkanVersion,
    check_ckan_version,
)
from ckanext.satudata_pgsearch.compiler import parse_date


def test_terms_join_with_and_and_or_binds_looser():
    assert P.parse("a b OR c") == P.Or(
        (P.And((P.Term(None, "a"), P.Term(None, "b"))), P.Term(None, "c"))
    )


def test_fields_groups_and_prefix_operators():
    tree = P.parse('+capacity:public -state:(draft OR deleted) title:"x y"')
    assert tree == P.And(
        (
            P.Term("capacity", "public"),
            P.Not(P.Or((P.Term("state", "draft"), P.Term("state", "deleted")))),
            P.Phrase("title", "x y"),
        )
    )


def test_ranges_keep_colons_in_dates_and_open_ends():
    assert P.parse("metadata_modified:[2024-01-01T00:00:00Z TO *]") == P.Range(
        "metadata_modified", "2024-01-01T00:00:00Z", None, True, True
    )
    assert P.parse("tahun:{2020 TO 2025]") == P.Range("tahun", "2020", "2025", False)


def test_match_all_exists_prefix_and_ignored_boosts():
    assert P.parse("*:*") == P.MatchAll()
    assert P.parse("notes:*") == P.Exists("notes")
    assert P.parse("pendid*^2") == P.Term(None, "pendid", prefix=True)
    assert P.parse("a && !b") == P.And((P.Term(None, "a"), P.Not(P.Term(None, "b"))))


def test_hyphenated_codes_and_escapes_stay_one_term():
    assert P.parse("kode_data:2025-DINKES-001") == P.Term(
        "kode_data", "2025-DINKES-001"
    )
    assert P.parse(r"url:http\://x") == P.Term("url", "http://x")


@pytest.mark.parametrize(
    "text",
    [
        "((",
        "title:((",
        "a:b:c",
        "[1 TO",
        '"open',
        "x^",
        "{!lucene}x",
        "_val_:1",
        "tahun:[1 2]",
        "pe*nd",
        "a AND",
        ")",
    ],
)
def test_bad_syntax_raises_search_query_error(text: str):
    with pytest.raises(SearchQueryError):
        P.parse(text)


def test_plain_reading_for_dismax_keeps_only_words():
    assert P.parse_plain("data (2024") == P.And(
        (P.Term(None, "data"), P.Term(None, "2024"))
    )
    assert P.parse_plain("((") is None


def test_date_math():
    assert parse_date("2024-03-05T10:11:12Z").isoformat() == "2024-03-05T10:11:12"
    assert parse_date("2024-03-05T10:11:12Z/DAY").isoformat() == "2024-03-05T00:00:00"
    assert (
        parse_date("2024-03-05T00:00:00Z+1MONTH").isoformat() == "2024-04-05T00:00:00"
    )
    assert parse_date("NOW-1DAY") is not None
    assert parse_date("yesterday") is None


def test_other_ckan_minor_versions_are_refused():
    check_ckan_version("2.12.3")
    with pytest.raises(UnsupportedCkanVersion, match="2.12"):
        check_ckan_version("2.11.5")
