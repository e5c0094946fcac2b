"""Who is calling: the `Authorization: Bearer` token, never the log-in cookie.

Under /api/v1 the request's user is the token's owner or nobody: `authenticate_request` runs
before every API view and sets Flask-Login's request user itself, so a browser's session cookie
is never read and gives no access (and with no cookie auth there is no CSRF surface).
"""
from __future__ import annotations

import math
import time

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from limits import parse_many

from lms.api import tokens
from lms.api.models import ApiToken, TokenScope
from lms.api.problems import ApiProblem
from lms.auth.models import User
from lms.core.unit_of_work import commit
from lms.db_types import utcnow
from lms.extensions import limiter, login_manager

REALM = 'Bearer realm="kompetenscentret"'


def presented_secret() -> str | None:
    """The bearer secret of this request, if it has an Authorization header at all."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem("unauthorized", _l("Send the token as: Authorization: Bearer <token>."),
                         headers={"WWW-Authenticate": f'{REALM}, error="invalid_request"'})
    return secret.strip()


def authenticate_request() -> None:
    """Find the token (or none) before any API view runs; a bad token is refused everywhere."""
    g.api_token = None
    g._login_user = login_manager.anonymous_user()  # the cookie is not consulted under /api/
    secret = presented_secret()
    if secret is None:
        return
    _refuse_after_failed_tokens()
    now = utcnow()
    token = tokens.find_usable_token(secret, now)
    if token is None:
        _count_failed_token()
        raise ApiProblem("unauthorized", _l("The token is unknown, revoked or expired."),
                         headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    if tokens.note_use(token, now):
        commit()  # a unit of work of its own: the use is kept whatever the view does or refuses
    g.api_token = token
    g._login_user = token.user


def _failed_token_limits() -> list:
    return parse_many(current_app.config["LMS_API_FAILED_TOKEN_RATE_LIMIT"])


def _failed_token_key() -> tuple[str, str]:
    return "api-failed-token", get_remote_address() or "unknown"


def _refuse_after_failed_tokens() -> None:
    """429 for every token from an address that sent too many unknown ones (guessing tokens).

    Well-formed unknown tokens would otherwise each get a fresh per-token limit, so guessing
    from one address would never be slowed down.
    """
    if not limiter.enabled:
        return
    strategy = limiter.limiter
    for item in _failed_token_limits():
        if not strategy.test(item, *_failed_token_key()):
            reset_at = strategy.get_window_stats(item, *_failed_token_key()).reset_time
            raise ApiProblem("rate-limited", _l("Too many unknown tokens from this address."),
                             headers={"Retry-After": str(max(1, math.ceil(reset_at - time.time())))})


def _count_failed_token() -> None:
    if limiter.enabled:
        for item in _failed_token_limits():
            limiter.limiter.hit(item, *_failed_token_key())


def api_token() -> ApiToken | None:
    return g.get("api_token")


def api_user() -> User:
    """The token's owner; only for views behind `require_scope`."""
    token = api_token()
    assert token is not None
    return token.user


def require_scope(scope: TokenScope) -> User:
    """The caller's user if their token has `scope` (and their roles still allow it)."""
    token = api_token()
    if token is None:
        raise ApiProblem("unauthorized", _l("This needs an access token with the scope “%(scope)s”.",
                                            scope=scope.value),
                         headers={"WWW-Authenticate": REALM})
    if scope not in tokens.effective_scopes(token):
        raise ApiProblem("insufficient-scope",
                         _l("This needs a token with the scope “%(scope)s”, which your roles allow.",
                            scope=scope.value),
                         headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", '
                                                     f'scope="{scope.value}"'})
    return token.user


def has_scope(scope: TokenScope) -> bool:
    token = api_token()
    return token is not None and scope in tokens.effective_scopes(token)


def rate_limit() -> str:
    return current_app.config["LMS_API_RATE_LIMIT"]


def rate_limit_key() -> str:
    """Per token (by its hash, so the secret is not kept in the limiter's storage), else per address."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() == "bearer" and tokens.looks_like_token(secret.strip()):
        return "api-token:" + tokens.hash_secret(secret.strip())
    return "api-address:" + (get_remote_address() or "unknown")
