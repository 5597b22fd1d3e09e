"""After step 10: the checking of each provisioned dataset, as rules.

A dataset made in step 10 goes ``kosong`` (no data) → ``diisi`` (its OPD
entered data) → ``diajukan`` (submitted to the Walidata) → ``perbaikan``
(returned with a note) → ``diajukan`` … → ``diterima`` (accepted). Accepted
data whose ``sifat_akses`` is ``terbuka`` (or empty) is public; ``terbatas``
and ``dikecualikan`` stay private. A change to accepted data sends it back
to ``diisi`` (or ``kosong``), recorded; what is public stays public until
the Walidata decides again.

This module is what the actions, the hooks, the screens and later features
(data tables, the release calendar) ask:

* :func:`provisioned`: is this a dataset of the Daftar Data, and of which row;
* :func:`has_data` / :func:`has_data_sql`: the ONE test of "the dataset has
  data" (today: an active resource);
* :func:`status_sql` / :func:`effective_status`: where a dataset stands;
* :func:`data_changed`, :func:`submit`, :func:`review`: the transitions, each
  recorded as an audit event in the caller's transaction (nothing commits).

>>> publishes("terbuka"), publishes(None), publishes("terbatas")
(True, True, False)
>>> submit_refusal(CheckStatus.DIISI, filled=True) is None
True
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ckanext.satudata_planning.model import (
    CheckStatus,
    Cycle,
    DatasetCheck,
    Event,
    Item,
    ItemState,
    utcnow,
)
from ckanext.satudata_planning.model.checking import CHECKING
from ckanext.satudata_planning.model.event import DATASET_ACTIONS, EventAction

#: the scheming field that links a dataset to its Daftar Data row
ITEM_KEY = "satudata_item_id"
#: access classes whose accepted data is published (empty counts as open)
OPEN_ACCESS = frozenset({"", "terbuka"})


def publishes(sifat_akses: Optional[str]) -> bool:
    """Does accepting data of this access class make it public?"""
    return (sifat_akses or "").strip().lower() in OPEN_ACCESS


# --- which datasets are the Daftar Data's ---------------------------------------------


@dataclass(frozen=True)
class Provisioned:
    """A dataset made in step 10, with what the checking reads of it."""

    package_id: str
    name: str
    title: str
    private: bool
    owner_org: Optional[str]
    organization: str
    organization_title: str
    sifat_akses: Optional[str]
    item_id: str
    kode_data: str
    cycle_id: str
    tahun: int
    jadwal_rilis: Optional[dt.date]

    def snapshot(self, status: str, **extra: Any) -> dict[str, Any]:
        """An event's before/after: named as the audit trail shows it."""
        return {"status": status, "kode_data": self.kode_data,
                "nama_data": self.title, **extra}


def _provisioned_query() -> sa.Select[Any]:
    p, g = model.Package, model.Group
    return (
        sa.select(p.id, p.name, p.title, p.private, p.owner_org, g.name, g.title,
                  p.extras["sifat_akses"].astext, Item.id, Item.kode_data,
                  Item.cycle_id, Cycle.tahun, Item.jadwal_rilis)
        # a row names its dataset, and the dataset its row: both must agree
        # (anyone may type a satudata_item_id into a dataset of their own)
        .join(Item, sa.and_(Item.package_id == p.id,
                            Item.id == p.extras[ITEM_KEY].astext))
        .join(Cycle, Cycle.id == Item.cycle_id)
        .outerjoin(g, g.id == p.owner_org)
    )


def provisioned(ref: Any) -> Optional[Provisioned]:
    """The dataset ``ref`` (id or name) when step 10 made it for a row that
    still names it; ``None`` otherwise. One query."""
    if not ref or not isinstance(ref, str):
        return None
    p = model.Package
    row = model.Session.execute(
        _provisioned_query().where(sa.or_(p.id == ref, p.name == ref),
                                   p.state != "deleted").limit(1)
    ).first()
    if row is None:
        return None
    return Provisioned(row[0], row[1], row[2] or row[1], bool(row[3]), row[4],
                       row[5] or "", row[6] or row[5] or "", row[7], row[8], row[9],
                       row[10], row[11], row[12])


def provisioned_ids(ids: list[str]) -> list[str]:
    """Of the datasets ``ids``, those step 10 made (one query)."""
    if not ids:
        return []
    p = model.Package
    return list(model.Session.execute(
        sa.select(p.id).join(Item, sa.and_(Item.package_id == p.id,
                                           Item.id == p.extras[ITEM_KEY].astext))
        .where(p.id.in_(ids))
    ).scalars())


def is_provisioned(package: Any) -> bool:
    """Cheap first test on a ``model.Package``: does it name a row at all?"""
    extras = getattr(package, "extras", None) or {}
    return bool(extras.get(ITEM_KEY))


# --- has the dataset data? -----------------------------------------------------------


def has_data_sql(package_id: Any) -> sa.ColumnElement[bool]:
    """SQL: the dataset ``package_id`` (a column or a value) has data.

    An active resource; a Table Designer table only once it holds a record
    for its row's year (the resource's ``satudata_filled`` extra, kept by
    :mod:`tables.filled` after every write to the table).
    """
    r = model.Resource
    filled_table = sa.case(
        (sa.func.coalesce(r.url_type, "") != "tabledesigner", sa.true()),
        else_=sa.cast(r.extras, JSONB)["satudata_filled"].astext == "true",
    )
    return sa.exists().where(r.package_id == package_id, r.state == "active",
                             filled_table)


def has_data(package_id: str) -> bool:
    """The dataset has data (see :func:`has_data_sql`). One query."""
    return bool(model.Session.execute(sa.select(has_data_sql(package_id))).scalar())


def fingerprint(package_id: str) -> str:
    """What the dataset's data is, as one hash of its active resources (their
    files or links, names, formats, descriptions, sizes, times and extra
    fields): a different hash is a change. A DataStore table's rows are not
    in it: a write to a table is reported by its own hook."""
    r = model.Resource
    rows = model.Session.execute(
        sa.select(r.id, r.url, r.url_type, r.last_modified, r.size, r.hash,
                  r.name, r.format, r.description, r.extras)
        .where(r.package_id == package_id, r.state == "active")
        .order_by(r.id)
    ).all()
    text = json.dumps([list(row) for row in rows], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- where a dataset stands -------------------------------------------------------


def status_sql(stored: Any, filled: Any) -> sa.ColumnElement[str]:
    """SQL: the status from the stored one (``NULL`` without a row) and
    ``filled`` (:func:`has_data_sql`)."""
    return sa.case(
        (stored.in_([s.value for s in CHECKING]), stored),
        (filled, CheckStatus.DIISI.value),
        else_=CheckStatus.KOSONG.value,
    )


def effective_status(check: Optional[DatasetCheck], filled: bool) -> CheckStatus:
    """:func:`status_sql` in Python."""
    if check is not None and CheckStatus(check.status) in CHECKING:
        return CheckStatus(check.status)
    return CheckStatus.DIISI if filled else CheckStatus.KOSONG


def status_label(status: Any) -> str:
    """A status for people, in the viewer's language."""
    labels = {
        CheckStatus.KOSONG: tk._("Empty"),
        CheckStatus.DIISI: tk._("Filled, not submitted"),
        CheckStatus.DIAJUKAN: tk._("Submitted for checking"),
        CheckStatus.PERBAIKAN: tk._("Returned for revision"),
        CheckStatus.DITERIMA: tk._("Accepted"),
    }
    try:
        return labels[CheckStatus(status)]
    except ValueError:
        return str(status or "")


def submit_refusal(status: CheckStatus, *, filled: bool) -> Optional[str]:
    """Why the OPD may not submit now (``None``: it may)."""
    if not filled:
        return tk._(
            "This dataset has no data yet: add its data before submitting it "
            "for checking"
        )
    if status is CheckStatus.DIAJUKAN:
        return tk._("This dataset is already submitted: the Walidata is checking it")
    if status is CheckStatus.DITERIMA:
        return tk._(
            "This dataset is already accepted; after a change to its data it "
            "can be submitted again"
        )
    return None


def review_refusal(status: CheckStatus, *, queued: bool, filled: bool,
                   hasil: Optional[str] = None) -> Optional[str]:
    """Why the Walidata may not decide now (``None``: it may): only a
    submitted dataset, or accepted data that changed since, waits for it."""
    if not queued:
        return tk._(
            "Only a submitted dataset, or accepted data changed since, is "
            "checked; this one is: {status}"
        ).format(status=status_label(status))
    if hasil == CheckStatus.DITERIMA.value and not filled:
        return tk._("This dataset has no data any more: there is nothing to accept")
    return None


# --- transitions (recorded, not committed) -----------------------------------------


def _transition(
    prov: Provisioned,
    check: DatasetCheck,
    to: CheckStatus,
    action: str,
    *,
    user_id: Optional[str],
    now: dt.datetime,
    note: Optional[str] = None,
    **extra: Any,
) -> None:
    before = check.status
    check.status = to.value
    check.modified = now
    check.modified_by = user_id
    after = prov.snapshot(to.value, **extra)
    if note:
        after["catatan"] = note
    Event.record(
        model.Session,
        cycle_id=prov.cycle_id,
        user_id=user_id,
        action=action,
        target_type="dataset",
        target_id=prov.package_id,
        before={"status": before},
        after=after,
        timestamp=now,
    )


def _row(prov: Provisioned, now: dt.datetime) -> DatasetCheck:
    check = DatasetCheck(package_id=prov.package_id, item_id=prov.item_id,
                         cycle_id=prov.cycle_id, status=CheckStatus.KOSONG.value,
                         created=now, modified=now)
    model.Session.add(check)
    return check


def data_changed(
    package_id: str, *, user_id: Optional[str], table: bool = False
) -> Optional[str]:
    """The data of ``package_id`` may have changed: move its status along.

    ``table``: rows of one of its DataStore tables were written (the resource
    hash does not see them). Returns the event's action, ``None`` when
    nothing moved or the dataset is not the Daftar Data's.
    """
    prov = provisioned(package_id)
    if prov is None:
        return None
    check = DatasetCheck.get(prov.package_id, for_update=True)
    filled = has_data(prov.package_id)
    now = utcnow()
    if check is None:
        if not filled:
            return None
        check = _row(prov, now)
    status = CheckStatus(check.status)
    if status is CheckStatus.DITERIMA:
        if not table and fingerprint(prov.package_id) == check.fingerprint:
            return None
        to = CheckStatus.DIISI if filled else CheckStatus.KOSONG
        check.queued = True  # the Walidata decides again; public stays public
        _transition(prov, check, to, EventAction.DATASET_CHANGE, user_id=user_id,
                    now=now, public=not prov.private)
        return EventAction.DATASET_CHANGE
    if status is CheckStatus.KOSONG and filled:
        _transition(prov, check, CheckStatus.DIISI, EventAction.DATASET_FILL,
                    user_id=user_id, now=now)
        return EventAction.DATASET_FILL
    if status is CheckStatus.DIISI and not filled:
        _transition(prov, check, CheckStatus.KOSONG, EventAction.DATASET_EMPTY,
                    user_id=user_id, now=now)
        return EventAction.DATASET_EMPTY
    return None


def submit(prov: Provisioned, *, user_id: Optional[str],
           catatan: Optional[str]) -> DatasetCheck:
    """The OPD submits its data (``ValidationError`` on ``id`` when it may not)."""
    check = DatasetCheck.get(prov.package_id, for_update=True)
    filled = has_data(prov.package_id)
    refusal = submit_refusal(effective_status(check, filled), filled=filled)
    if refusal:
        raise tk.ValidationError({"id": [refusal]})
    now = utcnow()
    if check is None:
        check = _row(prov, now)
    check.submitted, check.submitted_by = now, user_id
    check.queued = True
    check.catatan = catatan or None
    check.fingerprint = fingerprint(prov.package_id)
    _transition(prov, check, CheckStatus.DIAJUKAN, EventAction.DATASET_SUBMIT,
                user_id=user_id, now=now, note=catatan)
    return check


@dataclass(frozen=True)
class Decision:
    """What a review did: the new status and the visibility it asks for."""

    status: CheckStatus
    #: ``True``/``False``: the dataset must be made private/public; ``None``: as is
    make_private: Optional[bool]


def review(prov: Provisioned, *, hasil: str, catatan: Optional[str],
           user_id: Optional[str]) -> Decision:
    """The Walidata accepts or returns a queued dataset (submitted, or
    accepted data changed since).

    Acceptance publishes open data (``terbuka`` or empty ``sifat_akses``)
    and keeps (or makes) the rest private; a return withdraws a public
    dataset until it is accepted again. The caller changes the visibility
    (CKAN's ``package_patch``) as :class:`Decision` says.
    """
    check = DatasetCheck.get(prov.package_id, for_update=True)
    filled = has_data(prov.package_id)
    refusal = review_refusal(effective_status(check, filled),
                             queued=bool(check and check.queued), filled=filled,
                             hasil=hasil)
    if refusal:
        raise tk.ValidationError({"id": [refusal]})
    assert check is not None  # a queued dataset has its row
    now = utcnow()
    check.reviewed, check.reviewed_by = now, user_id
    check.queued = False
    check.catatan = catatan or None
    if hasil == CheckStatus.DITERIMA.value:
        public = publishes(prov.sifat_akses)
        check.fingerprint = fingerprint(prov.package_id)
        if public and prov.private:
            check.published = now
        _transition(prov, check, CheckStatus.DITERIMA, EventAction.DATASET_ACCEPT,
                    user_id=user_id, now=now, note=catatan, public=public,
                    sifat_akses=prov.sifat_akses or "")
        private = not public
        return Decision(CheckStatus.DITERIMA, private if private != prov.private
                        else None)
    _transition(prov, check, CheckStatus.PERBAIKAN, EventAction.DATASET_RETURN,
                user_id=user_id, now=now, note=catatan, withdrawn=not prov.private)
    return Decision(CheckStatus.PERBAIKAN, None if prov.private else True)


def history(package_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The dataset's checking events, newest first: ``{action, status,
    catatan, timestamp, user, user_display}``."""
    u = model.User
    rows = model.Session.execute(
        sa.select(Event.action, Event.after, Event.before, Event.timestamp, u.name,
                  u.fullname)
        .outerjoin(u, u.id == Event.user_id)
        .where(Event.target_type == "dataset", Event.target_id == package_id,
               Event.action.in_(DATASET_ACTIONS))
        .order_by(Event.seq.desc())
        .limit(limit)
    ).all()
    return [
        {
            "action": action,
            "status": (after or {}).get("status"),
            "status_before": (before or {}).get("status"),
            "catatan": (after or {}).get("catatan"),
            "timestamp": timestamp.isoformat(),
            "user": name,
            "user_display": fullname or name,
        }
        for action, after, before, timestamp, name, fullname in rows
    ]


def active_items() -> sa.ColumnElement[bool]:
    """The rows whose datasets the checking lists: active and agreed."""
    return sa.and_(Item.state == ItemState.ACTIVE, Item.disepakati.is_(True))
