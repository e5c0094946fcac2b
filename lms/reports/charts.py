"""Small charts drawn on the server as SVG, readable without JavaScript.

Each chart is an `<svg role="img">` with a title and a description, and is always shown beside a
table of the same numbers (the table is what screen readers and spreadsheets use). Colours come
from classes in app.css: the content security policy forbids inline style attributes.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Sequence

from markupsafe import Markup

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to show yet (drawn as an empty track)
    shown: str  # the value as the reader sees it, e.g. "84 %"


def _frame(width: int, height: int, title: str, description: str, body: list[Markup]) -> Markup:
    number = next(_ids)
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="chart-{n}-title chart-{n}-desc">'
        '<title id="chart-{n}-title">{title}</title><desc id="chart-{n}-desc">{description}</desc>'
    ).format(width=width, height=height, n=number, title=title, description=description)
    return head + Markup("").join(body) + Markup("</svg>")


def bar_chart(bars: Sequence[Bar], *, title: str, description: str, maximum: float | None = None,
              label_width: int = 220, width: int = 560, row_height: int = 28) -> Markup:
    """Horizontal bars, one per row, with the label on the left and the value at the bar's end."""
    top = max((b.value or 0 for b in bars), default=0)
    scale_max = maximum or top or 1
    track = width - label_width - 60
    body: list[Markup] = []
    for index, bar in enumerate(bars):
        y = index * row_height
        length = 0 if bar.value is None else max(0.0, min(bar.value, scale_max)) / scale_max * track
        body.append(Markup(
            '<g class="chart-row"><text class="chart-label" x="{lx}" y="{ly}" text-anchor="end">{label}</text>'
            '<rect class="chart-track" x="{x}" y="{by}" width="{track}" height="16" rx="2"/>'
            '<rect class="chart-bar" x="{x}" y="{by}" width="{length}" height="16" rx="2"/>'
            '<text class="chart-value" x="{vx}" y="{vy}">{shown}</text></g>'
        ).format(lx=label_width - 8, ly=y + 18, label=_shorten(bar.label, 32), x=label_width, by=y + 6,
                 track=track, length=f"{length:.1f}", vx=f"{label_width + length + 6:.1f}", vy=y + 19,
                 shown=bar.shown))
    return _frame(width, max(row_height * len(bars), row_height), title, description, body)


def line_chart(points: Sequence[float | None], *, title: str, description: str, maximum: float = 100,
               width: int = 160, height: int = 36) -> Markup:
    """A sparkline: the trend of a series (e.g. the attendance rate session by session)."""
    known = [(i, p) for i, p in enumerate(points) if p is not None]
    body = [Markup('<line class="chart-axis" x1="0" y1="{y}" x2="{x}" y2="{y}"/>').format(y=height - 1, x=width)]
    if known:
        step = width / max(len(points) - 1, 1)
        coordinates = [(i * step, height - 2 - (min(p, maximum) / maximum) * (height - 4)) for i, p in known]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        body.append(Markup('<polyline class="chart-line" fill="none" points="{path}"/>').format(path=path))
        x, y = coordinates[-1]
        body.append(Markup('<circle class="chart-dot" cx="{x}" cy="{y}" r="2.5"/>').format(x=f"{x:.1f}", y=f"{y:.1f}"))
    return _frame(width, height, title, description, body)


def column_chart(columns: Sequence[Bar], *, title: str, description: str, width: int = 560,
                 height: int = 160) -> Markup:
    """Vertical columns over time (e.g. certificates issued per month), labels underneath."""
    top = max((c.value or 0 for c in columns), default=0) or 1
    slot = width / max(len(columns), 1)
    chart_height = height - 36
    body = [Markup('<line class="chart-axis" x1="0" y1="{y}" x2="{x}" y2="{y}"/>').format(y=chart_height, x=width)]
    for index, column in enumerate(columns):
        value = column.value or 0
        bar_height = value / top * (chart_height - 16)
        x = index * slot + slot * 0.2
        body.append(Markup(
            '<rect class="chart-bar" x="{x}" y="{top}" width="{width}" height="{height}"/>'
            '<text class="chart-value" x="{middle}" y="{value_y}" text-anchor="middle">{shown}</text>'
            '<text class="chart-label" x="{middle}" y="{label_y}" text-anchor="middle">{label}</text>'
        ).format(x=f"{x:.1f}", top=f"{chart_height - bar_height:.1f}", width=f"{slot * 0.6:.1f}",
                 height=f"{bar_height:.1f}", middle=f"{x + slot * 0.3:.1f}",
                 value_y=f"{chart_height - bar_height - 4:.1f}", shown=column.shown,
                 label_y=chart_height + 18, label=column.label))
    return _frame(width, height, title, description, body)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
