"""The ``satudata_*`` actions, one module per entity or step group.

Each submodule lists its actions in ``__all__``; CKAN's action blanket
registers what this package re-exports. :mod:`._common` holds what they
share (the one commit, the cycle lookup and its locks).
"""
from __future__ import annotations

from .calendar import *  # noqa: F401,F403
from .calendar import __all__ as _calendar
from .checking import *  # noqa: F401,F403
from .checking import __all__ as _checking
from .cycle import *  # noqa: F401,F403
from .cycle import __all__ as _cycle
from .desk import *  # noqa: F401,F403
from .desk import __all__ as _desk
from .document import *  # noqa: F401,F403
from .document import __all__ as _document
from .forum import *  # noqa: F401,F403
from .forum import __all__ as _forum
from .item import *  # noqa: F401,F403
from .item import __all__ as _item
from .item_import import *  # noqa: F401,F403
from .item_import import __all__ as _item_import
from .progress import *  # noqa: F401,F403
from .progress import __all__ as _progress
from .provision import *  # noqa: F401,F403
from .provision import __all__ as _provision
from .publish import *  # noqa: F401,F403
from .publish import __all__ as _publish
from .recommendation import *  # noqa: F401,F403
from .recommendation import __all__ as _recommendation
from .site import *  # noqa: F401,F403
from .site import __all__ as _site
from .table import *  # noqa: F401,F403
from .table import __all__ as _table

__all__: list[str] = [
    *_calendar,
    *_checking,
    *_cycle,
    *_desk,
    *_document,
    *_forum,
    *_item,
    *_item_import,
    *_progress,
    *_provision,
    *_publish,
    *_recommendation,
    *_site,
    *_table,
]
