"""Step 9: publishing the SK, the e-mails to every Produsen Data (through a
real SMTP conversation with a tiny local server), gate 9, resend and the CLI."""
from __future__ import annotations

import email.header
from email.message import Message

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest

from ckanext.satudata_planning.model import Cycle, Document, Event
from ckanext.satudata_planning.tests.factories import (
    DOC_NUMBERS,
    SCRIPT_NAME,
    seeded_cycle,
)
from ckanext.satudata_planning.tests.smtp import body as _body
from ckanext.satudata_planning.workflow import gates

pytestmark = pytest.mark.usefixtures("with_request_context")


def _producers(actors) -> dict[str, str]:
    return {"dinkes": actors.produsen["email"], "dinsos": actors.produsen_lain["email"]}


# --- publishing ------------------------------------------------------------------

def test_publish_sets_the_flags_and_mails_each_producer_its_own_rows(
        actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 8)
    result = call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    emails = _producers(actors)
    # every editor/admin of dinkes and dinsos, once each
    assert result["failed"] == [] or all(
        f["user"] not in (actors.produsen["name"], actors.produsen_lain["name"])
        for f in result["failed"])
    dinkes = smtp.to(emails["dinkes"])
    dinsos = smtp.to(emails["dinsos"])
    assert len(dinkes) == 1 and len(dinsos) == 1
    assert result["notified"] == len(smtp.messages)
    assert all(len(rcpt) == 1 for rcpt, _m in smtp.messages)  # one e-mail each
    # nobody outside the producers of agreed rows: the member of dinkes, the
    # Pembina, the Sekretariat get nothing
    for outsider in (actors.anggota, actors.pembina, actors.sekretariat):
        assert smtp.to(outsider["email"]) == []

    text = _body(dinkes[0])
    assert "Jumlah Puskesmas" in text and SCRIPT_NAME in text
    assert "Jumlah Penerima Bansos" not in text
    assert "/perencanaan/2027" in text and DOC_NUMBERS["sk"] in text
    assert "Tahunan" in text  # frekuensi, labelled
    assert "Data Ditolak Dinkes" not in text
    other = _body(dinsos[0])
    assert "Jumlah Penerima Bansos" in other
    assert "Jumlah Puskesmas" not in other
    assert "Data Tidak Disepakati Dinsos" not in other
    subject = str(email.header.make_header(email.header.decode_header(
        dinkes[0]["Subject"])))
    assert "SK Daftar Data Tahun 2027" in subject and DOC_NUMBERS["sk"] in subject

    model.Session.expire_all()
    cycle = Cycle.get(2027)
    assert cycle.published is True
    sk = Document.get(cycle.id, "sk")
    assert sk.published is True and sk.published_at is not None
    assert model.Session.query(Event).filter_by(action="sk_publish").count() == 1


def _subject(message: Message) -> str:
    """The decoded subject, header folding undone."""
    return " ".join(str(email.header.make_header(email.header.decode_header(
        message["Subject"]))).split())


def test_the_email_is_written_in_indonesian_by_default(actors, call_as, storage,
                                                       smtp):
    """ckan.locale_default = id: every sentence comes from the catalogue."""
    seeded_cycle(call_as, actors, 8)
    call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    message = smtp.to(actors.produsen["email"])[0]
    text = _body(message)
    assert text.startswith("Yth. Operator Dinkes,\n")
    assert ("Keputusan Perencanaan Daftar Data Kota Pekalongan Tahun 2027 telah "
            "ditetapkan dan dipublikasikan dengan Nomor "
            f"{DOC_NUMBERS['sk']} tanggal 15 September 2026.") in text
    assert "SK dan Daftar Data yang disepakati dapat dilihat dan diunduh di:" in text
    assert "Berikut butir data yang menjadi tanggung jawab perangkat daerah" in text
    assert "Dinas Kesehatan (2 butir)" in text
    # plain text, not HTML: the name is sent as typed, never entity-escaped
    assert f"| {SCRIPT_NAME} | Frekuensi: Tahunan | Jadwal rilis: 15 Maret 2027" \
        in text
    assert "&lt;" not in text
    assert "Mohon data tersebut dikumpulkan" in text and "Terima kasih." in text
    for english in ("Dear", "decree", "Frequency", "Release", "Thank you", "items"):
        assert english not in text
    assert _subject(message) == (
        f"SK Daftar Data Tahun 2027 Nomor {DOC_NUMBERS['sk']} telah dipublikasikan")


def test_the_email_is_written_in_english_on_an_english_site(
        actors, call_as, storage, smtp, monkeypatch):
    """The site's language, not the publisher's request: English msgids,
    English labels and dates when ckan.locale_default = en."""
    seeded_cycle(call_as, actors, 8)
    monkeypatch.setitem(tk.config, "ckan.locale_default", "en")
    call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    message = smtp.to(actors.produsen["email"])[0]
    text = _body(message)
    assert text.startswith("Dear Operator Dinkes,\n")
    assert ("has been adopted and published as number "
            f"{DOC_NUMBERS['sk']} of September 15, 2026.") in text
    assert "Dinas Kesehatan (2 items)" in text
    assert "| Jumlah Puskesmas | Frequency: Yearly | Release: February 15, 2027" \
        in text
    assert "Thank you." in text
    for indonesian in ("Yth.", "Keputusan", "Frekuensi", "butir", "Mohon",
                       "Terima kasih"):
        assert indonesian not in text
    assert _subject(message) == (
        f"Decree (SK) on the Data List 2027 number {DOC_NUMBERS['sk']} published")


def test_the_cli_resend_mails_in_the_site_language_outside_a_request(
        actors, call_as, storage, smtp):
    """``ckan satudata resend-sk`` has no request: the e-mail is still
    translated (CKAN's own request context is borrowed)."""
    import flask

    from ckanext.satudata_planning.logic.action import publish

    seeded_cycle(call_as, actors, 8)
    call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    cycle = Cycle.get(2027)
    user = model.User.by_name(actors.produsen["name"])
    sk = Document.get(cycle.id, "sk")
    rows = dict((u.name, r) for u, r in publish.producer_recipients(cycle))
    ctx = flask.globals.request_ctx._get_current_object()  # the fixture's
    ctx.pop()
    try:
        assert not flask.has_request_context()
        subject, text = publish._email(cycle, sk, user, rows[user.name])
    finally:
        ctx.push()
    assert text.startswith("Yth. Operator Dinkes,\n")
    assert "Frekuensi: Tahunan" in text
    assert subject.startswith("SK Daftar Data Tahun 2027")


def test_a_failed_email_is_reported_and_publication_stands(actors, call_as, storage,
                                                           smtp):
    seeded_cycle(call_as, actors, 8)
    smtp.refuse.add(actors.produsen_lain["email"])
    result = call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    assert actors.produsen_lain["name"] in [f["user"] for f in result["failed"]]
    assert len(smtp.to(actors.produsen["email"])) == 1
    model.Session.expire_all()
    assert Cycle.get(2027).published is True


def test_no_smtp_server_publication_still_stands(actors, call_as, storage,
                                                 monkeypatch):
    seeded_cycle(call_as, actors, 8)
    monkeypatch.setitem(tk.config, "smtp.server", "127.0.0.1:1")
    result = call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    assert result["notified"] == 0 and len(result["failed"]) >= 2
    for failure in result["failed"]:  # plain sentences, not the server's words
        assert "Errno" not in failure["error"] and "SMTP" not in failure["error"]
    model.Session.expire_all()
    assert Cycle.get(2027).published is True


def test_publishing_twice_refuses_unless_resend(actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 8)
    call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    sent = len(smtp.messages)
    with pytest.raises(tk.ValidationError):
        call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    assert len(smtp.messages) == sent
    again = call_as("satudata_sk_publish", actors.walidata, cycle_id=2027,
                    resend=True)
    assert again["notified"] == sent
    assert len(smtp.messages) == 2 * sent


def test_resend_before_publication_is_refused(actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 8)
    with pytest.raises(tk.ValidationError):
        call_as("satudata_sk_publish", actors.walidata, cycle_id=2027, resend=True)
    assert Cycle.get(2027).published is False
    assert smtp.messages == []


def test_publish_is_refused_before_step_nine(actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 7)
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    assert "9" in err.value.error_dict["cycle_id"][0]
    assert Cycle.get(2027).published is False
    assert smtp.messages == []


def test_publish_needs_the_signed_sk(actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 8)
    cycle = Cycle.get(2027)
    sk = Document.get(cycle.id, "sk")
    sk.file = None
    model.Session.commit()
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    assert "PDF" in " ".join(err.value.error_dict["cycle_id"])
    model.Session.expire_all()
    assert Cycle.get(2027).published is False


@pytest.mark.parametrize("label", ["sekretariat", "pembina", "produsen", "anggota",
                                   "anonymous"])
def test_only_the_walidata_publishes(actors, call_as, storage, smtp, label):
    seeded_cycle(call_as, actors, 8)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_sk_publish", getattr(actors, label), cycle_id=2027)
    assert Cycle.get(2027).published is False


def test_sysadmin_may_publish(actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 8)
    assert call_as("satudata_sk_publish", actors.sysadmin, cycle_id=2027)["published"]


def test_sk_is_frozen_once_published(actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 8)
    call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    with pytest.raises(tk.ValidationError):
        call_as("satudata_document_update", actors.walidata, cycle_id=2027,
                jenis="sk", nomor="changed")


# --- gate 9 ------------------------------------------------------------------------

def test_gate_nine_refuses_then_passes(actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 8)
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_step_complete", actors.walidata, id=2027, step=9)
    assert gates.missing(Cycle.get(2027), 9)[0] in err.value.error_dict["step"]
    call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    cycle = call_as("satudata_step_complete", actors.walidata, id=2027, step=9)
    assert cycle["current_step"] == 10


# --- what anonymous callers read -----------------------------------------------------

def test_anonymous_reads_the_published_sk_only(actors, call_as, storage, smtp):
    seeded_cycle(call_as, actors, 8)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_document_show", None, cycle_id=2027, jenis="sk")
    call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    sk = call_as("satudata_document_show", None, cycle_id=2027, jenis="sk")
    assert sk["nomor"] == DOC_NUMBERS["sk"] and sk["has_file"]
    assert "peserta" not in sk and "penandatangan" not in sk
    for jenis in ("ba_desk", "ba_forum"):
        with pytest.raises(tk.NotAuthorized):
            call_as("satudata_document_show", None, cycle_id=2027, jenis=jenis)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_document_data", None, cycle_id=2027, jenis="sk")
    listed = call_as("satudata_item_list", None, cycle_id=2027)
    assert {i["nama_data"] for i in listed["results"]} == {
        "Jumlah Puskesmas", SCRIPT_NAME, "Jumlah Penerima Bansos"}
    # the published list carries no desk results or notes, through any action
    row = listed["results"][0]
    assert row["disepakati"] is True and row["kode_data"]
    for key in ("hasil", "catatan_desk", "catatan", "revision", "duplikat_dari"):
        assert key not in row
    shown = call_as("satudata_item_show", None, id=row["id"])
    assert shown["nama_data"] == row["nama_data"] and "hasil" not in shown


# --- the CLI -------------------------------------------------------------------------

def test_cli_resend_sk(actors, call_as, storage, smtp, cli):
    from ckan.cli.cli import ckan

    seeded_cycle(call_as, actors, 8)
    refused = cli.invoke(ckan, ["satudata", "resend-sk", "2027"])
    assert refused.exit_code == 2, refused.output
    call_as("satudata_sk_publish", actors.walidata, cycle_id=2027)
    sent = len(smtp.messages)
    result = cli.invoke(ckan, ["satudata", "resend-sk", "2027"])
    assert result.exit_code in (0, 3), result.output
    assert str(sent) in result.output
    assert len(smtp.messages) == 2 * sent
    assert cli.invoke(ckan, ["satudata", "resend-sk", "2031"]).exit_code == 1
