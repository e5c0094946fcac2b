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


# --- showing a name inside text of the other direction -------------------------------------------

#: a letter written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko, … and their presentation forms)
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolated(value: object, html: bool, page_is_rtl: bool = False) -> object:
    """A person's or course's name kept intact inside text of either direction.

    In HTML: `<bdi>` (its direction found from its own first strong letter, so "عمر Haddad" in a
    Swedish sentence, or "Anna Berg" in an Arabic one, neither reorders the sentence nor is
    reordered). In plain text (e-mails): the Unicode isolates FSI … PDI, written only where needed
    (a name with right-to-left letters, or any name in a right-to-left text), so that text in one
    direction reads as it always did. The templates' `|bdi` filter; `tests/core/test_bidi.py`
    sweeps the templates for names shown without it.
    """
    if value is None or value == "":
        return value
    if html:
        from markupsafe import Markup, escape

        return Markup("<bdi>%s</bdi>") % escape(value)
    text = str(value)
    if page_is_rtl or _RIGHT_TO_LEFT.search(text):
        return FIRST_STRONG_ISOLATE + text + POP_DIRECTIONAL_ISOLATE
    return text
