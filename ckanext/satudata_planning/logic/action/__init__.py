"""The ``satudata_*`` actions, one module per entity.

Each submodule lists its actions in ``__all__``; the blanket decorator on the
plugin registers what this package re-exports. A module that registers a real
gate (``gates.register``) is imported here too, so its check is in place as
soon as the plugin loads (``item`` registers the gates of steps 1 and 4).
"""
from __future__ import annotations

from .cycle import *  # noqa: F401,F403
from .cycle import __all__ as _cycle_all
from .document import *  # noqa: F401,F403
from .document import __all__ as _document_all
from .item import *  # noqa: F401,F403
from .item import __all__ as _item_all
from .recommendation import *  # noqa: F401,F403
from .recommendation import __all__ as _recommendation_all

__all__: list[str] = [*_cycle_all, *_item_all, *_recommendation_all]
__all__ += _document_all

# step 10: provisioning and progress (registers the gate of step 10)
from .provision import *  # noqa: F401,F403,E402
from .provision import __all__ as _provision_all  # noqa: E402

__all__ += _provision_all
