"""Step 10 gives each statistical row's dataset its typed table (Table
Designer), keeps its values on a re-run, and redesigns it when the row
changes, reporting the values that no longer fit."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest

from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.tables import ensure
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)

pytestmark = [
    pytest.mark.ckan_config("ckanext.satudata_planning.data_tables", "true"),
    pytest.mark.skipif(not tk.config.get("ckan.datastore.write_url"),
                       reason="the DataStore's databases are not configured"),
    pytest.mark.usefixtures("with_plugins", "with_request_context", "clean_datastore"),
]


def _provision(call_as: Any, actors: Any, cycle_id: str) -> dict[str, Any]:
    out = call_as("satudata_provision", actors.walidata, cycle_id=cycle_id)
    model.Session.expire_all()
    return out


def _package(item: Item) -> str:
    row = model.Session.get(Item, item.id)
    assert row is not None and row.package_id
    return row.package_id


def _tables(package_id: str) -> list[dict[str, Any]]:
    pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": package_id})
    return [r for r in pkg["resources"] if r.get("url_type") == "tabledesigner"]


def _fields(resource_id: str) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in ensure.current_fields(resource_id)}


@pytest.fixture
def provisioned(actors: Any, call_as: Any) -> dict[str, Any]:
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    stat = agreed_rows(cycle["id"], "dinkes", 1, frekuensi="triwulanan",
                       ukuran="persentase", rumus="a / b × 100")[0]
    money = agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-DINKES-K",
                        jenis_data="keuangan_daerah", tingkat_penyajian="kota")[0]
    blank = agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-DINKES-B",
                        jenis_data=None, tingkat_penyajian="kelurahan",
                        frekuensi="bulanan")[0]
    geo = agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-DINKES-G",
                      jenis_data="geospasial")[0]
    _provision(call_as, actors, cycle["id"])
    return {"cycle": cycle, "stat": stat, "money": money, "blank": blank, "geo": geo}


def test_one_designed_table_per_statistical_row(provisioned):
    stat = _tables(_package(provisioned["stat"]))
    assert len(stat) == 1
    fields = _fields(stat[0]["id"])
    assert list(fields) == ["kode_wilayah", "nama_wilayah", "tahun", "periode",
                            "nilai", "catatan"]
    assert fields["kode_wilayah"]["tdchoices"] == [
        "33.75.01", "33.75.02", "33.75.03", "33.75.04"]
    assert fields["periode"]["tdchoices"] == [
        "triwulan_1", "triwulan_2", "triwulan_3", "triwulan_4"]
    assert (fields["nilai"]["tdminimum"], fields["nilai"]["tdmaximum"]) == ("0", "100")
    assert fields["tahun"]["tdmaximum"] == "2027"
    assert [f for f in fields if fields[f]["tdpkreq"] == "pk"] == [
        "kode_wilayah", "tahun", "periode"]
    notes = fields["nilai"]["info"]["notes"]
    assert "Satuan: orang" in notes and "Rumus: a / b × 100" in notes
    assert "Definisi data 1" in notes

    money = _fields(_tables(_package(provisioned["money"]))[0]["id"])
    assert money["kode_wilayah"]["tdchoices"] == ["33.75"]
    assert money["periode"]["tdchoices"] == ["tahunan"]
    assert money["nilai"].get("tdmaximum") in (None, "")

    blank = _fields(_tables(_package(provisioned["blank"]))[0]["id"])
    assert len(blank["kode_wilayah"]["tdchoices"]) == 27
    assert len(blank["periode"]["tdchoices"]) == 12

    pkg = tk.get_action("package_show")(
        {"ignore_auth": True}, {"id": _package(provisioned["geo"])})
    assert pkg["resources"] == []


def test_rerun_keeps_the_table_and_its_values(provisioned, actors, call_as):
    package_id = _package(provisioned["stat"])
    resource_id = _tables(package_id)[0]["id"]
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="insert", records=[
                {"kode_wilayah": "33.75.01", "tahun": 2027, "periode": "triwulan_1",
                 "nilai": 12.5}])
    _provision(call_as, actors, provisioned["cycle"]["id"])
    report = ensure.ensure_tables([(provisioned["stat"], package_id)])
    assert report.unchanged == [package_id]
    assert [t["id"] for t in _tables(package_id)] == [resource_id]
    found = call_as("datastore_search", actors.produsen, resource_id=resource_id)
    assert found["total"] == 1


def test_changed_row_redesigns_and_reports_misfits(provisioned, actors, call_as):
    item = provisioned["stat"]
    package_id = _package(item)
    resource_id = _tables(package_id)[0]["id"]
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="insert", records=[
                {"kode_wilayah": "33.75.01", "tahun": 2027, "periode": "triwulan_1",
                 "nilai": 12.5},
                {"kode_wilayah": "33.75.02", "tahun": 2026, "periode": "triwulan_4",
                 "nilai": 99}])
    row = model.Session.get(Item, item.id)
    row.frekuensi = "semesteran"
    row.ukuran = "jumlah"
    model.Session.commit()
    report = ensure.ensure_tables([(row, package_id)])
    assert report.redesigned == [package_id]
    (misfit,) = report.misfits
    assert misfit["kept"] == 0 and len(misfit["removed"]) == 2
    assert misfit["removed"][0]["columns"] == [{"column": "periode",
                                                "reason": "choice"}]
    events = call_as("satudata_cycle_events", actors.walidata,
                     id=provisioned["cycle"]["id"])
    redesign = [e for e in events if e["action"] == "table_redesign"]
    assert redesign and len(redesign[0]["after"]["removed"]) == 2
    fields = _fields(resource_id)
    assert fields["periode"]["tdchoices"] == ["semester_1", "semester_2"]
    assert fields["nilai"].get("tdmaximum") in (None, "")
    # what fits the new design is kept
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="insert", records=[
                {"kode_wilayah": "33.75.01", "tahun": 2027, "periode": "semester_1",
                 "nilai": 150}])
    row.tingkat_penyajian = "kota"
    row.frekuensi = "semesteran"
    model.Session.commit()
    report = ensure.ensure_tables([(row, package_id)])
    assert report.misfits[0]["removed"][0]["columns"] == [
        {"column": "kode_wilayah", "reason": "choice"}]
    row.tingkat_penyajian = "kecamatan"
    model.Session.commit()
    ensure.ensure_tables([(row, package_id)])
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="insert", records=[
                {"kode_wilayah": "33.75.01", "tahun": 2027, "periode": "semester_1",
                 "nilai": 150}])
    row.satuan = "jiwa"
    model.Session.commit()
    report = ensure.ensure_tables([(row, package_id)])
    assert report.redesigned == [package_id] and report.misfits == []
    assert call_as("datastore_search", actors.produsen,
                   resource_id=resource_id)["total"] == 1


def _record(kode: str, periode: str = "triwulan_1", nilai: Any = 10) -> dict[str, Any]:
    return {"kode_wilayah": kode, "tahun": 2027, "periode": periode, "nilai": nilai}


def test_row_changed_after_provisioning_redesigns_through_step_10(
        provisioned, actors, call_as):
    item = provisioned["stat"]
    package_id = _package(item)
    resource_id = _tables(package_id)[0]["id"]
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="insert", records=[_record("33.75.01"), _record("33.75.02")])
    row = model.Session.get(Item, item.id)
    row.tingkat_penyajian = "kelurahan"
    row.revision += 1
    model.Session.commit()
    _provision(call_as, actors, provisioned["cycle"]["id"])
    assert [t["id"] for t in _tables(package_id)] == [resource_id]
    fields = _fields(resource_id)
    assert len(fields["kode_wilayah"]["tdchoices"]) == 27
    assert call_as("datastore_search", actors.produsen,
                   resource_id=resource_id)["total"] == 0
    events = call_as("satudata_cycle_events", actors.walidata,
                     id=provisioned["cycle"]["id"])
    (redesign,) = [e for e in events if e["action"] == "table_redesign"]
    assert redesign["target_id"] == package_id
    assert [r["record"]["kode_wilayah"] for r in redesign["after"]["removed"]] == [
        "33.75.01", "33.75.02"]


def test_only_the_datasets_opd_writes_values(provisioned, actors, call_as):
    resource_id = _tables(_package(provisioned["stat"]))[0]["id"]
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="upsert", records=[_record("33.75.01")])
    for outsider in (actors.produsen_lain, actors.walidata, actors.pembina,
                     actors.anggota):
        with pytest.raises(tk.NotAuthorized):
            call_as("datastore_upsert", outsider, resource_id=resource_id,
                    method="upsert", records=[_record("33.75.02")])
    # the Walidata reads it
    assert call_as("datastore_search", actors.walidata,
                   resource_id=resource_id)["total"] == 1


def test_wilayah_list(actors, call_as):
    kecamatan = call_as("satudata_wilayah_list", None, tingkat="kecamatan")
    assert [w["kode"] for w in kecamatan] == [
        "33.75.01", "33.75.02", "33.75.03", "33.75.04"]
    assert kecamatan[0] == {"kode": "33.75.01", "nama": "Pekalongan Barat",
                            "tingkat": "kecamatan", "induk": "33.75"}
    every = call_as("satudata_wilayah_list", None)
    assert [sum(w["tingkat"] == t for w in every)
            for t in ("kota", "kecamatan", "kelurahan")] == [1, 4, 27]
    with pytest.raises(tk.ValidationError):
        call_as("satudata_wilayah_list", None, tingkat="provinsi")


@pytest.mark.ckan_config("ckanext.satudata_planning.wilayah_kode", "33.26")
def test_wilayah_of_another_region(actors, call_as):
    kota = call_as("satudata_wilayah_list", None, tingkat="kota")
    assert [w["nama"] for w in kota] == ["Kabupaten Pekalongan"]


@pytest.mark.parametrize(("record", "column", "expected"), [
    (_record("33.75.01", nilai=-1), "nilai", "di bawah batas minimum 0"),
    (_record("33.75.01", nilai=101), "nilai", "di atas batas maksimum 100"),
    (_record("33.75.99"), "kode_wilayah", "kode wilayah “33.75.99” tidak dikenal"),
    (_record("33.75.01", nilai=None), "nilai", "wajib diisi"),
])
def test_refusals_in_indonesian(provisioned, actors, call_as, record, column,
                                expected):
    resource_id = _tables(_package(provisioned["stat"]))[0]["id"]
    with pytest.raises(tk.ValidationError) as e:
        call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
                method="upsert", records=[_record("33.75.02"), record])
    assert e.value.error_dict[column] == [expected]
    (line,) = e.value.error_dict["records"]
    assert line.startswith("Baris 2: ") and expected in line
    assert "TAB-DELIMITED" not in line


def test_a_value_that_is_not_a_number(provisioned, actors, call_as):
    resource_id = _tables(_package(provisioned["stat"]))[0]["id"]
    with pytest.raises(tk.ValidationError) as e:
        call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
                method="upsert", records=[_record("33.75.02", nilai="banyak")])
    assert e.value.error_dict["records"] == ["Baris 1: “banyak” bukan angka"]


def test_a_table_counts_as_data_once_it_has_a_record_for_the_year(
        provisioned, actors, call_as):
    from ckanext.satudata_planning.workflow import checking

    cycle_id = provisioned["cycle"]["id"]
    package_id = _package(provisioned["stat"])
    resource_id = _tables(package_id)[0]["id"]

    def with_data() -> int:
        return call_as("satudata_progress", actors.walidata,
                       cycle_id=cycle_id)["totals"]["with_data"]

    # geospatial row: no resource; three empty tables
    assert with_data() == 0 and not checking.has_data(package_id)
    series = dict(_record("33.75.01"), tahun=2026)
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="insert", records=[series])
    assert with_data() == 0  # last year's value only
    call_as("datastore_upsert", actors.produsen, resource_id=resource_id,
            method="insert", records=[_record("33.75.01")])
    assert with_data() == 1 and checking.has_data(package_id)
    todo = call_as("satudata_todo_datasets", actors.produsen)
    assert {d["package_id"]: d["status"] for d in todo}[package_id] == (
        "diisi")
    # (CKAN 2.12's datastore_records_delete fails its own auth audit when
    # called as an action; Table Designer's delete form calls datastore_delete)
    call_as("datastore_delete", actors.produsen, resource_id=resource_id,
            filters={"tahun": 2027})
    assert with_data() == 0


def test_cli_gives_missing_tables_and_is_idempotent(provisioned, cli, actors,
                                                    call_as, monkeypatch):
    from ckan.cli.cli import ckan

    from ckanext.satudata_planning import config

    # the command loads test.ini again, where tables are off
    monkeypatch.setattr(config, "data_tables", lambda: True)
    package_id = _package(provisioned["stat"])
    resource_id = _tables(package_id)[0]["id"]
    call_as("resource_delete", actors.sysadmin, id=resource_id)
    result = cli.invoke(ckan, ["satudata", "tables", "2027"])
    assert result.exit_code == 0, result.output
    assert "dibuat 1, dirancang ulang 0, tetap 2, tanpa tabel 1" in result.output
    assert len(_tables(package_id)) == 1
    again = cli.invoke(ckan, ["satudata", "tables", "2027"])
    assert "dibuat 0, dirancang ulang 0, tetap 3" in again.output
