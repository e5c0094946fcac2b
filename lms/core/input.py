"""What a request may carry, checked once for every route before any view runs.

- **Ids**: every `<int:...>` in a route is bounded (`refuse_ids_out_of_range`): an id beyond the
  database's integers (PostgreSQL `integer`, 2^31−1) or below 1 names nothing, so routing
  answers 404 before any query is made. Integer query parameters are read with `query_int`.
- **Text**: no value of the path, the query string, a form, a file name or a JSON body may hold
  NUL or another C0 control character (tab, CR and LF are text): PostgreSQL refuses NUL in text,
  and no person types the others. The check sits in one `before_request` (`refuse_control_characters`)
  rather than in form filters, because much of what is read never passes through a form (search
  boxes, file paths, the API's JSON): one root point covers every route, the new ones too.
- **JSON**: a body nested deeper than `MAX_JSON_DEPTH` is refused before it is parsed (the parser
  would recurse until Python gives up).
- **Dates**: typed dates must lie between `EARLIEST_DATE` and `LATEST_DATE` (`DateRange`), so that
  adding a day, a week or a cycle never overflows.

Each refusal is a `RefusedInput` (a 400 whose description the error page shows), rendered by
lms/core/errors.py in the person's language; under /api/ it is a `bad-request` problem.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from wtforms.validators import ValidationError

#: the largest id a route or a query parameter accepts (PostgreSQL `integer`)
MAX_ID = 2**31 - 1
#: the deepest nesting of arrays and objects a JSON body may have
MAX_JSON_DEPTH = 32
#: the range of every date a person may type (plans, reports, filters)
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)

CONTROL_REFUSED = _l("The request contains a control character (such as a NUL byte) that no text may "
                     "hold. Remove it and try again.")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class RefusedInput(BadRequest):
    """400 with a reason meant for the person: errors/page.html shows its `explanation`."""

    def __init__(self, explanation) -> None:  # type: ignore[no-untyped-def]
        super().__init__(description=str(explanation))
        self.explanation = explanation


def refuse(explanation) -> None:  # type: ignore[no-untyped-def]
    """Stop the request with 400 and `explanation`.

    Under the API the refusal waits for the API's own first step (`raise_refused_api_input`, after
    the token is read), so that the problem document is in the token owner's language.
    """
    if request.blueprint == "api":
        g.refused_input = explanation
        return
    raise RefusedInput(explanation)


def raise_refused_api_input() -> None:
    """The API's side of `refuse`: a `bad-request` problem, if this request's input was refused."""
    explanation = g.pop("refused_input", None)
    if explanation is not None:
        from lms.api.problems import ApiProblem

        raise ApiProblem("bad-request", explanation)


def refuse_ids_out_of_range(endpoint: str | None, values: dict | None) -> None:
    """404 for an `<int:...>` route argument outside 1..MAX_ID, before any query runs.

    Checked after routing rather than in the converter: a converter that refuses a value makes
    Werkzeug answer 405 when a route with the same path but another method exists.
    """
    if values and any(isinstance(v, int) and not 1 <= v <= MAX_ID for v in values.values()):
        abort(404)


def init_input_checks(app: Flask) -> None:
    """Bound every integer route argument and check every request's text."""
    app.url_value_preprocessor(refuse_ids_out_of_range)
    app.before_request(refuse_control_characters)


def query_int(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """The integer query parameter `name`, or `default` when it is missing, not a number or out of range."""
    raw = request.args.get(name, "")
    if not re.fullmatch(r"[+-]?\d{1,12}", raw.strip()):
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def bounded_int(value: Any) -> int:
    """`coerce` for SelectFields of ids: a value beyond the ids is not a choice (ValueError)."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def refuse_control_characters() -> None:
    """400 when any text of the request holds NUL or a control character, or its JSON nests too deep."""
    if _any_control(_request_texts()):
        return refuse(CONTROL_REFUSED)
    if request.is_json and request.content_length:
        if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
            return refuse(_l("The JSON body is nested more than %(max)d levels deep.", max=MAX_JSON_DEPTH))
        if _any_control(_json_texts(request.get_json(silent=True))):
            return refuse(CONTROL_REFUSED)
    return None


def _request_texts() -> Iterable[str]:
    yield request.path
    for multi in (request.args, request.form):
        for key, values in multi.lists():
            yield key
            yield from values
    for key, upload in request.files.items(multi=True):
        yield key
        yield upload.filename or ""


def _json_texts(data: Any) -> Iterable[str]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _any_control(texts: Iterable[str]) -> bool:
    return any(has_control_characters(text) for text in texts)


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, without parsing it (strings are skipped)."""
    depth = deepest = 0
    for token in _JSON_TOKENS.finditer(body):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif mark in (b"]", b"}"):
            depth -= 1
    return deepest


class DateRange:
    """A WTForms validator: the date lies between EARLIEST_DATE and LATEST_DATE (both included)."""

    def __init__(self, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE) -> None:
        self.earliest, self.latest = earliest, latest

    def __call__(self, form, field) -> None:  # type: ignore[no-untyped-def]
        if field.data is not None and not self.earliest <= field.data <= self.latest:
            raise ValidationError(_l("Choose a date between %(first)s and %(last)s.",
                                     first=self.earliest.isoformat(), last=self.latest.isoformat()))
