"""The generated documents (BA desk, BA forum, SK): rendered from a synthetic
cycle, opened again with python-docx, and checked the way a reader would."""
from __future__ import annotations

import datetime as dt
import doctest
import io
import os
import re
import shutil
import subprocess
from typing import Any

import docx
import jinja2
import pytest

from ckanext.satudata_planning import documents
from ckanext.satudata_planning.documents import build_templates, indonesian
from ckanext.satudata_planning.documents import context as doc_context
from ckanext.satudata_planning.logic import uploads

OPDS = {
    "dinkes": "Dinas Kesehatan",
    "disdukcapil": "Dinas Kependudukan dan Pencatatan Sipil",
    "dpupr": "Dinas Pekerjaan Umum dan Penataan Ruang",
}
# (organization, nama_data, status_usulan, hasil, disepakati)
ROWS = [
    ("dinkes", "Jumlah Balita Gizi Buruk", "lama", "disetujui", True),
    ("dinkes", "Persentase Ibu Hamil <script>& Terlayani", "baru", "disetujui", True),
    ("dinkes", "Angka Kematian Bayi", "lama_diubah", "disetujui", True),
    ("dinkes", "Jumlah Puskesmas", "lama", "duplikat", None),
    ("dinkes", "Cakupan Imunisasi Dasar Lengkap", "tambahan", "disetujui", True),
    ("disdukcapil", "Jumlah Penduduk menurut Kecamatan", "lama", "disetujui", True),
    ("disdukcapil", "Jumlah Akta Kelahiran Terbit", "baru", "ditolak", None),
    ("disdukcapil", "Kepemilikan KTP Elektronik", "lama", "disetujui", False),
    ("dpupr", "Panjang Jalan Kota menurut Kondisi", "lama", "disetujui", True),
    ("dpupr", "Luas Kawasan Kumuh", "baru", "dialihkan", None),
    ("dpupr", "Jumlah Rumah Tidak Layak Huni", "tambahan", "disetujui", True),
    ("dpupr", "Persentase Jaringan Drainase Baik", "lama_diubah", "disetujui", True),
]
ANNEX_HEADER = ("No", "Kode Data", "Nama Data")


def _items() -> list[dict[str, Any]]:
    items, counter = [], {}
    for org, nama, status, hasil, agreed in ROWS:
        counter[org] = counter.get(org, 0) + 1
        items.append({
            "kode_data": f"2027-{org.upper()}-{counter[org]:03d}",
            "nama_data": nama,
            "organization": org,
            "organization_title": OPDS[org],
            "jenis_data": "geospasial" if org == "dpupr" else "statistik_sektoral",
            "satuan": "orang",
            "tingkat_penyajian": "kecamatan",
            "frekuensi": "tahunan",
            "jadwal_rilis": "2027-03-31",
            "jadwal_pemutakhiran": dt.date(2027, 12, 31),
            "kategori_sumber": ["prioritas_nasional", "sdgs"],
            "status_usulan": status,
            "hasil": hasil,
            "disepakati": agreed,
        })
    return items


def _context(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cycle": {"tahun": 2027, "judul": "Daftar Data 2027"},
        "nomor": "000.5.1/123/2026",
        "tanggal": dt.date(2026, 10, 12),
        "tempat": "Ruang Rapat Bappeda",
        "peserta": [{"nama": f"Peserta {n}", "jabatan": "Analis Data",
                     "instansi": title}
                    for n, title in enumerate(list(OPDS.values()) * 2, start=1)],
        "penandatangan": [
            {"nama": "Budi Santoso, S.E.", "jabatan": "Kepala Bappeda",
             "nip": "197001011995031001", "pangkat": "Pembina Utama Muda (IV/c)"},
            {"nama": "Rina Wulandari, S.Kom.", "jabatan": "Kepala Diskominfo",
             "nip": "197202021996032002"},
        ],
        "items": _items(),
        "rekomendasi": [{"isi": "Gunakan Standar Data Statistik.",
                         "organization_title": "Dinas Kesehatan",
                         "kode_data": "2027-DINKES-002"}],
        "ba_forum_nomor": "000.5.1/130/2026",
        "ba_forum_tanggal": "2026-10-20",
    }
    data.update(changes)
    return data


def _open(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def _all_text(doc: Any) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _annex(doc: Any) -> list[list[str]]:
    """The kode_data of each annex table, in document order."""
    tables = []
    for table in doc.tables:
        header = tuple(c.text for c in table.rows[0].cells[:3])
        if header == ANNEX_HEADER:
            tables.append([row.cells[1].text for row in table.rows[1:]])
    return tables


def _expected(jenis: str) -> list[list[str]]:
    """kode_data per OPD (OPDs by title) that ``jenis`` must list."""
    chosen = doc_context.select_items(jenis, _items())
    by_title: dict[str, list[str]] = {}
    for item in chosen:
        by_title.setdefault(item["organization_title"], []).append(item["kode_data"])
    return [sorted(by_title[t]) for t in sorted(by_title)]


@pytest.mark.parametrize("jenis,title", [
    ("ba_desk", "DESK PRA FORUM SATU DATA KOTA PEKALONGAN TAHUN 2027"),
    ("ba_forum", "HASIL KESEPAKATAN PENYUSUNAN DAFTAR DATA"),
    ("sk", "KEPUTUSAN WALI KOTA PEKALONGAN"),
])
def test_document_title_number_date_and_annex(jenis: str, title: str) -> None:
    doc = _open(documents.render(jenis, _context()))
    text = _all_text(doc)
    assert title in text
    assert "000.5.1/123/2026" in text
    assert "12 Oktober 2026" in text
    assert "{{" not in text and "{%" not in text
    annex = _annex(doc)
    assert annex == _expected(jenis)
    assert sum(len(rows) for rows in annex) == (12 if jenis == "ba_desk" else 8)


def test_ba_desk_says_the_day_in_words_and_counts() -> None:
    doc = _open(documents.render("ba_desk", _context()))
    text = _all_text(doc)
    assert ("Pada hari ini Senin tanggal dua belas bulan Oktober tahun dua ribu dua "
            "puluh enam (12-10-2026)") in text
    assert "Ruang Rapat Bappeda" in text
    assert "Gunakan Standar Data Statistik. (Dinas Kesehatan, 2027-DINKES-002)" in text
    counts = next(t for t in doc.tables
                  if t.rows[0].cells[1].text == "Perangkat Daerah")
    kesehatan = next(r for r in counts.rows if r.cells[1].text == "Dinas Kesehatan")
    # lama, lama-diubah, baru, tambahan, jumlah, disetujui, duplikat, dialihkan, ditolak
    assert [c.text for c in kesehatan.cells[2:]] == ["2", "1", "1", "1", "5", "4", "1",
                                                     "0", "0"]
    total = counts.rows[-1]
    assert total.cells[0].text == "Jumlah"
    assert [c.text for c in total.cells[2:]] == ["5", "2", "3", "2", "12", "9", "1",
                                                 "1", "1"]
    hadir = next(t for t in doc.tables
                 if [c.text for c in t.rows[0].cells][:3] == ["No", "Nama", "Jabatan"])
    assert len(hadir.rows) == 1 + 6


def test_ba_forum_clauses_and_signatories() -> None:
    text = _all_text(_open(documents.render("ba_forum", _context())))
    for word in ("MENYEPAKATI", "KESATU", "KEDUA", "KETIGA", "KEEMPAT"):
        assert word in text
    assert "telah diselenggarakan Forum Satu Data Kota Pekalongan" in text
    assert "sebanyak 8 butir data dari 3 Perangkat Daerah" in text
    assert "NIP. 197001011995031001" in text
    assert "Pembina Utama Muda (IV/c)" in text
    assert "Portal Satu Data Kota Pekalongan" in text


def test_sk_cites_the_forum_minutes_and_has_six_diktum() -> None:
    ctx = _context(nomor="100.3.3.2/456/2026", tanggal=dt.date(2026, 10, 27),
                   penandatangan=[{"nama": "NAMA WALI KOTA"}])
    text = _all_text(_open(documents.render("sk", ctx)))
    assert "NOMOR 100.3.3.2/456/2026" in text
    assert "TENTANG" in text and "DAFTAR DATA KOTA PEKALONGAN TAHUN 2027" in text
    assert "WALI KOTA PEKALONGAN," in text
    assert "Nomor 000.5.1/130/2026 tanggal 20 Oktober 2026" in text
    assert "Undang-Undang Nomor 16 Tahun 1997 tentang Statistik;" in text
    assert "Peraturan Wali Kota Pekalongan Nomor 64A Tahun 2020" in text
    for word in ("Menimbang", "Mengingat", "MEMUTUSKAN:", "Menetapkan", "KESATU",
                 "KEENAM"):
        assert word in text
    assert "Ditetapkan di Pekalongan" in text
    assert "pada tanggal 27 Oktober 2026" in text
    assert "NAMA WALI KOTA" in text
    assert "LAMPIRAN" in text and "TANGGAL" in text


def test_user_text_is_inserted_literally() -> None:
    items = _items()
    items[0]["nama_data"] = "Data <b>tebal</b> & \"kutip\" \x01{{ nomor }}"
    data = documents.render("ba_desk", _context(items=items))
    text = _all_text(_open(data))
    assert "Persentase Ibu Hamil <script>& Terlayani" in text
    assert "Data <b>tebal</b> & \"kutip\" {{ nomor }}" in text  # not evaluated


def test_blank_number_and_date_print_as_dots() -> None:
    text = _all_text(_open(documents.render(
        "ba_desk", _context(nomor="", tanggal=None))))
    assert f"Nomor: {doc_context.BLANK}" in text
    assert f"{doc_context.BLANK} tanggal {doc_context.BLANK} bulan" in text


def test_groups_are_accepted_instead_of_items() -> None:
    groups = [{"organization": org, "organization_title": title,
               "items": [{k: v for k, v in i.items()
                          if k not in ("organization", "organization_title")}
                         for i in _items() if i["organization"] == org]}
              for org, title in OPDS.items()]
    data = _context(groups=groups)
    del data["items"]
    assert _annex(_open(documents.render("sk", data))) == _expected("sk")


def test_custom_template_folder_overrides_the_default(tmp_path: Any) -> None:
    custom = docx.Document()
    custom.add_paragraph("TEMPLATE KHUSUS {{ nomor }} {{ KOTA }}")
    custom.save(str(tmp_path / "sk.docx"))
    text = _all_text(_open(documents.render("sk", _context(),
                                            template_dir=str(tmp_path))))
    assert text.strip() == "TEMPLATE KHUSUS 000.5.1/123/2026 KOTA PEKALONGAN"
    # no ba_desk.docx there: the packaged one is used
    assert documents.template_path("ba_desk", str(tmp_path)) == os.path.join(
        documents.PACKAGED_TEMPLATE_DIR, "ba_desk.docx")
    assert "BERITA ACARA" in _all_text(_open(documents.render(
        "ba_desk", _context(), template_dir=str(tmp_path))))


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        documents.render("surat", _context())  # type: ignore[arg-type]


def test_counts_per_opd() -> None:
    counts = {c.organization: c for c in documents.counts_per_opd(_items())}
    assert [c.organization for c in documents.counts_per_opd(_items())] == [
        "disdukcapil", "dinkes", "dpupr"]  # by title
    dinkes = counts["dinkes"]
    assert (dinkes.lama, dinkes.lama_diubah, dinkes.baru,
            dinkes.tambahan) == (2, 1, 1, 1)
    assert (dinkes.jumlah, dinkes.disetujui, dinkes.duplikat) == (5, 4, 1)
    assert (counts["disdukcapil"].ditolak, counts["dpupr"].dialihkan) == (1, 1)
    total = documents.total_counts(list(counts.values()))
    assert (total.jumlah, total.disetujui, total.ditolak, total.belum) == (12, 9, 1, 0)
    undecided = documents.counts_per_opd([{"organization": "x", "nama_data": "a"}])
    assert undecided[0].belum == 1 and undecided[0].organization_title == "x"


def test_select_items() -> None:
    items = _items()
    assert len(documents.select_items("ba_desk", items)) == 12
    assert len(documents.select_items("sk", items)) == 8
    undecided = [{"hasil": "disetujui"}, {"hasil": "ditolak"}, {}]
    assert documents.select_items("ba_forum", undecided) == [{"hasil": "disetujui"}, {}]


def test_item_row_shows_labels_and_indonesian_dates() -> None:
    row = documents.item_row(_items()[0])
    assert row["jenis"] == "Statistik Sektoral"
    assert row["frekuensi"] == "Tahunan"
    assert row["tingkat_penyajian"] == "Kecamatan"
    assert row["kategori"] == "Prioritas Nasional, SDGs"
    assert row["status"] == "Lama" and row["hasil"] == "Disetujui"
    assert row["jadwal_rilis"] == "31 Maret 2027"
    assert row["jadwal_pemutakhiran"] == "31 Desember 2027"
    assert documents.item_row({"kategori_sumber": "spm; sdgs"})["kategori"] == (
        "Standar Pelayanan Minimal (SPM), SDGs")


def test_indonesian_dates_and_numbers() -> None:
    assert indonesian.tanggal_hari(dt.date(2026, 10, 12)) == "Senin, 12 Oktober 2026"
    assert indonesian.tanggal_hari(dt.date(2027, 1, 3)) == "Minggu, 3 Januari 2027"
    assert indonesian.terbilang(1_250_031) == (
        "satu juta dua ratus lima puluh ribu tiga puluh satu")
    assert indonesian.terbilang(21) == "dua puluh satu"
    assert indonesian.tanggal(None) == ""


def test_doctests() -> None:
    for module in (indonesian, doc_context, uploads):
        assert doctest.testmod(module).failed == 0


def test_templates_are_built_by_the_builder(tmp_path: Any) -> None:
    written = build_templates.build(str(tmp_path))
    assert sorted(os.path.basename(p) for p in written) == [
        "ba_desk.docx", "ba_forum.docx", "sk.docx"]
    for path in written:
        packaged = os.path.join(documents.PACKAGED_TEMPLATE_DIR,
                                os.path.basename(path))
        assert os.path.isfile(packaged)
        assert _all_text(docx.Document(path)) == _all_text(docx.Document(packaged))


@pytest.mark.parametrize("jenis", documents.JENIS)
def test_printable_html_has_the_same_content(jenis: str) -> None:
    """The printable pages render with the same variables (plain Jinja here)."""
    folder = os.path.join(os.path.dirname(documents.__file__), os.pardir,
                          "templates", "satudata", "documents")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    html = env.get_template(f"{jenis}.html").render(
        **documents.render_html_context(jenis, _context()))
    assert '<html lang="id">' in html
    assert "000.5.1/123/2026" in html
    assert "Persentase Ibu Hamil &lt;script&gt;&amp; Terlayani" in html
    assert "<script>" not in html
    expected = _expected(jenis)
    assert html.count("2027-D") >= sum(len(g) for g in expected)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_decree_to_pdf(tmp_path: Any) -> None:
    source = tmp_path / "sk.docx"
    source.write_bytes(documents.render("sk", _context()))
    subprocess.run(
        [str(_soffice()), f"-env:UserInstallation=file://{tmp_path}/profile",
         "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
         str(source)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = (tmp_path / "sk.pdf").read_bytes()
    uploads.check_pdf(pdf, max_bytes=20 * 1024 * 1024)  # what a user would upload
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    assert len(pages) >= 3  # decree, signature, landscape annex


@pytest.mark.ckan_config("ckanext.satudata_planning.document_letterhead_address",
                         "Jalan Contoh No. 1")
@pytest.mark.ckan_config("ckanext.satudata_planning.document_template_dir", "/x")
def test_config_defaults_feed_the_letterhead() -> None:
    defaults = documents.config_defaults()
    assert defaults["kota"] == "Kota Pekalongan"
    assert documents.configured_template_dir() == "/x"
    text = _all_text(_open(documents.render("ba_forum", {**defaults, **_context()})))
    assert "PEMERINTAH KOTA PEKALONGAN" in text
    assert "BADAN PERENCANAAN PEMBANGUNAN DAERAH" in text
    assert "Jalan Contoh No. 1" in text
