"""Keyset pagination with an opaque cursor: `limit` items after the last one the client saw.

The cursor is the sort key of the last item of a page (base64url JSON), so a page never skips or
repeats items when rows are added meanwhile. Lists are ordered by id unless an endpoint says
otherwise (the schedule: by start, then id).
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from lms.api.problems import ApiProblem

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

#: query fields every paginated list takes
PAGE_FIELDS = {
    "limit": fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT),
                            metadata={"description": f"Items per page (1–{MAX_LIMIT})."}),
    "cursor": fields.String(load_default=None, validate=validate.Length(max=200),
                            metadata={"description": "`next_cursor` of the previous page."}),
}


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def encode_cursor(key: Sequence[Any]) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not isinstance(value, list) or not value:
        raise ApiProblem("bad-request", _l("The cursor is not one this API gave out."))
    return tuple(value)


def by_id(item: Any) -> tuple:
    return (item.id,)


def paginate(items: Iterable[Any], *, limit: int, cursor: str | None,
             key: Callable[[Any], tuple] = by_id) -> Page:
    """The page of `items` (in any order) after `cursor`, ordered by `key`."""
    ordered = sorted(items, key=key)
    if cursor is not None:
        after = decode_cursor(cursor)
        try:
            ordered = [item for item in ordered if key(item) > after]
        except TypeError:
            raise ApiProblem("bad-request", _l("The cursor is not one this API gave out.")) from None
    page = ordered[:limit]
    more = len(ordered) > limit
    return Page(page, encode_cursor(key(page[-1])) if more else None)
