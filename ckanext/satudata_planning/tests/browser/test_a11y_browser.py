"""Accessibility basics of our screens in a real browser.

* axe-core's ``color-contrast``, ``label``, ``button-name`` and
  ``html-has-lang`` rules on the main screens (cycle list, dashboard, desk,
  forum, documents/SK, public SK, portal), each at the step where it is in use.
  axe-core ships inside ``axe-playwright-python`` (``axe.min.js``), so nothing
  is fetched at run time.
* Every clickable thing is a real ``<button>``/``<a href>``/form control, or
  has ``tabindex`` and a ``role``: nothing only a mouse can reach.
* A main action done with the keyboard only: Tab to the desk's "approve"
  button of a row and press Enter.

The cycle of :data:`YEAR` is this module's own (the walk test owns 2027, the
escaping test 2031); it is moved through the SOP with the action API, over
HTTP, as each actor, so each screen is checked at the step where it is used.
:class:`Stages` reaches a stage on demand, so any test can also run alone.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import login, shot

pytestmark = pytest.mark.browser

YEAR = 2035
#: generous: the portal is a single dev server on a small, busy machine
TIMEOUT_MS = 90_000
RULES = ["color-contrast", "label", "button-name", "html-has-lang"]
SIGNED_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n"
    b"0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
ROWS = (
    ("dinkes", "Jumlah Tenaga Kesehatan menurut Jenis"),
    ("dinkes", "Cakupan Imunisasi Dasar Lengkap"),
    ("dinsos", "Jumlah Penerima Bantuan Sosial"),
)
DOCUMENTS = {"ba_desk": "000.5/31/BAPPEDA/2030", "ba_forum": "000.5/32/BAPPEDA/2030",
             "sk": "500.14.1/31 TAHUN 2030"}

#: Elements a mouse can click but a keyboard may not reach: clickable by handler
#: or pointer cursor, neither a native control nor inside one, nor inside a
#: widget that has tabindex >= 0 and a role (select2's combobox, for one).
MOUSE_ONLY = """
() => {
  const native = 'a[href], button, input, select, textarea, summary, label, option';
  return Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getClientRects().length > 0)
    .filter(el => el.hasAttribute('onclick') || el.hasAttribute('data-bs-toggle')
                  || getComputedStyle(el).cursor === 'pointer')
    .filter(el => !el.matches(native) && !el.closest(native))
    .filter(el => !Array.from(document.querySelectorAll('[tabindex][role]'))
                    .some(w => w.tabIndex >= 0 && w.contains(el)))
    .map(el => el.outerHTML.slice(0, 160));
}
"""
#: WCAG 2 contrast of each selected element's text against the background
#: colours behind it (background images ignored, translucent layers blended
#: onto white); below 4.5:1 (3:1 for large text) it is reported.
CONTRAST = """
(selectors) => {
  const parse = c => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92
                                        : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const out = [];
  for (const sel of selectors) {
    const el = document.querySelector(sel);
    if (!el) continue;
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (const c of layers.reverse()) bg = over(c, bg);
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    if (!fg) {
      out.push(`contrast: ${sel} colour ${style.color} unreadable`);
      continue;
    }
    const text = over(fg, bg);
    const [hi, lo] = [lum(text), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      out.push(`contrast: ${sel} ${ratio.toFixed(2)}:1 ` +
               `${el.outerHTML.slice(0, 120)}`);
    }
  }
  return out;
}
"""
IS_FOCUSED = "sel => document.activeElement === document.querySelector(sel)"
FOCUS_RING = """() => { const s = getComputedStyle(document.activeElement);
                        return (s.outlineStyle + ' ' + s.boxShadow).trim(); }"""


class Stages:
    """The module's cycle, moved through the SOP on demand (action API)."""

    order = ("opened", "desk", "forum", "sk", "published")

    def __init__(self, browser: Any, portal: str) -> None:
        self.browser = browser
        self.portal = portal
        self.done: set[str] = set()
        self._pages: dict[str, Any] = {}
        self._tokens: dict[str, str] = {}

    def as_user(self, user: str) -> Any:
        """A logged-in page of ``user`` (one browser context each)."""
        if user not in self._pages:
            context = self.browser.new_context(base_url=self.portal, locale="id-ID")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            login(page, user)
            self._pages[user] = page
            self._tokens[user] = page.locator(
                'meta[name="_csrf_token"]').get_attribute("content")
        return self._pages[user]

    def api(self, user: str, action: str, **data: Any) -> Any:
        """POST an action as ``user`` with the session's CSRF token."""
        page = self.as_user(user)
        upload = data.pop("upload", None)
        headers = {"X-CSRFToken": self._tokens[user]}
        if upload is None:
            response = page.request.post(
                f"/api/3/action/{action}", data=json.dumps(data), timeout=TIMEOUT_MS,
                headers={**headers, "Content-Type": "application/json"})
        else:
            response = page.request.post(
                f"/api/3/action/{action}", headers=headers, timeout=TIMEOUT_MS,
                multipart={**{k: str(v) for k, v in data.items()},
                           "upload": upload})
        body = response.json()
        assert body.get("success"), (action, body.get("error"))
        return body["result"]

    def complete(self, user: str, step: int) -> None:
        self.api(user, "satudata_step_complete", id=YEAR, step=step)

    def items(self) -> list[dict[str, Any]]:
        return self.api("walidata", "satudata_item_list", cycle_id=YEAR,
                        limit=100)["results"]

    def reach(self, stage: str) -> None:
        for name in self.order[: self.order.index(stage) + 1]:
            if name not in self.done:
                getattr(self, f"_{name}")()
                self.done.add(name)

    def _opened(self) -> None:
        self.api("walidata", "satudata_cycle_create", tahun=YEAR)
        for org, nama in ROWS:
            self.api("operator_dinkes", "satudata_item_create", cycle_id=YEAR,
                     organization=org, nama_data=nama, frekuensi="tahunan",
                     satuan="orang", jadwal_rilis=f"{YEAR}-03-31")

    def _desk(self) -> None:
        self.complete("walidata", 1)
        self.complete("pembina", 2)
        self.complete("walidata", 3)

    def _forum(self) -> None:
        for n, item in enumerate(self.items()):
            if not item.get("hasil"):
                self.api("sekretariat", "satudata_item_review", id=item["id"],
                         hasil="ditolak" if n == len(ROWS) - 1 else "disetujui",
                         catatan="Belum sesuai standar data" if n == len(ROWS) - 1
                         else "")
        self.complete("sekretariat", 4)
        self._document("ba_desk")
        self.complete("sekretariat", 5)

    def _sk(self) -> None:
        agreed = [i["id"] for i in self.items() if i.get("hasil") == "disetujui"]
        self.api("sekretariat", "satudata_item_agree", cycle_id=YEAR, ids=agreed,
                 disepakati=True)
        self.complete("sekretariat", 6)
        self._document("ba_forum")
        self.complete("sekretariat", 7)
        self._document("sk")
        self.api("sekretariat", "satudata_document_upload", cycle_id=YEAR,
                 jenis="sk", upload={"name": "sk-ttd.pdf",
                                     "mimeType": "application/pdf",
                                     "buffer": SIGNED_PDF})
        self.complete("sekretariat", 8)

    def _published(self) -> None:
        self.api("walidata", "satudata_sk_publish", cycle_id=YEAR)
        self.complete("walidata", 9)
        self.api("walidata", "satudata_provision", cycle_id=YEAR)

    def _document(self, jenis: str) -> None:
        self.api("sekretariat", "satudata_document_update", cycle_id=YEAR,
                 jenis=jenis, nomor=DOCUMENTS[jenis], tanggal=f"{YEAR - 1}-12-01",
                 tempat="Ruang Rapat Bappeda Kota Pekalongan",
                 peserta="Budi Santoso; Kepala Bidang; Bappeda",
                 penandatangan="Ir. Ahmad; Kepala Bappeda; 19700101 199503 1 001")

    def close(self) -> None:
        for page in self._pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def stages(browser, portal):  # noqa: ANN001 - Playwright objects
    s = Stages(browser, portal)
    yield s
    s.close()


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations of :data:`RULES` on the page, one line per node,
    plus the contrast axe could not decide (text over a background image, such
    as a select's arrow or CKAN's masthead) measured by :data:`CONTRAST`."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={
        "runOnly": {"type": "rule", "values": RULES},
        "resultTypes": ["violations", "incomplete"],
    }).response
    found = [
        f"{v['id']}: {node['target']} {node['html'][:140]} "
        f"{(node.get('any') or [{}])[0].get('message', '')}"
        for v in results["violations"] for node in v["nodes"]
    ]
    undecided = [node["target"][-1] for v in results["incomplete"]
                 if v["id"] == "color-contrast" for node in v["nodes"]
                 if isinstance(node["target"][-1], str)]
    return found + page.evaluate(CONTRAST, undecided)


def check_screen(page: Any, url: str, name: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert page.locator("html").get_attribute("lang") == "id"
    shot(page, f"a11y-{name}")
    assert axe_violations(page) == [], url
    assert page.evaluate(MOUSE_ONLY) == [], url


# --- the screens -------------------------------------------------------------------

def test_cycle_list_and_dashboard(stages):
    stages.reach("opened")
    page = stages.as_user("walidata")
    check_screen(page, "/perencanaan", "cycle-list")
    check_screen(page, f"/perencanaan/{YEAR}", "dashboard")
    check_screen(page, f"/perencanaan/{YEAR}/daftar", "daftar")
    check_screen(stages.as_user("operator_dinkes"), f"/perencanaan/{YEAR}",
                 "dashboard-opd")


def test_desk(stages):
    stages.reach("desk")
    check_screen(stages.as_user("sekretariat"), f"/perencanaan/{YEAR}/desk", "desk")


def test_a_row_is_approved_with_the_keyboard_only(stages):
    """Tab from the top of the desk to the first row's approve button and press
    Enter: the row is approved (no mouse event at all)."""
    stages.reach("desk")
    page = stages.as_user("sekretariat")
    page.goto(f"/perencanaan/{YEAR}/desk")
    row = page.locator("table.satudata-desk-items tbody tr[id^=butir-]").first
    row_id = row.get_attribute("id")
    target = f"tr#{row_id} button.satudata-hasil-btn[value=disetujui]"
    page.locator("body").focus()
    for _press in range(400):
        page.keyboard.press("Tab")
        if page.evaluate(IS_FOCUSED, target):
            break
    else:
        raise AssertionError("the approve button is not reachable with Tab")
    ring = page.evaluate(FOCUS_RING)
    assert ring not in ("none none", "none"), "no visible focus indicator"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    status = page.locator(f"tr#{row_id} td").nth(3).inner_text()
    assert "Disetujui" in status, status


def test_forum(stages):
    stages.reach("forum")
    check_screen(stages.as_user("sekretariat"), f"/perencanaan/{YEAR}/forum", "forum")


def test_documents_and_sk(stages):
    stages.reach("sk")
    check_screen(stages.as_user("walidata"), f"/perencanaan/{YEAR}/dokumen", "dokumen")


def test_published_sk_and_portal(stages, page):
    stages.reach("published")
    check_screen(page, f"/perencanaan/{YEAR}/sk", "public-sk")  # anonymous
    check_screen(stages.as_user("walidata"), f"/perencanaan/{YEAR}/portal", "portal")
    check_screen(stages.as_user("operator_dinkes"), f"/perencanaan/{YEAR}",
                 "dashboard-opd-todo")


def test_the_checks_catch_what_they_should(browser):
    """The same checks on a page made to fail: pale text, a field without a
    label, an empty button, a clickable div, no lang; and the contrast measure
    on text over a background image, which axe leaves undecided."""
    page = browser.new_page()
    page.set_content("""<html><body style="background:#fff">
      <p style="color:#bbb">Teks yang terlalu pucat</p>
      <input type="text" name="tanpa-label">
      <button type="submit"></button>
      <div onclick="alert(1)" style="cursor:pointer">Klik saya</div>
      <p id="di-atas-gambar" style="color:#ccc;background:#fff
         url('data:image/gif;base64,R0lGODlhAQABAAAAACw=')">Di atas gambar</p>
    </body></html>""")
    found = " ".join(axe_violations(page))
    for rule in RULES:
        assert rule + ":" in found, rule
    assert "contrast: #di-atas-gambar" in found
    assert any("Klik saya" in html for html in page.evaluate(MOUSE_ONLY))
    page.close()


# --- phone widths ---------------------------------------------------------------------

#: what a body wider than the screen scrolls sideways by (none allowed)
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_list_desk_and_forum_fit_a_390_px_screen(stages, browser, portal):
    """The list, desk and forum at 390 px: rows stack as cards, the page body
    never scrolls sideways, and the desk result of a row is on screen."""
    stages.reach("forum")
    context = browser.new_context(base_url=portal, locale="id-ID",
                                  viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    login(page, "walidata")
    for path, name in (("/daftar", "daftar"), ("/desk", "desk"), ("/forum", "forum")):
        response = page.goto(f"/perencanaan/{YEAR}{path}")
        assert response.status == 200, path
        shot(page, f"mobile-{name}")
        assert page.evaluate(OVERFLOW) <= 0, path
    page.goto(f"/perencanaan/{YEAR}/daftar")
    cell = page.locator("table.satudata-items td[data-label]").nth(4)
    box = cell.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    context.close()
