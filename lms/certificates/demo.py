"""Demo certificates: learners of the finished cycle who did the work get theirs; one is revoked."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.service import mark_module_done
from lms.certificates import service
from lms.db_types import utcnow
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus
from lms.quizzes import service as quizzes
from lms.quizzes.demo import right_response

DILIGENT = 10  # the first ten learners of the finished cycle did every module
REVOKED_REASON = "Utfärdat av misstag: deltagaren bytte till vårens omgång."


def seed_certificates_demo(learner_emails: list[str]) -> None:
    cycle = db.session.execute(
        select(Cycle).where(Cycle.status == CycleStatus.FINISHED).order_by(Cycle.id)
    ).scalars().first()
    if cycle is None:
        return
    now = utcnow()
    learners = _enrolled(cycle, learner_emails[:DILIGENT])
    for learner in learners:
        _do_every_module(learner, cycle, now - timedelta(days=3))
    service.sweep(now)
    demo_learner = learners[0] if learners else None
    if demo_learner is not None and service.existing_certificate(demo_learner.id, cycle.id) is None:
        service.issue_certificate(demo_learner.id, cycle.id, now, reason="Närvaro registrerad på papperslista.")
    _revoke_one(cycle, learners, now)


def _enrolled(cycle: Cycle, emails: list[str]) -> list[User]:
    users = db.session.execute(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cycle_id == cycle.id, User.email.in_(emails),
               Enrolment.status.in_([EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]))
    ).scalars().all()
    order = {email: index for index, email in enumerate(emails)}
    return sorted(users, key=lambda user: order[user.email])


def _do_every_module(learner: User, cycle: Cycle, when) -> None:  # type: ignore[no-untyped-def]
    for module in cycle.course.modules:
        quiz = quizzes.quiz_for_module(module.id) if module.quiz_file else None
        if quiz is None:
            mark_module_done(learner.id, module)
        elif not any(a.passed for a in quizzes.attempts_of(learner.id, quiz.id)):
            attempt = quizzes.start_attempt(quiz, learner.id, when)
            answers = {q.id: right_response(q) for q in quizzes.attempt_questions(attempt)}
            quizzes.save_answers(attempt, answers, when)
            quizzes.submit_attempt(attempt, when + timedelta(minutes=7))


def _revoke_one(cycle: Cycle, learners: list[User], now) -> None:  # type: ignore[no-untyped-def]
    if len(learners) < 2:
        return
    certificate = service.existing_certificate(learners[-1].id, cycle.id)
    if certificate is not None and not certificate.revoked:
        service.revoke_certificate(certificate, REVOKED_REASON, None, now)
