"""package_search answered by PostgreSQL: q, fq, facets, sort, paging, fl.

Datasets are made with package_create and searched with CKAN's own
package_search action, so validation, auth and hooks are CKAN's.
"""

from __future__ import annotations

import pytest
from ckan.lib.search.common import SearchError
from ckan.logic import ValidationError

pytestmark = pytest.mark.usefixtures("with_plugins")


# q: free text, fields, phrases, boolean operators
def test_free_text_ranks_title_above_notes_and_stems_indonesian(catalog):
    # "pendidikan" stems to "didik": the title "Pendidik" and the notes of
    # "penduduk" ("pendidikan") both match; the title match ranks first.
    assert catalog.names(q="pendidikan") == ["pendidik", "penduduk"]


def test_stemming_finds_pendidik_for_pendidikan(catalog):
    result = catalog.search(q="pendidikan", fq="organization:dinkes")
    assert [r["title"] for r in result["results"]] == [
        "Jumlah Pendidik menurut Sekolah"
    ]


def test_match_all_and_empty_q(catalog):
    assert catalog.search(q="*:*")["count"] == 3
    assert catalog.search(q="")["count"] == 3


def test_field_value_on_scheming_columns_tags_and_titles(catalog):
    assert catalog.names(q="jenis_data:geospasial") == ["peta-jalan"]
    assert catalog.names(q="name:penduduk") == ["penduduk"]
    assert catalog.names(q="tags:sekolah", sort="name asc") == ["pendidik", "penduduk"]
    # title: looks at titles only; "pendidikan" is in penduduk's notes
    assert catalog.names(q="title:pendidikan") == ["pendidik"]
    assert catalog.names(q="tahun:2027") == ["penduduk"]
    assert catalog.names(q="kategori_sumber:kpda") == ["penduduk"]
    assert catalog.names(q="kode_data:2025-DINKES-001") == ["pendidik"]


def test_quoted_phrases_need_the_words_in_order(catalog):
    assert catalog.names(q='"jumlah penduduk"') == ["penduduk"]
    assert catalog.names(q='"penduduk jumlah"') == []
    assert catalog.names(q='title:"Peta Jalan"') == ["peta-jalan"]


def test_and_or_not(catalog):
    assert catalog.names(q="jumlah AND kecamatan") == ["penduduk"]
    assert sorted(catalog.names(q="guru OR peta")) == ["pendidik", "peta-jalan"]
    assert catalog.names(q="jumlah NOT kecamatan") == ["pendidik"]
    assert catalog.names(q="jumlah -kecamatan") == ["pendidik"]
    assert catalog.names(q="(peta OR guru) AND jenis_data:geospasial") == ["peta-jalan"]


def test_prefix_wildcard(catalog):
    assert catalog.names(q="kecam*") == ["penduduk"]


def test_user_text_is_bound_not_spliced(catalog):
    assert catalog.names(q="name:\"x' OR '1'='1\"") == []
    assert catalog.names(q="'; DROP TABLE package; --") == []
    assert catalog.search(q="*:*")["count"] == 3


# fq / fq_list
def test_fq_negation_or_groups_and_quoted_values(catalog):
    assert sorted(catalog.names(fq="-jenis_data:geospasial")) == [
        "pendidik",
        "penduduk",
    ]
    assert sorted(catalog.names(fq="kategori_sumber:(kpda OR spm)")) == [
        "pendidik",
        "penduduk",
        "peta-jalan",
    ]
    assert catalog.names(fq='organization:"dinsos"') == ["penduduk"]
    assert catalog.names(fq="+dataset_type:dataset +frekuensi:bulanan") == [
        "peta-jalan"
    ]
    assert catalog.names(fq_list=["kategori_sumber:sdgs", "-organization:dinsos"]) == [
        "pendidik"
    ]


def test_filters_on_faceted_fields_read_the_terms(catalog):
    """Faceted fields are filtered through ``facet_ids``: a value no dataset
    ever had matches nothing (and its negation everything); prefixes and
    ranges are compared with the terms' values."""
    assert sorted(catalog.names(fq="tags:seko*")) == ["pendidik", "penduduk"]
    assert catalog.names(fq="tags:tidak-ada") == []
    assert len(catalog.names(fq="-tags:tidak-ada")) == 3
    assert catalog.names(fq="tags:Sekolah") == []  # string fields: exact case
    assert catalog.names(fq="kode_data:2025-DINKES-001") == ["pendidik"]
    assert catalog.names(fq="tahun:[2026 TO 2030] -tags:kependudukan") == []


def test_number_ranges(catalog):
    assert catalog.names(fq="tahun:[2024 TO 2026]") == ["pendidik"]
    assert sorted(catalog.names(fq="tahun:[2025 TO *]")) == ["pendidik", "penduduk"]
    assert catalog.names(fq="tahun:{2025 TO *]") == ["penduduk"]
    assert catalog.names(fq="tahun:[* TO 2025}") == ["peta-jalan"]


def test_date_ranges_on_metadata_fields(catalog):
    second = catalog.datasets["penduduk"]["metadata_modified"]
    assert sorted(catalog.names(fq=f"metadata_modified:[{second}Z TO *]")) == [
        "penduduk",
        "peta-jalan",
    ]
    assert catalog.names(fq=f"metadata_modified:{{* TO {second}Z}}") == ["pendidik"]
    assert catalog.search(fq="metadata_created:[* TO NOW]")["count"] == 3
    assert catalog.search(fq="metadata_created:[NOW+1DAY TO *]")["count"] == 0


# facets
def test_facets_count_scheming_list_fields_per_element(catalog):
    facets = catalog.search(
        **{
            "facet.field": '["jenis_data", "kategori_sumber", "tags", "organization",'
            ' "res_format", "extras_frekuensi"]'
        }
    )["facets"]
    assert facets["jenis_data"] == {"statistik_sektoral": 2, "geospasial": 1}
    assert facets["kategori_sumber"] == {"sdgs": 2, "spm": 2, "kpda": 1}
    assert facets["tags"] == {"sekolah": 2, "guru": 1, "kependudukan": 1}
    assert facets["organization"] == {"dinkes": 2, "dinsos": 1}
    assert facets["res_format"] == {"CSV": 1}
    assert facets["extras_frekuensi"] == {"tahunan": 2, "bulanan": 1}


def test_facet_limit_and_mincount(catalog):
    facets = catalog.search(
        **{"facet.field": ["kategori_sumber", "tags"], "facet.limit": 1}
    )["facets"]
    assert facets["kategori_sumber"] == {"sdgs": 2}
    assert facets["tags"] == {"sekolah": 2}
    facets = catalog.search(
        **{"facet.field": ["kategori_sumber"], "facet.mincount": 2}
    )["facets"]
    assert facets["kategori_sumber"] == {"sdgs": 2, "spm": 2}


def test_facets_follow_the_query(catalog):
    result = catalog.search(q="jumlah", **{"facet.field": ["jenis_data"]})
    assert result["facets"]["jenis_data"] == {"statistik_sektoral": 2}
    items = result["search_facets"]["jenis_data"]["items"]
    assert items == [
        {"name": "statistik_sektoral", "display_name": "statistik_sektoral", "count": 2}
    ]


# sort and paging
SORTS = [
    ("name asc", ["pendidik", "penduduk", "peta-jalan"]),
    ("name desc", ["peta-jalan", "penduduk", "pendidik"]),
    ("title_string asc", ["pendidik", "penduduk", "peta-jalan"]),
    ("title_string desc", ["peta-jalan", "penduduk", "pendidik"]),
    ("metadata_modified asc", ["pendidik", "penduduk", "peta-jalan"]),
    ("metadata_modified desc", ["peta-jalan", "penduduk", "pendidik"]),
    ("metadata_created asc", ["pendidik", "penduduk", "peta-jalan"]),
    ("metadata_created desc", ["peta-jalan", "penduduk", "pendidik"]),
    ("jenis_data asc, name desc", ["peta-jalan", "penduduk", "pendidik"]),
    ("tahun desc", ["penduduk", "pendidik", "peta-jalan"]),
    ("score desc, metadata_modified desc", ["peta-jalan", "penduduk", "pendidik"]),
]


def test_sort_keys_asc_desc_and_several(catalog):
    # one catalog for every case: building it is the slow part
    for sort, expected in SORTS:
        assert catalog.names(sort=sort) == expected, sort


def test_score_sort_with_text(catalog):
    assert catalog.names(q="pendidikan", sort="score desc") == ["pendidik", "penduduk"]
    assert catalog.names(q="pendidikan", sort="score asc") == ["penduduk", "pendidik"]


def test_rows_and_start_page_through_results(catalog):
    page1 = catalog.search(sort="name asc", rows=2, start=0)
    page2 = catalog.search(sort="name asc", rows=2, start=2)
    assert page1["count"] == page2["count"] == 3
    assert [r["name"] for r in page1["results"]] == ["pendidik", "penduduk"]
    assert [r["name"] for r in page2["results"]] == ["peta-jalan"]
    assert catalog.search(rows=0)["results"] == []


# fl and schemas
def test_fl_returns_only_the_fields_asked(catalog):
    result = catalog.search(fl="id", sort="name asc")
    assert result["results"][0] == {"id": catalog.datasets["pendidik"]["id"]}
    result = catalog.search(fl="name,title", sort="name asc")
    assert result["results"][0] == {
        "name": "pendidik",
        "title": "Jumlah Pendidik menurut Sekolah",
    }


def test_results_are_the_validated_dicts_unless_default_schema(catalog):
    custom = catalog.search(q="name:pendidik")["results"][0]
    assert custom["kategori_sumber"] == ["spm", "sdgs"]
    assert custom["tahun"] == 2025
    default = catalog.search(q="name:pendidik", use_default_schema=True)["results"][0]
    extras = {e["key"]: e["value"] for e in default["extras"]}
    assert "kategori_sumber" not in default
    assert extras["jenis_data"] == "statistik_sektoral"


def test_package_autocomplete_matches_parts_of_names_and_titles(catalog):
    from ckan.tests import helpers

    found = helpers.call_action("package_autocomplete", q="jala")
    assert [d["name"] for d in found] == ["peta-jalan"]


# errors: never a 500
BAD_QUERIES = [
    {"q": "title:(("},
    {"fq": "(("},
    {"fq": "tahun:[2020 2025]"},
    {"fq": "metadata_modified:[yesterday TO *]"},
    {"sort": "name upwards"},
    {"sort": "sum(a,b) desc"},
    {"q": "{!lucene}title:x"},
]


def test_bad_queries_raise_search_errors(catalog):
    for params in BAD_QUERIES:
        with pytest.raises((SearchError, ValidationError)):
            catalog.search(**params)
    # the session is still usable after a rejected query
    assert catalog.search(q="*:*")["count"] == 3


def test_dismax_q_with_stray_brackets_is_read_as_words(catalog):
    assert catalog.names(q="peta ((") == ["peta-jalan"]


def test_api_answers_409_for_bad_syntax(app, catalog):
    """As with Solr: a query it cannot parse is a search error (409)."""
    response = app.get("/api/3/action/package_search?q=title:((", status=409)
    assert response.json["success"] is False
