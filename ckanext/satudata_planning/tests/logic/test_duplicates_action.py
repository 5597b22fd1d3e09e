"""``satudata_duplicates`` and ``satudata_duplicate_ignore`` on a seeded list."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest

from ckanext.satudata_planning.model import Cycle, Event

SEED = [
    ("dinkes", "Jumlah Penduduk menurut Kecamatan", "orang"),
    ("dinsos", "Jml penduduk per kec.", "jiwa"),
    ("dinkes", "Jumlah Tempat Tidur Rumah Sakit", "unit"),
    ("dinsos", "Jumlah Tempat Tidur RS", "unit"),
    ("dinkes", "Persentase Balita Gizi Buruk", "%"),
    ("dinsos", "Jumlah Penerima Bantuan Sosial", "orang"),
]


@pytest.fixture
def seeded(actors, call_as) -> dict[str, dict[str, Any]]:
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    items = {}
    for org, name, unit in SEED:
        user = actors.produsen if org == "dinkes" else actors.produsen_lain
        items[name] = call_as(
            "satudata_item_create",
            user,
            cycle_id=2027,
            organization=org,
            nama_data=name,
            satuan=unit,
        )
    return items


def names(pairs: list[dict[str, Any]]) -> set[frozenset[str]]:
    return {
        frozenset((p["item_a"]["nama_data"], p["item_b"]["nama_data"])) for p in pairs
    }


def test_known_pairs_are_found(actors, call_as, seeded):
    pairs = call_as("satudata_duplicates", actors.sekretariat, cycle_id=2027)
    assert names(pairs) == {
        frozenset(("Jumlah Penduduk menurut Kecamatan", "Jml penduduk per kec.")),
        frozenset(("Jumlah Tempat Tidur Rumah Sakit", "Jumlah Tempat Tidur RS")),
    }
    for pair in pairs:
        assert pair["score"] >= 85
        assert pair["alasan"]
        assert {"id", "kode_data", "organization", "revision"} <= set(pair["item_a"])


def test_organization_filter(actors, call_as, seeded):
    assert (
        len(
            call_as(
                "satudata_duplicates",
                actors.walidata,
                cycle_id=2027,
                organization="dinsos",
            )
        )
        == 2
    )
    assert (
        call_as(
            "satudata_duplicates", actors.walidata, cycle_id=2027, organization="bps"
        )
        == []
    )


@pytest.mark.ckan_config("ckanext.satudata_planning.duplicate_threshold", "101")
def test_threshold_from_config(actors, call_as, seeded):
    assert call_as("satudata_duplicates", actors.walidata, cycle_id=2027) == []


def test_ignored_pair_is_gone(actors, call_as, seeded):
    a = seeded["Jumlah Tempat Tidur Rumah Sakit"]
    b = seeded["Jumlah Tempat Tidur RS"]
    c = Cycle.get(2027)
    c.current_step = 4
    model.Session.commit()
    done = call_as(
        "satudata_duplicate_ignore",
        actors.pembina,
        cycle_id=2027,
        item_a=b["kode_data"],
        item_b=a["id"],
    )
    assert {done["item_a"], done["item_b"]} == {a["id"], b["id"]}
    # twice is harmless
    call_as(
        "satudata_duplicate_ignore",
        actors.walidata,
        cycle_id=2027,
        item_a=a["id"],
        item_b=b["id"],
    )
    assert model.Session.query(Event).filter_by(action="duplicate_ignore").count() == 1
    pairs = call_as("satudata_duplicates", actors.sekretariat, cycle_id=2027)
    assert names(pairs) == {
        frozenset(("Jumlah Penduduk menurut Kecamatan", "Jml penduduk per kec."))
    }


def test_marked_duplicate_leaves_the_candidates(actors, call_as, seeded):
    a = seeded["Jumlah Penduduk menurut Kecamatan"]
    b = seeded["Jml penduduk per kec."]
    c = Cycle.get(2027)
    c.current_step = 4
    model.Session.commit()
    call_as(
        "satudata_item_review",
        actors.walidata,
        id=b["id"],
        hasil="duplikat",
        duplikat_dari=a["id"],
    )
    assert len(call_as("satudata_duplicates", actors.walidata, cycle_id=2027)) == 1


@pytest.mark.parametrize("label", ["produsen", "anggota", "anonymous"])
def test_only_the_desk(actors, call_as, seeded, label):
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_duplicates", getattr(actors, label), cycle_id=2027)
    with pytest.raises(tk.NotAuthorized):
        call_as(
            "satudata_duplicate_ignore",
            getattr(actors, label),
            cycle_id=2027,
            item_a=seeded[SEED[0][1]]["id"],
            item_b=seeded[SEED[1][1]]["id"],
        )


def test_ignore_needs_two_rows_of_the_cycle(actors, call_as, seeded):
    a = seeded[SEED[0][1]]
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_duplicate_ignore",
            actors.walidata,
            cycle_id=2027,
            item_a=a["id"],
            item_b=a["kode_data"],
        )
    assert "item_b" in err.value.error_dict
    with pytest.raises(tk.ValidationError) as err:
        call_as(
            "satudata_duplicate_ignore",
            actors.walidata,
            cycle_id=2027,
            item_a=a["id"],
            item_b="2027-X-404",
        )
    assert "item_b" in err.value.error_dict


BY_SEX = "Jumlah Penduduk menurut Kecamatan dan Jenis Kelamin"
DIS = "Jumlah Penyandang Disabilitas"


def test_pages_kinds_and_the_issue_pairs(actors, call_as, seeded):
    for user, org, name in (
        (actors.produsen, "dinkes", BY_SEX),
        (actors.produsen, "dinkes", DIS),
        (actors.produsen_lain, "dinsos", f"{DIS} menurut Kelurahan"),
    ):
        call_as("satudata_item_create", user, cycle_id=2027, organization=org,
                nama_data=name)
    every = call_as("satudata_duplicates", actors.walidata, cycle_id=2027)
    assert {p["jenis"] for p in every} == {"mirip", "rincian"}
    rincian = call_as("satudata_duplicates", actors.walidata, cycle_id=2027,
                      jenis="rincian")
    assert frozenset((DIS, f"{DIS} menurut Kelurahan")) in names(rincian)
    assert frozenset(("Jml penduduk per kec.", BY_SEX)) in names(rincian)
    assert all(p["jenis"] == "rincian" and p["alasan"][0].startswith(
        ("Same subject", "Subjek sama")) for p in rincian)
    # pages of one pair follow each other without gaps or repeats
    paged = [call_as("satudata_duplicates", actors.walidata, cycle_id=2027,
                     limit=1, offset=n) for n in range(len(every) + 1)]
    assert [page[0] for page in paged[:-1]] == every
    assert paged[-1] == []
    assert all(len(page) == 1 for page in paged[:-1])


@pytest.mark.ckan_config("ckanext.satudata_planning.duplicate_page_max", "5")
def test_a_page_is_bounded(actors, call_as, seeded):
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_duplicates", actors.walidata, cycle_id=2027, limit=6)
    assert "limit" in err.value.error_dict
    for bad in ({"limit": 0}, {"offset": -1}, {"jenis": "apa"}):
        with pytest.raises(tk.ValidationError):
            call_as("satudata_duplicates", actors.walidata, cycle_id=2027, **bad)
    assert len(call_as("satudata_duplicates", actors.walidata, cycle_id=2027,
                       limit=5)) == 2


def test_pairs_are_computed_again_only_when_a_compared_field_changes(
    actors, call_as, seeded, monkeypatch
):
    from ckanext.satudata_planning import duplicates
    from ckanext.satudata_planning.logic.action import desk

    runs = []
    real = duplicates.find_pairs

    def counting(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(duplicates, "find_pairs", counting)
    desk._CACHE.clear()
    first = call_as("satudata_duplicates", actors.walidata, cycle_id=2027)
    c = Cycle.get(2027)
    c.current_step = 4
    model.Session.commit()
    kept = seeded["Jumlah Penduduk menurut Kecamatan"]
    dup = seeded["Jml penduduk per kec."]
    call_as("satudata_item_review", actors.walidata, id=dup["id"], hasil="duplikat",
            duplikat_dari=kept["id"])
    after = call_as("satudata_duplicates", actors.walidata, cycle_id=2027)
    assert len(runs) == 1  # a desk result only filters the kept pairs
    assert len(after) == len(first) - 1
    from ckanext.satudata_planning.model import Item

    model.Session.get(Item, seeded[SEED[2][1]]["id"]).nama_data = "Jumlah Dokter"
    model.Session.commit()
    assert len(call_as("satudata_duplicates", actors.walidata, cycle_id=2027)) == 0
    assert len(runs) == 2
