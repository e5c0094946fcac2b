"""Languages: Swedish by default, English second; the user's choice is remembered."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from lms.extensions import babel


def init_babel(app: Flask) -> None:
    from lms.core.formatting import init_formatting

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    init_formatting(app)


def select_locale() -> str:
    """The user's stored choice, then this browser's choice, then Accept-Language, then Swedish."""
    locales = current_app.config["LMS_LOCALES"]
    if not has_request_context():
        return current_app.config["LMS_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in locales:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in locales:
        return chosen
    return request.accept_languages.best_match(locales) or current_app.config["LMS_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["LMS_TIMEZONE"]
