"""Screens under /perencanaan. Each view calls actions; it never queries itself."""
from __future__ import annotations

from flask import Blueprint

perencanaan = Blueprint("satudata_planning", __name__, url_prefix="/perencanaan")

__all__ = ["perencanaan"]
