"""Fixtures shared by the planning plugin's tests (``clean_db`` and the
audit-trail reset are the distribution's, in the repository's ``conftest.py``).

* ``actors``: one CKAN user per SOP actor, in the organizations the config names.
* ``call_as``: call an action as one of them, with auth checked.
* ``cycle``: the 2027 cycle, opened by the Walidata (step 1).
* ``storage``: a ``ckan.storage_path`` of the test's own.
* ``smtp``: a local SMTP server (:mod:`.smtp`) the site's mails go to.

What tests build (rows, walked cycles, step 10) is in :mod:`.factories`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.satudata_planning.tests.smtp import Mailbox, serve


@dataclass
class Actors:
    """One user per SOP actor (dicts from ``user_show``); ``anonymous`` is None."""

    walidata: dict[str, Any]
    pembina: dict[str, Any]
    sekretariat: dict[str, Any]
    produsen: dict[str, Any]
    produsen_lain: dict[str, Any]
    anggota: dict[str, Any]
    sysadmin: dict[str, Any]
    opd: dict[str, Any]
    opd_lain: dict[str, Any]
    anonymous: None = None

    def names(self) -> dict[str, str | None]:
        """Actor label → user name, for parametrised auth tests."""
        return {
            "anonymous": None,
            "produsen_lain": self.produsen_lain["name"],
            "anggota": self.anggota["name"],
            "produsen": self.produsen["name"],
            "pembina": self.pembina["name"],
            "sekretariat": self.sekretariat["name"],
            "walidata": self.walidata["name"],
            "sysadmin": self.sysadmin["name"],
        }


def _org_with(name: str, title: str, user: dict[str, Any], capacity: str = "editor"):
    return factories.Organization(
        name=name, title=title, users=[{"name": user["name"], "capacity": capacity}]
    )


@pytest.fixture
def actors(clean_db: None) -> Actors:
    """The configured Walidata/Pembina/Sekretariat organizations and two OPDs."""
    walidata = factories.User(name="walidata", fullname="Walidata Diskominfo")
    pembina = factories.User(name="pembina", fullname="Pembina BPS")
    sekretariat = factories.User(name="sekretariat", fullname="Sekretariat Bappeda")
    produsen = factories.User(name="operator_dinkes", fullname="Operator Dinkes")
    produsen_lain = factories.User(name="operator_dinsos", fullname="Operator Dinsos")
    anggota = factories.User(name="pimpinan_dinkes", fullname="Kepala Dinkes")
    sysadmin = factories.Sysadmin(name="admin")
    _org_with("diskominfo", "Dinas Komunikasi dan Informatika", walidata)
    _org_with("bps", "BPS Kota Pekalongan", pembina)
    _org_with("bappeda", "Bappeda", sekretariat)
    opd = factories.Organization(
        name="dinkes",
        title="Dinas Kesehatan",
        users=[
            {"name": produsen["name"], "capacity": "editor"},
            {"name": anggota["name"], "capacity": "member"},
        ],
    )
    opd_lain = _org_with("dinsos", "Dinas Sosial", produsen_lain)
    return Actors(
        walidata=walidata,
        pembina=pembina,
        sekretariat=sekretariat,
        produsen=produsen,
        produsen_lain=produsen_lain,
        anggota=anggota,
        sysadmin=sysadmin,
        opd=opd,
        opd_lain=opd_lain,
    )


@pytest.fixture
def call_as() -> Callable[..., Any]:
    """``call_as("action", user_or_None, **data)``: auth is checked, as in the API."""

    def call(action: str, user: dict[str, Any] | str | None, **data: Any) -> Any:
        name = user["name"] if isinstance(user, dict) else (user or "")
        context = {"user": name, "ignore_auth": False}
        return helpers.call_action(action, context=context, **data)

    return call


@pytest.fixture
def cycle(actors: Actors, call_as: Callable[..., Any]) -> dict[str, Any]:
    """The 2027 cycle, opened by the Walidata: step 1, no rows."""
    return call_as("satudata_cycle_create", actors.walidata, tahun=2027)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A local SMTP server on a free port, set as the site's ``smtp.server``:
    what it received is ``smtp.messages``; ``smtp.refuse`` addresses get 550."""
    yield from serve(monkeypatch)


@pytest.fixture
def storage(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A storage_path of the test's own: files written are the test's."""
    monkeypatch.setitem(tk.config, "ckan.storage_path", str(tmp_path))
    return str(tmp_path)
