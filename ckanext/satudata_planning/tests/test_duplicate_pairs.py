"""A labelled set of realistic name pairs: recall and precision of the
duplicate candidates (printed with ``pytest -s``)."""
from __future__ import annotations

import pytest

from ckanext.satudata_planning.duplicates import (
    KIND_BREAKDOWN,
    KIND_SIMILAR,
    find_pairs,
    split_tokens,
)

#: pairs a desk must see: (name of one OPD's row, name of another's, kind)
MUST_FIND = [
    ("Jumlah Penduduk menurut Kecamatan",
     "Jumlah Penduduk menurut Kecamatan dan Jenis Kelamin", KIND_BREAKDOWN),
    ("Jumlah Penyandang Disabilitas",
     "Jumlah Penyandang Disabilitas menurut Kelurahan", KIND_BREAKDOWN),
    ("Jumlah Penduduk menurut Kecamatan", "Jumlah Penduduk menurut Kelurahan",
     KIND_BREAKDOWN),
    ("Jml penduduk per kec.", "Jumlah Penduduk menurut Kecamatan", KIND_SIMILAR),
    ("Jumlah Rumah Sakit", "Jumlah RS", KIND_SIMILAR),
    ("APM SD", "Angka Partisipasi Murni Sekolah Dasar", KIND_SIMILAR),
    ("Angka Kematian Ibu (AKI)", "AKI", KIND_SIMILAR),
    ("Indeks Pembangunan Manusia (IPM)", "IPM Kota Pekalongan", KIND_SIMILAR),
    ("PDRB Atas Dasar Harga Berlaku",
     "Produk Domestik Regional Bruto ADHB", KIND_SIMILAR),
    ("Jumlah Pendudk Miskin", "Jumlah Penduduk Miskin", KIND_SIMILAR),
    ("Prosentase Balita Stunting", "Persentase Balita Stunting (%)", KIND_SIMILAR),
    ("Banyaknya Posyandu per Kelurahan", "Jumlah Posyandu menurut Kelurahan",
     KIND_SIMILAR),
    ("Jumlah Murid SD menurut Kecamatan",
     "Jumlah Siswa Sekolah Dasar per Kecamatan", KIND_SIMILAR),
    ("Tingkat Pengangguran Terbuka (TPT)", "TPT Kota Pekalongan Tahun 2025",
     KIND_SIMILAR),
    ("Jumlah Penduduk menurut Kelompok Umur", "Jumlah Penduduk berdasarkan Usia",
     KIND_SIMILAR),
    ("Jumlah Kasus DBD", "Jumlah Kasus Demam Berdarah Dengue", KIND_SIMILAR),
    ("Jumlah Penyandang Cacat", "Jumlah Penyandang Disabilitas", KIND_SIMILAR),
    ("Luas Wilayah menurut Kecamatan (Ha)", "Luas Wilayah per Kecamatan",
     KIND_SIMILAR),
    ("Jumlah Kendaraan Bermotor", "Jumlah Kendaraan menurut Jenis Kendaraan",
     KIND_BREAKDOWN),
]

#: distinct data that share words: the desk must not be shown these
MUST_NOT = [
    ("Jumlah Puskesmas", "Jumlah Posyandu"),
    ("Jumlah Murid SD", "Jumlah Guru SD"),
    ("Jumlah Penduduk", "Jumlah Penduduk Miskin"),
    ("Angka Kematian Ibu", "Angka Kematian Bayi"),
    ("Angka Partisipasi Murni SD", "Angka Partisipasi Kasar SD"),
    ("PDRB Atas Dasar Harga Berlaku", "PDRB Atas Dasar Harga Konstan"),
    ("Jumlah Rumah Sakit", "Jumlah Tempat Tidur Rumah Sakit"),
    ("Jumlah Kasus DBD", "Jumlah Kasus TBC"),
    ("Jumlah Sekolah Dasar", "Jumlah Sekolah Menengah Pertama"),
    ("Jumlah Pelanggan PDAM", "Jumlah Pelanggan Listrik"),
    ("Luas Lahan Sawah", "Luas Lahan Kering"),
    ("Jumlah Wisatawan Mancanegara", "Jumlah Wisatawan Nusantara"),
    ("Jumlah Pasar Tradisional", "Jumlah Pasar Modern"),
    ("Jumlah Nelayan", "Jumlah Kapal Nelayan"),
    ("Produksi Padi", "Produksi Jagung"),
    ("Tingkat Pengangguran Terbuka", "Tingkat Partisipasi Angkatan Kerja"),
    ("Jumlah Ibu Hamil", "Jumlah Ibu Menyusui"),
    ("Angka Kematian Bayi per 1.000 Kelahiran Hidup",
     "Angka Kematian Balita per 1.000 Kelahiran Hidup"),
    ("Jumlah Penduduk menurut Kecamatan", "Jumlah Kecamatan"),
    ("Jumlah Penduduk Miskin menurut Kecamatan",
     "Jumlah Penduduk menurut Kecamatan"),
    ("Jumlah Siswa Kelas 7 menurut Kecamatan", "Jumlah Siswa Kelas 8 per Kecamatan"),
]


def _pair(a: str, b: str) -> list:
    items = [{"id": "a", "kode_data": "2031-A-001", "organization": "dindukcapil",
              "nama_data": a},
             {"id": "b", "kode_data": "2031-B-001", "organization": "dinkes",
              "nama_data": b}]
    return find_pairs(items, threshold=85, ignored=set())


def test_labelled_set_recall_and_precision():
    assert len(MUST_FIND) >= 15 and len(MUST_NOT) >= 15
    assert len({frozenset(p) for p in MUST_NOT}) == len(MUST_NOT)
    found = {(a, b): _pair(a, b) for a, b, _kind in MUST_FIND}
    wrong = {(a, b): _pair(a, b) for a, b in MUST_NOT}
    tp = sum(1 for pairs in found.values() if pairs)
    fp = sum(1 for pairs in wrong.values() if pairs)
    recall = tp / len(MUST_FIND)
    precision = tp / (tp + fp) if tp + fp else 1.0
    print(f"\nduplicates, labelled set: {len(MUST_FIND)} pairs to find, "
          f"{len(MUST_NOT)} to leave out: recall {recall:.2f}, "
          f"precision {precision:.2f}")
    missed = [k for k, v in found.items() if not v]
    extra = [(k, v[0].score, v[0].alasan) for k, v in wrong.items() if v]
    assert not missed, missed
    assert not extra, extra


@pytest.mark.parametrize(("a", "b", "kind"), MUST_FIND)
def test_each_pair_has_its_kind_and_reason(a, b, kind):
    pairs = _pair(a, b)
    assert pairs, (a, b)
    assert pairs[0].jenis == kind
    assert pairs[0].as_dict()["jenis"] == kind
    if kind == KIND_BREAKDOWN:
        assert pairs[0].alasan[0].startswith("Same subject, another breakdown")


def test_the_issue_pairs_name_the_breakdowns():
    (pair,) = _pair("Jumlah Penduduk menurut Kecamatan",
                    "Jumlah Penduduk menurut Kecamatan dan Jenis Kelamin")
    assert pair.alasan[0] == ("Same subject, another breakdown "
                              "(kecamatan / jenis kelamin kecamatan)")
    assert split_tokens("Jumlah Penyandang Disabilitas menurut Kelurahan") == (
        ["jumlah", "penyandang", "disabilitas"], ["kelurahan"])
