"""A drawn signature as SVG: what the browser sends is parsed, and only its paths are kept.

The browser's SVG is never stored as it came. `clean(text)` reads it with the standard library's
HTML tokenizer (no DTD, no entities beyond HTML's own, no network), takes the `d` of each `<path>`
and keeps a path only if it is absolute moveto/lineto commands with numbers; coordinates are
clamped to the box and rounded. Everything else (other elements, attributes, scripts, styles,
links) is dropped, and a fresh SVG is written from the numbers alone. Sizes are bounded.
"""
from __future__ import annotations

import base64
import math
import re
from html.parser import HTMLParser

WIDTH, HEIGHT = 600, 200
MAX_INPUT_CHARS = 200_000
MAX_PATHS = 200
MAX_POINTS = 6_000
_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[\s,]+|.")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")

Point = tuple[float, float]


class InvalidSignature(Exception):
    """Not a signature that can be kept; `reason` is "empty" or "too_large"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Paths(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "path":
            self.found.extend(value for name, value in attrs if name == "d" and value)

    handle_startendtag = handle_starttag


def parse_path(d: str) -> list[Point] | None:
    """The points of `M x y L x y …` (commas or spaces; repeated coordinates after a command
    allowed); None for anything else (curves, relative commands, stray characters)."""
    tokens = [t for t in _TOKEN.findall(d) if not t.isspace() and t.strip(", \t\r\n")]
    points: list[Point] = []
    numbers: list[float] = []
    command = None
    for token in tokens:
        if token in ("M", "L"):
            if numbers:
                return None
            if command is None and token != "M":
                return None
            command = token
        elif _NUMBER.fullmatch(token) and command is not None:
            value = float(token)
            if not math.isfinite(value):
                return None
            numbers.append(value)
            if len(numbers) == 2:
                points.append((numbers[0], numbers[1]))
                numbers = []
        else:
            return None
    return points if points and not numbers else None


def _clamp(value: float, high: int) -> float:
    return round(min(max(value, 0.0), float(high)), 1)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def strokes_of(text: str) -> list[list[Point]]:
    """The strokes of a signature, clamped to the box; raises InvalidSignature."""
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidSignature("too_large")
    parser = _Paths()
    parser.feed(text)
    parser.close()
    strokes = []
    for d in parser.found:
        points = parse_path(d)
        if points:
            strokes.append([(_clamp(x, WIDTH), _clamp(y, HEIGHT)) for x, y in points])
    if len(strokes) > MAX_PATHS or sum(len(s) for s in strokes) > MAX_POINTS:
        raise InvalidSignature("too_large")
    if not any(len(set(stroke)) > 1 for stroke in strokes):
        raise InvalidSignature("empty")
    return strokes


def to_svg(strokes: list[list[Point]]) -> str:
    """A fresh SVG of the strokes: black round lines in a 600×200 box, nothing else."""
    paths = "".join(
        '<path d="' + " ".join(("M" if i == 0 else "L") + f"{_number(x)} {_number(y)}"
                               for i, (x, y) in enumerate(stroke)) + '"/>'
        for stroke in strokes)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="{WIDTH}" height="{HEIGHT}"><g fill="none" stroke="#111" stroke-width="3" '
            f'stroke-linecap="round" stroke-linejoin="round">{paths}</g></svg>')


def clean(text: str) -> str:
    """The signature re-written from its paths' numbers; raises InvalidSignature."""
    return to_svg(strokes_of(text))


def data_url(svg: str) -> str:
    """The signature as an image address for a page or a PDF (re-cleaned: never trusted as kept)."""
    return "data:image/svg+xml;base64," + base64.b64encode(clean(svg).encode()).decode("ascii")
