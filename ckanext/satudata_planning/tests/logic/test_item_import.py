"""Importing the Daftar Data from the XLSX template: all rows or none."""

from __future__ import annotations

import io

import ckan.model as model
import ckan.plugins.toolkit as tk
import openpyxl
import pytest

from ckanext.satudata_planning import spreadsheet
from ckanext.satudata_planning.model import Cycle, Event, Item
from ckanext.satudata_planning.sop.row_fields import FIELDS
from ckanext.satudata_planning.tests.factories import COLUMN, workbook


def count() -> int:
    model.Session.expire_all()
    return model.Session.query(Item).count()


def test_good_file_is_imported(actors, call_as, cycle):
    data = workbook(
        [
            {
                "nama_data": "Jumlah Puskesmas",
                "organization": "dinkes",
                "frekuensi": "Tahunan",
                "kategori_sumber": "SDGs; SPM",
                "jadwal_rilis": "2027-03-31",
            },
            {
                "nama_data": "Jumlah Dokter",
                "organization": "dinkes",
                "kode_data": "2020-DINKES-009",
            },
        ]
    )
    result = call_as(
        "satudata_item_import", actors.produsen, cycle_id=2027, upload=data
    )
    assert result == {"count": 2, "created": 2, "updated": 0}
    rows = call_as(
        "satudata_item_list", actors.produsen, cycle_id=2027, sort="nama_data"
    )["results"]
    assert [r["kode_data"] for r in rows] == ["2020-DINKES-009", "2027-DINKES-001"]
    assert rows[1]["frekuensi"] == "tahunan"
    assert rows[1]["kategori_sumber"] == ["sdgs", "spm"]
    assert rows[1]["jadwal_rilis"] == "2027-03-31"
    assert rows[1]["status_usulan"] == "baru"
    assert model.Session.query(Event).filter_by(action="item_import").count() == 2


def test_file_object_upload(actors, call_as, cycle):
    from werkzeug.datastructures import FileStorage

    upload = FileStorage(
        io.BytesIO(workbook([{"nama_data": "A", "organization": "dinkes"}])),
        filename="daftar.xlsx",
    )
    assert (
        call_as("satudata_item_import", actors.produsen, cycle_id=2027, upload=upload)[
            "created"
        ]
        == 1
    )


def test_bad_cells_are_all_reported_and_nothing_written(actors, call_as, cycle):
    call_as(
        "satudata_item_create",
        actors.produsen,
        cycle_id=2027,
        organization="dinkes",
        nama_data="Sudah ada",
    )
    before = count()
    data = workbook(
        [
            {"nama_data": "Baik", "organization": "dinkes"},
            {
                "nama_data": "Frekuensi salah",
                "organization": "dinkes",
                "frekuensi": "Kadang-kadang",
            },
            {"organization": "dinkes", "satuan": "orang"},  # no name
            {"nama_data": "OPD lain", "organization": "dinsos"},  # not the caller's
        ]
    )
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_import", actors.produsen, cycle_id=2027, upload=data)
    messages = err.value.error_dict["upload"]
    freq = (
        spreadsheet.get_column_letter(COLUMN["frekuensi"])
        if hasattr(spreadsheet, "get_column_letter")
        else None
    )
    assert any(
        "3" in m and (freq is None or freq in m) and "Kadang" in m for m in messages
    )
    assert any(m.startswith(("Row 4", "Baris 4")) for m in messages)
    assert any(m.startswith(("Row 5", "Baris 5")) for m in messages)
    assert len(messages) == 3
    assert count() == before


def test_not_an_xlsx(actors, call_as, cycle):
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_import",
            actors.produsen,
            cycle_id=2027,
            upload=b"nama_data,organization\nA,dinkes\n",
        )
    assert len(err.value.error_dict["upload"]) == 1
    assert count() == 0


def test_error_list_is_capped(actors, call_as, cycle):
    data = workbook(
        [
            {"nama_data": f"R{i}", "organization": "dinkes", "frekuensi": "salah"}
            for i in range(250)
        ]
    )
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_import", actors.produsen, cycle_id=2027, upload=data)
    messages = err.value.error_dict["upload"]
    assert len(messages) == 201
    assert "50" in messages[-1]
    assert count() == 0


def test_reimport_of_an_export_updates_the_rows(actors, call_as, cycle):
    for name in ("A", "B"):
        call_as(
            "satudata_item_create",
            actors.produsen,
            cycle_id=2027,
            organization="dinkes",
            nama_data=name,
        )
    rows = call_as(
        "satudata_item_list", actors.produsen, cycle_id=2027, sort="kode_data"
    )["results"]
    wb = openpyxl.load_workbook(io.BytesIO(spreadsheet.export(rows)))
    ws = wb[spreadsheet.SHEET_DATA]
    ws.cell(row=2, column=COLUMN["satuan"], value="unit")
    ws.append(["", None, "C", "dinkes"])
    out = io.BytesIO()
    wb.save(out)
    result = call_as(
        "satudata_item_import", actors.produsen, cycle_id=2027, upload=out.getvalue()
    )
    assert result == {"count": 3, "created": 1, "updated": 2}
    after = call_as(
        "satudata_item_list", actors.produsen, cycle_id=2027, sort="kode_data"
    )["results"]
    assert [r["kode_data"] for r in after] == [
        "2027-DINKES-001",
        "2027-DINKES-002",
        "2027-DINKES-003",
    ]
    assert after[0]["satuan"] == "unit" and after[0]["revision"] == 2
    assert after[1]["revision"] == 2


def test_code_of_another_opd_is_refused(actors, call_as, cycle):
    other = call_as(
        "satudata_item_create",
        actors.produsen_lain,
        cycle_id=2027,
        organization="dinsos",
        nama_data="Panti",
    )
    data = workbook(
        [
            {
                "kode_data": other["kode_data"],
                "nama_data": "Rebut",
                "organization": "dinkes",
            }
        ]
    )
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_import", actors.produsen, cycle_id=2027, upload=data)
    assert other["kode_data"] in err.value.error_dict["upload"][0]
    assert (
        call_as("satudata_item_show", actors.produsen, id=other["id"])["nama_data"]
        == "Panti"
    )


def test_import_refused_to_readers_and_after_step_one(actors, call_as, cycle):
    data = workbook([{"nama_data": "A", "organization": "dinkes"}])
    for label in ("anggota", "anonymous"):
        with pytest.raises(tk.NotAuthorized):
            call_as(
                "satudata_item_import",
                getattr(actors, label),
                cycle_id=2027,
                upload=data,
            )
    # BPS imports its own rows only: dinkes is not among them
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_import", actors.pembina, cycle_id=2027, upload=data)
    assert "dinkes" in err.value.error_dict["upload"][0]
    assert count() == 0
    c = Cycle.get(2027)
    c.current_step = 2
    model.Session.commit()
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_import", actors.produsen, cycle_id=2027, upload=data)
    # the Walidata adds Tambahan rows for any OPD
    assert (
        call_as("satudata_item_import", actors.walidata, cycle_id=2027, upload=data)[
            "created"
        ]
        == 1
    )
    assert (
        call_as("satudata_item_list", actors.walidata, cycle_id=2027)["results"][0][
            "status_usulan"
        ]
        == "tambahan"
    )


def test_five_thousand_rows(actors, call_as, cycle):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(spreadsheet.SHEET_DATA)
    ws.append([spreadsheet.header(f) for f in FIELDS])
    for i in range(5000):
        org = "dinkes" if i % 2 else "dinsos"
        ws.append(
            [
                "",
                2027,
                f"Data nomor {i}",
                org,
                "Statistik Sektoral",
                "Indikator",
                "SDGs",
                "Baru",
                "Konsep",
                "Definisi",
                "",
                "Jumlah",
                "orang",
                "",
                "Kecamatan",
                "Tahunan",
                "2027-03-31",
                "",
                "Survei",
                "SIAK",
                "Terbuka",
                "",
                "",
                "",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    # speed is benchmarks/bench_items.py's business, not a timed test's
    result = call_as(
        "satudata_item_import", actors.walidata, cycle_id=2027, upload=out.getvalue()
    )
    assert result["created"] == 5000
    assert count() == 5000
    listed = call_as(
        "satudata_item_list",
        actors.walidata,
        cycle_id=2027,
        organization="dinsos",
        limit=5000,
    )
    assert listed["count"] == 2500
    codes = {r["kode_data"] for r in listed["results"]}
    assert {"2027-DINSOS-001", "2027-DINSOS-2500"} <= codes and len(codes) == 2500
