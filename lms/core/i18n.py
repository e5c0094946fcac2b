"""Languages: Swedish by default, English and Arabic (right to left); the user's choice is remembered.

docs/languages.md says how to add a language. Each language is offered by its own name
(`LANGUAGE_NAMES`); its writing direction comes from Babel's locale data (`text_direction`).
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask.globals import _cv_app
from babel import Locale
from flask_babel import Domain, get_domain, get_locale
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from lms.extensions import babel


def init_babel(app: Flask) -> None:
    from lms.core.formatting import init_formatting

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    if not isinstance(babel.__dict__.get("domain_instance"), PageDomain):  # Babel caches its domain
        babel.__dict__["domain_instance"] = PageDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext,
                                 pgettext=_template_pgettext, npgettext=_template_npgettext)
    init_formatting(app)


@pass_eval_context
def _template_gettext(eval_context, text: str, **variables):  # type: ignore[no-untyped-def]
    """`_()` and `{% trans %}` as Jinja's i18n extension makes them (newstyle: always a format
    string, Markup where the template escapes), in one call instead of three."""
    return _formatted(eval_context, page_translations().ugettext(text), variables)


@pass_eval_context
def _template_ngettext(eval_context, singular: str, plural: str, num: int, **variables):  # type: ignore[no-untyped-def]
    variables.setdefault("num", num)
    return _formatted(eval_context, page_translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _template_pgettext(eval_context, context: str, text: str, **variables):  # type: ignore[no-untyped-def]
    variables.setdefault("context", context)
    return _formatted(eval_context, page_translations().upgettext(context, text), variables)


@pass_eval_context
def _template_npgettext(eval_context, context: str, singular: str, plural: str, num: int,  # type: ignore[no-untyped-def]
                        **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _formatted(eval_context, page_translations().unpgettext(context, singular, plural, num), variables)


def _formatted(eval_context, text: str, variables: dict):  # type: ignore[no-untyped-def]
    """As Jinja's i18n extension does: the catalogue's text is trusted, the variables are escaped
    by Markup's `%` (tests/core/test_i18n.py checks a variable with markup in it)."""
    return (Markup(text) if eval_context.autoescape else text) % variables  # nosec B704


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


#: every language the product can speak, by its own name (the switcher and the language choices)
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}


def offered_locales() -> tuple[str, ...]:
    return tuple(current_app.config["LMS_LOCALES"])


def language_choices() -> list[tuple[str, str]]:
    """(code, own name) of each offered language, for a SelectField's `choices`."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in offered_locales()]


def known_locale(locale: str | None) -> str:
    """`locale` when the product offers it, else the default language."""
    return locale if locale in offered_locales() else current_app.config["LMS_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or current_app.config["LMS_DEFAULT_LOCALE"])


def text_direction(locale: str | None = None) -> str:
    """"rtl" or "ltr": the writing direction of `locale` (this request's language by default)."""
    try:
        return Locale.parse(locale or current_locale()).text_direction
    except (ValueError, TypeError):
        return "ltr"


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
