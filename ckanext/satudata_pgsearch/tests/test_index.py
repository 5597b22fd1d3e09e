"""Keeping the index current: create, update, delete, purge, rebuild, clear."""

from __future__ import annotations

import ckan.lib.search as search
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import helpers

from ckanext.satudata_pgsearch.model import SearchIndexRow

pytestmark = pytest.mark.usefixtures("with_plugins")


def _rows() -> int:
    return model.Session.execute(
        sa.select(sa.func.count()).select_from(SearchIndexRow)
    ).scalar_one()


def test_one_row_per_dataset_with_labels_and_vector(catalog):
    row = model.Session.execute(
        sa.select(SearchIndexRow).where(SearchIndexRow.name == "pendidik")
    ).scalar_one()
    assert row.permission_labels == ["public"]
    assert row.fields["kategori_sumber"] == ["spm", "sdgs"]
    assert row.organization == "dinkes"
    assert "didik" in str(row.search_vector)
    assert _rows() == 3


def test_package_update_reindexes(catalog):
    context = {"user": catalog.admin["name"]}
    helpers.call_action(
        "package_patch", context=context, id="peta-jalan", title="Peta Sungai Kota"
    )
    assert catalog.names(q="sungai") == ["peta-jalan"]
    assert catalog.names(q="title:jalan") == []


def test_deleted_and_purged_datasets_leave_the_results(catalog):
    context = {"user": catalog.admin["name"]}
    helpers.call_action("package_delete", context=context, id="peta-jalan")
    assert catalog.names(q="peta") == []
    assert catalog.search()["count"] == 2
    helpers.call_action("dataset_purge", context=context, id="penduduk")
    assert catalog.search()["count"] == 1
    assert _rows() == 1


def test_rebuild_restores_a_cleared_index(catalog):
    search.clear_all()
    assert catalog.search()["count"] == 0
    search.rebuild()
    assert catalog.search()["count"] == 3
    assert catalog.names(q="pendidikan") == ["pendidik", "penduduk"]
    assert sorted(search.query_for(model.Package).get_all_entity_ids()) == sorted(
        d["id"] for d in catalog.datasets.values()
    )


def test_get_index_feeds_package_show(catalog):
    doc = search.show("pendidik")
    assert doc["name"] == "pendidik"
    assert doc["metadata_modified"].endswith("Z")
    shown = helpers.call_action("package_show", id="pendidik")
    assert shown["kategori_sumber"] == ["spm", "sdgs"]


def test_index_write_belongs_to_the_session_transaction(catalog):
    """In a transaction that has written already (an action's), index writes
    are not committed on their own: a rollback undoes them."""
    import ckan.logic

    search.clear_all()  # commits, like Solr's clear
    pkg = model.Package.get("pendidik")
    pkg.title = "Jumlah Guru"
    model.Session.flush()  # the action's own write
    ckan.logic.index_update_package({"ignore_auth": True}, "pendidik")
    assert catalog.names(q="guru") == ["pendidik"]  # visible in the transaction
    model.Session.rollback()
    assert catalog.names(q="guru") == []


def test_defer_commit_indexes_nothing_until_asked(catalog):
    context = {"user": catalog.admin["name"], "defer_commit": True}
    helpers.call_action(
        "package_create",
        context=context,
        name="tunda",
        title="Data Tertunda",
        owner_org=catalog.dinkes["id"],
    )
    assert catalog.names(q="tertunda") == []
    search.rebuild(package_id="tunda", defer_commit=True)
    model.Session.commit()
    assert catalog.names(q="tertunda") == ["tunda"]


def test_search_index_cli_rebuild(catalog, cli):
    from ckan.cli.cli import ckan

    search.clear_all()
    result = cli.invoke(ckan, ["search-index", "rebuild", "--quiet"])
    assert result.exit_code == 0, result.output
    model.Session.remove()
    assert catalog.search()["count"] == 3


def test_the_write_is_prepared_again_when_the_connection_lost_it(catalog):
    """The row's statement is prepared once per connection; if something
    (a pooler's DISCARD ALL) removed it, that write fails and the next one
    prepares it again."""
    from ckan.lib.search.common import SearchIndexError

    from ckanext.satudata_pgsearch import index as search_index

    doc = search.query_for(model.Package).get_index("pendidik")
    doc["title"] = "Jumlah Guru Sekolah"
    search_index.write_docs([doc])  # prepared on this connection
    info = model.Session.connection().connection.info
    assert any(k.startswith("satudata_search_upsert") for k in info)
    model.Session.execute(sa.text("DEALLOCATE ALL"))
    with pytest.raises(SearchIndexError):
        search_index.write_docs([doc])
    assert not any(k.startswith("satudata_search_upsert") for k in info)
    model.Session.rollback()
    search_index.write_docs([doc])
    model.Session.commit()
    assert catalog.names(q="guru") == ["pendidik"]
