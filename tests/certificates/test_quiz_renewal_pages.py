"""Renewal by a quiz through HTTP: the reminder's link, the renewal page, the quiz, the new
validity on the certificates page and the public verification page; refusals in plain words."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from lms.certificates import service
from lms.certificates.validity import history_of, last_valid_day
from lms.db_types import utcnow
from lms.extensions import db
from lms.notifications.models import OutboxMessage
from lms.notifications.renewals import queue_renewal_reminders
from lms.quizzes import service as quizzes
from lms.quizzes.models import QuizAttempt
from tests.certificates.test_pages import client_for
from tests.certificates.test_quiz_renewals import RULE, add_refresher
from tests.factories import make_user
from tests.quizzes.factories import right_response, wrong_response

EN = {"Accept-Language": "en"}


def shown(day) -> str:
    return format_date(day, "d MMM y", locale="en")


def _holder(setting, *, issued_days_ago: int):
    setting.course.validity = dict(RULE)
    quiz = add_refresher(setting.course)
    learner = setting.enrol("Anna Berg", attended=5, locale="en")
    certificate = service.issue_certificate(learner.id, setting.cycle.id, utcnow() - timedelta(days=issued_days_ago))
    db.session.commit()
    return certificate, quiz


@pytest.fixture
def in_the_window(setting):
    """Issued 330 days ago: it ends in about 35 days, its 60-day window is open."""
    return _holder(setting, issued_days_ago=330)


def _pass(client, quiz, *, right=True):
    started = client.post(f"/courses/{quiz.module.course.slug}/modules/{quiz.module.slug}/quiz")
    attempt = db.session.get(QuizAttempt, int(started.headers["Location"].rsplit("/", 1)[1]))
    chooser = right_response if right else wrong_response
    form = {f"q{q.id}": chooser(q) for q in quizzes.attempt_questions(attempt)}
    submitted = client.post(f"/quiz/attempts/{attempt.id}", data={**form, "submit": "1", "confirm_unanswered": "1"})
    return client.get(submitted.headers["Location"], headers=EN).text


def test_the_reminder_links_to_the_quiz_and_passing_it_renews_the_certificate(app, in_the_window):
    certificate, quiz = in_the_window
    old_end = last_valid_day(history_of(certificate)[0].valid_until)
    assert queue_renewal_reminders(utcnow()) == 1
    [mail] = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "renewal_reminder")).scalars()
    assert "A short quiz renews it" in mail.body_text and "No cycle to renew in" not in mail.body_text
    link = re.search(r"http://localhost(/my/certificates/\d+/renew-by-quiz)", mail.body_text).group(1)

    owner = client_for(app, certificate.user)
    mine = owner.get("/my/certificates", headers=EN).text
    assert "Renew with a quiz" in mine and link in mine
    page = owner.get(link, headers=EN).text
    assert "Take the renewal quiz" in page and f"valid until {shown(old_end.replace(year=old_end.year + 1))}" in page

    failed = _pass(owner, quiz, right=False)
    assert "is needed to pass" in failed and "Your certificate is renewed" not in failed
    assert len(history_of(certificate)) == 1
    result = _pass(owner, quiz)  # tried again, per the quiz's attempt rules (no limit)
    new_end = old_end.replace(year=old_end.year + 1)  # expiry_from: previous_expiry
    assert f"Your certificate is renewed: valid until {shown(new_end)}" in result

    mine = owner.get("/my/certificates", headers=EN).text
    assert f"Valid until {shown(new_end)}" in mine and "by a refresher quiz" in mine and "Renew with a quiz" not in mine
    verified = client_for(app, make_user(locale="en")).get(f"/verify/{certificate.code}", headers=EN).text
    assert f"valid until {shown(new_end)}" in verified and "by a refresher quiz" in verified
    assert "Earlier periods of validity" in verified and shown(old_end) in verified  # the history kept
    anonymous = app.test_client().get(f"/verify/{certificate.code}").text  # without log-in, in Swedish
    assert format_date(new_end, "d MMM y", locale="sv") in anonymous
    old, new = history_of(certificate)
    assert last_valid_day(old.valid_until) == old_end and new.renews_period_id == old.id


def test_the_renewal_page_is_the_holders_own(app, in_the_window):
    certificate, _quiz = in_the_window
    stranger = client_for(app, make_user(locale="en"))
    assert stranger.get(f"/my/certificates/{certificate.id}/renew-by-quiz").status_code == 404
    assert app.test_client().get(f"/my/certificates/{certificate.id}/renew-by-quiz").status_code == 302


def test_before_the_window_the_page_says_when_it_opens(app, setting):
    certificate, _quiz = _holder(setting, issued_days_ago=10)
    owner = client_for(app, certificate.user)
    assert "Renew with a quiz" not in owner.get("/my/certificates", headers=EN).text
    page = owner.get(f"/my/certificates/{certificate.id}/renew-by-quiz", headers=EN).text
    assert "The renewal quiz opens on" in page and "Take the renewal quiz" not in page


def test_expired_beyond_the_grace_the_page_refuses_and_offers_the_course(app, setting):
    certificate, quiz = _holder(setting, issued_days_ago=365 + 45)  # ended about 45 days ago; grace 30
    owner = client_for(app, certificate.user)
    page = owner.get(f"/my/certificates/{certificate.id}/renew-by-quiz", headers=EN).text
    assert "more than 30 days ago: the quiz alone no longer renews it" in page and "Take the course again" in page
    result = _pass(owner, quiz)
    assert "You passed" in result and "Your certificate is renewed" not in result
    assert len(history_of(certificate)) == 1
