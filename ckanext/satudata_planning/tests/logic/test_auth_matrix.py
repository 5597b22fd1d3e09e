"""The auth matrix, generated from the one table (``logic/access.py``).

For every row of the table, every stage of a cycle (steps 1–10, step 9
before and after the SK is published, the finished cycle) and every column
(anonymous … sysadmin), ``check_access`` must answer as the table says; where
the action itself checks the step (the table's *applies*), the real action is
called in every stage as well. Mismatches are collected and reported together.
The table must name every registered ``satudata_*`` action, and the README
must print it unchanged.
"""

from __future__ import annotations

import datetime as dt
import doctest
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan.tests import helpers

from ckanext.satudata_planning.logic import access
from ckanext.satudata_planning.logic.access import Role, Rule, Stage
from ckanext.satudata_planning.model import Cycle, Document, Item
from ckanext.satudata_planning.sop import roles as roles_
from ckanext.satudata_planning.tests.factories import PDF, add_item, agreed_rows

pytestmark = pytest.mark.usefixtures("with_plugins", "with_request_context")

ROOT = Path(__file__).resolve().parents[4]
README = ROOT / "README.md"
FIGURES = ROOT / "test-artifacts" / "figures" / "auth_matrix.json"
TAHUN = 2027

DataDict = dict[str, Any]


# --- the table against the registry and the README -----------------------------


def _registered(interface: Any, method: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for plugin in p.PluginImplementations(interface):
        for name, fn in getattr(plugin, method)().items():
            if name.startswith("satudata_"):
                found[name] = fn
    return found


def test_every_registered_action_has_a_row_and_every_row_an_action():
    registered = set(_registered(p.IActions, "get_actions"))
    tabled = set(access.actions())
    assert len(registered) >= 29
    assert sorted(registered - tabled) == [], "actions without a row in access.TABLE"
    assert sorted(tabled - registered) == [], "rows naming no registered action"


def test_anonymous_access_is_declared_where_the_table_lets_anonymous_in():
    """CKAN refuses anonymous callers unless the auth function says otherwise:
    that flag must agree with the table's anonymous column."""
    auth = _registered(p.IAuthFunctions, "get_auth_functions")
    wrong = []
    for action in access.actions():
        table = any(r.who[Role.ANONYMOUS] for r in access.rules_of(action))
        flag = bool(getattr(auth[action], "auth_allow_anonymous_access", False))
        if table != flag:
            wrong.append(f"{action}: table {table}, auth function {flag}")
    assert wrong == []


def test_readme_prints_the_table():
    block = access.readme_block(README.read_text(encoding="utf-8"))
    assert block is not None, "README.md lacks the auth-matrix markers"
    assert block == access.markdown(), (
        "README's auth matrix is stale: ckan satudata auth-table --readme README.md"
    )


def test_table_reads_naturally_and_its_doctests_hold():
    assert doctest.testmod(access).failed == 0
    assert access.describe(access.steps(1, 4)) == "steps 1, 4"
    assert access.describe(access.steps(9) - access.PUBLISHED) == (
        "step 9, until the SK is published"
    )
    assert access.describe(access.steps(10)) == "step 10, until finished"
    assert access.describe(access.FINISHED) == "once finished"
    assert access.describe(access.NEVER) == "—"
    with pytest.raises(ValueError):
        access.steps(11)
    readme = "x\n" + access.START + "\nold\n" + access.END + "\ny\n"
    assert access.readme_block(access.with_table(readme)) == access.markdown()
    with pytest.raises(ValueError):
        access.with_table("no markers")


def test_columns_of_a_user():
    """An editor is the Produsen of their organization's rows and "other OPD"
    of the rest; a member who only reads stands in no column, yet passes the
    actions open to every signed-in role."""
    from ckanext.satudata_planning.sop import Actor

    editor = roles_.UserRoles(
        user_id="u", name="u", actors=frozenset({Actor.PRODUSEN}),
        produsen_of=frozenset({"dinkes"}),
    )
    reader = roles_.UserRoles(user_id="r", name="r", member_of=frozenset({"dinkes"}))
    walidata = roles_.UserRoles(
        user_id="w", name="w", actors=frozenset({Actor.PRODUSEN, Actor.WALIDATA}),
        produsen_of=frozenset({"diskominfo"}),
    )
    assert access.columns(roles_.ANONYMOUS) == {Role.ANONYMOUS}
    assert access.columns(editor, "dinkes") == {Role.PRODUSEN}
    assert access.columns(editor, "dinsos") == {Role.OTHER_OPD}
    assert access.columns(editor) == {Role.PRODUSEN, Role.OTHER_OPD}
    assert access.columns(reader) == frozenset()
    assert access.columns(walidata, "dinkes") == {Role.OTHER_OPD, Role.WALIDATA}
    assert access.allows("satudata_cycle_events", reader)
    assert not access.allows("satudata_cycle_events", roles_.ANONYMOUS)
    assert access.allows("satudata_cycle_list", roles_.ANONYMOUS)
    assert not access.allows("satudata_duplicates", editor)
    assert access.allows("satudata_sk_publish", walidata)
    assert not access.allows("satudata_sk_publish", editor)
    with pytest.raises(KeyError):
        access.allows("satudata_item_create", editor)  # not a pure "who"


# --- the cycle the matrix is checked on -------------------------------------------


@dataclass
class World:
    """One cycle of 2027 and rows of ``dinkes`` in each state the rules read,
    and the dataset step 10 made for the agreed one."""

    cycle_id: str
    baru: str
    tambahan: str
    perbaikan: str
    agreed: str
    other: str
    dataset: str


@pytest.fixture
def world(actors: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    # files and e-mails of the real calls stay inside the test
    monkeypatch.setitem(tk.config, "ckan.storage_path", str(tmp_path))
    monkeypatch.setitem(tk.config, "smtp.server", "127.0.0.1:9")
    cycle = helpers.call_action(
        "satudata_cycle_create", context={"user": actors.walidata["name"]}, tahun=TAHUN
    )
    cid = cycle["id"]
    baru = add_item(cid, nama_data="Jumlah Puskesmas", status_usulan="baru")
    tambahan = add_item(cid, nama_data="Jumlah Posyandu", status_usulan="tambahan")
    perbaikan = add_item(
        cid, nama_data="Angka Kematian Ibu", status_usulan="baru", hasil="perbaikan"
    )
    other = add_item(cid, nama_data="Jumlah Bidan", status_usulan="baru")
    (agreed,) = agreed_rows(cid, "dinkes", 1, status_usulan="baru")
    # the signed SK that publishing needs (number, date, file)
    model.Session.add(
        Document(cycle_id=cid, jenis="sk", nomor="100.3.3.3/412/2026",
                 tanggal=dt.date(2026, 12, 1), file="sk-2027.pdf",
                 peserta=[], penandatangan=[])
    )
    model.Session.commit()
    helpers.call_action("satudata_provision", context={"user": actors.sysadmin["name"]},
                        cycle_id=cid, background=False)
    model.Session.expire_all()
    row = model.Session.get(Item, agreed.id)
    assert row is not None and row.package_id
    dataset = row.package_id
    return World(cid, baru.id, tambahan.id, perbaikan.id, agreed.id, other.id,
                 dataset)


def set_stage(cycle_id: str, stage: Stage) -> None:
    """Move the cycle straight to ``stage`` (the rules read nothing else)."""
    model.Session.execute(
        sa.update(Cycle)
        .where(Cycle.id == cycle_id)
        .values(
            current_step=stage.step,
            published=stage.published,
            status="selesai" if stage.finished else "berjalan",
        )
    )
    model.Session.commit()
    model.Session.expire_all()
    assert Stage.of(Cycle.get(cycle_id)) == stage


Data = Callable[[World, Stage], list[DataDict]]


def _one(**data: Any) -> Data:
    """The same call in every stage; ``"@cycle"`` and ``"@<row>"`` name the
    world's cycle and rows."""

    def build(w: World, s: Stage) -> list[DataDict]:
        return [{k: _ref(w, v) for k, v in data.items()}]

    return build


def _ref(w: World, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return w.cycle_id if value == "@cycle" else getattr(w, value[1:])
    if isinstance(value, list):
        return [_ref(w, v) for v in value]
    return value


_CYCLE = _one(cycle_id="@cycle")
_EDIT = {
    "*baru* or *lama* row, not sent back": "@baru",
    "*tambahan* row": "@tambahan",
    "row sent back for *perbaikan*": "@perbaikan",
}

#: the data each row is checked with (a new row of the table needs one here)
DATA: dict[tuple[str, str], Data] = {
    ("satudata_cycle_create", ""): _one(tahun=2099),
    ("satudata_cycle_show", ""): _one(id="@cycle"),
    ("satudata_cycle_list", ""): _one(),
    ("satudata_step_complete", "the current step"): (
        lambda w, s: [{"id": w.cycle_id, "step": s.step}]
    ),
    ("satudata_cycle_events", ""): _one(id="@cycle"),
    ("satudata_item_create", "a row of the OPD"): _one(
        cycle_id="@cycle", organization="dinkes", nama_data="Jumlah Apotek"
    ),
    **{
        (action, case): _one(id=ref, nama_data="Diubah")
        for action in ("satudata_item_update", "satudata_item_patch")
        for case, ref in _EDIT.items()
    },
    ("satudata_item_delete", ""): _one(id="@baru"),
    ("satudata_item_show", "row agreed by the forum"): _one(id="@agreed"),
    ("satudata_item_show", "row not agreed"): _one(id="@baru"),
    ("satudata_item_list", ""): _CYCLE,
    ("satudata_item_import", ""): _CYCLE,
    ("satudata_item_carry_over", ""): _one(cycle_id="@cycle", from_tahun=2026),
    ("satudata_duplicates", ""): _CYCLE,
    ("satudata_duplicate_ignore", ""): _one(
        cycle_id="@cycle", item_a="@baru", item_b="@other"
    ),
    ("satudata_item_review", ""): _one(id="@baru", hasil="disetujui"),
    ("satudata_recommendation_create", ""): _one(cycle_id="@cycle", isi="Saran"),
    ("satudata_recommendation_list", ""): _CYCLE,
    ("satudata_organization_list", ""): _one(),
    **{
        (action, case): _one(cycle_id="@cycle", jenis=jenis, **extra)
        for action in ("satudata_document_update", "satudata_document_upload")
        for case, jenis, extra in (
            ("BA desk (`ba_desk`)", "ba_desk", {"tempat": "Aula Bappeda"}),
            ("BA forum (`ba_forum`)", "ba_forum", {"tempat": "Aula Bappeda"}),
            ("BA forum attendance (`peserta` only)", "ba_forum",
             {"peserta": "Budi Santoso; Kepala Bidang; Bappeda"}),
            ("SK (`sk`)", "sk", {"tempat": "Pekalongan"}),
        )
        if action == "satudata_document_update" or "peserta" not in extra
    },
    ("satudata_document_show", "SK"): _one(cycle_id="@cycle", jenis="sk"),
    ("satudata_document_show", "BA desk, BA forum"): (
        lambda w, s: [{"cycle_id": w.cycle_id, "jenis": j}
                      for j in ("ba_desk", "ba_forum")]
    ),
    ("satudata_document_data", ""): _one(cycle_id="@cycle", jenis="ba_desk"),
    ("satudata_item_agree", ""): _one(
        cycle_id="@cycle", ids=["@agreed"], disepakati=True
    ),
    ("satudata_sk_publish", "publish"): _CYCLE,
    ("satudata_sk_publish", "resend the e-mails"): _one(cycle_id="@cycle", resend=True),
    ("satudata_provision", ""): _CYCLE,
    ("satudata_provision_status", ""): _CYCLE,
    ("satudata_progress", ""): _CYCLE,
    ("satudata_todo_datasets", "the caller's own organizations"): _one(),
    ("satudata_todo_datasets", "one organization's list"): _one(organization="dinkes"),
    ("satudata_dataset_submit", ""): _one(id="@dataset"),
    ("satudata_dataset_review", ""): _one(id="@dataset", hasil="diterima"),
    ("satudata_verification_list", ""): _one(),
    ("satudata_verification_show", ""): _one(id="@dataset"),
    ("satudata_release_calendar", ""): _one(tahun=TAHUN),
    ("satudata_remind", ""): _one(dry_run=True),
    ("satudata_portal_summary", ""): _one(),
    ("satudata_my_tasks", ""): _one(),
    ("satudata_wilayah_list", ""): _one(tingkat="kecamatan"),
    ("satudata_table_import", ""): _one(id="@dataset", upload=b"x"),
}


def _user(actors: Any, role: Role) -> str:
    return "" if role is Role.ANONYMOUS else getattr(actors, role.value)["name"]


def _check_access(action: str, user: str, data: DataDict) -> Optional[str]:
    """``None`` when ``check_access`` passes, else its message."""
    context = {"user": user, "ignore_auth": False}
    try:
        tk.check_access(action, context, dict(data))
    except tk.NotAuthorized as e:
        return str(e) or "NotAuthorized"
    return None


def _case(r: Rule) -> str:
    return f"{r.action} [{r.case}]" if r.case else r.action


def test_check_access_answers_as_the_table_says(actors, world):
    assert set(DATA) == {r.key for r in access.TABLE}, "a row without test data"
    mismatches: list[str] = []
    cells = 0
    for stage in access.STAGES:
        set_stage(world.cycle_id, stage)
        for r in access.TABLE:
            for data in DATA[r.key](world, stage):
                for role in Role:
                    expected = stage in r.who[role]
                    refusal = _check_access(r.action, _user(actors, role), data)
                    cells += 1
                    if expected != (refusal is None):
                        got = "passes" if refusal is None else f"refuses ({refusal})"
                        mismatches.append(
                            f"{_case(r)}, {stage.label}, {role.value}: the table "
                            f"says {'pass' if expected else 'refuse'}, "
                            f"check_access {got}"
                        )
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(
        json.dumps({"actions": len(access.actions()), "roles": len(Role),
                    "cells": cells}) + "\n",
        encoding="utf-8",
    )
    assert cells >= len(access.TABLE) * len(access.STAGES) * len(Role)
    mismatches += _members_who_only_read(actors, world)
    report = "\n".join(mismatches)
    assert not mismatches, f"{len(mismatches)} of {cells} cells disagree:\n{report}"


def _members_who_only_read(actors: Any, world: World) -> list[str]:
    """A row with ✓ for every signed-in role is open to a member who only
    reads (``anggota`` of dinkes) too, in every stage (the README says so)."""
    open_rows = [
        r for r in access.TABLE
        if all(r.who[role] == access.EVERY for role in access.SIGNED_IN_ROLES)
    ]
    assert len(open_rows) >= 8
    found = []
    for stage in (access.STAGES[0], access.STAGES[-1]):
        set_stage(world.cycle_id, stage)
        for r in open_rows:
            for data in DATA[r.key](world, stage):
                refusal = _check_access(r.action, actors.anggota["name"], data)
                if refusal is not None:
                    found.append(
                        f"{_case(r)}, {stage.label}, a member who only reads: "
                        f"check_access refuses ({refusal})"
                    )
    return found


# --- the action layer: actions that check the step themselves ---------------------


def _upload(jenis: str) -> Data:
    return lambda w, s: [{"cycle_id": w.cycle_id, "jenis": jenis, "upload": PDF}]


#: the real call of every row whose action checks the step itself; it succeeds
#: wherever the row applies
CALLS: dict[tuple[str, str], Data] = {
    ("satudata_step_complete", "the current step"): DATA[
        ("satudata_step_complete", "the current step")
    ],
    **{
        key: DATA[key]
        for key in DATA
        if key[0] == "satudata_document_update"
    },
    ("satudata_document_upload", "BA desk (`ba_desk`)"): _upload("ba_desk"),
    ("satudata_document_upload", "BA forum (`ba_forum`)"): _upload("ba_forum"),
    ("satudata_document_upload", "SK (`sk`)"): _upload("sk"),
    ("satudata_item_agree", ""): DATA[("satudata_item_agree", "")],
    ("satudata_sk_publish", "publish"): _CYCLE,
    ("satudata_sk_publish", "resend the e-mails"): DATA[
        ("satudata_sk_publish", "resend the e-mails")
    ],
    ("satudata_provision", ""): _one(cycle_id="@cycle", background=False),
}

#: rows whose action also checks its output (the step's gate) where it applies:
#: there only the step refusal itself must be absent
GATED = {("satudata_step_complete", "the current step")}


def _finished_refusal() -> str:
    return tk._("The {tahun} cycle is finished: every step has been completed").format(
        tahun=TAHUN
    )


def _representatives(r: Rule) -> list[Role]:
    """A role that passes auth in every stage (so only the action answers);
    the sysadmin as well when the action's step check spares them."""
    for role in (Role.WALIDATA, Role.SEKRETARIAT, Role.PEMBINA, Role.PRODUSEN):
        if r.who[role] == access.EVERY:
            found = [role]
            break
    else:
        found = [Role.SYSADMIN]
    if r.sysadmin_any_step and Role.SYSADMIN not in found:
        found.append(Role.SYSADMIN)
    return found


def _call(action: str, user: str, data: DataDict) -> Optional[str]:
    """``None`` when the action succeeds, else the ValidationError's messages."""
    context = {"user": user, "ignore_auth": False}
    try:
        helpers.call_action(action, context=context, **data)
    except tk.ValidationError as e:
        return "; ".join(
            f"{k}: {' '.join(map(str, v if isinstance(v, list) else [v]))}"
            for k, v in e.error_dict.items()
        )
    return None


def test_actions_refuse_outside_the_steps_where_they_apply(actors, world):
    step_checked = {
        r.key for r in access.TABLE
        if r.applies != access.EVERY or r.sysadmin_any_step
    }
    assert set(CALLS) == step_checked, "a step-checking row without a real call"
    mismatches: list[str] = []
    calls = 0
    for stage in access.STAGES:
        for r in access.TABLE:
            if r.key not in CALLS:
                continue
            for role in _representatives(r):
                set_stage(world.cycle_id, stage)
                for data in CALLS[r.key](world, stage):
                    error = _call(r.action, _user(actors, role), data)
                    calls += 1
                    inside = stage in r.action_applies(role)
                    if r.key in GATED:
                        ok = (_finished_refusal() in (error or "")) != inside
                    else:
                        ok = (error is None) == inside
                    if not ok:
                        mismatches.append(
                            f"{_case(r)}, {stage.label}, {role.value}: applies "
                            f"{'here' if inside else 'not here'}, the action "
                            f"{'succeeds' if error is None else 'refuses: ' + error}"
                        )
    assert calls >= len(CALLS) * len(access.STAGES)
    report = "\n".join(mismatches)
    assert not mismatches, f"{len(mismatches)} of {calls} calls disagree:\n{report}"
