"""What every template may use: form-field attributes, labels, the locale (the menu: navigation.py)."""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from jinja2 import pass_eval_context

from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets import HiddenInput

from lms.auth.labels import ROLE_LABELS, SECTOR_LABELS
from lms.auth.models import Role
from lms.catalog.labels import language_name, sdg_name
from lms.core.display_text import isolated
from lms.core.i18n import LANGUAGE_NAMES, current_locale, offered_locales, text_direction


def field_attrs(field, autocomplete: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """Accessible attributes for an input: hints and errors tied to it, required marked."""
    attrs: dict = {}
    described = []
    if field.description:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if field.type == "SelectField" and field.flags.required and _first_choice_is_a_value(field):
        attrs["required"] = False  # a list that always has a choice: HTML forbids "required" there
    return attrs


def _first_choice_is_a_value(field) -> bool:  # type: ignore[no-untyped-def]
    first = next(iter(field.iter_choices()), None)
    return first is not None and first[0] not in ("", None)


class _HiddenInputWithoutId(HiddenInput):
    """A page may hold several forms, each with its CSRF field: without an id they do not clash."""

    def __call__(self, field, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


def machine_time(value) -> str:  # type: ignore[no-untyped-def]
    """A `datetime` attribute of <time>: ISO 8601 to the second (valid HTML, no microseconds)."""
    return value.isoformat(timespec="seconds") if hasattr(value, "hour") else value.isoformat()


def fixed_url(endpoint: str, **values: str) -> str:
    """`url_for` of an address that is the same on every page (the layout's links, its style sheet),
    built once per app, address and mount point instead of on every page."""
    key = (endpoint, tuple(sorted(values.items())), request.script_root)
    built = _fixed_urls().get(key)
    if built is None:
        built = _fixed_urls()[key] = url_for(endpoint, **values)
    return built


def _fixed_urls() -> dict:
    return current_app.extensions.setdefault("fixed_urls", {})


#: arrows drawn in the reading direction: (left to right, right to left); arrows do not mirror by themselves
ARROWS = {"back": ("←", "→"), "forward": ("→", "←"), "crumb": ("›", "‹")}


def arrow(kind: str) -> str:
    """`{{ arrow('forward') }}`: "→" on a left-to-right page, "←" on a right-to-left one."""
    return ARROWS[kind][text_direction() == "rtl"]


@pass_eval_context
def bdi(eval_context, value):  # type: ignore[no-untyped-def]
    """`{{ person.name|bdi }}`: a name isolated from the text around it (display_text.isolated)."""
    return isolated(value, html=eval_context.autoescape, page_is_rtl=text_direction() == "rtl")


def init_templating(app: Flask) -> None:
    CSRFTokenField.widget = _HiddenInputWithoutId()
    app.jinja_env.filters["machine_time"] = machine_time
    app.jinja_env.filters["bdi"] = bdi
    app.jinja_env.globals.update(
        field_attrs=field_attrs,
        fixed_url=fixed_url,
        role_label=ROLE_LABELS.get,
        sdg_name=sdg_name,
        language_name=language_name,
        Role=Role,
        sector_label=SECTOR_LABELS.get,
        current_locale=current_locale,
        text_direction=text_direction,
        arrow=arrow,
        language_names=LANGUAGE_NAMES,
        offered_locales=offered_locales,
    )
