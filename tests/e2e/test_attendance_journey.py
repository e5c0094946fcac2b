"""A trainer takes the roll call on a phone; a learner checks in with the rotating code while the
trainer's check-in screen updates by itself."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.auth.service import find_user_by_email
from lms.catalog.models import Course
from lms.demo import DEMO_PASSWORD, learner_email, learner_name
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning.service import local_zone
from tests.e2e.conftest import Browse
from tests.factories import make_cycle

TRAINER = "utbildare@kompetenscentret.example"
LEARNERS = (51, 52, 53)
SELF_CHECKIN = 58  # checks in by themselves, at another session


def _cycle_now(title, course, learners, now):
    """A one-session cycle that started five minutes ago, taught by the demo trainer."""
    local_start = (now - timedelta(minutes=5)).astimezone(local_zone())
    cycle = make_cycle(course, title=title, first_date=local_start.date(), weekdays=(local_start.weekday(),),
                       start=local_start.time().replace(second=0, microsecond=0), sessions=1,
                       trainers=[find_user_by_email(TRAINER)], now=now - timedelta(days=2))
    for index in learners:
        enrol(find_user_by_email(learner_email(index)).id, cycle, now=now - timedelta(days=1),
              check_window=False, decided=True)
    return cycle.sessions[0].id


@pytest.fixture(scope="module")
def today(live_server):
    """Two sessions going on now: one for the roll call, one for self check-in."""
    with live_server.app.app_context():
        now = datetime.now(timezone.utc)
        courses = db.session.execute(select(Course).order_by(Course.id)).scalars().all()
        found = {
            "rollcall": _cycle_now("Närvaro i dag", courses[0], LEARNERS, now),
            "checkin": _cycle_now("Incheckning i dag", courses[1], (SELF_CHECKIN,), now),
            "rollcall_course": courses[0].title,
        }
        db.session.commit()
        db.session.remove()
    return found


def learner_row(page, index):
    return page.get_by_role("group", name=re.compile(learner_name(index)))


def test_a_trainer_takes_the_roll_call_on_a_phone(browse, page, today):
    page.set_viewport_size({"width": 390, "height": 844})
    browse.log_in(TRAINER, DEMO_PASSWORD)
    browse.submit(lambda: browse.menu_link("Närvaro").click())
    cards = page.get_by_role("region", name="I dag")
    browse.submit(lambda: cards.get_by_role("link", name=f"Upprop ({today['rollcall_course']})").first.click())
    assert "Upprop" in page.get_by_role("heading", level=1).inner_text()

    browse.submit(lambda: page.get_by_role("button", name="Markera alla som närvarande").click())
    assert "3 deltagare markerade som närvarande" in page.get_by_role("status").first.inner_text()
    first, second, third = LEARNERS
    assert learner_row(page, first).get_by_role("radio", name="närvarande").is_checked()

    learner_row(page, second).get_by_text("sen", exact=True).click()  # one tap, saved by the script
    saved = learner_row(page, second).get_by_role("status")
    saved.filter(has_text="Sparat").wait_for()
    assert "sen" in saved.inner_text()
    note = learner_row(page, second).get_by_label("Anteckning")
    note.fill("Kom 18.20")
    note.blur()
    page.wait_for_timeout(300)
    saved.filter(has_text="Sparat").wait_for()

    page.reload()
    browse.check_accessibility()
    assert learner_row(page, second).get_by_role("radio", name="sen").is_checked()
    assert learner_row(page, second).get_by_label("Anteckning").input_value() == "Kom 18.20"
    assert learner_row(page, first).get_by_role("radio", name="närvarande").is_checked()
    assert learner_row(page, third).get_by_role("radio", name="närvarande").is_checked()
    changes = page.get_by_role("table", name="Varje ändring av närvaron vid passet")
    assert "närvarande → sen" in changes.inner_text()

    # "late" tapped and the note typed at once, the field never left (a phone keyboard): both kept
    learner_row(page, third).get_by_text("sen", exact=True).click()
    learner_row(page, third).get_by_label("Anteckning").fill("Bussen var sen")
    page.wait_for_timeout(2000)
    learner_row(page, third).get_by_role("status").filter(has_text="Sparat").wait_for()
    page.reload()
    assert learner_row(page, third).get_by_role("radio", name="sen").is_checked()
    assert learner_row(page, third).get_by_label("Anteckning").input_value() == "Bussen var sen"


def test_a_learner_checks_in_with_the_typed_code_while_the_screen_updates(
        browse, page, browser, browser_context_args, live_server, today):
    browse.log_in(TRAINER, DEMO_PASSWORD)
    browse.goto(f"/attendance/sessions/{today['checkin']}/checkin")
    arrived = page.get_by_role("region", name=re.compile("Incheckade"))
    learner_index = SELF_CHECKIN
    assert learner_name(learner_index) not in arrived.inner_text()
    code = page.locator("[data-field=code]").inner_text()
    assert re.fullmatch(r"\d{6}", code)

    context = browser.new_context(**browser_context_args)
    phone = Browse(context.new_page(), live_server.url)
    phone.page.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/checkin")  # not logged in yet: sent to the log-in page first
    phone.page.get_by_label("E-post").fill(learner_email(learner_index))
    phone.page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    phone.submit(lambda: phone.page.get_by_role("button", name="Logga in").click())
    assert phone.page.get_by_role("heading", level=1).inner_text() == "Checka in"
    phone.page.get_by_label("Incheckningskod").fill(page.locator("[data-field=code]").inner_text())
    phone.submit(lambda: phone.page.get_by_role("button", name="Checka in mig").click())
    assert "Du är incheckad" in phone.page.get_by_role("status").first.inner_text()
    assert "Närvarat vid 1 av 1 pass" in phone.page.get_by_role("main").inner_text()
    context.close()

    arrived.get_by_text(learner_name(learner_index)).wait_for(timeout=10000)  # the screen polls
    assert page.locator("[data-field=in-count]").inner_text() != "0"
