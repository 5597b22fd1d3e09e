"""Indonesian day and month names, long dates and numbers in words.

Written out here rather than taken from the system locale: servers rarely have
``id_ID`` installed, and a legal document must not change wording with the
machine it is printed on.

>>> import datetime as dt
>>> tanggal_hari(dt.date(2026, 10, 12))
'Senin, 12 Oktober 2026'
>>> terbilang(2026)
'dua ribu dua puluh enam'
>>> tanggal_terbilang(dt.date(2026, 10, 12))
'Senin tanggal dua belas bulan Oktober tahun dua ribu dua puluh enam'
"""
from __future__ import annotations

import datetime as dt

HARI: tuple[str, ...] = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN: tuple[str, ...] = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
    "Agustus", "September", "Oktober", "November", "Desember",
)
_SATUAN: tuple[str, ...] = (
    "", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
    "sembilan", "sepuluh", "sebelas",
)
#: Ordinal words of decree clauses (diktum) and minutes' clauses.
DIKTUM: tuple[str, ...] = (
    "KESATU", "KEDUA", "KETIGA", "KEEMPAT", "KELIMA", "KEENAM", "KETUJUH",
    "KEDELAPAN", "KESEMBILAN", "KESEPULUH",
)


def hari(d: dt.date) -> str:
    """The day's name: ``Senin`` … ``Minggu``."""
    return HARI[d.weekday()]


def bulan(month: int) -> str:
    """The month's name (1 = ``Januari``)."""
    return BULAN[month - 1]


def tanggal(d: dt.date | None) -> str:
    """``12 Oktober 2026``; empty for no date (a draft not yet dated)."""
    if d is None:
        return ""
    return f"{d.day} {bulan(d.month)} {d.year}"


def tanggal_hari(d: dt.date | None) -> str:
    """``Senin, 12 Oktober 2026``."""
    if d is None:
        return ""
    return f"{hari(d)}, {tanggal(d)}"


def terbilang(n: int) -> str:
    """A non-negative integer in Indonesian words (lowercase).

    >>> [terbilang(x) for x in (0, 11, 15, 100, 1001, 120000)]
    ['nol', 'sebelas', 'lima belas', 'seratus', 'seribu satu', 'seratus dua puluh ribu']
    """
    if n < 0:
        raise ValueError("terbilang takes a non-negative number")
    if n == 0:
        return "nol"
    return _words(n).strip()


def _words(n: int) -> str:
    if n < 12:
        return _SATUAN[n]
    if n < 20:
        return f"{_SATUAN[n - 10]} belas"
    if n < 100:
        return f"{_SATUAN[n // 10]} puluh {_words(n % 10)}".strip()
    if n < 200:
        return f"seratus {_words(n - 100)}".strip()
    if n < 1000:
        return f"{_SATUAN[n // 100]} ratus {_words(n % 100)}".strip()
    if n < 2000:
        return f"seribu {_words(n - 1000)}".strip()
    for size, name in ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"),
                       (10**3, "ribu")):
        if n >= size:
            return f"{_words(n // size)} {name} {_words(n % size)}".strip()
    raise AssertionError(n)  # pragma: no cover


def tanggal_terbilang(d: dt.date | None) -> str:
    """The date as minutes spell it out: day, date, month and year in words."""
    if d is None:
        return ""
    return (f"{hari(d)} tanggal {terbilang(d.day)} bulan {bulan(d.month)} "
            f"tahun {terbilang(d.year)}")


def diktum(index: int) -> str:
    """``KESATU`` for 0, ``KEDUA`` for 1, …"""
    return DIKTUM[index]
