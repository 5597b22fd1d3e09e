"""Forms posted with a session cookie need their CSRF token, on every view.

CKAN 2.12 exempts a view from CSRF once an anonymous request reached it; the
guard in ``csrf_guard`` keeps the check for logged-in sessions.
"""
from __future__ import annotations

import pytest
from ckan import model
from ckan.tests import factories

from ckanext.satudata_planning.tests.web import csrf_token, login


@pytest.mark.usefixtures("clean_db")
class TestCsrfGuard:
    def _new_dataset_form(self, org: dict) -> dict:
        return {"name": "dicoba-csrf", "title": "Dicoba", "owner_org": org["id"],
                "save": "continue"}

    def test_core_form_refused_without_token_after_an_anonymous_visit(self, app):
        user = factories.User()
        org = factories.Organization(
            users=[{"name": user["name"], "capacity": "editor"}])
        # an anonymous visit makes CKAN exempt the view for the whole process
        app.get("/dataset/new")
        login(app, user)
        res = app.post("/dataset/new", data=self._new_dataset_form(org))
        assert res.status_code == 400
        assert model.Package.get("dicoba-csrf") is None

    def test_core_form_accepted_with_token(self, app):
        user = factories.User()
        org = factories.Organization(
            users=[{"name": user["name"], "capacity": "editor"}])
        app.get("/dataset/new")
        login(app, user)
        data = self._new_dataset_form(org)
        data["_csrf_token"] = csrf_token(app, "/dataset/new")
        res = app.post("/dataset/new", data=data, follow_redirects=False)
        assert res.status_code == 302
        assert model.Package.get("dicoba-csrf") is not None

    def test_api_token_post_needs_no_form_token(self, app):
        user = factories.User()
        token = factories.APIToken(user=user["name"])["token"]
        res = app.post("/api/3/action/package_search", json={},
                       headers={"Authorization": token})
        assert res.status_code == 200
