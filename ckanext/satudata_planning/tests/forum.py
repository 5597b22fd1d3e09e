"""Test helpers of steps 5–9: a cycle walked with real items, documents,
forum decisions and a signed PDF, through the actions and the right actors.

:func:`provide_real_output` writes a step's output straight to the session
for tests that only need a gate open (the cycle tests' ``walk_to``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ckan.model as model
import sqlalchemy as sa

from ckanext.satudata_planning.model import Cycle, Document, Item

#: a tiny complete, inert PDF
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)
SCRIPT_NAME = "Angka Kematian Bayi <script>alert(1)</script>"

#: (organization, nama_data, desk result, forum decision)
ROWS: tuple[tuple[str, str, str, bool | None], ...] = (
    ("dinkes", "Jumlah Puskesmas", "disetujui", True),
    ("dinkes", SCRIPT_NAME, "disetujui", True),
    ("dinkes", "Data Ditolak Dinkes", "ditolak", None),
    ("dinsos", "Jumlah Penerima Bansos", "disetujui", True),
    ("dinsos", "Data Tidak Disepakati Dinsos", "disetujui", False),
)
EXECUTOR = {
    1: "walidata",
    2: "pembina",
    3: "walidata",
    4: "sekretariat",
    5: "sekretariat",
    6: "sekretariat",
    7: "sekretariat",
    8: "sekretariat",
    9: "walidata",
}
DOC_NUMBERS = {
    "ba_desk": "000.5/11/BAPPEDA/2026",
    "ba_forum": "000.5/21/BAPPEDA/2026",
    "sk": "100.3.3.3/412/2026",
}
DOC_DATES = {"ba_desk": "2026-09-01", "ba_forum": "2026-09-08", "sk": "2026-09-15"}


def provide_real_output(cycle_id: str, number: int) -> None:
    """Write the output of step 5–9 directly (committed), no events.

    Step 6 agrees every approved row (step 10 then owes their datasets).
    """
    if number in (5, 7, 8):
        jenis = {5: "ba_desk", 7: "ba_forum", 8: "sk"}[number]
        doc = Document.get(cycle_id, jenis) or Document(
            cycle_id=cycle_id, jenis=jenis, peserta=[], penandatangan=[]
        )
        doc.nomor = DOC_NUMBERS[jenis]
        doc.tanggal = dt.date.fromisoformat(DOC_DATES[jenis])
        if number == 8:
            doc.file = doc.file or "sk-stub.pdf"
        model.Session.add(doc)
    elif number == 6:
        model.Session.execute(
            sa.update(Item)
            .where(
                Item.cycle_id == cycle_id,
                Item.hasil == "disetujui",
                Item.disepakati.is_(None),
            )
            .values(disepakati=True)
        )
    elif number == 9:
        cycle = Cycle.get(cycle_id)
        assert cycle is not None
        cycle.published = True
    model.Session.commit()


def seeded_cycle(
    call_as: Callable[..., Any], actors: Any, last: int, tahun: int = 2027
) -> dict[str, Any]:
    """A cycle with :data:`ROWS` whose steps 1..``last`` are done through the
    actions by their executors (desk review, documents, forum, signed SK)."""
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=tahun)
    cid = cycle["id"]
    items: list[tuple[dict[str, Any], str, bool | None]] = []
    for n, (org, nama, hasil, agreed) in enumerate(ROWS):
        who = actors.produsen if org == "dinkes" else actors.produsen_lain
        item = call_as(
            "satudata_item_create",
            who,
            cycle_id=cid,
            organization=org,
            nama_data=nama,
            frekuensi="tahunan",
            jadwal_rilis=f"{tahun}-0{n + 2}-15",
        )
        items.append((item, hasil, agreed))
    for number in range(1, last + 1):
        if number == 4:
            for item, hasil, _agreed in items:
                call_as(
                    "satudata_item_review",
                    actors.sekretariat,
                    id=item["id"],
                    hasil=hasil,
                )
        elif number in (5, 7, 8):
            jenis = {5: "ba_desk", 7: "ba_forum", 8: "sk"}[number]
            call_as(
                "satudata_document_update",
                actors.sekretariat,
                cycle_id=cid,
                jenis=jenis,
                nomor=DOC_NUMBERS[jenis],
                tanggal=DOC_DATES[jenis],
                tempat="Ruang Rapat Bappeda",
                peserta="Budi Santoso; Kepala Bidang; Bappeda\n"
                "Siti Aminah; Statistisi; BPS",
                penandatangan="Ir. Ahmad; Kepala Bappeda; 19700101 199503 1 001",
            )
            if number == 8:
                call_as(
                    "satudata_document_upload",
                    actors.sekretariat,
                    cycle_id=cid,
                    jenis="sk",
                    upload=PDF,
                )
        elif number == 6:
            for flag in (True, False):
                ids = [
                    i["id"]
                    for i, hasil, agreed in items
                    if hasil == "disetujui" and agreed is flag
                ]
                if ids:
                    call_as(
                        "satudata_item_agree",
                        actors.sekretariat,
                        cycle_id=cid,
                        ids=ids,
                        disepakati=flag,
                    )
        elif number == 9:
            call_as("satudata_sk_publish", actors.walidata, cycle_id=cid)
        cycle = call_as(
            "satudata_step_complete",
            getattr(actors, EXECUTOR[number]),
            id=cid,
            step=number,
        )
    return cycle


def item_ids(cycle_id: str) -> dict[str, str]:
    """nama_data → id of the cycle's rows."""
    rows = model.Session.execute(
        sa.select(Item.nama_data, Item.id).where(Item.cycle_id == cycle_id)
    ).all()
    return {nama: id_ for nama, id_ in rows}
