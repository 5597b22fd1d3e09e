"""The signed-PDF check and the download file names."""
from __future__ import annotations

import io

import pytest

from ckanext.satudata_planning.logic.uploads import (
    UploadRefused,
    check_pdf,
    safe_filename,
)

MB = 1024 * 1024


def make_pdf(extra_catalog: bytes = b"", padding: int = 0,
             stream: bytes = b"BT /F1 12 Tf 72 720 Td (Berita Acara) Tj ET") -> bytes:
    """A minimal valid one-page PDF, with a correct xref table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    if padding:
        out += b"% " + b"x" * padding + b"\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _refused(data: object, max_bytes: int = MB) -> str:
    with pytest.raises(UploadRefused) as info:
        check_pdf(data, max_bytes=max_bytes)  # type: ignore[arg-type]
    return str(info.value)


def test_a_real_pdf_is_taken() -> None:
    pdf = make_pdf()
    check_pdf(pdf, max_bytes=MB)
    stream = io.BytesIO(pdf)
    stream.read(10)
    check_pdf(stream, max_bytes=MB)
    assert stream.tell() == 0  # rewound for whoever stores it


def test_leading_junk_within_1024_bytes_is_accepted() -> None:
    check_pdf(b"\0" * 500 + make_pdf(), max_bytes=MB)
    assert _refused(b" " * 1100 + make_pdf()) == "The file is not a PDF"


def test_a_renamed_text_file_is_refused() -> None:
    assert _refused(b"Berita acara ditandatangani.\n%%EOF\n") == "The file is not a PDF"
    assert _refused(io.BytesIO(b"PK\x03\x04 a docx")) == "The file is not a PDF"


def test_an_oversized_pdf_is_refused() -> None:
    big = make_pdf(padding=MB)
    assert _refused(big) == "The file is larger than 1 MB"
    half = _refused(io.BytesIO(big), max_bytes=MB // 2)
    assert half == "The file is larger than 0.5 MB"
    check_pdf(big, max_bytes=2 * MB)


def test_an_empty_file_is_refused() -> None:
    assert _refused(b"") == "The file is empty"
    assert _refused(io.BytesIO()) == "The file is empty"


def test_a_truncated_pdf_is_refused() -> None:
    pdf = make_pdf()
    assert _refused(pdf[: len(pdf) // 2]) == "The PDF is damaged or truncated"
    assert _refused(pdf[:-7]) == "The PDF is damaged or truncated"


@pytest.mark.parametrize("catalog,name", [
    (b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ", "JavaScript"),
    (b"/OpenAction << /S /Java#53cript /JS 9 0 R >> ", "JavaScript"),
    (b"/OpenAction << /S /Launch /F (cmd.exe) >> ", "Launch"),
    (b"/Names << /EmbeddedFiles 8 0 R >> ", "EmbeddedFiles"),
])
def test_active_content_is_refused(catalog: bytes, name: str) -> None:
    message = _refused(make_pdf(extra_catalog=catalog))
    assert message.startswith("The PDF contains scripts, actions or embedded files")
    assert name in message


def test_names_inside_stream_data_do_not_refuse() -> None:
    """Binary image data may contain "/JS " by chance; only dictionaries count."""
    check_pdf(make_pdf(stream=b"\x89\x01/JS \x00/Launch\x7f"), max_bytes=MB)
    check_pdf(make_pdf(extra_catalog=b"/JSON 1 "), max_bytes=MB)


def test_upload_refused_is_an_exception_with_a_message() -> None:
    error = UploadRefused("The file is empty")
    assert isinstance(error, Exception) and error.message == str(error)


@pytest.mark.parametrize("name,expected", [
    ("SK Daftar Data 2027.pdf", "SK_Daftar_Data_2027.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\budi\\BA forum.pdf", "BA_forum.pdf"),
    ('BA "desk";\r\nX-Evil: 1.pdf', "BA_desk_X-Evil_1.pdf"),
    ("Keputusan Wali Kota — Déçision.pdf", "Keputusan_Wali_Kota_Decision.pdf"),
    ("", "dokumen.pdf"),
    ("../", "dokumen.pdf"),
    ("دفتر.pdf", "dokumen.pdf"),
    ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
])
def test_safe_filename(name: str, expected: str) -> None:
    result = safe_filename(name, "dokumen.pdf")
    assert result == expected
    assert result.isascii() and len(result) <= 100
    assert not any(c in result for c in '/\\"\r\n;')
