"""Password rules and argon2id hashing."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.core.unit_of_work import DomainError

MIN_LENGTH = 10
MAX_LENGTH = 128


class WeakPassword(DomainError):
    """The password does not meet the rules; the message says which."""

    status = 422


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("lms.auth").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def check_password_rules(password: str, *, email: str = "", name: str = "") -> None:
    """Raise WeakPassword when the password is too short, too long or too easy to guess."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(_l("The password must be at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(_l("The password must be at most %(n)d characters.", n=MAX_LENGTH))
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 4:
        raise WeakPassword(_l("This password is too common. Choose another one."))
    local_part = email.split("@", 1)[0].casefold()
    if (local_part and len(local_part) >= 4 and local_part in folded) or (
        name and name.casefold().replace(" ", "") == folded.replace(" ", "")
    ):
        raise WeakPassword(_l("The password must not be your name or e-mail address."))


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["LMS_ARGON2_TIME_COST"],
        memory_cost=config["LMS_ARGON2_MEMORY_COST"],
        parallelism=config["LMS_ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in roughly constant time, also when there is no hash to check against."""
    hasher = _hasher()
    if not password_hash:
        hasher.hash(password)  # spend the same effort so timing does not reveal unknown accounts
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
