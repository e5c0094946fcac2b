"""The main menu: a few task groups per person, every page of the old flat menu still in it."""
from __future__ import annotations

from html.parser import HTMLParser
from itertools import combinations

import pytest
from flask import url_for

from lms.core.navigation import Menu, NavGroup, NavItem, build_menu, init_navigation
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_user

ROLES = ("learner", "trainer", "coordinator", "organisation_contact", "admin")
EVERY_COMBINATION = [combo for size in range(1, len(ROLES) + 1) for combo in combinations(ROLES, size)]

# The flat menu before issue 18 (module list plus what blueprints registered at import):
# endpoint -> roles that saw it; None: everyone, (): every logged-in person; admins saw everything.
OLD_MENU: dict[str, tuple[str, ...] | None] = {
    "core.index": None, "catalog.catalogue": None, "catalog.my_learning": (),
    "catalog.manage": ("coordinator",), "quizzes.index": ("trainer", "coordinator"),
    "admin.users": ("admin",), "admin.organisations": ("admin",),
    "reports.dashboard": ("coordinator",),
    "reports.organisation_report": ("coordinator", "organisation_contact"),
    "planning.index": ("coordinator",),
    "enrolment.requests": ("coordinator", "organisation_contact"),
    "planning.my_sessions": ("trainer",), "enrolment.my_schedule": ("learner",),
    "attendance.index": ("trainer", "coordinator", "organisation_contact"),
    "attendance.mine": ("learner",), "attendance.checkin": ("learner",),
    "notifications.inbox": (), "notifications.outbox_page": ("admin",),
    "privacy.admin_index": ("admin",), "certificates.mine": (),
    "evaluations.mine": ("learner",), "evaluations.results_index": ("trainer", "coordinator"),
    "needs.index": ("learner", "organisation_contact"), "needs.demand_page": ("coordinator",),
    "community.index": (), "community.directory_page": (),
    "signup.requests": ("coordinator", "organisation_contact"),
    "reports.my_transcript": (), "privacy.my_data": (), "auth.account": (),
}


class MenuParser(HTMLParser):
    """Reads the main menu of a page: its top-level entries, links, group buttons and lists."""

    def __init__(self):
        super().__init__()
        self.in_nav = False
        self.depth = 0  # <ul> nesting inside the nav
        self.top_level = 0
        self.hrefs: list[str] = []
        self.current: dict[str, str] = {}
        self.buttons: list[dict] = []
        self.list_ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("id") == "main-nav":
            self.in_nav = True
        if not self.in_nav:
            return
        if tag == "ul":
            self.depth += 1
            if attrs.get("id"):
                self.list_ids.add(attrs["id"])
        elif tag == "li" and self.depth == 1:
            self.top_level += 1
        elif tag == "a":
            self.hrefs.append(attrs["href"])
            if attrs.get("aria-current"):
                self.current[attrs["href"]] = attrs["aria-current"]
        elif tag == "button":
            self.buttons.append(attrs)

    def handle_endtag(self, tag):
        if self.in_nav and tag == "ul":
            self.depth -= 1
        elif tag == "nav":
            self.in_nav = False

    def handle_data(self, data):
        if self.in_nav:
            self.text.append(data)


def menu_of(html: str) -> MenuParser:
    parser = MenuParser()
    parser.feed(html)
    return parser


def old_pages_for(roles) -> set[str]:
    return {endpoint for endpoint, who in OLD_MENU.items()
            if who is None or who == () or "admin" in roles or set(who) & set(roles)}


def test_every_role_combination_gets_at_most_seven_entries_and_keeps_every_page(app):
    users = {combo: make_user(roles=combo) for combo in EVERY_COMBINATION}
    db.session.commit()
    for combo, user in users.items():
        client = app.test_client()
        assert log_in(client, user.email).status_code == 302
        menu = menu_of(client.get("/").get_data(as_text=True))
        with app.test_request_context():
            expected = {url_for(endpoint) for endpoint in old_pages_for(combo)}
        assert 2 <= menu.top_level <= 7, (combo, menu.top_level)
        assert expected <= set(menu.hrefs), (combo, expected - set(menu.hrefs))
        assert len(menu.hrefs) == len(set(menu.hrefs)), f"{combo}: a page twice in the menu"
        if "admin" not in combo:
            assert "/admin/users" not in menu.hrefs


def test_a_visitor_sees_start_and_the_courses_only(client):
    menu = menu_of(client.get("/courses").get_data(as_text=True))
    assert menu.hrefs == ["/", "/courses"]
    assert menu.current == {"/courses": "page"}
    assert menu.buttons == []


@pytest.mark.parametrize("roles, groups", [
    (("learner",), ["Mitt lärande", "Konto"]),
    (("trainer",), ["Mitt lärande", "Undervisa", "Konto"]),
    (("coordinator",), ["Mitt lärande", "Planera", "Konto"]),
    (("organisation_contact",), ["Mitt lärande", "Organisation", "Konto"]),
    (("admin",), ["Mitt lärande", "Undervisa", "Planera", "Administration", "Konto"]),
    (("trainer", "coordinator", "organisation_contact"),
     ["Mitt lärande", "Undervisa", "Planera", "Organisation", "Konto"]),
])
def test_the_groups_are_named_by_task_and_each_discloses_its_own_list(app, login, roles, groups):
    client = login(make_user(roles=roles))
    html = client.get("/").get_data(as_text=True)
    menu = menu_of(html)
    assert [b["aria-controls"] for b in menu.buttons] == [f"nav-{key}" for key in _keys(groups)]
    for button in menu.buttons:
        assert button["aria-expanded"] == "false"
        assert button["type"] == "button"
        assert button["aria-controls"] in menu.list_ids
    for name in groups:
        assert f">{name}" in html


def _keys(groups):
    names = {"Mitt lärande": "learning", "Undervisa": "teaching", "Planera": "planning",
             "Organisation": "organisation", "Administration": "admin", "Konto": "account"}
    return [names[g] for g in groups]


def test_the_current_page_and_its_section_are_marked(app, login):
    client = login(make_user(roles=["coordinator"]))
    menu = menu_of(client.get("/planning/").get_data(as_text=True))
    assert menu.current == {"/planning/": "page"}
    assert [b.get("aria-current") for b in menu.buttons] == [None, "true", None]
    menu = menu_of(client.get("/planning/rooms").get_data(as_text=True))
    assert menu.current == {"/planning/": "true"}, "a page under Planning marks Planning as the section"
    menu = menu_of(client.get("/").get_data(as_text=True))
    assert menu.current == {"/": "page"}
    assert all("aria-current" not in b for b in menu.buttons)


def test_the_account_group_says_who_is_logged_in_and_shows_the_unread_count(app, login):
    from lms.notifications.models import Notification

    user = make_user(roles=["learner"], name="Lina Larsson")
    for number in range(2):
        db.session.add(Notification(user_id=user.id, kind="test", dedupe_key=f"nav-{number}",
                                    title="Ett pass har flyttats"))
    client = login(user)
    html = client.get("/").get_data(as_text=True)
    menu = menu_of(html)
    assert "Inloggad som Lina Larsson" in "".join(menu.text)
    account = html[html.index('aria-controls="nav-account"'):html.index('id="nav-account"')]
    assert "2 olästa" in account, "the unread count is on the account button, also for screen readers"
    assert "Aviseringar" in html[html.index('id="nav-account"'):]


def test_the_menu_is_built_once_per_app_and_names_only_real_pages(app):
    menu = app.extensions["navigation"]
    assert isinstance(menu, Menu)
    assert menu.endpoints() <= set(app.view_functions)
    assert set(OLD_MENU) <= menu.endpoints()


def test_an_app_whose_menu_names_a_missing_page_does_not_start(app):
    broken = (*build_menu(), NavGroup("x", "X", (NavItem("Gone", "nowhere.page"),)))
    with pytest.raises(RuntimeError, match="nowhere.page"):
        init_navigation(app, entries=broken)
