"""Candidate duplicate rows of a Daftar Data, for the desk pra forum (SOP step 4).

Perpres 39/2019 asks the list to avoid duplication: two OPDs proposing the
same data. Names are written loosely ("Jml penduduk per kec." against "Jumlah
Penduduk menurut Kecamatan"), so names are normalised (case, punctuation,
common Indonesian abbreviations, words that don't tell rows apart) and
compared fuzzily; the definition, unit, measure and standard codes then raise
or lower the score. The desk decides: a pair it marks "not a duplicate" is
passed back in ``ignored`` and not shown again.

Scale: every name is compared with every later name inside rapidfuzz (C++)
with a score cut-off; only the surviving candidates are refined in Python.

>>> normalise("Jml. Penduduk per Kec. di Kota Pekalongan Tahun 2024")
'jumlah penduduk kecamatan'
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ckan.plugins.toolkit import _
from rapidfuzz import fuzz, process

from ckanext.satudata_planning.sop import vocabularies

DEFAULT_THRESHOLD = 85.0
#: The least score of two rows with the same SDS or indicator code.
CODE_SCORE = 90.0

#: Abbreviations expanded before comparing. Only unambiguous ones in the
#: context of a city data list: "pers" (press), "kk" (kartu/kepala keluarga),
#: "rt" (rumah tangga/rukun tetangga), "pend" (penduduk/pendidikan/pendapatan)
#: and "ikm" are deliberately left alone. "kel" is kelurahan (how city data
#: lists abbreviate it), "sd" is sekolah dasar ("s.d." splits into letters).
ABBREVIATIONS: dict[str, str] = {
    "jml": "jumlah", "jmlh": "jumlah", "jlh": "jumlah", "banyaknya": "jumlah",
    "pddk": "penduduk", "pnddk": "penduduk", "pdd": "penduduk",
    "kec": "kecamatan", "kel": "kelurahan", "kab": "kabupaten", "prov": "provinsi",
    "thn": "tahun", "bln": "bulan",
    "prsn": "persentase", "persen": "persentase", "prosentase": "persentase",
    "rs": "rumah sakit", "rsud": "rumah sakit umum daerah",
    "sd": "sekolah dasar", "smp": "sekolah menengah pertama",
    "sma": "sekolah menengah atas", "smk": "sekolah menengah kejuruan",
    "bumil": "ibu hamil", "pns": "pegawai negeri sipil",
    "asn": "aparatur sipil negara", "jln": "jalan", "jl": "jalan",
    "yg": "yang", "dgn": "dengan", "dg": "dengan", "utk": "untuk", "tsb": "tersebut",
}

#: Words that appear in rows of every kind, so they tell none apart.
STOPWORDS: frozenset[str] = frozenset(
    "data menurut per di dan atau yang dari pada dalam ke oleh untuk dengan serta "
    "tiap setiap berdasarkan tersebut dll dsb pekalongan".split()
)
STOP_PHRASES: tuple[str, ...] = ("kota pekalongan", "dan lain lain")

#: Words that say how something is measured rather than what: they count
#: towards the character similarity but not towards the shared content words.
GENERIC: frozenset[str] = frozenset(
    "jumlah persentase rasio indeks rata angka tingkat nilai total".split()
)

_UNITS: dict[str, str] = {
    "jiwa": "orang", "org": "orang", "%": "persen", "persentase": "persen",
    "prosen": "persen", "rupiah": "rp", "hektar": "ha", "hektare": "ha",
}
_YEAR = re.compile(r"(?:19|20)\d\d")
_TAHUN_YEAR = re.compile(r"\btahun\s+(?:19|20)\d\d\b")
_NOT_WORD = re.compile(r"[^\w%]+|_")


@dataclass(frozen=True)
class Pair:
    """Two items that may be the same data; ``alasan`` says why, translated."""

    item_a: dict[str, Any]
    item_b: dict[str, Any]
    score: float
    alasan: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The shape ``satudata_duplicates`` returns."""
        return {"item_a": self.item_a, "item_b": self.item_b, "score": self.score,
                "alasan": list(self.alasan)}


def tokens(text: str | None) -> list[str]:
    """Normalised words of ``text`` (see :func:`normalise`)."""
    s = unicodedata.normalize("NFKC", text or "").casefold()
    s = _TAHUN_YEAR.sub(" ", s).replace("%", " persentase ")
    words: list[str] = []
    for word in _NOT_WORD.sub(" ", s).split():
        words.extend(ABBREVIATIONS.get(word, word).split())
    joined = f" {' '.join(words)} "
    for phrase in STOP_PHRASES:
        joined = joined.replace(f" {phrase} ", " ")
    return [w for w in joined.split()
            if w not in STOPWORDS and not _YEAR.fullmatch(w)
            and (len(w) > 1 or w.isdigit())]


def normalise(text: str | None) -> str:
    """Casefolded words without punctuation, abbreviations expanded, stopwords out.

    >>> normalise("Jumlah Tempat Tidur RS  (Rumah-Sakit) di Kota Pekalongan")
    'jumlah tempat tidur rumah sakit rumah sakit'
    """
    return " ".join(tokens(text))


def normalise_unit(text: str | None) -> str:
    """A unit in one spelling: ``Jiwa`` and ``orang`` are the same.

    >>> normalise_unit(" Jiwa "), normalise_unit("%")
    ('orang', 'persen')
    """
    s = " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())
    s = s.strip(" .()")
    return _UNITS.get(s, s)


def _ident(item: dict[str, Any]) -> str:
    return str(item.get("id") or item.get("kode_data") or "")


def _order_key(item: dict[str, Any]) -> tuple[str, str]:
    return (str(item.get("kode_data") or ""), _ident(item))


def _token_overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of content words the two names have in common, typos forgiven (0–100).

    >>> round(_token_overlap(["jumlah", "murid", "sekolah", "dasar"],
    ...                      ["jumlah", "guru", "sekolah", "dasar"]))
    50
    """
    sa = set(a) - GENERIC or set(a)
    sb = set(b) - GENERIC or set(b)
    if not sa or not sb:
        return 0.0
    left = sorted(sb - sa)
    matched = len(sa & sb)
    for word in sorted(sa - sb):
        if len(word) < 4 or not left:
            continue
        best = process.extractOne(word, left, scorer=fuzz.ratio, score_cutoff=85)
        if best:
            matched += 1
            left.remove(best[0])
    return 100.0 * matched / (len(sa) + len(sb) - matched)


@dataclass
class _Prepared:
    item: dict[str, Any]
    ident: str
    org: str
    words: list[str]
    key: str  # sorted words: plain ratio on it is a token-sort ratio
    definition: str
    unit: str


def _prepare(item: dict[str, Any]) -> _Prepared:
    words = tokens(item.get("nama_data"))
    definition = tokens(item.get("definisi"))
    return _Prepared(
        item=item, ident=_ident(item), org=str(item.get("organization") or ""),
        words=words, key=" ".join(sorted(words)),
        definition=" ".join(sorted(definition)),
        unit=normalise_unit(item.get("satuan")),
    )


def name_score(a: str, b: str) -> float:
    """How alike two names are (0–100) after normalisation.

    Character similarity of the sorted words, lowered when the content words
    differ ("Jumlah Murid SD" and "Jumlah Guru SD" share most characters but
    are different data).

    >>> name_score("Jumlah Penduduk menurut Kecamatan", "Jml penduduk per kec.")
    100.0
    """
    pa, pb = tokens(a), tokens(b)
    return _name_score(" ".join(sorted(pa)), " ".join(sorted(pb)), pa, pb)


def _name_score(key_a: str, key_b: str, wa: Sequence[str], wb: Sequence[str]) -> float:
    chars = fuzz.ratio(key_a, key_b)
    if chars == 100:
        return 100.0
    return min(chars, (chars + _token_overlap(wa, wb)) / 2)


@dataclass
class _Facts:
    """What two candidates share; reasons are written only for kept pairs."""

    name: float
    definition: float | None = None
    same_unit: bool | None = None
    measures: tuple[str, str] | None = None
    codes: tuple[tuple[str, str], ...] = ()

    @property
    def score(self) -> float:
        score = self.name
        if self.definition is not None:
            score += (self.definition - 50) / 10
        if self.same_unit is not None:
            score += 5 if self.same_unit else -10
        if self.measures:
            score -= 5
        if self.codes:  # both claim the same standard data: show it whatever the name
            score = max(score + 15 * len(self.codes), CODE_SCORE)
        return round(max(0.0, min(100.0, score)), 1)


#: The most the definition and unit can add to the name score; candidates
#: whose names are further below the threshold can't reach it (shared codes
#: are found separately).
_MAX_BOOST = 10.0


def _facts(a: _Prepared, b: _Prepared, name: float) -> _Facts:
    facts = _Facts(name)
    if a.definition and b.definition:
        facts.definition = fuzz.ratio(a.definition, b.definition)
    if a.unit and b.unit:
        facts.same_unit = a.unit == b.unit
    ua, ub = a.item.get("ukuran"), b.item.get("ukuran")
    if ua and ub and ua != ub:
        facts.measures = (str(ua), str(ub))
    facts.codes = tuple(
        (key, code) for key in ("kode_sds", "kode_indikator")
        if (code := str(a.item.get(key) or "").strip())
        and code == str(b.item.get(key) or "").strip()
    )
    return facts


def _reasons(a: dict[str, Any], b: dict[str, Any], facts: _Facts) -> tuple[str, ...]:
    """Why a pair is listed, as short translated phrases."""
    reasons = [_("Same name") if facts.name >= 100
               else _("Similar name ({score})").format(score=int(facts.name))]
    similar = facts.definition
    if similar is not None:
        if similar >= 100:
            reasons.append(_("Same definition"))
        elif similar >= 60:
            reasons.append(_("Similar definition ({score})").format(score=int(similar)))
        else:
            reasons.append(
                _("Different definition ({score})").format(score=int(similar)))
    if facts.same_unit:
        ua, ub = str(a.get("satuan")).strip(), str(b.get("satuan")).strip()
        unit = ua if ua.casefold() == ub.casefold() else f"{ua} / {ub}"
        reasons.append(_("Same unit ({unit})").format(unit=unit))
    elif facts.same_unit is False:
        reasons.append(_("Different unit ({a} / {b})").format(
            a=a.get("satuan"), b=b.get("satuan")))
    if facts.measures:
        ua, ub = facts.measures
        reasons.append(_("Different measure ({a} / {b})").format(
            a=vocabularies.label("ukuran", ua), b=vocabularies.label("ukuran", ub)))
    for key, code in facts.codes:
        message = (_("Same SDS code ({code})") if key == "kode_sds"
                   else _("Same indicator code ({code})"))
        reasons.append(message.format(code=code))
    return tuple(reasons)


def find_pairs(
    items: Sequence[dict[str, Any]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ignored: set[frozenset[str]] | None = None,
    same_organization: bool = False,
) -> list[Pair]:
    """Pairs of items that may be the same data, best first.

    ``items`` are item dicts (``id``, ``kode_data``, ``organization``,
    ``nama_data``, ``definisi``, ``satuan``, ``ukuran``, ``kode_sds``,
    ``kode_indikator``). Only pairs from different organizations unless
    ``same_organization``; ``ignored`` holds ``frozenset({id_a, id_b})`` pairs
    the desk marked "not a duplicate". Items sharing an SDS or indicator code
    are compared whatever their names. Order: score descending, then kode_data
    and id of both items, so the list is stable between calls.
    """
    ignored = ignored or set()
    prepared = [_prepare(item) for item in items]
    named = [p for p in prepared if p.key]
    keys = [p.key for p in named]
    cutoff = max(0.0, threshold - _MAX_BOOST)
    candidates: set[tuple[int, int]] = set()
    index = {id(p): i for i, p in enumerate(prepared)}
    for i, p in enumerate(named):
        for _key, _chars, j in process.extract(
            p.key, keys[i + 1:], scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        ):
            q = named[i + 1 + j]
            if same_organization or p.org != q.org:
                candidates.add((index[id(p)], index[id(q)]))
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(prepared):
        for key in ("kode_sds", "kode_indikator"):
            code = str(p.item.get(key) or "").strip()
            if code:
                groups[(key, code)].append(i)
    by_code: set[tuple[int, int]] = set()
    for members in groups.values():
        for x, a in enumerate(members):
            for b in members[x + 1:]:
                if same_organization or prepared[a].org != prepared[b].org:
                    by_code.add((a, b))
    candidates |= by_code
    pairs: list[Pair] = []
    for a, b in candidates:
        pa, pb = prepared[a], prepared[b]
        if frozenset((pa.ident, pb.ident)) in ignored:
            continue
        name = 0.0
        if pa.key and pb.key:
            name = _name_score(pa.key, pb.key, pa.words, pb.words)
        if name + _MAX_BOOST < threshold and (a, b) not in by_code:
            continue  # most candidates end here: cheaper than every fact
        if _order_key(pb.item) < _order_key(pa.item):
            pa, pb = pb, pa
        facts = _facts(pa, pb, name)
        score = facts.score
        if score >= threshold:
            reasons = _reasons(pa.item, pb.item, facts)
            pairs.append(Pair(pa.item, pb.item, score, reasons))
    pairs.sort(key=lambda p: (-p.score, *_order_key(p.item_a), *_order_key(p.item_b)))
    return pairs
