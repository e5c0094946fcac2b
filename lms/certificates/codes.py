"""Verification codes: 12 random Crockford base32 characters and one check character.

60 random bits are unguessable for this purpose (with rate-limited lookups), and Crockford's
alphabet avoids I, L, O and U, so a code read from paper is typed right; the check character
(Crockford's mod-37 scheme) catches a mistyped or swapped character before any lookup.
"""
from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
LENGTH = 12
_READ_AS = {"I": "1", "L": "1", "O": "0"}


def _check_character(body: str) -> str:
    value = 0
    for char in body:
        value = value * 32 + ALPHABET.index(char)
    return CHECK_ALPHABET[value % 37]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return body + _check_character(body)


def normalise(text: str) -> str | None:
    """The canonical code for what someone typed, or None when it cannot be a valid code."""
    cleaned = "".join(_READ_AS.get(ch, ch) for ch in text.upper() if ch not in " -_.\t")
    if len(cleaned) != LENGTH + 1:
        return None
    body, check = cleaned[:LENGTH], cleaned[LENGTH]
    if any(ch not in ALPHABET for ch in body) or _check_character(body) != check:
        return None
    return cleaned


def display(code: str) -> str:
    """Grouped for reading aloud and printing: XXXX-XXXX-XXXX-C."""
    return "-".join([code[0:4], code[4:8], code[8:12], code[12:]])
