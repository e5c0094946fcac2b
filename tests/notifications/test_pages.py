"""Notification pages over HTTP: a person's own list and settings, one-click unsubscribe, the
admins' outbox with its retry button, and a cycle's reminders; permissions and CSRF for each.
"""
import re
from datetime import timedelta

import pytest

from lms.extensions import db
from lms.notifications import service
from lms.notifications.kinds import Kind
from lms.notifications.models import MessageStatus, Notification, NotificationPreference
from lms.notifications.outbox import dispatch
from tests.conftest import log_in
from tests.factories import make_cycle, make_user
from tests.notifications.conftest import NOW, RecordingTransport, queue_plain


def _notify(user, title, key, read=False):
    db.session.add(Notification(user_id=user.id, kind="reminder", dedupe_key=key, title=title,
                                link="/my/schedule", created_at=NOW, read_at=NOW if read else None))
    db.session.commit()


def test_the_list_shows_only_my_notifications_and_the_menu_counts_the_unread(learner_client):
    me = learner_client.user
    other = make_user()
    _notify(me, "Påminnelse: Föreningsekonomi tis 2 mars", "a")
    _notify(me, "Du är antagen: Styrelsearbete", "b", read=True)
    _notify(other, "Someone else's secret", "c")
    page = learner_client.get("/notifications").text
    assert "Påminnelse: Föreningsekonomi" in page and "Du är antagen" in page
    assert "Someone else" not in page
    assert "1 unread notification" in page
    assert 'badge--count' in learner_client.get("/").text  # the menu shows the count everywhere


def test_marking_read_one_and_all(learner_client):
    me = learner_client.user
    _notify(me, "Första", "a")
    _notify(me, "Andra", "b")
    first = db.session.query(Notification).filter_by(dedupe_key="a").one()
    assert learner_client.post(f"/notifications/{first.id}/read").status_code == 302
    assert service.unread_count(me.id) == 1
    assert learner_client.post("/notifications/read").status_code == 302
    assert service.unread_count(me.id) == 0


def test_nobody_marks_another_persons_notification(learner_client):
    other = make_user()
    _notify(other, "Inte din", "x")
    theirs = db.session.query(Notification).one()
    assert learner_client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert service.unread_count(other.id) == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    for path in ("/notifications", "/notifications/preferences", "/notifications/outbox"):
        assert client.get(path).headers["Location"].startswith("/login")


def test_preferences_are_saved_and_shown_again(learner_client):
    me = learner_client.user
    page = learner_client.get("/notifications/preferences").text
    assert "Changes to your sessions, cancellations and answers" in page
    response = learner_client.post("/notifications/preferences", data={
        "reminder_plan": "own", "hours": ["48", "2"]})  # the e-mail box left unticked
    assert response.status_code == 302
    stored = db.session.get(NotificationPreference, me.id)
    assert stored.email_reminders is False and stored.reminder_hours == [48, 2]
    page = learner_client.get("/notifications/preferences").text
    assert re.search(r'<input checked[^>]*value="own"', page)
    assert re.search(r'<input checked[^>]*value="48"', page) and not re.search(r'<input checked[^>]*value="24"', page)


def test_own_lead_times_need_at_least_one_time(learner_client):
    response = learner_client.post("/notifications/preferences", data={"reminder_plan": "own"})
    assert response.status_code == 200 and "Tick at least one lead time" in response.text
    assert db.session.get(NotificationPreference, learner_client.user.id) is None


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_one_click_unsubscribe_works_without_log_in_or_csrf_token(app, client):
    person = make_user()
    db.session.commit()
    token = service.unsubscribe_token(person.id, Kind.REMINDER)
    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200
    assert db.session.get(NotificationPreference, person.id) is None  # GET changes nothing
    response = client.post(f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(NotificationPreference, person.id).email_reminders is False
    assert client.post("/notifications/unsubscribe/forged-token").status_code == 400


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_other_forms_refuse_posts_without_a_csrf_token(app):
    person = make_user(roles=["admin"])
    db.session.commit()
    client = app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert log_in(client, person.email).status_code in (302, 400)
    client.post("/login", data={"email": person.email, "password": "correct horse battery",
                                "csrf_token": token})
    for path, data in [("/notifications/read", {}), ("/notifications/preferences", {"reminder_plan": "none"}),
                       ("/notifications/outbox/1/retry", {}), ("/notifications/1/read", {})]:
        assert client.post(path, data=data).status_code == 400, path


def test_only_admins_see_the_outbox(learner_client, coordinator_client, admin_client):
    assert learner_client.get("/notifications/outbox").status_code == 403
    assert coordinator_client.get("/notifications/outbox").status_code == 403
    assert coordinator_client.post("/notifications/outbox/1/retry").status_code == 403
    assert admin_client.get("/notifications/outbox").status_code == 200


def test_the_admin_sees_a_failed_message_and_retries_it(admin_client):
    [message_id] = queue_plain(1)
    broken = RecordingTransport(fail=ConnectionRefusedError("550 mailbox unavailable"))
    now = NOW
    for _ in range(8):
        dispatch(broken, now)
        now += timedelta(days=1)
    page = admin_client.get("/notifications/outbox").text
    assert "550 mailbox unavailable" in page and "person0@example.org" in page
    response = admin_client.post(f"/notifications/outbox/{message_id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    from lms.notifications.models import OutboxMessage

    row = db.session.get(OutboxMessage, message_id)
    assert row.status is MessageStatus.PENDING and row.attempts == 0
    again = admin_client.post(f"/notifications/outbox/{message_id}/retry", follow_redirects=True)
    assert "Only failed or stuck messages can be retried." in again.text


def test_coordinators_set_a_cycles_reminders(coordinator_client, learner_client, trainer_client):
    cycle = make_cycle(now=NOW)
    db.session.commit()
    path = f"/cycles/{cycle.id}/reminders"
    assert learner_client.get(path).status_code == 403
    assert trainer_client.post(path, data={"hours": ["72"]}).status_code == 403
    page = coordinator_client.get(path).text
    assert re.search(r'<input checked[^>]*value="24"', page) and re.search(r'<input checked[^>]*value="2"', page)
    assert coordinator_client.post(path, data={"hours": ["72", "1"]}).status_code == 302
    assert service.cycle_reminder_hours([cycle.id]) == {cycle.id: [72, 1]}
    assert coordinator_client.get("/cycles/999999/reminders").status_code == 404
