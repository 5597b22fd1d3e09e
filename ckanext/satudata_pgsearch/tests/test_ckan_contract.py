"""What CKAN's own code and tests expect of the search backend.

Each test here failed before the search answered it the way CKAN's Solr
query and index do.
"""

from __future__ import annotations

import re

import ckan.lib.search as search
import ckan.model as model
import pytest
from ckan.lib.search.common import SearchError
from ckan.tests import helpers

from ckanext.satudata_planning.tests.web import csrf_token, login

pytestmark = pytest.mark.usefixtures("with_plugins")


# Row objects as dataset ids (CKAN's bulk updates and organization purge)
@pytest.mark.parametrize(
    ("action", "private", "state"),
    [
        ("bulk_update_private", True, "active"),
        ("bulk_update_public", False, "active"),
        ("bulk_update_delete", False, "deleted"),
    ],
)
def test_bulk_updates_of_an_organization(catalog, action, private, state):
    ids = [catalog.datasets[n]["id"] for n in ("pendidik", "peta-jalan")]
    helpers.call_action(action, context={"user": catalog.admin["name"]},
                        datasets=ids, org_id=catalog.dinkes["id"])
    for pid in ids:
        pkg = model.Package.get(pid)
        assert (pkg.private, pkg.state) == (private, state)
    found = catalog.names(include_private=True, fq="organization:dinkes")
    # one UPDATE gives both the same metadata_modified: their order is a tie
    assert sorted(found) == ([] if state == "deleted" else ["pendidik", "peta-jalan"])


def test_the_organization_bulk_page(app, catalog):
    """The screen that answered 500: make two datasets private, then public."""
    login(app, catalog.admin)
    url = "/organization/bulk_process/dinkes"
    ids = [catalog.datasets[n]["id"] for n in ("pendidik", "peta-jalan")]
    for button, private in (("private", True), ("public", False)):
        form = {f"dataset_{pid}": "on" for pid in ids}
        form[f"bulk_action.{button}"] = button
        form["_csrf_token"] = csrf_token(app, url)
        res = app.post(url, data=form, follow_redirects=False)
        assert res.status_code == 302, res.body[:2000]
        assert {model.Package.get(pid).private for pid in ids} == {private}
        anonymous = helpers.call_action(
            "package_search", context={"user": "", "ignore_auth": False},
            fq="organization:dinkes")
        assert anonymous["count"] == (0 if private else 2)


def test_purging_an_organization_that_still_has_datasets(catalog, ckan_config,
                                                         monkeypatch):
    monkeypatch.setitem(ckan_config, "ckan.auth.create_unowned_dataset", True)
    helpers.call_action("organization_purge",
                        context={"user": catalog.admin["name"]}, id="dinsos")
    assert model.Package.get("penduduk").owner_org is None
    found = catalog.search(q="name:penduduk", include_private=True)
    assert found["count"] == 1
    assert found["results"][0].get("owner_org") is None


def test_get_index_of_a_row_finds_nothing_and_says_so(catalog):
    row = model.Session.query(model.Package.id).filter_by(name="pendidik").one()
    with pytest.raises(SearchError):
        search.query_for(model.Package).get_index(row)
    # the session is still usable
    assert search.show("pendidik")["name"] == "pendidik"


# the query object itself
def test_run_without_fl_returns_names(catalog):
    query = search.query_for(model.Package)
    found = query.run({"q": "*:*", "sort": "name asc"})
    assert found["results"] == ["pendidik", "penduduk", "peta-jalan"]
    ids = query.run({"q": "name:pendidik", "fl": "id"})["results"]
    assert ids == [catalog.datasets["pendidik"]["id"]]


REFUSED = [
    ("q", "{!bool must=guru}", "Local parameters are not supported in param 'q'."),
    ("q", "{!type=dismax qf=title}guru",
     "Local parameters are not supported in param 'q'."),
    ("q", "guru {!lucene}x", "Local parameters must be defined at the beginning "
     "of param 'q'."),
    ("q", "{!lucene}x {!dismax}y", "Query parsers are not supported in param 'q'."),
    ("q", "_query_:guru", "Magic fields are not supported in param 'q'."),
    # package_search puts its own filters before the caller's fq
    ("fq", "{!terms f=name}pendidik",
     "Local parameters must be defined at the beginning of param 'fq'."),
]


@pytest.mark.parametrize(("param", "value", "message"), REFUSED)
def test_local_parameters_and_parsers_are_refused(catalog, param, value, message):
    with pytest.raises(SearchError, match=re.escape(message)):
        catalog.search(**{param: value})


# the index, written outside an action
def _index_dict(name: str = "river-quality") -> dict:
    pkg = {
        "name": name,
        "id": "d9567b82-d3f0-4c17-b222-d9a7499f7940",
        "state": "active",
        "private": "",
        "type": "dataset",
        "metadata_created": "2014-06-10T08:24:12.782257",
        "metadata_modified": "2014-06-10T08:24:12.782257",
    }
    pkg["with_custom_schema"] = dict(pkg)
    return pkg


def test_index_package_outside_an_action_is_committed(clean_db, clean_index):
    search.index_for(model.Package).index_package(_index_dict())
    model.Session.remove()
    assert search.show("river-quality")["name"] == "river-quality"


def test_dates_are_kept_to_the_millisecond(clean_db, clean_index):
    search.index_for(model.Package).index_package(_index_dict())
    shown = search.show("river-quality")
    assert shown["metadata_modified"] == "2014-06-10T08:24:12.782Z"
    assert shown["metadata_created"] == "2014-06-10T08:24:12.782Z"
    query = search.query_for(model.Package)
    found = query.run({"q": "metadata_modified:[2014-06-10T08:24:12.782Z TO "
                       "2014-06-10T08:24:12.782Z]", "fl": "name"})
    assert found["results"] == ["river-quality"]


# the search box
def test_a_syntax_error_shows_the_search_page_with_ckans_error(app, catalog):
    res = app.get('/dataset/?q=title:"tidak+ditutup')
    assert res.status_code == 200
    assert 'id="search-error"' in res.body
    api = app.get("/api/3/action/package_search?q=title:((", status=409)
    assert api.json["error"]["__type"] == "Search Error"


def test_two_operators_in_a_row_are_an_error_even_for_dismax(app, catalog):
    """CKAN's test_search_solr_syntax_error: Solr refuses ``--included``."""
    res = app.get("/dataset/?q=--included")
    assert res.status_code == 200
    assert 'id="search-error"' in res.body
    # stray brackets stay words, as before
    assert catalog.names(q="peta ((") == ["peta-jalan"]
