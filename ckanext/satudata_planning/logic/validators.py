"""Validators shared by the action schemas and the scheming dataset schema."""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import StopOnError, missing

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.sop import vocabularies

__all__ = [
    "satudata_blank_to_none",
    "satudata_boolean",
    "satudata_check_hasil",
    "satudata_check_status",
    "satudata_date",
    "satudata_int_max",
    "satudata_int_or_none",
    "satudata_int_range",
    "satudata_multi_vocab",
    "satudata_provisioned_keep",
    "satudata_ref",
    "satudata_vocab",
    "satudata_step_number",
    "satudata_text",
    "satudata_text_max",
    "satudata_year",
]

MIN_YEAR = 2000
MAX_YEAR = 2100
#: longest reference: a uuid (36), a kode_data (50), an organization name (100)
REF_MAX = 100
#: what PostgreSQL text cannot hold (NUL), what UTF-8 cannot encode (lone
#: surrogates) and what XML 1.0 (the .docx documents, the .xlsx export)
#: refuses: C0 controls other than tab, newline and carriage return
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def satudata_year(value: Any) -> int:
    """A plausible Daftar Data year (2000–2100).

    >>> satudata_year("2027")
    2027
    """
    if isinstance(value, bool) or (
        isinstance(value, float) and not value.is_integer()
    ):
        raise tk.Invalid(tk._("Year must be a whole number"))
    try:
        year = int(value)
    except (TypeError, ValueError, OverflowError):
        raise tk.Invalid(tk._("Year must be a whole number")) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise tk.Invalid(
            tk._("Year must be between {min} and {max}").format(
                min=MIN_YEAR, max=MAX_YEAR
            )
        )
    return year


def satudata_date(value: Any) -> dt.date:
    """A calendar date: a ``date``, or an ISO ``YYYY-MM-DD`` string, in the
    years the planning deals with (2000–2100: beyond them date arithmetic on
    working days would overflow, and no such date is meant).

    >>> satudata_date("2026-08-17")
    datetime.date(2026, 8, 17)
    """
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    else:
        if not isinstance(value, str):
            raise tk.Invalid(tk._("Date must be in the form YYYY-MM-DD"))
        try:
            date = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise tk.Invalid(tk._("Date must be in the form YYYY-MM-DD")) from None
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise tk.Invalid(
            tk._("Date must lie between the years {min} and {max}").format(
                min=MIN_YEAR, max=MAX_YEAR
            )
        )
    return date


def satudata_step_number(value: Any) -> int:
    """A step number of the SOP, 1 to 10.

    >>> satudata_step_number("4")
    4
    """
    if isinstance(value, bool) or (
        isinstance(value, float) and not value.is_integer()
    ):
        raise tk.Invalid(tk._("Step must be a whole number"))
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise tk.Invalid(tk._("Step must be a whole number")) from None
    if not sop.is_step(number):
        raise tk.Invalid(
            tk._("Step must be between {first} and {last}").format(
                first=sop.FIRST_STEP, last=sop.LAST_STEP
            )
        )
    return number


def clean_text(value: Any, max_length: Optional[int] = None) -> Optional[str]:
    """Text as the database, the documents and the spreadsheets can keep it.

    A number becomes its text (a year, a code); lists, objects, booleans and
    non-finite numbers are refused, and so is text with NUL bytes, control
    characters or lone surrogates (PostgreSQL, UTF-8 and XML refuse them and
    the request would fail later); ``max_length``: at most that long.

    >>> clean_text(2027), clean_text("Jumlah <b>Puskesmas</b>")
    ('2027', 'Jumlah <b>Puskesmas</b>')
    """
    if value is None or isinstance(value, str):
        text = value
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float) and math.isfinite(value):
        text = str(int(value)) if value.is_integer() else str(value)
    else:
        raise tk.Invalid(tk._("Must be text"))
    if text and _FORBIDDEN_CHARS.search(text):
        raise tk.Invalid(
            tk._("Contains characters that are not allowed (control characters)")
        )
    if text and max_length is not None and len(text) > max_length:
        raise tk.Invalid(
            tk._("Must be at most {length} characters long").format(length=max_length)
        )
    return text


def _stop_on_invalid(
    key: Any, data: Any, errors: Any, max_length: Optional[int]
) -> None:
    try:
        data[key] = clean_text(data.get(key), max_length)
    except tk.Invalid as e:
        errors[key].append(e.error)
        # the next validators (strip_value, …) must not see a list or a NUL
        raise StopOnError from None


def satudata_text(key: Any, data: Any, errors: Any, context: Any) -> None:
    """:func:`clean_text` as a validator that ends the field's chain when it
    refuses (CKAN's ``unicode_safe`` turns anything into text instead)."""
    _stop_on_invalid(key, data, errors, None)


def satudata_ref(key: Any, data: Any, errors: Any, context: Any) -> None:
    """What names a record (an id, a year, a kode_data, an organization name):
    text of at most :data:`REF_MAX` characters, as :func:`satudata_text`."""
    _stop_on_invalid(key, data, errors, REF_MAX)


def satudata_text_max(length: int) -> Callable[[Any], Any]:
    """Factory: a text of at most ``length`` characters.

    >>> satudata_text_max(3)("abc")
    'abc'
    """

    def validator(value: Any) -> Any:
        if value is not None and len(str(value)) > length:
            raise tk.Invalid(
                tk._("Must be at most {length} characters long").format(length=length)
            )
        return value

    return validator


def satudata_blank_to_none(value: Any) -> Any:
    """An empty or blank text is "no value" (so an update can clear a field).

    >>> satudata_blank_to_none("  ") is None
    True
    """
    if isinstance(value, str) and not value.strip():
        return None
    return value


def satudata_int_or_none(value: Any) -> Any:
    """A whole number, or None when blank.

    >>> satudata_int_or_none("3")
    3
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise tk.Invalid(tk._("Must be a whole number"))
    if isinstance(value, float):
        if not value.is_integer():
            raise tk.Invalid(tk._("Must be a whole number"))
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise tk.Invalid(tk._("Must be a whole number")) from None


def satudata_int_range(minimum: int, maximum: int) -> Callable[[Any], Any]:
    """Factory: a whole number (or None) from ``minimum`` to ``maximum``.

    >>> satudata_int_range(1, 3)("2")
    2
    """

    def validator(value: Any) -> Any:
        number = satudata_int_or_none(value)
        if number is not None and not minimum <= number <= maximum:
            raise tk.Invalid(
                tk._("Must be a whole number between {min} and {max}").format(
                    min=minimum, max=maximum
                )
            )
        return number

    return validator


def satudata_int_max(maximum: int) -> Callable[[Any], Any]:
    """Factory: a number already validated (CKAN's ``natural_number_validator``
    and the like) that is at most ``maximum`` (the database's integers end).

    >>> satudata_int_max(10)(3)
    3
    """

    def validator(value: Any) -> Any:
        if isinstance(value, int) and value > maximum:
            raise tk.Invalid(
                tk._("Must be at most {max}").format(max=maximum)
            )
        return value

    return validator


#: the words a form, a query string or an API client sends for yes and no
TRUE_WORDS = frozenset({"true", "1", "yes", "ya", "on", "t", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "tidak", "off", "f", "n", ""})


def parse_bool(value: Any) -> Optional[bool]:
    """``True``/``False`` for a yes/no value, ``None`` for anything else.

    >>> parse_bool("Ya"), parse_bool(0), parse_bool("kadang")
    (True, False, None)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
    return None


def satudata_boolean(value: Any) -> bool:
    """A yes/no parameter: anything but a yes/no word is an error (CKAN's
    ``boolean_validator`` reads a typo as "no").

    >>> satudata_boolean("true"), satudata_boolean("")
    (True, False)
    """
    parsed = parse_bool(value)
    if parsed is None:
        raise tk.Invalid(tk._("Give true or false"))
    return parsed


def _unknown(name: str, text: str) -> tk.Invalid:
    allowed = ", ".join(vocabularies.values(name))
    return tk.Invalid(
        tk._('"{value}" is not an allowed value. Allowed: {allowed}').format(
            value=str(text)[:80], allowed=allowed
        )
    )


def satudata_vocab(name: str) -> Callable[[Any], Any]:
    """Factory: a value of vocabulary ``name`` as its slug (labels accepted).

    >>> satudata_vocab("frekuensi")("Tahunan")
    'tahunan'
    """

    def validator(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        slug = vocabularies.from_label(name, str(value))
        if slug is None:
            raise _unknown(name, value)
        return slug

    return validator


def satudata_multi_vocab(name: str) -> Callable[[Any], Any]:
    """Factory: several values of vocabulary ``name`` (a list, or text split by ``;``).

    >>> satudata_multi_vocab("kategori_sumber")("SDGs; spm")
    ['sdgs', 'spm']
    """

    def validator(value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            parts = [p for p in value.split(";") if p.strip()]
        elif isinstance(value, (list, tuple)):
            parts = [str(p) for p in value if str(p).strip()]
        else:
            raise _unknown(name, value)
        slugs: list[str] = []
        for part in parts:
            slug = vocabularies.from_label(name, part)
            if slug is None:
                raise _unknown(name, part)
            if slug not in slugs:
                slugs.append(slug)
        return slugs

    return validator


# --- after step 10: the checking of a provisioned dataset ---------------------------


def _one_of(value: Any, allowed: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in allowed:
        raise tk.Invalid(
            tk._('"{value}" is not an allowed value. Allowed: {allowed}').format(
                value=str(value)[:80], allowed=", ".join(allowed)
            )
        )
    return text


def satudata_check_hasil(value: Any) -> str:
    """The Walidata's decision: ``diterima`` or ``perbaikan``.

    >>> satudata_check_hasil(" Diterima ")
    'diterima'
    """
    return _one_of(value, ("diterima", "perbaikan"))


def satudata_check_status(value: Any) -> str:
    """A checking status (``kosong`` … ``diterima``).

    >>> satudata_check_status("diajukan")
    'diajukan'
    """
    from ckanext.satudata_planning.model.checking import STATUSES

    return _one_of(value, STATUSES)


def satudata_provisioned_keep(key: Any, data: Any, errors: Any, context: Any) -> None:
    """scheming: a field that links a step-10 dataset to the Daftar Data
    (``kode_data``, ``tahun``, ``nomor_sk``, ``satudata_item_id``) keeps its
    stored value when an update by its OPD leaves it out (CKAN's
    ``package_update`` would drop it), and a different value is refused.
    Step 10 itself (``ignore_auth``) and sysadmins change it freely; the auth
    functions of ``logic/dataset_guard.py`` refuse the change first."""
    from ckanext.satudata_planning.logic import dataset_guard

    stored = dataset_guard.kept_value(context, key[-1])
    if stored is None:
        return
    value = data.get(key)
    if value is None or value is missing or value == "":
        data[key] = stored
    elif str(value).strip() != stored:
        errors[key].append(dataset_guard.rekey_refusal(key[-1]))
