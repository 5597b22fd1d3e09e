"""The fields of a Daftar Data row (SOP.md "A data-list row"), written once as data.

The spreadsheet template and import, the export, the documents, the item schema
and the screens all read this tuple, so a field's label, kind, vocabulary and
limits live in one place. Vocabulary *values* live in :mod:`vocabularies`; a
field only names its vocabulary.

>>> BY_KEY["frekuensi"].vocabulary
'frekuensi'
>>> [f.key for f in FIELDS if f.required]
['nama_data', 'organization']
>>> BY_KEY["satuan"].label("en")
'Unit'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "text", "long_text", "int", "date", "vocab", "multi_vocab", "organization", "bool"
]


@dataclass(frozen=True)
class RowField:
    """One column of the data list.

    ``help_id`` is the short Indonesian explanation printed on the template's
    help sheet; ``aliases`` are other headers accepted on import (older
    spreadsheets, the dataset schema's label).
    """

    key: str
    label_id: str
    label_en: str
    kind: Kind
    vocabulary: str | None = None
    required: bool = False
    max_length: int | None = None
    help_id: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None

    def label(self, lang: str = "id") -> str:
        """The column header in ``lang`` (Indonesian unless ``"en"``)."""
        return self.label_en if lang == "en" else self.label_id


_TEXT = 255
_LONG = 4000

FIELDS: tuple[RowField, ...] = (
    RowField(
        "kode_data", "Kode Data", "Data code", "text", max_length=50,
        help_id="Kode tetap butir data, dipertahankan dari tahun ke tahun. "
        "Kosongkan untuk usulan baru: kode diberikan otomatis.",
        example="2027-DINKES-001",
    ),
    RowField(
        "tahun", "Tahun", "Year", "int", min_value=2000, max_value=2100,
        help_id="Tahun Daftar Data (biasanya tahun setelah perencanaan).",
        example="2027", aliases=("Tahun Daftar Data", "Data-list year"),
    ),
    RowField(
        "nama_data", "Nama Data", "Data name", "text", required=True, max_length=500,
        help_id="Nama data atau indikator, singkat dan jelas.",
        example="Jumlah Penduduk menurut Kecamatan",
    ),
    RowField(
        "organization", "Produsen Data", "Data producer", "organization",
        required=True, max_length=100,
        help_id="Perangkat daerah (OPD) yang menghasilkan data ini; pilih dari daftar.",
        example="dinkes",
        aliases=("produsen_data", "OPD", "Organisasi", "Organization"),
    ),
    RowField(
        "jenis_data", "Jenis Data", "Kind of data", "vocab", vocabulary="jenis_data",
        help_id="Jenis data menurut Satu Data Indonesia.",
        example="Statistik Sektoral",
    ),
    RowField(
        "bentuk", "Bentuk Metadata", "Metadata form", "vocab", vocabulary="bentuk",
        help_id="Indikator (hasil olahan, biasanya dengan rumus) atau variabel.",
        example="Indikator", aliases=("Bentuk", "Form"),
    ),
    RowField(
        "kategori_sumber", "Kategori Sumber", "Source category", "multi_vocab",
        vocabulary="kategori_sumber",
        help_id="Alasan data masuk Daftar Data; boleh lebih dari satu, "
        "pisahkan dengan titik koma (;).",
        example="Prioritas Nasional; SDGs",
    ),
    RowField(
        "status_usulan", "Status Usulan", "Proposal status", "vocab",
        vocabulary="status_usulan",
        help_id="Asal butir: Lama (SK tahun lalu), Lama-diubah, Baru, atau Tambahan.",
        example="Baru",
    ),
    RowField(
        "konsep", "Konsep", "Concept", "long_text", max_length=_LONG,
        help_id="Konsep yang dipakai, mengacu standar data bila ada.",
        example="Penduduk adalah semua orang yang berdomisili di wilayah Kota "
        "Pekalongan selama 6 bulan atau lebih.",
    ),
    RowField(
        "definisi", "Definisi", "Definition", "long_text", max_length=_LONG,
        help_id="Definisi operasional data.",
        example="Banyaknya penduduk menurut kecamatan tempat tinggal pada akhir tahun.",
    ),
    RowField(
        "klasifikasi", "Klasifikasi", "Classification", "text", max_length=500,
        help_id="Klasifikasi atau rincian yang dipakai (mis. jenis kelamin, umur).",
        example="Jenis kelamin; kelompok umur",
    ),
    RowField(
        "ukuran", "Ukuran", "Measure", "vocab", vocabulary="ukuran",
        help_id="Ukuran statistik data.",
        example="Jumlah",
    ),
    RowField(
        "satuan", "Satuan", "Unit", "text", max_length=100,
        help_id="Satuan nilai data, mis. orang, unit, %, ha, Rp.",
        example="orang",
    ),
    RowField(
        "rumus", "Rumus", "Formula", "long_text", max_length=_LONG,
        help_id="Rumus perhitungan (untuk indikator).",
        example="(jumlah balita gizi buruk / jumlah balita) x 100%",
    ),
    RowField(
        "tingkat_penyajian", "Tingkat Penyajian", "Lowest level published", "vocab",
        vocabulary="tingkat_penyajian",
        help_id="Wilayah terkecil tempat data disajikan.",
        example="Kecamatan",
    ),
    RowField(
        "frekuensi", "Frekuensi", "Frequency", "vocab", vocabulary="frekuensi",
        help_id="Seberapa sering data dihasilkan.",
        example="Tahunan",
    ),
    RowField(
        "jadwal_rilis", "Jadwal Rilis", "Release date", "date",
        help_id="Tanggal data dirilis, format TTTT-BB-HH atau HH/BB/TTTT.",
        example="2027-03-31",
    ),
    RowField(
        "jadwal_pemutakhiran", "Jadwal Pemutakhiran", "Update date", "date",
        help_id="Tanggal data dimutakhirkan, format TTTT-BB-HH atau HH/BB/TTTT.",
        example="2027-12-31",
    ),
    RowField(
        "cara_pengumpulan", "Cara Pengumpulan Data", "Collection method", "vocab",
        vocabulary="cara_pengumpulan",
        help_id="Cara data dikumpulkan.",
        example="Kompilasi Produk Administrasi", aliases=("Cara Pengumpulan",),
    ),
    RowField(
        "sumber_data", "Sumber Data", "Source", "text", max_length=500,
        help_id="Sistem atau dokumen sumber data.",
        example="SIAK Disdukcapil",
    ),
    RowField(
        "sifat_akses", "Sifat Akses", "Access class", "vocab", vocabulary="sifat_akses",
        help_id="Terbuka untuk publik, terbatas, atau dikecualikan.",
        example="Terbuka",
    ),
    RowField(
        "kode_sds", "Kode SDS", "SDS code", "text", max_length=100,
        help_id="Kode Standar Data Statistik dari BPS, bila ada.",
        example="",
        aliases=("Kode Standar Data Statistik (SDS)", "BPS standard-data code"),
    ),
    RowField(
        "kode_urusan", "Kode Urusan", "Government-affairs code", "text",
        max_length=100,
        help_id="Kode urusan pemerintahan (Permendagri 90/2019), bila ada.",
        example="1.02",
    ),
    RowField(
        "kode_indikator", "Kode Indikator", "Indicator code", "text", max_length=100,
        help_id="Kode indikator RPJMD/SIPD, bila ada.",
        example="",
        aliases=("Kode Indikator (RPJMD/SIPD)", "Indicator code (RPJMD/SIPD)"),
    ),
)

#: Review state shown at the end of an export; set by the desk and forum,
#: never by an import (an import skips these columns).
REVIEW_FIELDS: tuple[RowField, ...] = (
    RowField(
        "hasil", "Hasil Desk", "Desk result", "vocab", vocabulary="hasil",
        help_id="Hasil desk pra forum.",
    ),
    RowField(
        "catatan", "Catatan", "Note", "long_text", max_length=_LONG,
        help_id="Catatan desk pra forum.",
    ),
    RowField(
        "disepakati", "Disepakati", "Agreed", "bool",
        help_id="Keputusan Forum Satu Data.",
    ),
)

BY_KEY: dict[str, RowField] = {f.key: f for f in FIELDS + REVIEW_FIELDS}
