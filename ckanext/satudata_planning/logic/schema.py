"""navl schemas of the ``satudata_*`` actions (``@validate(schema.…)``)."""
from __future__ import annotations

from typing import Any

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.satudata_planning.sop.documents import JENIS

EVENTS_LIMIT_MAX = 1000
#: the largest offset a page may start at (PostgreSQL's OFFSET is a bigint;
#: no list comes near this)
OFFSET_MAX = 2**31 - 1


@validator_args
def cycle_create(
    not_missing: Validator,
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_text: Validator,
    strip_value: Validator,
    satudata_year: Validator,
    satudata_date: Validator,
    satudata_text_max: ValidatorFactory,
) -> Schema:
    return {
        "tahun": [not_missing, not_empty, satudata_year],
        "judul": [ignore_missing, satudata_text, strip_value, satudata_text_max(200)],
        "tanggal_mulai": [ignore_missing, satudata_date],
    }


@validator_args
def cycle_show(not_empty: Validator, satudata_ref: Validator,
               ignore_missing: Validator, satudata_boolean: Validator) -> Schema:
    return {"id": [not_empty, satudata_ref],
            "tasks": [ignore_missing, satudata_boolean]}


@validator_args
def cycle_list(ignore_missing: Validator) -> Schema:
    return {}


@validator_args
def step_complete(
    not_missing: Validator,
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_text: Validator,
    satudata_ref: Validator,
    strip_value: Validator,
    satudata_step_number: Validator,
    satudata_text_max: ValidatorFactory,
) -> Schema:
    return {
        "id": [not_empty, satudata_ref],
        "step": [not_missing, not_empty, satudata_step_number],
        "catatan": [
            ignore_missing, satudata_text, strip_value, satudata_text_max(2000)
        ],
    }


@validator_args
def cycle_events(
    not_empty: Validator,
    satudata_ref: Validator,
    default: ValidatorFactory,
    natural_number_validator: Validator,
    is_positive_integer: Validator,
    satudata_int_max: ValidatorFactory,
    satudata_blank_to_none: Validator,
    ignore_missing: Validator,
    satudata_boolean: Validator,
) -> Schema:
    # blank first: CKAN's number validators read "" / " " as None, then fail
    return {
        "id": [not_empty, satudata_ref],
        "limit": [satudata_blank_to_none, default(100), is_positive_integer],
        "offset": [
            satudata_blank_to_none,
            default(0),
            natural_number_validator,
            satudata_int_max(OFFSET_MAX),
        ],
        "batched": [ignore_missing, satudata_boolean],
    }


# --- items (the Daftar Data) ------------------------------------------------------

ITEMS_LIMIT_DEFAULT = 50
#: the export of a whole list goes through one call
ITEMS_LIMIT_MAX = 10000
ITEM_SORTS = ("organization", "kode_data", "nama_data", "modified", "hasil")


def _item_fields(required: bool) -> Schema:
    """The SOP fields of :mod:`row_fields`, validated by kind.

    ``required``: ``nama_data`` and ``organization`` must be given (create,
    update); a patch leaves out what it does not change.
    """
    from ckanext.satudata_planning.sop.row_fields import FIELDS

    get = get_validator
    ignore_missing, satudata_text = get("ignore_missing"), get("satudata_text")
    strip, blank = get("strip_value"), get("satudata_blank_to_none")
    text_max = get("satudata_text_max")
    out: Schema = {}
    for f in FIELDS:
        first = (
            [get("not_missing"), get("not_empty")]
            if required and f.required
            else [ignore_missing]
        )
        if f.kind in ("text", "long_text", "organization"):
            rest = [satudata_text, strip, blank, text_max(f.max_length or 255)]
        elif f.kind == "int" and f.min_value is not None and f.max_value is not None:
            rest = [get("satudata_int_range")(f.min_value, f.max_value)]
        elif f.kind == "int":
            rest = [get("satudata_int_or_none")]
        elif f.kind == "date":
            rest = [blank, _date_or_none]
        elif f.kind == "vocab":
            rest = [get("satudata_vocab")(f.vocabulary)]
        elif f.kind == "multi_vocab":
            rest = [get("satudata_multi_vocab")(f.vocabulary)]
        else:  # pragma: no cover - no such row field
            rest = []
        out[f.key] = [*first, *rest]
    return out


def _date_or_none(value: Any) -> Any:
    return None if value is None else get_validator("satudata_date")(value)


def get_validator(name: str) -> Any:
    from ckan.plugins.toolkit import get_validator as _get

    return _get(name)


def item_create() -> Schema:
    return {
        "cycle_id": [get_validator("not_empty"), get_validator("satudata_ref")],
        **_item_fields(required=True),
    }


def item_update() -> Schema:
    return {
        "id": [get_validator("not_empty"), get_validator("satudata_ref")],
        "cycle_id": [get_validator("ignore_missing"), get_validator("satudata_ref")],
        "revision": [
            get_validator("ignore_missing"),
            get_validator("satudata_int_or_none"),
        ],
        **_item_fields(required=True),
    }


def item_patch() -> Schema:
    schema = item_update()
    schema.update(_item_fields(required=False))
    return schema


@validator_args
def item_ref(
    not_empty: Validator, ignore_missing: Validator, satudata_ref: Validator
) -> Schema:
    return {"id": [not_empty, satudata_ref], "cycle_id": [ignore_missing, satudata_ref]}


@validator_args
def item_show(
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_ref: Validator,
    satudata_boolean: Validator,
) -> Schema:
    return {
        "id": [not_empty, satudata_ref],
        "cycle_id": [ignore_missing, satudata_ref],
        "include_history": [ignore_missing, satudata_boolean],
        "include_recommendations": [ignore_missing, satudata_boolean],
    }


@validator_args
def item_list(
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_text: Validator,
    satudata_ref: Validator,
    strip_value: Validator,
    default: ValidatorFactory,
    natural_number_validator: Validator,
    is_positive_integer: Validator,
    satudata_boolean: Validator,
    one_of: ValidatorFactory,
    satudata_blank_to_none: Validator,
    satudata_vocab: ValidatorFactory,
    satudata_text_max: ValidatorFactory,
    satudata_int_max: ValidatorFactory,
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "organization": [
            ignore_missing,
            satudata_ref,
            strip_value,
            satudata_blank_to_none,
        ],
        "status": [ignore_missing, satudata_vocab("status_usulan")],
        # a desk result, or "belum": not reviewed yet
        "hasil": [
            ignore_missing,
            satudata_blank_to_none,
            ignore_missing,
            _hasil_or_belum,
        ],
        "kategori": [ignore_missing, satudata_vocab("kategori_sumber")],
        "q": [
            ignore_missing,
            satudata_text,
            strip_value,
            satudata_blank_to_none,
            ignore_missing,
            satudata_text_max(200),
        ],
        "limit": [
            satudata_blank_to_none, default(ITEMS_LIMIT_DEFAULT), is_positive_integer
        ],
        "offset": [
            satudata_blank_to_none,
            default(0),
            natural_number_validator,
            satudata_int_max(OFFSET_MAX),
        ],
        "sort": [ignore_missing, satudata_text, strip_value, _item_sort],
        "mine_first": [ignore_missing, satudata_boolean],
    }


def _hasil_or_belum(value: Any) -> Any:
    if value is None or value in ("belum", "none"):
        return "belum" if value is not None else None
    return get_validator("satudata_vocab")("hasil")(value)


def _item_sort(value: Any) -> str:
    """``<field>`` or ``<field> asc|desc`` with a field of :data:`ITEM_SORTS`."""
    from ckan.plugins.toolkit import Invalid, _

    parts = str(value or "").split()
    if (
        not parts
        or len(parts) > 2
        or parts[0] not in ITEM_SORTS
        or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc"))
    ):
        raise Invalid(
            _("Sort by one of: {fields}, optionally followed by asc or desc").format(
                fields=", ".join(ITEM_SORTS)
            )
        )
    return " ".join([parts[0], parts[1].lower() if len(parts) == 2 else "asc"])


@validator_args
def item_import(
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_ref: Validator,
    strip_value: Validator,
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "upload": [not_empty],
        "organization": [ignore_missing, satudata_ref, strip_value],
    }


@validator_args
def item_carry_over(
    not_empty: Validator, satudata_ref: Validator, satudata_year: Validator
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "from_tahun": [not_empty, satudata_year],
    }


@validator_args
def duplicate_ignore(not_empty: Validator, satudata_ref: Validator) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "item_a": [not_empty, satudata_ref],
        "item_b": [not_empty, satudata_ref],
    }


@validator_args
def item_review(
    not_empty: Validator,
    not_missing: Validator,
    ignore_missing: Validator,
    satudata_text: Validator,
    satudata_ref: Validator,
    strip_value: Validator,
    satudata_blank_to_none: Validator,
    satudata_vocab: ValidatorFactory,
    satudata_text_max: ValidatorFactory,
    satudata_int_or_none: Validator,
) -> Schema:
    return {
        "id": [not_empty, satudata_ref],
        "cycle_id": [ignore_missing, satudata_ref],
        "hasil": [not_missing, not_empty, satudata_vocab("hasil")],
        "catatan": [
            ignore_missing,
            satudata_text,
            strip_value,
            satudata_blank_to_none,
            ignore_missing,
            satudata_text_max(4000),
        ],
        "duplikat_dari": [
            ignore_missing,
            satudata_ref,
            strip_value,
            satudata_blank_to_none,
        ],
        "organization": [
            ignore_missing,
            satudata_ref,
            strip_value,
            satudata_blank_to_none,
        ],
        "revision": [ignore_missing, satudata_int_or_none],
    }


@validator_args
def recommendation_create(
    not_empty: Validator,
    not_missing: Validator,
    ignore_missing: Validator,
    satudata_text: Validator,
    satudata_ref: Validator,
    strip_value: Validator,
    satudata_blank_to_none: Validator,
    satudata_text_max: ValidatorFactory,
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "item_id": [ignore_missing, satudata_ref, strip_value, satudata_blank_to_none],
        "isi": [
            not_missing,
            not_empty,
            satudata_text,
            strip_value,
            not_empty,
            satudata_text_max(4000),
        ],
    }


@validator_args
def recommendation_list(
    not_empty: Validator, ignore_missing: Validator, satudata_ref: Validator
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "item_id": [ignore_missing, satudata_ref],
    }


@validator_args
def organization_list(ignore_missing: Validator) -> Schema:
    return {}


# --- documents, forum and SK (steps 5–9) ------------------------------------------

#: people on one document at most (participants or signatories)
PEOPLE_MAX = 300
PERSON_FIELD_MAX = 200
AGREE_IDS_MAX = 10000
#: the keys of a person, and the third column of a text line
PERSON_KEYS = {
    "peserta": ("nama", "jabatan", "instansi"),
    "penandatangan": ("nama", "jabatan", "nip"),
}


def _people(kind: str) -> Any:
    """People as a list of dicts, or text with one ``Nama; Jabatan; X`` a line.

    Every line is checked; the error names each bad line.
    """
    import re

    from ckan.plugins.toolkit import Invalid, _

    keys = PERSON_KEYS[kind]

    def validator(value: Any) -> list[dict[str, str]]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            raw: list[Any] = [line.split(";") for line in value.splitlines()]
            numbered = [
                (n, parts)
                for n, parts in enumerate(raw, start=1)
                if any(p.strip() for p in parts)
            ]
        elif isinstance(value, (list, tuple)):
            numbered = list(enumerate(value, start=1))
        else:
            raise Invalid(
                _("Give one person per line: Name; Position; {third}").format(
                    third=keys[2].upper()
                )
            )
        if len(numbered) > PEOPLE_MAX:
            raise Invalid(_("At most {max} people").format(max=PEOPLE_MAX))
        people: list[dict[str, str]] = []
        errors: list[str] = []
        for number, entry in numbered:
            if isinstance(entry, dict):
                parts = [entry.get(k) for k in keys]
                extra = [k for k in entry if k not in keys]
            elif isinstance(entry, (list, tuple)):
                parts, extra = list(entry), list(entry[3:])
            else:
                parts, extra = [entry], []
            if extra:
                errors.append(
                    _(
                        "Line {n}: more than three parts (Name; Position; {third})"
                    ).format(n=number, third=keys[2].upper())
                )
                continue
            values = [str(p or "").strip() for p in [*parts, "", "", ""][:3]]
            person = dict(zip(keys, values, strict=True))
            if any(isinstance(p, (dict, list, tuple, bool)) for p in parts) or any(
                _bad_text(v) for v in values
            ):
                errors.append(
                    _("Line {n}: a part is not plain text").format(n=number)
                )
            elif not person["nama"]:
                errors.append(_("Line {n}: the name is missing").format(n=number))
            elif any(len(v) > PERSON_FIELD_MAX for v in values):
                errors.append(
                    _("Line {n}: a part is longer than {max} characters").format(
                        n=number, max=PERSON_FIELD_MAX
                    )
                )
            elif kind == "penandatangan" and not re.fullmatch(
                r"[0-9 .]*", person["nip"]
            ):
                errors.append(
                    _("Line {n}: the NIP may contain digits only").format(n=number)
                )
            else:
                if kind == "penandatangan":
                    person["nip"] = re.sub(r"[ .]", "", person["nip"])
                people.append(person)
        if errors:
            raise Invalid("; ".join(errors))
        return people

    return validator


def _bad_text(text: str) -> bool:
    """True when ``text`` is refused by :func:`validators.satudata_text`."""
    from ckan.plugins.toolkit import Invalid

    from ckanext.satudata_planning.logic.validators import clean_text

    try:
        clean_text(text)
    except Invalid:
        return True
    return False


def _id_list(value: Any) -> list[str]:
    """Row ids or codes: a list, or text separated by commas or spaces."""
    from ckan.plugins.toolkit import Invalid, _

    from ckanext.satudata_planning.logic.validators import REF_MAX, clean_text

    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple)):
        raise Invalid(_("Give a list of rows"))
    if any(v is not None and not isinstance(v, (str, int)) for v in value):
        raise Invalid(_("Give a list of rows"))
    ids = [str(clean_text(v, REF_MAX)).strip() for v in value if str(v or "").strip()]
    if not ids:
        raise Invalid(_("Choose at least one row"))
    if len(ids) > AGREE_IDS_MAX:
        raise Invalid(_("At most {max} rows at once").format(max=AGREE_IDS_MAX))
    return ids


def _strict_bool(value: Any) -> bool:
    """true/false (also 1/0, yes/no, ya/tidak): a missing decision is an error."""
    from ckan.plugins.toolkit import Invalid, _

    from ckanext.satudata_planning.logic.validators import parse_bool

    parsed = parse_bool(value)
    if parsed is None or (isinstance(value, str) and not value.strip()):
        raise Invalid(_("Give true (agreed) or false (not agreed)"))
    return parsed


@validator_args
def document_show(
    not_empty: Validator, satudata_ref: Validator, one_of: ValidatorFactory
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "jenis": [not_empty, one_of(list(JENIS))],
    }


@validator_args
def document_update(
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_text: Validator,
    satudata_ref: Validator,
    strip_value: Validator,
    one_of: ValidatorFactory,
    satudata_blank_to_none: Validator,
    satudata_text_max: ValidatorFactory,
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "jenis": [not_empty, one_of(list(JENIS))],
        "nomor": [
            ignore_missing,
            satudata_text,
            strip_value,
            satudata_blank_to_none,
            satudata_text_max(200),
        ],
        "tanggal": [ignore_missing, satudata_blank_to_none, _date_or_none],
        "tempat": [
            ignore_missing,
            satudata_text,
            strip_value,
            satudata_blank_to_none,
            satudata_text_max(300),
        ],
        "peserta": [ignore_missing, _people("peserta")],
        "penandatangan": [ignore_missing, _people("penandatangan")],
    }


@validator_args
def document_upload(
    not_empty: Validator, satudata_ref: Validator, one_of: ValidatorFactory
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "jenis": [not_empty, one_of(list(JENIS))],
        "upload": [not_empty],
    }


@validator_args
def item_agree(
    not_empty: Validator, not_missing: Validator, satudata_ref: Validator
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "ids": [not_missing, _id_list],
        "disepakati": [not_missing, _strict_bool],
    }


@validator_args
def sk_publish(
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_ref: Validator,
    satudata_boolean: Validator,
) -> Schema:
    return {
        "cycle_id": [not_empty, satudata_ref],
        "resend": [ignore_missing, satudata_boolean],
    }


# --- after step 10: checking and publication ---------------------------------------

CHECK_LIMIT_DEFAULT = 50
CHECK_LIMIT_MAX = 1000


@validator_args
def dataset_submit(
    not_empty: Validator,
    ignore_missing: Validator,
    satudata_ref: Validator,
    satudata_text: Validator,
    strip_value: Validator,
    satudata_blank_to_none: Validator,
    satudata_text_max: ValidatorFactory,
) -> Schema:
    return {
        "id": [not_empty, satudata_ref],
        "catatan": [
            ignore_missing,
            satudata_text,
            strip_value,
            satudata_blank_to_none,
            ignore_missing,
            satudata_text_max(4000),
        ],
    }


@validator_args
def dataset_review(
    not_missing: Validator,
    not_empty: Validator,
    satudata_check_hasil: Validator,
) -> Schema:
    return {
        **dataset_submit(),
        "hasil": [not_missing, not_empty, satudata_check_hasil],
    }


@validator_args
def verification_list(
    ignore_missing: Validator,
    satudata_ref: Validator,
    satudata_text: Validator,
    strip_value: Validator,
    satudata_blank_to_none: Validator,
    satudata_check_status: Validator,
    satudata_text_max: ValidatorFactory,
    default: ValidatorFactory,
    is_positive_integer: Validator,
    natural_number_validator: Validator,
    satudata_int_max: ValidatorFactory,
    satudata_boolean: Validator,
) -> Schema:
    blank = [ignore_missing, satudata_ref, strip_value, satudata_blank_to_none,
             ignore_missing]
    return {
        "cycle_id": list(blank),
        "organization": list(blank),
        "queued": [ignore_missing, satudata_boolean],
        "status": [ignore_missing, satudata_text, satudata_blank_to_none,
                   ignore_missing, satudata_check_status],
        "q": [ignore_missing, satudata_text, strip_value, satudata_blank_to_none,
              ignore_missing, satudata_text_max(200)],
        "limit": [satudata_blank_to_none, default(CHECK_LIMIT_DEFAULT),
                  is_positive_integer, satudata_int_max(CHECK_LIMIT_MAX)],
        "offset": [satudata_blank_to_none, default(0), natural_number_validator,
                   satudata_int_max(OFFSET_MAX)],
    }


@validator_args
def verification_show(not_empty: Validator, satudata_ref: Validator) -> Schema:
    return {"id": [not_empty, satudata_ref]}
