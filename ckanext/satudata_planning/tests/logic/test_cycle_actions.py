"""The planning cycle's actions: the ten steps by the right actors, deadlines, trail."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import helpers

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.model import Cycle, Event
from ckanext.satudata_planning.tests.factories import (
    add_item,
    provide_real_output,
    review_all,
)
from ckanext.satudata_planning.workflow import gates

# who completes each step, and someone the SOP does not let complete it
EXECUTOR = {1: "walidata", 2: "pembina", 3: "walidata", 4: "sekretariat",
            5: "sekretariat", 6: "sekretariat", 7: "sekretariat", 8: "sekretariat",
            9: "walidata", 10: "walidata"}
WRONG = {1: "pembina", 2: "walidata", 3: "sekretariat", 4: "walidata",
         5: "produsen", 6: "pembina", 7: "walidata", 8: "pembina",
         9: "sekretariat", 10: "produsen"}
GATED = {1, 4, 5, 6, 7, 8, 9, 10}


def provide_output(cycle_id: str, number: int) -> None:
    """Make step ``number``'s output exist."""
    if number == 9:  # satudata_sk_publish (later issue) sets the flag
        cycle = Cycle.get(cycle_id)
        assert cycle is not None
        cycle.published = True
        model.Session.commit()
    elif number == 1:  # real gate: a row of the Daftar Data
        add_item(cycle_id)
    elif number == 4:  # real gate: every row reviewed
        review_all(cycle_id)
    elif number in (5, 6, 7, 8):  # real gates: documents and forum decisions
        provide_real_output(cycle_id, number)
    elif number == 10:  # real gate: every agreed row has its dataset
        from ckanext.satudata_planning import provisioning as provision

        site_user = helpers.call_action("get_site_user")
        provision.run(cycle_id, site_user["name"])
    # steps 2 and 3 ask for no output


def user(actors, label: str) -> dict[str, Any]:
    return getattr(actors, label)


def walk_to(call_as, actors, cycle: dict[str, Any], last: int) -> dict[str, Any]:
    """Complete steps 1..``last`` with their outputs and the right actors."""
    for number in range(1, last + 1):
        provide_output(cycle["id"], number)
        cycle = call_as("satudata_step_complete", user(actors, EXECUTOR[number]),
                        id=cycle["id"], step=number)
    return cycle


def step(cycle: dict[str, Any], number: int) -> dict[str, Any]:
    return cycle["steps"][number - 1]


# --- create --------------------------------------------------------------------

def test_walidata_opens_a_cycle_at_step_one(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    assert cycle["tahun"] == 2027
    assert cycle["status"] == "berjalan"
    assert cycle["current_step"] == 1
    assert cycle["judul"] == "Perencanaan Daftar Data Kota Pekalongan Tahun 2027"
    assert cycle["created_by"] == "walidata"
    assert [s["number"] for s in cycle["steps"]] == list(range(1, 11))
    first = step(cycle, 1)
    assert first["state"] == "berjalan"
    assert first["due_date"] is not None
    assert first["executors"] == ["walidata"]
    assert first["title"] == sop.step(1).title.get("id")
    assert all(s["state"] == "belum" and s["due_date"] is None
               for s in cycle["steps"][1:])
    assert all(s["planned_start"] for s in cycle["steps"])
    assert cycle["counts"]["steps"] == {"belum": 9, "berjalan": 1, "selesai": 0}
    assert cycle["viewer"]["can_complete"] is True


def test_title_and_start_date(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun="2028",
                    judul="  Daftar   Data 2028 ", tanggal_mulai="2030-01-07")
    assert cycle["judul"] == "Daftar Data 2028"
    assert cycle["tanggal_mulai"] == "2030-01-07"
    # step 1 counts from a start date that lies ahead: Mon 7 .. Fri 11 Jan 2030
    assert step(cycle, 1)["due_date"] == "2030-01-11"
    assert step(cycle, 1)["planned_start"] == "2030-01-07"


@pytest.mark.parametrize("label", ["pembina", "sekretariat", "produsen", "anggota",
                                   "anonymous"])
def test_only_walidata_opens_a_cycle(actors, call_as, label):
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_cycle_create", user(actors, label), tahun=2027)
    assert Cycle.get(2027) is None


def test_sysadmin_opens_a_cycle(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.sysadmin, tahun=2027)
    assert cycle["tahun"] == 2027


def test_second_cycle_for_the_same_year_is_refused(actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_cycle_create", actors.sysadmin, tahun=2027, judul="Lagi")
    assert list(err.value.error_dict) == ["tahun"]
    assert "2027" in err.value.error_dict["tahun"][0]
    assert model.Session.query(Cycle).count() == 1


@pytest.mark.parametrize("tahun", [None, "", "dua ribu", 1999, 2101])
def test_year_is_validated(actors, call_as, tahun):
    data = {} if tahun is None else {"tahun": tahun}
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_cycle_create", actors.walidata, **data)
    assert "tahun" in err.value.error_dict


def test_start_date_is_validated(actors, call_as):
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_cycle_create", actors.walidata, tahun=2027,
                tanggal_mulai="17/08/2026")
    assert "tanggal_mulai" in err.value.error_dict


def test_create_commits_once_and_defer_commit_leaves_it_to_the_caller(actors):
    context = {"user": actors.walidata["name"], "ignore_auth": False,
               "defer_commit": True}
    helpers.call_action("satudata_cycle_create", context=context, tahun=2027)
    assert model.Session.query(Cycle).count() == 1  # in the open transaction
    model.Session.rollback()
    assert model.Session.query(Cycle).count() == 0
    assert model.Session.query(Event).count() == 0  # events share the transaction


# --- show, list, visibility ------------------------------------------------------

def test_show_by_year_or_id(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    by_id = call_as("satudata_cycle_show", actors.anggota, id=cycle["id"])
    assert by_id["tahun"] == 2027
    by_year = call_as("satudata_cycle_show", actors.produsen, id="2027")
    assert by_year["id"] == cycle["id"]
    with pytest.raises(tk.ObjectNotFound):
        call_as("satudata_cycle_show", actors.walidata, id=2031)


def test_anonymous_sees_a_cycle_only_after_publication(actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    call_as("satudata_cycle_create", actors.walidata, tahun=2028)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_cycle_show", None, id=2027)
    assert call_as("satudata_cycle_list", None) == []
    assert [c["tahun"] for c in call_as("satudata_cycle_list", actors.anggota)] == [
        2028, 2027]

    cycle = Cycle.get(2027)
    cycle.published = True
    model.Session.commit()
    assert call_as("satudata_cycle_show", None, id=2027)["published"] is True
    assert [c["tahun"] for c in call_as("satudata_cycle_list", None)] == [2027]
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_cycle_show", None, id=2028)


def test_viewer_tasks(actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    mine = call_as("satudata_cycle_show", actors.walidata, id=2027)["viewer"]
    assert mine["can_complete"] is True
    assert [t["kind"] for t in mine["todo"]] == ["complete"]
    produsen = call_as("satudata_cycle_show", actors.produsen, id=2027)["viewer"]
    assert produsen["can_complete"] is False
    assert produsen["actors"] == ["produsen"]
    assert [t["kind"] for t in produsen["todo"]] == ["take_part"]
    # BPS proposes its own data in step 1 too: its editors are Produsen Data
    pembina = call_as("satudata_cycle_show", actors.pembina, id=2027)["viewer"]
    assert [t["kind"] for t in pembina["todo"]] == ["take_part"]
    reader = call_as("satudata_cycle_show", actors.anggota, id=2027)["viewer"]
    assert [t["kind"] for t in reader["todo"]] == ["wait"]
    assert reader["can_complete"] is False


# --- the ten steps -----------------------------------------------------------------

def test_full_walk_through_the_ten_steps(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    cid = cycle["id"]
    for number in range(1, 11):
        right = user(actors, EXECUTOR[number])
        # the wrong actor is refused
        with pytest.raises(tk.NotAuthorized):
            call_as("satudata_step_complete", user(actors, WRONG[number]),
                    id=cid, step=number)
        # the next step cannot jump the queue
        if number < 10:
            with pytest.raises(tk.ValidationError) as err:
                call_as("satudata_step_complete", user(actors, EXECUTOR[number + 1]),
                        id=cid, step=number + 1)
            assert "step" in err.value.error_dict
        # without its output the step stays open
        if number in GATED:
            with pytest.raises(tk.ValidationError) as err:
                call_as("satudata_step_complete", right, id=cid, step=number)
            assert len(err.value.error_dict["step"]) >= 2  # intro + what is missing
            shown = call_as("satudata_cycle_show", right, id=cid)
            assert shown["current_step"] == number
        provide_output(cid, number)
        cycle = call_as("satudata_step_complete", right, id=cid, step=number,
                        catatan=f"Langkah {number} selesai")
        done = step(cycle, number)
        assert done["state"] == "selesai"
        assert done["completed_by"] == right["name"]
        assert done["note"] == f"Langkah {number} selesai"
        if number < 10:
            assert cycle["current_step"] == number + 1
            assert step(cycle, number + 1)["state"] == "berjalan"
            assert step(cycle, number + 1)["due_date"] is not None
    assert cycle["status"] == "selesai"
    assert cycle["counts"]["steps"] == {"belum": 0, "berjalan": 0, "selesai": 10}
    assert cycle["viewer"]["can_complete"] is False
    with pytest.raises(tk.ValidationError):
        call_as("satudata_step_complete", actors.walidata, id=cid, step=10)

    events = call_as("satudata_cycle_events", actors.anggota, id=cid)
    # 1 create + 10 starts + 10 completions + 1 finish + step 10's run,
    # newest first
    assert len(events) == 23
    assert [e["action"] for e in events].count("provision_run") == 1
    assert events[0]["action"] == "cycle_finish"
    assert events[-1]["action"] == "cycle_create"
    completions = {int(e["target_id"]): e for e in events
                   if e["action"] == "step_complete"}
    assert {n: e["user"] for n, e in completions.items()} == {
        n: user(actors, label)["name"] for n, label in EXECUTOR.items()}
    assert completions[4]["before"]["state"] == "berjalan"
    assert completions[4]["after"]["state"] == "selesai"
    assert completions[4]["after"]["note"] == "Langkah 4 selesai"


def test_sysadmin_may_complete_any_step(actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    provide_output(Cycle.get(2027).id, 1)
    cycle = call_as("satudata_step_complete", actors.sysadmin, id=2027, step=1)
    assert step(cycle, 1)["completed_by"] == actors.sysadmin["name"]


def test_step_eight_by_walidata_or_sekretariat(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    walk_to(call_as, actors, cycle, 7)
    provide_output(cycle["id"], 8)
    cycle = call_as("satudata_step_complete", actors.walidata, id=2027, step=8)
    assert step(cycle, 8)["completed_by"] == "walidata"


@pytest.mark.parametrize("label", ["anonymous", "anggota", "produsen", "pembina",
                                   "sekretariat"])
def test_step_one_refused_to_everyone_but_its_executor(actors, call_as, label):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    provide_output(Cycle.get(2027).id, 1)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_step_complete", user(actors, label), id=2027, step=1)
    assert Cycle.get(2027).step(1).state == "berjalan"


def test_missing_output_is_named_in_the_error(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    walk_to(call_as, actors, cycle, 3)
    with gates.override(4, lambda c: ["3 butir belum diperiksa (Dinas Kesehatan)"]):
        with pytest.raises(tk.ValidationError) as err:
            call_as("satudata_step_complete", actors.sekretariat, id=2027, step=4)
        shown = call_as("satudata_cycle_show", actors.sekretariat, id=2027)
    assert "3 butir belum diperiksa (Dinas Kesehatan)" in err.value.error_dict["step"]
    assert step(shown, 4)["missing"] == ["3 butir belum diperiksa (Dinas Kesehatan)"]
    # the real gate is back after the override: its own message
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_step_complete", actors.sekretariat, id=2027, step=4)
    assert gates.missing(Cycle.get(2027), 4)[0] in err.value.error_dict["step"]


def test_step_nine_needs_the_published_sk(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    walk_to(call_as, actors, cycle, 8)
    with pytest.raises(tk.ValidationError):
        call_as("satudata_step_complete", actors.walidata, id=2027, step=9)
    provide_output(cycle["id"], 9)
    assert call_as("satudata_step_complete", actors.walidata, id=2027,
                   step=9)["current_step"] == 10


def test_every_gate_has_its_check_and_an_override_is_undone(actors, call_as):
    from ckanext.satudata_planning.sop import STEPS, Gate

    assert set(gates.CHECKS) == set(Gate)
    assert {s.number: gates.check_of(s.number) for s in STEPS}[4] is (
        gates.every_item_reviewed
    )
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    assert gates.check_of(1) is gates.at_least_one_item
    with gates.override(1, lambda c: []):
        cycle = call_as("satudata_step_complete", actors.walidata, id=2027, step=1)
    assert gates.check_of(1) is gates.at_least_one_item  # back after the override
    assert cycle["current_step"] == 2


def test_completed_step_cannot_be_completed_again(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    walk_to(call_as, actors, cycle, 1)
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_step_complete", actors.walidata, id=2027, step=1)
    assert "1" in err.value.error_dict["step"][0]


@pytest.mark.parametrize("number", ["0", "11", "satu"])
def test_step_number_is_validated(actors, call_as, number):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    with pytest.raises(tk.ValidationError) as err:
        call_as("satudata_step_complete", actors.walidata, id=2027, step=number)
    assert "step" in err.value.error_dict


def test_unknown_cycle(actors, call_as):
    with pytest.raises(tk.ObjectNotFound):
        call_as("satudata_step_complete", actors.walidata, id=2040, step=1)


def test_refused_step_changes_nothing(actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    before = model.Session.query(Event).count()
    with pytest.raises(tk.ValidationError):
        call_as("satudata_step_complete", actors.walidata, id=2027, step=1)
    assert model.Session.query(Event).count() == before
    assert Cycle.get(2027).step(1).completed is None


# --- deadlines and lateness ----------------------------------------------------------

WED_12_AUG_0900_WIB = "2026-08-12 02:00:00"  # UTC


def test_step_one_due_across_independence_day(actors, call_as, freezer):
    freezer.move_to(WED_12_AUG_0900_WIB)
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    # Wed 12, Thu 13, Fri 14, (weekend, Mon 17 Aug holiday) Tue 18, Wed 19
    assert step(cycle, 1)["due_date"] == "2026-08-19"
    assert step(cycle, 1)["overdue_days"] == 0


def test_two_day_step_started_friday_is_due_after_the_weekend(actors, call_as, freezer):
    freezer.move_to("2026-10-09 02:00:00")  # Friday 09:00 WIB
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    cycle = walk_to(call_as, actors, cycle, 7)
    assert step(cycle, 8)["due_date"] == "2026-10-12"  # Fri 9, Mon 12


@pytest.mark.ckan_config("ckanext.satudata_planning.extra_holidays", "2026-10-12")
def test_configured_cuti_bersama_moves_the_deadline(actors, call_as, freezer):
    freezer.move_to("2026-10-09 02:00:00")
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    cycle = walk_to(call_as, actors, cycle, 7)
    assert step(cycle, 8)["due_date"] == "2026-10-13"  # Fri 9, (Mon 12 off) Tue 13


@pytest.mark.ckan_config("ckanext.satudata_planning.desk_duration_days", "2")
def test_desk_uses_the_configured_duration(actors, call_as, freezer):
    freezer.move_to("2026-10-06 02:00:00")  # Tuesday
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    cycle = walk_to(call_as, actors, cycle, 3)
    assert step(cycle, 4)["duration_days"] == 2
    assert step(cycle, 4)["due_date"] == "2026-10-07"


def test_overdue_working_days(actors, call_as, freezer):
    freezer.move_to(WED_12_AUG_0900_WIB)
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    freezer.move_to("2026-08-20 02:00:00")  # Thursday after the due Wednesday
    cycle = call_as("satudata_cycle_show", actors.walidata, id=2027)
    assert step(cycle, 1)["overdue_days"] == 1
    assert cycle["overdue_days"] == 1
    freezer.move_to("2026-08-24 02:00:00")  # Monday: Thu, Fri, Mon
    cycle = call_as("satudata_cycle_show", actors.walidata, id=2027)
    assert step(cycle, 1)["overdue_days"] == 3
    [listed] = call_as("satudata_cycle_list", actors.walidata)
    assert listed["overdue_days"] == 3

    provide_output(cycle["id"], 1)
    cycle = call_as("satudata_step_complete", actors.walidata, id=2027, step=1)
    freezer.move_to("2026-09-01 02:00:00")
    cycle = call_as("satudata_cycle_show", actors.walidata, id=2027)
    assert step(cycle, 1)["overdue_days"] == 3  # it stays: completed 3 days late
    assert step(cycle, 2)["due_date"] == "2026-08-24"
    # 26, 27, 28, 31 Aug, 1 Sep: 25 Aug 2026 is the Prophet's Birthday (Maulid)
    assert step(cycle, 2)["overdue_days"] == 5


# --- audit trail ---------------------------------------------------------------------

def test_events_record_every_change_with_its_actor(actors, call_as):
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    events = call_as("satudata_cycle_events", actors.produsen, id=2027)
    assert [(e["action"], e["target_id"]) for e in events] == [
        ("step_start", "1"), ("cycle_create", cycle["id"])]
    assert {e["user"] for e in events} == {"walidata"}
    assert events[1]["after"]["tahun"] == 2027

    provide_output(cycle["id"], 1)
    call_as("satudata_step_complete", actors.walidata, id=2027, step=1)
    provide_output(cycle["id"], 2)
    call_as("satudata_step_complete", actors.pembina, id=2027, step=2, catatan="OK")
    events = call_as("satudata_cycle_events", actors.produsen, id=2027)
    assert [(e["action"], e["target_id"], e["user"]) for e in events[:4]] == [
        ("step_start", "3", "pembina"),
        ("step_complete", "2", "pembina"),
        ("step_start", "2", "walidata"),
        ("step_complete", "1", "walidata"),
    ]
    assert events[1]["before"]["state"] == "berjalan"
    assert events[1]["after"]["note"] == "OK"
    assert call_as("satudata_cycle_events", actors.produsen, id=2027, limit=2,
                   offset=1)[0]["action"] == "step_complete"


def test_events_need_a_login(actors, call_as):
    call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    with pytest.raises(tk.NotAuthorized):
        call_as("satudata_cycle_events", None, id=2027)
    assert call_as("satudata_cycle_events", actors.anggota, id=2027)


# --- CLI ----------------------------------------------------------------------------

def test_cli_cycle_status_prints_the_timeline(actors, call_as, cli, freezer):
    from ckan.cli.cli import ckan

    freezer.move_to(WED_12_AUG_0900_WIB)
    cycle = call_as("satudata_cycle_create", actors.walidata, tahun=2027)
    walk_to(call_as, actors, cycle, 1)
    result = cli.invoke(ckan, ["satudata", "cycle-status", "2027"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2027" in lines[0]
    assert lines[1].startswith("[x]  1.")
    assert "oleh walidata" in lines[2]
    assert lines[3].startswith("[>]  2.")
    assert "tenggat: 2026-08-12" in lines[4]
    assert sum(line.startswith("[ ]") for line in lines) == 8

    missing = cli.invoke(ckan, ["satudata", "cycle-status", "2031"])
    assert missing.exit_code == 1
