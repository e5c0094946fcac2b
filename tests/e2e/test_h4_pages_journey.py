"""What H4 fixed, seen in chromium: a visitor on a cycle page, the quiz that asks before handing in
blank answers, the full-screen check-in, the calendar address. Screenshots go to $LMS_SHOTS."""
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.models import Course
from lms.demo import DEMO_PASSWORD, learner_email
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus
from tests.e2e.test_attendance_journey import TRAINER, _cycle_now

SHOTS = os.environ.get("LMS_SHOTS")
WIDTHS = (390, 1280)


def _shot(page, name, width):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


@pytest.fixture(scope="module")
def checkin_session(live_server):
    with live_server.app.app_context():
        course = db.session.execute(select(Course).order_by(Course.id.desc())).scalars().first()
        session_id = _cycle_now("Helskärm i dag", course, (57,), datetime.now(timezone.utc))
        db.session.commit()
        db.session.remove()
    return session_id


def test_a_visitor_on_a_cycle_page_is_offered_an_account_and_the_way_back(browse, page, live_server):
    with live_server.app.app_context():
        cycle_id = db.session.execute(select(Cycle.id).where(Cycle.status == CycleStatus.PUBLISHED)
                                      .order_by(Cycle.id.desc())).scalars().first()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        browse.goto(f"/cycles/{cycle_id}")
        assert page.get_by_role("link", name="Logga in för att anmäla dig").is_visible()
        assert page.get_by_role("link", name=re.compile("Tillbaka till kursen")).is_visible()
        _shot(page, "cycle-visitor", width)


def test_the_quiz_asks_before_handing_in_blank_answers(browse, page):
    browse.log_in(learner_email(23), DEMO_PASSWORD)
    browse.goto("/courses/styrelsearbete/modules/04-arsmotet/quiz")
    browse.submit(lambda: page.get_by_role("button", name="Starta quizet").click())
    browse.submit(lambda: page.get_by_role("button", name="Lämna in").click())
    assert page.get_by_role("alert").filter(has_text="frågor är inte besvarade").is_visible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#quiz-confirm").scroll_into_view_if_needed()
        _shot(page, "quiz-confirm", width)
    assert page.get_by_role("button", name="Lämna in ändå").is_visible()


def test_the_full_screen_check_in_hides_its_button_and_enlarges_the_code(browse, page, checkin_session):
    browse.log_in(TRAINER, DEMO_PASSWORD)
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        browse.goto(f"/attendance/sessions/{checkin_session}/checkin")
        button = page.get_by_role("button", name="Helskärm")
        before = page.locator(".checkin-qr").bounding_box()["width"]
        button.click()
        page.wait_for_function("document.fullscreenElement !== null")
        page.wait_for_timeout(300)
        assert not button.is_visible(), "no 'full screen' button in full screen"
        after = page.locator(".checkin-qr").bounding_box()["width"]
        assert after > before, (before, after)
        code = page.locator("[data-field=code]").bounding_box()
        assert code["y"] + code["height"] <= height, "the typed code stays on screen under the QR code"
        assert page.evaluate("document.fullscreenElement.scrollWidth <= document.fullscreenElement.clientWidth")
        page.screenshot(path=f"{SHOTS}/checkin-fullscreen-{width}.png") if SHOTS else None
        page.evaluate("document.exitFullscreen()")


def test_the_calendar_address_can_be_copied_and_opened(browse, page):
    browse.log_in(learner_email(0), DEMO_PASSWORD)
    browse.goto("/my/schedule")
    make = page.get_by_role("button", name="Skapa min kalenderadress")
    if make.count():
        browse.submit(lambda: make.click())
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#feed-heading").scroll_into_view_if_needed()
        assert page.get_by_role("button", name="Kopiera adressen").is_visible()
        assert page.get_by_role("link", name="Öppna i min kalenderapp").get_attribute("href").startswith("webcal://")
        _shot(page, "calendar-feed", width)
