"""The list as a workbook in the template's columns: what an export gives can
be edited and imported again."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from ckanext.satudata_planning.sop import vocabularies
from ckanext.satudata_planning.sop.row_fields import FIELDS, REVIEW_FIELDS, RowField

from .workbook import (
    HEADER_ALIGN,
    HEADER_FILL,
    HEADER_FONT,
    MULTI_SEPARATOR,
    SHEET_DATA,
    WIDTHS,
    YES_NO,
    header,
    save,
)


def export(items: Iterable[dict[str, Any]], *, lang: str = "id") -> bytes:
    """The list as XLSX in the template's columns, so it can be re-imported.

    Vocabulary values are written as labels in ``lang``; the review state
    (hasil, catatan, disepakati) follows when the items carry it.
    """
    items = list(items)
    review = [f for f in REVIEW_FIELDS if any(f.key in item for item in items)]
    fields = (*FIELDS, *review)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_DATA)
    for idx, f in enumerate(fields, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = WIDTHS[f.kind]
    ws.freeze_panes = "D2"
    head = []
    for f in fields:
        cell = WriteOnlyCell(ws, value=header(f, lang))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        head.append(cell)
    ws.append(head)
    date_style: dict[str, Any] = {}
    for item in items:
        ws.append([_export_cell(ws, f, item.get(f.key), lang, date_style)
                   for f in fields])
    return save(wb)


def _export_cell(ws: Any, f: RowField, value: Any, lang: str,
                 date_style: dict[str, Any]) -> Any:
    if value is None or value == "" or value == []:
        return None
    if f.kind == "vocab":
        return _safe_text(ws, vocabularies.label(f.vocabulary or "", str(value), lang))
    if f.kind == "multi_vocab":
        values = value if isinstance(value, (list, tuple)) else [value]
        return _safe_text(ws, MULTI_SEPARATOR.join(
            vocabularies.label(f.vocabulary or "", str(v), lang) for v in values))
    if f.kind == "bool":
        yes, no = YES_NO.get(lang, YES_NO["id"])
        return yes if value else no
    if f.kind == "date":
        day = _as_date(value)
        if day is None:
            return _safe_text(ws, str(value))
        cell = WriteOnlyCell(ws, value=day)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if f.kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            return _safe_text(ws, str(value))
    return _safe_text(ws, str(value))


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _safe_text(ws: Any, text: str) -> Any:
    """Text that Excel will show as text: never a formula, no illegal characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith("="):
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        return cell
    return text
