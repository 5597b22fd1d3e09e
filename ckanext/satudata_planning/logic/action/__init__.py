"""The ``satudata_*`` actions, one module per entity.

Each submodule lists its actions in ``__all__``; the blanket decorator on the
plugin registers what this package re-exports.
"""
from __future__ import annotations

__all__: list[str] = []
