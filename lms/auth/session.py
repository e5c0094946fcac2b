"""Flask-Login wired to server-side log-in sessions; the signed session cookie read once per value."""
from __future__ import annotations

import copy
import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature

from lms.core.page_cache import PageCache
from lms.extensions import login_manager

#: how long a verified cookie is kept at most (never longer than its signature is valid)
KEEP_VERIFIED_COOKIE_SECONDS = 300


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side log-in session is the protection
    app.config.setdefault("REMEMBER_COOKIE_DURATION", 0)
    app.session_interface = VerifiedCookieSessions()


@login_manager.user_loader
def _load_user(token: str):  # type: ignore[no-untyped-def]
    from lms.auth.service import load_user_by_session_token

    return load_user_by_session_token(token)


class VerifiedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, remembering the cookies whose signature it has checked.

    A browser sends the same cookie with every request until its session changes; checking the
    signature and decoding it again is a large part of what a logged-in page costs beyond a bare
    one. What is kept is the exact cookie string that was verified (any other string is checked
    afresh), for no longer than its signature stays valid, in this process only; each request gets
    its own copy of the data. Whether the log-in behind it is still live is asked of the database
    on every request, as before.
    """

    def __init__(self, max_entries: int = 4000):
        self._verified = PageCache(max_entries)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        data = self._verified.get((value,))
        if data is None:
            serializer = self.get_signing_serializer(app)
            max_age = int(app.permanent_session_lifetime.total_seconds())
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            valid_for = signed_at.timestamp() + max_age - time.time()
            self._verified.put((value,), data, min(valid_for, KEEP_VERIFIED_COOKIE_SECONDS))
        return self.session_class(copy.deepcopy(data))
