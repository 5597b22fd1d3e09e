"""Which SOP actor a CKAN user is (roles.py)."""
from __future__ import annotations

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories, helpers

from ckanext.satudata_planning.sop import Actor, roles
from ckanext.satudata_planning.tests.statements import statements


def test_configured_actors(actors):
    walidata = roles.roles_for(actors.walidata["name"])
    assert walidata.actors == {Actor.WALIDATA, Actor.PRODUSEN}
    assert walidata.produsen_of == {"diskominfo"}
    pembina = roles.roles_for(actors.pembina["name"])
    assert pembina.actors == {Actor.PEMBINA, Actor.PRODUSEN}
    assert roles.roles_for(actors.sekretariat["id"]).actors == {
        Actor.SEKRETARIAT, Actor.PRODUSEN}


def test_editor_of_an_opd_is_its_produsen(actors):
    produsen = roles.roles_for(actors.produsen["name"])
    assert produsen.actors == {Actor.PRODUSEN}
    assert produsen.produces_for("dinkes")
    assert not produsen.produces_for("dinsos")
    assert not produsen.is_(Actor.WALIDATA)
    assert not produsen.can_complete(1)


def test_member_only_reads(actors):
    anggota = roles.roles_for(actors.anggota["name"])
    assert anggota.actors == frozenset()
    assert anggota.member_of == {"dinkes"}
    assert not anggota.produces_for("dinkes")
    assert not anggota.anonymous


def test_admin_capacity_acts(actors):
    boss = factories.User(name="kadis_dinsos")
    helpers.call_action("organization_member_create", id="dinsos",
                        username=boss["name"], role="admin")
    assert roles.roles_for("kadis_dinsos").produsen_of == {"dinsos"}


def test_sysadmin_may_do_everything(actors):
    admin = roles.roles_for(actors.sysadmin["name"])
    assert admin.sysadmin
    assert all(admin.is_(actor) for actor in Actor)
    assert all(admin.can_complete(n) for n in range(1, 11))


def test_anonymous_and_unknown(actors):
    assert roles.roles_for(None) is roles.ANONYMOUS
    assert roles.roles_for("") is roles.ANONYMOUS
    assert roles.roles_for("nobody-here") is roles.ANONYMOUS
    assert roles.ANONYMOUS.anonymous
    assert not roles.ANONYMOUS.is_(Actor.PRODUSEN)


@pytest.mark.ckan_config("ckanext.satudata_planning.walidata_org", "bappeda")
@pytest.mark.ckan_config("ckanext.satudata_planning.pembina_orgs", "bps dinsos")
def test_organizations_come_from_the_config(actors):
    assert Actor.WALIDATA in roles.roles_for(actors.sekretariat["name"]).actors
    assert Actor.WALIDATA not in roles.roles_for(actors.walidata["name"]).actors
    assert Actor.PEMBINA in roles.roles_for(actors.produsen_lain["name"]).actors


def test_removed_membership_no_longer_counts(actors):
    member = model.Session.execute(
        sa.select(model.Member).where(model.Member.table_id == actors.walidata["id"])
    ).scalar_one()
    member.state = "deleted"
    model.Session.commit()
    assert roles.roles_for(actors.walidata["name"]).actors == frozenset()


def test_one_query_per_user(actors):
    # several memberships: still a single statement
    helpers.call_action("organization_member_create", id="dinkes",
                        username=actors.walidata["name"], role="editor")
    with statements() as sent:
        result = roles.roles_for(actors.walidata["name"])
    assert result.produsen_of == {"diskominfo", "dinkes"}
    assert len(sent) == 1


def test_roles_cached_in_context(actors):
    context = {"user": actors.pembina["name"]}
    first = roles.roles_in_context(context)
    assert roles.roles_in_context(context) is first
    context["user"] = actors.walidata["name"]
    assert roles.roles_in_context(context).is_(Actor.WALIDATA)
