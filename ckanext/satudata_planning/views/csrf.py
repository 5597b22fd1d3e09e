"""CSRF on every form a logged-in person posts, whatever CKAN has exempted.

CKAN 2.12 marks a view CSRF-exempt for the rest of the process as soon as one
anonymous or API-token request reaches it (``csrf.exempt`` in
``ckan_before_request``); from then on Flask-WTF checks that view's forms for
nobody, so a forged form posted with a victim's session cookie would pass.
This guard runs after CKAN's and Flask-WTF's own ``before_request`` and checks
the token on every state-changing request that carries a session cookie.
Requests without an ambient credential (anonymous, API token) are left as CKAN
treats them: they cannot be forged across sites.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import current_app, g, request


def install(app: Any) -> None:
    """Register the guard on the Flask app (``IMiddleware.make_middleware``)."""
    app.before_request(check)


def check() -> None:
    """Raise ``CSRFError`` (400) for a session POST without a valid token."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    methods = current_app.config.get("WTF_CSRF_METHODS") or {"POST", "PUT", "PATCH",
                                                             "DELETE"}
    if request.method not in methods:
        return
    if g.get("login_via_auth_header") or not tk.current_user.is_authenticated:
        return
    current_app.extensions["csrf"].protect()
