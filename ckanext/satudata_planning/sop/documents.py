"""The documents the SOP produces: their kinds, the step that writes each, and
their names, written once.

>>> [k.jenis for k in DOCUMENTS]
['ba_desk', 'ba_forum', 'sk']
>>> kind("ba_forum").step.number, kind("ba_forum").attendance_from.number
(7, 6)
>>> kind("sk").title.get("en")
'Decree (SK) on the Data List'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .steps import BA_DESK, BA_FORUM, FORUM, SK, Step, Text


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document (``jenis``) of a cycle."""

    jenis: str
    #: the step whose output it is: it is written from this step on
    step: Step
    #: its name in a sentence ("… is written from step 5 on")
    name: Text
    #: its heading on the screens
    title: Text
    #: its attendance list alone may be written from this (earlier) step on
    attendance_from: Optional[Step] = None

    @property
    def first_step(self) -> int:
        return self.step.number


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        jenis="ba_desk",
        step=BA_DESK,
        name=Text("Berita Acara desk pra forum (BA desk)",
                  "The desk minutes (BA desk pra forum)"),
        title=Text("Berita Acara desk pra forum (BA desk)",
                   "Minutes of the desk pra forum (BA desk)"),
    ),
    DocumentKind(
        jenis="ba_forum",
        step=BA_FORUM,
        name=Text("Berita Acara Forum Satu Data (BA forum)",
                  "The forum minutes (BA Forum Satu Data)"),
        title=Text("Berita Acara Forum Satu Data (BA forum)",
                   "Minutes of the Forum Satu Data (BA forum)"),
        # the attendance is taken at the forum, before its minutes are written
        attendance_from=FORUM,
    ),
    DocumentKind(
        jenis="sk",
        step=SK,
        name=Text("SK", "The decree (SK)"),
        title=Text("SK tentang Daftar Data", "Decree (SK) on the Data List"),
    ),
)

#: the kinds' names, in the SOP's order (the values of ``jenis``)
JENIS: tuple[str, ...] = tuple(k.jenis for k in DOCUMENTS)

_BY_JENIS = {k.jenis: k for k in DOCUMENTS}


def kind(jenis: str) -> DocumentKind:
    """The kind named ``jenis``; ``KeyError`` otherwise."""
    return _BY_JENIS[jenis]
