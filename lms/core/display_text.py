"""Names and titles as shown to others: no characters that change how the text around them looks.

A right-to-left override (U+202E) in a name turns "Anna" + U+202E + "gpj.exe" into something that reads
differently from what it is, and control characters break the lines of pages and e-mails. Every
field that takes a name or a title goes through `clean_display_text`: as a WTForms filter
(`DISPLAY_TEXT`) on the forms, and in the services that store names and titles arriving by other
ways (the API, content import, accounts made by others).
"""
from __future__ import annotations

import re
import unicodedata

#: bidirectional embeddings, overrides and isolates, the Arabic letter mark, the byte order mark
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_display_text(value: str | None) -> str | None:
    """`value` without bidi controls, other control characters as spaces, trimmed; None stays None."""
    if value is None:
        return None
    value = _INVISIBLE.sub("", value)
    value = "".join(" " if unicodedata.category(char) == "Cc" else char for char in value)
    return re.sub(r" {2,}", " ", value).strip()


#: `filters=DISPLAY_TEXT` on every form field that takes a name or a title
DISPLAY_TEXT = [clean_display_text]
