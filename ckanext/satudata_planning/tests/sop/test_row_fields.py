"""The fields of a Daftar Data row: complete, and consistent with the vocabularies
and the dataset schema."""
from __future__ import annotations

import dataclasses
import doctest
import importlib.resources

import pytest
import yaml

from ckanext.satudata_planning.sop import row_fields, vocabularies
from ckanext.satudata_planning.sop.row_fields import BY_KEY, FIELDS, REVIEW_FIELDS

SOP_FIELDS = {
    "kode_data", "tahun", "nama_data", "organization", "jenis_data", "bentuk",
    "kategori_sumber", "status_usulan", "konsep", "definisi", "klasifikasi", "ukuran",
    "satuan", "rumus", "tingkat_penyajian", "frekuensi", "jadwal_rilis",
    "jadwal_pemutakhiran", "cara_pengumpulan", "sumber_data", "sifat_akses",
    "kode_sds", "kode_urusan", "kode_indikator",
}


def test_every_field_of_the_sop_once():
    keys = [f.key for f in FIELDS]
    assert len(keys) == len(set(keys))
    assert set(keys) == SOP_FIELDS


def test_only_name_and_producer_are_required():
    assert {f.key for f in FIELDS if f.required} == {"nama_data", "organization"}


@pytest.mark.parametrize("f", FIELDS + REVIEW_FIELDS, ids=lambda f: f.key)
def test_field_is_complete(f):
    assert f.label_id and f.label_en and f.help_id
    if f.kind in ("vocab", "multi_vocab"):
        assert f.vocabulary in vocabularies.NAMES
    else:
        assert f.vocabulary is None
    if f.kind in ("text", "long_text", "organization"):
        assert f.max_length and f.max_length > 0
    if f.kind == "int":
        assert f.min_value is not None and f.max_value is not None


def test_headers_are_unambiguous():
    """Every accepted header (key, labels, aliases) names exactly one field."""
    seen: dict[str, str] = {}
    for f in FIELDS + REVIEW_FIELDS:
        for name in {f.key, f.label_id, f.label_en, *f.aliases}:
            norm = " ".join(name.replace("_", " ").split()).casefold()
            assert seen.setdefault(norm, f.key) == f.key, name


def test_fields_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FIELDS[0].key = "other"  # type: ignore[misc]


def test_label_in_either_language():
    assert BY_KEY["jadwal_rilis"].label() == "Jadwal Rilis"
    assert BY_KEY["jadwal_rilis"].label("en") == "Release date"


def test_vocabularies_match_the_dataset_schema():
    """The scheming schema and the row agree on which vocabulary a field uses."""
    text = (importlib.resources.files("ckanext.satudata_planning")
            / "schemas" / "dataset.yaml").read_text(encoding="utf-8")
    schema = yaml.safe_load(text)
    for field in schema["dataset_fields"]:
        vocabulary = field.get("satudata_vocabulary")
        if vocabulary and field["field_name"] in BY_KEY:
            assert BY_KEY[field["field_name"]].vocabulary == vocabulary


def test_docstring_examples():
    assert doctest.testmod(row_fields).failed == 0
