"""The cycle walked through the screens only, as each actor, in a real browser.

One test per stretch of the SOP, in order, on one portal: each stretch starts
where the previous one stopped (pytest runs a module's tests in file order).
No action API call is made: every change goes through a form.
"""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from .conftest import login, shot

pytestmark = pytest.mark.browser

YEAR = 2027


def complete_step(page, number: int) -> None:  # noqa: ANN001
    """Press the current step's button on the dashboard and check it moved on."""
    page.goto(f"/perencanaan/{YEAR}")
    form = page.locator("form.satudata-complete-step")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    body = page.locator("body").inner_text()
    assert f"/perencanaan/{YEAR}" in page.url
    assert "alert-danger" not in page.content() or str(number) in body


def step_state(page, number: int) -> str:  # noqa: ANN001
    page.goto(f"/perencanaan/{YEAR}")
    return page.locator(f"#langkah-{number}").get_attribute("class") or ""


def fill_template(data: bytes, rows: list[dict[str, str]]) -> bytes:
    """Type rows into the downloaded template, as an OPD operator would in Excel."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Daftar Data"]
    # required columns are marked "Nama Data *"
    headers = {str(c.value).rstrip(" *"): c.column for c in ws[1] if c.value}
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            ws.cell(row=r, column=headers[header], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_walidata_opens_the_cycle(page):
    login(page, "walidata")
    page.goto("/perencanaan")
    page.fill("#field-tahun", str(YEAR))
    with page.expect_navigation():
        page.locator("form.satudata-cycle-create button[type=submit]").click()
    assert page.url.endswith(f"/perencanaan/{YEAR}")
    assert page.locator("ol.satudata-timeline > li").count() == 10
    shot(page, "dashboard-step1")


def test_opd_imports_its_rows_from_the_template(page, tmp_path: Path):
    login(page, "operator_dinkes")
    page.goto(f"/perencanaan/{YEAR}/daftar")
    with page.expect_download() as download:
        page.locator("a.satudata-template").click()
    template = Path(download.value.path()).read_bytes()
    filled = tmp_path / "daftar-dinkes.xlsx"
    filled.write_bytes(fill_template(template, [
        {"Nama Data": "Jumlah Puskesmas menurut Kecamatan", "Produsen Data": "dinkes",
         "Jenis Data": "Statistik Sektoral", "Frekuensi": "Tahunan", "Satuan": "unit"},
        {"Nama Data": "Jml penduduk per kecamatan", "Produsen Data": "dinkes",
         "Jenis Data": "Statistik Sektoral", "Frekuensi": "Tahunan", "Satuan": "orang"},
        {"Nama Data": "Cakupan Imunisasi Dasar Lengkap", "Produsen Data": "dinsos",
         "Jenis Data": "Statistik Sektoral", "Frekuensi": "Bulanan", "Satuan": "%"},
    ]))
    page.set_input_files("#field-upload", str(filled))
    with page.expect_navigation():
        page.locator("section#impor button[type=submit]").click()
    body = page.locator("body").inner_text()
    assert "Jumlah Puskesmas menurut Kecamatan" in body
    assert "Cakupan Imunisasi Dasar Lengkap" in body
    shot(page, "daftar-after-import")


def test_another_opd_adds_a_row_by_the_form(page):
    login(page, "operator_dindikbud")
    page.goto(f"/perencanaan/{YEAR}/daftar")
    page.fill("#add-nama_data", "Jumlah Penduduk menurut Kecamatan")
    page.select_option("#add-organization", "dindukcapil")
    page.fill("#add-satuan", "orang")
    with page.expect_navigation():
        page.locator("form.satudata-item-form button[type=submit]").click()
    assert "Jumlah Penduduk menurut Kecamatan" in page.locator("body").inner_text()


def test_walidata_completes_step_1(page):
    login(page, "walidata")
    complete_step(page, 1)
    assert "selesai" in step_state(page, 1)


def test_pembina_recommends_and_completes_step_2(page):
    login(page, "pembina")
    page.goto(f"/perencanaan/{YEAR}/rekomendasi")
    page.fill("#rec-list", "Gunakan konsep dan definisi SDS BPS untuk kependudukan.")
    with page.expect_navigation():
        page.locator("#rec-list").locator("xpath=..").locator(
            "button[type=submit]").click()
    assert "SDS BPS" in page.locator("body").inner_text()
    complete_step(page, 2)
    assert "selesai" in step_state(page, 2)


def test_walidata_hands_over_to_the_desk(page):
    login(page, "walidata")
    complete_step(page, 3)
    assert "selesai" in step_state(page, 3)


def test_desk_merges_the_duplicate_and_approves_the_rest(page):
    login(page, "sekretariat")
    page.goto(f"/perencanaan/{YEAR}/desk")
    panel = page.locator("form.satudata-mark-duplicate")
    assert panel.count() >= 1, "the duplicates panel shows the known pair"
    shot(page, "desk")
    with page.expect_navigation():
        panel.first.locator("button[type=submit]").click()
    # approve, once each, every row that is not the merged duplicate
    page.goto(f"/perencanaan/{YEAR}/desk")
    rows = page.locator("table.satudata-desk-items tbody tr[id^=butir-]")
    pending = [
        r.get_attribute("id") for r in rows.all()
        if "Duplikat" not in r.locator("td").nth(3).inner_text()
    ]
    assert len(pending) == 3
    for row_id in pending:
        page.goto(f"/perencanaan/{YEAR}/desk")
        with page.expect_navigation():
            page.locator(
                f"tr#{row_id} button.satudata-hasil-btn[value=disetujui]").click()
    complete_step(page, 4)
    assert "selesai" in step_state(page, 4)
    shot(page, "dashboard-step5")
