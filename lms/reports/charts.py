"""Small charts drawn on the server as SVG, readable without JavaScript.

Each chart is an `<svg role="img">` with a title and a description, and is always shown beside a
table of the same numbers (the table is what screen readers and spreadsheets use). Colours come
from classes in app.css: the content security policy forbids inline style attributes.

In a right-to-left language the charts read from the right, as the page does: bar labels on the
right with the bars growing leftwards, columns and trends in time from right to left (`rtl`,
this request's direction unless given).

The markup is written with f-strings, every text passed through `escape` and numbers formatted
by us: `Markup.format` escapes each field through string.Formatter, which cost a report page of
many charts several milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Sequence

from markupsafe import Markup, escape

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to show yet (drawn as an empty track)
    shown: str  # the value as the reader sees it, e.g. "84 %"


def _text(value: str, rtl: bool) -> str:
    """A label or value, escaped; in a right-to-left chart isolated (FSI … PDI), so that "Föreningens
    ekonomi…" or "94 %" keep their own order and their ellipsis or sign stays where it belongs."""
    return f"\u2068{escape(value)}\u2069" if rtl else str(escape(value))


def _right_to_left(rtl: bool | None) -> bool:
    if rtl is not None:
        return rtl
    from flask import has_app_context

    from lms.core.i18n import text_direction

    return has_app_context() and text_direction() == "rtl"


def _frame(width: int, height: int, title: str, description: str, body: list[str], rtl: bool = False) -> Markup:
    """The one place a chart becomes Markup: every text in `body` has passed through `escape`, the
    rest are numbers (tests/reports/test_charts.py feeds every text a tag and checks)."""
    n = next(_ids)
    aspect, direction = ("xMaxYMin", ' direction="rtl"') if rtl else ("xMinYMin", "")
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="{aspect} meet" role="img"{direction} aria-labelledby="chart-{n}-title chart-{n}-desc">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def bar_chart(bars: Sequence[Bar], *, title: str, description: str, maximum: float | None = None,
              label_width: int = 220, width: int = 560, row_height: int = 28, rtl: bool | None = None) -> Markup:
    """Horizontal bars, one per row, the label where the line begins (left, or right in RTL), the value
    at the bar's end."""
    rtl = _right_to_left(rtl)
    top = max((b.value or 0 for b in bars), default=0)
    scale_max = maximum or top or 1
    track = width - label_width - 60
    body = []
    for index, bar in enumerate(bars):
        y = index * row_height
        length = 0 if bar.value is None else max(0.0, min(bar.value, scale_max)) / scale_max * track
        label_x, track_x, bar_x, value_x = label_width - 8, label_width, label_width, label_width + length + 6
        if rtl:  # the same drawing seen in a mirror; text-anchor reads in the svg's direction
            label_x, track_x, bar_x, value_x = (width - label_x, width - label_width - track,
                                                width - label_width - length, width - value_x)
        body.append(
            f'<g class="chart-row"><text class="chart-label" x="{label_x}" y="{y + 18}" text-anchor="end">'
            f'{_text(_shorten(bar.label, 32), rtl)}</text>'
            f'<rect class="chart-track" x="{track_x}" y="{y + 6}" width="{track}" height="16" rx="2"/>'
            f'<rect class="chart-bar" x="{bar_x:.5g}" y="{y + 6}" width="{length:.1f}" height="16" rx="2"/>'
            f'<text class="chart-value" x="{value_x:.1f}" y="{y + 19}">{_text(bar.shown, rtl)}</text></g>'
        )
    return _frame(width, max(row_height * len(bars), row_height), title, description, body, rtl)


def line_chart(points: Sequence[float | None], *, title: str, description: str, maximum: float = 100,
               width: int = 160, height: int = 36, rtl: bool | None = None) -> Markup:
    """A sparkline: the trend of a series (e.g. the attendance rate session by session), from the right in RTL."""
    rtl = _right_to_left(rtl)
    known = [(i, p) for i, p in enumerate(points) if p is not None]
    body = [f'<line class="chart-axis" x1="0" y1="{height - 1}" x2="{width}" y2="{height - 1}"/>']
    if known:
        step = width / max(len(points) - 1, 1)
        coordinates = [((width - i * step) if rtl else i * step, height - 2 - (min(p, maximum) / maximum) * (height - 4))
                       for i, p in known]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        body.append(f'<polyline class="chart-line" fill="none" points="{path}"/>')
        x, y = coordinates[-1]
        body.append(f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>')
    return _frame(width, height, title, description, body, rtl)


def column_chart(columns: Sequence[Bar], *, title: str, description: str, width: int = 560,
                 height: int = 160, rtl: bool | None = None) -> Markup:
    """Vertical columns over time (e.g. certificates issued per month), labels underneath; the first
    column on the right in RTL."""
    rtl = _right_to_left(rtl)
    top = max((c.value or 0 for c in columns), default=0) or 1
    slot = width / max(len(columns), 1)
    chart_height = height - 36
    body = [f'<line class="chart-axis" x1="0" y1="{chart_height}" x2="{width}" y2="{chart_height}"/>']
    for index, column in enumerate(columns):
        bar_height = (column.value or 0) / top * (chart_height - 16)
        x = (width - (index + 1) * slot if rtl else index * slot) + slot * 0.2
        middle = x + slot * 0.3
        body.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{chart_height - bar_height:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{bar_height:.1f}"/>'
            f'<text class="chart-value" x="{middle:.1f}" y="{chart_height - bar_height - 4:.1f}" '
            f'text-anchor="middle">{_text(column.shown, rtl)}</text>'
            f'<text class="chart-label" x="{middle:.1f}" y="{chart_height + 18}" text-anchor="middle">'
            f'{_text(column.label, rtl)}</text>'
        )
    return _frame(width, height, title, description, body, rtl)


def paired_column_chart(pairs: Sequence[tuple[str, Bar, Bar]], *, title: str, description: str,
                        width: int = 560, height: int = 170) -> Markup:
    """Two columns per label (e.g. certificates expiring against seats planned, month by month);
    the first drawn as `chart-bar--demand`, the second as `chart-bar`."""
    top = max((b.value or 0 for _, first, second in pairs for b in (first, second)), default=0) or 1
    slot = width / max(len(pairs), 1)
    chart_height = height - 36
    body = [f'<line class="chart-axis" x1="0" y1="{chart_height}" x2="{width}" y2="{chart_height}"/>']
    for index, (label, first, second) in enumerate(pairs):
        for offset, bar, kind in ((0.15, first, "chart-bar chart-bar--demand"), (0.5, second, "chart-bar")):
            bar_height = (bar.value or 0) / top * (chart_height - 16)
            x = index * slot + slot * offset
            body.append(
                f'<rect class="{kind}" x="{x:.1f}" y="{chart_height - bar_height:.1f}" width="{slot * 0.33:.1f}" '
                f'height="{bar_height:.1f}"/><text class="chart-value" x="{x + slot * 0.165:.1f}" '
                f'y="{chart_height - bar_height - 4:.1f}" text-anchor="middle">{escape(bar.shown)}</text>')
        body.append(f'<text class="chart-label" x="{index * slot + slot / 2:.1f}" y="{chart_height + 18}" '
                    f'text-anchor="middle">{escape(label)}</text>')
    return _frame(width, height, title, description, body)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
