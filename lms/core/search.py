"""Text search in the database: the one helper every `LIKE` of the app goes through."""
from __future__ import annotations

from sqlalchemy import func, or_
from sqlalchemy.sql.elements import ColumnElement


def contains_text(column, text: str) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Case-insensitive "`column` contains `text`", with `%`, `_` and `/` in `text` taken literally.

    Typing `%` or `_` in a search box must find those characters, not match every row.
    """
    return func.lower(column).contains(text.lower(), autoescape=True)


def any_contains_text(text: str, *columns) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """`contains_text` over several columns: true when one of them contains `text`."""
    return or_(*(contains_text(column, text) for column in columns))
