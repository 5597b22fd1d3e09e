"""The ``satudata_*`` actions, one module per entity.

Each submodule lists its actions in ``__all__``; the blanket decorator on the
plugin registers what this package re-exports. A module that registers a real
gate (``gates.register``) is imported here too, so its check is in place as
soon as the plugin loads.
"""
from __future__ import annotations

from .cycle import *  # noqa: F401,F403
from .cycle import __all__ as _cycle_all

__all__: list[str] = [*_cycle_all]
