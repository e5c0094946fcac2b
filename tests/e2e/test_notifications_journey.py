"""A learner reads a notification and chooses her reminders; an admin retries a failed e-mail."""
import re

import pytest
from sqlalchemy import select

from lms.auth.service import find_user_by_email
from lms.db_types import utcnow
from lms.demo import DEMO_PASSWORD, learner_email
from lms.extensions import db
from lms.notifications.models import MessageStatus, Notification, NotificationPreference, OutboxMessage


@pytest.fixture
def moved_notice(live_server):
    """A fresh, unread notice for the demo learner, as the change tick would leave it."""
    with live_server.app.app_context():
        anna = find_user_by_email(learner_email(0))
        db.session.add(Notification(user_id=anna.id, kind="session_moved", dedupe_key=f"e2e:moved:{utcnow()}",
                                    title="Flyttat: Föreningens ekonomi är nu ons 2 dec 18:00",
                                    link="/my/schedule", created_at=utcnow()))
        db.session.commit()
        yield anna.id
        db.session.remove()


def log_out(browse):
    browse.submit(lambda: browse.page.get_by_role("button", name="Logga ut").click())


def test_a_learner_reads_a_notification_and_chooses_her_reminders(browse, moved_notice, live_server, page):
    browse.log_in(learner_email(0), DEMO_PASSWORD)
    link = browse.menu_link(re.compile(r"^Aviseringar"))
    assert re.search(r"\d+ olästa?", link.inner_text() + link.text_content())
    browse.submit(lambda: link.click())
    item = page.get_by_role("listitem").filter(has_text="Flyttat: Föreningens ekonomi")
    assert "Oläst" in item.inner_text()
    browse.submit(lambda: item.get_by_role("button", name=re.compile("Markera som läst")).click())
    item = page.get_by_role("listitem").filter(has_text="Flyttat: Föreningens ekonomi")
    assert "Oläst" not in item.inner_text()

    browse.submit(lambda: page.get_by_role("link", name="Inställningar för aviseringar").click())
    page.get_by_label("Skicka påminnelser till mig med e-post").uncheck()
    page.get_by_label("Vid de tider jag kryssar i nedan").check()
    page.get_by_label("48 timmar före").check()
    browse.submit(lambda: page.get_by_role("button", name="Spara").click())
    assert "sparade" in page.get_by_role("status").first.inner_text()
    assert page.get_by_label("48 timmar före").is_checked()
    with live_server.app.app_context():
        stored = db.session.get(NotificationPreference, moved_notice)
        assert (stored.email_reminders, stored.reminder_hours) == (False, [48])
        db.session.remove()
    log_out(browse)


def test_an_admin_sees_the_outbox_and_retries_a_failed_message(browse, live_server, page):
    with live_server.app.app_context():
        failed_id = db.session.execute(
            select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.FAILED)
        ).scalars().first()
        db.session.remove()
    assert failed_id is not None, "the demo has a failed message"
    with live_server.app.app_context():
        failed_subject = db.session.get(OutboxMessage, failed_id).subject
        db.session.remove()
    browse.log_in(*live_server.logins["admin"])
    browse.submit(lambda: browse.menu_link("Utkorg").click())
    failed = page.get_by_role("table", name="Misslyckade och fastnade meddelanden")
    row = failed.get_by_role("row").filter(has_text="Mailbox unavailable").filter(has_text=failed_subject)
    assert row.count() == 1
    browse.submit(lambda: row.get_by_role("button", name=re.compile("Försök igen")).click())
    assert "skickas igen" in page.get_by_role("status").first.inner_text()
    assert failed.get_by_role("row").filter(has_text=failed_subject).count() == 0
    with live_server.app.app_context():
        assert db.session.get(OutboxMessage, failed_id).status is MessageStatus.PENDING
        db.session.remove()
    log_out(browse)
