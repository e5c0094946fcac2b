"""What every template may use: the navigation by role, form-field attributes, the locale."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.auth.labels import ROLE_LABELS, SECTOR_LABELS
from lms.auth.models import Role
from lms.catalog.labels import language_name, sdg_name
from lms.notifications.navigation import NotificationsLabel


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: tuple[Role, ...] | None  # None: everyone; (): every logged-in user

    def visible_to(self, user) -> bool:  # type: ignore[no-untyped-def]
        if self.roles is None:
            return True
        if not user.is_authenticated:
            return False
        return not self.roles or user.has_role(Role.ADMIN, *self.roles)


NAVIGATION: list[NavItem] = [
    NavItem(_l("Start"), "core.index", None),
    NavItem(_l("Courses"), "catalog.catalogue", None),
    NavItem(_l("My learning"), "catalog.my_learning", ()),
    NavItem(_l("Course content"), "catalog.manage", (Role.COORDINATOR,)),
    NavItem(_l("Quizzes"), "quizzes.index", (Role.TRAINER, Role.COORDINATOR)),
    NavItem(_l("Users"), "admin.users", (Role.ADMIN,)),
    NavItem(_l("Organisations"), "admin.organisations", (Role.ADMIN,)),
    NavItem(_l("Planning"), "planning.index", (Role.COORDINATOR,)),
    NavItem(_l("Enrolment requests"), "enrollment.requests", (Role.COORDINATOR, Role.ORGANISATION_CONTACT)),
    NavItem(_l("Members"), "enrollment.members_page", (Role.ORGANISATION_CONTACT,)),
    NavItem(_l("My sessions"), "planning.my_sessions", (Role.TRAINER,)),
    NavItem(_l("My schedule"), "enrollment.my_schedule", (Role.LEARNER,)),
    NavItem(_l("Attendance"), "attendance.index", (Role.TRAINER, Role.COORDINATOR, Role.ORGANISATION_CONTACT)),
    NavItem(_l("My attendance"), "attendance.mine", (Role.LEARNER,)),
    NavItem(_l("Check in"), "attendance.checkin", (Role.LEARNER,)),
    NavItem(NotificationsLabel(), "notifications.inbox", ()),  # type: ignore[arg-type]
    NavItem(_l("Outbox"), "notifications.outbox_page", (Role.ADMIN,)),
    NavItem(_l("My certificates"), "certificates.mine", ()),
    NavItem(_l("Evaluations"), "evaluations.mine", (Role.LEARNER,)),
    NavItem(_l("Evaluation results"), "evaluations.results_index", (Role.TRAINER, Role.COORDINATOR)),
    NavItem(_l("Needs and wishes"), "needs.index", (Role.LEARNER, Role.ORGANISATION_CONTACT)),
    NavItem(_l("Demand and supply"), "needs.demand_page", (Role.COORDINATOR,)),
    NavItem(_l("Meeting place"), "community.index", ()),
    NavItem(_l("Directory"), "community.directory_page", ()),
    NavItem(_l("My account"), "auth.account", ()),
]


def register_navigation(item: NavItem, *, before: str | None = None) -> None:
    """Domain packages add their pages to the menu when they are registered."""
    if any(existing.endpoint == item.endpoint for existing in NAVIGATION):
        return
    index = next((i for i, e in enumerate(NAVIGATION) if e.endpoint == before), len(NAVIGATION))
    NAVIGATION.insert(index, item)


def navigation() -> list[dict]:
    items = []
    for item in NAVIGATION:
        if item.visible_to(current_user):
            url = url_for(item.endpoint)
            items.append({"label": item.label, "url": url, "active": request.path == url})
    return items


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
    return attrs


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        navigation=navigation,
        field_attrs=field_attrs,
        role_label=ROLE_LABELS.get,
        sdg_name=sdg_name,
        language_name=language_name,
        Role=Role,
        sector_label=SECTOR_LABELS.get,
        current_locale=lambda: str(get_locale() or app.config["LMS_DEFAULT_LOCALE"]),
    )
