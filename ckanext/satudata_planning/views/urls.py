"""How a kode_data travels in a URL (any characters, slashes kept)."""
from __future__ import annotations

import re
from typing import Any

from werkzeug.routing import PathConverter

#: the converter's name in the app's URL map: ``<satudata_kode:kode>``
KODE = "satudata_kode"


class KodeConverter(PathConverter):
    """A kode_data in a URL, whatever characters it holds.

    Government codes carry slashes (``1.02/DINKES/001``): they stay slashes
    in the URL, the rest is percent-encoded as usual, so ordinary codes keep
    their URLs. A code the path cannot carry as it is becomes one segment
    starting with ``~`` ("~" and "/" written ``~7E`` and ``~2F``): a code
    with an empty or dot segment (a browser or the router would rewrite the
    path), one named like a static sibling route (``impor``, which must stay
    the import) or ending in a route's own tail (``…/hapus`` would reach the
    delete of another row), and a code starting with "~".
    """

    #: any text, newlines included ("." alone would stop at one)
    regex = r"[^/](?s:.)*?"
    part_isolating = False

    #: the static routes beside ``<kode>``: they must win over a code
    STATIC = frozenset({"impor", "ekspor", "templat", "salin", "bukan-duplikat"})
    #: the static tails after ``<kode>``
    TAILS = frozenset({"hapus", "hasil"})
    _UNESCAPE = re.compile("~(2F|7E)")

    @classmethod
    def plain(cls, kode: str) -> bool:
        """Whether the code can be the URL's path as it is."""
        segments = kode.split("/")
        return not (
            kode.startswith("~")
            or kode in cls.STATIC
            or (len(segments) > 1 and segments[-1] in cls.TAILS)
            or any(s in ("", ".", "..") for s in segments)
        )

    def to_url(self, value: Any) -> str:
        kode = str(value)
        if not self.plain(kode):
            kode = "~" + kode.replace("~", "~7E").replace("/", "~2F")
        return super().to_url(kode)

    def to_python(self, value: str) -> str:
        if not value.startswith("~"):
            return value
        return self._UNESCAPE.sub(
            lambda m: "/" if m.group(1) == "2F" else "~", value[1:]
        )
