"""The /perencanaan screens: list, dashboard, complete-step form (CSRF on)."""
from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.satudata_planning.model import Cycle
from ckanext.satudata_planning.tests.factories import add_item
from ckanext.satudata_planning.tests.web import csrf_token, login
from ckanext.satudata_planning.workflow import gates


def dashboard_url(tahun: int) -> str:
    return tk.h.url_for("satudata_planning.dashboard", tahun=tahun)


def complete_url(tahun: int, nomor: int) -> str:
    return tk.h.url_for("satudata_planning.complete_step", tahun=tahun, nomor=nomor)


def test_index_for_the_walidata_has_the_create_form(app, actors):
    login(app, actors.walidata)
    res = app.get("/perencanaan")
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert 'class="satudata-cycle-create"' in body
    assert 'name="_csrf_token"' in body
    # the header links to the planning screens
    assert 'href="/perencanaan/"' in body or 'href="/perencanaan"' in body


def test_index_without_form_for_others(app, actors):
    login(app, actors.produsen)
    body = app.get("/perencanaan").get_data(as_text=True)
    assert "satudata-cycle-create" not in body


def test_anonymous_index_lists_only_published_cycles(app, actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    res = app.get("/perencanaan")
    assert res.status_code == 200
    assert dashboard_url(2027) not in res.get_data(as_text=True)


def test_create_cycle_through_the_form(app, actors):
    login(app, actors.walidata)
    token = csrf_token(app, "/perencanaan")
    res = app.post("/perencanaan/", data={
        "_csrf_token": token, "tahun": "2027", "judul": "Daftar <b>Data</b> 2027"})
    assert res.status_code == 200
    assert res.request.path == dashboard_url(2027)
    assert Cycle.get(2027) is not None
    body = res.get_data(as_text=True)
    assert "Daftar &lt;b&gt;Data&lt;/b&gt; 2027" in body  # user text escaped
    assert "Daftar <b>Data</b>" not in body


def test_create_form_shows_the_duplicate_year_error(app, actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    login(app, actors.walidata)
    token = csrf_token(app, "/perencanaan")
    res = app.post("/perencanaan/", data={"_csrf_token": token, "tahun": "2027"})
    assert res.status_code == 200
    assert "alert-danger" in res.get_data(as_text=True)
    assert model.Session.query(Cycle).count() == 1


def test_create_without_csrf_token_is_refused(app, actors):
    # an anonymous request first: CKAN then exempts the view from its own
    # CSRF check for the whole process; the view checks the token itself
    app.post("/perencanaan/", data={"tahun": "2026"})
    login(app, actors.walidata)
    res = app.post("/perencanaan/", data={"tahun": "2027"})
    assert res.status_code == 400
    assert Cycle.get(2027) is None


def test_dashboard_for_the_walidata(app, actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027,
            judul="<script>alert(1)</script>")
    login(app, actors.walidata)
    res = app.get(dashboard_url(2027))
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert body.count('class="satudata-step ') == 10
    assert "satudata-todo" in body
    assert 'class="satudata-complete-step' in body
    assert complete_url(2027, 1) in body
    assert complete_url(2027, 2) not in body  # only the current step
    assert "satudata-events" in body  # the audit trail
    assert "Walidata Diskominfo" in body
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_dashboard_without_the_button_for_others(app, actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    login(app, actors.anggota)
    res = app.get(dashboard_url(2027))
    assert res.status_code == 200
    assert "satudata-complete-step" not in res.get_data(as_text=True)


def test_anonymous_gets_403_before_publication(app, actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    assert app.get(dashboard_url(2027)).status_code == 403
    cycle = Cycle.get(2027)
    cycle.published = True
    model.Session.commit()
    res = app.get(dashboard_url(2027))
    assert res.status_code == 200
    assert "satudata-events" not in res.get_data(as_text=True)  # trail: logged-in


def test_unknown_year_is_404(app, actors):
    login(app, actors.walidata)
    assert app.get(dashboard_url(2031)).status_code == 404


def test_complete_step_by_post_with_csrf(app, actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    add_item(cycle["id"])
    login(app, actors.walidata)
    token = csrf_token(app, dashboard_url(2027))
    res = app.post(complete_url(2027, 1),
                   data={"_csrf_token": token, "catatan": "Draft <i>lengkap</i>"})
    assert res.status_code == 200
    assert res.request.path == dashboard_url(2027)
    model.Session.expire_all()
    cycle = Cycle.get(2027)
    assert cycle.current_step == 2
    assert cycle.step(1).note == "Draft <i>lengkap</i>"
    body = res.get_data(as_text=True)
    assert "Draft &lt;i&gt;lengkap&lt;/i&gt;" in body
    assert "alert-success" in body


def test_complete_step_without_output_shows_what_is_missing(app, actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    login(app, actors.walidata)
    token = csrf_token(app, dashboard_url(2027))
    with gates.override(1, lambda c: ["Belum ada butir Daftar Data"]):
        res = app.post(complete_url(2027, 1), data={"_csrf_token": token})
        assert res.status_code == 200
        assert "Belum ada butir Daftar Data" in res.get_data(as_text=True)
    model.Session.expire_all()
    assert Cycle.get(2027).current_step == 1


def test_complete_step_without_csrf_is_refused(app, actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    add_item(cycle["id"])
    app.post(complete_url(2027, 1), data={})  # anonymous: 403, and CKAN's exemption
    login(app, actors.walidata)
    assert app.post(complete_url(2027, 1), data={}).status_code == 400
    model.Session.expire_all()
    assert Cycle.get(2027).current_step == 1


def test_complete_step_by_the_wrong_actor_is_403(app, actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    add_item(cycle["id"])
    login(app, actors.produsen)
    token = csrf_token(app, dashboard_url(2027))
    assert app.post(complete_url(2027, 1),
                    data={"_csrf_token": token}).status_code == 403
    model.Session.expire_all()
    assert Cycle.get(2027).current_step == 1
