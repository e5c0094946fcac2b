"""The page cache: fast repeats of the catalogue and a learner's dashboard, never someone else's
page, one's own changes at once, and a form token that is always the visitor's own."""
import re

import pytest

from lms.core.page_cache import PageCache
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_course, make_user

EN = {"Accept-Language": "en"}
pytestmark = pytest.mark.config(LMS_PAGE_CACHE_SECONDS=30)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(app):
    clock = Clock()
    app.extensions["page_cache"] = PageCache(clock=clock)
    return clock


def test_entries_expire_and_the_least_recently_used_go_first():
    clock = Clock()
    cache = PageCache(max_entries=2, clock=clock)
    cache.put(("a",), "A", 10)
    cache.put(("b",), "B", 10)
    assert cache.get(("a",)) == "A"  # now "b" is the least recently used
    cache.put(("c",), "C", 10)
    assert (cache.get(("a",)), cache.get(("b",)), cache.get(("c",))) == ("A", None, "C")
    clock.now += 10
    assert cache.get(("a",)) is None


def test_an_anonymous_visitor_gets_the_catalogue_from_the_cache_until_it_expires(app, client, clock):
    course = make_course(title="Styrelsearbete")
    db.session.commit()
    assert "Styrelsearbete" in client.get("/courses", headers=EN).text
    course.title = "Styrelsearbete för nya ledamöter"
    db.session.commit()
    assert "nya ledamöter" not in client.get("/courses", headers=EN).text
    assert "nya ledamöter" in client.get("/courses?q=styrelse", headers=EN).text, "another address, another entry"
    assert "nya ledamöter" in client.get("/courses").text, "another language, another entry"
    clock.now += 30
    assert "nya ledamöter" in client.get("/courses", headers=EN).text


def test_someone_logged_in_sees_the_catalogue_as_it_is(app, client, learner_client, clock):
    course = make_course(title="Ekonomi")
    db.session.commit()
    client.get("/courses", headers=EN)
    course.title = "Ekonomi i föreningen"
    db.session.commit()
    assert "Ekonomi i föreningen" in learner_client.get("/courses", headers=EN).text


def _done(client, course, module):
    return client.post(f"/courses/{course.slug}/modules/{module.slug}/done")


def test_a_dashboard_is_never_served_to_another_person_and_shows_ones_own_change_at_once(app, clock):
    course = make_course(title="Mötesteknik", modules=3)
    anna, bo = make_user(name="Anna", locale="en"), make_user(name="Bo", locale="en")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    log_in(first, anna.email), log_in(second, bo.email)
    assert "not started a course" in first.get("/my/learning").text
    assert _done(first, course, course.modules[0]).status_code == 302
    assert "Mötesteknik" in first.get("/my/learning").text, "her own change shows at once"
    assert "not started a course" in second.get("/my/learning").text, "Bo never gets Anna's page"
    _done(second, course, course.modules[0]), _done(second, course, course.modules[1])
    assert "2 of 3" in second.get("/my/learning").text and "1 of 3" in first.get("/my/learning").text


def test_a_page_with_a_message_is_neither_cached_nor_served_from_the_cache(app, clock):
    anna = make_user(name="Anna", locale="en")
    db.session.commit()
    browser = app.test_client()
    log_in(browser, anna.email)
    browser.get("/my/learning")
    with browser.session_transaction() as session:
        session["_flashes"] = [("success", "Välkommen tillbaka!")]
    assert "Välkommen tillbaka!" in browser.get("/my/learning").text
    assert "Välkommen tillbaka!" not in browser.get("/my/learning").text


def test_logging_out_ends_the_cached_dashboard_too(app, clock):
    anna = make_user(name="Anna", locale="en")
    db.session.commit()
    browser = app.test_client()
    log_in(browser, anna.email)
    assert browser.get("/my/learning").status_code == 200
    with browser.session_transaction() as session:
        copied = dict(session)
    browser.post("/logout")
    with browser.session_transaction() as session:
        session.update(copied)  # a copied cookie of the ended session
    assert browser.get("/my/learning").status_code == 302


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_a_cached_page_carries_the_visitors_own_form_token(app, clock):
    make_course(title="Ledarskap")
    db.session.commit()
    token = lambda html: re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # noqa: E731
    first, second = app.test_client(), app.test_client()
    first_page = first.get("/courses", headers=EN).text
    second_page = second.get("/courses", headers=EN).text  # from the cache
    assert token(first_page) != token(second_page)
    changed = second.post("/language", data={"locale": "en", "next": "/courses", "csrf_token": token(second_page)})
    assert changed.status_code == 302
