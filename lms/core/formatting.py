"""Numbers and dates as the person reads them: one date style, decimals in their locale.

Templates use `|date_text` ("3 dec. 2026"), `|datetime_text` ("3 dec. 2026 14:05", local time)
and `|number` ("555,5"); Python code calls the functions below.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal

#: the one style for a date shown to a person (sv "3 dec. 2026", en "3 Dec 2026")
DATE_STYLE = "d MMM y"
DATETIME_STYLE = "d MMM y HH:mm"


def _as_date_or_datetime(value: date | datetime | str) -> date | datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value[:10])
    return value


def date_text(value: date | datetime | str | None) -> str:
    """A date (or the local date of a moment, or an ISO string) in the one visible style."""
    if value is None or value == "":
        return "—"
    value = _as_date_or_datetime(value)
    return format_date(value, DATE_STYLE)


def datetime_text(value: datetime | None) -> str:
    """A moment as local date and time in the one visible style."""
    if value is None:
        return "—"
    return format_datetime(value, DATETIME_STYLE)


def number_text(value: float | int | None, places: int = 1) -> str:
    """A number in the person's locale, with at most `places` decimals ("555,5", "12")."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "#" * places if places else "")
    return format_decimal(value, pattern)


def webcal_url(url: str) -> str:
    """The same address with the `webcal:` scheme, which opens it in the calendar app."""
    scheme, sep, rest = url.partition("://")
    return "webcal://" + rest if sep and scheme in ("http", "https") else url


def init_formatting(app: Flask) -> None:
    """Make the filters available to every template."""
    app.jinja_env.filters.update(date_text=date_text, datetime_text=datetime_text, number=number_text,
                                 webcal=webcal_url)
