"""The action context of the request's user, for views and template helpers."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def viewer() -> dict[str, Any]:
    """An action context for the current user with the user object the login
    already loaded: CKAN's ``check_access`` then does not read the user again
    for each call (an empty context makes it read the user by name). Anonymous
    visitors get an empty context, as before."""
    user = tk.current_user
    if user and user.is_authenticated:
        return {"user": user.name, "auth_user_obj": user}
    return {}
