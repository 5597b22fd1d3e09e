"""The data a document is made from, and the rows and figures it shows.

Plain data in, plain data out: the caller (an action or a view) reads the cycle,
its items and the document record from the database and hands them over as a
:class:`DocumentContext` (or a dict of the same shape); nothing here touches the
database, so the documents can be tested and regenerated anywhere.

Both the Word templates and the printable HTML pages receive the same variables
(:func:`template_variables`), so the draft and the printed page say the same.

>>> c = counts_per_opd([
...     {"organization": "dinkes", "organization_title": "Dinas Kesehatan",
...      "status_usulan": "lama", "hasil": "disetujui"},
...     {"organization": "dinkes", "organization_title": "Dinas Kesehatan",
...      "status_usulan": "baru", "hasil": "ditolak"},
... ])
>>> (c[0].jumlah, c[0].lama, c[0].baru, c[0].disetujui, c[0].ditolak)
(2, 1, 1, 1, 1)
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from ckanext.satudata_planning.documents import indonesian
from ckanext.satudata_planning.sop.documents import JENIS

#: a value of ``JENIS`` (for type checkers)
Jenis = Literal["ba_desk", "ba_forum", "sk"]

#: What an unfilled number or date prints as: a blank to write on by hand.
BLANK = "…………………"
DEFAULT_CITY = "Kota Pekalongan"

# Characters XML 1.0 forbids: Word refuses a file that contains them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
#: Desk results whose rows do not go on to the forum.
_NOT_FORWARDED = frozenset({"ditolak", "duplikat", "dialihkan", "perbaikan"})


def text(value: Any) -> str:
    """``value`` as document text: no XML-forbidden characters, no ``None``."""
    if value is None:
        return ""
    return _CONTROL.sub("", str(value)).strip()


@dataclass
class Person:
    """A participant or signatory (``instansi``: agency; ``pangkat``: rank)."""

    nama: str = ""
    jabatan: str = ""
    instansi: str = ""
    nip: str = ""
    pangkat: str = ""

    @classmethod
    def from_value(cls, value: Person | Mapping[str, Any]) -> Person:
        if isinstance(value, Person):
            return value
        known = {f.name for f in fields(cls)}
        return cls(**{k: text(v) for k, v in value.items() if k in known})


@dataclass
class Recommendation:
    """A Pembina Data note on the whole list or on one row."""

    isi: str
    organization_title: str = ""
    kode_data: str = ""

    @classmethod
    def from_value(cls, value: Recommendation | Mapping[str, Any]) -> Recommendation:
        if isinstance(value, Recommendation):
            return value
        return cls(isi=text(value.get("isi")),
                   organization_title=text(value.get("organization_title")),
                   kode_data=text(value.get("kode_data")))


@dataclass
class Letterhead:
    """The kop surat of the minutes (the Sekretariat's agency)."""

    pemerintah: str = "PEMERINTAH KOTA PEKALONGAN"
    instansi: str = "BADAN PERENCANAAN PEMBANGUNAN DAERAH"
    alamat: str = ""

    @classmethod
    def for_city(cls, kota: str, instansi: str = "", alamat: str = "") -> Letterhead:
        """The letterhead of ``kota`` with the configured agency and address."""
        return cls(pemerintah=f"PEMERINTAH {kota}".upper(),
                   instansi=(instansi or cls.instansi).upper(), alamat=alamat)


@dataclass
class DocumentContext:
    """Everything a BA desk, BA forum or SK is made from.

    ``items`` are item dicts with the keys of :mod:`row_fields` (slugs for
    vocabularies, dates as ``date`` or ISO text) plus ``organization``,
    ``organization_title``, ``hasil`` and ``disepakati``. The BA desk shows
    every row it is given; the BA forum and the SK show the agreed ones only
    (:func:`select_items`).
    """

    tahun: int
    judul: str = ""
    nomor: str = ""
    tanggal: dt.date | None = None
    tempat: str = ""
    peserta: list[Person] = field(default_factory=list)
    penandatangan: list[Person] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    rekomendasi: list[Recommendation] = field(default_factory=list)
    kota: str = DEFAULT_CITY
    provinsi: str = "Jawa Tengah"
    walidata: str = "Dinas Komunikasi dan Informatika"
    pembina: str = "Badan Pusat Statistik"
    kop: Letterhead | None = None
    #: the desk minutes the forum minutes refer to
    ba_desk_nomor: str = ""
    ba_desk_tanggal: dt.date | None = None
    #: the forum minutes the decree's Menimbang cites
    ba_forum_nomor: str = ""
    ba_forum_tanggal: dt.date | None = None

    @classmethod
    def from_value(cls, value: DocumentContext | Mapping[str, Any]) -> DocumentContext:
        """A context from a dict (e.g. a document record plus its cycle).

        ``groups`` (a list of ``{organization, organization_title, items}``) is
        accepted instead of a flat ``items`` list.
        """
        if isinstance(value, DocumentContext):
            return value
        data = dict(value)
        if "cycle" in data and isinstance(data["cycle"], Mapping):
            cycle = data.pop("cycle")
            data.setdefault("tahun", cycle.get("tahun"))
            data.setdefault("judul", cycle.get("judul") or "")
        items = [dict(i) for i in data.pop("items", None) or ()]
        for group in data.pop("groups", None) or ():
            for item in group.get("items") or ():
                row = dict(item)
                row.setdefault("organization", group.get("organization"))
                row.setdefault("organization_title", group.get("organization_title"))
                items.append(row)
        kop = data.pop("kop", None)
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        for key in ("tanggal", "ba_desk_tanggal", "ba_forum_tanggal"):
            kwargs[key] = as_date(kwargs.get(key))
        if kwargs.get("tahun") in (None, ""):
            raise ValueError("a document context needs the cycle's tahun")
        kwargs["tahun"] = int(kwargs["tahun"])
        return cls(
            **{**kwargs,
               "peserta": [Person.from_value(p) for p in kwargs.get("peserta") or ()],
               "penandatangan": [Person.from_value(p)
                                 for p in kwargs.get("penandatangan") or ()],
               "rekomendasi": [Recommendation.from_value(r)
                               for r in kwargs.get("rekomendasi") or ()],
               "items": items,
               "kop": (kop if isinstance(kop, Letterhead) or kop is None
                       else Letterhead(**dict(kop)))},
        )


def as_date(value: Any) -> dt.date | None:
    """A ``date`` from a date, a datetime or ISO text; ``None`` when blank or bad."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def select_items(jenis: str, items: Iterable[Mapping[str, Any]]
                 ) -> list[Mapping[str, Any]]:
    """The rows document ``jenis`` lists.

    The desk minutes list every row with its desk result. The forum minutes and
    the decree list only what the forum agreed: ``disepakati`` true; a row
    without that key at all (a caller that already selected) counts as agreed
    unless its desk result kept it from the forum.
    """
    if jenis == "ba_desk":
        return list(items)
    chosen = []
    for item in items:
        if "disepakati" in item:
            if item["disepakati"] is True:
                chosen.append(item)
        elif item.get("hasil") not in _NOT_FORWARDED:
            chosen.append(item)
    return chosen


def _label(vocabulary: str, value: Any) -> str:
    from ckanext.satudata_planning.sop import vocabularies

    return text(vocabularies.label(vocabulary, value, "id")) if value else ""


def item_row(item: Mapping[str, Any]) -> dict[str, str]:
    """The row a document shows for an item: labels and Indonesian dates."""
    kategori = item.get("kategori_sumber") or []
    if isinstance(kategori, str):
        kategori = [k for k in re.split(r"[;,]\s*", kategori) if k]
    rilis = indonesian.tanggal(as_date(item.get("jadwal_rilis")))
    pemutakhiran = indonesian.tanggal(as_date(item.get("jadwal_pemutakhiran")))
    return {
        "kode_data": text(item.get("kode_data")),
        "nama_data": text(item.get("nama_data")),
        "jenis": _label("jenis_data", item.get("jenis_data")),
        "satuan": text(item.get("satuan")),
        "tingkat_penyajian": _label("tingkat_penyajian", item.get("tingkat_penyajian")),
        "frekuensi": _label("frekuensi", item.get("frekuensi")),
        "produsen": text(item.get("organization_title") or item.get("organization")),
        "jadwal_rilis": rilis,
        "jadwal_pemutakhiran": pemutakhiran,
        "kategori": ", ".join(_label("kategori_sumber", k) for k in kategori),
        "status": _label("status_usulan", item.get("status_usulan")),
        "hasil": _label("hasil", item.get("hasil")),
        "catatan": text(item.get("catatan")),
    }


def _opd_key(item: Mapping[str, Any]) -> tuple[str, str]:
    name = text(item.get("organization"))
    return name, text(item.get("organization_title")) or name


def _row_order(item: Mapping[str, Any]) -> tuple[int, str, str]:
    kode = text(item.get("kode_data"))
    return (0 if kode else 1, kode, text(item.get("nama_data")).casefold())


def group_items(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Items per OPD, OPDs by title and rows by kode_data, each numbered.

    Returns ``[{no, organization, organization_title, rows: [item_row + no]}]``.
    """
    by_opd: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for item in items:
        by_opd.setdefault(_opd_key(item), []).append(item)
    groups = []
    for number, (key, rows) in enumerate(
        sorted(by_opd.items(), key=lambda kv: (kv[0][1].casefold(), kv[0][0])), start=1
    ):
        groups.append({
            "no": number,
            "organization": key[0],
            "organization_title": key[1] or BLANK,
            "rows": [{"no": n, **item_row(item)}
                     for n, item in enumerate(sorted(rows, key=_row_order), start=1)],
        })
    return groups


@dataclass
class OpdCounts:
    """Figures of the desk per OPD: rows by origin and by desk result."""

    organization: str
    organization_title: str
    lama: int = 0
    lama_diubah: int = 0
    baru: int = 0
    tambahan: int = 0
    jumlah: int = 0
    disetujui: int = 0
    perbaikan: int = 0
    duplikat: int = 0
    dialihkan: int = 0
    ditolak: int = 0
    belum: int = 0

    _ORIGINS = ("lama", "lama_diubah", "baru", "tambahan")
    _RESULTS = ("disetujui", "perbaikan", "duplikat", "dialihkan", "ditolak")

    def add(self, item: Mapping[str, Any]) -> None:
        self.jumlah += 1
        status = item.get("status_usulan")
        if status in self._ORIGINS:
            setattr(self, status, getattr(self, status) + 1)
        hasil = item.get("hasil")
        if hasil in self._RESULTS:
            setattr(self, hasil, getattr(self, hasil) + 1)
        else:
            self.belum += 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def counts_per_opd(items: Iterable[Mapping[str, Any]]) -> list[OpdCounts]:
    """The desk's figures per OPD, in the order the annex lists the OPDs.

    Origins (``lama`` retained, ``lama_diubah`` changed, ``baru`` new,
    ``tambahan`` added) and desk results (``duplikat`` merged, ``dialihkan``
    moved, ``ditolak`` rejected, ``disetujui`` forwarded to the forum) are
    counted separately; ``belum`` counts rows with no desk result yet.
    """
    result: dict[tuple[str, str], OpdCounts] = {}
    for item in items:
        key = _opd_key(item)
        if key not in result:
            result[key] = OpdCounts(key[0], key[1])
        result[key].add(item)
    return [result[k] for k in sorted(result, key=lambda k: (k[1].casefold(), k[0]))]


def total_counts(counts: Sequence[OpdCounts]) -> OpdCounts:
    """The sum of every OPD's figures (the table's last line)."""
    total = OpdCounts("", "Jumlah")
    for c in counts:
        for f in fields(OpdCounts):
            if f.name not in ("organization", "organization_title"):
                setattr(total, f.name, getattr(total, f.name) + getattr(c, f.name))
    return total


def _signatory(person: Person, number: int) -> dict[str, Any]:
    return {
        "no": number,
        "nama": person.nama or BLANK,
        "jabatan": person.jabatan,
        "instansi": person.instansi,
        "pangkat": person.pangkat,
        "nip": person.nip,
        "nip_line": f"NIP. {person.nip}" if person.nip else "",
        "jabatan_pangkat": " / ".join(x for x in (person.jabatan, person.pangkat) if x),
    }


def _city_parts(kota: str) -> tuple[str, str]:
    """(``Pekalongan``, ``Wali Kota``) from ``Kota Pekalongan``."""
    for prefix, head in (("kota ", "Wali Kota"), ("kabupaten ", "Bupati")):
        if kota.lower().startswith(prefix):
            return kota[len(prefix):].strip(), head
    return kota, "Wali Kota"


def template_variables(jenis: str, context: DocumentContext | Mapping[str, Any]
                       ) -> dict[str, Any]:
    """The variables the .docx and the printable HTML templates use.

    Every value is text, a number or a list of dicts of those: the templates
    only place them, they compute nothing.
    """
    if jenis not in JENIS:
        raise ValueError(f"unknown document kind {jenis!r}; expected one of {JENIS}")
    ctx = DocumentContext.from_value(context)
    kota = text(ctx.kota) or DEFAULT_CITY
    nama_kota, kepala = _city_parts(kota)
    kop = ctx.kop or Letterhead.for_city(kota)
    items = select_items(jenis, ctx.items)
    counts = counts_per_opd(ctx.items)
    total = total_counts(counts)
    groups = group_items(items)
    signers = [_signatory(p, n) for n, p in enumerate(ctx.penandatangan, start=1)]
    head = signers[0] if signers else _signatory(Person(), 1)
    d = ctx.tanggal
    return {
        "jenis": jenis,
        "tahun": ctx.tahun,
        "judul": text(ctx.judul),
        "kota": kota,
        "KOTA": kota.upper(),
        "nama_kota": nama_kota,
        "provinsi": text(ctx.provinsi),
        "PROVINSI": text(ctx.provinsi).upper(),
        "kepala_daerah": f"{kepala} {nama_kota}",
        "KEPALA_DAERAH": f"{kepala} {nama_kota}".upper(),
        "kepala": kepala,
        "KEPALA": kepala.upper(),
        "walidata": text(ctx.walidata),
        "pembina": text(ctx.pembina),
        "kop": {"pemerintah": text(kop.pemerintah), "instansi": text(kop.instansi),
                "alamat": text(kop.alamat)},
        "nomor": text(ctx.nomor) or BLANK,
        "tanggal": indonesian.tanggal(d) or BLANK,
        "tanggal_hari": indonesian.tanggal_hari(d) or BLANK,
        "tanggal_terbilang": indonesian.tanggal_terbilang(d) or (
            f"{BLANK} tanggal {BLANK} bulan {BLANK} tahun {BLANK}"),
        "tanggal_angka": d.strftime("%d-%m-%Y") if d else BLANK,
        "tempat": text(ctx.tempat) or BLANK,
        "tempat_penetapan": nama_kota,
        "peserta": [{"no": n, "nama": p.nama, "jabatan": p.jabatan,
                     "instansi": p.instansi}
                    for n, p in enumerate(ctx.peserta, start=1)],
        "jumlah_peserta": len(ctx.peserta),
        "penandatangan": signers,
        "penandatangan_utama": head,
        "rekomendasi": [
            {"no": n, "isi": text(r.isi),
             "rujukan": ", ".join(x for x in (text(r.organization_title),
                                              text(r.kode_data)) if x)}
            for n, r in enumerate(ctx.rekomendasi, start=1)
        ],
        "counts": [{"no": n, **c.as_dict()} for n, c in enumerate(counts, start=1)],
        "total": total.as_dict(),
        "groups": groups,
        "jumlah_butir": sum(len(g["rows"]) for g in groups),
        "jumlah_opd": len(groups),
        "ba_desk_nomor": text(ctx.ba_desk_nomor),
        "ba_desk_tanggal": indonesian.tanggal(ctx.ba_desk_tanggal),
        "ba_forum_nomor": text(ctx.ba_forum_nomor) or BLANK,
        "ba_forum_tanggal": indonesian.tanggal(ctx.ba_forum_tanggal) or BLANK,
    }
