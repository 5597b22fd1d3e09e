"""A chart of a data table, drawn here as SVG (no script, no CDN).

* Below the city level: bars per wilayah for the latest period that has
  values (the latest year, then the last period of the frequency).
* At the city level: a line over the periods, in time order.

>>> svg = chart([{"kode_wilayah": "33.75.01", "nama_wilayah": "Barat",
...               "tahun": 2027, "periode": "tahunan", "nilai": 5}],
...             level="kecamatan", periods=("tahunan",), satuan="orang")
>>> svg.startswith("<svg") and "Barat" in svg
True
"""
from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any, Optional

WIDTH, BAR_H, GAP, LEFT, RIGHT, TOP = 640, 18, 6, 170, 70, 28


def _num(value: Any) -> Optional[float]:
    try:
        return float(decimal.Decimal(str(value)))
    except (decimal.InvalidOperation, ValueError, TypeError):
        return None


def _fmt(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u2009")


def _order(periods: Sequence[str]) -> dict[str, int]:
    return {p: i for i, p in enumerate(periods)}


def _empty(title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="40" '
            f'role="img" aria-label="{escape(title)}"><text x="8" y="24" '
            f'font-family="sans-serif" font-size="13">{escape(title)}</text></svg>')


def bars(records: list[Mapping[str, Any]], periods: Sequence[str],
         satuan: str = "") -> str:
    order = _order(periods)
    valued = [r for r in records if _num(r.get("nilai")) is not None]
    if not valued:
        return _empty("Belum ada data")
    latest = max((int(r["tahun"]), order.get(r.get("periode"), -1)) for r in valued)
    rows = sorted((r for r in valued
                   if (int(r["tahun"]), order.get(r.get("periode"), -1)) == latest),
                  key=lambda r: str(r.get("kode_wilayah")))
    top = max(max(_num(r["nilai"]) or 0 for r in rows), 0) or 1
    period = next((p for p, i in order.items() if i == latest[1]), "")
    title = f"{latest[0]} {period}".strip() + (f" ({satuan})" if satuan else "")
    height = TOP + len(rows) * (BAR_H + GAP) + 8
    span = WIDTH - LEFT - RIGHT
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}" font-family="sans-serif" font-size="12">',
             f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>']
    for i, r in enumerate(rows):
        y = TOP + i * (BAR_H + GAP)
        value = _num(r["nilai"]) or 0.0
        w = max(span * value / top, 0)
        name = r.get("nama_wilayah") or r.get("kode_wilayah") or ""
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 13}" text-anchor="end">'
            f'{escape(str(name))}</text>'
            f'<rect x="{LEFT}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="#2f6fb0">'
            f'<title>{escape(str(name))}: {_fmt(value)}</title></rect>'
            f'<text x="{LEFT + w + 4:.1f}" y="{y + 13}">{_fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line(records: list[Mapping[str, Any]], periods: Sequence[str],
         satuan: str = "") -> str:
    order = _order(periods)
    points = sorted((int(r["tahun"]), order.get(r.get("periode"), -1),
                      r.get("periode"), _num(r.get("nilai"))) for r in records
                     if _num(r.get("nilai")) is not None)
    if not points:
        return _empty("Belum ada data")
    height, bottom = 240, 200
    span = WIDTH - 60 - 20
    top = max(p[3] for p in points) or 1
    step = span / max(len(points) - 1, 1)
    xy = [(60 + i * step, bottom - (bottom - TOP) * p[3] / top)
          for i, p in enumerate(points)]
    title = satuan or "Nilai"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
             f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>',
             f'<line x1="60" y1="{bottom}" x2="{WIDTH - 20}" y2="{bottom}" '
             'stroke="#999"/>',
             '<polyline fill="none" stroke="#2f6fb0" stroke-width="2" points="'
             + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + '"/>']
    for (x, y), p in zip(xy, points, strict=True):
        label = f"{p[0]}" if p[2] in ("tahunan", "lima_tahunan") else f"{p[0]}/{p[2]}"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2f6fb0">'
            f'<title>{escape(label)}: {_fmt(p[3])}</title></circle>'
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">'
            f'{escape(label)}</text>'
            f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle">'
            f'{_fmt(p[3])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chart(records: Iterable[Mapping[str, Any]], *, level: str,
          periods: Sequence[str], satuan: str = "") -> str:
    rows = list(records)
    if level == "kota":
        return line(rows, periods, satuan)
    return bars(rows, periods, satuan)
