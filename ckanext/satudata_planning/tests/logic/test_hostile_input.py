"""Hostile input over every ``satudata_*`` action, through the real HTTP API.

For each action the plugin registers (``get_actions()``, so a new action is
covered as soon as it exists) Hypothesis builds data dicts from the action's
real parameter names (its ``@validate`` schema and the ``:param`` lines of its
docstring) with hostile values: wrong types, 100k-character strings, unicode
(RTL, emoji, combining marks, NUL, lone surrogates), HTML and ``<script>``,
SQL fragments, impossible dates, unknown vocabulary values, ids of another
cycle or OPD, and random extra keys. Each call is posted to
``/api/3/action/<name>`` by one actor of a world with cycles at steps 1, 4, 6
and 10; the answer must be 200, 400, 403, 404 or 409 (CKAN answers a
``ValidationError`` with 409), never a 500 nor a traceback, and a refused call
must leave our tables and CKAN's package/member/group tables as they were.

The run is derandomized (same examples every time); ``SATUDATA_HOSTILE_RANDOM=1``
explores new ones (Hypothesis prints the failing example and the
``@reproduce_failure`` blob), ``SATUDATA_HOSTILE_EXAMPLES`` sets the examples
per action. The figures land in ``test-artifacts/figures/hostile.json``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ckan.model as model
import ckan.plugins as plugins
import pytest
import sqlalchemy as sa
from ckan.common import config
from ckan.tests import factories, helpers
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from ckanext.satudata_planning.logic import schema as schemas
from ckanext.satudata_planning.model.checking import STATUSES
from ckanext.satudata_planning.plugin import SatudataPlanningPlugin
from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.sop.documents import JENIS
from ckanext.satudata_planning.sop.row_fields import BY_KEY
from ckanext.satudata_planning.tests.conftest import _org_with
from ckanext.satudata_planning.tests.factories import add_item, item_ids, seeded_cycle

#: as the repository's ``clean_db`` migrates them (conftest.py)
PLUGINS_WITH_MIGRATIONS = ("activity", "satudata_pgsearch", "satudata_planning")

ROOT = Path(__file__).resolve().parents[4]
FIGURES = ROOT / "test-artifacts" / "figures" / "hostile.json"
EXAMPLES = int(os.environ.get("SATUDATA_HOSTILE_EXAMPLES", "40"))
RANDOM = os.environ.get("SATUDATA_HOSTILE_RANDOM") == "1"
#: what a refused or accepted call may answer (409: CKAN's ValidationError)
ALLOWED = {200, 400, 403, 404, 409}
#: actions without parameters (anything else must show its parameter names)
NO_PARAMS = {
    "satudata_cycle_list", "satudata_organization_list", "satudata_my_tasks",
    "satudata_portal_summary",
}
#: CKAN's tables that our actions write (datasets, memberships, organizations)
CKAN_TABLES = ("package", "member", "group", "resource", "activity")


def registered_actions() -> dict[str, Callable[..., Any]]:
    """The ``satudata_*`` actions as the plugin registers them."""
    actions = SatudataPlanningPlugin().get_actions()  # type: ignore[attr-defined]
    return {k: v for k, v in sorted(actions.items()) if k.startswith("satudata_")}


ACTIONS = registered_actions()


def schema_of(action: Callable[..., Any]) -> dict[str, Any]:
    """The schema the action's ``@validate`` decorator applies (``{}``: none)."""
    func = inspect.getclosurevars(action).nonlocals.get("schema_func")
    return dict(func()) if callable(func) else {}


def doc_params(action: Callable[..., Any]) -> list[str]:
    """The names its docstring documents (``:param a, b: …`` counts both)."""
    names: list[str] = []
    for group in re.findall(r":param ([\w, ]+):", inspect.getdoc(action) or ""):
        names += [n.strip() for n in group.split(",") if n.strip().isidentifier()]
    return names


def parameters(action: Callable[..., Any]) -> list[str]:
    keys = [k for k in schema_of(action) if not k.startswith("__")]
    return sorted(set(keys) | set(doc_params(action)))


# --- hostile values --------------------------------------------------------------

HUGE = "x" * 100_000
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
NASTY_TEXT = [
    "",
    " ",
    "\t\r\n",
    HUGE,
    "é" * 100_000,
    "\u202eRTL override\u202c",
    "مرحبا بالعالم",
    "👩\u200d👩\u200d👧\u200d👦🇮🇩",
    "e\u0301\u0302\u0303\u0304\u0305",
    "Z\u0338\u0322\u031b\u0316a\u0336l\u0334g\u0335o\u0337",
    "nul\x00byte",
    "\x00",
    "\ud800",
    "a\udfffb",
    "\x01\x1f\x7f\x9f",
    "\ufeff\u200b\u2028\u2029",
    XSS,
    '"><svg onload=alert(1)>',
    "{{7*7}} ${7*7} {0} {tahun} %s %(x)s",
    "'; DROP TABLE satudata_item;--",
    "' OR '1'='1",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "%_\\%",
    "0000-00-00",
    "9999-12-31",
    "2027-02-30",
    "-0001-01-01",
    "+10000-01-01",
    "2027-13-01",
    "1900-01-01",
    "31/12/2027",
    "NaN",
    "Infinity",
    "null",
    "true",
    "[]",
    "../../../../etc/passwd",
    "\r\nSet-Cookie: x=1",
    "²",
    "٢٠٢٧",
    "2027 ",
    "0x7e3",
]
NASTY_OTHER: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    2**31,
    2**63,
    -(2**63),
    10**40,
    1e308,
    -0.0,
    [],
    [None],
    ["a", 1],
    [[]],
    {},
    {"a": 1},
    [{"nama": XSS}],
    {"__junk": 1},
]

def _unstorable(text: str) -> bool:
    """NUL or a lone surrogate: what PostgreSQL or UTF-8 cannot take."""
    return any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF for c in text)


#: each kind of hostility is one branch, so each is drawn about as often
ODD_ROW: dict[str, Any] = {
    "nama_data": XSS + " \u202eRTL\u202c 👩\u200d👩\u200d👧 e\u0301",
    "definisi": "'; DROP TABLE package;-- %_\\",
    "satuan": "{{7*7}}",
    "kategori_sumber": ["sdgs"],
    "jadwal_rilis": dt.date(2030, 1, 15),
    "hasil": "disetujui",
    "disepakati": True,
}

scalar = st.one_of(
    st.sampled_from([v for v in NASTY_TEXT if _unstorable(v)]),
    st.sampled_from([v for v in NASTY_TEXT if len(v) > 1000]),
    st.sampled_from(NASTY_TEXT),
    st.sampled_from(NASTY_OTHER),
    st.text(max_size=30),
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)
hostile = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def poisoned(value: Any) -> st.SearchStrategy[Any]:
    """A plausible value made hostile: it still looks like an id, a year, a
    code, so it passes shape checks and reaches the queries."""
    text = str(value)
    return st.sampled_from(
        [
            text + "\x00",
            "\x00" + text,
            text + "\ud800",
            text + "\x1b[31m",
            text + HUGE,
            " " + text + " ",
            text + "'--",
            text.upper(),
            [value],
            {"id": value},
            [value, value],
        ]
    )


# --- the world the calls land in ---------------------------------------------------

#: the actors a call is made as: powerful, executors of a step, and nobodies
ACTOR_NAMES = (
    "walidata",
    "admin",
    "sekretariat",
    "pembina",
    "operator_dinkes",
    "operator_dinsos",
    "pimpinan_dinkes",
    None,
)


@dataclass
class World:
    app: Any
    tokens: dict[str, str]
    cycles: list[dict[str, Any]]
    item_refs: list[Any]
    org_refs: list[str]
    #: ids and names of the datasets step 10 made (the 2030 cycle)
    dataset_refs: list[str]
    engine: sa.Engine
    tables: list[str]
    counts: Counter = field(default_factory=Counter)
    fingerprint: dict[str, str] = field(default_factory=dict)
    actions_seen: set[str] = field(default_factory=set)

    def snapshot(self) -> dict[str, str]:
        """md5 of every watched table's rows (committed state, own connection)."""
        parts = ", ".join(
            f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f'FROM "{t}" t) AS "{t}"'
            for t in self.tables
        )
        with self.engine.connect() as conn:
            row = conn.execute(sa.text(f"SELECT {parts}")).mappings().one()
        return dict(row)


def _reset_database() -> None:
    dropped = not model.repo.tables_created_and_initialised
    helpers.reset_db()
    if dropped:
        from ckan.cli.db import _run_migrations

        for plugin in PLUGINS_WITH_MIGRATIONS:
            if plugins.plugin_loaded(plugin):
                _run_migrations(plugin, "head", True)


def _call(action: str, user: dict[str, Any] | None, **data: Any) -> Any:
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    return helpers.call_action(action, context=context, **data)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """Actors with API tokens; cycles at steps 1, 4, 6 and 10 with real rows."""
    plugins.load_all()
    _reset_database()
    users = {
        "walidata": factories.User(name="walidata"),
        "pembina": factories.User(name="pembina"),
        "sekretariat": factories.User(name="sekretariat"),
        "produsen": factories.User(name="operator_dinkes"),
        "produsen_lain": factories.User(name="operator_dinsos"),
        "anggota": factories.User(name="pimpinan_dinkes"),
        "sysadmin": factories.Sysadmin(name="admin"),
    }
    _org_with("diskominfo", "Diskominfo", users["walidata"])
    _org_with("bps", "BPS", users["pembina"])
    _org_with("bappeda", "Bappeda", users["sekretariat"])
    factories.Organization(
        name="dinkes",
        title="Dinas Kesehatan",
        users=[
            {"name": "operator_dinkes", "capacity": "editor"},
            {"name": "pimpinan_dinkes", "capacity": "member"},
        ],
    )
    _org_with("dinsos", "Dinas Sosial", users["produsen_lain"])

    class Actors:
        pass

    actors = Actors()
    for label, user in users.items():
        setattr(actors, label, user)
    cycles = [
        seeded_cycle(_call, actors, last, tahun=tahun)
        for tahun, last in ((2027, 0), (2028, 3), (2029, 5), (2030, 9))
    ]
    # the desk sent one row of the step-4 cycle back to its OPD
    first = next(iter(item_ids(cycles[1]["id"]).values()))
    _call("satudata_item_review", actors.sekretariat, id=first, hasil="perbaikan")
    # rows whose text is odd but valid, agreed (step 10 provisions them) and
    # in the list being compiled
    for cycle, kode in ((cycles[3], "2030-ODD-%_\\"), (cycles[0], "2027-ODD-'--")):
        add_item(cycle["id"], "dinkes", **ODD_ROW, kode_data=kode)
    item_refs: list[Any] = []
    for cycle in cycles:
        item_refs += list(item_ids(cycle["id"]).values())
    item_refs += [
        kode for (kode,) in model.Session.execute(
            sa.text("SELECT kode_data FROM satudata_item ORDER BY kode_data")
        )
    ]
    # step 10 of the 2030 cycle: its datasets, one filled and submitted, one
    # filled (the checking actions then have something to work on)
    _call("satudata_provision", actors.sysadmin, cycle_id=cycles[3]["id"])
    made = _call("satudata_verification_list", actors.sysadmin,
                 cycle_id=cycles[3]["id"], organization="dinkes")["results"]
    for n, dataset in enumerate(made[:2]):
        _call("resource_create", actors.produsen, package_id=dataset["package_id"],
              url="http://example.com/data.csv", name="Data")
        if n == 0:
            _call("satudata_dataset_submit", actors.produsen, id=dataset["name"])
    dataset_refs = [d["package_id"] for d in made] + [d["name"] for d in made]
    tokens = {
        user["name"]: helpers.call_action(
            "api_token_create",
            context={"user": user["name"], "ignore_auth": True},
            user=user["name"],
            name="hostile",
        )["token"]
        for user in users.values()
    }
    orgs = [g for g in model.Session.query(model.Group).filter_by(is_organization=True)]
    org_refs = [g.name for g in orgs] + [g.id for g in orgs]
    model.Session.remove()
    engine = sa.create_engine(config["sqlalchemy.url"])
    with engine.connect() as conn:
        ours = conn.execute(
            sa.text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_name LIKE 'satudata%' "
                "AND table_name NOT LIKE '%alembic%' ORDER BY table_name"
            )
        ).scalars().all()
    w = World(
        app=helpers._get_test_app(),
        tokens=tokens,
        cycles=cycles,
        item_refs=item_refs,
        org_refs=org_refs,
        dataset_refs=dataset_refs,
        engine=engine,
        tables=[*ours, *CKAN_TABLES],
    )
    w.fingerprint = w.snapshot()
    started = time.monotonic()
    yield w
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(
        json.dumps(
            {
                "actions": len(w.actions_seen),
                "inputs": w.counts["inputs"],
                "status_500": w.counts["status_500"],
                "by_status": {
                    str(k[7:]): v
                    for k, v in sorted(w.counts.items())
                    if k.startswith("status_") and k != "status_500"
                },
                "refused_and_checked_unchanged": w.counts["refused_checked"],
                "examples_per_action": EXAMPLES,
                "actors": len(ACTOR_NAMES),
                "seconds": round(time.monotonic() - started, 1),
            },
            indent=2,
        )
        + "\n"
    )
    engine.dispose()
    plugins.unload_all()


# --- strategies per parameter --------------------------------------------------------

#: a well-formed id that names nothing
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
DATE_KEYS = {"tanggal", "tanggal_mulai", "jadwal_rilis", "jadwal_pemutakhiran"}
INT_KEYS = {"limit", "offset", "revision", "step", "tahun", "from_tahun"}
BOOL_KEYS = {
    "background",
    "resend",
    "include_history",
    "include_recommendations",
    "mine_first",
    "disepakati",
    "queued",
}
#: parameter → vocabulary of its plausible values
VOCAB_KEYS = {
    **{k: f.vocabulary for k, f in BY_KEY.items() if f.vocabulary},
    "status": "status_usulan",
    "kategori": "kategori_sumber",
}
VALID_ODD_TEXT = [
    "Jumlah Puskesmas",
    XSS,
    "'; DROP TABLE satudata_item;--",
    "%_\\%",
    "\u202eRTL override\u202c",
    "مرحبا بالعالم",
    "👩\u200d👩\u200d👧\u200d👦🇮🇩",
    "e\u0301\u0302\u0303",
    "{{7*7}} ${7*7} {0} {tahun}",
]
DATES = ["2027-03-31", "2026-08-12", "9999-12-31", "0001-01-01", "1899-12-31"]
INTS = [0, 1, 4, 6, 10, 11, -1, 1000, 10**4, 2**31, 2**63, 10**40, "7", " 3 ", "x"]


def plausible(key: str, w: World) -> st.SearchStrategy[Any]:
    """Values of the right shape for ``key``: real ids of every cycle and OPD
    (so of the wrong ones too), real vocabulary values, edge numbers."""
    cycle_refs = [c["id"] for c in w.cycles] + [c["tahun"] for c in w.cycles]
    cycle_refs += [str(c["tahun"]) for c in w.cycles] + [2031, "1999", NO_SUCH_ID]
    items = st.sampled_from([*w.item_refs, NO_SUCH_ID, "2027-DINKES-999"])
    if key in ("cycle_id", "from_tahun", "tahun"):
        return st.sampled_from(cycle_refs)
    datasets = st.sampled_from([*w.dataset_refs, NO_SUCH_ID, "tidak-ada"])
    if key == "id":
        return st.sampled_from(cycle_refs) | items | datasets
    if key in ("item_id", "item_a", "item_b", "duplikat_dari"):
        return items
    if key == "ids":
        return st.lists(items, max_size=4) | items.map(str)
    if key == "organization":
        return st.sampled_from([*w.org_refs, "tidak-ada", "DINKES"])
    if key == "jenis":
        return st.sampled_from([*JENIS, "ba", "SK"])
    if key == "hasil":
        return st.sampled_from([*vocabularies.values("hasil"), "belum", "none",
                                "diterima", "Perbaikan"])
    if key == "status":  # a row's proposal status, or a dataset's checking
        return st.sampled_from([*vocabularies.values("status_usulan"), *STATUSES,
                                "Diajukan", "bukan_nilai"])
    if key in VOCAB_KEYS:
        terms = vocabularies.values(VOCAB_KEYS[key])
        if BY_KEY.get(key) and BY_KEY[key].kind == "multi_vocab":
            return st.lists(st.sampled_from([*terms, "bukan"]), max_size=3)
        return st.sampled_from([*terms, "Tahunan", "bukan_nilai"])
    if key in DATE_KEYS:
        return st.sampled_from(DATES) | st.dates().map(str)
    if key in INT_KEYS:
        return st.sampled_from(INTS) | st.integers()
    if key in BOOL_KEYS:
        return st.sampled_from([True, False, "true", "ya", "0", "maybe"])
    if key in ("peserta", "penandatangan"):
        person = st.fixed_dictionaries(
            {"nama": scalar, "jabatan": scalar},
            optional={"instansi": scalar, "nip": scalar, "extra": scalar},
        )
        return st.lists(person, max_size=3) | st.text(max_size=200) | st.just(
            "Budi; Kepala; 1970\x00\nSiti; <script>; ''--"
        )
    if key == "sort":
        return st.sampled_from(
            [*schemas.ITEM_SORTS, "nama_data desc", "kode_data sideways", "id; --"]
        )
    # text that is valid however odd: it must be stored and shown as it is
    return st.sampled_from(VALID_ODD_TEXT) | st.text(max_size=40)


def hostile_for(key: str, w: World) -> st.SearchStrategy[Any]:
    return st.one_of(plausible(key, w).flatmap(poisoned), hostile)


@st.composite
def data_dicts(draw: Any, action: str, w: World) -> dict[str, Any]:
    """Most parameters plausible (so the call reaches the action's work), up to
    three of them hostile, some left out, plus random extra keys."""
    keys = parameters(ACTIONS[action])
    present = [k for k in keys if draw(st.sampled_from((True, True, True, False)))]
    data = {k: draw(plausible(k, w)) for k in present}
    if keys:
        for k in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
            data[k] = draw(hostile_for(k, w))
    extra = draw(st.dictionaries(st.text(max_size=12), hostile, max_size=2))
    return {**extra, **data}


# --- the tests ------------------------------------------------------------------------


def test_every_action_has_a_strategy(world: World) -> None:
    """A new action without parameter names (schema or docstring) fails here."""
    assert len(ACTIONS) >= 25
    missing = [
        name for name, fn in ACTIONS.items()
        if not parameters(fn) and name not in NO_PARAMS
    ]
    assert not missing, f"actions without a schema or documented params: {missing}"


def post(w: World, action: str, payload: dict[str, Any], actor: str | None) -> Any:
    headers = {"Authorization": w.tokens[actor]} if actor else {}
    # lone surrogates go as JSON escapes, as a client may send them. NaN and
    # Infinity are not JSON (RFC 8259): no JSON client sends them, and CKAN
    # itself answers 500 when it echoes them back in a DataError
    body = json.dumps(payload, allow_nan=False)
    return w.app.post(
        f"/api/3/action/{action}",
        data=body,
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_hostile_input_never_500_and_refusals_change_nothing(
    world: World, action: str
) -> None:
    w = world
    w.actions_seen.add(action)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(payload=data_dicts(action, w), actor=st.sampled_from(ACTOR_NAMES))
    def check(payload: dict[str, Any], actor: str | None) -> None:
        note(f"POST /api/3/action/{action} as {actor}: {json.dumps(payload)[:2000]}")
        w.counts["inputs"] += 1
        try:
            res = post(w, action, payload, actor)
        except Exception:  # propagated out of the app: a 500 in production
            w.counts["status_500"] += 1
            raise
        status = res.status_code
        w.counts[f"status_{status}"] += 1
        text = res.get_data(as_text=True)
        note(f"-> {status} {text[:1000]}")
        assert status in ALLOWED, f"{action} answered {status}: {text[:2000]}"
        assert "Traceback" not in text
        after = w.snapshot()
        if status != 200:
            w.counts["refused_checked"] += 1
            changed = [t for t in after if after[t] != w.fingerprint.get(t)]
            assert not changed, f"refused {action} ({status}) changed {changed}"
        w.fingerprint = after

    check()


# --- a deterministic sweep: every parameter, every poison, otherwise valid -----------

#: the cycle each action works on in the sweep (the step where it does its work)
SWEEP_YEAR = {
    "satudata_item_review": 2028,
    "satudata_duplicates": 2028,
    "satudata_duplicate_ignore": 2028,
    "satudata_recommendation_create": 2028,
    "satudata_recommendation_list": 2028,
    "satudata_item_agree": 2029,
    "satudata_document_update": 2029,
    "satudata_document_upload": 2029,
    "satudata_document_show": 2029,
    "satudata_document_data": 2029,
    "satudata_sk_publish": 2030,
    "satudata_provision": 2030,
    "satudata_provision_status": 2030,
    "satudata_progress": 2030,
    "satudata_todo_datasets": 2030,
    "satudata_dataset_submit": 2030,
    "satudata_dataset_review": 2030,
    "satudata_verification_list": 2030,
    "satudata_verification_show": 2030,
}


def baseline(action: str, w: World) -> dict[str, Any]:
    """A valid call of ``action`` (as far as its required parameters go) on the
    cycle where it does its work: a poison in one parameter then reaches the
    action's queries instead of stopping at another parameter's error."""
    year = SWEEP_YEAR.get(action, 2027)
    cycle = next(c for c in w.cycles if c["tahun"] == year)
    rows = list(item_ids(cycle["id"]).values())
    model.Session.remove()
    checked = "dataset" in action or "verification" in action
    values: dict[str, Any] = {
        "cycle_id": year,
        "id": (rows[0] if "item" in action else
               w.dataset_refs[0] if checked else year),
        "organization": "dinkes",
        "nama_data": "Jumlah Puskesmas",
        "jenis": "rincian" if action == "satudata_duplicates" else "ba_desk",
        "hasil": "perbaikan" if checked else "disetujui",
        "catatan": "Lengkapi data kecamatan",
        "isi": "Rekomendasi",
        "ids": rows[:1],
        "disepakati": True,
        "step": 9,
        "from_tahun": 2030,
        "item_a": rows[0],
        "item_b": rows[-1],
    }
    keys = set(parameters(ACTIONS[action]))
    return {k: v for k, v in values.items() if k in keys}


def poisons(value: Any, turn: int) -> list[Any]:
    """What PostgreSQL and UTF-8 cannot take, always; two more kinds of
    hostility in turn (``turn``), so the sweep stays short and every kind is
    tried on parameters of every sort."""
    text = "x" if value is None else str(value)
    others: list[Any] = [
        text + "\x01",
        HUGE,
        [value if value is not None else text],
        {"k": text},
        True,
        10**40,
        1e308,
        "9999-12-31",
        "0000-00-00",
    ]
    return [
        text + "\x00",
        text + "\ud800",
        others[(2 * turn) % len(others)],
        others[(2 * turn + 1) % len(others)],
    ]


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_parameter_poisoned_in_an_otherwise_valid_call(
    world: World, action: str
) -> None:
    w = world
    w.actions_seen.add(action)
    base = baseline(action, w)
    for turn, key in enumerate(parameters(ACTIONS[action])):
        for poison in poisons(base.get(key), turn):
            payload = {**base, key: poison}
            label = f"{action} {key}={json.dumps(poison)[:80]}"
            w.counts["inputs"] += 1
            res = post(w, action, payload, "admin")
            status = res.status_code
            w.counts[f"status_{status}"] += 1
            text = res.get_data(as_text=True)
            assert status in ALLOWED, f"{label} -> {status}: {text[:1000]}"
            assert "Traceback" not in text
            if _unstorable(str(poison)) and key not in BOOL_KEYS:
                # refused by the schema, and the error names the parameter
                assert status == 409, f"{label} -> {status}: {text[:1000]}"
                assert key in res.json["error"], f"{label}: {text[:1000]}"
            after = w.snapshot()
            if status != 200:
                w.counts["refused_checked"] += 1
                changed = [t for t in after if after[t] != w.fingerprint.get(t)]
                assert not changed, f"refused {label} ({status}) changed {changed}"
            w.fingerprint = after


def test_odd_but_valid_text_is_kept_as_it_is_through_provisioning(world: World) -> None:
    """HTML, SQL, RTL marks and emoji are data: stored and provisioned verbatim."""
    w = world
    res = post(w, "satudata_provision", {"cycle_id": 2030}, "walidata")
    assert res.status_code == 200, res.get_data(as_text=True)[:2000]
    w.counts["inputs"] += 1
    w.counts["status_200"] += 1
    w.fingerprint = w.snapshot()
    found = post(w, "satudata_item_list", {"cycle_id": 2030, "q": "%_\\"}, "walidata")
    assert found.status_code == 200, found.get_data(as_text=True)[:2000]
    listed = found.json["result"]
    assert [r["kode_data"] for r in listed["results"]] == ["2030-ODD-%_\\"]
    row = listed["results"][0]
    assert row["nama_data"] == ODD_ROW["nama_data"]
    assert row["package_id"], "the odd row got no dataset"
    shown = post(w, "package_show", {"id": row["package_id"]}, "operator_dinkes")
    assert shown.status_code == 200, shown.get_data(as_text=True)[:2000]
    dataset = shown.json
    assert dataset["result"]["title"] == ODD_ROW["nama_data"]
    assert ODD_ROW["definisi"] in dataset["result"]["notes"]
