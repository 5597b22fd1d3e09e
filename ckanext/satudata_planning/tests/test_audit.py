"""The audit trail reads as sentences: every recorded action has its own.

* The action names come from one list (``EventAction``): the source is scanned
  for every ``record``/``changed``/``_event_row`` call and every ``action=``
  literal, and each name must be in the list and have a summary of its own.
* Each summary, in Indonesian (the site's language) and in English, names what
  was touched: the row's code and name, the step's title, the document's
  kind, the SK's number, a batch's count; never an id.
* The cycle dashboard of a walked cycle shows no raw action name or id.
"""

from __future__ import annotations

import ast
import pathlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from ckanext.satudata_planning import audit, helpers
from ckanext.satudata_planning.model.event import ACTIONS, ITEM_ACTIONS, EventAction
from ckanext.satudata_planning.tests.factories import DOC_NUMBERS, seeded_cycle
from ckanext.satudata_planning.tests.web import login

PACKAGE = pathlib.Path(audit.__file__).parent
#: a uuid anywhere in a text
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: the functions that write an event, and where their action name is
WRITERS = {"record": None, "changed": None, "_event_row": 2, "_transition": 3}

ROW_A = "3f2a9c1e-1111-4a4a-9b9b-000000000001"
ROW_B = "3f2a9c1e-2222-4a4a-9b9b-000000000002"
CYCLE = "3f2a9c1e-3333-4a4a-9b9b-000000000003"
PACKAGE_ID = "3f2a9c1e-4444-4a4a-9b9b-000000000004"
PUSKESMAS = {"kode_data": "2027-DINKES-001", "nama_data": "Jumlah Puskesmas"}
BIDAN = {"kode_data": "2027-DINKES-002", "nama_data": "Jumlah Bidan"}
LABEL = "2027-DINKES-001 “Jumlah Puskesmas”"


def _event(action: str, target_type: str = "item", target_id: str | None = ROW_A,
           before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """An event as ``satudata_cycle_events`` gives it."""
    return {
        "id": extra.pop("id", "e-" + action),
        "cycle_id": CYCLE,
        "user_id": extra.pop("user_id", "u-1"),
        "user": "walidata",
        "user_display": "Walidata Diskominfo",
        "timestamp": extra.pop("timestamp", "2026-09-01T03:00:00"),
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "before": before,
        "after": after,
    }


#: one event of each action, shaped as its ``record`` call writes it
SAMPLES: dict[str, dict[str, Any]] = {
    EventAction.CYCLE_CREATE: _event(
        "cycle_create", "cycle", CYCLE, after={"tahun": 2027, "judul": "X"}),
    EventAction.CYCLE_FINISH: _event(
        "cycle_finish", "cycle", CYCLE, before={"tahun": 2027, "status": "berjalan"},
        after={"tahun": 2027, "status": "selesai"}),
    EventAction.STEP_START: _event(
        "step_start", "step", "4", before={"number": 4, "state": "belum"},
        after={"number": 4, "state": "berjalan", "due_date": "2026-10-12",
               "note": None}),
    EventAction.STEP_COMPLETE: _event(
        "step_complete", "step", "1", before={"number": 1, "state": "berjalan"},
        after={"number": 1, "state": "selesai", "note": "Lengkap"}),
    EventAction.ITEM_CREATE: _event("item_create", after={**PUSKESMAS}),
    EventAction.ITEM_UPDATE: _event(
        "item_update", before={**PUSKESMAS, "satuan": "unit", "revision": 1},
        after={**PUSKESMAS, "satuan": "unit kerja", "revision": 2}),
    EventAction.ITEM_DELETE: _event(
        "item_delete", before={**PUSKESMAS, "state": "active"},
        after={**PUSKESMAS, "state": "deleted"}),
    EventAction.ITEM_IMPORT: _event("item_import", after={**PUSKESMAS}),
    EventAction.ITEM_CARRY_OVER: _event(
        "item_carry_over", after={**PUSKESMAS, "dari_tahun": 2026}),
    EventAction.ITEM_REVIEW: _event(
        "item_review", before={**PUSKESMAS, "hasil": None},
        after={**PUSKESMAS, "hasil": "perbaikan"}),
    EventAction.ITEM_AGREE: _event(
        "item_agree", before={**PUSKESMAS, "disepakati": None},
        after={**PUSKESMAS, "disepakati": True}),
    EventAction.DUPLICATE_IGNORE: _event(
        "duplicate_ignore", after={"item_a": ROW_A, "item_b": ROW_B}),
    EventAction.RECOMMENDATION_CREATE: _event(
        "recommendation_create", "cycle", CYCLE,
        after={"isi": "Tambahkan data stunting", "step": 2, "recommendation": "r1"}),
    EventAction.DOCUMENT_UPDATE: _event(
        "document_update", "document", "ba_desk",
        after={"nomor": DOC_NUMBERS["ba_desk"], "tanggal": "2026-09-01"}),
    EventAction.DOCUMENT_UPLOAD: _event(
        "document_upload", "document", "sk", before={"file": None},
        after={"file": "sk-2027.pdf", "nomor": DOC_NUMBERS["sk"]}),
    EventAction.SK_PUBLISH: _event(
        "sk_publish", "document", "sk", before={"published": False},
        after={"nomor": DOC_NUMBERS["sk"], "published": True}),
    EventAction.SK_RESEND: _event("sk_resend", "document", "sk"),
    EventAction.PROVISION_RUN: _event(
        "provision_run", "cycle", CYCLE,
        after={"created": 40, "updated": 2, "failed": 1, "removed": 0}),
    **{
        action: _event(action, "dataset", PACKAGE_ID, before={"status": before},
                       after={"status": status, **PUSKESMAS, **extra})
        for action, before, status, extra in (
            (EventAction.DATASET_FILL, "kosong", "diisi", {}),
            (EventAction.DATASET_EMPTY, "diisi", "kosong", {}),
            (EventAction.DATASET_SUBMIT, "diisi", "diajukan", {}),
            (EventAction.DATASET_RETURN, "diajukan", "perbaikan",
             {"catatan": "Kecamatan Barat belum ada"}),
            (EventAction.DATASET_ACCEPT, "diajukan", "diterima",
             {"public": False, "sifat_akses": "terbatas"}),
            (EventAction.DATASET_CHANGE, "diterima", "diisi", {"public": True}),
        )
    },
    EventAction.TABLE_REDESIGN: _event(
        "table_redesign", "dataset", PACKAGE_ID,
        after={**PUSKESMAS, "kept": 3,
               "removed": [{"record": {"periode": "01"}, "columns": []}]}),
}

SK = DOC_NUMBERS["sk"]
BA = DOC_NUMBERS["ba_desk"]
#: action → (Indonesian, English) summary of its sample
TEXTS: dict[str, tuple[str, str]] = {
    "cycle_create": ("Siklus perencanaan 2027 dibuka", "Planning cycle 2027 opened"),
    "cycle_finish": (
        "Siklus perencanaan 2027 selesai: kesepuluh langkah telah dilaksanakan",
        "Planning cycle 2027 finished: all ten steps are done"),
    "step_start": (
        "Langkah 4 (Desk pra forum: verifikasi dan validasi Daftar Data) dimulai, "
        "batas waktu 12 Oktober 2026",
        "Step 4 (Desk pra forum: verify and validate the data list) started, "
        "due October 12, 2026"),
    "step_complete": (
        "Langkah 1 (Menyusun Daftar Data) diselesaikan. Catatan: Lengkap",
        "Step 1 (Compile the data list) completed. Note: Lengkap"),
    "item_create": (f"Butir data {LABEL} diusulkan", f"Row {LABEL} proposed"),
    "item_update": (f"Butir data {LABEL} diubah: Satuan",
                    f"Row {LABEL} changed: Unit"),
    "item_delete": (f"Butir data {LABEL} dihapus", f"Row {LABEL} deleted"),
    "item_import": (f"Butir data {LABEL} ditambahkan melalui impor berkas Excel",
                    f"Row {LABEL} imported from a spreadsheet"),
    "item_carry_over": (f"Butir data {LABEL} disalin dari Daftar Data 2026",
                        f"Row {LABEL} carried over from the 2026 list"),
    "item_review": (f"Hasil desk untuk butir data {LABEL}: Perbaikan",
                    f"Desk result for row {LABEL}: Needs revision"),
    "item_agree": (f"Butir data {LABEL} disepakati dalam Forum Satu Data",
                   f"Row {LABEL} agreed at the Forum Satu Data"),
    "duplicate_ignore": ("Dua butir data ditandai bukan duplikat satu sama lain",
                         "Two rows marked as not duplicates of each other"),
    "recommendation_create": (
        "Rekomendasi untuk seluruh Daftar Data: Tambahkan data stunting",
        "Recommendation on the whole data list: Tambahkan data stunting"),
    "document_update": (
        f"Berita Acara desk pra forum (BA desk) nomor {BA} telah disimpan",
        f"Minutes of the desk pra forum (BA desk) number {BA} saved"),
    "document_upload": (
        "PDF bertanda tangan SK tentang Daftar Data telah diunggah",
        "Signed PDF of the Decree (SK) on the Data List uploaded"),
    "sk_publish": (
        f"SK Daftar Data nomor {SK} dipublikasikan; Produsen Data diberi tahu "
        "melalui email",
        f"Decree (SK) number {SK} published; the data producers are notified "
        "by e-mail"),
    "sk_resend": (
        "Email pemberitahuan SK Daftar Data dikirim ulang kepada Produsen Data",
        "E-mails about the decree (SK) sent again to the data producers"),
    "provision_run": (
        "Dataset disiapkan di portal (langkah 10): 40 dibuat, 2 diperbarui, "
        "1 gagal",
        "Datasets prepared in the portal (step 10): 40 created, 2 updated, "
        "1 failed"),
    "dataset_fill": (f"Dataset {LABEL} mulai diisi data",
                     f"Dataset {LABEL} received its first data"),
    "dataset_empty": (f"Dataset {LABEL} tidak lagi berisi data",
                      f"Dataset {LABEL} has no data any more"),
    "dataset_submit": (f"Dataset {LABEL} diajukan kepada Walidata untuk diperiksa",
                       f"Dataset {LABEL} submitted to the Walidata for checking"),
    "dataset_return": (
        f"Dataset {LABEL} dikembalikan kepada OPD untuk perbaikan: Kecamatan "
        "Barat belum ada",
        f"Dataset {LABEL} returned to its OPD for revision: Kecamatan Barat "
        "belum ada"),
    "dataset_accept": (f"Dataset {LABEL} diterima; tetap privat (Terbatas)",
                       f"Dataset {LABEL} accepted; it stays private (Restricted)"),
    "dataset_change": (
        f"Data dataset {LABEL} berubah setelah diterima: menunggu pemeriksaan "
        "Walidata lagi",
        f"Data of dataset {LABEL} changed after its acceptance: it waits for the "
        "Walidata again"),
    "table_redesign": (
        f"Tabel data dataset {LABEL} dirancang ulang setelah butirnya berubah: "
        "3 rekaman dipertahankan, 1 dihapus",
        f"Data table of dataset {LABEL} redesigned after its row changed: "
        "3 records kept, 1 removed"),
}


@pytest.fixture
def in_lang(app):
    """``in_lang("en")``: a request in that language (``id`` is the site's)."""
    contexts: list[Any] = []

    def enter(lang: str) -> None:
        ctx = app.flask_app.test_request_context(environ_base={"CKAN_LANG": lang})
        ctx.push()
        contexts.append(ctx)

    yield enter
    for ctx in reversed(contexts):
        ctx.pop()


# --- the one list ------------------------------------------------------------------


def _source_files() -> Iterator[pathlib.Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" not in path.relative_to(PACKAGE).parts:
            yield path


def _action_value(node: ast.expr, where: str) -> str | None:
    """The action name a call passes: ``EventAction.X`` or a literal (an
    error: the call sites name their action from the list). ``None``: a
    variable passed through (``record``'s own callers)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id == "EventAction":
        return getattr(EventAction, node.attr)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        pytest.fail(f"{where}: the action {node.value!r} is a literal, "
                    "not a name of EventAction")
    return None


def recorded_actions() -> dict[str, list[str]]:
    """Action name → where the source writes it (``path:line``)."""
    found: dict[str, list[str]] = {}
    for path in _source_files():
        source = path.read_text()
        rel = path.relative_to(PACKAGE.parent.parent)
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(
                func, "id", None)
            if name not in WRITERS:
                continue
            where = f"{rel}:{node.lineno}"
            values = [k.value for k in node.keywords if k.arg == "action"]
            position = WRITERS[name]
            if position is not None and len(node.args) > position:
                values.append(node.args[position])
            for value in values:
                action = _action_value(value, where)
                if action is not None:
                    found.setdefault(action, []).append(where)
        # an ``action="..."`` keyword of any other call, e.g. a new writer
        for match in re.finditer(r"[(,]\s*action=[\"']([a-z]+_[a-z_]+)[\"']", source):
            line = source.count("\n", 0, match.start()) + 1
            found.setdefault(match.group(1), []).append(f"{rel}:{line}")
    return found


def test_the_source_records_exactly_the_listed_actions():
    found = recorded_actions()
    # the scan sees the writers it should: 4 in workflow, the rows', documents'...
    assert sum(len(w) for w in found.values()) >= len(ACTIONS)
    unlisted = {a: w for a, w in found.items() if a not in ACTIONS}
    assert not unlisted, f"recorded but not in EventAction: {unlisted}"
    assert set(ACTIONS) <= set(found), (
        f"listed but never recorded: {set(ACTIONS) - set(found)}")
    assert set(ITEM_ACTIONS) <= set(ACTIONS)
    assert len(set(ACTIONS)) == len(ACTIONS)


def test_every_recorded_action_has_a_summary_of_its_own():
    for action in (*ACTIONS, *recorded_actions()):
        assert action in audit._SUMMARIES, f"{action} has no dashboard summary"
        assert action in SAMPLES and action in TEXTS, f"{action} has no test sample"


def test_a_literal_action_is_refused_by_the_scan():
    """The scan itself can fail: a literal action name is caught."""
    call = ast.parse('Event.record(None, action="item_split")').body[0].value
    with pytest.raises(pytest.fail.Exception, match="item_split"):
        _action_value(call.keywords[0].value, "x.py:1")


# --- the sentences -----------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_summary_in_both_languages(in_lang, action, lang):
    in_lang(lang)
    text = helpers.satudata_event_summary(SAMPLES[action])
    assert text == TEXTS[action][0 if lang == "id" else 1]
    assert action not in text and not UUID.search(text)


def test_the_site_language_is_indonesian(app):
    with app.flask_app.test_request_context():
        text = helpers.satudata_event_summary(SAMPLES["item_create"])
    assert text == TEXTS["item_create"][0]


@pytest.mark.parametrize("action", ITEM_ACTIONS)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_rows_history_has_a_sentence_for_each_row_action(in_lang, action, lang):
    in_lang(lang)
    text = helpers.satudata_item_event_summary(SAMPLES[action])
    assert text
    assert not text.startswith(("Tercatat", "Recorded")), text
    assert action not in text and not UUID.search(text)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_row_history_texts(in_lang, lang):
    in_lang(lang)
    s = helpers.satudata_item_event_summary
    imported = SAMPLES["item_import"]
    updated = {**imported, "before": {**PUSKESMAS, "satuan": "unit"}}
    not_agreed = {**SAMPLES["item_agree"], "after": {"disepakati": False}}
    if lang == "id":
        assert s(imported) == "Diimpor dari berkas Excel"
        assert s(updated) == "Diperbarui melalui impor berkas Excel"
        assert s(SAMPLES["item_agree"]) == "Disepakati dalam Forum Satu Data"
        assert s(not_agreed) == "Tidak disepakati dalam Forum Satu Data"
        assert s(SAMPLES["item_update"]) == "Diubah: Satuan"
    else:
        assert s(imported) == "Imported from a spreadsheet"
        assert s(updated) == "Updated from a spreadsheet"
        assert s(SAMPLES["item_agree"]) == "Agreed at the Forum Satu Data"
        assert s(not_agreed) == "Not agreed at the Forum Satu Data"
        assert s(SAMPLES["item_update"]) == "Changed: Unit"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_an_unknown_action_reads_without_ids(in_lang, lang):
    in_lang(lang)
    named = _event("item_split", after={**PUSKESMAS})
    bare = _event("item_split", after={"other": ROW_B})
    step = _event("step_reopen", "step", "4")
    cycle = _event("cycle_archive", "cycle", CYCLE)
    texts = [helpers.satudata_event_summary(e) for e in (named, bare, step, cycle)]
    texts.append(helpers.satudata_item_event_summary(bare))
    if lang == "id":
        assert texts == [
            f"Tercatat: item split (butir data {LABEL})",
            "Tercatat: item split (sebuah butir data)",
            "Tercatat: step reopen (langkah 4 (Desk pra forum: verifikasi dan "
            "validasi Daftar Data))",
            "Tercatat: cycle archive",
            "Tercatat: item split",
        ]
    else:
        assert texts[0] == f"Recorded: item split (row {LABEL})"
        assert texts[1] == "Recorded: item split (a row)"
        assert texts[3:] == ["Recorded: cycle archive", "Recorded: item split"]
    assert not any(UUID.search(t) for t in texts)


# --- a page of events ----------------------------------------------------------------


def _page() -> list[dict[str, Any]]:
    """A dashboard page, newest first: a resend, a duplicate pair, a
    recommendation on a row, a forum decision and an import of three rows."""
    t1, t2, t3 = (f"2026-09-0{d}T03:00:00" for d in (1, 2, 3))
    imported = [
        _event("item_import", target_id=f"row-{n}", id=f"imp-{n}", timestamp=t1,
               before=({**BIDAN} if n == 2 else None),
               after={"kode_data": f"2027-DINKES-00{n}", "nama_data": f"Data {n}"})
        for n in (1, 2, 3)
    ]
    agreed = [
        _event("item_agree", target_id=f"row-{n}", id=f"agr-{n}", timestamp=t2,
               after={"kode_data": f"2027-DINKES-00{n}", "nama_data": f"Data {n}",
                      "disepakati": True})
        for n in (1, 3)
    ]
    return [
        _event("sk_resend", "document", "sk", id="resend", timestamp=t3),
        _event("sk_publish", "document", "sk", id="pub", timestamp=t3,
               after={"nomor": SK, "published": True}),
        _event("duplicate_ignore", target_id="row-1", id="dup", timestamp=t3,
               after={"item_a": "row-1", "item_b": "row-3"}),
        _event("recommendation_create", target_id="row-2", id="rec", timestamp=t3,
               after={"isi": "Perjelas definisi " + "x" * 200, "step": 2}),
        *agreed,
        _event("item_agree", target_id="row-2", id="agr-2", timestamp=t2,
               after={"kode_data": "2027-DINKES-002", "nama_data": "Data 2",
                      "disepakati": False}),
        *imported,
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_page_lines_batch_counts_names_and_sk_number(in_lang, lang):
    in_lang(lang)
    lines = helpers.satudata_event_lines(_page())
    texts = [line["summary"] for line in lines]
    assert [line["count"] for line in lines] == [1, 1, 1, 1, 2, 1, 3]
    assert all(line["user_display"] == "Walidata Diskominfo" for line in lines)
    assert lines[0]["timestamp"] == "2026-09-03T03:00:00"
    if lang == "id":
        assert texts[0] == (f"Email pemberitahuan SK Daftar Data nomor {SK} dikirim "
                            "ulang kepada Produsen Data")
        assert texts[2] == ("Butir data 2027-DINKES-001 “Data 1” dan 2027-DINKES-003 "
                            "“Data 3” ditandai bukan duplikat satu sama lain")
        assert texts[3].startswith(
            "Rekomendasi untuk butir data 2027-DINKES-002 “Data 2”: Perjelas definisi")
        assert texts[4] == "2 butir data disepakati dalam Forum Satu Data"
        assert texts[5] == ("Butir data 2027-DINKES-002 “Data 2” tidak disepakati "
                            "dalam Forum Satu Data")
        assert texts[6] == ("3 butir data diimpor dari berkas Excel: 2 baru, "
                            "1 diperbarui")
    else:
        assert texts[0] == (f"E-mails about decree (SK) number {SK} sent again to "
                            "the data producers")
        assert texts[4] == "2 rows agreed at the Forum Satu Data"
        assert texts[6] == "3 rows imported from a spreadsheet: 2 new, 1 updated"
    assert len(texts[3]) < 200 and texts[3].endswith("…")  # one line
    assert not any(UUID.search(t) or "_" in t for t in texts)


def test_batches_split_by_user_time_and_decision(in_lang):
    in_lang("en")
    a = _event("item_carry_over", "item", "r1", after={**PUSKESMAS, "dari_tahun": 2026})
    b = _event("item_carry_over", "item", "r2", after={**BIDAN, "dari_tahun": 2026})
    other_user = {**b, "user_id": "u-2"}
    lines = helpers.satudata_event_lines([a, b, other_user])
    assert [line["summary"] for line in lines] == [
        "2 rows carried over from the 2026 list",
        "Row 2027-DINKES-002 “Jumlah Bidan” carried over from the 2026 list",
    ]
    # two single events of different kinds never merge
    create = SAMPLES["item_create"]
    assert len(helpers.satudata_event_lines([create, create])) == 2


# --- the dashboard -------------------------------------------------------------------


def test_the_dashboard_of_a_walked_cycle_reads_as_sentences(app, actors, call_as,
                                                             storage):
    cycle = seeded_cycle(call_as, actors, 8)
    login(app, actors.walidata)
    res = app.get("/perencanaan/2027")
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    table = body[body.index("satudata-events"):]
    table = table[: table.index("</table>")]
    cells = re.findall(r"<td>(.*?)</td>", table, re.S)
    whats = [c.strip() for c in cells[2::3]]
    assert whats, "the audit trail is empty"
    for action in ACTIONS:
        assert action not in table, f"raw action name {action} on the dashboard"
    assert not UUID.search(table)
    assert cycle["id"] not in table
    assert "Siklus perencanaan 2027 dibuka" in whats
    assert ("Langkah 8 (Menyusun SK Daftar Data Kota Pekalongan) diselesaikan"
            in whats)
    assert "PDF bertanda tangan SK tentang Daftar Data telah diunggah" in whats
    assert (f"SK tentang Daftar Data nomor {SK} telah disimpan") in whats
    assert "3 butir data disepakati dalam Forum Satu Data" in whats
    assert any(w.startswith("Hasil desk untuk butir data ") for w in whats)
    assert any(re.fullmatch(r"Butir data \S+ “Jumlah Puskesmas” diusulkan", w)
               for w in whats)


def test_events_carry_the_names_they_are_shown_by(app, actors, call_as, in_lang):
    """A recommendation on a row, a pair marked not duplicate and an SK resent
    name their rows and number from the event itself, whatever else the page
    holds (here: only that event)."""
    import ckan.model as model

    from ckanext.satudata_planning.model import Cycle
    from ckanext.satudata_planning.tests.factories import add_item

    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    a = add_item(cycle["id"], "dinkes", **PUSKESMAS)
    b = add_item(cycle["id"], "dinkes", **BIDAN)
    Cycle.get(2027).current_step = 4
    model.Session.commit()
    call_as("satudata_recommendation_create", actors.pembina, cycle_id=2027,
            item_id=a.id, isi="Pisahkan per kecamatan")
    call_as("satudata_duplicate_ignore", actors.walidata, cycle_id=2027,
            item_a=a.id, item_b=b.id)
    events = call_as("satudata_cycle_events", actors.walidata, id=2027, limit=2)
    in_lang("id")
    texts = [helpers.satudata_event_summary(e) for e in events]
    labels = {a.id: LABEL, b.id: "2027-DINKES-002 “Jumlah Bidan”"}
    first, second = (labels[i] for i in sorted(labels))  # the pair, in id order
    assert texts == [
        f"Butir data {first} dan {second} ditandai bukan duplikat satu sama lain",
        f"Rekomendasi untuk butir data {LABEL}: Pisahkan per kecamatan",
    ]
    resent = _event("sk_resend", "document", "sk", after={"nomor": SK})
    assert helpers.satudata_event_summary(resent) == (
        f"Email pemberitahuan SK Daftar Data nomor {SK} dikirim ulang kepada "
        "Produsen Data"
    )


def test_a_large_import_is_one_line_with_its_whole_count(
    app, actors, call_as, in_lang
):
    """An import of more rows than the dashboard shows events is one line that
    counts all of them, and the events before it still have their lines."""
    from ckanext.satudata_planning.tests.factories import workbook

    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    first = workbook([
        {"nama_data": f"Data {n}", "organization": "dinkes"} for n in range(70)
    ])
    call_as("satudata_item_import", actors.produsen, cycle_id=2027, upload=first)
    exported = workbook(
        [{"nama_data": "Data 0 (ubah)", "organization": "dinkes",
          "kode_data": "2027-DINKES-001"}]
        + [{"nama_data": f"Data baru {n}", "organization": "dinkes"}
           for n in range(2)]
    )
    call_as("satudata_item_import", actors.produsen, cycle_id=2027, upload=exported)

    lines = call_as("satudata_cycle_events", actors.walidata, id=2027, limit=3,
                    batched=True)
    assert [(e["action"], e.get("batch")) for e in lines] == [
        ("item_import", {"count": 3, "created": 2}),
        ("item_import", {"count": 70, "created": 70}),
        ("step_start", None),
    ]
    # without batched: the events one by one, as before
    raw = call_as("satudata_cycle_events", actors.walidata, id=2027, limit=3)
    assert [e["action"] for e in raw] == ["item_import"] * 3
    assert all("batch" not in e for e in raw)

    login(app, actors.walidata)
    body = app.get("/perencanaan/2027").get_data(as_text=True)
    assert "70 butir data diimpor dari berkas Excel: 70 baru, 0 diperbarui" in body
    assert "3 butir data diimpor dari berkas Excel: 2 baru, 1 diperbarui" in body
    assert "Siklus perencanaan 2027 dibuka" in body
