"""The weekly digest's section of offers: an open offer is listed with its answer-by time and link."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from lms.enrolment import offers, service
from lms.extensions import db
from lms.notifications import service as preferences
from lms.notifications.digest import queue_weekly_digests
from lms.notifications.kinds import Kind
from tests.factories import make_cycle, make_user
from tests.notifications.conftest import outbox_rows

#: Monday 1 March 2027, 07:30 in Stockholm; the cycle's first session is on Tuesday 2 March
MONDAY_MORNING = datetime(2027, 3, 1, 6, 30, tzinfo=timezone.utc)
SUNDAY = MONDAY_MORNING - timedelta(days=1)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _offered_on_sunday():
    """A full one-seat cycle whose seat frees on Sunday: offered to the one waiting, who chose the digest."""
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=SUNDAY - timedelta(days=30))
    seated = service.enrol(make_user().id, cycle, now=SUNDAY - timedelta(days=20))
    waiting = make_user(locale="en")
    service.enrol(waiting.id, cycle, now=SUNDAY - timedelta(days=10))
    [offer] = service.withdraw(seated, actor_id=seated.user_id, now=SUNDAY)
    preferences.save_preferences(waiting.id, email_reminders=True, reminder_hours=None, now=SUNDAY,
                                 weekly_digest=True)
    return cycle, waiting, offer


def test_an_open_offer_is_in_the_digest_with_its_answer_by_time_and_link(app):
    cycle, _, offer = _offered_on_sunday()
    db.session.commit()

    assert queue_weekly_digests(MONDAY_MORNING) == 1
    [row] = outbox_rows(kind=Kind.WEEKLY_DIGEST.value)
    assert "Offers waiting for your answer" in row.body_text
    assert f"Answer by {offer.expires_at.astimezone(STOCKHOLM):%A} " in row.body_text
    assert "/offers/" in row.body_text and cycle.title in row.body_html


def test_an_offer_that_has_ended_is_not_in_the_digest(app):
    _, waiting, offer = _offered_on_sunday()
    offers.decline_offer(offer, now=SUNDAY + timedelta(hours=1), actor_id=waiting.id)
    db.session.commit()

    queue_weekly_digests(MONDAY_MORNING)
    assert all("Offers waiting" not in row.body_text for row in outbox_rows(kind=Kind.WEEKLY_DIGEST.value))
