"""Build the packaged Word templates (``templates/<jenis>.docx``) with python-docx.

The templates are generated rather than drawn by hand so that their structure is
reviewable in code and can be rebuilt after a wording change::

    python -m ckanext.satudata_planning.documents.build_templates [OUT_DIR]

They hold docxtpl tags: ``{{ var }}`` in runs, ``{%p ... %}`` paragraphs for
loops and conditions over paragraphs (and the tables between them), and
``{%tr ... %}`` rows for table rows. Each tag sits in a single run so Word never
splits it. The variables are those of :func:`context.template_variables`. A
region that wants its own look copies a built file, edits it in Word (logo,
fonts, wording) and puts it in the folder named by
``ckanext.satudata_planning.document_template_dir``.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, Union

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")
FONT = "Arial"
BODY_PT = 11
TABLE_PT = 9
ANNEX_PT = 8
LEFT, CENTER, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER,
                                WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY)
Container = Union[Any, _Cell]  # a Document or a table cell
#: A cell's content: text, or paragraphs given as (text, options).
CellSpec = Union[str, Sequence[tuple[str, dict[str, Any]]]]

# Successors of the elements inserted by hand, in the order the schema wants.
_PPR_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku",
                   "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
                   "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                   "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                   "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                   "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                   "w:rPr", "w:sectPr", "w:pPrChange")
_TCPR_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText",
                   "w:vAlign", "w:hideMark")


# --------------------------------------------------------------------------
# python-docx helpers


def _document(landscape: bool = False) -> Any:
    """An A4 document with the house font and tight paragraph spacing."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.15
    section = doc.sections[0]
    _page(section, landscape)
    _page_number_footer(section)
    return doc


def _page(section: Any, landscape: bool) -> None:
    short, long_ = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = (long_, short) if landscape else (short, long_)
    section.page_width, section.page_height = width, height
    if landscape:
        section.left_margin = section.right_margin = Cm(2.0)
        section.top_margin = section.bottom_margin = Cm(2.0)
    else:
        section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
        section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)


def _landscape_section(doc: Any) -> Any:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape=True)
    return section


def _page_number_footer(section: Any) -> None:
    """"Halaman N" centred in the footer (a PAGE field, updated by Word)."""
    p = section.footer.paragraphs[0]
    p.alignment = CENTER
    run = p.add_run("Halaman ")
    run.font.size = Pt(8)
    for kind, instr in (("begin", None), (None, "PAGE"), ("end", None)):
        r = p.add_run()
        r.font.size = Pt(8)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
        r._r.append(el)


def _p(container: Container, text: str = "", *, bold: bool = False,
       underline: bool = False, size: float | None = None, align: Any = None,
       before: float = 0, after: float = 0, indent: float | None = None,
       hanging: float | None = None, keep_next: bool = False,
       italic: bool = False) -> Paragraph:
    """A paragraph with one run (so a tag in ``text`` is never split)."""
    p = container.add_paragraph()
    _format(p, text, bold=bold, underline=underline, size=size, align=align,
            before=before, after=after, indent=indent, hanging=hanging,
            keep_next=keep_next, italic=italic)
    return p


def _format(p: Paragraph, text: str, *, bold: bool = False, underline: bool = False,
            size: float | None = None, align: Any = None, before: float = 0,
            after: float = 0, indent: float | None = None,
            hanging: float | None = None, keep_next: bool = False,
            italic: bool = False) -> None:
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        run.underline = underline or None
        run.italic = italic or None
        if size:
            run.font.size = Pt(size)
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    if before:
        fmt.space_before = Pt(before)
    if after:
        fmt.space_after = Pt(after)
    if indent is not None:
        fmt.left_indent = Cm(indent)
    if hanging is not None:
        fmt.first_line_indent = Cm(-hanging)
    if keep_next:
        fmt.keep_with_next = True


def _tag(container: Container, tag: str) -> Paragraph:
    """A paragraph that holds only a ``{%p ... %}`` tag (docxtpl removes it)."""
    p = container.add_paragraph()
    p.add_run(tag)
    return p


def _bottom_rule(container: Container) -> None:
    """The letterhead's closing line: thick over thin, full width."""
    p = container.add_paragraph()
    p.paragraph_format.space_after = Pt(10)
    pbdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "thickThinSmallGap"), ("sz", "24"), ("space", "1"),
                       ("color", "auto")):
        bottom.set(qn(f"w:{key}"), value)
    pbdr.append(bottom)
    p._p.get_or_add_pPr().insert_element_before(pbdr, *_PPR_AFTER_PBDR)


def _shade(cell: _Cell, fill: str = "D9D9D9") -> None:
    shd = OxmlElement("w:shd")
    for key, value in (("val", "clear"), ("color", "auto"), ("fill", fill)):
        shd.set(qn(f"w:{key}"), value)
    cell._tc.get_or_add_tcPr().insert_element_before(shd, *_TCPR_AFTER_SHD)


def _repeat_header(row: Any) -> None:
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _cant_split(row: Any) -> None:
    row._tr.get_or_add_trPr().insert(0, OxmlElement("w:cantSplit"))


def _table(container: Container, rows: int, widths: Sequence[float], *,
           grid: bool = True) -> Table:
    """A fixed-width table (cm); ``grid`` draws every border."""
    table = container.add_table(rows=rows, cols=len(widths))
    if grid:
        table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_margins(table, 0.1)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid: LibreOffice lays out by it
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return table


def _cell_margins(table: Table, cm: float) -> None:
    """Narrow left/right cell padding, so short headers fit their columns."""
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(round(cm * 567)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.insert_element_before(
        mar, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _fill(cell: _Cell, spec: CellSpec, **defaults: Any) -> None:
    """Put ``spec`` in ``cell`` (its first paragraph is reused)."""
    paragraphs = [(spec, {})] if isinstance(spec, str) else list(spec)
    for index, (content, options) in enumerate(paragraphs):
        p = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        _format(p, content, **{**defaults, **options})


def _header_row(table: Table, row_index: int, headers: Sequence[str | None],
                size: float) -> None:
    row = table.rows[row_index]
    for cell, text in zip(row.cells, headers, strict=True):
        if text is None:
            continue
        _fill(cell, text, bold=True, size=size, align=CENTER)
        _shade(cell)
    _repeat_header(row)


def _loop_table(container: Container, loop: str, headers: Sequence[str],
                cells: Sequence[CellSpec], widths: Sequence[float], *,
                size: float = TABLE_PT, aligns: Sequence[Any] | None = None,
                row_height: float | None = None,
                header_size: float | None = None) -> Table:
    """A bordered table: a header row, then one row per item of ``loop``.

    ``loop`` is the Jinja loop head, e.g. ``r in g.rows``; ``cells`` are the
    data row's cells.
    """
    table = _table(container, 4, widths)
    _header_row(table, 0, headers, header_size or size)
    table.cell(1, 0).paragraphs[0].add_run(f"{{%tr for {loop} %}}")
    data = table.rows[2]
    _cant_split(data)
    if row_height:
        data.height = Cm(row_height)
        data.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for index, (cell, spec) in enumerate(zip(data.cells, cells, strict=True)):
        align = aligns[index] if aligns else LEFT
        _fill(cell, spec, size=size, align=align)
    table.cell(3, 0).paragraphs[0].add_run("{%tr endfor %}")
    return table


def _clauses(container: Container, rows: Sequence[Sequence[str]],
             widths: Sequence[float]) -> Table:
    """A borderless label : number text table (Menimbang, Mengingat, diktum)."""
    table = _table(container, len(rows), widths, grid=False)
    for row, values in zip(table.rows, rows, strict=True):
        for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            _fill(cell, value, align=JUSTIFY if index == len(values) - 1 else LEFT,
                  after=4 if index == len(values) - 1 else 0)
    return table


def _letterhead(doc: Any) -> None:
    """Kop surat: government, agency, optional address, double rule."""
    _p(doc, "{{ kop.pemerintah }}", bold=True, size=14, align=CENTER)
    _p(doc, "{{ kop.instansi }}", bold=True, size=15, align=CENTER)
    _tag(doc, "{%p if kop.alamat %}")
    _p(doc, "{{ kop.alamat }}", size=9, align=CENTER)
    _tag(doc, "{%p endif %}")
    _bottom_rule(doc)


def _closing(doc: Any) -> None:
    """The closing formula and place/date, kept on the page of the signatures."""
    _p(doc, "Demikian Berita Acara ini dibuat dengan sebenarnya untuk dipergunakan "
       "sebagaimana mestinya.", align=JUSTIFY, keep_next=True)
    _p(doc, "{{ nama_kota }}, {{ tanggal }}", align=RIGHT, before=12, after=6,
       keep_next=True)


# --------------------------------------------------------------------------
# the tables shared by the minutes

_SIGN_WIDTHS = (1.0, 5.4, 5.9, 4.2)
_DOTS = "……………………"


def _signatures(doc: Any, title: str, jabatan: str) -> None:
    _p(doc, title, bold=True, before=6, after=6, keep_next=True)
    _loop_table(
        doc, "s in penandatangan",
        ["No", "Nama / NIP", jabatan, "Tanda Tangan"],
        ["{{ s.no }}",
         [("{{ s.nama }}", {"bold": True}), ("{{ s.nip_line }}", {})],
         [("{{ s.jabatan }}", {}),
          ("{{ s.pangkat }}" if "Pangkat" in jabatan else "{{ s.instansi }}", {})],
         "{{ s.no }}. " + _DOTS],
        _SIGN_WIDTHS, size=10, aligns=[CENTER, LEFT, LEFT, LEFT], row_height=1.4,
    )


def _annex_table(doc: Any, headers: Sequence[str], cells: Sequence[str],
                 widths: Sequence[float]) -> None:
    """Per OPD: a heading and the table of its rows (inside a groups loop)."""
    _tag(doc, "{%p if not groups %}")
    _p(doc, "Tidak terdapat butir data.", italic=True, before=6)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p for g in groups %}")
    _p(doc, "{{ g.no }}. {{ g.organization_title }} ({{ g.rows|length }} butir data)",
       bold=True, before=10, after=4, keep_next=True)
    aligns = [CENTER] + [LEFT] * (len(cells) - 1)
    _loop_table(doc, "r in g.rows", headers, cells, widths, size=ANNEX_PT,
                aligns=aligns, header_size=7.5)
    _tag(doc, "{%p endfor %}")


# --------------------------------------------------------------------------
# BA desk pra forum (step 5)


def build_ba_desk() -> Any:
    doc = _document()
    _letterhead(doc)
    _p(doc, "BERITA ACARA", bold=True, size=12, align=CENTER)
    _p(doc, "DESK PRA FORUM SATU DATA {{ KOTA }} TAHUN {{ tahun }}", bold=True,
       size=12, align=CENTER)
    _p(doc, "Nomor: {{ nomor }}", align=CENTER, after=12)
    _p(doc, "Pada hari ini {{ tanggal_terbilang }} ({{ tanggal_angka }}), bertempat "
       "di {{ tempat }}, telah dilaksanakan Desk Pra Forum Satu Data {{ kota }} "
       "dalam rangka verifikasi dan validasi Daftar Data {{ kota }} Tahun "
       "{{ tahun }}, meliputi data Perangkat Daerah yang lama, data usulan baru, "
       "data tambahan, serta data duplikasi, sebagaimana diamanatkan Peraturan "
       "Presiden Nomor 39 Tahun 2019 tentang Satu Data Indonesia.",
       align=JUSTIFY, after=6)
    _p(doc, "Desk Pra Forum dihadiri oleh {{ jumlah_peserta }} orang peserta dari "
       "unsur Walidata, Pembina Data, Sekretariat Satu Data Tingkat Daerah, dan "
       "Produsen Data sebagaimana tercantum dalam Daftar Hadir terlampir.",
       align=JUSTIFY, after=6)
    _p(doc, "Hasil Desk Pra Forum adalah sebagai berikut:", after=6)

    _p(doc, "1.\tRekapitulasi hasil verifikasi dan validasi Daftar Data per "
       "Perangkat Daerah:", indent=0.6, hanging=0.6, after=4, keep_next=True)
    widths = (0.9, 2.9, 1.3, 1.55, 1.2, 1.55, 1.45, 1.5, 1.45, 1.45, 1.25)
    table = _table(doc, 6, widths)
    head_top = ["No", "Perangkat Daerah", "Status Usulan", None, None, None,
                "Jumlah Usulan", "Hasil Desk Pra Forum", None, None, None]
    head_sub = [None, None, "Lama", "Lama-diubah", "Baru", "Tambahan", None,
                "Disetujui", "Duplikat", "Dialihkan", "Ditolak"]
    _header_row(table, 0, head_top, 7.5)
    _header_row(table, 1, head_sub, 7.5)
    for col in (0, 1, 6):
        table.cell(0, col).merge(table.cell(1, col))
    table.cell(0, 2).merge(table.cell(0, 5))
    table.cell(0, 7).merge(table.cell(0, 10))
    table.cell(2, 0).paragraphs[0].add_run("{%tr for c in counts %}")
    keys = ["lama", "lama_diubah", "baru", "tambahan", "jumlah", "disetujui",
            "duplikat", "dialihkan", "ditolak"]
    data = ["{{ c.no }}", "{{ c.organization_title }}"] + [
        "{{ c." + k + " }}" for k in keys]
    for index, (cell, spec) in enumerate(zip(table.rows[3].cells, data, strict=True)):
        _fill(cell, spec, size=TABLE_PT, align=LEFT if index == 1 else CENTER)
    table.cell(4, 0).paragraphs[0].add_run("{%tr endfor %}")
    totals = ["", "Jumlah"] + ["{{ total." + k + " }}" for k in keys]
    for index, (cell, spec) in enumerate(zip(table.rows[5].cells, totals, strict=True)):
        _fill(cell, spec, size=TABLE_PT, bold=True,
              align=LEFT if index == 1 else CENTER)
    table.cell(5, 0).merge(table.cell(5, 1))

    _p(doc, "2.\tCatatan dan rekomendasi Pembina Data:", indent=0.6, hanging=0.6,
       before=8, after=4, keep_next=True)
    _tag(doc, "{%p for r in rekomendasi %}")
    _p(doc, "{{ loop.index }})\t{{ r.isi }}{% if r.rujukan %} ({{ r.rujukan }})"
       "{% endif %}", indent=1.2, hanging=0.6, align=JUSTIFY, after=2)
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p if not rekomendasi %}")
    _p(doc, "Tidak terdapat catatan atau rekomendasi dari Pembina Data.",
       indent=0.6, after=2)
    _tag(doc, "{%p endif %}")

    _p(doc, "3.\tDaftar Data yang dinyatakan disetujui sebanyak {{ total.disetujui }} "
       "butir data sebagaimana tercantum dalam Lampiran Berita Acara ini menjadi "
       "Draft Penyepakatan Daftar Data yang akan dibahas dan disepakati dalam "
       "Forum Satu Data {{ kota }}.", indent=0.6, hanging=0.6, align=JUSTIFY,
       before=6, after=4)
    _p(doc, "4.\tButir data dengan hasil Duplikat digabungkan ke dalam butir data "
       "yang dipertahankan, butir data dengan hasil Dialihkan diusulkan kepada "
       "Produsen Data yang berwenang, dan butir data dengan hasil Ditolak tidak "
       "dilanjutkan ke Forum Satu Data.", indent=0.6, hanging=0.6, align=JUSTIFY,
       after=8)
    _closing(doc)
    _signatures(doc, "Yang bertanda tangan:", "Jabatan / Instansi")

    doc.add_page_break()
    _p(doc, "DAFTAR HADIR", bold=True, size=12, align=CENTER)
    _p(doc, "DESK PRA FORUM SATU DATA {{ KOTA }} TAHUN {{ tahun }}", bold=True,
       align=CENTER)
    _p(doc, "{{ tanggal_hari }}, bertempat di {{ tempat }}", align=CENTER, after=10)
    _loop_table(doc, "p in peserta",
                ["No", "Nama", "Jabatan", "Instansi", "Tanda Tangan"],
                ["{{ p.no }}", "{{ p.nama }}", "{{ p.jabatan }}", "{{ p.instansi }}",
                 "{{ p.no }}. ………………"],
                (1.0, 4.3, 4.0, 4.0, 3.2), size=10,
                aligns=[CENTER, LEFT, LEFT, LEFT, LEFT], row_height=1.0)

    _landscape_section(doc)
    _p(doc, "LAMPIRAN BERITA ACARA DESK PRA FORUM SATU DATA {{ KOTA }} TAHUN "
       "{{ tahun }}", bold=True, align=CENTER)
    _p(doc, "Nomor: {{ nomor }}   Tanggal: {{ tanggal }}", align=CENTER)
    _p(doc, "DAFTAR DATA PER PERANGKAT DAERAH HASIL DESK PRA FORUM", bold=True,
       align=CENTER, before=6, after=6)
    _annex_table(
        doc,
        ["No", "Kode Data", "Nama Data", "Jenis Data", "Satuan", "Frekuensi",
         "Status Usulan", "Hasil Desk", "Catatan"],
        ["{{ r.no }}", "{{ r.kode_data }}", "{{ r.nama_data }}", "{{ r.jenis }}",
         "{{ r.satuan }}", "{{ r.frekuensi }}", "{{ r.status }}", "{{ r.hasil }}",
         "{{ r.catatan }}"],
        (0.9, 3.3, 6.4, 2.4, 1.8, 1.9, 2.0, 2.0, 5.0),
    )
    return doc


# --------------------------------------------------------------------------
# BA Forum Satu Data (step 7)


def build_ba_forum() -> Any:
    doc = _document()
    _letterhead(doc)
    _p(doc, "BERITA ACARA", bold=True, size=12, align=CENTER)
    _p(doc, "HASIL KESEPAKATAN PENYUSUNAN DAFTAR DATA", bold=True, size=12,
       align=CENTER)
    _p(doc, "{{ KOTA }} TAHUN {{ tahun }}", bold=True, size=12, align=CENTER)
    _p(doc, "Nomor: {{ nomor }}", align=CENTER, after=12)
    _p(doc, "Pada hari ini {{ tanggal_terbilang }} ({{ tanggal_angka }}), bertempat "
       "di {{ tempat }}, telah diselenggarakan Forum Satu Data {{ kota }} dalam "
       "rangka penyepakatan Daftar Data {{ kota }} Tahun {{ tahun }}, yang "
       "dihadiri oleh Koordinator Forum Satu Data, Walidata, Pembina Data, "
       "Sekretariat Satu Data Tingkat Daerah, dan Produsen Data.",
       align=JUSTIFY, after=6)
    _tag(doc, "{%p if ba_desk_nomor %}")
    _p(doc, "Forum membahas Draft Penyepakatan Daftar Data hasil Desk Pra Forum "
       "sebagaimana tertuang dalam Berita Acara Desk Pra Forum Satu Data Nomor "
       "{{ ba_desk_nomor }} tanggal {{ ba_desk_tanggal }}.", align=JUSTIFY, after=6)
    _tag(doc, "{%p endif %}")
    _p(doc, "Berdasarkan hasil pembahasan tersebut, para pihak yang bertanda tangan "
       "di bawah ini:", align=JUSTIFY, after=8)
    _p(doc, "MENYEPAKATI", bold=True, size=12, align=CENTER, after=8)
    _clauses(doc, [
        ("KESATU", ":", "Daftar Data {{ kota }} Tahun {{ tahun }} sebanyak "
         "{{ jumlah_butir }} butir data dari {{ jumlah_opd }} Perangkat Daerah "
         "selaku Produsen Data, dengan rincian daftar data setiap Perangkat Daerah "
         "sebagaimana tercantum dalam Lampiran yang merupakan bagian tidak "
         "terpisahkan dari Berita Acara ini."),
        ("KEDUA", ":", "Setiap Perangkat Daerah selaku Produsen Data wajib "
         "menyediakan data sesuai dengan Daftar Data yang telah disepakati "
         "sebagaimana dimaksud dalam kesepakatan KESATU, sesuai dengan jadwal "
         "rilis dan jadwal pemutakhiran yang tercantum di dalamnya."),
        ("KETIGA", ":", "Penyelenggaraan kegiatan statistik sektoral oleh Perangkat "
         "Daerah wajib terlebih dahulu memperoleh rekomendasi dari {{ pembina }} "
         "selaku Pembina Data statistik, sesuai ketentuan peraturan "
         "perundang-undangan."),
        ("KEEMPAT", ":", "Data sebagaimana dimaksud dalam kesepakatan KESATU dikelola "
         "dan disebarluaskan melalui Portal Satu Data {{ kota }} oleh Walidata."),
    ], (2.4, 0.5, 13.6))
    _p(doc, "Daftar Data hasil kesepakatan ini selanjutnya menjadi bahan penyusunan "
       "Keputusan {{ kepala_daerah }} tentang Daftar Data {{ kota }} Tahun "
       "{{ tahun }}.", align=JUSTIFY, before=6, after=6)
    _closing(doc)
    _signatures(doc, "Para pihak yang bersepakat:", "Jabatan / Pangkat")

    _landscape_section(doc)
    _p(doc, "LAMPIRAN BERITA ACARA HASIL KESEPAKATAN PENYUSUNAN DAFTAR DATA "
       "{{ KOTA }} TAHUN {{ tahun }}", bold=True, align=CENTER)
    _p(doc, "Nomor: {{ nomor }}   Tanggal: {{ tanggal }}", align=CENTER)
    _p(doc, "DAFTAR DATA YANG DISEPAKATI PER PERANGKAT DAERAH", bold=True,
       align=CENTER, before=6, after=6)
    _annex_table(
        doc,
        ["No", "Kode Data", "Nama Data", "Jenis Data", "Satuan",
         "Tingkat Penyajian", "Frekuensi", "Jadwal Rilis", "Jadwal Pemutakhiran",
         "Kategori"],
        ["{{ r.no }}", "{{ r.kode_data }}", "{{ r.nama_data }}", "{{ r.jenis }}",
         "{{ r.satuan }}", "{{ r.tingkat_penyajian }}", "{{ r.frekuensi }}",
         "{{ r.jadwal_rilis }}", "{{ r.jadwal_pemutakhiran }}", "{{ r.kategori }}"],
        (0.9, 3.3, 6.1, 2.3, 1.7, 2.0, 1.9, 2.3, 2.5, 2.7),
    )
    return doc


# --------------------------------------------------------------------------
# Keputusan Wali Kota (step 8)

_MENGINGAT = (
    "Undang-Undang Nomor 16 Tahun 1997 tentang Statistik;",
    "Undang-Undang Nomor 4 Tahun 2011 tentang Informasi Geospasial;",
    "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah sebagaimana "
    "telah beberapa kali diubah, terakhir dengan Undang-Undang Nomor 6 Tahun 2023 "
    "tentang Penetapan Peraturan Pemerintah Pengganti Undang-Undang Nomor 2 Tahun "
    "2022 tentang Cipta Kerja menjadi Undang-Undang;",
    "Peraturan Presiden Nomor 39 Tahun 2019 tentang Satu Data Indonesia;",
    "Peraturan Daerah Provinsi Jawa Tengah Nomor 6 Tahun 2022 tentang Satu Data "
    "Jawa Tengah;",
    "Peraturan Daerah Kota Pekalongan Nomor 3 Tahun 2019 tentang Pengelolaan Satu "
    "Data Terpadu Daerah;",
    "Peraturan Wali Kota Pekalongan Nomor 64 Tahun 2020 tentang Penyelenggara Satu "
    "Data Terpadu Daerah;",
    "Peraturan Wali Kota Pekalongan Nomor 64A Tahun 2020 tentang Penyelenggaraan "
    "Satu Data Terpadu Daerah;",
)


def _sk_signature(doc: Any, with_place: bool) -> None:
    table = _table(doc, 1, (8.0, 8.5), grid=False)
    cell = table.cell(0, 1)
    lines: list[tuple[str, dict[str, Any]]] = []
    if with_place:
        lines += [("Ditetapkan di {{ tempat_penetapan }}", {}),
                  ("pada tanggal {{ tanggal }}", {"after": 10})]
    lines += [("{{ KEPALA_DAERAH }},", {"bold": True, "after": 48}),
              ("{{ penandatangan_utama.nama }}", {"bold": True})]
    _fill(cell, lines, align=LEFT)


def build_sk() -> Any:
    doc = _document()
    _p(doc, "{{ KEPALA_DAERAH }}", bold=True, size=14, align=CENTER)
    _p(doc, "PROVINSI {{ PROVINSI }}", bold=True, size=12, align=CENTER, after=12)
    _p(doc, "KEPUTUSAN {{ KEPALA_DAERAH }}", bold=True, size=12, align=CENTER)
    _p(doc, "NOMOR {{ nomor }}", bold=True, size=12, align=CENTER, after=8)
    _p(doc, "TENTANG", bold=True, size=12, align=CENTER, after=8)
    _p(doc, "DAFTAR DATA {{ KOTA }} TAHUN {{ tahun }}", bold=True, size=12,
       align=CENTER, after=12)
    _p(doc, "DENGAN RAHMAT TUHAN YANG MAHA ESA", bold=True, align=CENTER, after=12)
    _p(doc, "{{ KEPALA_DAERAH }},", bold=True, align=CENTER, after=12)

    widths = (2.8, 0.5, 0.8, 12.4)
    _clauses(doc, [
        ("Menimbang", ":", "a.", "bahwa berdasarkan ketentuan Pasal 26 Peraturan "
         "Presiden Nomor 39 Tahun 2019 tentang Satu Data Indonesia, perencanaan data "
         "dilakukan dengan menentukan Daftar Data yang akan dikumpulkan pada tahun "
         "selanjutnya, yang memuat Produsen Data serta jadwal rilis dan jadwal "
         "pemutakhiran data;"),
        ("", "", "b.", "bahwa Daftar Data {{ kota }} Tahun {{ tahun }} telah "
         "disepakati dalam Forum Satu Data {{ kota }} sebagaimana tertuang dalam "
         "Berita Acara Hasil Kesepakatan Penyusunan Daftar Data {{ kota }} Tahun "
         "{{ tahun }} Nomor {{ ba_forum_nomor }} tanggal {{ ba_forum_tanggal }};"),
        ("", "", "c.", "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam "
         "huruf a dan huruf b, perlu menetapkan Keputusan {{ kepala_daerah }} "
         "tentang Daftar Data {{ kota }} Tahun {{ tahun }};"),
    ], widths)
    _p(doc, "", after=4)
    _clauses(doc, [
        ("Mengingat" if n == 1 else "", ":" if n == 1 else "", f"{n}.", law)
        for n, law in enumerate(_MENGINGAT, start=1)
    ], widths)
    _p(doc, "MEMUTUSKAN:", bold=True, align=CENTER, before=10, after=10,
       keep_next=True)
    _clauses(doc, [
        ("Menetapkan", ":", "KEPUTUSAN {{ KEPALA_DAERAH }} TENTANG DAFTAR DATA "
         "{{ KOTA }} TAHUN {{ tahun }}."),
        ("KESATU", ":", "Menetapkan Daftar Data {{ kota }} Tahun {{ tahun }} "
         "sebanyak {{ jumlah_butir }} butir data dari {{ jumlah_opd }} Perangkat "
         "Daerah, dengan rincian per Perangkat Daerah sebagaimana tercantum dalam "
         "Lampiran yang merupakan bagian tidak terpisahkan dari Keputusan "
         "{{ kepala }} ini."),
        ("KEDUA", ":", "Setiap butir Daftar Data sebagaimana dimaksud dalam Diktum "
         "KESATU memuat kode data, nama data, jenis data, satuan, tingkat "
         "penyajian, frekuensi, Produsen Data, serta jadwal rilis dan jadwal "
         "pemutakhiran data."),
        ("KETIGA", ":", "Produsen Data wajib mengumpulkan data sesuai dengan Daftar "
         "Data sebagaimana dimaksud dalam Diktum KESATU dan menyampaikannya kepada "
         "Walidata melalui Portal Satu Data {{ kota }} sesuai dengan jadwal rilis "
         "dan jadwal pemutakhiran data."),
        ("KEEMPAT", ":", "Walidata, yaitu {{ walidata }} {{ kota }}, memeriksa "
         "kesesuaian data yang disampaikan Produsen Data dengan prinsip Satu Data "
         "Indonesia serta menyebarluaskan data dan metadata melalui Portal Satu Data "
         "{{ kota }}."),
        ("KELIMA", ":", "Daftar Data sebagaimana dimaksud dalam Diktum KESATU menjadi "
         "acuan dalam perencanaan pembangunan dan penganggaran kegiatan "
         "pengumpulan data di lingkungan Pemerintah {{ kota }}."),
        ("KEENAM", ":", "Keputusan {{ kepala }} ini mulai berlaku pada tanggal "
         "ditetapkan."),
    ], (2.8, 0.5, 13.2))
    _p(doc, "", after=10)
    _sk_signature(doc, with_place=True)

    _landscape_section(doc)
    table = _table(doc, 4, (2.4, 0.4, 8.2), grid=False)
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    for row, (label, value) in zip(table.rows, (
        ("LAMPIRAN", "KEPUTUSAN {{ KEPALA_DAERAH }}"),
        ("NOMOR", "{{ nomor }}"),
        ("TANGGAL", "{{ tanggal }}"),
        ("TENTANG", "DAFTAR DATA {{ KOTA }} TAHUN {{ tahun }}"),
    ), strict=True):
        _fill(row.cells[0], label, size=10)
        _fill(row.cells[1], ":", size=10)
        _fill(row.cells[2], value, size=10)
    _p(doc, "DAFTAR DATA {{ KOTA }} TAHUN {{ tahun }}", bold=True, size=12,
       align=CENTER, before=14, after=6)
    _annex_table(
        doc,
        ["No", "Kode Data", "Nama Data", "Jenis Data", "Satuan",
         "Tingkat Penyajian", "Frekuensi", "Produsen Data", "Jadwal Rilis",
         "Jadwal Pemutakhiran", "Kategori", "Status"],
        ["{{ r.no }}", "{{ r.kode_data }}", "{{ r.nama_data }}", "{{ r.jenis }}",
         "{{ r.satuan }}", "{{ r.tingkat_penyajian }}", "{{ r.frekuensi }}",
         "{{ r.produsen }}", "{{ r.jadwal_rilis }}", "{{ r.jadwal_pemutakhiran }}",
         "{{ r.kategori }}", "{{ r.status }}"],
        (0.9, 3.3, 4.3, 1.9, 1.3, 1.8, 1.7, 2.6, 1.9, 2.3, 2.0, 1.7),
    )
    _p(doc, "", after=12)
    _sk_signature(doc, with_place=False)
    return doc


BUILDERS = {"ba_desk": build_ba_desk, "ba_forum": build_ba_forum, "sk": build_sk}


def build(out_dir: str = TEMPLATE_DIR) -> list[str]:
    """Write every template into ``out_dir``; the paths written."""
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for jenis, builder in BUILDERS.items():
        path = os.path.join(out_dir, f"{jenis}.docx")
        builder().save(path)
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for written_path in build(*sys.argv[1:2]):
        print(written_path)
