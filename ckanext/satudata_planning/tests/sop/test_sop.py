"""The SOP as data (``sop/``) and the docstring examples of every module."""
from __future__ import annotations

import doctest
import importlib
import pathlib

import pytest

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.sop import Actor

# SOP.md, "The ten steps": the time column
SOP_DURATIONS = {1: 5, 2: 1, 3: 1, 4: None, 5: 1, 6: 1, 7: 1, 8: 2, 9: 1, 10: 3}


def test_ten_steps_in_order():
    assert [s.number for s in sop.STEPS] == list(range(1, 11))
    assert sop.step(10).number == 10
    with pytest.raises(KeyError):
        sop.step(11)


def test_durations_are_the_sops():
    assert {s.number: s.duration_days for s in sop.STEPS} == SOP_DURATIONS


@pytest.mark.usefixtures("ckan_config")
def test_desk_duration_defaults_to_five_working_days():
    assert sop.duration(4) == 5
    assert sop.duration(8) == 2


@pytest.mark.ckan_config("ckanext.satudata_planning.desk_duration_days", "3")
@pytest.mark.usefixtures("ckan_config")
def test_desk_duration_is_configurable():
    assert sop.duration(4) == 3
    assert sop.duration(1) == 5  # the SOP's own durations stay


def test_executors_follow_the_sop():
    executors = {s.number: {a.value for a in s.executors} for s in sop.STEPS}
    assert executors == {
        1: {"walidata"},
        2: {"pembina"},
        3: {"walidata"},
        4: {"sekretariat"},
        5: {"sekretariat"},
        6: {"sekretariat"},
        7: {"sekretariat"},
        8: {"walidata", "sekretariat"},
        9: {"walidata"},
        10: {"walidata"},
    }
    assert sop.step(8).approver is Actor.WALI_KOTA
    assert sop.step(6).approver is Actor.KOORDINATOR
    assert Actor.PRODUSEN in sop.step(1).participants
    # nobody outside the portal completes a step
    for s in sop.STEPS:
        assert not {Actor.KOORDINATOR, Actor.WALI_KOTA} & set(s.executors)


def test_gates_named_per_design():
    assert [s.gate.value for s in sop.STEPS] == [
        "has_items", "none", "none", "all_reviewed", "ba_desk",
        "all_decided", "ba_forum", "sk_signed", "sk_published", "all_provisioned",
    ]


def test_texts_in_both_languages():
    for s in sop.STEPS:
        texts = [s.title, s.output, s.gate_text, *s.inputs]
        for text in texts:
            assert text.id and text.en
        assert s.title.get("en") != s.title.get("id")
    for actor in Actor:
        assert actor.label.get("id") and actor.label.get("en")
    assert sop.step(5).title.get("en_GB").startswith("Write the minutes")
    assert sop.step(5).title.get(None).startswith("Menyusun Berita Acara")


def test_steps_are_frozen():
    with pytest.raises(AttributeError):
        sop.step(1).duration_days = 9  # type: ignore[misc]


def _modules_with_examples() -> list[str]:
    """Every module of the plugin whose docstrings hold examples (``>>>``)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if {"tests", "migration"} & set(parts) or ">>> " not in path.read_text():
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append(".".join(("ckanext", "satudata_planning", *parts)))
    return found


def test_the_examples_are_found():
    found = _modules_with_examples()
    assert "ckanext.satudata_planning.sop.steps" in found
    assert "ckanext.satudata_planning.workflow.transitions" in found


@pytest.mark.parametrize("module", _modules_with_examples())
@pytest.mark.ckan_config("ckan.locale_default", "en")
@pytest.mark.usefixtures("with_request_context", "ckan_config")
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
