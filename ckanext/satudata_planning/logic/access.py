"""Who may call which ``satudata_*`` action in which step: the ONE table.

Every registered action has at least one :class:`Rule`; an action whose
answer depends on the row or the call (a row sent back for *perbaikan*, the
SK or the minutes) has one rule per named case (:attr:`Rule.case`). A rule
says, per cycle :class:`Stage` (steps 1–10, step 9 before and after the SK is
published, the finished cycle):

* :attr:`Rule.applies`: where the action itself accepts the call at all (its
  own step check; outside it answers with a ``ValidationError``);
* :attr:`Rule.who`: per :class:`Role` (a column of the table), where
  ``check_access`` lets that role through (``NotAuthorized`` elsewhere).

A role acts where both hold. The auth functions whose rule is a pure "who"
(the same answer in every stage) read it from here (:func:`permits`); the
step-dependent ones keep their code (the import applies it to thousands of
rows at once) and ``tests/test_auth_matrix.py`` proves every cell of this
table against ``check_access`` and the actions. The README prints
:func:`markdown`; regenerate it with ``ckan satudata auth-table`` or
``python -m ckanext.satudata_planning.logic.access``.

>>> describe(steps(1, 2, 3, 4, 5, 6))
'steps 1–6'
>>> describe(PUBLISHED)
'once published'
>>> sorted(r.value for r in WHO["satudata_sk_publish"])
['sysadmin', 'walidata']
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ckanext.satudata_planning import sop
from ckanext.satudata_planning.sop import Actor, documents
from ckanext.satudata_planning.sop import roles as roles_
from ckanext.satudata_planning.sop.roles import UserRoles


class Role(str, enum.Enum):
    """The table's columns; values are the test harness's actor names."""

    ANONYMOUS = "anonymous"
    #: an editor or admin of another organization
    OTHER_OPD = "produsen_lain"
    #: an editor or admin of the organization that produces the row
    PRODUSEN = "produsen"
    PEMBINA = "pembina"
    SEKRETARIAT = "sekretariat"
    WALIDATA = "walidata"
    SYSADMIN = "sysadmin"

    @property
    def header(self) -> str:
        return ROLE_HEADERS[self]


ROLE_HEADERS: dict[Role, str] = {
    Role.ANONYMOUS: "anonymous",
    Role.OTHER_OPD: "other OPD",
    Role.PRODUSEN: "row's OPD (Produsen)",
    Role.PEMBINA: "Pembina",
    Role.SEKRETARIAT: "Sekretariat",
    Role.WALIDATA: "Walidata",
    Role.SYSADMIN: "sysadmin",
}

#: the SOP actors a column stands for (Produsen: see :func:`columns`)
ACTOR_ROLES: dict[Actor, Role] = {
    Actor.PEMBINA: Role.PEMBINA,
    Actor.SEKRETARIAT: Role.SEKRETARIAT,
    Actor.WALIDATA: Role.WALIDATA,
    Actor.PRODUSEN: Role.PRODUSEN,
    Actor.SYSADMIN: Role.SYSADMIN,
}


#: the steps the rules name, read from the SOP (never written as numbers)
COMPILE = sop.COMPILE.number
RECOMMEND = sop.RECOMMEND.number
DESK_STEP = sop.DESK.number
FORUM = sop.FORUM.number
SK = sop.SK.number
PUBLISH = sop.PUBLISH.number
PROVISION = sop.PROVISION.number


@dataclass(frozen=True, order=True)
class Stage:
    """Where a cycle stands: its current step, SK published, finished."""

    step: int
    published: bool = False
    finished: bool = False

    @classmethod
    def of(cls, cycle: Any) -> Stage:
        """The stage of a ``model.Cycle``."""
        return cls(cycle.current_step, bool(cycle.published), bool(cycle.finished))

    @property
    def label(self) -> str:
        if self.finished:
            return "finished"
        if self.step == PUBLISH:
            return f"step {PUBLISH}, SK " + (
                "published" if self.published else "not published"
            )
        return f"step {self.step}"


#: the stages a cycle really passes through (the SK is published during step 9
#: and stays so; the cycle finishes by completing step 10)
STAGES: tuple[Stage, ...] = (
    *(Stage(n) for n in range(sop.FIRST_STEP, PUBLISH)),
    Stage(PUBLISH),
    Stage(PUBLISH, published=True),
    Stage(PROVISION, published=True),
    Stage(PROVISION, published=True, finished=True),
)

Stages = frozenset[Stage]
EVERY: Stages = frozenset(STAGES)
NEVER: Stages = frozenset()
PUBLISHED: Stages = frozenset(s for s in STAGES if s.published)
FINISHED: Stages = frozenset(s for s in STAGES if s.finished)
UNTIL_FINISHED: Stages = EVERY - FINISHED


def steps(*numbers: int) -> Stages:
    """The stages of steps ``numbers`` while the cycle runs (not finished)."""
    unknown = [n for n in numbers if not sop.is_step(n)]
    if unknown:
        raise ValueError(f"not steps of the SOP: {unknown}")
    return frozenset(s for s in STAGES if s.step in numbers and not s.finished)


def steps_between(first: int, last: int) -> Stages:
    return steps(*range(first, last + 1))


@dataclass(frozen=True)
class Rule:
    """One row of the table."""

    action: str
    #: the case when the answer depends on the row or the call ("" = every call)
    case: str
    #: per column, the stages where ``check_access`` passes
    who: Mapping[Role, Stages]
    #: where the action itself accepts the call (its own step check)
    applies: Stages = EVERY
    #: the action's step check spares sysadmins (they pass in every stage)
    sysadmin_any_step: bool = False
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.action, self.case)

    @property
    def passing(self) -> frozenset[Role]:
        """The columns that pass in some stage."""
        return frozenset(r for r, s in self.who.items() if s)

    @property
    def pure(self) -> bool:
        """True when the auth answer is a pure "who" (no stage matters)."""
        return all(s in (EVERY, NEVER) for s in self.who.values())

    def action_applies(self, role: Role) -> Stages:
        """Where the action's own step check lets ``role`` through."""
        if role is Role.SYSADMIN and self.sysadmin_any_step:
            return EVERY
        return self.applies


def rule(
    action: str,
    case: str = "",
    *,
    applies: Stages = EVERY,
    sysadmin_any_step: bool = False,
    note: str = "",
    **who: Stages,
) -> Rule:
    """A row; ``who`` by column value (``produsen=steps(1)``). Sysadmins pass
    CKAN's auth before any auth function runs: their column is always every
    stage."""
    cells = {Role(k): v for k, v in who.items()}
    cells[Role.SYSADMIN] = EVERY
    return Rule(
        action=action,
        case=case,
        who={r: cells.get(r, NEVER) for r in Role},
        applies=applies,
        sysadmin_any_step=sysadmin_any_step,
        note=note,
    )


#: the columns of signed-in users; a row open to all of them in every stage
#: is open to any signed-in user, members who only read included
SIGNED_IN_ROLES = frozenset(Role) - {Role.ANONYMOUS}
SIGNED_IN: dict[str, Stages] = {
    r.value: EVERY for r in SIGNED_IN_ROLES if r is not Role.SYSADMIN
}
COMPILERS: dict[str, Stages] = {"sekretariat": EVERY, "walidata": EVERY}
DESK: dict[str, Stages] = {"pembina": EVERY, **COMPILERS}


def _step_complete() -> Rule:
    """Step executors come from ``sop.STEPS`` (the one place they are written).

    The call names the cycle's current step; once the cycle is finished that
    is step 10, whose executors still pass auth and the action refuses.
    """
    who: dict[str, Stages] = {}
    for role in (Role.PRODUSEN, Role.PEMBINA, Role.SEKRETARIAT, Role.WALIDATA):
        actor = next(a for a, r in ACTOR_ROLES.items() if r is role)
        numbers = [s.number for s in sop.steps_of(actor)]
        stages = steps(*numbers)
        if sop.LAST_STEP in numbers:
            stages |= FINISHED
        who[role.value] = stages
    return rule(
        "satudata_step_complete",
        "the current step",
        applies=UNTIL_FINISHED,
        note="the step's executors (SOP); its output must exist (gate)",
        **who,
    )


def _edits(action: str) -> tuple[Rule, ...]:
    return (
        rule(
            action,
            "*baru* or *lama* row, not sent back",
            produsen=steps(COMPILE),
        ),
        rule(
            action,
            "*tambahan* row",
            produsen=steps(COMPILE),
            sekretariat=steps_between(COMPILE, FORUM),
            walidata=steps_between(COMPILE, FORUM),
        ),
        rule(
            action,
            "row sent back for *perbaikan*",
            produsen=steps(COMPILE, DESK_STEP),
            note="the desk reviews it again",
        ),
    )


def _documents(action: str) -> tuple[Rule, ...]:
    ba_desk, ba_forum = documents.kind("ba_desk"), documents.kind("ba_forum")
    assert ba_forum.attendance_from is not None
    rules = [
        rule(action, "BA desk (`ba_desk`)",
             applies=steps_between(ba_desk.first_step, PROVISION) | FINISHED,
             **COMPILERS),
        rule(action, "BA forum (`ba_forum`)",
             applies=steps_between(ba_forum.first_step, PROVISION) | FINISHED,
             **COMPILERS),
    ]
    if action == "satudata_document_update":
        rules.append(
            rule(action, "BA forum attendance (`peserta` only)",
                 applies=steps_between(ba_forum.attendance_from.number, PROVISION)
                 | FINISHED, **COMPILERS)
        )
    rules.append(
        rule(action, "SK (`sk`)", applies=steps(SK, PUBLISH) - PUBLISHED,
             note="frozen once published", **COMPILERS)
    )
    return tuple(rules)


TABLE: tuple[Rule, ...] = (
    # --- the cycle --------------------------------------------------------------
    rule("satudata_cycle_create", walidata=EVERY, note="one cycle per year"),
    rule("satudata_cycle_show", anonymous=PUBLISHED, **SIGNED_IN),
    rule("satudata_cycle_list", anonymous=EVERY, **SIGNED_IN,
         note="anonymous: published cycles only"),
    _step_complete(),
    rule("satudata_cycle_events", **SIGNED_IN),
    # --- the Daftar Data ----------------------------------------------------------
    rule(
        "satudata_item_create",
        "a row of the OPD",
        produsen=steps(COMPILE),
        sekretariat=steps_between(COMPILE, FORUM),
        walidata=steps_between(COMPILE, FORUM),
        note="from step 2 on as *tambahan*",
    ),
    *_edits("satudata_item_update"),
    *_edits("satudata_item_patch"),
    rule("satudata_item_delete", produsen=steps(COMPILE),
         walidata=steps_between(COMPILE, FORUM - 1)),
    rule("satudata_item_show", "row agreed by the forum", anonymous=PUBLISHED,
         **SIGNED_IN, note="anonymous: without desk notes"),
    rule("satudata_item_show", "row not agreed", **SIGNED_IN),
    rule("satudata_item_list", anonymous=PUBLISHED, **SIGNED_IN,
         note="anonymous: the agreed rows only"),
    rule(
        "satudata_item_import",
        produsen_lain=steps(COMPILE),
        produsen=steps(COMPILE),
        pembina=steps(COMPILE),
        sekretariat=steps(COMPILE),
        walidata=UNTIL_FINISHED,
        note="an OPD its own rows, the Walidata any; each row is then "
        "checked like a create or an update",
    ),
    rule("satudata_item_carry_over", walidata=steps(COMPILE)),
    rule("satudata_duplicates", **DESK),
    rule(
        "satudata_duplicate_ignore",
        **{k: steps_between(COMPILE, DESK_STEP) for k in DESK},
    ),
    rule("satudata_item_review", **{k: steps(DESK_STEP) for k in DESK}),
    rule("satudata_recommendation_create", pembina=steps(RECOMMEND, DESK_STEP)),
    rule("satudata_recommendation_list", **SIGNED_IN),
    rule("satudata_organization_list", **SIGNED_IN),
    # --- documents, forum, SK -------------------------------------------------
    *_documents("satudata_document_update"),
    *_documents("satudata_document_upload"),
    rule("satudata_document_show", "SK", anonymous=PUBLISHED, **SIGNED_IN),
    rule("satudata_document_show", "BA desk, BA forum", **SIGNED_IN),
    rule("satudata_document_data", **SIGNED_IN),
    rule("satudata_item_agree", applies=steps(FORUM), **COMPILERS),
    rule("satudata_sk_publish", "publish", applies=steps(PUBLISH) - PUBLISHED,
         walidata=EVERY, note="needs the signed SK"),
    rule("satudata_sk_publish", "resend the e-mails", applies=PUBLISHED,
         walidata=EVERY),
    # --- step 10 ------------------------------------------------------------------
    rule("satudata_provision", applies=steps(PROVISION) | FINISHED,
         sysadmin_any_step=True,
         walidata=EVERY),
    rule("satudata_provision_status", **SIGNED_IN),
    rule("satudata_progress", anonymous=PUBLISHED, **SIGNED_IN),
    rule("satudata_todo_datasets", "the caller's own organizations", **SIGNED_IN),
    rule("satudata_todo_datasets", "one organization's list", produsen=EVERY,
         walidata=EVERY, note="its members too"),
    # --- after step 10: checking and publication ----------------------------------
    rule("satudata_dataset_submit", produsen=EVERY,
         note="the dataset's OPD; refused while it has no data"),
    rule("satudata_dataset_review", walidata=EVERY,
         note="acceptance publishes open data; a return needs a note"),
    rule("satudata_verification_list", **SIGNED_IN,
         note="Walidata and Pembina: every OPD's datasets; an OPD: its own"),
    rule("satudata_verification_show", produsen=EVERY, pembina=EVERY,
         walidata=EVERY, note="its OPD's members too"),
    # --- after step 10: the release calendar ----------------------------------------
    rule("satudata_release_calendar", anonymous=EVERY, **SIGNED_IN,
         note="published cycles only"),
    rule("satudata_remind", walidata=EVERY,
         note="also run daily by the jobs worker"),

    # --- the portal's public face -------------------------------------------------
    rule("satudata_portal_summary", anonymous=EVERY, **SIGNED_IN,
         note="public figures; visitors: published cycles only"),
    rule("satudata_my_tasks", **SIGNED_IN,
         note="the caller's own tasks (Tugas saya)"),

    # --- after step 10: data tables ---------------------------------------------
    rule("satudata_wilayah_list", anonymous=EVERY, **SIGNED_IN,
         note="the configured region's reference"),
    rule("satudata_table_import", produsen=EVERY, walidata=EVERY,
         note="the dataset's OPD (its editors and admins) and the Walidata"),
)

_keys = [r.key for r in TABLE]
assert len(_keys) == len(set(_keys)), "two rows for the same action and case"


def actions() -> list[str]:
    """The actions the table has rows for, in table order."""
    return list(dict.fromkeys(r.action for r in TABLE))


def rules_of(action: str) -> tuple[Rule, ...]:
    return tuple(r for r in TABLE if r.action == action)


def rule_of(action: str, case: Optional[str] = None) -> Rule:
    """The row of ``action`` (its only one, or the one of ``case``)."""
    found = [r for r in rules_of(action) if case is None or r.case == case]
    if len(found) != 1:
        raise KeyError((action, case))
    return found[0]


def _pure_who() -> dict[str, frozenset[Role]]:
    """Actions whose every row is a pure "who", the same in each row."""
    who: dict[str, frozenset[Role]] = {}
    for action in actions():
        rows = rules_of(action)
        if all(r.pure for r in rows) and len({r.passing for r in rows}) == 1:
            who[action] = rows[0].passing
    return who


#: action → the columns that pass it, for the actions with a pure "who"
WHO: dict[str, frozenset[Role]] = _pure_who()


def columns(roles: UserRoles, organization: Optional[str] = None) -> frozenset[Role]:
    """The table's columns ``roles`` stands in (for a row of ``organization``).

    An editor is the Produsen of a row of their organization and "other OPD"
    for any other; without ``organization`` (a pure "who") both. A member who
    only reads stands in no column (see :data:`SIGNED_IN_ROLES`).
    """
    if roles.anonymous:
        return frozenset({Role.ANONYMOUS})
    found: set[Role] = set()
    for actor in roles.actors:
        role = ACTOR_ROLES.get(actor)
        if role is not None and role is not Role.PRODUSEN:
            found.add(role)
    if Actor.PRODUSEN in roles.actors:
        if organization is None:
            found |= {Role.PRODUSEN, Role.OTHER_OPD}
        elif roles.produces_for(organization):
            found.add(Role.PRODUSEN)
        else:
            found.add(Role.OTHER_OPD)
    if roles.sysadmin:
        found.add(Role.SYSADMIN)
    return frozenset(found)


def allows(action: str, roles: UserRoles) -> bool:
    """May ``roles`` call ``action`` (a pure-"who" action; ``KeyError`` else)?"""
    passing = WHO[action]
    if not roles.anonymous and SIGNED_IN_ROLES <= passing:
        return True
    return bool(passing & columns(roles))


def permits(action: str, context: Any) -> bool:
    """:func:`allows` for the context's user; no query when every signed-in
    user passes."""
    passing = WHO[action]
    if not context.get("user"):
        return Role.ANONYMOUS in passing
    if SIGNED_IN_ROLES <= passing:
        return True
    return allows(action, roles_.roles_in_context(context))


# --- the printed table --------------------------------------------------------------


def _runs(numbers: Iterable[int]) -> str:
    """``[1, 3, 8, 9, 10]`` → ``'1, 3, 8–10'``."""
    parts: list[list[int]] = []
    for n in sorted(numbers):
        if parts and n == parts[-1][-1] + 1:
            parts[-1].append(n)
        else:
            parts.append([n])
    return ", ".join(str(p[0]) if len(p) == 1 else f"{p[0]}–{p[-1]}" for p in parts)


def describe(stages: Stages, every: str = "✓") -> str:
    """A set of stages as a table cell: ``✓``, ``—``, ``steps 1–6``, …"""
    if stages == EVERY:
        return every
    if not stages:
        return "—"
    if stages == PUBLISHED:
        return "once published"
    if stages == UNTIL_FINISHED:
        return "until finished"
    running = stages - FINISHED
    numbers = sorted({s.step for s in running})
    if not numbers:
        return "once finished"
    text = ("step " if len(numbers) == 1 else "steps ") + _runs(numbers)
    publishing = {s.published for s in running if s.step == PUBLISH}
    if publishing == {False}:
        text += ", until the SK is published"
    elif publishing == {True}:
        text += " once the SK is published"
    if stages & FINISHED and PROVISION not in numbers:
        text += ", and once finished"
    elif PROVISION in numbers and not stages & FINISHED:
        text += ", until finished"
    return text


def _applies(r: Rule) -> str:
    text = describe(r.applies, every="any step")
    if r.sysadmin_any_step:
        text += "; sysadmin any step"
    return text


LEGEND = (
    "*applies*: the steps in which the action itself accepts the call (elsewhere "
    "it answers with a `ValidationError`). A role's column: the steps in which "
    "`check_access` lets it through (✓ every step, — never; elsewhere "
    "`NotAuthorized`). A role acts where both hold. *other OPD*: an editor of "
    "another organization. A row with ✓ for every signed-in role is open to any "
    "signed-in user, members who only read included. Step 9 is checked before "
    "and after the SK is published, step 10 also once the cycle is finished."
)


def markdown() -> str:
    """The table as Markdown (what the README prints between its markers)."""
    header = ["action", "case", "applies", *(r.header for r in Role), "note"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for r in TABLE:
        cells = [
            f"`{r.action}`",
            r.case,
            _applies(r),
            *(describe(r.who[role]) for role in Role),
            r.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + LEGEND + "\n"


START = "<!-- auth-matrix:start -->"
END = "<!-- auth-matrix:end -->"
_BLOCK = re.compile(re.escape(START) + r"\n(.*?)" + re.escape(END), re.S)


def readme_block(text: str) -> Optional[str]:
    """What ``text`` holds between the markers (``None`` without them)."""
    found = _BLOCK.search(text)
    return found.group(1) if found else None


def with_table(text: str) -> str:
    """``text`` with :func:`markdown` between its markers (``ValueError`` when
    they are missing)."""
    if readme_block(text) is None:
        raise ValueError(f"no {START} … {END} block")
    return _BLOCK.sub(lambda _m: f"{START}\n{markdown()}{END}", text, count=1)


if __name__ == "__main__":
    print(markdown(), end="")
