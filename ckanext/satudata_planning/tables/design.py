"""The design of a row's data table: an agreed row of the Daftar Data → the
fields of a Table Designer resource (pure: no CKAN call, no database).

Columns (DESIGN.md, "After step 10"):

* ``kode_wilayah``: choice of the configured region's Kemendagri codes at the
  row's ``tingkat_penyajian`` (``kota`` when empty); primary key;
* ``nama_wilayah``: text (the import fills it from the code);
* ``tahun``: integer, the row's year or an earlier one (a series); primary key;
* ``periode``: choice by ``frekuensi`` (``tahunan`` when empty); primary key;
* ``nilai``: numeric, required, ≥ 0, and ≤ 100 for ``persentase``; its
  description carries the row's satuan, definisi and rumus;
* ``catatan``: text.

>>> d = design({"tahun": 2027, "tingkat_penyajian": "kecamatan",
...             "frekuensi": "triwulanan", "ukuran": "persentase"},
...            wilayah=[("33.75.01", "Pekalongan Barat")])
>>> [f["id"] for f in d.fields]
['kode_wilayah', 'nama_wilayah', 'tahun', 'periode', 'nilai', 'catatan']
>>> d.primary_key
['kode_wilayah', 'tahun', 'periode']
>>> d.field("periode")["tdchoices"]
['triwulan_1', 'triwulan_2', 'triwulan_3', 'triwulan_4']
>>> d.field("nilai")["tdmaximum"]
'100'
>>> d.misfits({"kode_wilayah": "33.75.09", "tahun": 2027,
...            "periode": "triwulan_1", "nilai": 5})
[('kode_wilayah', 'choice')]
"""
from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

#: jenis_data whose rows get a table (a row without one counts as the first)
TABULAR = ("statistik_sektoral", "keuangan_daerah")
DEFAULT_LEVEL = "kota"
DEFAULT_FREQUENCY = "tahunan"
#: the earliest year of a series (the row fields' own lower bound)
FIRST_YEAR = 2000

#: the periods of a year by frekuensi
PERIODS: dict[str, tuple[str, ...]] = {
    "tahunan": ("tahunan",),
    "semesteran": ("semester_1", "semester_2"),
    "triwulanan": tuple(f"triwulan_{i}" for i in range(1, 5)),
    "bulanan": tuple(f"{i:02d}" for i in range(1, 13)),
    "lima_tahunan": ("lima_tahunan",),
}

#: Indonesian labels of the columns (the Data Dictionary's and the template's)
LABELS = {
    "kode_wilayah": "Kode Wilayah",
    "nama_wilayah": "Nama Wilayah",
    "tahun": "Tahun",
    "periode": "Periode",
    "nilai": "Nilai",
    "catatan": "Catatan",
}
PRIMARY_KEY = ["kode_wilayah", "tahun", "periode"]


def _get(row: Any, key: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(key)
    return getattr(row, key, None)


def is_tabular(row: Any) -> bool:
    """Does the row get a data table (``jenis_data`` statistik_sektoral,
    keuangan_daerah or empty)?"""
    return (_get(row, "jenis_data") or TABULAR[0]) in TABULAR


def level(row: Any) -> str:
    return _get(row, "tingkat_penyajian") or DEFAULT_LEVEL


def periods(row: Any) -> tuple[str, ...]:
    freq = _get(row, "frekuensi") or DEFAULT_FREQUENCY
    return PERIODS.get(freq, PERIODS[DEFAULT_FREQUENCY])


def _nilai_notes(row: Any) -> str:
    parts = []
    for key, label in (("satuan", "Satuan"), ("definisi", "Definisi"),
                       ("rumus", "Rumus"), ("ukuran", "Ukuran")):
        value = _get(row, key)
        if value:
            parts.append(f"{label}: {value}")
    return "\n".join(parts)


@dataclass(frozen=True)
class Design:
    """The fields of one table (``datastore_create``'s, Table Designer keys)."""

    fields: list[dict[str, Any]]
    primary_key: list[str]

    def field(self, fid: str) -> dict[str, Any]:
        return next(f for f in self.fields if f["id"] == fid)

    def signature(self) -> list[tuple[Any, ...]]:
        """What decides whether an existing table must be redesigned."""
        return [_signature(f) for f in self.fields]

    def misfits(self, record: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The (column, reason) of a record's values that this design refuses;
        reasons: ``missing``, ``choice``, ``type``, ``minimum``, ``maximum``."""
        out: list[tuple[str, str]] = []
        for f in self.fields:
            reason = _misfit(f, record.get(f["id"]))
            if reason:
                out.append((f["id"], reason))
        return out


def _signature(f: Mapping[str, Any]) -> tuple[Any, ...]:
    info = f.get("info") or {}
    return (
        f.get("id"), f.get("type"), f.get("tdtype"), f.get("tdpkreq") or "",
        tuple(f.get("tdchoices") or ()),
        str(f.get("tdminimum") or ""), str(f.get("tdmaximum") or ""),
        info.get("label") or "", info.get("notes") or "",
    )


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> Optional[decimal.Decimal]:
    try:
        return decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return None


def _misfit(f: Mapping[str, Any], value: Any) -> Optional[str]:
    if _empty(value):
        return "missing" if f.get("tdpkreq") else None
    tdtype = f.get("tdtype")
    if tdtype == "choice":
        return None if str(value).strip() in (f.get("tdchoices") or ()) else "choice"
    if tdtype in ("integer", "numeric"):
        number = _number(value)
        if number is None or not number.is_finite() or (
                tdtype == "integer" and number != number.to_integral_value()):
            return "type"
        if f.get("tdminimum") not in (None, "") and number < decimal.Decimal(
                str(f["tdminimum"])):
            return "minimum"
        if f.get("tdmaximum") not in (None, "") and number > decimal.Decimal(
                str(f["tdmaximum"])):
            return "maximum"
    return None


def design(row: Any, wilayah: Iterable[tuple[str, str]]) -> Design:
    """The design of ``row`` (an Item, or a dict of its fields) whose wilayah
    at its level are ``wilayah`` ((kode, nama) pairs, in order)."""
    codes = [kode for kode, _nama in wilayah]
    tahun = _get(row, "tahun")
    nilai = {
        "id": "nilai", "type": "numeric", "tdtype": "numeric", "tdpkreq": "req",
        "tdminimum": "0",
        "info": {"label": LABELS["nilai"] + (
            f" ({_get(row, 'satuan')})" if _get(row, "satuan") else ""),
            "notes": _nilai_notes(row)},
    }
    if _get(row, "ukuran") == "persentase":
        nilai["tdmaximum"] = "100"
    tahun_field: dict[str, Any] = {
        "id": "tahun", "type": "int4", "tdtype": "integer", "tdpkreq": "pk",
        "tdminimum": str(FIRST_YEAR),
        "info": {"label": LABELS["tahun"],
                 "notes": "Tahun data: tahun Daftar Data atau tahun sebelumnya."},
    }
    if tahun:
        tahun_field["tdmaximum"] = str(tahun)
    fields = [
        {"id": "kode_wilayah", "type": "text", "tdtype": "choice", "tdpkreq": "pk",
         "tdchoices": codes,
         "info": {"label": LABELS["kode_wilayah"],
                  "notes": f"Kode wilayah Kemendagri, tingkat {level(row)}."}},
        {"id": "nama_wilayah", "type": "text", "tdtype": "text", "tdpkreq": "",
         "info": {"label": LABELS["nama_wilayah"], "notes": ""}},
        tahun_field,
        {"id": "periode", "type": "text", "tdtype": "choice", "tdpkreq": "pk",
         "tdchoices": list(periods(row)),
         "info": {"label": LABELS["periode"],
                  "notes": "Periode menurut frekuensi "
                  f"{_get(row, 'frekuensi') or DEFAULT_FREQUENCY}."}},
        nilai,
        {"id": "catatan", "type": "text", "tdtype": "text", "tdpkreq": "",
         "info": {"label": LABELS["catatan"], "notes": ""}},
    ]
    return Design(fields=fields, primary_key=list(PRIMARY_KEY))
