"""The wilayah reference: Kemendagri codes and names of the configured region
(the kabupaten/kota, its kecamatan, its kelurahan and desa).

The data is the file shipped in the package, ``wilayah.csv.gz`` (every
province, regency/city, district and village of Indonesia), built from the npm
registry's ``idn-area-data`` by ``scripts/build_wilayah.py``;
``wilayah_source.json`` names the version and its date. Nothing is fetched at
run time. ``ckanext.satudata_planning.wilayah_kode`` picks the region.

>>> [w.kode for w in region("33.75", "kecamatan")]
['33.75.01', '33.75.02', '33.75.03', '33.75.04']
>>> len(region("33.75", "kelurahan"))
27
"""
from __future__ import annotations

import csv
import functools
import gzip
import json
import pathlib
from typing import Any, NamedTuple, Optional

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "wilayah.csv.gz"
SOURCE = HERE / "wilayah_source.json"

#: the levels a table is presented at, widest first (tingkat_penyajian's values)
LEVELS = ("kota", "kecamatan", "kelurahan")


class Wilayah(NamedTuple):
    kode: str
    nama: str
    tingkat: str
    induk: str

    def as_dict(self) -> dict[str, str]:
        return self._asdict()


@functools.lru_cache(maxsize=8)
def _region(kode: str) -> tuple[Wilayah, ...]:
    """Read once per region: only its rows are kept (the file holds ~92,000)."""
    kode = kode.strip()
    prefix = kode + "."
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return tuple(Wilayah(*r) for r in reader
                     if r[0] == kode or r[0].startswith(prefix))


def region(kode: str, tingkat: Optional[str] = None) -> list[Wilayah]:
    """The region ``kode`` and everything under it, in code order; only the
    ``tingkat`` level when given. An unknown code gives an empty list."""
    rows = _region(kode)
    return [w for w in rows if tingkat is None or w.tingkat == tingkat]


def configured(tingkat: Optional[str] = None) -> list[Wilayah]:
    """:func:`region` of the configured ``wilayah_kode``."""
    from ckanext.satudata_planning import config

    return region(config.wilayah_kode(), tingkat)


def names(kode: str) -> dict[str, str]:
    """Code → name of the region and everything under it."""
    return {w.kode: w.nama for w in _region(kode)}


def source() -> dict[str, Any]:
    """Where the shipped file comes from (package, version, dates, counts)."""
    return json.loads(SOURCE.read_text(encoding="utf-8"))
