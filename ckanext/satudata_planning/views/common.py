"""What every screen shares: loading the cycle, one mapper from an action's
refusal to the page that says so, flash messages, paging, file responses."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import ckan.plugins.toolkit as tk
from ckan.types import Response
from flask import make_response

from ckanext.satudata_planning.logic.context import viewer
from ckanext.satudata_planning.logic.schema import OFFSET_MAX

View = TypeVar("View", bound=Callable[..., Any])

PAGE_SIZE = 50
#: the last page whose offset ``satudata_item_list`` accepts
MAX_PAGE = OFFSET_MAX // PAGE_SIZE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def action_errors(view: View) -> View:
    """An action's ``ObjectNotFound`` or ``NotAuthorized`` raised in ``view``
    becomes the 404 or 403 page with the action's own (translated) message.

    A view handles ``ValidationError`` itself: what to show next depends on
    the screen (the form again, a flash message, the list with its errors).
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except tk.ObjectNotFound as e:
            return tk.abort(404, str(e) or None)
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e) or None)

    return wrapper  # type: ignore[return-value]


def messages(errors: dict[str, Any]) -> list[str]:
    """The messages of a ``ValidationError.error_dict``, flattened."""
    out: list[str] = []
    for value in errors.values():
        if isinstance(value, (list, tuple)):
            out.extend(str(v) for v in value)
        else:
            out.append(str(value))
    return out


def flash_errors(error: tk.ValidationError) -> None:
    tk.h.flash_error(" ".join(messages(error.error_dict)))


def context() -> dict[str, Any]:
    """An action context for the current user (:func:`logic.context.viewer`)."""
    return viewer()


def may(action: str, data_dict: dict[str, Any] | None = None) -> bool:
    """May the current user call ``action``?"""
    try:
        tk.check_access(action, context(), data_dict or {})
    except tk.NotAuthorized:
        return False
    return True


def load_cycle(tahun: int) -> dict[str, Any]:
    """The cycle of ``tahun`` for the viewer (``satudata_cycle_show``)."""
    return tk.get_action("satudata_cycle_show")(context(), {"id": tahun})


def viewer_is(cycle: dict[str, Any], *actors: str) -> bool:
    """Whether the viewer of ``cycle`` acts as one of ``actors`` (or is sysadmin)."""
    viewer = cycle.get("viewer") or {}
    return bool(viewer.get("sysadmin") or set(actors) & set(viewer.get("actors") or []))


def organizations() -> list[dict[str, str]]:
    """The organizations a row may name (none for anonymous visitors)."""
    if not tk.current_user.is_authenticated:
        return []
    return tk.get_action("satudata_organization_list")(context(), {})


def request_filters(keys: tuple[str, ...]) -> dict[str, str]:
    """The non-empty query-string arguments among ``keys``."""
    args = tk.request.args
    return {k: args.get(k, "").strip() for k in keys if args.get(k, "").strip()}


def page_number(value: Any = None) -> int:
    """The page asked for (``?page=``, or ``value``): 1 when absent or not a
    number, and never past the last page an offset may reach."""
    raw = tk.request.args.get("page", 1) if value is None else value
    try:
        page = int(str(raw).strip() or 1)
    except ValueError:
        return 1
    return min(max(1, page), MAX_PAGE)


def pager(
    endpoint: str,
    cycle: dict[str, Any],
    listed: dict[str, Any],
    page: int,
    args: dict[str, Any],
) -> Any:
    """CKAN's pager over one page of a ``{count, results}`` answer
    (``listed``), linking to ``endpoint`` with the same ``args`` (filters)."""
    from ckan.lib.pagination import Page

    def url(q: Any = None, page: int = 1) -> str:
        return tk.h.url_for(endpoint, tahun=cycle["tahun"], page=page, **args)

    return Page(
        collection=listed["results"],
        page=page,
        url=url,
        item_count=listed["count"],
        items_per_page=PAGE_SIZE,
        presliced_list=True,
    )


def download(data: bytes, filename: str, mimetype: str) -> Response:
    """``data`` as an attachment named ``filename``."""
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
