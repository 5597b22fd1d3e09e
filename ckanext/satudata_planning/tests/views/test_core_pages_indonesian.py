"""No English sentence on the pages an OPD user walks through, in the
Indonesian UI (``ckan.locale_default = id``).

Core CKAN's own ``id`` catalogue leaves most strings in English; the portal
merges ``i18n/ckan-core-id.po`` over it. This test fetches the pages of an OPD
editor's round (login, dashboard, dataset, new resource, organization, our
/perencanaan screens, a rejected search), takes the text a person sees or a
screen reader reads (text nodes, ``title``/``placeholder``/``aria-label``/
``alt`` and button values; never script or style) and flags English by a small
stop-word heuristic: a chunk with two or more English function words, or a
whole chunk that is a common English interface label. When a core msgid loses
its translation (or a CKAN upgrade brings a new one), the page shows English
and this test names the page and the text.

The test data is Indonesian on purpose, so user content needs no allow-list;
:data:`ALLOWED` lists what is English by nature, each with its reason.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.lib.search.common import SearchQueryError

from ckanext.satudata_planning.tests.factories import agreed_rows, cycle_at_step_10
from ckanext.satudata_planning.tests.web import login

pytestmark = pytest.mark.usefixtures("with_plugins")

YEAR = 2027

#: English function words: two of them in one chunk make it an English sentence
#: (none is also an Indonesian word; "data", "per", "di" are left out).
FUNCTION_WORDS = frozenset("""
a an the and or but of to from in into on at by with without for about as
is are was were be been being has have had do does did will would can could
should may must not no yet you your yours we our us they their them it its
this that these those there here which what who when where why how all any
some more most other such than then only also just please
""".split())

#: Whole chunks (or parts between ":" / " - ") that are common English interface
#: labels: a one-word button carries no function word, so they are named here.
UI_LABELS = frozenset(s.casefold() for s in """
About|Activity Stream|Additional Info|Author|Created|Dashboard|Datasets
|Description|Followers|Forgot your password?|Groups|Home|Last Modified
|Last Updated|License|Licenses|Maintainer|Members|Metadata last updated
|My Datasets|My Groups|My Organizations|Name|News feed|Next|Organizations
|Organization|Password|Previous|Private|Public|Relevance|Remember me|Resources
|Resource|Settings|Social|State|Tags|Title|Username|Version|Visibility|Views
|Formats|Filter Results|Order by|Sort by|Required field|Show more|Show less
|Read more|Image|Value|Field|Source|Finish|active|draft|deleted
""".replace("\n", "").split("|"))

#: English verbs that start a button or a menu item ("Manage resource: X").
UI_VERBS = frozenset("""
add edit delete remove save cancel update create search submit upload download
manage view show hide select choose follow unfollow explore preview clear close
browse register sign log go
""".split())

#: English seen on these pages and kept, with the reason (skipped by
#: :func:`is_english` whatever rule it would trip).
ALLOWED = {
    "CKAN": "the software's name (footer, API link)",
    "CKAN Association": "the name of the body that publishes CKAN",
    "English": "the language picker names each language in itself",
    "Open Data": "the Open Definition badge's name (core footer, hard-coded alt)",
    "Output": "the SOP's own column (SOP AP format: Kelengkapan, Waktu, Output)",
    "Editor": "CKAN's role name, the same word in Indonesian (KBBI: editor)",
}

#: Attributes a person or a screen reader gets as text.
TEXT_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
#: Elements whose content is never shown as text.
SKIPPED = frozenset({"script", "style", "template", "noscript"})
#: Inline elements: their text belongs to the surrounding sentence.
INLINE = frozenset("""
a abbr b bdi bdo cite code em i kbd mark q s samp small span strong sub sup time
u var wbr br
""".split())
VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split())
WORD = re.compile(r"[A-Za-z']+")
SEGMENTS = re.compile(r"\s*(?::|\s-\s|\|)\s*")


class VisibleText(HTMLParser):
    """Chunks of visible text (one per block element) and text attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._current: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.chunks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
            return
        if tag not in INLINE:
            self._flush()
        values = dict(attrs)
        for name in TEXT_ATTRIBUTES:
            if values.get(name):
                self.chunks.append(" ".join(str(values[name]).split()))
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            if values.get("value"):
                self.chunks.append(str(values["value"]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
            return
        if tag not in INLINE and tag not in VOID:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.chunks


def is_english(chunk: str) -> bool:
    """Two English function words, or a part that is an English label or
    starts with an English interface verb."""
    if chunk in ALLOWED:
        return False
    words = [w.casefold() for w in WORD.findall(chunk)]
    if sum(1 for w in words if w in FUNCTION_WORDS) >= 2:
        return True
    for segment in SEGMENTS.split(chunk):
        segment = segment.strip(" .…»«")
        if segment in ALLOWED or not segment:
            continue
        first = WORD.match(segment)
        if segment.casefold() in UI_LABELS or (
                first and first.group().casefold() in UI_VERBS):
            return True
    return False


def english_on(html: str) -> list[str]:
    return sorted({c for c in visible_text(html) if is_english(c)})


# --- the heuristic itself ----------------------------------------------------------

def test_the_heuristic_flags_english_and_passes_indonesian():
    html = """<html lang="id"><head><title>Dasbor - Portal</title>
      <script>var x = "this is the script and it is skipped";</script></head>
      <body><p>You have <b>no</b> datasets yet.</p>
      <p>Anda belum memiliki dataset.</p>
      <button>Edit</button><button>Ubah</button>
      <input type="search" placeholder="Search all the datasets">
      <img alt="Logo Kota Pekalongan" src="x.png">
      <a href="#" title="Add a new dataset to the catalogue">+</a>
      <p>Data per kecamatan di Kota Pekalongan</p></body></html>"""
    assert english_on(html) == [
        "Add a new dataset to the catalogue", "Edit", "Search all the datasets",
        "You have no datasets yet.",
    ]


# --- the pages ---------------------------------------------------------------------

@pytest.fixture
def opd_round(actors: Any, call_as) -> dict[str, str]:
    """A provisioned cycle whose first dinkes dataset has one resource; returns
    the URL of each page on an OPD editor's round."""
    # the factories write random English (faker) into descriptions: user content
    # that would make the check flaky, so give it the Indonesian a region writes
    call_as("organization_patch", actors.sysadmin, id="dinkes",
            description="Dinas Kesehatan Kota Pekalongan")
    call_as("user_patch", actors.sysadmin, id=actors.produsen["id"],
            about="Operator data Dinas Kesehatan")
    cycle = cycle_at_step_10(actors.walidata, YEAR)
    agreed_rows(cycle["id"], "dinkes", 2,
                nama_data="Jumlah Puskesmas menurut Kecamatan")
    agreed_rows(cycle["id"], "dinsos", 1, prefix=f"{YEAR}-DINSOS")
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    found = call_as("package_search", actors.produsen, fq="organization:dinkes",
                    include_private=True, rows=1)
    dataset = found["results"][0]["name"]
    call_as("resource_create", actors.produsen, package_id=dataset,
            url="https://data.pekalongankota.go.id/puskesmas.csv",
            name="Jumlah Puskesmas 2027", format="CSV",
            description="Rekap jumlah puskesmas per kecamatan")
    base = f"/perencanaan/{YEAR}"
    return {
        "dashboard": "/dashboard/",
        "dashboard datasets": "/dashboard/datasets",
        "dashboard organizations": "/dashboard/organizations",
        "dataset": f"/dataset/{dataset}",
        "new resource": f"/dataset/{dataset}/resource/new",
        "organization": "/organization/dinkes",
        "dataset search": "/dataset/?q=puskesmas",
        "planning cycles": "/perencanaan",
        "cycle dashboard": base,
        "data list": f"{base}/daftar",
        "forum": f"{base}/forum",
        "documents": f"{base}/dokumen",
        "portal": f"{base}/portal",
    }


def _page(app: Any, url: str, status: int = 200) -> str:
    res = app.get(url, status=status)
    html = res.get_data(as_text=True)
    assert '<html lang="id"' in html, url
    return html


def test_login_page_is_indonesian(app, clean_db):
    html = _page(app, "/user/login")
    assert "Masuk" in html
    assert english_on(html) == []


def test_an_opd_editors_pages_are_indonesian(app, actors, opd_round):
    login(app, actors.produsen)
    english = {}
    for label, url in opd_round.items():
        found = english_on(_page(app, url))
        if found:
            english[f"{label} ({url})"] = found
    assert english == {}, "English on the Indonesian UI:\n" + "\n".join(
        f"{page}: {chunks}" for page, chunks in english.items())


def test_a_rejected_search_is_explained_in_indonesian(app, clean_db):
    """A query the search cannot parse shows the search page with CKAN's
    error (as with Solr), in Indonesian."""
    html = _page(app, '/dataset/?q=title:"tidak+ditutup')
    assert 'id="search-error"' in html
    assert english_on(html) == []


def test_search_errors_outside_a_request_stay_search_errors(app):
    """The CLI and jobs have an app but no request: CKAN's locale selector
    raises RuntimeError there; the message falls back to the English msgid
    and the error stays a SearchQueryError (400, never 500)."""
    import flask

    from ckanext.satudata_pgsearch.parser import Parser

    with app.flask_app.app_context():
        assert not flask.has_request_context()
        with pytest.raises(RuntimeError):
            tk._("Search")  # what the fallback is for
        with pytest.raises(SearchQueryError, match="A quoted phrase is not closed"):
            Parser('title:"tidak ditutup').parse()
