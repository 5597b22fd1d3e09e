"""Controlled vocabularies of a Daftar Data row: the one place they are written.

Values are stored as lowercase slugs and shown with a label in the viewer's
language. The scheming dataset schema, the item validators, the spreadsheet
template's drop-down lists and the documents all read them from here. An
administrator extends a vocabulary with a YAML file named by
``ckanext.satudata_planning.vocabulary_file``::

    jenis_data:
      - value: statistik_dasar
        id: Statistik Dasar
        en: Basic statistics

>>> label("frekuensi", "tahunan", "id")
'Tahunan'
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import yaml

from ckanext.satudata_planning import config


class Term(NamedTuple):
    value: str
    id: str
    en: str


_BUILTIN: dict[str, tuple[Term, ...]] = {
    "jenis_data": (
        Term("statistik_sektoral", "Statistik Sektoral", "Sectoral statistics"),
        Term("geospasial", "Geospasial", "Geospatial"),
        Term("keuangan_daerah", "Keuangan Daerah", "Regional finance"),
        Term("lainnya", "Lainnya", "Other"),
    ),
    "bentuk": (
        Term("indikator", "Indikator", "Indicator"),
        Term("variabel", "Variabel", "Variable"),
    ),
    "kategori_sumber": (
        Term("prioritas_nasional", "Prioritas Nasional", "National priority"),
        Term("prioritas_provinsi", "Prioritas Provinsi", "Provincial priority"),
        Term("kpda", "Kota Pekalongan Dalam Angka", "Kota Pekalongan in Figures"),
        Term("perencanaan", "Perencanaan (RPJMD, RKPD)", "Planning (RPJMD, RKPD)"),
        Term("sektoral_opd", "Sektoral OPD", "Agency sectoral data"),
        Term("spm", "Standar Pelayanan Minimal (SPM)", "Minimum service standards"),
        Term("sdgs", "SDGs", "SDGs"),
    ),
    "status_usulan": (
        Term("lama", "Lama", "Existing"),
        Term("lama_diubah", "Lama-diubah", "Existing, changed"),
        Term("baru", "Baru", "New"),
        Term("tambahan", "Tambahan", "Added"),
    ),
    "ukuran": (
        Term("jumlah", "Jumlah", "Count"),
        Term("persentase", "Persentase", "Percentage"),
        Term("rasio", "Rasio", "Ratio"),
        Term("indeks", "Indeks", "Index"),
        Term("rata_rata", "Rata-rata", "Average"),
        Term("lainnya", "Lainnya", "Other"),
    ),
    "tingkat_penyajian": (
        Term("kota", "Kota", "City"),
        Term("kecamatan", "Kecamatan", "District"),
        Term("kelurahan", "Kelurahan", "Village"),
    ),
    "frekuensi": (
        Term("bulanan", "Bulanan", "Monthly"),
        Term("triwulanan", "Triwulanan", "Quarterly"),
        Term("semesteran", "Semesteran", "Half-yearly"),
        Term("tahunan", "Tahunan", "Yearly"),
        Term("lima_tahunan", "Lima-tahunan", "Five-yearly"),
    ),
    "cara_pengumpulan": (
        Term("pencacahan_lengkap", "Pencacahan Lengkap", "Census"),
        Term("survei", "Survei", "Survey"),
        Term(
            "kompilasi_produk_administrasi",
            "Kompilasi Produk Administrasi",
            "Compilation of administrative records",
        ),
        Term("cara_lain", "Cara Lain", "Other method"),
    ),
    "sifat_akses": (
        Term("terbuka", "Terbuka", "Open"),
        Term("terbatas", "Terbatas", "Restricted"),
        Term("dikecualikan", "Dikecualikan", "Exempt"),
    ),
    "hasil": (
        Term("disetujui", "Disetujui", "Approved"),
        Term("perbaikan", "Perbaikan", "Needs revision"),
        Term("duplikat", "Duplikat", "Duplicate"),
        Term("dialihkan", "Dialihkan", "Moved to another producer"),
        Term("ditolak", "Ditolak", "Rejected"),
    ),
}

NAMES: tuple[str, ...] = tuple(_BUILTIN)


@functools.cache
def _extra(path: str) -> dict[str, tuple[Term, ...]]:
    """Terms an administrator added in the configured YAML file."""
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    extra: dict[str, tuple[Term, ...]] = {}
    for name, terms in data.items():
        if name not in _BUILTIN:
            raise ValueError(f"{path}: unknown vocabulary {name!r}")
        extra[name] = tuple(
            Term(str(t["value"]), str(t.get("id") or t["value"]),
                 str(t.get("en") or t.get("id") or t["value"]))
            for t in terms
        )
    return extra


def terms(name: str) -> tuple[Term, ...]:
    """Every term of vocabulary ``name``, built-in first."""
    path = config.vocabulary_file()
    return _BUILTIN[name] + _extra(path).get(name, ())


def values(name: str) -> list[str]:
    return [t.value for t in terms(name)]


def label(name: str, value: str | None, lang: str = "id") -> str:
    """The label of ``value`` in ``lang``; the value itself when unknown."""
    for t in terms(name):
        if t.value == value:
            return t.en if lang == "en" else t.id
    return value or ""


def from_label(name: str, text: str) -> str | None:
    """The slug for a value or label typed by a person (any case, either language)."""
    wanted = " ".join(str(text).split()).casefold()
    for t in terms(name):
        if wanted in (t.value.casefold(), t.id.casefold(), t.en.casefold()):
            return t.value
    return None


def scheming_choices(name: str) -> list[dict[str, object]]:
    """Choices in scheming's shape, with bilingual labels."""
    return [{"value": t.value, "label": {"id": t.id, "en": t.en}} for t in terms(name)]
