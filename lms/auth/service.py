"""Accounts: creating users, checking passwords, log-in sessions and e-mailed tokens.

Functions here flush but never commit; the caller commits (and sends mail after the commit).
"""
from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from lms.audit.service import record_event
from lms.auth.models import LoginSession, Role, User, UserRole
from lms.auth.passwords import check_password_rules, hash_password, needs_rehash, verify_password
from lms.core.display_text import clean_display_text
from lms.db_types import utcnow
from lms.extensions import db
from lms.core.unit_of_work import DomainError

INVITATION = "invitation"
PASSWORD_RESET = "password-reset"


class AccountError(DomainError):
    """A request about an account that cannot be carried out; the message is for the user."""


class InvalidToken(AccountError):
    """An e-mailed link that is tampered with, expired or already used."""


def normalise_email(email: str) -> str:
    """Lower-cased and syntax-checked; e-mail addresses are unique case-insensitively."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(_l("This is not a valid e-mail address.")) from None


def email_key(email: str | None) -> str:
    """The address as rate limits count it: normalised exactly as the account is looked up.

    So look-alike spellings of one address (a full-width letter in the domain, upper case)
    count together; text that is no address at all is still folded (NFKC, case-folded).
    """
    email = email or ""
    try:
        return normalise_email(email)
    except AccountError:
        return unicodedata.normalize("NFKC", email.strip()).casefold()


def find_user_by_email(email: str) -> User | None:
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def create_user(
    email: str,
    name: str,
    *,
    roles: Iterable[Role] = (Role.LEARNER,),
    organisation_id: int | None = None,
    password: str | None = None,
    locale: str = "sv",
    actor_id: int | None = None,
) -> User:
    """Create an account; without a password it can only be entered through an invitation."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(_l("An account for %(email)s already exists.", email=email))
    name = clean_display_text(name) or ""
    user = User(email=email, name=name, organisation_id=organisation_id, locale=locale)
    if password is not None:
        check_password_rules(password, email=email, name=name)
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    set_roles(user, roles, actor_id=actor_id)
    record_event(actor_id, "user.created", "user", user.id, email=email)
    return user


def set_roles(user: User, roles: Iterable[Role], *, actor_id: int | None) -> None:
    wanted = set(roles)
    before = user.roles
    if wanted == before:
        return
    user.role_grants[:] = [g for g in user.role_grants if g.role in wanted]
    user.role_grants.extend(UserRole(role=role) for role in wanted - before)
    db.session.flush()
    record_event(
        actor_id, "user.roles_changed", "user", user.id,
        before=sorted(r.value for r in before), after=sorted(r.value for r in wanted),
    )


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, rehashing when the parameters changed."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(user: User, user_agent: str | None = None) -> LoginSession:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["LMS_LOGIN_SESSION_HOURS"]
    login_session = LoginSession(
        user=user,
        token_hash=_token_hash(token),
        expires_at=utcnow() + timedelta(hours=hours),
        user_agent=(user_agent or "")[:255] or None,
    )
    login_session.token = token
    db.session.add(login_session)
    db.session.flush()
    user.current_login_session = login_session
    return login_session


@dataclass(frozen=True)
class CurrentLoginSession:
    """The log-in session a request is authenticated by: which row, and the cookie's token."""

    id: int
    token: str


#: built once: this runs on every request of a logged-in person
_LIVE_LOGIN_SESSION = (
    select(User, LoginSession.id).join(LoginSession, LoginSession.user_id == User.id)
    .options(joinedload(User.role_grants))
    .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.revoked_at.is_(None),
           LoginSession.expires_at > bindparam("now"))
)


_LIVE_SESSION_OWNER = (
    select(User.id, User.locale).join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.revoked_at.is_(None),
           LoginSession.expires_at > bindparam("now"), User.active.is_(True))
)


def live_session_owner(token: str) -> tuple[int, str] | None:
    """(user id, language) of the active person behind a live, unrevoked log-in session, or None.

    Two columns on the session's connection rather than the person through the ORM: the page
    cache asks this on every hit.
    """
    row = db.session.connection().execute(
        _LIVE_SESSION_OWNER, {"token_hash": _token_hash(token), "now": utcnow()}).first()
    return (row[0], row[1]) if row else None


def load_user_by_session_token(token: str) -> User | None:
    """The user behind a live, unrevoked log-in session, or None.

    One query: the person with their roles, and the session's id (the session itself is not
    loaded as an object: a request needs only to know which one it is, to end it at log-out).
    """
    row = db.session.execute(
        _LIVE_LOGIN_SESSION, {"token_hash": _token_hash(token), "now": utcnow()}).unique().first()
    if row is None or not row[0].is_active:
        return None
    user, login_session_id = row
    user.current_login_session = CurrentLoginSession(login_session_id, token)
    return user


def end_login_session(login_session: LoginSession | CurrentLoginSession) -> None:
    db.session.execute(update(LoginSession).where(LoginSession.id == login_session.id)
                       .values(revoked_at=utcnow()))
    db.session.flush()


def end_all_login_sessions(user_id: int) -> None:
    """Sign the user out everywhere: after a password change, deactivation or anonymisation."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def set_password(user: User, password: str, *, actor_id: int | None = None) -> None:
    check_password_rules(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    end_all_login_sessions(user.id)
    record_event(actor_id, "user.password_set", "user", user.id)


def set_active(user: User, active: bool, *, actor_id: int | None) -> None:
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_login_sessions(user.id)
    record_event(actor_id, "user.activated" if active else "user.deactivated", "user", user.id)
    db.session.flush()


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"lms.{purpose}")


def _fingerprint(user: User) -> str:
    """Changes when the password is set, so that a link works only once."""
    return hashlib.sha256((user.password_hash or "no-password").encode()).hexdigest()[:16]


def password_fingerprint(user: User) -> str:
    """A short digest of the password hash: whatever is bound to it stops working on a new password."""
    return _fingerprint(user)


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"user": user.id, "fp": _fingerprint(user)})


def read_token(token: str, purpose: str) -> User:
    """The user a link was made for, if it is genuine, unexpired and not yet used."""
    max_age = _token_max_age(purpose)
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidToken("expired") from None
    except BadSignature:
        raise InvalidToken("invalid") from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        raise InvalidToken("used")
    return user


def _token_max_age(purpose: str) -> int:
    config = current_app.config
    if purpose == INVITATION:
        return int(config["LMS_INVITATION_DAYS"]) * 24 * 3600
    return int(config["LMS_PASSWORD_RESET_MINUTES"]) * 60
