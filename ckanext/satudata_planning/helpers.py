"""Template helpers. They read what the view or action already loaded: no queries."""
from __future__ import annotations

from typing import Any

from ckanext.satudata_planning import vocabularies

__all__ = ["satudata_choices", "satudata_vocab_label"]


def satudata_choices(field: dict[str, Any]) -> list[dict[str, Any]]:
    """scheming ``choices_helper``: the field's ``satudata_vocabulary`` terms."""
    return vocabularies.scheming_choices(field["satudata_vocabulary"])


def satudata_vocab_label(name: str, value: str | None) -> str:
    """Label of a vocabulary value in the current language."""
    from ckan.lib.i18n import get_lang

    return vocabularies.label(name, value, get_lang())
