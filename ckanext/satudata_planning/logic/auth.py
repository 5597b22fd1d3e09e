"""Auth functions of the ``satudata_*`` actions: who may do what, and when."""
from __future__ import annotations

__all__: list[str] = []
