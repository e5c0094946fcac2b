"""Renewal by a quiz alone, with frozen time: the window, one renewal per period (also when two
passes come at once), the grace after expiry, the history kept and the credential's new validity."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.certificates import service
from lms.certificates.models import CertificateValidityPeriod, ExpiryBasis
from lms.certificates.quiz_renewals import QuizRenewalState, quiz_renewals_of, renew_after_pass, renew_by_quiz
from lms.certificates.validity import Status, history_of, validity_of
from lms.extensions import db
from lms.quizzes import service as quizzes
from lms.quizzes.content import QuizSettings, QuizSource
from lms.quizzes.gift import parse_gift
from lms.quizzes.importing import sync_quiz
from lms.quizzes.models import QuizAttempt
from tests.certificates.conftest import AFTER_THE_CYCLE
from tests.quizzes.factories import right_response, wrong_response

GIFT = "::Roller::Vem leder styrelsens arbete?{=Ordföranden ~Kassören ~Revisorn}\n\n::Skåne::Malmö ligger i Skåne.{T}\n"
RULE = {"months": 12, "window_days": 60, "expiry_from": "previous_expiry", "renewed_by": "quiz",
        "quiz": "09-repetition", "quiz_grace_days": 30}
#: issued 1 March 2027 at 12:00 UTC: valid until 1 March 2028, the window opens 1 January 2028
EXPIRES = datetime(2028, 3, 1, 12, 0, tzinfo=timezone.utc)
IN_THE_WINDOW = datetime(2028, 2, 1, 12, 0, tzinfo=timezone.utc)


def add_refresher(course, *, attempts: int = 0):
    """An optional module of the course whose quiz renews its certificate."""
    from lms.catalog.models import Module

    module = Module(course_id=course.id, slug="09-repetition", position=9, title="Repetition", body="Text.",
                    body_html="<p>Text.</p>", minutes=10, required=False, quiz_file="09-repetition.gift")
    db.session.add(module)
    db.session.flush()
    questions, errors = parse_gift(GIFT)
    assert not errors
    source = QuizSource(file="09-repetition.gift", hash=hashlib.sha256(GIFT.encode()).hexdigest(),
                        settings=QuizSettings(pass_mark=100, attempts=attempts, shuffle=False), questions=questions)
    quiz = sync_quiz(module, source)
    db.session.flush()
    return quiz


@pytest.fixture
def holder(setting):
    """Anna's certificate of a yearly course renewed by its refresher quiz."""
    setting.course.validity = dict(RULE)
    quiz = add_refresher(setting.course)
    learner = setting.enrol("Anna Berg", attended=5)
    certificate = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    db.session.commit()
    return certificate, quiz


def take(quiz, user_id: int, now: datetime, *, right: bool = True) -> QuizAttempt:
    attempt = quizzes.start_attempt(quiz, user_id, now)
    chooser = right_response if right else wrong_response
    quizzes.save_answers(attempt, {q.id: chooser(q) for q in quizzes.attempt_questions(attempt)}, now)
    quizzes.submit_attempt(attempt, now)
    return attempt


def test_before_the_window_opens_there_is_no_quiz_link_and_a_pass_does_not_renew(holder):
    certificate, quiz = holder
    early = datetime(2027, 12, 1, 12, 0, tzinfo=timezone.utc)
    assert quiz_renewals_of(certificate.user_id, early)[certificate.id].state is QuizRenewalState.NOT_YET
    attempt = take(quiz, certificate.user_id, early)
    assert attempt.passed
    with force_locale("en"), pytest.raises(service.CertificateError, match="opens on"):
        renew_by_quiz(attempt, early)
    assert renew_after_pass(attempt.id, early) is None
    assert len(history_of(certificate)) == 1


def test_in_the_window_a_pass_renews_once_and_keeps_the_old_period(holder):
    certificate, quiz = holder
    assert quiz_renewals_of(certificate.user_id, IN_THE_WINDOW)[certificate.id].state is QuizRenewalState.OPEN
    failed = take(quiz, certificate.user_id, IN_THE_WINDOW, right=False)
    assert failed.passed is False
    with force_locale("en"), pytest.raises(service.CertificateError, match="passed"):
        renew_by_quiz(failed, IN_THE_WINDOW)
    passed = take(quiz, certificate.user_id, IN_THE_WINDOW + timedelta(minutes=5))  # tried again
    new = renew_by_quiz(passed, IN_THE_WINDOW + timedelta(minutes=5))
    assert renew_by_quiz(passed, IN_THE_WINDOW + timedelta(hours=1)).id == new.id  # asked again: the same
    old, renewed = history_of(certificate)
    assert (old.valid_from, old.valid_until) == (AFTER_THE_CYCLE, EXPIRES)  # never rewritten
    assert renewed.renews_period_id == old.id and renewed.quiz_attempt_id == passed.id
    assert renewed.basis is ExpiryBasis.PREVIOUS_EXPIRY and renewed.valid_until == EXPIRES.replace(year=2029)
    standing = validity_of(certificate, IN_THE_WINDOW + timedelta(days=1))
    assert standing.status is Status.VALID and standing.last_day == date(2029, 3, 1) and standing.renewed_by_quiz
    # the new period is not in its own window: no quiz link until then
    assert quiz_renewals_of(certificate.user_id, IN_THE_WINDOW)[certificate.id].state is QuizRenewalState.NOT_YET
    third = take(quiz, certificate.user_id, IN_THE_WINDOW + timedelta(days=2))
    with force_locale("en"), pytest.raises(service.CertificateError, match="opens on"):
        renew_by_quiz(third, IN_THE_WINDOW + timedelta(days=2))


def test_the_signed_credential_and_the_pdf_carry_the_new_validity(holder):
    from lms.certificates import credentials, documents

    certificate, quiz = holder
    renew_by_quiz(take(quiz, certificate.user_id, IN_THE_WINDOW), IN_THE_WINDOW)
    db.session.commit()
    valid_from, valid_until = credentials.credential_validity(certificate)
    assert (valid_from, valid_until) == (IN_THE_WINDOW, EXPIRES.replace(year=2029))
    document = credentials.credential(certificate)
    assert document["validUntil"].startswith("2029-03-01") and document["validFrom"].startswith("2028-02-01")
    assert "2029" in documents._valid_until_text(certificate, "sv")
    assert "-r" in documents.cache_path(certificate, documents._design(certificate)).name  # a new PDF


def test_two_passes_at_the_same_moment_renew_once(app, holder):
    from tests.conftest import run_in_threads

    certificate, quiz = holder
    attempts = [take(quiz, certificate.user_id, IN_THE_WINDOW + timedelta(seconds=i)) for i in range(2)]
    db.session.commit()
    ids = [a.id for a in attempts]
    errors = run_in_threads(app, 2, lambda index: renew_after_pass(ids[index], IN_THE_WINDOW))
    assert errors == []
    periods = db.session.execute(select(func.count(CertificateValidityPeriod.id)).where(
        CertificateValidityPeriod.certificate_id == certificate.id)).scalar_one()
    assert periods == 2  # the first and one renewal
    assert validity_of(certificate, IN_THE_WINDOW).last_day == date(2029, 3, 1)


def test_a_pass_within_the_grace_after_expiry_still_renews_from_that_day(holder):
    certificate, quiz = holder
    late = EXPIRES + timedelta(days=20)
    renewed = renew_by_quiz(take(quiz, certificate.user_id, late), late)
    assert renewed.basis is ExpiryBasis.COMPLETION and renewed.valid_until == late.replace(year=2029)


def test_expired_beyond_the_grace_is_refused_with_a_clear_message(holder):
    certificate, quiz = holder
    too_late = EXPIRES + timedelta(days=31)
    renewal = quiz_renewals_of(certificate.user_id, too_late)[certificate.id]
    assert renewal.state is QuizRenewalState.TOO_LATE
    attempt = take(quiz, certificate.user_id, too_late)
    with pytest.raises(service.CertificateError) as refused:
        renew_by_quiz(attempt, too_late)
    assert "mer än 30 dagar sedan" in str(refused.value) or "more than 30 days ago" in str(refused.value)
    assert len(history_of(certificate)) == 1


def test_a_revoked_certificate_is_not_renewed_by_the_quiz(holder):
    certificate, quiz = holder
    service.revoke_certificate(certificate, "Fel person.", None, IN_THE_WINDOW - timedelta(days=1))
    attempt = take(quiz, certificate.user_id, IN_THE_WINDOW)
    with pytest.raises(service.CertificateError, match="no certificate|inget intyg"):
        renew_by_quiz(attempt, IN_THE_WINDOW)


def test_the_pass_event_renews_after_commit(app, holder):
    from lms.core.unit_of_work import unit_of_work

    certificate, quiz = holder
    with unit_of_work():  # as a request does: the consumer of QUIZ_PASSED runs after the commit
        take(quiz, certificate.user_id, IN_THE_WINDOW)
    db.session.expire_all()
    assert len(history_of(certificate)) == 2
