"""The signed documents (the scanned, signed BA and SK PDFs): the checks on
an upload, and where CKAN's uploader keeps them.

The portal publishes the signed SK to everyone, so what it stores must be a
complete, inert PDF: the checks read the bytes, never the file name or the
browser's content type, which a user controls. Refused are non-PDFs, empty or
oversized files, truncated uploads (no ``%%EOF`` at the end), and PDFs that
carry scripts, launch actions or embedded files.

>>> check_pdf(b"%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n", max_bytes=1000)
>>> safe_filename('../SK "final".pdf', "sk.pdf")
'SK_final.pdf'
"""
from __future__ import annotations

import io
import os
import re
import unicodedata
from typing import IO, Any, Optional, Union

from ckan.plugins.toolkit import _

#: CKAN uploader object type: files live in <storage>/storage/uploads/<this>/
OBJECT_TYPE = "satudata_documents"
#: Where the ``%PDF-`` header may start (readers accept leading junk up to 1 KiB).
HEADER_WINDOW = 1024
#: Where the last ``%%EOF`` must be (some writers append padding after it).
TRAILER_WINDOW = 2048
MAX_FILENAME = 100
#: Names (PDF name objects) that make a document active rather than inert.
_ACTIVE_NAMES = ("JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles")
# A PDF name may spell a character as #hh (``/Java#53cript``): decode before matching.
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
# Stream bodies (images, compressed pages) are binary: a chance "/JS " in a
# scan's JPEG must not refuse it. Dictionaries, where actions live, stay.
_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.S)
_CHUNK = 1024 * 1024

Readable = Union[bytes, bytearray, memoryview, IO[bytes]]


class UploadRefused(Exception):
    """An upload that is not taken; ``str(error)`` is the translated reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _read(data: Readable, limit: int) -> bytes:
    """At most ``limit`` bytes of ``data`` (bytes or a binary file-like)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data[:limit])
    stream = getattr(data, "stream", data)  # werkzeug FileStorage
    if hasattr(stream, "seek"):
        try:
            stream.seek(0)
        except (OSError, io.UnsupportedOperation):
            pass
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = stream.read(min(_CHUNK, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if hasattr(stream, "seek"):
        try:
            stream.seek(0)
        except (OSError, io.UnsupportedOperation):
            pass
    return b"".join(chunks)


def _names(content: bytes) -> set[str]:
    """Every PDF name in ``content`` (``/JavaScript`` → ``JavaScript``), decoded."""
    found = set()
    for match in _NAME.finditer(content):
        raw = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        found.add(raw.decode("latin-1"))
    return found


def check_pdf(data: Readable, *, max_bytes: int) -> None:
    """Refuse (``UploadRefused``) anything but a complete, inert PDF ≤ ``max_bytes``.

    Names hidden inside compressed object streams are not inflated: such a
    PDF from a scanner or Word has no script to hide, and one built to hide a
    script is refused by viewers' own script policies; the check stops the
    plain cases, which are what arrives by mistake.
    """
    content = _read(data, max_bytes + 1)
    if not content:
        raise UploadRefused(_("The file is empty"))
    if len(content) > max_bytes:
        raise UploadRefused(
            _("The file is larger than {max} MB").format(
                max=_megabytes(max_bytes)))
    if b"%PDF-" not in content[:HEADER_WINDOW]:
        raise UploadRefused(_("The file is not a PDF"))
    if b"%%EOF" not in content[-TRAILER_WINDOW:]:
        raise UploadRefused(_("The PDF is damaged or truncated"))
    active = _names(_STREAM.sub(b"", content)).intersection(_ACTIVE_NAMES)
    if active:
        raise UploadRefused(
            _("The PDF contains scripts, actions or embedded files ({names}); "
              "print it to PDF again or scan the signed paper").format(
                names=", ".join(sorted(active))))


def _megabytes(size: int) -> str:
    """``10`` for 10 MiB, ``2.5`` for 2.5 MiB."""
    value = size / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def safe_filename(name: str, default: str) -> str:
    """A file name safe in a ``Content-Disposition`` header.

    ASCII only (accents folded), no directory part, no quotes, separators or
    control characters, at most ``MAX_FILENAME`` characters with the
    extension kept; ``default`` when nothing usable is left.

    >>> safe_filename("Berita Acara Désk.pdf", "ba.pdf")
    'Berita_Acara_Desk.pdf'
    >>> safe_filename("...", "ba.pdf")
    'ba.pdf'
    """
    stem, ext = os.path.splitext(re.split(r"[\\/]", name or "")[-1])
    stem, ext = (unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
                 for part in (stem, ext))
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    stem = re.sub(r"_+", "_", stem).strip("._-")
    if not re.search(r"[A-Za-z0-9]", stem):
        return default
    ext = f".{ext}" if ext else ""
    return stem[: MAX_FILENAME - len(ext)].rstrip("._-") + ext


def storage_dir() -> Optional[str]:
    """Where CKAN's uploader keeps the signed PDFs (None: no storage_path)."""
    from ckan.lib.uploader import get_storage_path

    path = get_storage_path()
    return os.path.join(path, "storage", "uploads", OBJECT_TYPE) if path else None


def signed_pdf_path(document: dict[str, Any]) -> Optional[str]:
    """The file on disk of a document dict's signed PDF (views send it)."""
    stored = document.get("file")
    folder = storage_dir()
    if not stored or not folder:
        return None
    path = os.path.join(folder, os.path.basename(stored))
    return path if os.path.isfile(path) else None
