"""Telling the deciders of account requests: who, once, in whose language, what the message holds."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from lms.auth.service import find_user_by_email
from lms.db_types import utcnow
from lms.extensions import db
from lms.notifications.models import Notification, OutboxMessage
from lms.notifications.outbox import build_message
from lms.notifications.scheduler import JOBS, run_job
from lms.signup import service
from lms.signup.demo import seed_signup_demo
from lms.signup.notices import notice_key, queue_account_request_notices
from tests.conftest import log_in
from tests.factories import make_organisation, make_user
from tests.notifications.test_query_counts import StatementLog

NOW = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)
EN = {"Accept-Language": "en"}


def _request(address="nina@example.org", organisation=None, *, name="Nina Ny", message="Hej", now=NOW):
    return service.request_account(name=name, email=address, organisation_id=organisation.id if organisation else None,
                                   message=message, locale="sv", now=now)


def _told() -> set[tuple[str, int]]:
    """(dedupe key, person) of every in-app notification; each must have its e-mail under the same key."""
    notifications = set(db.session.execute(select(Notification.dedupe_key, Notification.user_id)).all())
    mails = set(db.session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.user_id)).all())
    assert notifications == mails
    return notifications


def _mail_to(user) -> OutboxMessage:
    return db.session.execute(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).scalar_one()


@pytest.fixture
def people(app):
    own, other = make_organisation("Möllans förening"), make_organisation("Andra föreningen")
    people = {
        "coordinator": make_user(roles=["coordinator"], name="Cecilia", locale="en", password=None),
        "admin": make_user(roles=["admin"], name="Alva", locale="sv", password=None),
        "both": make_user(roles=["admin", "coordinator"], locale="en", password=None),
        "contact": make_user(roles=["organisation_contact", "learner"], organisation=own, password=None),
        "other_contact": make_user(roles=["organisation_contact"], organisation=other, password=None),
        "trainer": make_user(roles=["trainer"], password=None),
        "learner": make_user(organisation=own, password=None),
        "closed": make_user(roles=["coordinator"], password=None),
    }
    people["closed"].active = False
    people["own"], people["other"] = own, other
    db.session.commit()
    return people


def test_everyone_who_may_decide_is_told_once_and_nobody_else(people):
    mine, unaffiliated = _request("a@example.org", people["own"]), _request("b@example.org")
    assert queue_account_request_notices(NOW) == 7
    assert queue_account_request_notices(NOW + timedelta(minutes=1)) == 0
    expected = {(notice_key(r.id, people[who].id), people[who].id)
                for r in (mine, unaffiliated) for who in ("coordinator", "admin", "both")}
    expected.add((notice_key(mine.id, people["contact"].id), people["contact"].id))
    assert _told() == expected
    users = [p for p in people.values() if hasattr(p, "email")]
    assert expected == {(notice_key(r.id, u.id), u.id) for r in (mine, unaffiliated) for u in users
                        if u.is_active and service.can_decide(u, r)}
    assert {row.kind for row in db.session.execute(select(Notification)).scalars()} == {"account_request"}


def test_the_scheduler_job_queues_new_requests_and_nothing_when_run_again(app, people):
    coordinator_id = people["coordinator"].id
    _request(now=utcnow())
    db.session.commit()
    job = next(job for job in JOBS if job.id == "account-request-notices")
    assert run_job(app, job) == 3
    assert run_job(app, job) == 0
    assert len(db.session.execute(select(OutboxMessage).where(OutboxMessage.user_id == coordinator_id)).all()) == 1


def test_a_silently_refused_request_tells_nobody(people):
    make_user("finns@example.org", password=None)
    assert _request("FINNS@example.org") is None
    assert queue_account_request_notices(NOW) == 0
    assert _request("ny@example.org") is not None
    assert _request("NY@example.org", people["own"]) is None  # a second pending one
    assert queue_account_request_notices(NOW) == 3
    assert queue_account_request_notices(NOW) == 0
    assert len(_told()) == 3


def test_a_request_decided_or_older_than_the_look_back_tells_nobody(app, people):
    decided = _request("decided@example.org")
    service.decline(decided, actor_id=people["coordinator"].id, now=NOW)
    hours = app.config["LMS_NOTICE_LOOKBACK_HOURS"]
    _request("old@example.org", now=NOW - timedelta(hours=hours, minutes=1))
    assert queue_account_request_notices(NOW) == 0
    assert queue_account_request_notices(NOW, since=NOW - timedelta(hours=hours + 1)) == 3


def test_each_decider_reads_it_in_their_own_language_with_the_link_to_decide(app, people):
    _request("nina@example.org", people["own"])
    queue_account_request_notices(NOW)
    link = "http://localhost/signup/requests"
    for who, locale, greeting, label in (("coordinator", "en", "Hello Cecilia,", "Name: Nina Ny"),
                                         ("admin", "sv", "Hej Alva,", "Namn: Nina Ny")):
        mail = _mail_to(people[who])
        with force_locale(locale):
            subject = gettext("New account request")
        assert (mail.locale, mail.subject) == (locale, subject)
        assert mail.body_text.startswith(greeting) and label in mail.body_text
        assert f'<html lang="{locale}" dir="ltr">' in mail.body_html
        assert link in mail.body_text and f'<a href="{link}">' in mail.body_html
        [notification] = db.session.execute(
            select(Notification).where(Notification.user_id == people[who].id)).scalars()
        assert (notification.title, notification.link) == (subject, "/signup/requests"), "a path: survives a new base URL"


@pytest.mark.config(LMS_BASE_URL="https://lms.example.org/")
def test_the_message_holds_the_request_plainly_in_text_and_escaped_in_html(people):
    _request("nina@example.org", people["own"], name="Nina <b>Ny</b>\r\nBcc: x@example.org",
             message="Hej!\n<script>alert(1)</script>")
    _request("other@example.org", name="Otto Annan", message="Annat")
    queue_account_request_notices(NOW)
    contact_mail = _mail_to(people["contact"])
    text, html = contact_mail.body_text, contact_mail.body_html
    assert "Nina <b>Ny</b> Bcc: x@example.org" in text and "<script>alert(1)</script>" in text
    assert "Möllans förening" in text and "nina@example.org" in text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Nina &lt;b&gt;Ny&lt;/b&gt;" in html
    assert "Otto" not in text + html and "Annat" not in text + html  # another organisation's request
    assert "https://lms.example.org/signup/requests" in text
    message = build_message(contact_mail)
    assert message["Subject"] == contact_mail.subject and "Bcc" not in message
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed.get_body(("plain",)).get_content() == text


def test_queries_do_not_grow_with_deciders_or_requests(app):
    def statements(at: datetime) -> tuple[int, int]:
        with StatementLog() as log:
            queued = queue_account_request_notices(at)
        db.session.commit()
        return len(log.statements), queued

    def costs(deciders: int, requests: int, at: datetime) -> tuple[int, int, int]:
        for _ in range(deciders):
            make_user(roles=["coordinator"], password=None)
        for _ in range(30 * deciders):
            make_user(password=None)
        for number in range(requests):
            _request(f"asks{deciders}-{number}@example.org", now=at)
        db.session.commit()
        work, queued = statements(at)
        all_told, none = statements(at)
        past, _ = statements(at + timedelta(hours=app.config["LMS_NOTICE_LOOKBACK_HOURS"], minutes=1))
        assert queued > 0 and none == 0
        return work - 2 * queued, all_told, past  # two inserts a message: its e-mail and its notification

    small = costs(2, 2, NOW)
    larger = costs(6, 6, NOW + timedelta(days=10))
    assert small == larger == (4, 4, 1)


def test_the_demo_coordinator_and_contact_are_told_of_the_recent_demo_request(app):
    from lms.demo import ORGANISATIONS

    organisation = make_organisation(ORGANISATIONS[0].name)
    coordinator = make_user(roles=["coordinator"], password=None)
    contact = make_user(roles=["organisation_contact"], organisation=organisation, password=None)
    seed_signup_demo()
    seed_signup_demo()
    told = _told()
    assert {user_id for _, user_id in told} == {coordinator.id, contact.id}
    assert len(told) == 2


def test_the_public_form_leads_to_a_mail_and_a_notification_for_the_coordinator(app, client, outbox):
    make_user("samordnare@example.org", roles=["coordinator"], name="Cecilia", locale="en")
    make_user("finns@example.org")
    db.session.commit()
    response = client.post("/signup", headers=EN, data={
        "name": "Nina <i>Ny</i>", "email": "nina@example.org", "organisation": 0, "message": "Jag vill gå kursen."})
    assert response.status_code == 302
    client.post("/signup", headers=EN, data={"name": "Finns", "email": "finns@example.org", "organisation": 0})
    for job_id in ("account-request-notices", "outbox-dispatch"):
        run_job(app, next(job for job in JOBS if job.id == job_id))
    [mail] = outbox.messages()
    assert mail["To"] == "samordnare@example.org" and mail["Subject"] == "New account request"
    body = mail.get_body(("plain",)).get_content()
    assert "Nina <i>Ny</i>" in body and "nina@example.org" in body and "Jag vill gå kursen." in body
    assert "finns@example.org" not in body
    assert outbox.links()[0] == "http://localhost/signup/requests"

    log_in(client, "samordnare@example.org")
    inbox = client.get("/notifications", headers=EN).text
    assert "New account request" in inbox and 'href="/signup/requests"' in inbox
    assert "Account request" in inbox and "1 unread notification" in inbox
    page = client.get("/signup/requests", headers=EN).text
    assert "Nina &lt;i&gt;Ny&lt;/i&gt;" in page and "finns@example.org" not in page
    assert find_user_by_email("nina@example.org") is None
