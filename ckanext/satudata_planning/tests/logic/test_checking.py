"""After step 10: the OPD fills and submits, the Walidata returns or accepts,
and only acceptance publishes (``satudata_dataset_submit``,
``satudata_dataset_review``, ``satudata_verification_list``/``_show``), with
the e-mails going over a real local SMTP server."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa

from ckanext.satudata_planning.model import DatasetCheck, Event, Item
from ckanext.satudata_planning.tests.factories import (
    add_sk,
    agreed_rows,
    cycle_at_step_10,
)
from ckanext.satudata_planning.tests.smtp import body

pytestmark = pytest.mark.usefixtures("with_plugins", "with_request_context")


@dataclass
class Provisioned:
    """The 2027 cycle at step 10 with three datasets made by step 10."""

    cycle: dict[str, Any]
    terbuka: str  # dinkes, sifat_akses terbuka
    terbatas: str  # dinkes, sifat_akses terbatas
    dinsos: str  # dinsos, no sifat_akses


def package_of(item: Item) -> str:
    model.Session.expire_all()
    row = model.Session.get(Item, item.id)
    assert row is not None and row.package_id
    return row.package_id


@pytest.fixture
def world(actors: Any, call_as: Any) -> Provisioned:
    cycle = cycle_at_step_10(actors.walidata)
    add_sk(cycle["id"])
    terbuka, = agreed_rows(cycle["id"], "dinkes", 1, sifat_akses="terbuka")
    terbatas, = agreed_rows(cycle["id"], "dinkes", 1, prefix="2027-DINKES-T",
                            sifat_akses="terbatas")
    dinsos, = agreed_rows(cycle["id"], "dinsos", 1)
    call_as("satudata_provision", actors.walidata, cycle_id=cycle["id"])
    return Provisioned(cycle, package_of(terbuka), package_of(terbatas),
                       package_of(dinsos))


def fill(call_as: Any, user: Any, package_id: str, name: str = "Data 2027") -> dict:
    return call_as("resource_create", user, package_id=package_id, name=name,
                   url="http://example.com/data.csv", format="CSV")


def private(package_id: str) -> bool:
    model.Session.expire_all()
    pkg = model.Package.get(package_id)
    assert pkg is not None
    return bool(pkg.private)


def events(package_id: str) -> list[tuple[str, dict]]:
    rows = model.Session.execute(
        sa.select(Event.action, Event.after).where(
            Event.target_type == "dataset", Event.target_id == package_id
        ).order_by(Event.seq)
    ).all()
    return [(a, after) for a, after in rows]


def status(call_as: Any, actors: Any, package_id: str) -> str:
    return call_as("satudata_verification_show", actors.walidata,
                   id=package_id)["status"]


# --- read access -----------------------------------------------------------------


def test_walidata_and_pembina_read_private_provisioned_datasets(actors, world,
                                                                 call_as):
    assert private(world.terbuka)
    for reader in (actors.walidata, actors.pembina, actors.produsen):
        shown = call_as("package_show", reader, id=world.terbuka)
        assert shown["id"] == world.terbuka
        found = call_as("package_search", reader, fq="organization:dinkes",
                        include_private=True)
        assert found["count"] == 2, reader["name"]
        assert {d["id"] for d in found["results"]} == {world.terbuka, world.terbatas}
    everything = call_as("package_search", actors.walidata, include_private=True)
    assert everything["count"] == 3
    # members of another OPD, and anonymous visitors, see nothing private
    for outsider in (actors.produsen_lain, actors.sekretariat, None):
        with pytest.raises(tk.NotAuthorized):
            call_as("package_show", outsider, id=world.terbuka)
        found = call_as("package_search", outsider, fq="organization:dinkes",
                        include_private=True)
        assert found["count"] == 0
    assert call_as("package_search", actors.produsen_lain,
                   include_private=True)["count"] == 1  # its own dinsos dataset


def test_a_dataset_naming_a_row_it_was_not_made_for_is_not_the_lists(
        actors, world, call_as):
    """Typing a row's id into a dataset of one's own makes it no dataset of the
    Daftar Data: the guard does not lock it and it is not checked (the row
    names its own dataset); it only opens itself to the checkers' reading."""
    item_id = model.Session.execute(
        sa.select(Item.id).where(Item.package_id == world.dinsos)).scalar_one()
    own = call_as("package_create", actors.produsen, name="tiruan",
                  title="Tiruan", owner_org="dinkes", private=True,
                  satudata_item_id=item_id)
    with pytest.raises(tk.ValidationError):
        call_as("satudata_dataset_submit", actors.produsen, id=own["id"])
    call_as("package_patch", actors.produsen, id=own["id"], private=False)
    assert not private(own["id"])


# --- what the OPD may not do ---------------------------------------------------------


def _snapshot(package_id: str) -> tuple[Any, ...]:
    model.Session.expire_all()
    pkg = model.Package.get(package_id)
    assert pkg is not None
    return (pkg.private, pkg.state, pkg.owner_org, dict(pkg.extras or {}))


@pytest.mark.parametrize("change", [
    {"private": False},
    {"private": "False"},
    {"kode_data": "2027-DINKES-XXX"},
    {"tahun": 2031},
    {"nomor_sk": "1/2026"},
    {"satudata_item_id": "bukan-butir"},
    {"state": "deleted"},
    {"owner_org": "dinsos"},
])
def test_the_opd_may_not_publish_rekey_or_move_its_dataset(actors, world, call_as,
                                                           change):
    before = _snapshot(world.terbuka)
    with pytest.raises(tk.NotAuthorized) as refused:
        call_as("package_patch", actors.produsen, id=world.terbuka, **change)
    assert "Daftar Data" in str(refused.value)
    assert _snapshot(world.terbuka) == before


def test_the_opd_may_not_delete_its_dataset_but_deletes_its_resources(
        actors, world, call_as):
    before = _snapshot(world.terbuka)
    for action, data in (("package_delete", {"id": world.terbuka}),
                         ("bulk_update_delete", {"datasets": [world.terbuka],
                                                 "org_id": actors.opd["id"]}),
                         ("bulk_update_public", {"datasets": [world.terbuka],
                                                 "org_id": actors.opd["id"]})):
        with pytest.raises(tk.NotAuthorized):
            call_as(action, actors.produsen, **data)
    assert _snapshot(world.terbuka) == before
    res = fill(call_as, actors.produsen, world.terbuka)
    call_as("resource_delete", actors.produsen, id=res["id"])
    assert call_as("package_show", actors.produsen, id=world.terbuka)["resources"] == []


def test_a_full_update_that_leaves_the_keys_out_keeps_them(actors, world, call_as):
    shown = call_as("package_show", actors.produsen, id=world.terbuka)
    kept = {k: shown[k] for k in ("kode_data", "tahun", "nomor_sk", "satudata_item_id")}
    assert all(kept.values())
    data = {k: v for k, v in shown.items() if k not in kept}
    data["notes"] = "Diperbarui oleh OPD"
    call_as("package_update", actors.produsen, **data)
    after = call_as("package_show", actors.produsen, id=world.terbuka)
    assert after["notes"] == "Diperbarui oleh OPD"
    assert {k: after[k] for k in kept} == kept


def test_sysadmins_keep_cknas_powers(actors, world, call_as):
    call_as("package_patch", actors.sysadmin, id=world.terbuka, private=False,
            kode_data="2027-DINKES-BARU")
    assert not private(world.terbuka)
    call_as("package_delete", actors.sysadmin, id=world.terbuka)


# --- submitting and checking ----------------------------------------------------------


def test_submit_is_refused_while_the_dataset_is_empty(actors, world, call_as):
    with pytest.raises(tk.ValidationError) as refused:
        call_as("satudata_dataset_submit", actors.produsen, id=world.terbuka)
    assert "belum berisi data" in refused.value.error_dict["id"][0]
    assert model.Session.get(DatasetCheck, world.terbuka) is None
    assert events(world.terbuka) == []


def test_only_the_opd_submits_and_only_the_walidata_reviews(actors, world, call_as):
    fill(call_as, actors.produsen, world.terbuka)
    for outsider in (actors.produsen_lain, actors.walidata, actors.pembina,
                     actors.anggota):
        with pytest.raises(tk.NotAuthorized):
            call_as("satudata_dataset_submit", outsider, id=world.terbuka)
    call_as("satudata_dataset_submit", actors.produsen, id=world.terbuka)
    for outsider in (actors.produsen, actors.pembina, actors.sekretariat):
        with pytest.raises(tk.NotAuthorized):
            call_as("satudata_dataset_review", outsider, id=world.terbuka,
                    hasil="diterima")
    assert status(call_as, actors, world.terbuka) == "diajukan"
    assert private(world.terbuka)


def test_returning_without_a_note_is_refused(actors, world, call_as):
    fill(call_as, actors.produsen, world.terbuka)
    call_as("satudata_dataset_submit", actors.produsen, id=world.terbuka)
    for catatan in (None, "", "   "):
        data = {"catatan": catatan} if catatan is not None else {}
        with pytest.raises(tk.ValidationError) as refused:
            call_as("satudata_dataset_review", actors.walidata, id=world.terbuka,
                    hasil="perbaikan", **data)
        assert "catatan" in refused.value.error_dict
    assert status(call_as, actors, world.terbuka) == "diajukan"


def test_the_whole_loop_publishes_open_data_only(actors, world, call_as, smtp):
    # the OPD fills and submits: the Walidata is told
    fill(call_as, actors.produsen, world.terbuka)
    assert status(call_as, actors, world.terbuka) == "diisi"
    submitted = call_as("satudata_dataset_submit", actors.produsen,
                        id=world.terbuka, catatan="Data lengkap")
    assert submitted["status"] == "diajukan"
    assert (submitted["notified"], submitted["failed"]) == (1, [])
    mail = smtp.to(actors.walidata["email"])
    assert len(mail) == 1 and "2027-DINKES-001" in mail[0]["Subject"]
    assert "Data lengkap" in body(mail[0])
    queue = call_as("satudata_verification_list", actors.walidata,
                    cycle_id=2027, queued=True)
    assert [r["package_id"] for r in queue["results"]] == [world.terbuka]

    # the Walidata returns it with a note: the OPD's producers are told
    returned = call_as("satudata_dataset_review", actors.walidata, id=world.terbuka,
                       hasil="perbaikan", catatan="Kecamatan Barat belum ada")
    assert (returned["status"], returned["catatan"]) == (
        "perbaikan", "Kecamatan Barat belum ada")
    assert private(world.terbuka)
    mail = smtp.to(actors.produsen["email"])
    assert len(mail) == 1 and "Kecamatan Barat belum ada" in body(mail[0])
    assert smtp.to(actors.anggota["email"]) == []  # a member who only reads

    # the OPD sees the note, fixes its data and submits again
    todo = call_as("satudata_todo_datasets", actors.produsen, organization="dinkes")
    mine = next(d for d in todo if d["package_id"] == world.terbuka)
    assert (mine["status"], mine["catatan"], mine["may_submit"]) == (
        "perbaikan", "Kecamatan Barat belum ada", True)
    fill(call_as, actors.produsen, world.terbuka, name="Data 2027 (diperbaiki)")
    assert status(call_as, actors, world.terbuka) == "perbaikan"
    call_as("satudata_dataset_submit", actors.produsen, id=world.terbuka)

    # the Walidata accepts: the open dataset becomes public
    accepted = call_as("satudata_dataset_review", actors.walidata, id=world.terbuka,
                       hasil="diterima")
    assert (accepted["status"], accepted["private"]) == ("diterima", False)
    assert not private(world.terbuka)
    assert call_as("package_show", None, id=world.terbuka)["id"] == world.terbuka
    found = call_as("package_search", None, q="*:*")
    assert [d["id"] for d in found["results"]] == [world.terbuka]
    assert "publik" in body(smtp.to(actors.produsen["email"])[-1])

    # the history of notes, newest first
    shown = call_as("satudata_verification_show", actors.produsen, id=world.terbuka)
    assert [h["action"] for h in shown["history"]] == [
        "dataset_accept", "dataset_submit", "dataset_return", "dataset_submit",
        "dataset_fill"]
    assert shown["history"][2]["catatan"] == "Kecamatan Barat belum ada"
    assert [a for a, _after in events(world.terbuka)] == [
        "dataset_fill", "dataset_submit", "dataset_return", "dataset_submit",
        "dataset_accept"]


def test_accepted_restricted_data_stays_private(actors, world, call_as):
    fill(call_as, actors.produsen, world.terbatas)
    call_as("satudata_dataset_submit", actors.produsen, id=world.terbatas)
    accepted = call_as("satudata_dataset_review", actors.walidata,
                       id=world.terbatas, hasil="diterima")
    assert (accepted["status"], accepted["private"]) == ("diterima", True)
    assert private(world.terbatas)
    with pytest.raises(tk.NotAuthorized):
        call_as("package_show", None, id=world.terbatas)
    assert call_as("package_search", None, q="*:*")["count"] == 0


def test_a_change_to_accepted_data_puts_it_back_in_the_queue(actors, world, call_as):
    res = fill(call_as, actors.produsen, world.terbuka)
    call_as("satudata_dataset_submit", actors.produsen, id=world.terbuka)
    call_as("satudata_dataset_review", actors.walidata, id=world.terbuka,
            hasil="diterima")
    # a metadata edit is no change to the data
    call_as("package_patch", actors.produsen, id=world.terbuka, notes="Uraian baru")
    assert status(call_as, actors, world.terbuka) == "diterima"
    call_as("resource_patch", actors.produsen, id=res["id"],
            url="http://example.com/data-v2.csv")
    shown = call_as("satudata_verification_show", actors.walidata, id=world.terbuka)
    assert (shown["status"], shown["queued"], shown["private"]) == (
        "diisi", True, False)  # public stays public until the Walidata decides
    assert events(world.terbuka)[-1][0] == "dataset_change"
    queue = call_as("satudata_verification_list", actors.walidata, queued=True)
    assert [r["package_id"] for r in queue["results"]] == [world.terbuka]
    # the Walidata decides on the changed data without a new submission
    call_as("satudata_dataset_review", actors.walidata, id=world.terbuka,
            hasil="perbaikan", catatan="Versi 2 salah")
    assert private(world.terbuka)  # withdrawn until accepted again


def test_the_opd_lists_its_own_datasets_and_the_walidata_all(actors, world,
                                                              call_as):
    fill(call_as, actors.produsen_lain, world.dinsos)
    call_as("satudata_dataset_submit", actors.produsen_lain, id=world.dinsos)
    listed = call_as("satudata_verification_list", actors.walidata, cycle_id=2027)
    assert listed["count"] == 3
    assert listed["results"][0]["package_id"] == world.dinsos  # queued first
    assert listed["counts"]["diajukan"] == 1 and listed["counts"]["kosong"] == 2
    for who, expected in ((actors.produsen, 2), (actors.produsen_lain, 1),
                          (actors.pembina, 3), (actors.sekretariat, 0),
                          (actors.anggota, 2)):
        assert call_as("satudata_verification_list", who)["count"] == expected
    paged = call_as("satudata_verification_list", actors.walidata, limit=1,
                    offset=1, organization="dinkes")
    assert (paged["count"], len(paged["results"])) == (2, 1)
    only = call_as("satudata_verification_list", actors.walidata, status="kosong",
                   q="T-001")
    assert [r["package_id"] for r in only["results"]] == [world.terbatas]
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_verification_show", actors.produsen_lain, id=world.terbuka)


def test_failed_mails_are_plain_lines(actors, world, call_as, smtp):
    smtp.refuse.add(actors.walidata["email"])
    fill(call_as, actors.produsen, world.terbuka)
    result = call_as("satudata_dataset_submit", actors.produsen, id=world.terbuka)
    assert result["notified"] == 0
    assert len(result["failed"]) == 1
    line = result["failed"][0]
    assert actors.walidata["fullname"] in line and "550" not in line
    assert status(call_as, actors, world.terbuka) == "diajukan"  # the decision stands


def test_a_dataset_not_made_in_step_10_is_not_checked(actors, world, call_as):
    own = call_as("package_create", actors.produsen, name="sendiri", title="Sendiri",
                  owner_org="dinkes")
    with pytest.raises(tk.ValidationError):
        call_as("satudata_dataset_submit", actors.produsen, id=own["id"])
    with pytest.raises(tk.ObjectNotFound):
        call_as("satudata_dataset_submit", actors.produsen, id="tidak-ada")


def test_mails_go_to_each_member_once_and_never_to_the_site_user(
        actors, world, call_as, smtp):
    """Submitting mails every editor and admin of the Walidata's organization
    once; CKAN's own site user is never addressed, even as a member."""
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    site_user = model.User.get(site["name"])
    assert site_user is not None
    site_user.email = "site@portal.example"
    second = call_as("user_create", actors.sysadmin, name="walidata_dua",
                     email="dua@diskominfo.example", password="Pekalongan2026!")
    for name in (site["name"], second["name"]):
        call_as("organization_member_create", actors.sysadmin, id="diskominfo",
                username=name, role="admin")
    model.Session.commit()
    fill(call_as, actors.produsen, world.terbuka)
    result = call_as("satudata_dataset_submit", actors.produsen, id=world.terbuka)
    assert (result["notified"], result["failed"]) == (2, [])
    assert [rcpt for rcpt, _m in smtp.messages] == [
        [actors.walidata["email"]], ["dua@diskominfo.example"]]
    assert smtp.to("site@portal.example") == []
