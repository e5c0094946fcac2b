"""Renewal by a quiz alone (course.yaml `validity: renewed_by: quiz`, lms/catalog/validity.py).

The course names one of its modules whose quiz is the refresher. While a certificate's current
period (not revoked, not renewed) has its recertification window open, and until
`quiz_grace_days` after it ended, passing that quiz (its own pass mark and attempt rules) adds a
new period to the same certificate: it renews the old period (`renews_period_id`, UNIQUE, so two
passes at the same moment renew once, on SQLite and PostgreSQL alike), its end worked out by the
course's `expiry_from` rule as for a renewal by a course, and names the attempt. The old period is
never rewritten. The verification page and the signed credential read the latest period.

A pass is an event (`QUIZ_PASSED`, lms/quizzes/service.py); its consumer renews when the rules
allow it and does nothing otherwise. The renewal page says where the learner stands.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.catalog.models import Course, Module
from lms.catalog.validity import DEFAULT_QUIZ_GRACE_DAYS, renewed_by_quiz
from lms.certificates.models import CertificateValidityPeriod as Period
from lms.certificates.renewals import current_periods
from lms.certificates.service import CertificateError
from lms.certificates.validity import last_valid_day, period_end
from lms.core.formatting import date_text
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizAttempt


class QuizRenewalState(str, enum.Enum):
    NOT_YET = "not_yet"  # the window opens later
    OPEN = "open"  # passing the quiz renews
    TOO_LATE = "too_late"  # ended more than quiz_grace_days ago: the full course renews it


@dataclass(frozen=True)
class QuizRenewal:
    """Where a certificate stands for a renewal by quiz, as plain values."""

    certificate_id: int
    period_id: int
    course_id: int
    course_slug: str
    course_title: str
    module_slug: str
    quiz_id: int
    window_opens_at: datetime
    valid_until: datetime
    closes_at: datetime  # the last moment a pass still renews
    grace_days: int
    state: QuizRenewalState

    @property
    def last_day(self) -> date | None:
        return last_valid_day(self.valid_until)

    @property
    def opens_day(self) -> date | None:
        return last_valid_day(self.window_opens_at + timedelta(seconds=1))

    @property
    def closes_day(self) -> date | None:
        return last_valid_day(self.closes_at)


def state_at(period: Period, grace_days: int, now: datetime) -> QuizRenewalState:
    if period.window_opens_at is not None and now < period.window_opens_at:
        return QuizRenewalState.NOT_YET
    if now >= period.valid_until + timedelta(days=grace_days):
        return QuizRenewalState.TOO_LATE
    return QuizRenewalState.OPEN


def quiz_renewals_of(user_id: int, now: datetime, *, module_id: int | None = None) -> dict[int, QuizRenewal]:
    """The learner's current periods of courses renewed by a quiz, by certificate id (or only those
    the quiz of `module_id` renews), in two queries however many there are."""
    rows = db.session.execute(current_periods().add_columns(Course)
                              .join(Course, Course.id == Period.course_id).where(Period.user_id == user_id)).all()
    rows = [(period, course) for period, course in rows if renewed_by_quiz(course.validity)]
    if not rows:
        return {}
    quizzes = {(course_id, slug): (module, quiz_id) for module, course_id, slug, quiz_id in db.session.execute(
        select(Module, Module.course_id, Module.slug, Quiz.id).join(Quiz, Quiz.module_id == Module.id)
        .where(Module.course_id.in_({course.id for _p, course in rows})))}
    found = {}
    for period, course in rows:
        module, quiz_id = quizzes.get((course.id, course.validity["quiz"]), (None, None))
        if module is None or (module_id is not None and module.id != module_id):
            continue
        grace = int(course.validity.get("quiz_grace_days", DEFAULT_QUIZ_GRACE_DAYS))
        found[period.certificate_id] = QuizRenewal(
            certificate_id=period.certificate_id, period_id=period.id, course_id=course.id,
            course_slug=course.slug, course_title=course.title, module_slug=module.slug, quiz_id=quiz_id,
            window_opens_at=period.window_opens_at or period.valid_from, valid_until=period.valid_until,
            closes_at=period.valid_until + timedelta(days=grace), grace_days=grace,
            state=state_at(period, grace, now))
    return found


def refusal(renewal: QuizRenewal) -> str | None:
    """Why passing the quiz would not renew the certificate now, in the learner's words; None: it would."""
    if renewal.state is QuizRenewalState.NOT_YET:
        return str(_l("The renewal quiz opens on %(date)s, when your certificate's renewal window opens.",
                      date=date_text(renewal.opens_day)))
    if renewal.state is QuizRenewalState.TOO_LATE:
        return str(_l("Your certificate expired on %(date)s, more than %(days)d days ago: the quiz alone no "
                      "longer renews it. Take the course again to renew it.",
                      date=date_text(renewal.last_day), days=renewal.grace_days))
    return None


def next_last_day(renewal: QuizRenewal, now: datetime) -> date | None:
    """The last valid day a pass now would give (the course's expiry_from rule), for the page."""
    until, _basis = period_end(db.session.get(Course, renewal.course_id).validity, now,
                               db.session.get(Period, renewal.period_id))
    return last_valid_day(until)


def renew_by_quiz(attempt: QuizAttempt, now: datetime) -> Period:
    """The period a passed refresher quiz adds; the one it added already when asked again.

    Refuses (CertificateError, in plain words) a quiz not passed, a learner with no certificate the
    quiz renews, a window not open yet and a certificate ended more than the grace days ago.
    """
    done = db.session.execute(select(Period).where(Period.quiz_attempt_id == attempt.id)).scalar_one_or_none()
    if done is not None:
        return done
    if not attempt.passed:
        raise CertificateError(_l("Only a passed quiz renews a certificate."))
    module = db.session.get(Module, attempt.quiz.module_id)
    renewals = sorted(quiz_renewals_of(attempt.user_id, now, module_id=module.id).values(),
                      key=lambda renewal: renewal.valid_until, reverse=True)
    if not renewals:
        raise CertificateError(_l("You hold no certificate that this quiz renews."))
    renewal = renewals[0]
    reason = refusal(renewal)
    if reason is not None:
        raise CertificateError(reason)
    previous = db.session.get(Period, renewal.period_id)
    rule = db.session.get(Course, renewal.course_id).validity
    until, basis = period_end(rule, now, previous)
    period = Period(certificate_id=previous.certificate_id, user_id=previous.user_id, course_id=previous.course_id,
                    valid_from=now, valid_until=until,
                    window_opens_at=until - timedelta(days=int(rule.get("window_days") or 0)), basis=basis,
                    renews_period_id=previous.id, quiz_attempt_id=attempt.id, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(period)
    except IntegrityError:
        # renewed at the same moment by another pass: that renewal stands
        return db.session.execute(select(Period).where(Period.renews_period_id == previous.id)).scalar_one()
    return period


def renew_after_pass(attempt_id: int, now: datetime) -> Period | None:
    """The consumer of a pass: renew when the rules allow it, else nothing (the page says why)."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or not attempt.passed:
        return None
    try:
        return renew_by_quiz(attempt, now)
    except CertificateError:
        return None


def renewal_by_attempt(attempt_id: int) -> Period | None:
    """The period an attempt added, if it renewed a certificate (the quiz's result page says so)."""
    return db.session.execute(select(Period).where(Period.quiz_attempt_id == attempt_id)).scalar_one_or_none()
