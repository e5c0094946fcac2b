"""Demo certificates: learners of the finished cycle who did the work get theirs; one is revoked."""
from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Course
from lms.catalog.service import mark_module_done
from lms.certificates import keys, service
from lms.certificates.sweep import full_sweep
from lms.db_types import utcnow
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus
from lms.quizzes import service as quizzes
from lms.quizzes.demo import right_response

DILIGENT = 10  # the first ten learners of the finished cycle did every module
REVOKED_REASON = "Utfärdat av misstag: deltagaren bytte till vårens omgång."


def seed_certificates_demo(learner_emails: list[str]) -> None:
    keys.key_ring(now=utcnow())  # the demo's signing key for the credentials, generated once
    cycle = db.session.execute(
        select(Cycle).where(Cycle.status == CycleStatus.FINISHED).order_by(Cycle.id)
    ).scalars().first()
    if cycle is None:
        return
    now = utcnow()
    learners = _enrolled(cycle, learner_emails[:DILIGENT])
    for learner in learners:
        _do_every_module(learner, cycle, now - timedelta(days=3))
    full_sweep(now)  # also leaves the marks: the demo's scheduler ticks look only at what changes
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


# --- renewals: GDPR certificates of Möllans learners, valid, expiring, expired and renewed ----------

RENEWAL_COURSE = "gdpr-for-foreningar"
#: (days ago the certificate was issued, days ago a renewal was issued or None), by learner index
#: among the Möllan learners: the first one is the demo learner (expires within 30 days)
RENEWAL_STORIES = ((350, None), (400, None), (200, None), (390, 20), (345, None))


def seed_renewals_demo(learner_emails: list[str]) -> None:
    """Two earlier GDPR cycles and their certificates, dated so that today some are valid, some
    expire within 30 days, one has expired and one was renewed; then the renewal reminders due."""
    from lms.notifications.renewals import queue_renewal_reminders

    course = db.session.execute(select(Course).where(Course.slug == RENEWAL_COURSE)).scalar_one_or_none()
    if course is None or not course.validity:
        return
    now = utcnow()
    mollan = [e for e in learner_emails if e.endswith("@mollankultur.example")][:len(RENEWAL_STORIES)]
    learners = {u.email: u for u in db.session.execute(select(User).where(User.email.in_(mollan))).scalars()}
    earlier = _past_cycle(course, "Hösten 2025 (GDPR-dag)", now - timedelta(days=420), now)
    later = _past_cycle(course, "Hösten 2026 (repetition)", now - timedelta(days=50), now)
    # the next cycle starts after the December expiries: reminders name it, and the dashboard
    # says that nothing is planned for those who expire before it
    _past_cycle(course, "Vintern 2027 (förnyelse)", now + timedelta(days=56), now, finished=False)
    for email, (issued_ago, renewed_ago) in zip(mollan, RENEWAL_STORIES):
        learner = learners.get(email)
        if learner is None:
            continue
        _certify(learner, earlier, now - timedelta(days=issued_ago))
        if renewed_ago is not None:
            _certify(learner, later, now - timedelta(days=renewed_ago))
    if mollan and mollan[0] in learners:
        _quiz_renewal_story(learners[mollan[0]], now)
    queue_renewal_reminders(now)


#: the demo learner's "Leda volontärer" certificate (24 months, renewed by a refresher quiz):
#: issued this many days ago, it ends in about 40 days, its 90-day window is open
QUIZ_RENEWAL_ISSUED_AGO = 690


def _quiz_renewal_story(learner: User, now) -> None:  # type: ignore[no-untyped-def]
    """A certificate in its window for a renewal by quiz alone (the reminder links to the quiz)."""
    course = db.session.execute(select(Course).where(Course.slug == "leda-volontarer")).scalar_one_or_none()
    if course is None or not (course.validity or {}).get("quiz"):
        return
    issued = now - timedelta(days=QUIZ_RENEWAL_ISSUED_AGO)
    cycle = _past_cycle(course, "Våren 2025 (Leda volontärer)", issued, now)
    _certify(learner, cycle, issued)


def _past_cycle(course: Course, title: str, around, now, *, finished: bool = True) -> Cycle:  # type: ignore[no-untyped-def]
    from lms.planning import service as planning
    from lms.planning.models import RecurrenceKind
    from lms.planning.recurrence import Recurrence

    found = db.session.execute(select(Cycle).where(Cycle.course_id == course.id, Cycle.title == title)).scalar_one_or_none()
    if found is not None:
        return found
    day = (around - timedelta(days=21)).astimezone(planning.local_zone()).date()
    recurrence = Recurrence(kind=RecurrenceKind.WEEKLY, first_date=day - timedelta(days=day.weekday()),
                            start_time=time(18, 0), duration_minutes=150, weekdays=(0,), count=2, skip_holidays=False)
    spec = planning.CycleSpec(course_id=course.id, title=title, recurrence=recurrence, room_id=None, capacity=20,
                              trainer_ids=(), opens_on=None, closes_on=None, approval_required=False,
                              min_attendance_percent=80)
    planned = min(around - timedelta(days=40), now - timedelta(days=1))
    cycle = planning.save_cycle(None, spec, actor_id=None, now=planned)
    planning.publish_cycle(cycle, actor_id=None, now=planned)
    if finished:
        cycle.status = CycleStatus.FINISHED
    db.session.flush()
    return cycle


def _certify(learner: User, cycle: Cycle, when) -> None:  # type: ignore[no-untyped-def]
    from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus

    if service.existing_certificate(learner.id, cycle.id) is not None:
        return
    seated = when - timedelta(days=60)
    db.session.add(Enrolment(user_id=learner.id, cycle_id=cycle.id, status=EnrolmentStatus.ENROLLED,
                             requested_at=seated, enrolled_at=seated))
    for session in cycle.sessions:
        db.session.add(Attendance(session_id=session.id, user_id=learner.id, status=AttendanceStatus.PRESENT,
                                  method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
    db.session.flush()
    service.issue_certificate(learner.id, cycle.id, when)
