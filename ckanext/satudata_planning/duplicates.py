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

import contextlib
import functools
import gc
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from ckan.plugins.toolkit import _
from rapidfuzz import fuzz, process

from ckanext.satudata_planning.sop import vocabularies

DEFAULT_THRESHOLD = 85.0
#: The least score of two rows with the same SDS or indicator code.
CODE_SCORE = 90.0
#: The least similarity (0-100) of two names without their breakdowns for
#: the rows to be listed as the same subject with another breakdown.
BREAKDOWN_BASE_SCORE = 90.0
#: What a breakdown candidate's score is below its subject's similarity: it is
#: listed after the near-identical names.
BREAKDOWN_PENALTY = 15.0

#: The kinds of candidates (``jenis`` of a pair).
KIND_SIMILAR = "mirip"      # near-identical names
KIND_BREAKDOWN = "rincian"  # same subject, another breakdown
KIND_CODE = "kode"          # same SDS or indicator code
KINDS = (KIND_CODE, KIND_SIMILAR, KIND_BREAKDOWN)

_TERMS_FILE = os.path.join(os.path.dirname(__file__), "sop", "name_terms.yaml")
_YEAR = re.compile(r"(?:19|20)\d\d")
_TAHUN_YEAR = re.compile(r"\btahun\s+(?:19|20)\d\d\b")
_NOT_WORD = re.compile(r"[^\w%]+|_")
_BRACKETS = re.compile(r"\(([^()]*)\)")
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class Terms:
    """The words of ``sop/name_terms.yaml`` (and the administrator's file)."""

    words: dict[str, str]          # misspelling or abbreviation -> words
    phrases: tuple[tuple[str, str], ...]  # " a b " -> " c ", longest first
    markers: frozenset[str]
    stopwords: frozenset[str]
    stop_phrases: tuple[str, ...]
    generic: frozenset[str]
    units: frozenset[str]


def _read_terms(path: str) -> dict[str, Any]:
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of term lists")
    return data


@functools.lru_cache(maxsize=4)
def _load_terms(extra_path: str) -> Terms:
    base, extra = _read_terms(_TERMS_FILE), _read_terms(extra_path)

    def mapping(key: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for source in (base, extra):
            out.update({str(k).casefold(): str(v).casefold()
                        for k, v in (source.get(key) or {}).items()})
        return out

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w).casefold() for w in
                         [*(base.get(key) or []), *(extra.get(key) or [])])

    abbreviations = mapping("abbreviations")
    misspellings = mapping("misspellings")
    single = {**abbreviations, **misspellings}
    synonyms = mapping("synonyms")
    for word, to in list(synonyms.items()):
        if " " not in word:
            single.setdefault(word, to)
    phrases = tuple(sorted(
        ((f" {k} ", f" {v} ") for k, v in synonyms.items() if " " in k),
        key=lambda kv: -len(kv[0])))
    return Terms(
        words=single, phrases=phrases, markers=words("breakdown_markers"),
        stopwords=words("stopwords") | words("breakdown_markers"),
        stop_phrases=tuple(str(p).casefold() for p in
                           [*(base.get("stop_phrases") or []),
                            *(extra.get("stop_phrases") or [])]),
        generic=words("generic"), units=words("units"),
    )


def terms() -> Terms:
    """The terms in use: packaged ones and ``duplicate_terms_file``'s."""
    try:
        from ckanext.satudata_planning import config
        path = config.duplicate_terms_file()
    except Exception:  # outside a CKAN configuration (doctests)
        path = ""
    return _load_terms(path)


def __getattr__(name: str) -> Any:
    """``ABBREVIATIONS``, ``STOPWORDS`` and ``GENERIC`` as before the terms file."""
    if name == "ABBREVIATIONS":
        return dict(terms().words)
    if name == "STOPWORDS":
        return terms().stopwords
    if name == "GENERIC":
        return terms().generic
    raise AttributeError(name)


_UNITS: dict[str, str] = {
    "jiwa": "orang", "org": "orang", "%": "persen", "persentase": "persen",
    "prosen": "persen", "rupiah": "rp", "hektar": "ha", "hektare": "ha",
}


def _bracket(match: re.Match[str], units: frozenset[str]) -> str:
    """A bracket of a name kept unless it holds a unit, a year or a period."""
    inside = match.group(1).strip(" .")
    words = _NOT_WORD.sub(" ", inside.replace("%", " persen ")).split()
    if not words or all(w in units or w.isdigit() or w in ("s", "d", "sd")
                        for w in words):
        return " "
    return f" {inside} "


def split_tokens(text: str | None,
                 t: Terms | None = None) -> tuple[list[str], list[str]]:
    """Normalised words of a name: the subject, and the breakdown (``t``: the
    :func:`terms` in use, when the caller has them already).

    >>> split_tokens("Jml Penduduk menurut Kec. dan Jenis Kelamin (jiwa)")
    (['jumlah', 'penduduk'], ['kecamatan', 'jeniskelamin'])
    >>> split_tokens("PDRB per Kapita Tahun 2024")
    (['produk', 'domestik', 'regional', 'bruto', 'perkapita'], [])
    """
    t = t or terms()
    s = unicodedata.normalize("NFKC", text or "").casefold()
    s = _BRACKETS.sub(lambda m: _bracket(m, t.units), s)
    s = _TAHUN_YEAR.sub(" ", s).replace("%", " persentase ")
    words: list[str] = []
    for word in _NOT_WORD.sub(" ", s).split():
        words.extend(t.words.get(word, word).split())
    joined = f" {' '.join(words)} "
    for phrase, to in t.phrases:
        joined = joined.replace(phrase, to)
    for phrase in t.stop_phrases:
        joined = joined.replace(f" {phrase} ", " ")
    all_words = joined.split()
    base: list[str] = []
    breakdown: list[str] = []
    current = base
    for i, w in enumerate(all_words):
        if w in t.markers:
            following = all_words[i + 1] if i + 1 < len(all_words) else ""
            if w == "per" and (not following or _DIGITS.match(following)):
                continue
            current = breakdown
            continue
        if (w in t.stopwords or _YEAR.fullmatch(w)
                or (len(w) < 2 and not w.isdigit())):
            continue
        if current is breakdown and w in breakdown:
            continue
        current.append(w)
    return base, breakdown


def tokens(text: str | None, t: Terms | None = None) -> list[str]:
    """Normalised words of ``text`` (see :func:`normalise`)."""
    base, breakdown = split_tokens(text, t)
    return base + breakdown


def normalise(text: str | None) -> str:
    """Casefolded words without punctuation, terms written one way, stopwords out.

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
    generic = terms().generic
    return _overlap(set(a) - generic or set(a), set(b) - generic or set(b))


def _overlap(sa: set[str] | frozenset[str], sb: set[str] | frozenset[str]) -> float:
    if not sa or not sb:
        return 0.0
    if sa == sb:
        return 100.0
    matched = len(sa & sb)
    left = sorted(sb - sa)
    for word in sorted(sa - sb):
        if len(word) < 4 or not left:
            continue
        best = process.extractOne(word, left, scorer=fuzz.ratio, score_cutoff=85)
        if best:
            matched += 1
            left.remove(best[0])
    return 100.0 * matched / (len(sa) + len(sb) - matched)


@dataclass(slots=True)
class _Prepared:
    item: dict[str, Any]
    ident: str
    org: str
    words: list[str]
    key: str  # sorted words: plain ratio on it is a token-sort ratio
    base: list[str]  # the subject without its breakdown
    base_key: str
    breakdown: str  # sorted breakdown words
    content: frozenset[str]  # words without the generic ones
    numbers: frozenset[str]  # numbers in the name ("Puskesmas 2")
    base_content: frozenset[str]
    definition: str
    unit: str
    order: tuple[str, str]  # :func:`_order_key`
    codes: tuple[str, ...]  # the stripped values of :data:`CODE_KEYS`
    measure: Any  # ``ukuran``


#: the standard codes two rows may share
CODE_KEYS = ("kode_sds", "kode_indikator")


class _Words:
    """The normalised words of the texts of one comparison, each text read
    once (lists repeat definitions, and some names)."""

    __slots__ = ("terms", "names", "definitions")

    def __init__(self, t: Terms) -> None:
        self.terms = t
        self.names: dict[str, tuple[list[str], list[str]]] = {}
        self.definitions: dict[str, str] = {}

    def name(self, text: str | None) -> tuple[list[str], list[str]]:
        key = text or ""
        found = self.names.get(key)
        if found is None:
            found = self.names[key] = split_tokens(key, self.terms)
        return found

    def definition(self, text: str | None) -> str:
        key = text or ""
        found = self.definitions.get(key)
        if found is None:
            found = self.definitions[key] = " ".join(sorted(tokens(key, self.terms)))
        return found


def _prepare(item: dict[str, Any], read: _Words) -> _Prepared:
    base, breakdown = read.name(item.get("nama_data"))
    words = base + breakdown
    generic = read.terms.generic
    return _Prepared(
        item=item, ident=_ident(item), org=str(item.get("organization") or ""),
        words=words, key=" ".join(sorted(set(words))),
        base=base, base_key=" ".join(sorted(set(base))),
        breakdown=" ".join(sorted(breakdown)),
        content=frozenset(set(words) - generic or words),
        numbers=frozenset(w for w in words if w.isdigit()),
        base_content=frozenset(set(base) - generic),
        definition=read.definition(item.get("definisi")),
        unit=normalise_unit(item.get("satuan")),
        order=_order_key(item),
        codes=tuple(str(item.get(key) or "").strip() for key in CODE_KEYS),
        measure=item.get("ukuran"),
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
    generic = terms().generic
    return _name_score(" ".join(sorted(set(pa))), " ".join(sorted(set(pb))),
                       set(pa) - generic or set(pa), set(pb) - generic or set(pb))


def _name_score(key_a: str, key_b: str, ca: set[str] | frozenset[str],
                cb: set[str] | frozenset[str], chars: float | None = None) -> float:
    """``key_*``: sorted words; ``c*``: content words; ``chars``: their
    ``fuzz.ratio`` when the search for candidates computed it already."""
    if key_a == key_b:
        return 100.0
    if chars is None:
        chars = fuzz.ratio(key_a, key_b)
    if chars == 100:
        return 100.0
    return min(chars, (chars + _overlap(ca, cb)) / 2)


class _Facts(NamedTuple):
    """What two candidates share; reasons are written only for kept pairs.

    A tuple of numbers and strings, which Python's cycle collector stops
    following: a long list has tens of thousands of pairs, and every object
    they keep makes the collector's full passes over the whole process
    (CKAN's own objects included) come sooner."""

    name: float
    definition: float | None = None
    same_unit: bool | None = None
    measures: tuple[str, str] | None = None
    codes: tuple[tuple[str, str], ...] = ()
    #: the breakdowns of the same subject, when that is what the pair is
    breakdowns: tuple[str, str] | None = None

    @property
    def kind(self) -> str:
        if self.codes:
            return KIND_CODE
        return KIND_BREAKDOWN if self.breakdowns else KIND_SIMILAR

    @property
    def score(self) -> float:
        score = self.name
        if self.definition is not None:
            score += (self.definition - 50) / 10
        if self.same_unit is not None:
            score += 5 if self.same_unit else -10
        if self.measures:
            score -= 5
        if self.breakdowns:
            score -= BREAKDOWN_PENALTY
        if self.codes:  # both claim the same standard data: show it whatever the name
            score = max(score + 15 * len(self.codes), CODE_SCORE)
        return round(max(0.0, min(100.0, score)), 1)


#: The most the definition and unit can add to the name score; candidates
#: whose names are further below the threshold can't reach it (shared codes
#: are found separately).
_MAX_BOOST = 10.0


def _facts(a: _Prepared, b: _Prepared, name: float,
           breakdowns: tuple[str, str] | None = None) -> _Facts:
    definition = same_unit = measures = None
    codes: tuple[tuple[str, str], ...] = ()
    if a.definition and b.definition:
        definition = fuzz.ratio(a.definition, b.definition)
    if a.unit and b.unit:
        same_unit = a.unit == b.unit
    ua, ub = a.measure, b.measure
    if ua and ub and ua != ub:
        measures = (str(ua), str(ub))
    if a.codes != ("", "") and b.codes != ("", ""):
        codes = tuple(
            (key, code)
            for key, code, other in zip(CODE_KEYS, a.codes, b.codes, strict=True)
            if code and code == other
        )
    return _Facts(name, definition, same_unit, measures, codes, breakdowns)


def _breakdown_label(words: str) -> str:
    return words.replace("jeniskelamin", "jenis kelamin") or "-"


def _reasons(a: dict[str, Any], b: dict[str, Any], facts: _Facts) -> tuple[str, ...]:
    """Why a pair is listed, as short translated phrases."""
    if facts.breakdowns:
        reasons = [_("Same subject, another breakdown ({a} / {b})").format(
            a=_breakdown_label(facts.breakdowns[0]),
            b=_breakdown_label(facts.breakdowns[1]))]
    else:
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


@dataclass(slots=True)
class Pair:
    """Two items that may be the same data; ``alasan`` says why, translated
    (written when asked: a page of pairs, not every pair of a long list);
    ``jenis`` is the kind of candidate (:data:`KINDS`)."""

    item_a: dict[str, Any]
    item_b: dict[str, Any]
    score: float
    facts: _Facts = field(repr=False)
    jenis: str = KIND_SIMILAR

    @property
    def alasan(self) -> tuple[str, ...]:
        return _reasons(self.item_a, self.item_b, self.facts)

    def as_dict(self) -> dict[str, Any]:
        """The shape ``satudata_duplicates`` returns."""
        return {"item_a": self.item_a, "item_b": self.item_b, "score": self.score,
                "alasan": list(self.alasan), "jenis": self.jenis}


def _subject_score(a: _Prepared, b: _Prepared) -> float:
    """How alike the subjects are when the breakdowns differ (else 0)."""
    if a.breakdown == b.breakdown or not a.base or not b.base:
        return 0.0
    if a.breakdown and b.breakdown and fuzz.ratio(a.breakdown, b.breakdown) >= 90:
        return 0.0  # the same breakdown, misspelt
    if not a.base_content or not b.base_content:
        return 0.0  # "Jumlah menurut Kecamatan" names no subject
    if a.base_key == b.base_key:
        return 100.0
    return _name_score(a.base_key, b.base_key, a.base_content, b.base_content)


def _pairs_by_group(groups: dict[Any, list[int]], prepared: list[_Prepared],
                    same_organization: bool) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for members in groups.values():
        for x, a in enumerate(members):
            for b in members[x + 1:]:
                if same_organization or prepared[a].org != prepared[b].org:
                    found.add((a, b))
    return found


def _similar_keys(prepared: list[_Prepared], cutoff: float,
                  same_organization: bool) -> dict[tuple[int, int], float]:
    """Pairs whose sorted words are alike at ``cutoff`` or more (rapidfuzz),
    with that likeness (``fuzz.ratio`` of the keys).

    Names with numbers are different data when their numbers differ, so a
    name with numbers is compared with the names with the same numbers and
    those without any: a list of numbered rows costs little."""
    by_numbers: dict[frozenset[str], list[int]] = defaultdict(list)
    for i, p in enumerate(prepared):
        if p.key:
            by_numbers[p.numbers].append(i)
    plain = by_numbers.pop(frozenset(), [])
    plain_keys = [prepared[i].key for i in plain]
    found: dict[tuple[int, int], float] = {}

    def scan(i: int, others: list[int], keys: list[str]) -> None:
        p = prepared[i]
        for _key, chars, j in process.extract(
            p.key, keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        ):
            q = others[j]
            if same_organization or p.org != prepared[q].org:
                found[(i, q) if i < q else (q, i)] = chars

    for x, i in enumerate(plain):
        scan(i, plain[x + 1:], plain_keys[x + 1:])
    for group in by_numbers.values():
        keys = [prepared[i].key for i in group]
        for x, i in enumerate(group):
            if x + 1 < len(group):
                scan(i, group[x + 1:], keys[x + 1:])
            if plain:
                scan(i, plain, plain_keys)
    return found


def find_pairs(
    items: Sequence[dict[str, Any]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ignored: set[frozenset[str]] | None = None,
    same_organization: bool = False,
    breakdown_score: float = BREAKDOWN_BASE_SCORE,
) -> list[Pair]:
    """Pairs of items that may be the same data, best first.

    ``items`` are item dicts (``id``, ``kode_data``, ``organization``,
    ``nama_data``, ``definisi``, ``satuan``, ``ukuran``, ``kode_sds``,
    ``kode_indikator``). Only pairs from different organizations unless
    ``same_organization``; ``ignored`` holds ``frozenset({id_a, id_b})`` pairs
    the desk marked "not a duplicate". Three kinds (``jenis``): rows sharing
    an SDS or indicator code whatever their names (``kode``); names alike at
    ``threshold`` or more once definition and unit are weighed (``mirip``);
    the same subject with another breakdown, "… menurut Kecamatan" against
    "… menurut Kecamatan dan Jenis Kelamin", when the subjects are alike at
    ``breakdown_score`` or more (``rincian``). Order: score descending, then
    kode_data and id of both items, so the list is stable between calls.

    Python's cycle collector is paused meanwhile (:func:`_collector_paused`).
    """
    with _collector_paused():
        return _find_pairs(items, threshold, ignored, same_organization,
                           breakdown_score)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused, then resumed (if it ran before).

    A list of 5,000 rows can give tens of thousands of candidates, each a few
    new objects; that many new objects start the collector's full passes,
    which walk every object of the process (all of CKAN's) and took a third
    to a half of the comparison's time. What the comparison makes holds no
    reference cycles: reference counting frees it all the same. Another
    thread's cycles wait until the pause ends (a second at most)."""
    running = gc.isenabled()
    if running:
        gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _find_pairs(
    items: Sequence[dict[str, Any]],
    threshold: float,
    ignored: set[frozenset[str]] | None,
    same_organization: bool,
    breakdown_score: float,
) -> list[Pair]:
    ignored = ignored or set()
    read = _Words(terms())
    prepared = [_prepare(item, read) for item in items]
    cutoff = max(0.0, min(threshold - _MAX_BOOST, breakdown_score))
    similar = _similar_keys(prepared, cutoff, same_organization)
    candidates = set(similar)
    codes: dict[tuple[str, str], list[int]] = defaultdict(list)
    subjects: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(prepared):
        for key, code in zip(CODE_KEYS, p.codes, strict=True):
            if code:
                codes[(key, code)].append(i)
        if p.base_key:
            subjects[p.base_key].append(i)
    by_code = _pairs_by_group(codes, prepared, same_organization)
    candidates |= by_code
    candidates |= _pairs_by_group(
        {k: v for k, v in subjects.items() if len(v) > 1}, prepared, same_organization)
    pairs: list[Pair] = []
    #: each pair's place in the order below, computed once (numbers and
    #: strings only, as :class:`_Facts`)
    keys: list[tuple[float, tuple[str, str], tuple[str, str]]] = []
    for a, b in candidates:
        pa, pb = prepared[a], prepared[b]
        if ignored and frozenset((pa.ident, pb.ident)) in ignored:
            continue
        if pa.numbers != pb.numbers and pa.numbers and pb.numbers and (
                (a, b) not in by_code):
            continue  # "Puskesmas 1" and "Puskesmas 2" are different data
        name = subject = 0.0
        if pa.key and pb.key:
            subject = _subject_score(pa, pb)
            if subject < breakdown_score:
                subject = 0.0
                name = _name_score(pa.key, pb.key, pa.content, pb.content,
                                   similar.get((a, b)))
        if not subject and name + _MAX_BOOST < threshold and (a, b) not in by_code:
            continue  # most candidates end here: cheaper than every fact
        if pb.order < pa.order:
            pa, pb = pb, pa
        facts = _facts(pa, pb, subject or name,
                       (pa.breakdown, pb.breakdown) if subject else None)
        score = facts.score
        if score >= threshold or subject or facts.codes:
            pairs.append(Pair(pa.item, pb.item, score, facts, facts.kind))
            keys.append((-score, pa.order, pb.order))
    return [pairs[i] for i in sorted(range(len(pairs)), key=keys.__getitem__)]
