"""``CompiledSchema`` gives navl's result, and ``Validation`` uses it safely.

navl itself is the oracle: generated dicts (known and unknown keys, None,
blanks, numbers, lists of dicts under subschemas and not, junk) go through
``navl.validate`` and through the compiled schema, with CKAN's and
ckanext-scheming's real schemas of this portal; data (key order included),
errors and any exception must be the same.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import ckan.model as model
import pytest
from ckan.lib import plugins as lib_plugins
from ckan.lib.navl import dictization_functions as df
from ckan.logic import schema as core_schema
from ckan.tests import factories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckanext.satudata_planning.provisioning import bulk as provision_bulk
from ckanext.satudata_planning.provisioning.bulk import Validation, identical
from ckanext.satudata_planning.provisioning.compiled_schema import CompiledSchema

pytestmark = pytest.mark.usefixtures("with_plugins")

SCALARS = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "a", "dinkes", "2027", "[]", '["sdgs"]', "x y"]),
    st.text(max_size=6),
    st.integers(-3, 3000),
    st.booleans(),
)
EXTRA_KEYS = ["kode_data", "tahun", "satuan", "kategori_sumber", "lain", ""]
EXTRAS = st.lists(
    st.fixed_dictionaries(
        {"key": st.sampled_from(EXTRA_KEYS)},
        optional={"value": SCALARS, "state": st.just("active"), "deleted": SCALARS},
    ),
    max_size=4,
)
SUBLISTS = st.lists(
    st.dictionaries(st.sampled_from(["name", "url", "id", "zz"]), SCALARS, max_size=3),
    max_size=2,
)


def _data(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts over the schema's keys and a few others, in any order."""
    value = st.one_of(
        SCALARS,
        st.just([]),
        st.just({"id": "x", "name": "nested"}),
        st.lists(SCALARS, max_size=2),
    )
    special = {
        "extras": st.one_of(EXTRAS, SCALARS),
        "resources": st.one_of(SUBLISTS, st.just([]), SCALARS),
        "tags": st.one_of(SUBLISTS, st.just([])),
        "groups": st.just([]),
    }
    pool = sorted(set(keys) | {"tidak_dikenal", "extras", "resources"})
    return st.lists(st.sampled_from(pool), unique=True, max_size=14).flatmap(
        lambda chosen: st.fixed_dictionaries({k: special.get(k, value) for k in chosen})
    )


def _outcome(run) -> tuple[str, Any, Any]:
    try:
        data, errors = run()
    except Exception as e:  # noqa: BLE001 - the exception is the outcome
        model.Session.rollback()  # a validator's failed query aborts it
        return ("raised", type(e).__name__, str(e))
    return ("ok", data, errors)


def _agree(schema: dict[str, Any], data: dict[str, Any], context: dict[str, Any]):
    compiled = CompiledSchema(schema)
    expected = _outcome(lambda: df.validate(copy.deepcopy(data), schema, dict(context)))
    got = _outcome(lambda: compiled.validate(copy.deepcopy(data), dict(context)))
    assert got[0] == expected[0], (got, expected)
    if expected[0] == "raised":
        assert got[1:] == expected[1:]
        return
    assert identical(got[1], expected[1]), (got[1], expected[1])
    assert got[2] == expected[2]
    quiet, no_errors = compiled.validate(
        copy.deepcopy(data), dict(context), with_errors=False
    )
    assert identical(quiet, expected[1]) and no_errors == {}


@pytest.fixture
def context(clean_db: None) -> dict[str, Any]:
    user = factories.Sysadmin(name="validator")
    factories.Organization(name="dinkes")
    return {"model": model, "session": model.Session, "user": user["name"]}


def _scheming_schema(action: str) -> dict[str, Any]:
    """The schema ckanext-scheming validates ``dataset`` with (it fills the
    schema it is given)."""
    plugin = lib_plugins.lookup_package_plugin("dataset")
    schema = (
        plugin.show_package_schema()
        if action == "package_show"
        else plugin.create_package_schema()
    )
    lib_plugins.plugin_validate(plugin, {}, {"type": "dataset"}, schema, action)
    assert "kode_data" in schema  # scheming added its fields
    return schema


SCHEMAS = {
    "core create": core_schema.default_create_package_schema,
    "core show": core_schema.default_show_package_schema,
    "scheming create": lambda: _scheming_schema("package_create"),
    "scheming show": lambda: _scheming_schema("package_show"),
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_compiled_schema_gives_navl_s_result(name, context):
    schema = SCHEMAS[name]()
    keys = [k for k in schema if not k.startswith("__")]

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(data=_data(keys))
    def check(data: dict[str, Any]) -> None:
        _agree(schema, data, context)

    check()


def test_one_compiled_schema_serves_many_shapes(context):
    """The per-shape cache: the same compiled schema, dicts of other keys."""
    schema = _scheming_schema("package_show")
    compiled = CompiledSchema(schema)
    rows = [
        {"name": "a", "extras": [{"key": "satuan", "value": "orang"}]},
        {"name": "b", "extras": [], "notes": None},
        {"name": "c", "extras": [{"key": "tahun", "value": "2027"}], "x": 1},
        {"name": "a", "extras": [{"key": "satuan", "value": "unit"}]},
    ]
    for row in rows:
        expected = df.validate(copy.deepcopy(row), schema, dict(context))
        assert identical(compiled.validate(copy.deepcopy(row), dict(context)), expected)
    assert len(compiled._shapes) == 3  # noqa: SLF001 - rows 1 and 4 share a shape
    assert compiled.validate(rows[2], dict(context))[0]["tahun"] == 2027


# --- Validation: when the compiled schema is used, when it is not ------------


class _OwnValidate:
    """An IDatasetForm-like plugin with its own ``validate``: it validates with
    a schema of its own, not the one it is given."""

    calls = 0

    def validate(self, context, data_dict, schema, action):
        type(self).calls += 1
        own = dict(schema, notes=[lambda value: f"<{value}>"])
        return df.validate(data_dict, own, context)


def _three_through(context: dict[str, Any]) -> list[Any]:
    """Three datasets of one type through one ``Validation`` with _OwnValidate."""
    _OwnValidate.calls = 0
    validation = Validation()
    rows = [{"type": "x", "name": f"n{i}", "notes": "t"} for i in range(3)]
    return [
        validation(
            _OwnValidate(),
            dict(context),
            row,
            core_schema.default_show_package_schema,
            "package_show",
        )
        for row in rows
    ]


def test_a_plugin_with_its_own_validate_validates_every_dataset(context):
    results = _three_through(context)
    assert _OwnValidate.calls == 3
    assert [r[0]["notes"] for r in results] == ["<t>"] * 3


def test_a_compiled_schema_that_differs_is_not_used(context, monkeypatch, caplog):
    """If the first dataset's compiled result is not plugin_validate's, every
    dataset goes through plugin_validate (and a warning says so)."""
    monkeypatch.setattr(provision_bulk, "_compilable", lambda plugin, t: True)
    logger = logging.getLogger(provision_bulk.__name__)
    logger.addHandler(caplog.handler)  # CKAN's logging config may not propagate
    monkeypatch.setattr(logger, "level", logging.WARNING)
    monkeypatch.setattr(logger, "disabled", False)
    with caplog.at_level(logging.WARNING, logger=provision_bulk.__name__):
        results = _three_through(context)
    assert _OwnValidate.calls == 3
    assert [r[0]["notes"] for r in results] == ["<t>"] * 3
    logger.removeHandler(caplog.handler)
    assert "compiled schema differs" in caplog.text


def test_errors_of_later_datasets_are_plugin_validate_s(context):
    """A bad dataset after the first: the same errors as plugin_validate gives."""
    plugin = lib_plugins.lookup_package_plugin("dataset")
    validation = Validation()
    good = {"type": "dataset", "name": "baik", "title": "Baik", "owner_org": "dinkes"}
    bad = dict(good, name="X Y", jenis_data="bukan-pilihan", tahun="dua ribu")
    validation(
        plugin, dict(context), good, plugin.create_package_schema, "package_create"
    )
    _data, errors = validation(
        plugin,
        dict(context),
        copy.deepcopy(bad),
        plugin.create_package_schema,
        "package_create",
    )
    _expected_data, expected = lib_plugins.plugin_validate(
        plugin, dict(context), bad, plugin.create_package_schema(), "package_create"
    )
    assert errors == expected
    assert {"name", "jenis_data", "tahun"} <= set(errors)


@pytest.mark.parametrize("value", [0, 0.0, False, "", None, [], "nama"])
def test_without_errors_not_empty_still_stops_where_navl_stops(value, context):
    """``not_empty`` made silent: the chain stops for the same values."""
    schema = core_schema.default_show_package_schema()
    data = {"name": value, "title": "Judul", "id": "x"}
    expected, errors = df.validate(copy.deepcopy(data), schema, dict(context))
    quiet, _none = CompiledSchema(schema).validate(
        copy.deepcopy(data), dict(context), with_errors=False
    )
    assert identical(quiet, expected)
    assert ("Missing value" in str(errors)) is (value in ("", None, []))
