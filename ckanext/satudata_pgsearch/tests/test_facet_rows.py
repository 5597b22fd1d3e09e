"""The facet ids (``facet_ids``, terms of ``satudata_search_term``) follow the
index, and facets counted from them agree with the stored values."""

from __future__ import annotations

from typing import Any

import ckan.lib.search as search
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import helpers

from ckanext.satudata_pgsearch import index as search_index
from ckanext.satudata_pgsearch.model import SearchIndexRow

pytestmark = pytest.mark.usefixtures("with_plugins")


def _facet_rows(name: str) -> set[tuple[str, str]]:
    """The (field, value) pairs of one dataset's ``facet_ids``."""
    package_id = model.Session.execute(
        sa.select(SearchIndexRow.id).where(SearchIndexRow.name == name)
    ).scalar()
    return set(search_index.stored_facet_pairs(package_id)) if package_id else set()


def _all_facet_rows() -> int:
    total = sa.func.sum(sa.func.cardinality(SearchIndexRow.facet_ids))
    return model.Session.execute(sa.select(sa.func.coalesce(total, 0))).scalar_one()


def test_facet_rows_are_the_faceted_stored_values(catalog):
    row = model.Session.execute(
        sa.select(SearchIndexRow).where(SearchIndexRow.name == "penduduk")
    ).scalar_one()
    expected = set(search_index.facet_pairs(row.fields))
    assert _facet_rows("penduduk") == expected
    assert {("tags", "kependudukan"), ("tags", "sekolah")} <= expected
    assert {("kategori_sumber", "kpda"), ("kategori_sumber", "sdgs")} <= expected
    assert ("res_format", "CSV") in expected
    assert ("organization", "dinsos") in expected
    # one value per dataset: not numbered into facet ids
    assert not {f for f, _ in expected} & search_index.UNFACETED_KEYS
    # sorted and distinct (intarray's operators sort their inputs anyway)
    assert row.facet_ids == sorted(set(row.facet_ids))


def test_facet_ids_follow_an_update(catalog):
    helpers.call_action("package_patch", context={"user": catalog.admin["name"]},
                        id="penduduk", tags=[{"name": "baru"}])
    assert ("tags", "baru") in _facet_rows("penduduk")
    assert ("tags", "sekolah") not in _facet_rows("penduduk")


def test_the_bulk_write_fills_the_facet_ids(catalog):
    import ckan.logic as logic

    before = _facet_rows("pendidik")
    with search_index.batched_writes():
        logic.index_update_package({"ignore_auth": True}, "pendidik", True)
    assert _facet_rows("pendidik") == before
    assert ("kategori_sumber", "spm") in _facet_rows("pendidik")


def test_a_new_value_in_a_bulk_write_gets_a_term(catalog):
    doc = search.query_for(model.Package).get_index("pendidik")
    doc["tags"] = ["baru", "guru"]
    search_index.write_docs_bulk([doc])
    assert {("tags", "baru"), ("tags", "guru")} <= _facet_rows("pendidik")
    assert ("tags", "sekolah") not in _facet_rows("pendidik")


def test_update_replaces_the_facet_rows(catalog):
    context = {"user": catalog.admin["name"]}
    helpers.call_action(
        "package_patch",
        context=context,
        id="pendidik",
        tags=[{"name": "guru"}, {"name": "murid"}],
        kategori_sumber=["kpda"],
    )
    rows = _facet_rows("pendidik")
    assert ("tags", "murid") in rows and ("tags", "guru") in rows
    assert ("tags", "sekolah") not in rows
    assert {v for f, v in rows if f == "kategori_sumber"} == {"kpda"}
    facets = catalog.search(**{"facet.field": ["tags", "kategori_sumber"]})["facets"]
    assert facets["tags"] == {"guru": 1, "kependudukan": 1, "murid": 1, "sekolah": 1}
    assert facets["kategori_sumber"] == {"kpda": 2, "sdgs": 1, "spm": 1}


def test_reindexing_an_unchanged_dataset_keeps_its_rows(catalog):
    before = _facet_rows("peta-jalan")
    search.rebuild("peta-jalan")
    model.Session.commit()
    assert _facet_rows("peta-jalan") == before


def test_delete_and_purge_remove_the_facet_rows(catalog):
    context = {"user": catalog.admin["name"]}
    total = _all_facet_rows()
    own = len(_facet_rows("peta-jalan"))
    helpers.call_action("package_delete", context=context, id="peta-jalan")
    # a deleted dataset stays indexed (state deleted), out of the facets
    facets = catalog.search(**{"facet.field": ["jenis_data"]})["facets"]
    assert facets["jenis_data"] == {"statistik_sektoral": 2}
    helpers.call_action("dataset_purge", context=context, id="peta-jalan")
    assert _facet_rows("peta-jalan") == set()
    assert _all_facet_rows() == total - own


def test_clear_removes_every_facet_row(catalog):
    assert _all_facet_rows() > 0
    search.clear_all()
    assert _all_facet_rows() == 0


def test_facet_rows_are_written_in_the_callers_transaction(catalog):
    before = _facet_rows("pendidik")
    doc = search.query_for(model.Package).get_index("pendidik")
    doc["tags"] = ["baru"]
    search_index.write_docs([doc])
    assert ("tags", "baru") in _facet_rows("pendidik")
    model.Session.rollback()  # the action failed after indexing
    assert _facet_rows("pendidik") == before


def test_facets_of_fields_without_facet_rows_are_still_counted(catalog):
    facets = catalog.search(**{"facet.field": ["name", "extras_kode_data"]})["facets"]
    assert facets["name"] == {"pendidik": 1, "penduduk": 1, "peta-jalan": 1}
    assert facets["extras_kode_data"] == {"2025-DINKES-001": 1}


def test_facet_limit_applies_to_each_field(catalog):
    result: dict[str, Any] = catalog.search(
        **{
            "facet.field": ["tags", "jenis_data", "organization", "name"],
            "facet.limit": 1,
        }
    )["facets"]
    assert result["tags"] == {"sekolah": 2}
    assert result["jenis_data"] == {"statistik_sektoral": 2}
    assert result["organization"] == {"dinkes": 2}
    assert result["name"] == {"pendidik": 1}
    unlimited = catalog.search(**{"facet.field": ["tags"], "facet.limit": -1})
    assert unlimited["facets"]["tags"] == {"guru": 1, "kependudukan": 1, "sekolah": 2}


def test_facets_respect_permission_labels(catalog):
    catalog.create(
        name="rahasia",
        title="Data rahasia",
        private=True,
        tags=[{"name": "rahasia"}],
        jenis_data="lainnya",
        kategori_sumber=["spm"],
        tahun=2025,
    )
    anon = catalog.search(user={}, **{"facet.field": ["tags"], "include_private": True})
    assert "rahasia" not in anon["facets"]["tags"]
    member = catalog.search(
        user=catalog.member, **{"facet.field": ["tags"], "include_private": True}
    )
    assert member["facets"]["tags"]["rahasia"] == 1
    outsider = catalog.search(
        user=catalog.outsider, **{"facet.field": ["tags"], "include_private": True}
    )
    assert "rahasia" not in outsider["facets"]["tags"]


def test_search_vector_is_kept_in_the_row():
    storage = model.Session.execute(
        sa.text(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = "
            "'satudata_search_index'::regclass AND attname = 'search_vector'"
        )
    ).scalar_one()
    assert storage == "m"


def test_ranked_page_is_computed_from_the_same_match(catalog):
    result = catalog.search(q="sekolah", rows=1, fl="name score")
    assert result["count"] == 2
    assert len(result["results"]) == 1
    second = catalog.search(q="sekolah", rows=1, start=1, fl="name")
    both = catalog.names(q="sekolah")
    assert [result["results"][0]["name"], second["results"][0]["name"]] == both


# the answer cache
@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The queries that reached the database (cache misses)."""
    from ckanext.satudata_pgsearch import cache
    from ckanext.satudata_pgsearch.query import PgPackageSearchQuery

    cache.answers.clear()
    seen: list[dict[str, Any]] = []
    original = PgPackageSearchQuery._search

    def spy(self: Any, query: dict[str, Any], *args: Any) -> Any:
        seen.append(query)
        return original(self, query, *args)

    monkeypatch.setattr(PgPackageSearchQuery, "_search", spy)
    return seen


def test_a_repeated_search_is_answered_from_the_cache(catalog, searches):
    params = {"q": "jumlah", "facet.field": ["tags"]}
    first = catalog.search(**params)
    second = catalog.search(**params)
    assert len(searches) == 1
    assert second["count"] == first["count"] == 2
    assert second["facets"] == first["facets"]
    assert [r["name"] for r in second["results"]] == [
        r["name"] for r in first["results"]
    ]
    catalog.search(**dict(params, rows=1))  # another page: another answer
    assert len(searches) == 2


def test_every_index_write_invalidates_the_cache(catalog, searches):
    params = {"facet.field": ["tags"]}
    assert catalog.search(**params)["facets"]["tags"]["sekolah"] == 2
    helpers.call_action(
        "package_patch",
        context={"user": catalog.admin["name"]},
        id="pendidik",
        tags=[{"name": "guru"}],
    )
    assert catalog.search(**params)["facets"]["tags"]["sekolah"] == 1
    helpers.call_action(
        "package_delete", context={"user": catalog.admin["name"]}, id="penduduk"
    )
    assert "sekolah" not in catalog.search(**params)["facets"]["tags"]
    assert len(searches) == 3


def test_the_cache_is_kept_per_permission_labels(catalog, searches):
    catalog.create(name="rahasia", title="Data rahasia", private=True, tahun=2025)
    params = {"include_private": True, "facet.field": ["organization"]}
    member = catalog.search(user=catalog.member, **params)
    anon = catalog.search(user={}, **params)
    outsider = catalog.search(user=catalog.outsider, **params)
    assert member["count"] == 4 and member["facets"]["organization"]["dinkes"] == 3
    assert anon["count"] == 3 and anon["facets"]["organization"]["dinkes"] == 2
    assert outsider["count"] == 3
    again = catalog.search(user=catalog.member, **params)
    assert again["count"] == 4
    assert catalog.search(user={}, **params)["count"] == 3
    assert len(searches) == 3  # member, anonymous, outsider; then hits


def test_a_transaction_that_wrote_neither_reads_nor_fills_the_cache(catalog, searches):
    params = {"facet.field": ["tags"]}
    catalog.search(**params)  # cached: sekolah 2
    doc = search.query_for(model.Package).get_index("pendidik")
    doc["tags"] = ["baru"]
    search_index.write_docs([doc])  # not committed
    assert catalog.search(**params)["facets"]["tags"].get("baru") == 1
    assert catalog.search(**params)["facets"]["tags"].get("baru") == 1
    model.Session.rollback()
    facets = catalog.search(**params)["facets"]["tags"]
    assert "baru" not in facets and facets["sekolah"] == 2
    # the two searches after the write went to the database; after the
    # rollback the first answer (same generation again) is right and reused
    assert len(searches) == 3


def test_searches_relative_to_now_are_not_cached(catalog, searches):
    params = {"fq": "metadata_modified:[NOW-1DAY TO *]"}
    assert catalog.search(**params)["count"] == 3
    assert catalog.search(**params)["count"] == 3
    assert len(searches) == 2
