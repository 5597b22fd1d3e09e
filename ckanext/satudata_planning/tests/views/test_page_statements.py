"""The SQL statements of the cycle's busiest screens as civil servants use
them: the list, the desk, the dashboard and the portal page each send at most
a fixed number, the same for a list of 20 rows as for 200, and read the
cycle and the viewer's roles once per request."""
from __future__ import annotations

from collections import Counter
from typing import Any

import ckan.model as model
import pytest
from ckan.model.types import make_uuid

from ckanext.satudata_planning.logic.action import desk
from ckanext.satudata_planning.model import Item
from ckanext.satudata_planning.tests.statements import statements
from ckanext.satudata_planning.tests.web import login

#: page: (path after /perencanaan/<tahun>, the most statements it may send:
#: the list the 30 its issue set, the others what they send today)
PAGES = {
    "list": ("/daftar", 30),
    "desk": ("/desk", 31),
    "dashboard": ("", 25),
    "portal": ("/portal", 26),
}
SMALL, LARGE = 20, 200


def _rows(cycle_id: str, count: int) -> None:
    """``count`` agreed rows, half of Dinkes and half of Dinsos, each name
    proposed by both: every row has a duplicate candidate."""
    orgs = {name: model.Group.get(name).id for name in ("dinkes", "dinsos")}
    for i in range(count):
        org = ("dinkes", "dinsos")[i % 2]
        model.Session.add(Item(
            id=make_uuid(), cycle_id=cycle_id, organization_id=orgs[org],
            kode_data=f"{org.upper()}-{i:04d}", revision=1, state="active",
            nama_data=f"Jumlah sarana kesehatan nomor {i // 2}",
            kategori_sumber=[], satuan="unit", hasil="disetujui", disepakati=True,
        ))
    model.Session.commit()


def _flat(statement: str) -> str:
    return " ".join(statement.split())


def _sent(app: Any, tahun: int, path: str) -> list[str]:
    """The statements of one GET of the page (after a first GET that warms
    templates and translations; the desk's pairs computed again, as after any
    change to a row)."""
    url = f"/perencanaan/{tahun}{path}"
    assert app.get(url).status_code == 200
    desk._CACHE.clear()
    with statements() as sent:
        res = app.get(url)
    assert res.status_code == 200
    return [_flat(s) for s in sent]


def _summary(sent: list[str]) -> str:
    return "\n".join(f"{n}x {s[:140]}" for s, n in Counter(sent).most_common())


@pytest.fixture
def cycles(actors: Any, call_as: Any) -> None:
    """2026 with a list of 20 rows, 2027 with 200 (both at step 1)."""
    for tahun, count in ((2026, SMALL), (2027, LARGE)):
        cycle = call_as("satudata_cycle_create", actors.walidata, tahun=tahun)
        _rows(cycle["id"], count)


@pytest.mark.parametrize("page", list(PAGES))
def test_statements_are_few_and_do_not_grow_with_the_list(app, actors, cycles,
                                                          page):
    path, most = PAGES[page]
    login(app, actors.walidata)  # desk member, and Produsen Data of Diskominfo
    few = _sent(app, 2026, path)
    many = _sent(app, 2027, path)
    assert len(many) == len(few), (
        f"{page}: {len(few)} statements at {SMALL} rows, {len(many)} at {LARGE}\n"
        + _summary(many))
    assert len(many) <= most, f"{page}: {len(many)} statements\n" + _summary(many)
    # the cycle (by its year or id) and who the viewer is: once per request
    # (the list also lists every cycle, for the Walidata's carry-over years)
    cycle = [s for s in many if "FROM satudata_cycle WHERE" in s]
    roles = [s for s in many if 'FROM "user" LEFT OUTER JOIN (SELECT member' in s]
    assert (len(cycle), len(roles)) == (1, 1), _summary(many)
