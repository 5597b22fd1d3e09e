"""Candidate duplicates across OPDs: normalisation, known pairs, scale."""
from __future__ import annotations

import doctest
import random

import pytest

from ckanext.satudata_planning import duplicates
from ckanext.satudata_planning.duplicates import find_pairs, name_score, normalise


def _item(ident: str, org: str, nama: str, **extra: str) -> dict[str, str]:
    return {"id": ident, "kode_data": f"2027-{org.upper()}-{ident}",
            "organization": org, "nama_data": nama, **extra}


ITEMS = [
    _item("p1", "dindukcapil", "Jumlah Penduduk menurut Kecamatan", satuan="Jiwa",
          definisi="Jumlah penduduk yang tercatat menurut kecamatan tempat tinggal",
          ukuran="jumlah"),
    _item("p2", "bps", "Jml penduduk per kecamatan", satuan="orang",
          definisi="Banyaknya penduduk tercatat menurut kecamatan tempat tinggal",
          ukuran="jumlah"),
    _item("p3", "dindukcapil", "Jumlah Penduduk per Kecamatan"),
    _item("k1", "dinkes", "Jumlah Puskesmas", satuan="unit"),
    _item("k2", "dinsos", "Jumlah Posyandu", satuan="unit"),
    _item("s1", "dindik", "Jumlah Murid SD", satuan="orang"),
    _item("s2", "kemenag", "Jumlah Guru Sekolah Dasar", satuan="orang"),
    _item("r1", "dinkes", "Jumlah Rumah Sakit", satuan="unit"),
    _item("r2", "bps", "Jumlah RS", satuan="unit"),
    _item("c1", "dindik", "Angka Partisipasi Murni SD", kode_sds="SDS-0101"),
    _item("c2", "bps", "APM Sekolah Dasar", kode_sds="SDS-0101"),
    _item("u1", "dinkes", "Persentase Balita Gizi Buruk", satuan="%"),
    _item("u2", "dinsos", "Jumlah Balita Gizi Buruk", satuan="orang"),
]


def _ids(pairs: list[duplicates.Pair]) -> set[frozenset[str]]:
    return {frozenset((p.item_a["id"], p.item_b["id"])) for p in pairs}


@pytest.mark.parametrize(("text", "expected"), [
    ("Jumlah Penduduk menurut Kecamatan", "jumlah penduduk kecamatan"),
    ("Jml. penduduk per kec.", "jumlah penduduk kecamatan"),
    ("JMLH PDDK  di Kota Pekalongan tahun 2026", "jumlah penduduk"),
    ("Persentase (%) RS", "persentase rumah sakit"),  # a unit in brackets
    ("Data Jumlah Murid SD/MI",
     "jumlah siswa sekolah dasar madrasah ibtidaiyah"),
    ("Jumlah Perusahaan Pers", "jumlah perusahaan pers"),
    ("Penduduk s.d. 2024", "penduduk"),
    (None, ""),
])
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_units_in_one_spelling():
    assert duplicates.normalise_unit("Jiwa") == duplicates.normalise_unit("orang")
    assert duplicates.normalise_unit("%") == duplicates.normalise_unit("Persen")
    assert duplicates.normalise_unit("unit") != duplicates.normalise_unit("orang")


def test_names_that_share_characters_but_not_subject_score_low():
    assert name_score("Jumlah Murid SD", "Jumlah Guru SD") < 75
    assert name_score("Jumlah Penduduk", "Jumlah Penduduk Miskin") < 75
    assert name_score("Jumlah Pendudk per Kecamatan", "Jumlah Penduduk Kecamatan") > 95


def test_known_pairs_across_organizations():
    pairs = find_pairs(ITEMS, threshold=85, ignored=set())
    found = _ids(pairs)
    assert frozenset({"p1", "p2"}) in found
    assert frozenset({"r1", "r2"}) in found
    assert frozenset({"c1", "c2"}) in found  # same SDS code
    assert frozenset({"k1", "k2"}) not in found  # puskesmas ≠ posyandu
    assert frozenset({"s1", "s2"}) not in found  # murid ≠ guru
    assert frozenset({"u1", "u2"}) not in found  # % against a count
    assert frozenset({"p1", "p3"}) not in found  # same OPD


def test_reasons_say_what_matched():
    pair = next(p for p in find_pairs(ITEMS, threshold=85, ignored=set())
                if {p.item_a["id"], p.item_b["id"]} == {"p1", "p2"})
    assert pair.score == 100
    assert pair.alasan[0] == "Same name"
    assert "Same unit (orang / Jiwa)" in pair.alasan  # item_a is BPS's (kode order)
    assert "Same definition" in pair.alasan  # "Banyaknya" = "Jumlah", "yang" dropped
    assert pair.as_dict() == {"item_a": pair.item_a, "item_b": pair.item_b,
                              "score": 100, "alasan": list(pair.alasan),
                              "jenis": "mirip"}
    coded = next(p for p in find_pairs(ITEMS, threshold=85, ignored=set())
                 if p.item_a["id"] in ("c1", "c2"))
    assert "Same SDS code (SDS-0101)" in coded.alasan
    assert coded.score >= duplicates.CODE_SCORE


def test_same_organization_pairs_on_request():
    pairs = find_pairs(ITEMS, threshold=85, ignored=set(), same_organization=True)
    assert frozenset({"p1", "p3"}) in _ids(pairs)


def test_ignored_pair_is_not_shown():
    ignored = {frozenset({"p2", "p1"})}
    found = _ids(find_pairs(ITEMS, threshold=85, ignored=ignored))
    assert frozenset({"p1", "p2"}) not in found
    assert frozenset({"r1", "r2"}) in found


def test_lower_threshold_finds_more():
    strict = find_pairs(ITEMS, threshold=95, ignored=set())
    loose = find_pairs(ITEMS, threshold=60, ignored=set())
    assert _ids(strict) < _ids(loose)
    assert all(p.score >= 95 for p in strict)


def test_order_is_deterministic():
    expected = find_pairs(ITEMS, threshold=60, ignored=set())
    shuffled = ITEMS[:]
    random.Random(3).shuffle(shuffled)
    again = find_pairs(shuffled, threshold=60, ignored=set())
    assert [(p.item_a["id"], p.item_b["id"], p.score) for p in again] == [
        (p.item_a["id"], p.item_b["id"], p.score) for p in expected]
    scores = [p.score for p in expected]
    assert scores == sorted(scores, reverse=True)
    for p in expected:
        assert p.item_a["kode_data"] <= p.item_b["kode_data"]


def test_items_without_names_or_organization():
    items = [{"id": "a", "nama_data": ""}, {"id": "b"},
             _item("x", "dinkes", "Data"), _item("y", "dinsos", "Data")]
    assert find_pairs(items, threshold=85, ignored=set()) == []


def test_5000_items_complete():
    rng = random.Random(11)
    subjects = ("penduduk puskesmas posyandu balita sekolah guru murid jalan sawah "
                "ternak industri pajak pegawai dokter pasar hotel sampah listrik "
                "banjir nelayan koperasi kemiskinan wisatawan").split()
    lead = ("Jumlah", "Persentase", "Jml", "Rasio", "Banyaknya")
    tail = ("menurut Kecamatan", "per Kelurahan", "", "di Kota Pekalongan")
    items = [
        _item(f"{i:05d}", f"opd{i % 37}",
              f"{rng.choice(lead)} {' '.join(rng.sample(subjects, 2))} "
              f"{rng.choice(tail)}", satuan=rng.choice(("orang", "unit", "%")))
        for i in range(5000)
    ]
    pairs = find_pairs(items, threshold=90, ignored=set())
    assert isinstance(pairs, list) and pairs
    assert all(p.item_a["organization"] != p.item_b["organization"] for p in pairs)


def test_docstring_examples():
    assert doctest.testmod(duplicates).failed == 0
