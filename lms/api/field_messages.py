"""The field messages of a 422 answer in the request's language.

marshmallow writes its messages in English, already formatted ("Must be greater than or equal to 1
and less than or equal to 17."). Each message it can give, and ours, is listed here once as a
translatable string: a fixed one by its text, one with values by a pattern that takes the values
back out. A message not listed stays as marshmallow wrote it (tests/api/test_field_messages.py
checks that every message of marshmallow's fields and validators is listed).
"""
from __future__ import annotations

import re
from typing import Any, Callable

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

#: marshmallow's fixed messages (its fields', its schemas' and its validators')
FIXED: dict[str, Any] = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Field may not be null.": _l("Field may not be null."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid utf-8 string.": _l("Not a valid utf-8 string."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid number.": _l("Not a valid number."),
    "Number too large.": _l("Number too large."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid datetime.": _l("Not a valid datetime."),
    "Not a valid time.": _l("Not a valid time."),
    "Not a valid aware datetime.": _l("Not a valid aware datetime."),
    "Not a valid naive datetime.": _l("Not a valid naive datetime."),
    "Not a valid email address.": _l("Not a valid email address."),
    "Not a valid list.": _l("Not a valid list."),
    "Invalid type.": _l("Invalid type."),
    "Not a valid mapping type.": _l("Not a valid mapping type."),
    "Special numeric values (nan or infinity) are not permitted.":
        _l("Special numeric values (nan or infinity) are not permitted."),
    "Invalid input type.": _l("Invalid input type."),
    "Unknown field.": _l("Unknown field."),
    "String does not match expected pattern.": _l("String does not match expected pattern."),
}

#: marshmallow's messages with values: (pattern of the English text, its translation given the same values)
PATTERNS: list[tuple[re.Pattern[str], Callable[..., str]]] = [(re.compile("^" + pattern + "$"), text) for pattern, text in (
    (r"Must be greater than or equal to (?P<min>.+?) and less than or equal to (?P<max>.+)\.",
     lambda **v: gettext("Must be greater than or equal to %(min)s and less than or equal to %(max)s.", **v)),
    (r"Must be greater than (?P<min>.+?) and less than or equal to (?P<max>.+)\.",
     lambda **v: gettext("Must be greater than %(min)s and less than or equal to %(max)s.", **v)),
    (r"Must be greater than or equal to (?P<min>.+?) and less than (?P<max>.+)\.",
     lambda **v: gettext("Must be greater than or equal to %(min)s and less than %(max)s.", **v)),
    (r"Must be greater than (?P<min>.+?) and less than (?P<max>.+)\.",
     lambda **v: gettext("Must be greater than %(min)s and less than %(max)s.", **v)),
    (r"Must be greater than or equal to (?P<min>.+)\.", lambda **v: gettext("Must be greater than or equal to %(min)s.", **v)),
    (r"Must be greater than (?P<min>.+)\.", lambda **v: gettext("Must be greater than %(min)s.", **v)),
    (r"Must be less than or equal to (?P<max>.+)\.", lambda **v: gettext("Must be less than or equal to %(max)s.", **v)),
    (r"Must be less than (?P<max>.+)\.", lambda **v: gettext("Must be less than %(max)s.", **v)),
    (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.", lambda **v: gettext("Length must be between %(min)s and %(max)s.", **v)),
    (r"Length must be (?P<equal>\d+)\.", lambda **v: gettext("Length must be %(equal)s.", **v)),
    (r"Longer than maximum length (?P<max>\d+)\.", lambda **v: gettext("Longer than maximum length %(max)s.", **v)),
    (r"Shorter than minimum length (?P<min>\d+)\.", lambda **v: gettext("Shorter than minimum length %(min)s.", **v)),
    (r"Must be one of: (?P<choices>.+)\.", lambda **v: gettext("Must be one of: %(choices)s.", **v)),
    (r'"(?P<input>.*)" cannot be formatted as a date\.', lambda **v: gettext('"%(input)s" cannot be formatted as a date.', **v)),
    (r'"(?P<input>.*)" cannot be formatted as a datetime\.', lambda **v: gettext('"%(input)s" cannot be formatted as a datetime.', **v)),
)]


def translated(message: Any) -> str:
    """One field message in the current language (a lazy string of ours is translated as it is)."""
    text = str(message)
    if text in FIXED:
        return str(FIXED[text])
    for pattern, translation in PATTERNS:
        found = pattern.match(text)
        if found:
            return translation(**found.groupdict())
    return text
