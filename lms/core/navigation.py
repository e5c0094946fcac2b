"""The main menu, grouped by task: the one place that says which pages it offers to whom.

`init_navigation(app)` builds the menu once per application (after the blueprints, so that every
endpoint can be checked) and keeps it in `app.extensions["navigation"]`; `base.html` asks it, per
request, for the entries the person may see. A page belongs to the first group that shows it to
that person, so a coordinator who is also an organisation contact does not see it twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from lms.auth.models import Role
from lms.notifications.navigation import NotificationsLabel, notifications_badge

EVERYONE = None  # also visitors who are not logged in
LOGGED_IN: tuple[Role, ...] = ()  # every logged-in person


@dataclass(frozen=True)
class NavItem:
    """A page in the menu and who may see it (administrators see every page but their own organisation's)."""

    label: object
    endpoint: str
    roles: tuple[Role, ...] | None = LOGGED_IN
    visitors_only: bool = False  # a top-level shortcut that logged-in people find in a group
    #: False for a page about one's own organisation, which an administrator without one has no use for
    admins_too: bool = True

    def visible_to(self, user) -> bool:  # type: ignore[no-untyped-def]
        """True when `user` may open the page: everyone, any logged-in person, or one of the roles."""
        if self.visitors_only:
            return not user.is_authenticated
        if self.roles is None:
            return True
        if not user.is_authenticated:
            return False
        return not self.roles or user.has_role(*((Role.ADMIN, *self.roles) if self.admins_too else self.roles))


@dataclass(frozen=True)
class NavGroup:
    """A task ("Teaching", "Planning", …): a button that discloses its pages."""

    key: str
    label: object
    items: tuple[NavItem, ...]
    roles: tuple[Role, ...] = LOGGED_IN
    account: bool = False  # the person's own group: notifications, account, personal data


def build_menu() -> tuple[NavItem | NavGroup, ...]:
    """Every entry of the main menu, in order: at most seven reach anyone (tested per role)."""
    learner, trainer, coordinator, contact = (
        (Role.LEARNER,), (Role.TRAINER,), (Role.COORDINATOR,), (Role.ORGANISATION_CONTACT,))
    return (
        NavItem(_l("Start"), "core.index", EVERYONE),
        NavItem(_l("Courses"), "catalog.catalogue", EVERYONE, visitors_only=True),
        NavGroup("learning", _l("My learning"), (
            NavItem(_l("Courses"), "catalog.catalogue", EVERYONE),
            NavItem(_l("My courses"), "catalog.my_learning"),
            NavItem(_l("My schedule"), "enrolment.my_schedule", learner),
            NavItem(_l("Check in"), "attendance.checkin", learner),
            NavItem(_l("My attendance"), "attendance.mine", learner),
            NavItem(_l("My certificates"), "certificates.mine"),
            NavItem(_l("My transcript"), "reports.my_transcript"),
            NavItem(_l("Evaluations"), "evaluations.mine", learner),
            NavItem(_l("Needs and wishes"), "needs.index", learner),
            NavItem(_l("My competence growth"), "growth.mine", learner),
            NavItem(_l("Meeting place"), "community.index"),
            NavItem(_l("Directory"), "community.directory_page"),
        )),
        NavGroup("teaching", _l("Teaching"), (
            NavItem(_l("My sessions"), "planning.my_sessions", trainer),
            NavItem(_l("Attendance"), "attendance.index", trainer),
            NavItem(_l("Quizzes"), "quizzes.index", trainer),
            NavItem(_l("Evaluation results"), "evaluations.results_index", trainer),
        ), roles=trainer),
        NavGroup("planning", _l("Plan"), (
            NavItem(_l("Dashboard"), "reports.dashboard", coordinator),
            NavItem(_l("Planning"), "planning.index", coordinator),
            NavItem(_l("Enrolment requests"), "enrolment.requests", coordinator),
            NavItem(_l("Account requests"), "signup.requests", coordinator),
            NavItem(_l("Members"), "enrolment.members_page", coordinator),
            NavItem(_l("Attendance"), "attendance.index", coordinator),
            NavItem(_l("Course content"), "catalog.manage", coordinator),
            NavItem(_l("Quizzes"), "quizzes.index", coordinator),
            NavItem(_l("Evaluation results"), "evaluations.results_index", coordinator),
            NavItem(_l("Demand and supply"), "needs.demand_page", coordinator),
            NavItem(_l("Competence growth"), "growth.report", coordinator),
            NavItem(_l("Competence report"), "reports.organisation_report", coordinator),
        ), roles=coordinator),
        NavGroup("organisation", _l("Organisation"), (
            NavItem(_l("Members"), "enrolment.members_page", contact),
            NavItem(_l("Enrolment requests"), "enrolment.requests", contact),
            NavItem(_l("Account requests"), "signup.requests", contact),
            NavItem(_l("Attendance"), "attendance.index", contact),
            NavItem(_l("Competence report"), "reports.organisation_report", contact),
            NavItem(_l("Needs and wishes"), "needs.index", contact),
            NavItem(_l("Members' competence growth"), "growth.organisation", contact, admins_too=False),
        ), roles=contact),
        NavGroup("admin", _l("Administration"), (
            NavItem(_l("Users"), "admin.users", (Role.ADMIN,)),
            NavItem(_l("Organisations"), "admin.organisations", (Role.ADMIN,)),
            NavItem(_l("Outbox"), "notifications.outbox_page", (Role.ADMIN,)),
            NavItem(_l("Privacy"), "privacy.admin_index", (Role.ADMIN,)),
        ), roles=(Role.ADMIN,)),
        NavGroup("account", _l("Account"), (
            NavItem(NotificationsLabel(), "notifications.inbox"),
            NavItem(_l("My account"), "auth.account"),
            NavItem(_l("My data"), "privacy.my_data"),
        ), account=True),
    )


class Menu:
    """The menu of one application; `for_user` gives what one person sees on one page.

    What a person sees depends only on whether they are logged in, their roles and their language
    (and the address the app is mounted at): it is worked out once per such combination and kept,
    with the labels translated and the addresses built; a request copies it and marks its page.
    """

    def __init__(self, entries: tuple[NavItem | NavGroup, ...]):
        self.entries = entries
        self._seen: dict[tuple, tuple[dict, ...]] = {}

    def endpoints(self) -> set[str]:
        """Every endpoint the menu links to."""
        found = set()
        for entry in self.entries:
            for item in entry.items if isinstance(entry, NavGroup) else (entry,):
                found.add(item.endpoint)
        return found

    def for_user(self, user, path: str) -> list[dict]:  # type: ignore[no-untyped-def]
        """The top-level entries `user` sees: links, and groups with their links; the current marked."""
        roles = user.roles if user.is_authenticated else None
        key = (roles, str(get_locale()), request.script_root)
        kept = self._seen.get(key)
        if kept is None:
            kept = self._seen[key] = tuple(self._visible(user))
        entries = [{**entry, "links": [dict(link) for link in entry["links"]]} if "links" in entry
                   else dict(entry) for entry in kept]
        _mark_current(entries, path)
        return entries

    def _visible(self, user) -> list[dict]:  # type: ignore[no-untyped-def]
        shown: set[str] = set()
        entries: list[dict] = []
        for entry in self.entries:
            if isinstance(entry, NavItem):
                if entry.visible_to(user) and entry.endpoint not in shown:
                    shown.add(entry.endpoint)
                    entries.append(_link(entry))
                continue
            if user.is_authenticated and (not entry.roles or user.has_role(Role.ADMIN, *entry.roles)):
                links = [_link(item) for item in entry.items
                         if item.visible_to(user) and item.endpoint not in shown]
                shown.update(link["endpoint"] for link in links)
                if links:
                    entries.append({"group": entry, "key": entry.key, "label": _translated(entry.label),
                                    "links": links, "account": entry.account})
        return entries


def _translated(label: object) -> object:
    """A lazy label as its text in the current language; a label that renders itself (the unread
    count) is kept as it is."""
    return str(label) if isinstance(label, LazyString) else label


def _link(item: NavItem) -> dict:
    return {"label": _translated(item.label), "endpoint": item.endpoint, "url": url_for(item.endpoint),
            "current": None}


def _mark_current(entries: list[dict], path: str) -> None:
    """The link to this page is `aria-current="page"`; else the one whose address starts this
    page's (the section) is `"true"`, and so is the group that holds it."""
    links = [(link, entry) for entry in entries for link in entry.get("links", [entry])]
    best = None
    for link, entry in links:
        url = link["url"].rstrip("/")
        if path == link["url"] or (url and (path == url or path.startswith(url + "/"))):
            if best is None or len(link["url"]) > len(best[0]["url"]):
                best = (link, entry)
    if best is None:
        return
    link, entry = best
    link["current"] = "page" if path == link["url"] else "true"
    if "links" in entry:
        entry["current"] = True


def main_menu() -> list[dict]:
    """The current person's menu on the current page, grouped (a template global for base.html)."""
    from flask_login import current_user

    return current_app.extensions["navigation"].for_user(current_user._get_current_object(), request.path)


def navigation() -> list[dict]:
    """The same pages as a flat list of links (label, url, active), e.g. for tiles on a page."""
    return [{"label": link["label"], "url": link["url"], "active": link["current"] == "page"}
            for entry in main_menu() for link in entry.get("links", [entry])]


def init_navigation(app: Flask, entries: tuple[NavItem | NavGroup, ...] | None = None) -> None:
    """Build the app's menu, check that every page it names exists, and offer it to templates."""
    menu = Menu(entries if entries is not None else build_menu())
    missing = menu.endpoints() - set(app.view_functions)
    if missing:
        raise RuntimeError(f"the menu links to unknown pages: {sorted(missing)}")
    app.extensions["navigation"] = menu
    app.jinja_env.globals.update(main_menu=main_menu, navigation=navigation,
                                  notifications_badge=notifications_badge)
