"""The gates: what must exist before a step of the cycle can be completed.

``sop.py`` *names* each step's condition (:class:`~sop.Gate`, with its text);
this module *checks* it. A check is a function ``check(cycle) -> list[str]``
that returns what is still missing, as messages for people (translated with
``tk._`` when the check runs; msgids are English, the ``id`` catalogue gives the
Indonesian text). An empty list means the gate is open.
``satudata_step_complete`` refuses with a ``ValidationError`` on ``step`` that
lists these messages.

The checks of DESIGN.md ("Step outputs that gate satudata_step_complete"):

== ===================================================== =========================
#  condition                                             today
== ===================================================== =========================
1  at least one item                                     real: action/item.py
2  none                                                  real: always open
3  none                                                  real: always open
4  every item reviewed, no ``perbaikan`` open            real: action/item.py
5  ``ba_desk`` has number and date                       real: ``action/document.py``
6  every approved item decided                           real: ``action/document.py``
7  ``ba_forum`` has number and date                      real: ``action/document.py``
8  ``sk`` has number, date and signed PDF                real: ``action/document.py``
9  ``satudata_sk_publish`` done                          real: ``cycle.published``
10 every agreed item has its dataset                     real: ``action/provision.py``
== ===================================================== =========================

Plugging in a real check (the item, document and provisioning modules do this)::

    # ckanext/satudata_planning/logic/action/item.py (or a module it imports)
    from ckanext.satudata_planning import gates

    @gates.register(1)
    def at_least_one_item(cycle):
        if model.Session.query(Item).filter_by(cycle_id=cycle.id).count():
            return []
        return [tk._("The data list has no items yet")]

The module holding the check must be imported when the plugin loads (the
actions package is: import it from ``logic/action/__init__.py``). Registering
replaces the stub; a check reads the session but never writes or commits.

A *stub* gate stays closed until its output is provided for that cycle with
:func:`provide_stub_output` (tests, and nothing else, call it), so a cycle can
be walked through all ten steps before the later issues exist; once a real
check is registered for a step, stub outputs for it are ignored.

Once the plugin has loaded the actions (steps 1 and 4 to 10 are real):

>>> import ckanext.satudata_planning.logic.action  # noqa
>>> sorted(n for n in range(1, 11) if is_stub(n))
[]
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import ckan.plugins.toolkit as tk

from ckanext.satudata_planning import sop

if TYPE_CHECKING:
    from ckanext.satudata_planning.model import Cycle

GateCheck = Callable[["Cycle"], "list[str]"]

_REGISTRY: dict[int, GateCheck] = {}
_STUBS: set[int] = set()
_STUB_OUTPUTS: set[tuple[str, int]] = set()


def register(number: int) -> Callable[[GateCheck], GateCheck]:
    """Decorator: ``check`` becomes the gate of step ``number`` (replacing any)."""
    if not sop.is_step(number):
        raise ValueError(f"no step {number!r}")

    def decorator(check: GateCheck) -> GateCheck:
        _REGISTRY[number] = check
        _STUBS.discard(number)
        return check

    return decorator


def get(number: int) -> GateCheck:
    return _REGISTRY[number]


def is_stub(number: int) -> bool:
    """True while step ``number`` has only its placeholder check."""
    return number in _STUBS


def missing(cycle: Cycle, number: int) -> list[str]:
    """What step ``number`` of ``cycle`` still lacks (empty: it may be completed)."""
    return list(_REGISTRY[number](cycle))


@contextlib.contextmanager
def override(number: int, check: GateCheck) -> Iterator[None]:
    """Use ``check`` for step ``number`` inside the ``with`` block (tests)."""
    previous = _REGISTRY[number]
    was_stub = number in _STUBS
    _REGISTRY[number] = check
    _STUBS.discard(number)
    try:
        yield
    finally:
        _REGISTRY[number] = previous
        if was_stub:
            _STUBS.add(number)


# --- stubs --------------------------------------------------------------------

def provide_stub_output(cycle_id: str, number: int) -> None:
    """Pretend the output of step ``number`` exists for ``cycle_id`` (tests only)."""
    _STUB_OUTPUTS.add((cycle_id, number))


def clear_stub_outputs() -> None:
    _STUB_OUTPUTS.clear()


def _stub(number: int, message: Callable[[], str]) -> None:
    def check(cycle: Cycle) -> list[str]:
        if (cycle.id, number) in _STUB_OUTPUTS:
            return []
        return [message()]

    check.__name__ = f"stub_gate_{number}"
    check.__doc__ = f"Placeholder for the gate of step {number}: see the module doc."
    register(number)(check)
    _STUBS.add(number)


def _open(cycle: Cycle) -> list[str]:
    """Steps 2 and 3 have no condition."""
    return []


def _published(cycle: Cycle) -> list[str]:
    """Step 9: the SK and the agreed list are published (``satudata_sk_publish``)."""
    if cycle.published:
        return []
    return [tk._("The decree (SK) has not been published yet")]


def _install_defaults() -> None:
    _stub(1, lambda: tk._("The data list has no items yet: add at least one item"))
    register(2)(_open)
    register(3)(_open)
    _stub(4, lambda: tk._(
        "Not every item has been reviewed in the desk, or revisions are still open"
    ))
    _stub(5, lambda: tk._(
        "The desk minutes (BA desk pra forum) have no number and date"))
    _stub(6, lambda: tk._("Not every approved item has a forum decision"))
    _stub(7, lambda: tk._(
        "The forum minutes (BA Forum Satu Data) have no number and date"))
    _stub(8, lambda: tk._("The decree (SK) has no number, date and signed PDF"))
    register(9)(_published)
    _stub(10, lambda: tk._("Not every agreed item has its dataset"))


_install_defaults()
