"""navl validation of many similar dicts, the schema's structure worked out once.

CKAN's ``navl.validate`` spends about half of a dataset's validation on its
own machinery rather than on the validators: it flattens the schema, works out
the data's key combinations, builds the full schema (twice) and sorts it
(four times), per call. For a batch of datasets of one type those depend only
on the *keys* of the flattened data, which repeat from row to row.
:class:`CompiledSchema` runs the same algorithm with those parts cached per
key set ("shape") and calls the schema's real validators, in navl's order and
with navl's calling convention, so its result is navl's result::

    compiled = CompiledSchema(schema)
    data, errors = compiled.validate(data_dict, context)
    # == ckan.lib.navl.dictization_functions.validate(data_dict, schema, context)

``validate(..., with_errors=False)`` is for callers that discard the errors
(``package_show``'s two validation passes when indexing): the validators whose
only effect is an error (:data:`CHECK_ONLY`) are skipped and ``not_empty``
stops the chain without building its message; the data is unchanged by this.

``tests/test_compiled_schema.py`` holds it to navl on generated data.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ckan.lib.navl import dictization_functions as df
from ckan.lib.navl import validators as navl_validators
from ckan.logic import validators as logic_validators
from ckan.types import Context

FlatKey = tuple[Any, ...]
Step = tuple[FlatKey, tuple[Callable[..., Any], ...]]

#: validators that only ever append an error (no data change, no StopOnError):
#: skipped when the errors are discarded
CHECK_ONLY = frozenset(
    {
        logic_validators.package_name_validator,
        logic_validators.name_validator,
        logic_validators.duplicate_extras_key,
    }
)


def _stop_if_empty(key: FlatKey, data: dict[FlatKey, Any], errors: Any, context: Any):
    """``not_empty``'s control flow without its (discarded) message."""
    value = data.get(key)
    if value in (False, 0, 0.0):
        return
    if value is df.missing or not value:
        raise df.StopOnError


def _nargs(fn: Callable[..., Any]) -> int:
    """navl's ``convert`` dispatch: 1, 2 or 4 arguments (else TypeError, as navl)."""
    try:
        nargs = fn.__code__.co_argcount
    except AttributeError:
        raise TypeError(
            f"{fn.__name__} cannot be used as validator "
            "because it is not a user-defined function"
        ) from None
    if nargs not in (1, 2, 4):
        raise TypeError(
            f"Wrong number of arguments for {fn.__name__}(expected 1, 2 or 4): {nargs}"
        )
    return nargs


def _convert(
    fn: Callable[..., Any],
    key: FlatKey,
    data: dict[FlatKey, Any],
    errors: dict[FlatKey, list[Any]],
    context: Context,
) -> None:
    """navl's ``convert``: the argument count read when the validator is reached."""
    nargs = _nargs(fn)
    try:
        if nargs == 4:
            fn(key, data, errors, context)
        elif nargs == 2:
            data[key] = fn(data.get(key), context)
        else:
            data[key] = fn(data.get(key))
    except df.Invalid as e:
        errors[key].append(e.error)


@dataclass(frozen=True)
class _Shape:
    """What navl works out from the flattened data's keys alone."""

    full_schema: dict[FlatKey, Any]
    #: data keys not in the full schema: (key, destination), destination
    #: ``None`` for ``__junk`` or the ``(..., "__extras")`` key it moves to
    moves: tuple[tuple[FlatKey, Any], ...]
    #: keys navl checks hold ``[]`` (data placed against a subschema)
    against_subschema: tuple[FlatKey, ...]
    #: full-schema keys absent from the data, added as ``missing``
    absent: tuple[FlatKey, ...]
    #: (key, validators) in the order of navl's before, main, extras, after
    #: and junk runs
    steps: tuple[Step, ...]
    #: the same without CHECK_ONLY validators, ``not_empty`` made silent
    quiet_steps: tuple[Step, ...]


class CompiledSchema:
    """One navl schema, validating many dicts (see the module docstring)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._flat_schema = df.flatten_schema(schema)
        self._shapes: dict[tuple[FlatKey, ...], _Shape] = {}

    def validate(
        self, data: dict[str, Any], context: Context, *, with_errors: bool = True
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``navl.validate(data, schema, context)``; errors ``{}`` if not wanted."""
        context = context or {}  # type: ignore[assignment]
        empty_lists = [key for key, value in data.items() if value == []]
        validators_context = Context(context, schema_keys=list(self.schema.keys()))
        flattened = df.flatten_dict(data, schema=self.schema)
        shape = self._shape(tuple(flattened))
        if any(flattened[key] != [] for key in shape.against_subschema):
            # navl raises DataError here: let it, with its own message
            return df.validate(data, self.schema, context)
        converted = _augment(flattened, shape)
        errors: dict[FlatKey, list[Any]] = {key: [] for key in shape.full_schema}
        for key, validators in shape.steps if with_errors else shape.quiet_steps:
            for fn in validators:
                try:
                    _convert(fn, key, converted, errors, validators_context)
                except df.StopOnError:
                    break
        result = df.unflatten(converted)
        for key in empty_lists:
            if key not in result:
                result[key] = []
        return result, _errors(errors) if with_errors else {}

    def _shape(self, keys: tuple[FlatKey, ...]) -> _Shape:
        shape = self._shapes.get(keys)
        if shape is None:
            shape = self._shapes[keys] = self._work_out(keys)
        return shape

    def _work_out(self, keys: tuple[FlatKey, ...]) -> _Shape:
        """navl's ``augment_data`` and ``_validate`` decisions for these keys."""
        as_data = dict.fromkeys(keys)
        combinations = df.get_all_key_combinations(as_data, self._flat_schema)
        full_schema = df.make_full_schema(as_data, self.schema)
        moves, against = [], []
        for key in keys:
            if key in full_schema:
                continue
            initial = key[::2]
            if initial in [path[: len(initial)] for path in self._flat_schema]:
                against.append(key)
            if key[:-1] in combinations:
                moves.append((key, key[:-1] + ("__extras",)))
            else:
                moves.append((key, None))
        absent = tuple(
            key
            for key in full_schema
            if key not in as_data and not key[-1].startswith("__")
        )
        order = sorted(full_schema, key=df.flattened_order_key)
        ordered = (
            [k for k in order if k[-1] == "__before"]
            + [k for k in order if not k[-1].startswith("__")]
            + [k for k in order if k[-1] == "__extras"]
            + [k for k in reversed(order) if k[-1] == "__after"]
            + ([("__junk",)] if ("__junk",) in full_schema else [])
        )
        steps = tuple((k, tuple(full_schema[k])) for k in ordered)
        return _Shape(
            full_schema=full_schema,
            moves=tuple(moves),
            against_subschema=tuple(against),
            absent=absent,
            steps=steps,
            quiet_steps=tuple((k, _quiet(validators)) for k, validators in steps),
        )


def _quiet(validators: Sequence[Callable[..., Any]]) -> tuple[Callable[..., Any], ...]:
    # by identity: a validator need not be hashable
    return tuple(
        _stop_if_empty if fn is navl_validators.not_empty else fn
        for fn in validators
        if not any(fn is check for check in CHECK_ONLY)
    )


def _augment(data: dict[FlatKey, Any], shape: _Shape) -> dict[FlatKey, Any]:
    """navl's ``augment_data`` with the shape's decisions."""
    new_data = copy.copy(data)
    junk: dict[FlatKey, Any] = {}
    extras: dict[FlatKey, dict[Any, Any]] = {}
    for key, destination in shape.moves:
        if destination is None:
            junk[key] = data[key]
        else:
            extras.setdefault(destination, {})[key[-1]] = data[key]
    if junk:
        new_data[("__junk",)] = junk
    for destination, values in extras.items():
        new_data[destination] = values
    for key, _destination in shape.moves:
        new_data.pop(key)
    for key in shape.absent:
        if key not in new_data:
            new_data[key] = df.missing
    return new_data


def _errors(errors: dict[FlatKey, list[Any]]) -> dict[str, Any]:
    """navl's error tail: unflattened, passed keys and blank subschemas dropped."""
    unflattened = df.unflatten(errors)
    pending = [unflattened]
    while pending:
        current = pending.pop()
        for key, value in list(current.items()):
            if not value:
                current.pop(key)
                continue
            if isinstance(value[0], dict):
                pending.extend(value)
    return df._remove_blank_keys(unflattened)  # noqa: SLF001
