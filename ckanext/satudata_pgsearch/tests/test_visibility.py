"""Private datasets and drafts: CKAN's labels and fq, applied by PostgreSQL."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("with_plugins")


def test_private_datasets_only_for_their_organization(catalog):
    catalog.create(name="rahasia", title="Data Rahasia Puskesmas", private=True)
    seen = {
        who: [
            r["name"]
            for r in catalog.search(user, q="rahasia", include_private=True)["results"]
        ]
        for who, user in [
            ("member", catalog.member),
            ("outsider", catalog.outsider),
            ("anonymous", {"name": ""}),
            ("sysadmin", catalog.admin),
        ]
    }
    assert seen == {
        "member": ["rahasia"],
        "outsider": [],
        "anonymous": [],
        "sysadmin": ["rahasia"],
    }
    # without include_private even the member does not get it
    assert (
        catalog.search(catalog.member, q="rahasia", include_private=False)["count"] == 0
    )


def test_private_datasets_count_for_members_only(catalog):
    catalog.create(name="rahasia", title="Data Rahasia Puskesmas", private=True)
    assert catalog.search(catalog.member, include_private=True)["count"] == 4
    assert catalog.search(catalog.outsider, include_private=True)["count"] == 3


def test_drafts_only_with_include_drafts(catalog):
    catalog.create(name="konsep", title="Konsep Data Baru", state="draft")
    admin = catalog.admin
    assert catalog.search(admin, q="konsep")["count"] == 0
    found = catalog.search(admin, q="konsep", include_drafts=True)["results"]
    assert [r["name"] for r in found] == ["konsep"]
    # an explicit state filter is CKAN's too
    assert catalog.search(admin, fq="+state:(draft OR active)")["count"] == 4
