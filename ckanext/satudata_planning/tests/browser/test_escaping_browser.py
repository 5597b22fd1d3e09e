"""Text that looks like HTML is shown as text on every screen, never run.

A cycle of its own year (:data:`YEAR`, which the walk does not use) and OPDs
the walk does not use (DLH, Dinperkim) are seeded through the action API of
the running portal, with ``<script>`` and an ``<img onerror>`` in every text a
row, a recommendation, a desk note and a document carry. Each screen where that text
appears is then opened as the actor who sees it; the page must not have run
the script (``window.__xss`` stays undefined) and must show ``<script>`` as
text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ckanext.satudata_planning import demo
from ckanext.satudata_planning.tests.factories import PDF

from .conftest import login, shot

pytestmark = pytest.mark.browser

YEAR = 2031
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
XSS = SCRIPT + IMG
#: two rows of the two OPDs of ``operator_dlh`` whose every text field
#: carries the payload; the names are alike so the desk's duplicates panel
#: (pairs of different OPDs) shows them too
ROWS = (
    {"organization": "dlh", "nama_data": f"Volume Sampah {XSS} Harian"},
    {"organization": "dinperkim", "nama_data": f"Volume Sampah {XSS} Harian Kota"},
)
ROW_TEXT = {
    "definisi": f"Definisi {XSS}",
    "konsep": f"Konsep {XSS}",
    "klasifikasi": f"Klasifikasi {XSS}",
    "satuan": f"ton {SCRIPT}",
    "rumus": f"a/b {XSS}",
    "sumber_data": f"Sumber {XSS}",
    "kode_sds": f"{SCRIPT}",
    "jenis_data": "statistik_sektoral",
    "frekuensi": "tahunan",
    "jadwal_rilis": f"{YEAR}-03-31",
}
PEOPLE = f"Budi {SCRIPT}; Kepala {IMG}; Bappeda {SCRIPT}"
SIGNER = f"Ir. Ahmad {SCRIPT}; Kepala {IMG}; 19700101 199503 1 001"


class Api:
    """The portal's action API as one user, with an API token made for the test."""

    def __init__(self, browser: Any, portal: str, user: str) -> None:
        self.context = browser.new_context(base_url=portal)
        page = self.context.new_page()
        login(page, user, demo.DEMO_PASSWORD)
        page.goto("/dashboard/datasets")
        csrf = page.locator('meta[name="_csrf_token"]').get_attribute("content")
        made = self.context.request.post(
            "/api/3/action/api_token_create",
            data={"user": user, "name": "escaping-test"},
            headers={"X-CSRFToken": csrf or ""},
        )
        assert made.ok, made.text()
        self.token = made.json()["result"]["token"]
        page.close()

    def __call__(self, action: str, **data: Any) -> Any:
        res = self.context.request.post(
            f"/api/3/action/{action}",
            data=data,
            headers={"Authorization": self.token},
        )
        assert res.ok, f"{action}: {res.text()[:2000]}"
        return res.json()["result"]

    def upload(self, action: str, upload: bytes, **fields: Any) -> Any:
        res = self.context.request.post(
            f"/api/3/action/{action}",
            multipart={
                **{k: str(v) for k, v in fields.items()},
                "upload": {
                    "name": "ttd.pdf",
                    "mimeType": "application/pdf",
                    "buffer": upload,
                },
            },
            headers={"Authorization": self.token},
        )
        assert res.ok, f"{action}: {res.text()[:2000]}"
        return res.json()["result"]


@pytest.fixture(scope="module")
def api(browser: Any, portal: str) -> Iterator[dict[str, Api]]:
    """One API client per actor who seeds the cycle."""
    clients = {
        user: Api(browser, portal, user)
        for user in ("walidata", "pembina", "sekretariat", "operator_dlh")
    }
    yield clients
    for client in clients.values():
        client.context.close()


#: what a person reads on the page: its text and what its form fields hold
TEXT_SHOWN = """
() => [document.body.innerText,
       ...Array.from(document.querySelectorAll('input, textarea'), e => e.value)]
      .join('\\n')
"""


#: a script element holding the payload, unless it is JSON-LD data that still
#: parses whole (the payload is a string inside it; a payload that closed the
#: element would leave JSON that does not parse)
PAYLOAD_SCRIPTS = """
() => Array.from(document.scripts).some(s => {
  if (!s.text.includes('__xss')) return false;
  if (s.type !== 'application/ld+json') return true;
  try { JSON.parse(s.text); return false; } catch (e) { return true; }
})
"""


def assert_escaped(page: Any, path: str, *, expect_text: bool = True) -> None:
    """Open ``path``: the payload did not run, and shows as text."""
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__xss") == "undefined", f"script ran on {path}"
    if expect_text:
        shown = page.evaluate(TEXT_SHOWN)
        assert "<script>" in shown, f"<script> is not shown as text on {path}"
    # no script element and no event handler came from the payload (CKAN's
    # Markdown of a dataset's notes may keep an <img>, never its onerror)
    assert page.locator("[onerror]").count() == 0, path
    assert not page.evaluate(PAYLOAD_SCRIPTS), path


STATE: dict[str, Any] = {}


def switch(page: Any, user: str) -> None:
    """Log out whoever is logged in, then log ``user`` in."""
    page.context.clear_cookies()
    login(page, user, demo.DEMO_PASSWORD)


def complete(api: dict[str, Api], user: str, step: int) -> None:
    api[user]("satudata_step_complete", id=YEAR, step=step)


def test_rows_and_recommendations_shown_at_the_desk(api, page):
    """Steps 1–4: the list, a row, the Pembina's recommendations, the desk."""
    api["walidata"]("satudata_cycle_create", tahun=YEAR)
    rows = [api["operator_dlh"]("satudata_item_create", cycle_id=YEAR, **r, **ROW_TEXT)
            for r in ROWS]
    STATE["rows"] = rows
    complete(api, "walidata", 1)
    api["pembina"]("satudata_recommendation_create", cycle_id=YEAR,
                   item_id=rows[0]["id"], isi=f"Rekomendasi {XSS}")
    api["pembina"]("satudata_recommendation_create", cycle_id=YEAR,
                   isi=f"Untuk seluruh daftar {XSS}")
    complete(api, "pembina", 2)
    complete(api, "walidata", 3)

    switch(page, "operator_dlh")
    assert_escaped(page, f"/perencanaan/{YEAR}/daftar")
    assert_escaped(page, f"/perencanaan/{YEAR}/daftar/{rows[0]['kode_data']}")
    switch(page, "pembina")
    assert_escaped(page, f"/perencanaan/{YEAR}/rekomendasi")
    switch(page, "sekretariat")
    assert_escaped(page, f"/perencanaan/{YEAR}/desk")
    assert page.locator("form.satudata-mark-duplicate").count() >= 1, (
        "the duplicates panel (which shows both names) is on the page")
    shot(page, "escaping-desk")
    for row in rows:
        api["sekretariat"]("satudata_item_review", id=row["id"], hasil="disetujui",
                           catatan=f"Catatan desk {XSS}")
    assert_escaped(page, f"/perencanaan/{YEAR}/desk")
    assert_escaped(page, f"/perencanaan/{YEAR}/daftar/{rows[1]['kode_data']}")
    complete(api, "sekretariat", 4)
    switch(page, "walidata")
    # the timeline and the trail: no row's text there, and nothing runs
    assert_escaped(page, f"/perencanaan/{YEAR}", expect_text=False)


def test_forum_and_documents(api, page):
    """Steps 5–8: the BA desk, the forum, the BA forum, the SK and their
    printable views."""
    rows = STATE["rows"]

    def write(jenis: str) -> None:
        api["sekretariat"]("satudata_document_update", cycle_id=YEAR, jenis=jenis,
                           nomor=f"000.5/{jenis}/{SCRIPT}", tanggal=f"{YEAR - 1}-12-01",
                           tempat=f"Ruang Rapat {XSS}", peserta=PEOPLE,
                           penandatangan=SIGNER)

    write("ba_desk")
    complete(api, "sekretariat", 5)
    switch(page, "sekretariat")
    assert_escaped(page, f"/perencanaan/{YEAR}/forum")
    shot(page, "escaping-forum")
    api["sekretariat"]("satudata_item_agree", cycle_id=YEAR,
                       ids=[r["id"] for r in rows], disepakati=True)
    assert_escaped(page, f"/perencanaan/{YEAR}/forum")
    complete(api, "sekretariat", 6)
    write("ba_forum")
    complete(api, "sekretariat", 7)
    write("sk")
    api["sekretariat"].upload("satudata_document_upload", PDF, cycle_id=YEAR,
                              jenis="sk")
    complete(api, "sekretariat", 8)
    assert_escaped(page, f"/perencanaan/{YEAR}/dokumen")
    for jenis in ("ba_desk", "ba_forum", "sk"):
        assert_escaped(page, f"/perencanaan/{YEAR}/dokumen/{jenis}/cetak")
    assert_escaped(page, f"/perencanaan/{YEAR}/dokumen/draft-penyepakatan/cetak")
    shot(page, "escaping-sk-printable")


def test_published_list_portal_and_datasets(api, page, browser, portal):
    """Steps 9–10: the public SK page, the dashboard for everyone, the
    provisioning and progress page, the datasets made from the rows."""
    api["walidata"]("satudata_sk_publish", cycle_id=YEAR)
    complete(api, "walidata", 9)
    made = api["walidata"]("satudata_provision", cycle_id=YEAR)
    assert made["created"] == 2, made
    context = browser.new_context(base_url=portal, locale="id-ID")
    anonymous = context.new_page()
    assert_escaped(anonymous, f"/perencanaan/{YEAR}/sk")
    assert_escaped(anonymous, f"/perencanaan/{YEAR}")
    context.close()
    switch(page, "walidata")
    # progress per OPD: counts, no row's text; nothing may run either
    assert_escaped(page, f"/perencanaan/{YEAR}/portal", expect_text=False)
    assert_escaped(page, "/perencanaan", expect_text=False)
    switch(page, "operator_dlh")
    assert_escaped(page, f"/perencanaan/{YEAR}")
    for row in STATE["rows"]:
        shown = api["operator_dlh"]("satudata_item_show", id=row["id"])
        dataset = api["operator_dlh"]("package_show", id=shown["package_id"])
        assert dataset["title"] == row["nama_data"]
        assert_escaped(page, f"/dataset/{dataset['name']}")
    shot(page, "escaping-dataset")
    assert_escaped(page, "/organization/dlh")
    assert_escaped(page, "/dataset/?q=Sampah")


def test_the_check_sees_a_payload_that_runs(page):
    """The detector itself: on a page that does not escape, it fires."""
    page.set_content(f"<body><p>{XSS}</p></body>")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__xss") == "number"
    assert page.locator("[onerror]").count() == 1
    assert page.evaluate(PAYLOAD_SCRIPTS)
    assert "<script>" not in page.evaluate(TEXT_SHOWN)
