"""Flask-Login wired to server-side log-in sessions."""
from __future__ import annotations

from flask import Flask

from lms.extensions import login_manager
from flask_babel import lazy_gettext as _l


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side log-in session is the protection
    app.config.setdefault("REMEMBER_COOKIE_DURATION", 0)


@login_manager.user_loader
def _load_user(token: str):  # type: ignore[no-untyped-def]
    from lms.auth.service import load_user_by_session_token

    return load_user_by_session_token(token)
