"""Languages: Swedish by default, English second; the user's choice is remembered."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import Domain, get_domain
from flask_login import current_user

from lms.extensions import babel


def init_babel(app: Flask) -> None:
    from lms.core.formatting import init_formatting

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    if not isinstance(babel.__dict__.get("domain_instance"), PageDomain):  # Babel caches its domain
        babel.__dict__["domain_instance"] = PageDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: page_translations().ugettext(text),
        ngettext=lambda singular, plural, n: page_translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: page_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: page_translations().unpgettext(
            context, singular, plural, n),
        newstyle=True,
    )
    init_formatting(app)


def page_translations():  # type: ignore[no-untyped-def]
    """The catalogue of this request's language, looked up once per request and language.

    A page translates dozens of strings; Flask-Babel's own lookup walks its context, domain and
    locale again for each. This keeps the catalogue beside the locale Flask-Babel chose (in its
    namespace on `g`), so a `refresh()` or `force_locale()`, which replace that locale, are followed.
    """
    kept = getattr(_babel_namespace(), "page_translations", None)
    if kept is not None and kept[0] is getattr(_babel_namespace(), "babel_locale", None):
        return kept[1]
    return get_domain().get_translations()


def _babel_namespace():  # type: ignore[no-untyped-def]
    context = _cv_app.get(None)
    return context.g.__dict__.get("_flask_babel") if context is not None else None


class PageDomain(Domain):
    """Flask-Babel's message domain, with the catalogue kept per request (`page_translations`)."""

    def get_translations(self):  # type: ignore[no-untyped-def]
        kept = getattr(_babel_namespace(), "page_translations", None)
        if kept is not None and kept[0] is getattr(_babel_namespace(), "babel_locale", None):
            return kept[1]
        translations = super().get_translations()
        namespace = _babel_namespace()
        locale = getattr(namespace, "babel_locale", None)
        if locale is not None:
            namespace.page_translations = (locale, translations)
        return translations


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
