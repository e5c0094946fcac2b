"""Personal access tokens: creating, finding by secret, revoking. Callers commit.

A token is `kc_` followed by 43 URL-safe characters (256 random bits). Only its SHA-256 hash is
stored: a fast hash is enough for a secret with that much entropy, and it lets the token be
looked up by an index. Scopes are limited by the owner's roles, at creation and again on every
request, so a token loses what its owner loses.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from lms.api.models import ApiToken, ApiTokenScope, TokenScope
from lms.audit.service import record_event
from lms.auth.models import Role, User
from lms.extensions import db
from lms.core.unit_of_work import DomainError

PREFIX = "kc_"
SECRET_BYTES = 32
#: a token's `last_used_at` is written at most this often, not on every request
LAST_USED_PRECISION = timedelta(minutes=1)

#: which roles may hold each scope (admins hold every scope)
SCOPE_ROLES: dict[TokenScope, tuple[Role, ...]] = {
    TokenScope.READ: tuple(Role),
    TokenScope.ENROL: (Role.LEARNER, Role.ORGANISATION_CONTACT, Role.COORDINATOR),
    TokenScope.ATTENDANCE: (Role.TRAINER, Role.COORDINATOR),
    TokenScope.ADMIN: (Role.COORDINATOR,),
}


class TokenError(DomainError):
    """A token request that breaks a rule; the message is for the owner."""


def allowed_scopes(user: User) -> list[TokenScope]:
    """The scopes this person's roles allow, in a fixed order."""
    return [scope for scope, roles in SCOPE_ROLES.items() if user.has_role(Role.ADMIN, *roles)]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(secret: str) -> bool:
    """Has our prefix and length: anything else is refused without a database lookup."""
    return secret.startswith(PREFIX) and 40 <= len(secret) <= 100 and secret.isascii()


def create_token(user: User, *, name: str, scopes: list[TokenScope], expires_at: datetime | None,
                 now: datetime) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is never available again."""
    name = name.strip()
    if not name:
        raise TokenError(_l("Give the token a name."))
    wanted = set(scopes)
    if not wanted:
        raise TokenError(_l("Choose at least one scope."))
    if not wanted <= set(allowed_scopes(user)):
        raise TokenError(_l("Your roles do not allow one of the chosen scopes."))
    if expires_at is not None and expires_at <= now:
        raise TokenError(_l("The expiry must lie ahead."))
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken(user_id=user.id, name=name[:100], hint=secret[:10], token_hash=hash_secret(secret),
                     created_at=now, expires_at=expires_at,
                     scope_grants=[ApiTokenScope(scope=scope) for scope in sorted(wanted, key=_order)])
    db.session.add(token)
    db.session.flush()
    record_event(user.id, "api_token.created", "api_token", token.id, name=token.name,
                 scopes=[scope.value for scope in sorted(wanted, key=_order)],
                 expires_at=expires_at.isoformat() if expires_at else None)
    return token, secret


def _order(scope: TokenScope) -> int:
    return list(TokenScope).index(scope)


def find_usable_token(secret: str, now: datetime) -> ApiToken | None:
    """The token with this secret if it may be used now (not revoked, not expired, owner active)."""
    if not looks_like_token(secret):
        return None
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))
        .options(selectinload(ApiToken.scope_grants), joinedload(ApiToken.user).selectinload(User.role_grants))
    ).scalar_one_or_none()
    if token is None or not token.usable(now):
        return None
    return token


def note_use(token: ApiToken, now: datetime) -> bool:
    """Record when the token was last used, at most once a minute (one conditional UPDATE)."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return False
    db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    token.last_used_at = now
    return True


def effective_scopes(token: ApiToken) -> frozenset[TokenScope]:
    """The token's scopes that its owner's roles still allow."""
    return token.scopes & frozenset(allowed_scopes(token.user))


def tokens_of(user_id: int) -> list[ApiToken]:
    """The person's tokens, newest first (revoked and expired ones too, for the record)."""
    return list(db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user_id).options(selectinload(ApiToken.scope_grants))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).scalars())


def revoke_token(token: ApiToken, *, actor_id: int, now: datetime) -> None:
    if token.revoked_at is not None:
        raise TokenError(_l("This token is already revoked."))
    token.revoked_at = now
    db.session.flush()
    record_event(actor_id, "api_token.revoked", "api_token", token.id, name=token.name)
