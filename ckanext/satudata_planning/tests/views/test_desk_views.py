"""The desk page: Pembina recommendations per row, the desk choosing which
row of a pair stays, the kept row picked from a list, pairs paged."""
from __future__ import annotations

import ckan.model as model

from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.tests.views.test_item_views import propose, set_step
from ckanext.satudata_planning.tests.web import csrf_token, login

DESK = "/perencanaan/2027/desk"
BY_KEC = "Jumlah Penduduk menurut Kecamatan"


def _pair(call_as, actors):
    a = propose(call_as, actors.produsen, nama_data=f"{BY_KEC} dan Jenis Kelamin")
    b = propose(call_as, actors.produsen_lain, org="dinsos", nama_data=BY_KEC)
    return a, b


def test_recommendations_and_kinds_at_the_desk(app, actors, call_as, cycle):
    a, b = _pair(call_as, actors)
    set_step(2)
    call_as("satudata_recommendation_create", actors.pembina, cycle_id=2027,
            item_id=a["id"], isi="Sama dengan data Dindukcapil, gabungkan")
    call_as("satudata_recommendation_create", actors.pembina, cycle_id=2027,
            isi="Lengkapi jadwal rilis")
    set_step(4)
    login(app, actors.sekretariat)
    body = app.get(DESK).get_data(as_text=True)
    assert "Sama dengan data Dindukcapil, gabungkan" in body
    assert "Lengkapi jadwal rilis" in body
    assert body.count('class="satudata-pair satudata-pair-rincian"') == 1
    # the kept row is chosen from a list holding the candidate, not typed
    assert f'satudata-kept" id="dup-{a["id"]}" name="duplikat_dari">' in body
    assert f'<option value="{b["id"]}">{b["kode_data"]}' in body
    assert 'name="duplikat_dari" placeholder' not in body


def test_the_desk_chooses_which_row_stays(app, actors, call_as, cycle):
    a, b = _pair(call_as, actors)
    set_step(4)
    login(app, actors.walidata)
    body = app.get(DESK).get_data(as_text=True)
    # one button per row of the pair: keep a, or keep b
    assert body.count('class="d-inline satudata-mark-duplicate"') == 2
    token = csrf_token(app, DESK)
    # keep the row with the higher code: the other is its duplicate
    kept, dup = (a, b) if a["kode_data"] > b["kode_data"] else (b, a)
    res = app.post(f"{DESK}/{dup['kode_data']}/hasil", data={
        "_csrf_token": token, "hasil": "duplikat", "duplikat_dari": kept["id"],
        "revision": dup["revision"], "back_to": "duplikat"},
        follow_redirects=False)
    assert res.status_code == 302
    assert res.headers["Location"].endswith("/perencanaan/2027/desk#duplikat")
    model.Session.expire_all()
    assert model.Session.get(Item, dup["id"]).duplikat_dari == kept["id"]
    assert model.Session.get(Item, kept["id"]).hasil is None


def test_pairs_are_paged(app, actors, call_as, cycle, monkeypatch):
    from ckanext.satudata_planning.views import desk

    monkeypatch.setattr(desk, "PAIRS_PER_PAGE", 2)
    for n, org, user in ((1, "dinkes", actors.produsen),
                         (2, "dinsos", actors.produsen_lain),
                         (3, "dinkes", actors.produsen),
                         (4, "dinsos", actors.produsen_lain)):
        propose(call_as, user, org=org,
                nama_data=f"Jumlah Rumah Sakit Tipe {'ABAB'[n - 1]}")
    set_step(4)
    login(app, actors.walidata)
    first = app.get(DESK).get_data(as_text=True)
    assert first.count('class="satudata-pair ') == 2
    assert "dpage=2" in first
    last = app.get(f"{DESK}?dpage=2").get_data(as_text=True)
    assert 1 <= last.count('class="satudata-pair ') <= 2
    assert "dpage=1" in last
    assert app.get(f"{DESK}?dpage=x&jenis=apa").status_code == 200
