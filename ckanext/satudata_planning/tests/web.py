"""Helpers for tests that drive the screens through CKAN's test client."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk

CSRF = re.compile(r'name="_csrf_token"[^>]*value="([^"]+)"')


def login(app: Any, user: dict[str, Any]) -> None:
    """Log ``user`` in on the site's domain.

    ``app.set_session_user`` writes the session cookie for ``localhost`` while
    the test client requests ``ckan.site_url`` (test.ckan.net), so the cookie
    would never be sent; write flask-login's session keys on the right host.
    """
    app.client = app.test_client()
    with app.client.session_transaction(base_url=tk.config["ckan.site_url"]) as sess:
        sess["_user_id"] = user["id"]
        sess["_fresh"] = True


def csrf_token(app: Any, url: str) -> str:
    """The CSRF token of the form on ``url`` (the page must answer 200)."""
    res = app.get(url)
    assert res.status_code == 200
    match = CSRF.search(res.get_data(as_text=True))
    assert match, "the page has no CSRF field"
    return match.group(1)
