"""The SOP "Perencanaan Data" as data: the ONE place its ten steps are written.

Screens, deadlines, documents, auth and the CLI read the steps from here; nothing
else spells out a step's executors, inputs, duration or output. The texts are
bilingual data (like :mod:`vocabularies`): each :class:`Text` holds the
Indonesian and the English wording, and :meth:`Text.get` picks one by language
at display time. Interface strings (buttons, messages) go through ``tk._``
instead; SOP texts are data, not interface.

Who may *complete* a step in the portal is :attr:`Step.executors` (plus any
sysadmin). Everyone else the SOP names for the step is a participant
(:attr:`Step.participants`) or the approver who signs or chairs
(:attr:`Step.approver`): they are shown on the timeline, they do not press the
button.

>>> step(4).title.get("en")
'Desk pra forum: verify and validate the data list'
>>> [a.value for a in step(8).executors]
['walidata', 'sekretariat']
>>> step(2).duration_days
1
>>> len(STEPS)
10
>>> DESK.number, FORUM.number, PROVISION.number
(4, 6, 10)
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

from ckanext.satudata_planning import config

FIRST_STEP = 1
LAST_STEP = 10



@dataclass(frozen=True)
class Text:
    """A text in Indonesian (``id``) and English (``en``)."""

    id: str
    en: str

    def get(self, lang: Optional[str] = "id") -> str:
        """The text in ``lang`` (English for ``en*``, Indonesian otherwise).

        >>> Text("Langkah", "Step").get("en_GB")
        'Step'
        """
        return self.en if (lang or "").lower().startswith("en") else self.id


class Actor(str, enum.Enum):
    """The actors of the SOP (and the portal's sysadmin).

    ``koordinator`` and ``wali_kota`` act outside the portal (they chair the
    forum and sign the SK); no CKAN user is mapped to them (see ``roles.py``).
    """

    WALIDATA = "walidata"
    PEMBINA = "pembina"
    SEKRETARIAT = "sekretariat"
    PRODUSEN = "produsen"
    KOORDINATOR = "koordinator"
    WALI_KOTA = "wali_kota"
    SYSADMIN = "sysadmin"

    @property
    def label(self) -> Text:
        return ACTOR_LABELS[self]


ACTOR_LABELS: dict[Actor, Text] = {
    Actor.WALIDATA: Text("Walidata", "Data Custodian (Walidata)"),
    Actor.PEMBINA: Text("Pembina Data", "Data Supervisor (Pembina Data)"),
    Actor.SEKRETARIAT: Text(
        "Sekretariat Satu Data Tingkat Daerah", "Regional One Data Secretariat"
    ),
    Actor.PRODUSEN: Text("Produsen Data", "Data Producer (Produsen Data)"),
    Actor.KOORDINATOR: Text("Koordinator Forum Satu Data", "Forum Coordinator"),
    Actor.WALI_KOTA: Text("Wali Kota", "Mayor"),
    Actor.SYSADMIN: Text("Administrator sistem", "System administrator"),
}


class Gate(str, enum.Enum):
    """Names of the conditions a step's output must meet (``gates.py`` checks them)."""

    HAS_ITEMS = "has_items"
    NONE = "none"
    ALL_REVIEWED = "all_reviewed"
    BA_DESK = "ba_desk"
    ALL_DECIDED = "all_decided"
    BA_FORUM = "ba_forum"
    SK_SIGNED = "sk_signed"
    SK_PUBLISHED = "sk_published"
    ALL_PROVISIONED = "all_provisioned"


GATE_TEXTS: dict[Gate, Text] = {
    Gate.HAS_ITEMS: Text(
        "Daftar Data memuat paling sedikit satu butir",
        "The data list has at least one item",
    ),
    Gate.NONE: Text("Tanpa syarat", "No condition"),
    Gate.ALL_REVIEWED: Text(
        "Setiap butir sudah diperiksa dan tidak ada perbaikan yang masih terbuka",
        "Every item reviewed and no revision left open",
    ),
    Gate.BA_DESK: Text(
        "Berita Acara desk pra forum memiliki nomor dan tanggal",
        "The desk minutes have a number and a date",
    ),
    Gate.ALL_DECIDED: Text(
        "Setiap butir yang disetujui sudah diputuskan dalam forum",
        "Every approved item decided by the forum",
    ),
    Gate.BA_FORUM: Text(
        "Berita Acara Forum Satu Data memiliki nomor dan tanggal",
        "The forum minutes have a number and a date",
    ),
    Gate.SK_SIGNED: Text(
        "SK memiliki nomor, tanggal, dan PDF yang sudah ditandatangani",
        "The decree has a number, a date and the signed PDF",
    ),
    Gate.SK_PUBLISHED: Text("SK sudah dipublikasikan", "The decree is published"),
    Gate.ALL_PROVISIONED: Text(
        "Setiap butir yang disepakati sudah memiliki dataset",
        "Every agreed item has its dataset",
    ),
}


@dataclass(frozen=True)
class Step:
    """One step of the SOP (its "Mutu Baku": inputs, time, output)."""

    number: int
    title: Text
    executors: tuple[Actor, ...]
    inputs: tuple[Text, ...]
    output: Text
    gate: Gate
    #: working days; ``None`` when the SOP sets none (see :func:`duration`)
    duration_days: Optional[int]
    participants: tuple[Actor, ...] = ()
    approver: Optional[Actor] = None

    @property
    def gate_text(self) -> Text:
        return GATE_TEXTS[self.gate]

    @property
    def actors(self) -> tuple[Actor, ...]:
        """Everyone the SOP names for this step, executors first."""
        seen: list[Actor] = []
        for actor in (*self.executors, *self.participants,
                      *((self.approver,) if self.approver else ())):
            if actor not in seen:
                seen.append(actor)
        return tuple(seen)


_DAFTAR = Text("Daftar Data Kota Pekalongan", "Kota Pekalongan data list")

STEPS: tuple[Step, ...] = (
    Step(
        number=1,
        title=Text(
            "Menyusun Daftar Data (prioritas nasional dan provinsi, Kota "
            "Pekalongan Dalam Angka, kebutuhan perencanaan, statistik sektoral OPD)",
            "Compile the data list (national and provincial priorities, Kota "
            "Pekalongan in Figures, planning needs, agency sectoral statistics)",
        ),
        executors=(Actor.WALIDATA,),
        participants=(Actor.PRODUSEN,),
        inputs=(
            Text("Data Prioritas Nasional dan Provinsi",
                 "National and provincial priority data"),
            Text("Data Kota Pekalongan Dalam Angka", "Kota Pekalongan in Figures"),
            Text("Data Perencanaan", "Planning data"),
            Text("Data Sektoral OPD", "Agency sectoral data"),
        ),
        duration_days=5,
        output=Text("Draft Daftar Data Kota Pekalongan",
                    "Draft Kota Pekalongan data list"),
        gate=Gate.HAS_ITEMS,
    ),
    Step(
        number=2,
        title=Text("Memberikan rekomendasi atas Daftar Data",
                   "Give recommendations on the data list"),
        executors=(Actor.PEMBINA,),
        inputs=(Text("Rekomendasi Pembina Data",
                     "Recommendations of the Pembina Data"),),
        duration_days=1,
        output=_DAFTAR,
        gate=Gate.NONE,
    ),
    Step(
        number=3,
        title=Text("Menyerahkan Daftar Data sebagai bahan desk pra forum",
                   "Hand the data list over for the desk pra forum"),
        executors=(Actor.WALIDATA,),
        participants=(Actor.SEKRETARIAT,),
        inputs=(_DAFTAR,),
        duration_days=1,
        output=_DAFTAR,
        gate=Gate.NONE,
    ),
    Step(
        number=4,
        title=Text("Desk pra forum: verifikasi dan validasi Daftar Data",
                   "Desk pra forum: verify and validate the data list"),
        executors=(Actor.SEKRETARIAT,),
        participants=(Actor.WALIDATA, Actor.PEMBINA, Actor.PRODUSEN),
        inputs=(Text("Daftar Data per OPD", "Data list per agency"),),
        duration_days=None,
        output=Text("Daftar Data per OPD yang sudah diverifikasi dan divalidasi",
                    "Verified and validated data list per agency"),
        gate=Gate.ALL_REVIEWED,
    ),
    Step(
        number=5,
        title=Text("Menyusun Berita Acara desk pra forum",
                   "Write the minutes of the desk pra forum"),
        executors=(Actor.SEKRETARIAT,),
        participants=(Actor.WALIDATA, Actor.PEMBINA, Actor.PRODUSEN),
        inputs=(Text("Format Berita Acara desk pra forum", "Desk minutes format"),),
        duration_days=1,
        output=Text("Berita Acara desk pra forum; Draft Penyepakatan Daftar Data",
                    "Desk minutes; draft data list for agreement"),
        gate=Gate.BA_DESK,
    ),
    Step(
        number=6,
        title=Text("Melaksanakan Forum Satu Data: menyepakati Daftar Data",
                   "Hold the One Data Forum: agree the data list"),
        executors=(Actor.SEKRETARIAT,),
        participants=(Actor.PEMBINA, Actor.WALIDATA, Actor.PRODUSEN),
        approver=Actor.KOORDINATOR,
        inputs=(Text("Draft Penyepakatan Daftar Data",
                     "Draft data list for agreement"),),
        duration_days=1,
        output=Text("Daftar Data yang disepakati", "Agreed data list"),
        gate=Gate.ALL_DECIDED,
    ),
    Step(
        number=7,
        title=Text("Menyusun Berita Acara Forum Satu Data",
                   "Write the minutes of the One Data Forum"),
        executors=(Actor.SEKRETARIAT,),
        approver=Actor.KOORDINATOR,
        inputs=(Text("Format Berita Acara Forum Satu Data", "Forum minutes format"),),
        duration_days=1,
        output=Text("Berita Acara Forum Satu Data", "One Data Forum minutes"),
        gate=Gate.BA_FORUM,
    ),
    Step(
        number=8,
        title=Text("Menyusun SK Daftar Data Kota Pekalongan",
                   "Draft the decree on the Kota Pekalongan data list"),
        executors=(Actor.WALIDATA, Actor.SEKRETARIAT),
        approver=Actor.WALI_KOTA,
        inputs=(Text("Format SK", "Decree format"),),
        duration_days=2,
        output=Text("SK Daftar Data Kota Pekalongan",
                    "Decree on the Kota Pekalongan data list"),
        gate=Gate.SK_SIGNED,
    ),
    Step(
        number=9,
        title=Text("Menyebarluaskan SK sebagai acuan pengumpulan data",
                   "Disseminate the decree as the reference for data collection"),
        executors=(Actor.WALIDATA,),
        participants=(Actor.PRODUSEN,),
        inputs=(Text("SK Daftar Data", "Data list decree"),),
        duration_days=1,
        output=Text("SK dipublikasikan", "Decree published"),
        gate=Gate.SK_PUBLISHED,
    ),
    Step(
        number=10,
        title=Text("Menyiapkan Daftar Data di Portal Satu Data untuk diisi OPD",
                   "Prepare the data list in the portal for agencies to fill in"),
        executors=(Actor.WALIDATA,),
        participants=(Actor.PRODUSEN,),
        inputs=(_DAFTAR,),
        duration_days=3,
        output=Text("Daftar Data tersedia di portal, siap diisi OPD",
                    "Data list available in the portal, ready for agency entry"),
        gate=Gate.ALL_PROVISIONED,
    ),
)

#: the steps by what they do: code names a step through these, not its number
(COMPILE, RECOMMEND, HANDOVER, DESK, BA_DESK, FORUM, BA_FORUM, SK, PUBLISH,
 PROVISION) = STEPS

_BY_NUMBER: dict[int, Step] = {s.number: s for s in STEPS}
assert sorted(_BY_NUMBER) == list(range(FIRST_STEP, LAST_STEP + 1))


def step(number: int) -> Step:
    """The step numbered ``number`` (1–10); ``KeyError`` otherwise."""
    return _BY_NUMBER[number]


def is_step(number: object) -> bool:
    return isinstance(number, int) and number in _BY_NUMBER


def duration(number: int) -> int:
    """Working days the SOP gives step ``number``.

    Step 4 (the desk) has no duration in the SOP: the configured
    ``ckanext.satudata_planning.desk_duration_days`` (default 5) applies.
    """
    days = step(number).duration_days
    return config.desk_duration_days() if days is None else days


def steps_of(actor: Actor) -> tuple[Step, ...]:
    """The steps ``actor`` executes (may complete)."""
    return tuple(s for s in STEPS if actor in s.executors)


def current_lang() -> str:
    """The viewer's language (``id``/``en``); the default one outside requests."""
    try:
        from ckan.lib.i18n import get_lang

        return get_lang() or "id"
    except RuntimeError:  # no request (CLI, jobs)
        return config.default_locale()
