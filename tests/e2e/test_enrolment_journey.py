"""A learner enrols, sees the schedule and downloads the .ics; a second one waits, is offered the
freed seat and accepts it."""
from datetime import date, datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select

from lms.catalog.models import Course
from lms.demo import DEMO_PASSWORD, learner_email
from lms.extensions import db
from tests.factories import make_cycle


@pytest.fixture
def one_seat_cycle(live_server):
    """A published cycle with a single seat, a few weeks ahead."""
    with live_server.app.app_context():
        course = db.session.execute(select(Course).order_by(Course.id)).scalars().first()
        first = date.today() + timedelta(days=21)
        cycle = make_cycle(course, title="En plats kvar", first_date=first, weekdays=(first.weekday(),),
                           sessions=3, capacity=1, now=datetime.now(timezone.utc))
        db.session.commit()
        yield cycle.id
        db.session.remove()


def log_out(browse):
    browse.submit(lambda: browse.page.get_by_role("button", name="Logga ut").click())


def test_enrol_download_the_calendar_then_the_wait_listed_learner_accepts_the_offer(browse, one_seat_cycle, page):
    first, second = learner_email(55), learner_email(56)
    browse.log_in(first, DEMO_PASSWORD)
    browse.goto(f"/cycles/{one_seat_cycle}")
    browse.submit(lambda: page.get_by_role("button", name="Anmäl mig").click())
    assert "Du är antagen" in page.get_by_role("status").first.inner_text()

    browse.goto("/my/schedule")
    assert page.get_by_role("row").filter(has_text="En plats kvar").count() == 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Lägg till i kalendern (En plats kvar)").click()
    calendar = icalendar.Calendar.from_ical(open(download.value.path(), "rb").read())
    assert len(calendar.walk("VEVENT")) == 3
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Stockholm"
    log_out(browse)

    browse.log_in(second, DEMO_PASSWORD)
    browse.goto(f"/cycles/{one_seat_cycle}")
    browse.submit(lambda: page.get_by_role("button", name="Ställ mig på väntelistan").click())
    assert "plats 1 på väntelistan" in page.get_by_role("region", name="Din plats").inner_text()
    log_out(browse)

    browse.log_in(first, DEMO_PASSWORD)
    browse.goto(f"/cycles/{one_seat_cycle}")
    page.once("dialog", lambda dialog: dialog.accept())
    browse.submit(lambda: page.get_by_role("button", name="Avanmäl mig").click())
    log_out(browse)

    browse.log_in(second, DEMO_PASSWORD)
    browse.goto("/my/schedule")
    offer = page.get_by_role("region", name="En plats hålls åt dig")
    assert "Svara senast" in offer.inner_text()
    browse.submit(lambda: offer.get_by_role("link", name="Svara på erbjudandet").click())
    assert page.get_by_role("heading", name="Vill du ha platsen?").is_visible()
    browse.submit(lambda: page.get_by_role("button", name="Ta platsen").click())
    assert "Platsen är din" in page.get_by_role("status").first.inner_text()
    browse.goto("/my/schedule")
    assert page.get_by_role("region", name="En plats hålls åt dig").count() == 0
    card = page.get_by_role("listitem").filter(has_text="En plats kvar")
    assert "antagen" in card.inner_text()
    assert page.get_by_role("row").filter(has_text="En plats kvar").count() == 3
