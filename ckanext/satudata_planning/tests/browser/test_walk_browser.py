"""The cycle walked through the screens only, as each actor, in a real browser.

One test per stretch of the SOP, in order, on one portal: each stretch starts
where the previous one stopped (pytest runs a module's tests in file order).
No action API call is made: every change goes through a form.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from urllib.parse import urljoin

import openpyxl
import pytest

from .conftest import login, shot

pytestmark = pytest.mark.browser

YEAR = 2027


#: true once CKAN's confirm-action module listens on the button (a click before
#: that would submit without the confirmation)
CONFIRM_READY = """(selector) => {
  const b = document.querySelector(selector);
  const events = b && window.jQuery && window.jQuery._data(b, "events");
  return Boolean(events && events.click);
}"""


def confirm_click(page, selector: str) -> None:  # noqa: ANN001
    """Press the button of ``selector``, then "Konfirmasi" in CKAN's dialog."""
    page.wait_for_function(CONFIRM_READY, arg=selector)
    page.locator(selector).first.click()
    with page.expect_navigation():
        page.locator("#ckan-confirm-yes").click()


def complete_step(page, number: int) -> None:  # noqa: ANN001
    """Press the current step's button on the dashboard and check it moved on."""
    page.goto(f"/perencanaan/{YEAR}")
    confirm_click(page, "form.satudata-complete-step button[type=submit]")
    body = page.locator("body").inner_text()
    assert f"/perencanaan/{YEAR}" in page.url
    assert "alert-danger" not in page.content() or str(number) in body


def step_state(page, number: int) -> str:  # noqa: ANN001
    page.goto(f"/perencanaan/{YEAR}")
    return page.locator(f"#langkah-{number}").get_attribute("class") or ""


def fill_template(data: bytes, rows: list[dict[str, object]]) -> bytes:
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
         "Jenis Data": "Statistik Sektoral", "Frekuensi": "Tahunan", "Satuan": "unit",
         "Jadwal Rilis": dt.date(YEAR, 3, 31)},
        {"Nama Data": "Jml penduduk per kecamatan", "Produsen Data": "dinkes",
         "Jenis Data": "Statistik Sektoral", "Frekuensi": "Tahunan", "Satuan": "orang"},
        {"Nama Data": "Cakupan Imunisasi Dasar Lengkap", "Produsen Data": "dinsos",
         "Jenis Data": "Statistik Sektoral", "Frekuensi": "Bulanan", "Satuan": "%",
         "Jadwal Rilis": dt.date(2026, 11, 2)},
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
    page.select_option("#add-tingkat_penyajian", "kecamatan")
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


# --- steps 5 to 10 --------------------------------------------------------------

NUMBERS = {"ba_desk": "000.5/01/BAPPEDA/2026", "ba_forum": "000.5/02/BAPPEDA/2026",
           "sk": "500.14.1/123 TAHUN 2026"}
SIGNED_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n"
    b"0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def save_document(page, jenis: str) -> None:  # noqa: ANN001
    page.goto(f"/perencanaan/{YEAR}/dokumen")
    page.fill(f"#{jenis}-nomor", NUMBERS[jenis])
    page.fill(f"#{jenis}-tanggal", "2026-12-01")
    if page.locator(f"#{jenis}-tempat").count():
        page.fill(f"#{jenis}-tempat", "Ruang Rapat Bappeda Kota Pekalongan")
    with page.expect_navigation():
        page.locator(f"section#{jenis} form.satudata-document-form "
                     "button[type=submit]").click()
    assert NUMBERS[jenis] in page.content()


def download_docx_text(page, jenis: str) -> str:  # noqa: ANN001
    import docx

    page.goto(f"/perencanaan/{YEAR}/dokumen")
    with page.expect_download() as download:
        page.locator(f"section#{jenis} a[href$='{jenis}.docx']").click()
    document = docx.Document(download.value.path())
    text = [p.text for p in document.paragraphs]
    for table in document.tables:
        text += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(text)


def test_sekretariat_writes_the_ba_desk(page):
    login(page, "sekretariat")
    save_document(page, "ba_desk")
    text = download_docx_text(page, "ba_desk")
    assert "BERITA ACARA" in text and NUMBERS["ba_desk"] in text
    assert "Jumlah Puskesmas menurut Kecamatan" in text
    complete_step(page, 5)
    assert "selesai" in step_state(page, 5)


def test_forum_agrees_the_list_in_bulk(page):
    login(page, "sekretariat")
    page.goto(f"/perencanaan/{YEAR}/forum")
    sections = page.locator("section.satudata-forum-opd")
    assert sections.count() >= 2
    shot(page, "forum")
    for i in range(sections.count()):
        page.goto(f"/perencanaan/{YEAR}/forum")
        section = page.locator("section.satudata-forum-opd").nth(i)
        section.locator("input.satudata-select-all").check()
        with page.expect_navigation():
            section.locator("button[name=disepakati][value=true]").click()
    complete_step(page, 6)
    assert "selesai" in step_state(page, 6)


def test_sekretariat_writes_the_ba_forum(page):
    login(page, "sekretariat")
    save_document(page, "ba_forum")
    text = download_docx_text(page, "ba_forum")
    assert "KESEPAKATAN" in text and NUMBERS["ba_forum"] in text
    complete_step(page, 7)
    assert "selesai" in step_state(page, 7)


def test_walidata_drafts_the_sk_and_uploads_it_signed(page, tmp_path: Path):
    login(page, "walidata")
    save_document(page, "sk")
    text = download_docx_text(page, "sk")
    assert "KEPUTUSAN WALI KOTA PEKALONGAN" in text and NUMBERS["sk"] in text
    page.goto(f"/perencanaan/{YEAR}/dokumen/sk/cetak")
    assert "LAMPIRAN" in page.locator("body").inner_text()
    shot(page, "sk-printable")
    # a text file renamed .pdf is refused, the real PDF is kept
    fake = tmp_path / "sk-ttd.pdf"
    fake.write_bytes(b"bukan pdf")
    page.goto(f"/perencanaan/{YEAR}/dokumen")
    page.set_input_files("#sk-upload", str(fake))
    with page.expect_navigation():
        page.locator("section#sk form.satudata-document-upload "
                     "button[type=submit]").click()
    assert page.locator(".alert-danger, .flash-messages .alert-error").count()
    signed = tmp_path / "sk-ditandatangani.pdf"
    signed.write_bytes(SIGNED_PDF)
    page.set_input_files("#sk-upload", str(signed))
    with page.expect_navigation():
        page.locator("section#sk form.satudata-document-upload "
                     "button[type=submit]").click()
    assert page.locator("section#sk a[href$='ttd.pdf']").count() == 1
    shot(page, "dokumen")
    complete_step(page, 8)
    assert "selesai" in step_state(page, 8)


def test_walidata_publishes_the_sk(page, browser, portal):
    login(page, "walidata")
    page.goto(f"/perencanaan/{YEAR}/dokumen")
    selector = "form.satudata-publish button[type=submit]"
    page.wait_for_function(CONFIRM_READY, arg=selector)
    page.locator(selector).first.click()
    assert "tidak dapat dibatalkan" in page.locator("#ckan-confirm-modal").inner_text()
    with page.expect_navigation():
        page.locator("#ckan-confirm-yes").click()
    complete_step(page, 9)
    assert "selesai" in step_state(page, 9)
    # an anonymous visitor now sees the SK and the agreed list, nothing else
    context = browser.new_context(base_url=portal, locale="id-ID")
    anonymous = context.new_page()
    anonymous.goto(f"/perencanaan/{YEAR}")
    body = anonymous.locator("body").inner_text()
    assert NUMBERS["sk"] in body
    assert "Jumlah Puskesmas menurut Kecamatan" in body
    assert "Jml penduduk per kecamatan" not in body  # merged as a duplicate
    context.close()


def test_walidata_provisions_the_datasets(page):
    login(page, "walidata")
    page.goto(f"/perencanaan/{YEAR}/portal")
    with page.expect_navigation():
        page.locator("form[action$='/portal/sediakan'] button[type=submit]").click()
    page.goto(f"/perencanaan/{YEAR}/portal")
    assert page.locator("svg[role=img]").count() == 1
    shot(page, "portal-progress")
    complete_step(page, 10)
    assert "selesai" in step_state(page, 10)


# --- step 10's data table: template, import, one value corrected, chart -------

#: what the data-table stretch carries from one test to the next
TABLE: dict[str, object] = {}


def table_values(page, box) -> dict[tuple[str, str], float]:  # noqa: ANN001
    """The table's values as its "Unduh XLSX" button gives them."""
    with page.expect_download() as download:
        box.locator("a.satudata-download-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    data = Path(download.value.path()).read_bytes()
    ws = openpyxl.load_workbook(io.BytesIO(data))["Data"]
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows))
    kode, periode, nilai = (header.index(h) for h in ("Kode Wilayah", "Periode",
                                                        "Nilai"))
    return {(r[kode], r[periode]): r[nilai] for r in rows if r[kode]}


def test_opd_fills_its_data_table_from_the_template(page, tmp_path: Path):
    """The OPD downloads its dataset's XLSX template, types the values in,
    imports it and sees them on the dataset's page."""
    login(page, "operator_dindikbud")
    page.goto(f"/perencanaan/{YEAR}")
    link = page.locator(".satudata-todo-datasets a[href*='/dataset/']",
                        has_text="Jumlah Penduduk menurut Kecamatan")
    assert link.count() >= 1
    name = link.first.get_attribute("href").rstrip("/").split("/dataset/")[-1]
    TABLE["name"] = name
    page.goto(f"/dataset/{name}")
    box = page.locator("section.satudata-data-table")
    assert box.locator(".satudata-satuan").inner_text() == "orang"
    with page.expect_download() as download:
        box.locator("a[href$='/templat.xlsx']").click()
    assert download.value.suggested_filename == f"templat-{name}.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert {"Data", "Metadata"} <= set(wb.sheetnames)
    ws = wb["Data"]
    header = [c.value for c in ws[1]]
    column = {h: i for i, h in enumerate(header, start=1)}
    typed: dict[tuple[str, str], int] = {}
    for r in range(2, ws.max_row + 1):
        kode = ws.cell(row=r, column=column["Kode Wilayah"]).value
        if not kode:
            continue
        assert ws.cell(row=r, column=column["Tahun"]).value == YEAR
        value = 101 * (len(typed) + 1)
        ws.cell(row=r, column=column["Nilai"], value=value)
        typed[(kode, ws.cell(row=r, column=column["Periode"]).value)] = value
    # the four kecamatan of Kota Pekalongan, one yearly value each
    assert len(typed) == 4
    assert {p for _k, p in typed} == {"tahunan"}
    filled = tmp_path / f"{name}.xlsx"
    wb.save(filled)
    page.set_input_files("#satudata-table-upload", str(filled))
    with page.expect_navigation():
        box.locator("form.satudata-table-import button[type=submit]").click()
    assert page.locator(".alert-danger, .alert-error").count() == 0
    assert "4" in page.locator(".flash-messages, .alert-success").first.inner_text()
    box = page.locator("section.satudata-data-table")
    assert table_values(page, box) == typed
    TABLE["typed"] = typed
    shot(page, "tabel-impor")


def test_opd_corrects_one_value_and_sees_the_chart(page):
    """One value corrected in Table Designer's row form; the chart (SVG) on the
    dataset's page draws the corrected value."""
    name = TABLE["name"]
    typed: dict[tuple[str, str], int] = dict(TABLE["typed"])  # type: ignore[arg-type]
    login(page, "operator_dindikbud")
    page.goto(f"/dataset/{name}")
    box = page.locator("section.satudata-data-table")
    table_url = box.locator("a[href*='/resource/']").first.get_attribute("href")
    resource_id = table_url.rstrip("/").split("/resource/")[-1]
    page.goto(f"/dataset/{name}/tabledesigner/{resource_id}/edit-row?_id=1")
    form = page.locator("form[action*='/edit-row']")
    kode = form.get_by_label("Kode Wilayah").input_value()
    periode = form.get_by_label("Periode").input_value()
    nilai = form.get_by_label("Nilai", exact=False)
    assert float(nilai.input_value()) == typed[(kode, periode)]
    nilai.fill("555")
    shot(page, "tabel-ubah-baris")
    with page.expect_navigation():
        form.locator("button[name=save]").click()
    assert "/edit-row" not in page.url, "the row form refused the value"
    typed[(kode, periode)] = 555
    page.goto(f"/dataset/{name}")
    box = page.locator("section.satudata-data-table")
    assert table_values(page, box) == typed
    chart = box.locator("figure.satudata-table-chart img")
    chart.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=chart.element_handle())
    response = page.request.get(urljoin(page.url, chart.get_attribute("src")))
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text()
    assert svg.startswith("<svg") and svg.count("<rect") == 4
    assert ": 555</title>" in svg
    shot(page, "tabel-grafik")


def test_opd_fills_one_dataset(page, tmp_path: Path):
    login(page, "operator_dinkes")
    page.goto(f"/perencanaan/{YEAR}")
    todo = page.locator(".satudata-todo-datasets a[href*='/dataset/']")
    assert todo.count() >= 1
    href = todo.first.get_attribute("href")
    name = href.rstrip("/").split("/dataset/")[-1]
    page.goto(f"/dataset/{name}/resource/new")
    data = tmp_path / "puskesmas-2027.csv"
    data.write_text("kecamatan,jumlah\nPekalongan Barat,3\nPekalongan Timur,2\n")
    page.set_input_files("input[type=file][name=upload]", str(data))
    page.fill("#field-name", "Jumlah Puskesmas 2027")
    with page.expect_navigation():
        page.locator("button[name=save]").last.click()
    page.goto(f"/dataset/{name}")
    assert "Jumlah Puskesmas 2027" in page.locator("body").inner_text()
    shot(page, "opd-dataset-filled")


# --- after step 10: checking and publication ---------------------------------

#: what the walk after step 10 carries from one test to the next
CHECKED: dict[str, str] = {}


def test_opd_submits_its_filled_dataset(page):
    login(page, "operator_dinkes")
    page.goto(f"/perencanaan/{YEAR}")
    filled = page.locator("tr.satudata-todo-diisi td:nth-child(2) a")
    assert filled.count() == 1
    name = filled.first.get_attribute("href").rstrip("/").split("/dataset/")[-1]
    CHECKED["name"] = name
    CHECKED["title"] = filled.first.inner_text()
    page.goto(f"/dataset/{name}")
    box = page.locator("section.satudata-dataset-check")
    assert "Terisi, belum diajukan" in box.inner_text()
    page.fill(f"#ajukan-catatan-{name}", "Data 2027 lengkap untuk semua kecamatan")
    with page.expect_navigation():
        box.locator("form.satudata-submit-form button[type=submit]").click()
    assert "Diajukan untuk diperiksa" in page.locator(
        "section.satudata-dataset-check").inner_text()
    # nothing public yet
    assert page.locator(".dataset-private").count() == 1


def test_walidata_returns_it_with_a_note(page):
    name = CHECKED["name"]
    login(page, "walidata")
    page.goto(f"/perencanaan/{YEAR}/periksa")
    row = page.locator(f"tr#periksa-{name}")
    assert row.count() == 1 and "Diajukan untuk diperiksa" in row.inner_text()
    shot(page, "periksa")
    with page.expect_navigation():
        row.locator("a").first.click()
    assert "Data 2027 lengkap untuk semua kecamatan" in page.locator(
        "body").inner_text()
    # the data is a file; the dataset's table is still empty
    assert page.locator("table.satudata-check-preview tbody tr").count() == 0
    shot(page, "periksa-detail")
    page.fill("#review-catatan", "Tambahkan kolom tahun pada berkas")
    with page.expect_navigation():
        page.locator("form.satudata-review-form button[value=perbaikan]").click()
    assert "dikembalikan kepada OPD" in page.locator("body").inner_text()


def test_opd_sees_the_note_and_fixes_it(page, tmp_path: Path):
    name = CHECKED["name"]
    login(page, "operator_dinkes")
    page.goto(f"/perencanaan/{YEAR}")
    returned = page.locator("tr.satudata-todo-perbaikan")
    assert "Tambahkan kolom tahun pada berkas" in returned.inner_text()
    page.goto(f"/dataset/{name}")
    assert "Dikembalikan untuk perbaikan" in page.locator(
        "section.satudata-dataset-check").inner_text()
    shot(page, "dataset-dikembalikan")
    page.goto(f"/dataset/{name}/resource/new")
    data = tmp_path / "puskesmas-2027-tahun.csv"
    data.write_text("tahun,kecamatan,jumlah\n2027,Pekalongan Barat,3\n"
                    "2027,Pekalongan Timur,2\n")
    page.set_input_files("input[type=file][name=upload]", str(data))
    page.fill("#field-name", "Jumlah Puskesmas 2027 (dengan tahun)")
    with page.expect_navigation():
        page.locator("button[name=save]").last.click()
    page.goto(f"/dataset/{name}")
    box = page.locator("section.satudata-dataset-check")
    assert "Tambahkan kolom tahun pada berkas" in box.inner_text()
    with page.expect_navigation():
        box.locator("form.satudata-submit-form button[type=submit]").click()
    assert "Diajukan untuk diperiksa" in page.locator(
        "section.satudata-dataset-check").inner_text()


def test_walidata_accepts_and_the_public_sees_it(page, browser, portal):
    name = CHECKED["name"]
    login(page, "walidata")
    page.goto(f"/perencanaan/{YEAR}/periksa/{name}")
    history = page.locator("ol.satudata-check-history > li")
    assert history.count() >= 4  # filled, submitted, returned, submitted
    with page.expect_navigation():
        page.locator("form.satudata-review-form button[value=diterima]").click()
    assert "diterima dan dipublikasikan" in page.locator("body").inner_text()
    page.goto(f"/perencanaan/{YEAR}/portal")
    assert "1 diterima, 1 dipublikasikan" in page.locator(
        ".satudata-progress-total").inner_text()
    shot(page, "portal-checking")
    # an anonymous visitor finds it and opens it
    context = browser.new_context(base_url=portal, locale="id-ID")
    anonymous = context.new_page()
    response = anonymous.goto(f"/dataset/{name}")
    assert response.status == 200
    assert CHECKED["title"] in anonymous.locator("h1").first.inner_text()
    assert "Jumlah Puskesmas 2027 (dengan tahun)" in anonymous.locator(
        "body").inner_text()
    anonymous.goto("/dataset/?q=" + name)
    assert anonymous.locator(f"a[href$='/dataset/{name}']").count() >= 1
    context.close()
    page.goto(f"/perencanaan/{YEAR}/periksa?status=diterima")
    shot(page, "periksa-diterima")


def test_the_public_reads_the_release_calendar(browser, portal):
    """An anonymous visitor opens /jadwal-rilis from the public SK page: the
    agreed rows by month, the accepted one linked to its dataset."""
    context = browser.new_context(base_url=portal, locale="id-ID",
                                  viewport={"width": 1280, "height": 900})
    anonymous = context.new_page()
    anonymous.goto(f"/perencanaan/{YEAR}")
    with anonymous.expect_navigation():
        anonymous.locator("a.satudata-calendar-link").first.click()
    assert "/jadwal-rilis" in anonymous.url
    body = anonymous.locator("body").inner_text()
    assert "Jadwal rilis" in body and "Persentase terbit tepat waktu" in body
    assert anonymous.locator(f"a[href$='/dataset/{CHECKED['name']}']").count() == 1
    rows = anonymous.locator("table.satudata-release-calendar tbody tr")
    total = rows.count()
    assert total >= 2
    anonymous.select_option("#filter-organization", index=1)  # the first OPD
    with anonymous.expect_navigation():
        anonymous.locator("form.satudata-calendar-filters button").click()
    assert "organization=" in anonymous.url
    assert 1 <= rows.count() < total
    anonymous.goto(f"/jadwal-rilis?tahun={YEAR}")
    shot(anonymous, "jadwal-rilis")
    context.close()


# --- accessibility basics on our screens -------------------------------------

UNLABELLED_FIELDS = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => !['hidden', 'submit', 'button'].includes(el.type))
  .filter(el => !el.closest('header, footer, .site-footer, .masthead'))
  .filter(el => !(el.id && document.querySelector(`label[for="${el.id}"]`))
             && !el.closest('label') && !el.getAttribute('aria-label')
             && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))
"""

SCREENS = ("", "/daftar", "/rekomendasi", "/desk", "/forum", "/dokumen", "/portal",
           "/periksa")
#: the public screens outside a cycle's prefix
PUBLIC_SCREENS = ("/jadwal-rilis",)


@pytest.mark.parametrize("user", ["walidata", "sekretariat", "operator_dinkes"])
def test_every_field_of_our_screens_has_a_label(page, user):
    login(page, user)
    for screen in ("/perencanaan", *(f"/perencanaan/{YEAR}{s}" for s in SCREENS),
                   *PUBLIC_SCREENS):
        response = page.goto(screen)
        if response.status == 403:
            continue
        assert response.status == 200, screen
        assert page.locator("html").get_attribute("lang") == "id"
        assert page.evaluate(UNLABELLED_FIELDS) == [], screen
