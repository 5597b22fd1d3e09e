"""After step 10: the OPD submits its data, the Walidata checks it, and only
acceptance publishes it (Perpres 39/2019 Ps 21 and 34).

The rules are :mod:`workflow.checking`; these actions check access, call
them, commit once and then send the e-mails (a mail server that fails
cannot undo a decision: its failures come back as plain lines).

Examples (ckanapi)::

    ckan.action.satudata_dataset_submit(id="2027-dinkes-001", catatan="Lengkap")
    ckan.action.satudata_verification_list(cycle_id=2027, status="diajukan")
    ckan.action.satudata_dataset_review(id="2027-dinkes-001", hasil="perbaikan",
                                        catatan="Angka kecamatan Barat belum ada")
    ckan.action.satudata_dataset_review(id="2027-dinkes-001", hasil="diterima")
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.satudata_planning.checking import notify
from ckanext.satudata_planning.logic import schema
from ckanext.satudata_planning.model import CheckStatus, Cycle, DatasetCheck, Item
from ckanext.satudata_planning.sop import Actor, working_days
from ckanext.satudata_planning.sop.roles import roles_in_context
from ckanext.satudata_planning.workflow import checking

from ._common import commit, get_cycle, iso, org, rollback

__all__ = [
    "satudata_dataset_review",
    "satudata_dataset_submit",
    "satudata_verification_list",
    "satudata_verification_show",
]


def dataset(ref: Any) -> checking.Provisioned:
    """The provisioned dataset ``ref`` (id or name): ``ObjectNotFound`` when no
    dataset has that name, a ``ValidationError`` when step 10 did not make it."""
    prov = checking.provisioned(ref)
    if prov is not None:
        return prov
    if model.Package.get(ref) is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    raise tk.ValidationError({"id": [tk._(
        "This dataset was not made from the Daftar Data (step 10): it is not checked"
    )]})


# --- the list ------------------------------------------------------------------------


def _columns() -> tuple[Any, ...]:
    p, g, c = model.Package, model.Group, DatasetCheck
    filled = checking.has_data_sql(p.id)
    status = checking.status_sql(c.status, filled).label("status")
    return (
        p.id, p.name, p.title, p.private, p.extras["sifat_akses"].astext,
        Item.id, Item.kode_data, Item.jadwal_rilis, Item.jadwal_pemutakhiran,
        g.name, g.title, Cycle.id, Cycle.tahun, c.submitted, c.reviewed, c.catatan,
        filled.label("has_data"), status,
        sa.func.coalesce(c.queued, False).label("queued"),
        _late(status).label("late"),
    )


def _late(status: Any) -> sa.ColumnElement[bool]:
    """SQL: the row's jadwal rilis has passed and its data is not accepted."""
    return sa.and_(
        Item.jadwal_rilis.is_not(None),
        Item.jadwal_rilis < working_days.today(),
        status != CheckStatus.DITERIMA.value,
    )


def _base(query: sa.Select[Any]) -> sa.Select[Any]:
    p, g, c = model.Package, model.Group, DatasetCheck
    return (
        query.select_from(Item)
        .join(p, sa.and_(p.id == Item.package_id, p.state == "active",
                         p.extras[checking.ITEM_KEY].astext == Item.id))
        .join(g, g.id == p.owner_org)
        .join(Cycle, Cycle.id == Item.cycle_id)
        .outerjoin(c, c.package_id == p.id)
        .where(checking.active_items())
    )


def _row(r: Any) -> dict[str, Any]:
    return {
        "package_id": r[0],
        "name": r[1],
        "title": r[2] or r[1],
        "private": bool(r[3]),
        "sifat_akses": r[4] or None,
        "item_id": r[5],
        "kode_data": r[6],
        "jadwal_rilis": iso(r[7]),
        "jadwal_pemutakhiran": iso(r[8]),
        "organization": r[9],
        "organization_title": r[10] or r[9],
        "cycle_id": r[11],
        "tahun": r[12],
        "submitted": iso(r[13]),
        "reviewed": iso(r[14]),
        "catatan": r[15],
        "has_data": bool(r[16]),
        "status": r[17],
        "queued": bool(r[18]),
        "late": bool(r[19]),
    }


def _readers_filter(context: Context) -> Optional[sa.ColumnElement[bool]]:
    """An OPD sees its own datasets; the Walidata and the Pembina every one."""
    roles = roles_in_context(context)
    if roles.is_any((Actor.WALIDATA, Actor.PEMBINA)):
        return None
    return model.Group.name.in_(sorted(roles.produsen_of | roles.member_of))


@validate(schema.verification_list)
@tk.side_effect_free
def satudata_verification_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The checking queue: provisioned datasets with their status, paged.

    :param cycle_id: one cycle (id or year); default: every cycle
    :param organization: one OPD (name or id)
    :param status: ``kosong``, ``diisi``, ``diajukan``, ``perbaikan`` or
        ``diterima``
    :param queued: only those waiting for the Walidata's decision (submitted,
        or accepted data changed since): ``true``
    :param q: text in the code or the title
    :param limit: rows per page (default 50, at most 1000)
    :param offset: rows to skip
    :returns: ``{count, counts: {status: n, queued: n}, results: [{package_id, name,
        title, kode_data, organization, organization_title, status,
        jadwal_rilis, submitted, reviewed, catatan, has_data, private,
        sifat_akses, tahun, queued, late, …}]}``; those past their jadwal
        rilis without accepted data (``late``) first, then those waiting for
        the Walidata, oldest submission first. The Walidata and the Pembina Data
        see every OPD's datasets, an OPD its own.
    """
    tk.check_access("satudata_verification_list", context, data_dict)
    where: list[sa.ColumnElement[bool]] = []
    readers = _readers_filter(context)
    if readers is not None:
        where.append(readers)
    if data_dict.get("cycle_id"):
        where.append(Cycle.id == get_cycle(data_dict["cycle_id"]).id)
    if data_dict.get("organization"):
        where.append(model.Group.id == org(data_dict["organization"]).id)
    if data_dict.get("q"):
        like = "%" + data_dict["q"].replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        where.append(sa.or_(Item.kode_data.ilike(like, escape="\\"),
                            model.Package.title.ilike(like, escape="\\")))
    listed = _base(sa.select(*_columns())).where(*where).subquery()
    counts = dict(model.Session.execute(
        sa.select(listed.c.status, sa.func.count()).group_by(listed.c.status)
    ).all())
    queued = model.Session.execute(
        sa.select(sa.func.count()).where(listed.c.queued.is_(True))
    ).scalar_one()
    query = sa.select(listed)
    if data_dict.get("status"):
        query = query.where(listed.c.status == data_dict["status"])
    if data_dict.get("queued"):
        query = query.where(listed.c.queued.is_(True))
    count = model.Session.execute(
        sa.select(sa.func.count()).select_from(query.subquery())
    ).scalar_one()
    rows = model.Session.execute(
        query.order_by(
            listed.c.late.desc(),  # past their jadwal rilis first
            listed.c.queued.desc(),
            listed.c.submitted.asc().nulls_last(),
            listed.c.kode_data,
        )
        .limit(data_dict["limit"])
        .offset(data_dict["offset"])
    ).all()
    return {
        "count": count,
        "counts": {
            **{s.value: counts.get(s.value, 0) for s in CheckStatus},
            "queued": queued,
        },
        "results": [_row(r) for r in rows],
    }


def _one(prov: checking.Provisioned) -> dict[str, Any]:
    row = model.Session.execute(
        _base(sa.select(*_columns())).where(model.Package.id == prov.package_id)
    ).first()
    if row is None:  # the row was deleted or not agreed after all
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return _row(row)


@validate(schema.verification_show)
@tk.side_effect_free
def satudata_verification_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One provisioned dataset's checking: its status and its history.

    :param id: the dataset's id or name
    :returns: the dict of :func:`satudata_verification_list` and ``history``
        (``[{action, status, status_before, catatan, timestamp, user,
        user_display}]``, newest first), ``may_submit`` and ``may_review``
        for the caller
    """
    tk.check_access("satudata_verification_show", context, data_dict)
    prov = dataset(data_dict["id"])
    shown = _one(prov)
    status = CheckStatus(shown["status"])
    roles = roles_in_context(context)
    shown["history"] = checking.history(prov.package_id)
    shown["may_submit"] = roles.produces_for(prov.organization) and (
        checking.submit_refusal(status, filled=shown["has_data"]) is None)
    shown["may_review"] = roles.is_(Actor.WALIDATA) and (
        checking.review_refusal(status, queued=shown["queued"],
                                filled=shown["has_data"]) is None)
    return shown


# --- the transitions ----------------------------------------------------------------


@validate(schema.dataset_submit)
def satudata_dataset_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The OPD submits its dataset to the Walidata for checking.

    :param id: the dataset's id or name (a dataset made in step 10)
    :param catatan: a note for the Walidata (optional)
    :returns: the dataset as :func:`satudata_verification_list` lists it, with
        ``notified`` (e-mails sent to the Walidata) and ``failed`` (a sentence
        per e-mail that did not go)

    Refused (``ValidationError`` on ``id``) while the dataset has no data,
    while it is already submitted, and once accepted until its data changes.
    """
    tk.check_access("satudata_dataset_submit", context, data_dict)
    prov = dataset(data_dict["id"])
    roles = roles_in_context(context)
    try:
        checking.submit(prov, user_id=roles.user_id, catatan=data_dict.get("catatan"))
    except tk.ValidationError:
        rollback(context)
        raise
    commit(context)
    shown = _one(prov)
    sent = notify.submitted(prov, catatan=data_dict.get("catatan"),
                            user_id=roles.user_id)
    return {**shown, **sent.as_dict()}


@validate(schema.dataset_review)
def satudata_dataset_review(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The Walidata accepts a submitted dataset or returns it with a note.

    :param id: the dataset's id or name
    :param hasil: ``diterima`` (accepted) or ``perbaikan`` (returned)
    :param catatan: the note; required to return a dataset
    :returns: the dataset as :func:`satudata_verification_list` lists it, with
        ``notified`` and ``failed`` (the e-mails to the OPD's Produsen Data)

    Acceptance makes data whose ``sifat_akses`` is ``terbuka`` (or empty)
    public and keeps ``terbatas`` and ``dikecualikan`` data private; a return
    withdraws a public dataset until it is accepted again. The visibility is
    changed with CKAN's ``package_patch`` in the same transaction.
    """
    tk.check_access("satudata_dataset_review", context, data_dict)
    hasil, catatan = data_dict["hasil"], data_dict.get("catatan")
    if hasil == CheckStatus.PERBAIKAN.value and not catatan:
        raise tk.ValidationError({"catatan": [tk._(
            "Say in a note what the OPD must fix before returning the dataset"
        )]})
    prov = dataset(data_dict["id"])
    roles = roles_in_context(context)
    try:
        decision = checking.review(prov, hasil=hasil, catatan=catatan,
                                   user_id=roles.user_id)
        if decision.make_private is not None:
            patch: Context = {"user": context.get("user") or "", "ignore_auth": True}
            if context.get("defer_commit"):
                patch["defer_commit"] = True
            tk.get_action("package_patch")(
                patch, {"id": prov.package_id, "private": decision.make_private})
    except (tk.ValidationError, tk.ObjectNotFound):
        rollback(context)
        raise
    commit(context)
    shown = _one(prov)
    sent = notify.decided(prov, decision.status, catatan=catatan,
                          public=not shown["private"], user_id=roles.user_id)
    return {**shown, **sent.as_dict()}
