"""What the tests build, shared by every layer's tests: rows of a list, a
cycle walked to a given step with real outputs (documents, forum decisions),
a cycle at step 10 with its agreed rows, and the constants they use.

Rows written here go straight to the session when a test needs the *outputs*
of a step without its actions' audit events; :func:`seeded_cycle` walks the
cycle through the real actions.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import ckan.model as model
import openpyxl
import sqlalchemy as sa
from ckan.model.types import make_uuid
from ckan.tests import helpers

from ckanext.satudata_planning import spreadsheet
from ckanext.satudata_planning.model import Cycle, Document, Item
from ckanext.satudata_planning.sop.row_fields import FIELDS

# --- rows of the Daftar Data ------------------------------------------------------

def add_item(cycle_id: str, organization: str = "dinkes", **fields: Any) -> Item:
    """One active row of ``organization`` in the cycle (committed)."""
    org = model.Group.get(organization)
    assert org is not None
    values = {"nama_data": "Jumlah Puskesmas", "kategori_sumber": [], **fields}
    item = Item(
        id=make_uuid(),
        cycle_id=cycle_id,
        organization_id=org.id,
        kode_data=values.pop("kode_data", "T-" + make_uuid()[:8]),
        revision=1,
        state="active",
        **values,
    )
    model.Session.add(item)
    model.Session.commit()
    return item


def review_all(cycle_id: str, hasil: str = "disetujui") -> None:
    """Give every row of the cycle a desk result (committed)."""
    model.Session.execute(
        sa.update(Item).where(Item.cycle_id == cycle_id).values(hasil=hasil)
    )
    model.Session.commit()


#: the organizations of the filled templates
ORGS = [("dinkes", "Dinas Kesehatan"), ("dinsos", "Dinas Sosial")]


COLUMN = {f.key: i for i, f in enumerate(FIELDS, start=1)}


def workbook(rows: list[dict[str, Any]]) -> bytes:
    """The template filled with ``rows`` (field key -> cell value)."""
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.build_template(ORGS)))
    ws = wb[spreadsheet.SHEET_DATA]
    for r, row in enumerate(rows, start=2):
        for key, value in row.items():
            ws.cell(row=r, column=COLUMN[key], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- a cycle walked through the forum and the documents ------------------------------

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


# --- step 10 ------------------------------------------------------------------------

SK_NUMBER = "500.14.1/12/2026"


def cycle_at_step_10(walidata: dict[str, Any], tahun: int = 2027) -> dict[str, Any]:
    """A cycle moved straight to step 10 (the earlier steps have their own tests)."""
    cycle = helpers.call_action(
        "satudata_cycle_create", context={"user": walidata["name"]}, tahun=tahun
    )
    model.Session.execute(
        sa.update(Cycle)
        .where(Cycle.id == cycle["id"])
        .values(current_step=10, published=True)
    )
    model.Session.commit()
    return cycle


def add_sk(cycle_id: str, nomor: str = SK_NUMBER) -> None:
    """The cycle's SK with its number (a Document row; the document actions
    have their own tests)."""
    from ckanext.satudata_planning.model.document import Document

    model.Session.add(
        Document(
            cycle_id=cycle_id, jenis="sk", nomor=nomor, tanggal=dt.date(2026, 12, 1)
        )
    )
    model.Session.commit()


def agreed_rows(
    cycle_id: str,
    organization: str,
    n: int,
    *,
    tahun: int = 2027,
    prefix: str | None = None,
    **fields: Any,
) -> list[Item]:
    """``n`` agreed rows of ``organization`` with typical metadata."""
    prefix = prefix or f"{tahun}-{organization.upper()}"
    rows = []
    for i in range(1, n + 1):
        values = {
            "kode_data": f"{prefix}-{i:03d}",
            "tahun": tahun,
            "nama_data": f"Data {organization} nomor {i}",
            "jenis_data": "statistik_sektoral",
            "frekuensi": "tahunan",
            "tingkat_penyajian": "kecamatan",
            "satuan": "orang",
            "definisi": f"Definisi data {i}",
            "konsep": "Konsep baku",
            "kategori_sumber": ["sdgs"],
            "jadwal_rilis": dt.date(tahun, 3, 31),
            "hasil": "disetujui",
            "disepakati": True,
        }
        values.update(fields)
        rows.append(add_item(cycle_id, organization, **values))
    return rows


def datasets_of(item_id: str) -> int:
    """How many live datasets name ``item_id`` (duplicates show up here)."""
    p = model.Package
    return model.Session.execute(
        sa.select(sa.func.count(p.id)).where(
            p.extras["satudata_item_id"].astext == item_id, p.state != "deleted"
        )
    ).scalar_one()


def dataset_counts(cycle_id: str) -> dict[str, int]:
    """``{item id: number of datasets}`` for the cycle's rows (one query)."""
    p = model.Package
    rows = model.Session.execute(
        sa.select(Item.id, sa.func.count(p.id))
        .outerjoin(
            p,
            sa.and_(
                p.extras["satudata_item_id"].astext == Item.id, p.state != "deleted"
            ),
        )
        .where(Item.cycle_id == cycle_id)
        .group_by(Item.id)
    ).all()
    return dict(rows)
