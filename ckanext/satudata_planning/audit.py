"""The audit trail in sentences, as people would write them.

The cycle dashboard and a row's history show events through these. Every
action name of ``EventAction`` has a summary of its own here (the tests
check it); what a sentence names comes from the event itself (its
before/after) or from the other events of the same page, never from a query.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.satudata_planning import formats, sop
from ckanext.satudata_planning.model.event import BATCHED_ACTIONS, EventAction
from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.sop.documents import JENIS, kind


def _lang() -> str:
    return "en" if sop.current_lang().startswith("en") else "id"


# --- the audit trail: one sentence per event ---------------------------------------
#
# The cycle dashboard and a row's history show events as people would write
# them. Every action name of ``EventAction`` has a summary of its own here
# (the tests check it); what a sentence names comes from the event itself
# (its before/after) or from the other events of the same page, never from a
# query.

#: characters of a row's name or a recommendation kept in one line
_SHORT = 80
#: actions written in batches (one import, one carry-over, one forum decision):
#: the dashboard shows each batch on one line, with its count
_BATCHED = BATCHED_ACTIONS


@dataclass(frozen=True)
class EventContext:
    """What the other events of the page tell about one event.

    ``rows``: row labels by item id (for events that carry only ids);
    ``sk_nomor``: the SK's number as the events before this one left it;
    ``batch``: the events one dashboard line stands for (empty: just one).
    """

    rows: Mapping[str, str] = field(default_factory=dict)
    sk_nomor: Optional[str] = None
    batch: Sequence[dict[str, Any]] = ()

    @property
    def count(self) -> int:
        """How many events the line stands for: the whole request's when the
        events came ``batched`` (their ``batch`` counts), else the page's."""
        counted = sum((e.get("batch") or {}).get("count", 1) for e in self.batch)
        return max(counted, 1)

    @property
    def created(self) -> int:
        """Of :attr:`count`, the events that made a row (no ``before``)."""
        return sum(
            (e.get("batch") or {}).get("created", 0 if e.get("before") else 1)
            for e in self.batch
        )


def _short(text: Any, limit: int = _SHORT) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _side(event: dict[str, Any], key: str) -> dict[str, Any]:
    value = event.get(key)
    return value if isinstance(value, dict) else {}


def _row_label(event: dict[str, Any]) -> Optional[str]:
    """``KODE “name”`` of the row an event is about, from its after (or before)."""
    for side in (_side(event, "after"), _side(event, "before")):
        kode = side.get("kode_data") or ""
        nama = _short(side.get("nama_data"))
        if kode or nama:
            return f"{kode} “{nama}”".strip() if nama else kode
    return None


def _row_of(event: dict[str, Any], ctx: EventContext) -> Optional[str]:
    label = _row_label(event)
    if label is None and event.get("target_type") == "item":
        label = ctx.rows.get(event.get("target_id") or "")
    return label


def _step_name(number: Any) -> str:
    """``4 (Desk pra forum: ...)``: the number and the SOP's short title."""
    try:
        title = sop.step(int(number)).title.get(sop.current_lang())
    except (KeyError, TypeError, ValueError):
        return str(number or "?")
    # step 1's title lists its sources in parentheses: too long for one line
    return "{number} ({title})".format(number=number, title=title.split(" (")[0])


def _document_name(jenis: Any) -> str:
    if jenis in JENIS:
        return kind(jenis).title.get(sop.current_lang())
    return tk._("a document")


def _changed_fields(event: dict[str, Any]) -> str:
    """The labels of the row fields an edit changed, in the list's order."""
    from ckanext.satudata_planning.sop.row_fields import FIELDS

    before, after = _side(event, "before"), _side(event, "after")
    keys = {("organization" if k == "organization_id" else k)
            for k in after if after.get(k) != before.get(k)}
    return ", ".join(f.label(_lang()) for f in FIELDS if f.key in keys)


def _cycle_create(event: dict[str, Any], ctx: EventContext) -> str:
    tahun = _side(event, "after").get("tahun")
    if tahun:
        return tk._("Planning cycle {tahun} opened").format(tahun=tahun)
    return tk._("Cycle opened")


def _cycle_finish(event: dict[str, Any], ctx: EventContext) -> str:
    tahun = _side(event, "after").get("tahun")
    if tahun:
        return tk._("Planning cycle {tahun} finished: all ten steps are done").format(
            tahun=tahun)
    return tk._("Cycle finished")


def _step_start(event: dict[str, Any], ctx: EventContext) -> str:
    step = _step_name(event.get("target_id"))
    due = formats.date(_side(event, "after").get("due_date"))
    if due:
        # TRANSLATORS: {step} is the step's number and title: "4 (Desk pra forum ...)"
        return tk._("Step {step} started, due {due}").format(step=step, due=due)
    # TRANSLATORS: {step} is the step's number and title: "4 (Desk pra forum ...)"
    return tk._("Step {step} started").format(step=step)


def _step_complete(event: dict[str, Any], ctx: EventContext) -> str:
    return tk._("Step {step} completed").format(step=_step_name(event.get("target_id")))


def _item_create(event: dict[str, Any], ctx: EventContext) -> str:
    row = _row_of(event, ctx)
    if row is None:
        return _item_summary(event)
    return tk._("Row {row} proposed").format(row=row)


def _item_update(event: dict[str, Any], ctx: EventContext) -> str:
    row = _row_of(event, ctx)
    if row is None:
        return _item_summary(event)
    fields = _changed_fields(event)
    if fields:
        return tk._("Row {row} changed: {fields}").format(row=row, fields=fields)
    return tk._("Row {row} changed").format(row=row)


def _item_delete(event: dict[str, Any], ctx: EventContext) -> str:
    row = _row_of(event, ctx)
    if row is None:
        return _item_summary(event)
    return tk._("Row {row} deleted").format(row=row)


def _item_import(event: dict[str, Any], ctx: EventContext) -> str:
    if ctx.count > 1:
        created = ctx.created
        return tk._(
            "{num} rows imported from a spreadsheet: {created} new, {updated} updated"
        ).format(num=ctx.count, created=created, updated=ctx.count - created)
    row = _row_of(event, ctx)
    if row is None:
        return _item_summary(event)
    if event.get("before"):
        return tk._("Row {row} updated from a spreadsheet").format(row=row)
    return tk._("Row {row} imported from a spreadsheet").format(row=row)


def _item_carry_over(event: dict[str, Any], ctx: EventContext) -> str:
    tahun = _side(event, "after").get("dari_tahun")
    if ctx.count > 1:
        return tk._("{num} rows carried over from the {tahun} list").format(
            num=ctx.count, tahun=tahun)
    row = _row_of(event, ctx)
    if row is None:
        return _item_summary(event)
    return tk._("Row {row} carried over from the {tahun} list").format(
        row=row, tahun=tahun)


def _item_review(event: dict[str, Any], ctx: EventContext) -> str:
    row = _row_of(event, ctx)
    if row is None:
        return _item_summary(event)
    return tk._("Desk result for row {row}: {hasil}").format(
        row=row,
        hasil=vocabularies.label("hasil", _side(event, "after").get("hasil"), _lang()))


def _item_agree(event: dict[str, Any], ctx: EventContext) -> str:
    agreed = bool(_side(event, "after").get("disepakati"))
    if ctx.count > 1:
        text = (tk._("{num} rows agreed at the Forum Satu Data") if agreed
                else tk._("{num} rows not agreed at the Forum Satu Data"))
        return text.format(num=ctx.count)
    row = _row_of(event, ctx)
    if row is None:
        return _item_summary(event)
    text = (tk._("Row {row} agreed at the Forum Satu Data") if agreed
            else tk._("Row {row} not agreed at the Forum Satu Data"))
    return text.format(row=row)


def _duplicate_ignore(event: dict[str, Any], ctx: EventContext) -> str:
    after = _side(event, "after")
    carried = after.get("rows") or {}

    def label(item_id: str) -> Optional[str]:
        row = carried.get(item_id)
        if row:
            return _row_label({"after": row})
        return ctx.rows.get(item_id)

    a = label(after.get("item_a") or "")
    b = label(after.get("item_b") or "")
    if a and b:
        return tk._("Rows {a} and {b} marked as not duplicates of each other").format(
            a=a, b=b)
    return tk._("Two rows marked as not duplicates of each other")


def _recommendation_create(event: dict[str, Any], ctx: EventContext) -> str:
    text = _short(_side(event, "after").get("isi"), 120)
    if event.get("target_type") != "item":
        return tk._("Recommendation on the whole data list: {text}").format(text=text)
    row = _row_of(event, ctx)
    if row is None:
        return tk._("Recommendation on a row: {text}").format(text=text)
    return tk._("Recommendation on row {row}: {text}").format(row=row, text=text)


def _document_update(event: dict[str, Any], ctx: EventContext) -> str:
    document = _document_name(event.get("target_id"))
    nomor = _side(event, "after").get("nomor")
    if nomor:
        return tk._("{document} number {number} saved").format(
            document=document, number=nomor)
    return tk._("{document} saved").format(document=document)


def _document_upload(event: dict[str, Any], ctx: EventContext) -> str:
    document = _document_name(event.get("target_id"))
    if _side(event, "before").get("file"):
        return tk._("Signed PDF of the {document} replaced").format(document=document)
    return tk._("Signed PDF of the {document} uploaded").format(document=document)


def _sk_publish(event: dict[str, Any], ctx: EventContext) -> str:
    nomor = _side(event, "after").get("nomor") or ctx.sk_nomor
    if nomor:
        return tk._(
            "Decree (SK) number {number} published; the data producers are "
            "notified by e-mail").format(number=nomor)
    return tk._("Decree (SK) published; the data producers are notified by e-mail")


def _sk_resend(event: dict[str, Any], ctx: EventContext) -> str:
    # the number the event carries; older events carry nothing, then the one
    # the page's earlier SK events left
    nomor = _side(event, "after").get("nomor") or ctx.sk_nomor
    if nomor:
        return tk._(
            "E-mails about decree (SK) number {number} sent again to the data "
            "producers").format(number=nomor)
    return tk._("E-mails about the decree (SK) sent again to the data producers")


def _provision_run(event: dict[str, Any], ctx: EventContext) -> str:
    after = _side(event, "after")
    return tk._(
        "Datasets prepared in the portal (step 10): {created} created, "
        "{updated} updated, {failed} failed"
    ).format(
        created=after.get("created", 0),
        updated=after.get("updated", 0),
        failed=after.get("failed", 0),
    )


# --- after step 10: the checking of a dataset ------------------------------------


def _dataset(event: dict[str, Any]) -> str:
    return _row_label(event) or tk._("a dataset")


def _dataset_fill(event: dict[str, Any], ctx: EventContext) -> str:
    return tk._("Dataset {dataset} received its first data").format(
        dataset=_dataset(event))


def _dataset_empty(event: dict[str, Any], ctx: EventContext) -> str:
    return tk._("Dataset {dataset} has no data any more").format(
        dataset=_dataset(event))


def _dataset_submit(event: dict[str, Any], ctx: EventContext) -> str:
    return tk._("Dataset {dataset} submitted to the Walidata for checking").format(
        dataset=_dataset(event))


def _dataset_return(event: dict[str, Any], ctx: EventContext) -> str:
    note = _short(_side(event, "after").get("catatan"), 120)
    return tk._("Dataset {dataset} returned to its OPD for revision: {note}").format(
        dataset=_dataset(event), note=note)


def _dataset_accept(event: dict[str, Any], ctx: EventContext) -> str:
    after = _side(event, "after")
    if after.get("public"):
        return tk._("Dataset {dataset} accepted and published").format(
            dataset=_dataset(event))
    return tk._("Dataset {dataset} accepted; it stays private ({access})").format(
        dataset=_dataset(event),
        access=vocabularies.label("sifat_akses", after.get("sifat_akses"), _lang()))


def _table_redesign(event: dict[str, Any], ctx: EventContext) -> str:
    after = _side(event, "after")
    return tk._(
        "Data table of dataset {dataset} redesigned after its row changed: "
        "{kept} records kept, {removed} removed"
    ).format(dataset=_dataset(event), kept=after.get("kept", 0),
             removed=len(after.get("removed") or []))


def _dataset_change(event: dict[str, Any], ctx: EventContext) -> str:
    return tk._(
        "Data of dataset {dataset} changed after its acceptance: it waits for "
        "the Walidata again"
    ).format(dataset=_dataset(event))


_SUMMARIES: dict[str, Callable[[dict[str, Any], EventContext], str]] = {
    EventAction.CYCLE_CREATE: _cycle_create,
    EventAction.CYCLE_FINISH: _cycle_finish,
    EventAction.STEP_START: _step_start,
    EventAction.STEP_COMPLETE: _step_complete,
    EventAction.ITEM_CREATE: _item_create,
    EventAction.ITEM_UPDATE: _item_update,
    EventAction.ITEM_DELETE: _item_delete,
    EventAction.ITEM_IMPORT: _item_import,
    EventAction.ITEM_CARRY_OVER: _item_carry_over,
    EventAction.ITEM_REVIEW: _item_review,
    EventAction.ITEM_AGREE: _item_agree,
    EventAction.DUPLICATE_IGNORE: _duplicate_ignore,
    EventAction.RECOMMENDATION_CREATE: _recommendation_create,
    EventAction.DOCUMENT_UPDATE: _document_update,
    EventAction.DOCUMENT_UPLOAD: _document_upload,
    EventAction.SK_PUBLISH: _sk_publish,
    EventAction.SK_RESEND: _sk_resend,
    EventAction.PROVISION_RUN: _provision_run,
    EventAction.DATASET_FILL: _dataset_fill,
    EventAction.DATASET_EMPTY: _dataset_empty,
    EventAction.DATASET_SUBMIT: _dataset_submit,
    EventAction.DATASET_RETURN: _dataset_return,
    EventAction.DATASET_ACCEPT: _dataset_accept,
    EventAction.DATASET_CHANGE: _dataset_change,
    EventAction.TABLE_REDESIGN: _table_redesign,
}


def _unknown(event: dict[str, Any], ctx: EventContext) -> str:
    """An action this module has no sentence for yet: its words, and what it
    touched by name (never by id)."""
    action = " ".join(str(event.get("action") or "").replace("_", " ").split())
    kind = event.get("target_type")
    target = ""
    if kind == "item":
        row = _row_of(event, ctx)
        target = (tk._("row {row}").format(row=row) if row else tk._("a row"))
    elif kind == "step":
        target = tk._("step {step}").format(step=_step_name(event.get("target_id")))
    elif kind == "document":
        target = _document_name(event.get("target_id"))
    if target:
        return tk._("Recorded: {action} ({target})").format(
            action=action, target=target)
    return tk._("Recorded: {action}").format(action=action)


def event_summary(
    event: dict[str, Any], context: Optional[EventContext] = None
) -> str:
    """One line for an audit-trail entry from ``satudata_cycle_events``.

    ``context`` is what :func:`event_lines` learnt from the page's
    other events (row names, the SK number, a batch's size).
    """
    ctx = context or EventContext(batch=(event,))
    summarize = _SUMMARIES.get(event.get("action") or "", _unknown)
    text = summarize(event, ctx)
    # a step's completion note (the step form's "catatan")
    note = _side(event, "after").get("note")
    if note and event.get("target_type") == "step":
        text = tk._("{summary}. Note: {note}").format(summary=text, note=note)
    return text


def _batch_key(event: dict[str, Any]) -> Optional[tuple[Any, ...]]:
    """Events of one import, carry-over or forum decision share this key."""
    action = event.get("action")
    if action not in _BATCHED:
        return None
    after = _side(event, "after")
    return (action, event.get("user_id"), event.get("timestamp"),
            after.get("disepakati"), after.get("dari_tahun"))


def event_lines(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dashboard's audit trail: ``{timestamp, user_display, summary, count}``.

    ``events`` come newest first, as ``satudata_cycle_events`` gives them.
    Consecutive events of one batch (an import, a carry-over, a forum
    decision) make one line with their count. Rows named only by id (a
    duplicate pair, a recommendation) take the name other events of the page
    carry; a resent SK takes the number of the SK events before it.
    """
    rows: dict[str, str] = {}
    sk_nomor: Optional[str] = None
    sk_at: list[Optional[str]] = [None] * len(events)
    for i in range(len(events) - 1, -1, -1):  # oldest first
        event = events[i]
        label = _row_label(event)
        if label and event.get("target_type") == "item" and event.get("target_id"):
            rows[event["target_id"]] = label
        if (event.get("target_type") == "document" and event.get("target_id") == "sk"
                and _side(event, "after").get("nomor")):
            sk_nomor = _side(event, "after")["nomor"]
        sk_at[i] = sk_nomor
    groups: list[tuple[Optional[tuple[Any, ...]], list[dict[str, Any]], int]] = []
    for i, event in enumerate(events):
        key = _batch_key(event)
        if key is not None and groups and groups[-1][0] == key:
            groups[-1][1].append(event)
        else:
            groups.append((key, [event], i))
    lines = []
    for _key, batch, first in groups:
        event = batch[0]
        ctx = EventContext(rows=rows, sk_nomor=sk_at[first], batch=batch)
        lines.append({
            "timestamp": event.get("timestamp"),
            "user_display": event.get("user_display") or event.get("user"),
            "summary": event_summary(event, ctx),
            "count": ctx.count,
        })
    return lines


def _item_summary(event: dict[str, Any]) -> str:
    """A row-event sentence without the row's name (the row's own page)."""
    action = event.get("action")
    after = _side(event, "after")
    if action == EventAction.ITEM_CREATE:
        return tk._("Row proposed")
    if action == EventAction.ITEM_IMPORT:
        if event.get("before"):
            return tk._("Updated from a spreadsheet")
        return tk._("Imported from a spreadsheet")
    if action == EventAction.ITEM_CARRY_OVER:
        return tk._("Carried over from {tahun}").format(tahun=after.get("dari_tahun"))
    if action == EventAction.ITEM_UPDATE:
        fields = _changed_fields(event)
        if fields:
            return tk._("Changed: {fields}").format(fields=fields)
        return tk._("Changed")
    if action == EventAction.ITEM_DELETE:
        return tk._("Row deleted")
    if action == EventAction.ITEM_REVIEW:
        return tk._("Desk result: {hasil}").format(
            hasil=vocabularies.label("hasil", after.get("hasil"), _lang())
        )
    if action == EventAction.ITEM_AGREE:
        if after.get("disepakati"):
            return tk._("Agreed at the Forum Satu Data")
        return tk._("Not agreed at the Forum Satu Data")
    if action == EventAction.RECOMMENDATION_CREATE:
        return tk._("Recommendation: {text}").format(text=after.get("isi", ""))
    if action == EventAction.DUPLICATE_IGNORE:
        return tk._("Marked as not a duplicate")
    return _unknown({**event, "target_type": None}, EventContext())


def item_event_summary(event: dict[str, Any]) -> str:
    """One line for an entry of a row's history (the row is the page's)."""
    return _item_summary(event)


def check_event_summary(entry: dict[str, Any]) -> str:
    """One line of a dataset's checking history (the dataset is the page's):
    an entry of ``satudata_verification_show``'s ``history``."""
    action = entry.get("action")
    texts = {
        EventAction.DATASET_FILL: tk._("First data entered"),
        EventAction.DATASET_EMPTY: tk._("All data removed"),
        EventAction.DATASET_SUBMIT: tk._("Submitted for checking"),
        EventAction.DATASET_RETURN: tk._("Returned for revision"),
        EventAction.DATASET_ACCEPT: tk._("Accepted"),
        EventAction.DATASET_CHANGE: tk._(
            "Data changed after its acceptance: waits for the Walidata again"),
        EventAction.TABLE_REDESIGN: tk._(
            "Data table redesigned after its row changed; records that no longer "
            "fit were removed"),
    }
    return texts.get(action or "", str(action or ""))
