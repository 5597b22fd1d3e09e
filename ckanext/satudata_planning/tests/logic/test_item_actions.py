"""Daftar Data actions: who proposes, edits, deletes, reviews, recommends, when."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest

from ckanext.satudata_planning.model import Cycle, Event, Item
from ckanext.satudata_planning.sop.row_fields import FIELDS
from ckanext.satudata_planning.workflow import gates


def set_step(number: int, tahun: int = 2027) -> None:
    """Jump the cycle to ``number`` (the rules look at the current step only)."""
    c = Cycle.get(tahun)
    c.current_step = number
    model.Session.commit()


def propose(call_as, user, **data) -> dict[str, Any]:
    data.setdefault("cycle_id", 2027)
    data.setdefault("organization", "dinkes")
    data.setdefault("nama_data", "Jumlah Puskesmas")
    return call_as("satudata_item_create", user, **data)


def count_items() -> int:
    model.Session.expire_all()
    return model.Session.query(Item).filter_by(state="active").count()


# --- create -----------------------------------------------------------------------


def test_opd_proposes_with_name_and_organization_only(actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    assert item["kode_data"] == "2027-DINKES-001"
    assert item["organization"] == "dinkes"
    assert item["organization_title"] == "Dinas Kesehatan"
    assert item["revision"] == 1
    assert item["hasil"] is None and item["disepakati"] is None
    assert item["package_id"] is None
    assert item["status_usulan"] == "baru"
    assert item["tahun"] == 2027
    assert item["kategori_sumber"] == []
    assert set(f.key for f in FIELDS) <= set(item)
    second = propose(call_as, actors.produsen, nama_data="Jumlah Dokter")
    assert second["kode_data"] == "2027-DINKES-002"
    other = propose(call_as, actors.produsen_lain, organization="dinsos")
    assert other["kode_data"] == "2027-DINSOS-001"


def test_given_code_is_kept_and_must_be_unique(actors, call_as, cycle):
    item = propose(call_as, actors.produsen, kode_data="2025-DINKES-007")
    assert item["kode_data"] == "2025-DINKES-007"
    with pytest.raises(tk.ValidationError) as err:
        propose(call_as, actors.produsen, kode_data="2025-DINKES-007")
    assert "kode_data" in err.value.error_dict
    assert count_items() == 1


def test_next_code_skips_deleted_rows(actors, call_as, cycle):
    first = propose(call_as, actors.produsen)
    call_as("satudata_item_delete", actors.produsen, id=first["id"])
    assert propose(call_as, actors.produsen)["kode_data"] == "2027-DINKES-002"


@pytest.mark.parametrize("label", ["produsen_lain", "anggota", "pembina", "anonymous"])
def test_others_may_not_propose_for_an_opd(actors, call_as, cycle, label):
    with pytest.raises(tk.NotAuthorized):
        propose(call_as, getattr(actors, label))
    assert count_items() == 0


def test_all_fields_with_labels_or_slugs(actors, call_as, cycle):
    item = propose(
        call_as,
        actors.produsen,
        jenis_data="Statistik Sektoral",
        bentuk="indikator",
        kategori_sumber="SDGs; Prioritas Nasional",
        frekuensi="Tahunan",
        tingkat_penyajian="kecamatan",
        ukuran="Persentase",
        cara_pengumpulan="Survei",
        sifat_akses="Terbuka",
        status_usulan="Lama-diubah",
        jadwal_rilis="2027-03-31",
        satuan="%",
        konsep="K",
        definisi="D",
        rumus="a/b",
    )
    assert item["jenis_data"] == "statistik_sektoral"
    assert item["kategori_sumber"] == ["sdgs", "prioritas_nasional"]
    assert item["frekuensi"] == "tahunan"
    assert item["status_usulan"] == "lama_diubah"
    assert item["jadwal_rilis"] == "2027-03-31"


@pytest.mark.parametrize("field", [f.key for f in FIELDS if f.vocabulary])
def test_unknown_vocabulary_value_is_refused_on_its_field(
    actors, call_as, cycle, field
):
    with pytest.raises(tk.ValidationError) as err:
        propose(call_as, actors.produsen, **{field: "tidak-ada-nilai-ini"})
    assert list(err.value.error_dict) == [field]
    assert count_items() == 0


@pytest.mark.parametrize("missing", ["nama_data", "organization"])
def test_name_and_organization_are_required(actors, call_as, cycle, missing):
    data = {"cycle_id": 2027, "organization": "dinkes", "nama_data": "X"}
    del data[missing]
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_create", actors.walidata, **data)
    assert missing in err.value.error_dict


def test_unknown_organization_and_wrong_year(actors, call_as, cycle):
    with pytest.raises(tk.ValidationError) as err:
        propose(call_as, actors.walidata, organization="tidak-ada")
    assert "organization" in err.value.error_dict
    with pytest.raises(tk.ValidationError) as err:
        propose(call_as, actors.produsen, tahun=2030)
    assert "tahun" in err.value.error_dict


def test_tambahan_rows_by_walidata_or_sekretariat_up_to_step_six(
    actors, call_as, cycle
):
    set_step(3)
    with pytest.raises(tk.NotAuthorized):
        propose(call_as, actors.produsen)  # OPDs propose in step 1 only
    item = propose(call_as, actors.sekretariat, status_usulan="baru")
    assert item["status_usulan"] == "tambahan"
    assert propose(call_as, actors.walidata)["status_usulan"] == "tambahan"
    set_step(7)
    with pytest.raises(tk.NotAuthorized):
        propose(call_as, actors.walidata)
    assert propose(call_as, actors.sysadmin)["status_usulan"] == "tambahan"


def test_create_writes_an_event_in_the_same_transaction(actors):
    from ckan.tests import helpers

    helpers.call_action(
        "satudata_cycle_create", context={"user": actors.walidata["name"]}, tahun=2027
    )
    context = {
        "user": actors.produsen["name"],
        "ignore_auth": False,
        "defer_commit": True,
    }
    item = helpers.call_action(
        "satudata_item_create",
        context=context,
        cycle_id=2027,
        organization="dinkes",
        nama_data="X",
    )
    model.Session.flush()  # CKAN's session does not autoflush
    event = model.Session.query(Event).filter_by(target_id=item["id"]).one()
    assert event.action == "item_create"
    assert event.after["nama_data"] == "X"
    model.Session.rollback()
    assert model.Session.query(Item).count() == 0
    assert model.Session.query(Event).filter_by(target_id=item["id"]).count() == 0


# --- show, list -------------------------------------------------------------------


def test_show_by_id_or_code(actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    shown = call_as("satudata_item_show", actors.anggota, id=item["id"])
    assert shown["id"] == item["id"]
    by_code = call_as(
        "satudata_item_show", actors.pembina, id="2027-DINKES-001", include_history=True
    )
    assert by_code["id"] == item["id"]
    assert [e["action"] for e in by_code["history"]] == ["item_create"]
    with pytest.raises(tk.ObjectNotFound):
        call_as("satudata_item_show", actors.walidata, id="2027-DINKES-999")


@pytest.mark.parametrize(
    ("action", "param", "extra"),
    [
        ("satudata_item_show", "include_history", {"id": "2027-DINKES-001"}),
        ("satudata_item_show", "include_recommendations", {"id": "2027-DINKES-001"}),
        ("satudata_item_list", "mine_first", {"cycle_id": 2027}),
        ("satudata_provision", "background", {"cycle_id": 2027}),
        ("satudata_sk_publish", "resend", {"cycle_id": 2027}),
    ],
)
@pytest.mark.usefixtures("with_request_context")  # the portal's language: id
def test_yes_no_parameters_refuse_other_words(
    actors, call_as, cycle, action, param, extra
):
    """A typo is named, not read as "no" (CKAN's boolean_validator would)."""
    propose(call_as, actors.produsen)
    with pytest.raises(tk.ValidationError) as e:
        call_as(action, actors.sysadmin, **extra, **{param: "kadang"})
    assert list(e.value.error_dict) == [param]
    assert e.value.error_dict[param] == ["Isi dengan true atau false"]
    if action.startswith("satudata_item"):
        for word in ("ya", "TIDAK", " true ", 1, 0, False, ""):
            call_as(action, actors.sysadmin, **extra, **{param: word})


def test_anonymous_sees_nothing_before_publication(actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_list", None, cycle_id=2027)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_show", None, id=item["id"])
    c = Cycle.get(2027)
    c.published = True
    model.Session.commit()
    assert call_as("satudata_item_list", None, cycle_id=2027)["count"] == 0
    row = model.Session.get(Item, item["id"])
    row.disepakati = True
    model.Session.commit()
    assert call_as("satudata_item_list", None, cycle_id=2027)["count"] == 1
    assert call_as("satudata_item_show", None, id=item["id"])["disepakati"] is True


def test_list_filters_paging_and_sort(actors, call_as, cycle):
    for i in range(7):
        propose(
            call_as,
            actors.produsen,
            nama_data=f"Data Kesehatan {i}",
            kategori_sumber=["sdgs"] if i % 2 else [],
        )
    propose(
        call_as,
        actors.produsen_lain,
        organization="dinsos",
        nama_data="Jumlah Panti 50%_x",
        status_usulan="lama",
    )
    page = call_as(
        "satudata_item_list",
        actors.anggota,
        cycle_id=2027,
        limit=3,
        offset=3,
        sort="kode_data",
    )
    assert page["count"] == 8
    assert [r["kode_data"] for r in page["results"]] == [
        "2027-DINKES-004",
        "2027-DINKES-005",
        "2027-DINKES-006",
    ]
    assert (
        call_as(
            "satudata_item_list", actors.anggota, cycle_id=2027, organization="dinsos"
        )["count"]
        == 1
    )
    assert (
        call_as("satudata_item_list", actors.anggota, cycle_id=2027, status="Lama")[
            "count"
        ]
        == 1
    )
    assert (
        call_as("satudata_item_list", actors.anggota, cycle_id=2027, kategori="sdgs")[
            "count"
        ]
        == 3
    )
    assert (
        call_as("satudata_item_list", actors.anggota, cycle_id=2027, q="kesehatan 3")[
            "count"
        ]
        == 1
    )
    # LIKE wildcards in q are literal
    assert (
        call_as("satudata_item_list", actors.anggota, cycle_id=2027, q="50%_")["count"]
        == 1
    )
    assert (
        call_as("satudata_item_list", actors.anggota, cycle_id=2027, q="%")["count"]
        == 1
    )
    assert (
        call_as("satudata_item_list", actors.anggota, cycle_id=2027, hasil="belum")[
            "count"
        ]
        == 8
    )
    mine = call_as(
        "satudata_item_list",
        actors.produsen_lain,
        cycle_id=2027,
        mine_first=True,
        limit=1,
    )
    assert mine["results"][0]["organization"] == "dinsos"
    first = call_as(
        "satudata_item_list",
        actors.anggota,
        cycle_id=2027,
        sort="kode_data desc",
        limit=1,
    )["results"][0]
    assert first["kode_data"] == "2027-DINSOS-001"
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_list", actors.anggota, cycle_id=2027, sort="id; drop")
    assert "sort" in err.value.error_dict
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_list", actors.anggota, cycle_id=2027, hasil="apa")
    assert "hasil" in err.value.error_dict


# --- update, patch, revision ------------------------------------------------------


def test_owner_patches_and_revision_grows(actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    patched = call_as(
        "satudata_item_patch",
        actors.produsen,
        id=item["kode_data"],
        revision=1,
        satuan="unit",
        frekuensi="Bulanan",
    )
    assert patched["revision"] == 2
    assert patched["satuan"] == "unit" and patched["frekuensi"] == "bulanan"
    assert patched["nama_data"] == "Jumlah Puskesmas"  # untouched by a patch
    updated = call_as(
        "satudata_item_update",
        actors.produsen,
        id=item["id"],
        nama_data="Jumlah Puskesmas Induk",
        organization="dinkes",
    )
    assert updated["satuan"] is None  # update replaces every field
    assert updated["revision"] == 3
    event = (
        model.Session.query(Event)
        .filter_by(target_id=item["id"], action="item_update")
        .order_by(Event.seq)
        .first()
    )
    assert event.before["satuan"] is None and event.after["satuan"] == "unit"


def test_stale_revision_is_refused_and_the_other_change_stays(actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    call_as(
        "satudata_item_patch", actors.produsen, id=item["id"], revision=1, satuan="unit"
    )
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_patch",
            actors.produsen,
            id=item["id"],
            revision=1,
            satuan="buah",
        )
    assert list(err.value.error_dict) == ["revision"]
    assert (
        "someone else" in err.value.error_dict["revision"][0].lower()
        or "orang lain" in err.value.error_dict["revision"][0].lower()
    )
    shown = call_as("satudata_item_show", actors.produsen, id=item["id"])
    assert shown["satuan"] == "unit" and shown["revision"] == 2


def test_code_does_not_change(actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_patch",
            actors.produsen,
            id=item["id"],
            kode_data="2027-X-001",
        )
    assert "kode_data" in err.value.error_dict


@pytest.mark.parametrize(
    "label", ["produsen_lain", "anggota", "pembina", "sekretariat", "anonymous"]
)
def test_only_the_owner_edits_in_step_one(actors, call_as, cycle, label):
    item = propose(call_as, actors.produsen)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_item_patch", getattr(actors, label), id=item["id"], satuan="unit"
        )
    shown = call_as("satudata_item_show", actors.produsen, id=item["id"])
    assert shown["revision"] == 1


def test_owner_may_not_edit_after_step_one_unless_perbaikan(actors, call_as, cycle):
    item = propose(call_as, actors.produsen)
    set_step(2)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_patch", actors.produsen, id=item["id"], satuan="x")
    set_step(4)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_patch", actors.produsen, id=item["id"], satuan="x")
    assert (
        call_as("satudata_item_patch", actors.sysadmin, id=item["id"], satuan="y")[
            "satuan"
        ]
        == "y"
    )


def test_sekretariat_edits_its_tambahan_rows(actors, call_as, cycle):
    set_step(5)
    item = propose(call_as, actors.sekretariat)
    assert (
        call_as(
            "satudata_item_patch", actors.sekretariat, id=item["id"], satuan="orang"
        )["satuan"]
        == "orang"
    )


# --- delete -----------------------------------------------------------------------


def test_delete_rules(actors, call_as, cycle):
    a = propose(call_as, actors.produsen)
    b = propose(call_as, actors.produsen, nama_data="B")
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_delete", actors.produsen_lain, id=a["id"])
    assert (
        call_as("satudata_item_delete", actors.produsen, id=a["id"])["state"]
        == "deleted"
    )
    assert call_as("satudata_item_list", actors.anggota, cycle_id=2027)["count"] == 1
    with pytest.raises(tk.ObjectNotFound):
        call_as("satudata_item_show", actors.produsen, id=a["id"])
    set_step(2)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_delete", actors.produsen, id=b["id"])
    set_step(6)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_delete", actors.walidata, id=b["id"])
    set_step(5)
    call_as("satudata_item_delete", actors.walidata, id=b["id"])
    assert count_items() == 0
    assert model.Session.query(Event).filter_by(action="item_delete").count() == 2


# --- desk review ------------------------------------------------------------------


def _desk(call_as, actors) -> tuple[dict[str, Any], dict[str, Any]]:
    a = propose(call_as, actors.produsen, nama_data="Jumlah Penduduk")
    b = propose(
        call_as, actors.produsen_lain, organization="dinsos", nama_data="Jml penduduk"
    )
    set_step(4)
    return a, b


@pytest.mark.parametrize("label", ["walidata", "sekretariat", "pembina", "sysadmin"])
@pytest.mark.parametrize("hasil", ["disetujui", "ditolak"])
def test_desk_reviews(actors, call_as, cycle, label, hasil):
    a, _b = _desk(call_as, actors)
    done = call_as(
        "satudata_item_review",
        getattr(actors, label),
        id=a["id"],
        hasil=hasil,
        catatan="ok",
    )
    assert done["hasil"] == hasil and done["catatan_desk"] == "ok"
    assert done["revision"] == 2


@pytest.mark.parametrize("label", ["produsen", "produsen_lain", "anggota", "anonymous"])
def test_others_may_not_review(actors, call_as, cycle, label):
    a, _b = _desk(call_as, actors)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_item_review",
            getattr(actors, label),
            id=a["id"],
            hasil="disetujui",
        )


def test_review_only_in_step_four(actors, call_as, cycle):
    a = propose(call_as, actors.produsen)
    set_step(3)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_review", actors.walidata, id=a["id"], hasil="ditolak")


def test_unknown_hasil(actors, call_as, cycle):
    a, _b = _desk(call_as, actors)
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_review", actors.walidata, id=a["id"], hasil="lulus")
    assert list(err.value.error_dict) == ["hasil"]


def test_duplikat_needs_the_kept_row_of_the_same_cycle(actors, call_as, cycle):
    a, b = _desk(call_as, actors)
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_review", actors.sekretariat, id=b["id"], hasil="duplikat"
        )
    assert "duplikat_dari" in err.value.error_dict
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_review",
            actors.sekretariat,
            id=b["id"],
            hasil="duplikat",
            duplikat_dari=b["id"],
        )
    assert "duplikat_dari" in err.value.error_dict
    call_as("satudata_cycle_create", actors.walidata, tahun=2028)
    other = propose(call_as, actors.walidata, cycle_id=2028, nama_data="Lain")
    with pytest.raises(tk.ValidationError):
        call_as(
            "satudata_item_review",
            actors.sekretariat,
            id=b["id"],
            hasil="duplikat",
            duplikat_dari=other["id"],
        )
    done = call_as(
        "satudata_item_review",
        actors.sekretariat,
        id=b["id"],
        hasil="duplikat",
        duplikat_dari=a["kode_data"],
    )
    assert done["duplikat_dari"] == a["id"]
    assert done["duplikat_dari_kode"] == a["kode_data"]


def test_dialihkan_moves_the_row(actors, call_as, cycle):
    a, _b = _desk(call_as, actors)
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_item_review", actors.walidata, id=a["id"], hasil="dialihkan")
    assert "organization" in err.value.error_dict
    moved = call_as(
        "satudata_item_review",
        actors.walidata,
        id=a["id"],
        hasil="dialihkan",
        organization="dinsos",
    )
    assert moved["organization"] == "dinsos"
    assert moved["dialihkan_dari"] == "dinkes"
    assert moved["kode_data"] == a["kode_data"]


def test_perbaikan_revise_review_again(actors, call_as, cycle):
    a, _b = _desk(call_as, actors)
    sent = call_as(
        "satudata_item_review",
        actors.pembina,
        id=a["id"],
        hasil="perbaikan",
        catatan="Lengkapi definisi",
    )
    assert sent["hasil"] == "perbaikan"
    # another OPD may not revise it
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_patch", actors.produsen_lain, id=a["id"], definisi="x")
    revised = call_as(
        "satudata_item_patch",
        actors.produsen,
        id=a["id"],
        revision=sent["revision"],
        definisi="Banyaknya penduduk",
    )
    assert revised["hasil"] is None
    assert revised["menunggu_review_ulang"] is True
    # now it's back with the desk: the OPD can't edit it again
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_item_patch", actors.produsen, id=a["id"], definisi="y")
    again = call_as(
        "satudata_item_review", actors.walidata, id=a["id"], hasil="disetujui"
    )
    assert again["hasil"] == "disetujui" and again["menunggu_review_ulang"] is False
    history = call_as(
        "satudata_item_show", actors.walidata, id=a["id"], include_history=True
    )["history"]
    actions = [e["action"] for e in history]
    assert actions == ["item_review", "item_update", "item_review", "item_create"]


def test_review_with_stale_revision(actors, call_as, cycle):
    a, _b = _desk(call_as, actors)
    call_as("satudata_item_review", actors.pembina, id=a["id"], hasil="disetujui")
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_review",
            actors.walidata,
            id=a["id"],
            hasil="ditolak",
            revision=1,
        )
    assert list(err.value.error_dict) == ["revision"]
    assert (
        call_as("satudata_item_show", actors.walidata, id=a["id"])["hasil"]
        == "disetujui"
    )


# --- gates 1 and 4 ----------------------------------------------------------------


def test_gate_one_needs_an_item(actors, call_as, cycle):
    assert gates.check_of(1) is gates.at_least_one_item
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_step_complete", actors.walidata, id=2027, step=1)
    assert any(
        "no items" in m or "belum" in m.lower()
        for m in err.value.error_dict["step"][1:]
    )
    propose(call_as, actors.produsen)
    done = call_as("satudata_step_complete", actors.walidata, id=2027, step=1)
    assert done["current_step"] == 2


def test_gate_four_needs_every_row_reviewed(actors, call_as, cycle):
    a, b = _desk(call_as, actors)
    c = propose(call_as, actors.walidata, nama_data="C")  # tambahan, step 4
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_step_complete", actors.sekretariat, id=2027, step=4)
    lacking = err.value.error_dict["step"][1:]
    assert len(lacking) == 2
    assert any("Dinas Kesehatan" in m and "2" in m for m in lacking)
    assert any("Dinas Sosial" in m and "1" in m for m in lacking)
    for item in (a, b, c):
        call_as(
            "satudata_item_review", actors.walidata, id=item["id"], hasil="disetujui"
        )
    call_as("satudata_item_review", actors.walidata, id=a["id"], hasil="perbaikan")
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_step_complete", actors.sekretariat, id=2027, step=4)
    assert any("perbaikan" in m for m in err.value.error_dict["step"][1:])
    call_as("satudata_item_patch", actors.produsen, id=a["id"], satuan="orang")
    with pytest.raises(tk.ValidationError):  # revised, not yet reviewed again
        call_as("satudata_step_complete", actors.sekretariat, id=2027, step=4)
    call_as("satudata_item_review", actors.walidata, id=a["id"], hasil="disetujui")
    done = call_as("satudata_step_complete", actors.sekretariat, id=2027, step=4)
    assert done["current_step"] == 5


# --- recommendations --------------------------------------------------------------


def test_pembina_recommends_in_steps_two_and_four(actors, call_as, cycle):
    a = propose(call_as, actors.produsen)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_recommendation_create",
            actors.pembina,
            cycle_id=2027,
            item_id=a["id"],
            isi="Terlalu awal",
        )
    set_step(2)
    rec = call_as(
        "satudata_recommendation_create",
        actors.pembina,
        cycle_id=2027,
        item_id=a["kode_data"],
        isi="Gunakan konsep <BPS>",
    )
    assert rec["item_id"] == a["id"] and rec["step"] == 2
    assert rec["user"] == "pembina"
    whole = call_as(
        "satudata_recommendation_create",
        actors.pembina,
        cycle_id=2027,
        isi="Lengkapi satuan",
    )
    assert whole["item_id"] is None
    set_step(4)
    call_as(
        "satudata_recommendation_create",
        actors.pembina,
        cycle_id=2027,
        item_id=a["id"],
        isi="Di desk",
    )
    set_step(3)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_recommendation_create", actors.pembina, cycle_id=2027, isi="x"
        )
    shown = call_as(
        "satudata_item_show", actors.produsen, id=a["id"], include_recommendations=True
    )
    assert [r["isi"] for r in shown["recommendations"]] == [
        "Di desk",
        "Gunakan konsep <BPS>",
    ]
    assert (
        len(call_as("satudata_recommendation_list", actors.anggota, cycle_id=2027)) == 3
    )


@pytest.mark.parametrize("label", ["walidata", "sekretariat", "produsen", "anonymous"])
def test_only_pembina_recommends(actors, call_as, cycle, label):
    set_step(2)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_recommendation_create",
            getattr(actors, label),
            cycle_id=2027,
            isi="x",
        )


def test_recommendation_needs_text_and_a_row_of_the_cycle(actors, call_as, cycle):
    set_step(2)
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_recommendation_create", actors.pembina, cycle_id=2027, isi="  "
        )
    assert "isi" in err.value.error_dict
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_recommendation_create",
            actors.pembina,
            cycle_id=2027,
            item_id="2027-X-404",
            isi="x",
        )
    assert "item_id" in err.value.error_dict


# --- carry-over -------------------------------------------------------------------


def test_carry_over_keeps_the_code_and_never_doubles(actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2026)
    old = [
        propose(
            call_as,
            actors.produsen,
            cycle_id=2026,
            nama_data=f"Data {i}",
            frekuensi="tahunan",
        )
        for i in range(3)
    ]
    for item in old[:2]:
        row = model.Session.get(Item, item["id"])
        row.disepakati = True
    model.Session.commit()
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_item_carry_over", actors.produsen, cycle_id=2027, from_tahun=2026
        )
    result = call_as(
        "satudata_item_carry_over", actors.walidata, cycle_id=2027, from_tahun=2026
    )
    assert result == {"count": 2, "skipped": 0}
    listed = call_as(
        "satudata_item_list", actors.walidata, cycle_id=2027, sort="kode_data"
    )["results"]
    assert [r["kode_data"] for r in listed] == ["2026-DINKES-001", "2026-DINKES-002"]
    assert {r["status_usulan"] for r in listed} == {"lama"}
    assert {r["tahun"] for r in listed} == {2027}
    assert listed[0]["frekuensi"] == "tahunan"
    assert listed[0]["disepakati"] is None and listed[0]["hasil"] is None
    again = call_as(
        "satudata_item_carry_over", actors.walidata, cycle_id=2027, from_tahun=2026
    )
    assert again == {"count": 0, "skipped": 2}
    assert call_as("satudata_item_list", actors.walidata, cycle_id=2027)["count"] == 2
    # a new proposal of 2027 gets a 2027 code
    assert propose(call_as, actors.produsen)["kode_data"] == "2027-DINKES-001"
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_item_carry_over", actors.walidata, cycle_id=2027, from_tahun=2020
        )
    assert "from_tahun" in err.value.error_dict


def test_carry_over_only_in_step_one(actors, call_as, cycle):
    set_step(2)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_item_carry_over", actors.walidata, cycle_id=2027, from_tahun=2026
        )


@pytest.mark.parametrize("blank", ["", " "])
def test_blank_limit_and_offset_take_their_defaults(actors, call_as, cycle, blank):
    """CKAN's number validators read a blank as None and then fail (a 500)."""
    listed = call_as(
        "satudata_item_list", actors.walidata, cycle_id=2027, limit=blank, offset=blank
    )
    assert listed["count"] == 0
    events = call_as(
        "satudata_cycle_events", actors.walidata, id=2027, limit=blank, offset=blank
    )
    assert isinstance(events, (list, dict))
