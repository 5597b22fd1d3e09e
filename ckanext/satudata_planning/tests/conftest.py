"""Test harness shared by every test of the extension.

* ``clean_db`` resets CKAN's database like core's fixture does, then runs this
  distribution's migrations (core's fixture drops every table, ours too).
  Core's reset DELETEs rows, which the append-only audit trail refuses: for
  the whole session it TRUNCATEs ``satudata_event`` first.
* ``actors``: one CKAN user per SOP actor, in the organizations the config names.
* ``call_as``: call an action as one of them, with auth checked.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories, helpers
from sqlalchemy.orm import close_all_sessions

# ``activity`` is enabled in test.ini and dataset actions write to its table.
PLUGINS_WITH_MIGRATIONS = ("activity", "satudata_pgsearch", "satudata_planning")


@pytest.fixture
def clean_db(
    with_plugins: None,
    reset_db: Callable[[], None],
    migrate_db_for: Callable[[str], None],
) -> None:
    """Empty database with CKAN's, activity's and this extension's tables.

    Core's reset only deletes rows once tables exist; it drops them (ours too)
    the first time, and only then do the plugins' migrations have to run
    again. ``migrate_db_for`` finds a plugin's migrations only once it is
    loaded, hence ``with_plugins`` first.
    """
    dropped = not model.repo.tables_created_and_initialised
    reset_db()
    if dropped:
        for plugin in PLUGINS_WITH_MIGRATIONS:
            migrate_db_for(plugin)


def _empty_audit_trail() -> None:
    """TRUNCATE the audit trail (a no-op before the tables exist).

    The events table refuses UPDATE and DELETE (migration 04, a row trigger);
    TRUNCATE fires no row trigger, and on an empty table a DELETE has no row
    to refuse.
    """
    close_all_sessions()  # as core's reset does: no open transaction may wait
    with model.ensure_engine().begin() as conn:
        if conn.execute(sa.text("SELECT to_regclass('satudata_event')")).scalar():
            conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(sa.text("TRUNCATE satudata_event"))


@pytest.fixture(autouse=True, scope="session")
def _test_reset_empties_the_audit_trail() -> Iterator[None]:
    """CKAN's test reset (``reset_db`` → ``repo.delete_all``) DELETEs every
    table's rows, which the append-only audit trail refuses; empty it first
    by TRUNCATE, whoever calls the reset (``clean_db``, ``reset_db``,
    ``helpers.reset_db``)."""
    original = model.repo.delete_all

    def delete_all() -> None:
        _empty_audit_trail()
        original()

    model.repo.delete_all = delete_all  # type: ignore[method-assign]
    yield
    model.repo.delete_all = original  # type: ignore[method-assign]


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
