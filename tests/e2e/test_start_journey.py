"""Each demo role starts at the start page and does its most common task from there."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.attendance.codes import CheckinSettings
from lms.attendance.service import current_code
from lms.auth.service import find_user_by_email
from lms.catalog.models import Course
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning.models import ClassSession
from lms.planning.service import local_zone
from tests.factories import DEFAULT_PASSWORD, make_cycle, make_user

TRAINER = "utbildare@kompetenscentret.example"


@pytest.fixture(scope="module")
def going_on(live_server):
    """A one-session cycle that started five minutes ago: the demo trainer teaches a learner in nothing else.

    The learner is new, so the demo's own sessions (seeded around the time the suite runs) never
    come before this one on the learner's start page."""
    with live_server.app.app_context():
        now = datetime.now(timezone.utc)
        local_start = (now - timedelta(minutes=5)).astimezone(local_zone())
        course = db.session.execute(select(Course).order_by(Course.id.desc())).scalars().first()
        cycle = make_cycle(course, title="Startsidan i dag", first_date=local_start.date(),
                           weekdays=(local_start.weekday(),), start=local_start.time().replace(second=0, microsecond=0),
                           sessions=1, trainers=[find_user_by_email(TRAINER)], now=now - timedelta(days=2))
        learner = make_user("startsidan@example.org", name="Sam Startsida")
        enrol(learner.id, cycle, now=now - timedelta(days=1), check_window=False, decided=True)
        session_id, title = cycle.sessions[0].id, course.title
        db.session.commit()
        db.session.remove()
    return {"session": session_id, "course": title, "learner": ("startsidan@example.org", DEFAULT_PASSWORD)}


def flash(page):
    return page.locator(".flash--success")


def test_a_learner_checks_in_from_the_start_page(browse, page, live_server, going_on):
    page.set_viewport_size({"width": 390, "height": 844})
    browse.log_in(*going_on["learner"])
    next_session = page.get_by_role("article", name="Ditt nästa pass")
    assert going_on["course"] in next_session.inner_text()
    browse.submit(lambda: next_session.get_by_role("link", name="Checka in").click())
    with live_server.app.app_context():
        session = db.session.get(ClassSession, going_on["session"])
        code, _rotates = current_code(session, live_server.app.config["SECRET_KEY"], datetime.now(timezone.utc),
                            CheckinSettings.from_config(live_server.app.config))
        db.session.remove()
    page.get_by_label("Incheckningskod").fill(code)
    browse.submit(lambda: page.locator("main form button[type=submit]").first.click())
    assert f"Du är incheckad på {going_on['course']}" in flash(page).inner_text()
    browse.goto("/")
    assert "Du är incheckad" in page.get_by_role("article", name="Ditt nästa pass").inner_text()


def test_a_trainer_takes_todays_roll_call_from_the_start_page(browse, page, live_server, going_on):
    page.set_viewport_size({"width": 390, "height": 844})
    browse.log_in(TRAINER, live_server.logins["trainer"][1])
    today = page.get_by_role("article", name="I dag")
    assert going_on["course"] in today.inner_text()
    session_link = today.locator(f'a[href$="/attendance/sessions/{going_on["session"]}"]')
    browse.submit(lambda: session_link.click())
    assert page.url.endswith(f"/attendance/sessions/{going_on['session']}")
    browse.submit(lambda: page.get_by_role("button", name="Markera alla som närvarande").click())
    assert flash(page).count() == 1


def test_a_coordinator_decides_a_waiting_request_from_the_start_page(browse, page, live_server):
    browse.log_in(*live_server.logins["coordinator"])
    waiting = page.get_by_role("article", name="Väntar på beslut")
    assert re.search(r"\d+ anmälningsförfrågn?", waiting.inner_text())
    browse.submit(lambda: waiting.get_by_role("link", name="Besluta om förfrågningar").click())
    assert page.url.endswith("/enrolment/requests")
    browse.submit(lambda: page.get_by_role("button", name=re.compile("^Godkänn")).first.click())
    assert "är antagen" in flash(page).inner_text()


def test_a_contact_enrols_a_member_from_the_start_page(browse, page, live_server):
    # on a laptop: at 390 px the bulk page's member table scrolls without keyboard access (point 3 of issue #18)
    browse.log_in(*live_server.logins["organisation_contact"])
    seats = page.get_by_role("article", name="Anmäl medlemmar")
    browse.submit(lambda: seats.get_by_role("link", name=re.compile("^Anmäl medlemmar")).first.click())
    assert re.search(r"/cycles/\d+/bulk$", page.url)
    signed_up = page.locator(".signed-up-list").inner_text() if page.locator(".signed-up-list").count() else ""
    boxes = page.locator("form.form input[type=checkbox]:not(:checked)")
    free = next(i for i in range(boxes.count())
                if boxes.nth(i).locator("xpath=..").inner_text().strip().split(" (")[0]
                not in signed_up)
    boxes.nth(free).check()
    browse.submit(lambda: page.locator("form.form button[type=submit]").click())
    happened = page.get_by_role("region", name="Resultat").first
    assert re.search("antagen|väntelista|väntar på godkännande", happened.inner_text())
    assert "nekad" not in happened.inner_text().lower()
