"""Messages about a learner's progress: low-attendance warnings and issued certificates.

The attendance work stores each warning as an `AttendanceWarning` row (once per kind) in the
transaction of the change, and a tick turns them into messages; an issued certificate is a domain
event (lms/events) whose consumer is `certificate_notice`. Safe to run twice: the dedupe keys hold.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from lms.attendance.models import AttendanceWarning, WarningKind
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.db_types import utcnow
from lms.events import DomainEvent
from lms.extensions import db
from lms.notifications.compose import Notice, absolute_url, deliver
from lms.notifications.kinds import Kind
from lms.planning.models import Cycle


def queue_attendance_warnings(now: datetime) -> int:
    """The tick: tell the learner and the cycle's trainers about each new warning."""
    warnings = db.session.execute(
        select(AttendanceWarning).where(AttendanceWarning.notified_at.is_(None))
        .options(joinedload(AttendanceWarning.user)).order_by(AttendanceWarning.id)
    ).scalars().all()
    warnings = [w for w in warnings if _still_holds(w, now)]
    queued = sum(_warning_notices(w, now) for w in warnings)
    if warnings:
        db.session.execute(
            update(AttendanceWarning)
            .where(AttendanceWarning.id.in_([w.id for w in warnings]), AttendanceWarning.notified_at.is_(None))
            .values(notified_at=now).execution_options(synchronize_session=False)
        )
    return queued


def _still_holds(warning: AttendanceWarning, now: datetime) -> bool:
    """Re-check the rule when the notice is built: a corrected mis-tap must not send a warning.

    A warning that no longer holds is deleted (not marked sent), so that it is raised again if
    the learner really does fall behind later; one that holds gets today's figures.
    """
    from lms.attendance.service import WARNING_FOR, attendance_summary

    summary = attendance_summary(warning.user_id, warning.cycle_id, now)
    if summary is None or not summary.at_risk or WARNING_FOR.get(summary.standing) is not warning.kind:
        db.session.delete(warning)
        db.session.flush()
        return False
    warning.attended, warning.counted = summary.attended_counted, summary.counted_so_far
    return True


def _warning_notices(warning: AttendanceWarning, now: datetime) -> int:
    cycle = db.session.execute(
        select(Cycle).where(Cycle.id == warning.cycle_id).options(joinedload(Cycle.course))
    ).scalar_one()
    context = {"cycle": cycle, "course": cycle.course, "learner": warning.user,
               "unreachable": warning.kind is WarningKind.UNREACHABLE,
               "attended": warning.attended, "counted": warning.counted}
    queued = 0
    learner_link = absolute_url("attendance.mine")
    if warning.user.is_active:
        key = f"attendance_warning:{warning.id}:user:{warning.user_id}"
        notice = Notice(Kind.ATTENDANCE_WARNING, key, "attendance_warning", dict(context, for_trainer=False),
                        learner_link)
        queued += deliver(warning.user, notice, now=now)
    trainer_link = absolute_url("attendance.cycle_page", cycle_id=cycle.id)
    for trainer in db.session.execute(select(User).where(User.id.in_(cycle.trainer_ids))).scalars():
        if trainer.is_active and trainer.id != warning.user_id:
            key = f"attendance_warning:{warning.id}:user:{trainer.id}"
            notice = Notice(Kind.ATTENDANCE_WARNING, key, "attendance_warning",
                            dict(context, for_trainer=True), trainer_link)
            queued += deliver(trainer, notice, now=now)
    return queued


CERTIFICATE_KEY = "certificate_issued:certificate:"


def certificate_notice(event: DomainEvent) -> None:
    """The consumer of an issued certificate: tell the learner, once (the dedupe key).

    Not for a certificate revoked meanwhile, nor one consumed more than LMS_NOTICE_LOOKBACK_HOURS
    after it was issued (the consumer failed for days).
    """
    now = utcnow()
    if event.created_at < now - timedelta(hours=current_app.config["LMS_NOTICE_LOOKBACK_HOURS"]):
        return
    certificate = db.session.execute(
        select(Certificate).where(Certificate.id == event.payload["certificate_id"])
        .options(joinedload(Certificate.user), joinedload(Certificate.cycle).joinedload(Cycle.course))
    ).scalar_one_or_none()
    if certificate is None or certificate.revoked_at is not None or not certificate.user.is_active:
        return
    context = {"cycle": certificate.cycle, "course": certificate.cycle.course}
    deliver(certificate.user, Notice(Kind.CERTIFICATE_ISSUED, f"{CERTIFICATE_KEY}{certificate.id}",
                                     "certificate_issued", context, absolute_url("certificates.mine")), now=now)


def queue_essay_notices(now: datetime) -> int:
    """The tick: tell the trainers of a course (coordinators when none) that an essay waits for grading.

    One message per handed-in attempt and grader, whatever the number of essays in it.
    """
    from lms.auth.models import Role, UserRole
    from lms.catalog.models import Module
    from lms.planning.models import CycleTrainer
    from lms.quizzes.service import essays_awaiting_grading

    attempts = {answer.attempt for answer in essays_awaiting_grading()}
    if not attempts:
        return 0
    course_ids = {db.session.get(Module, a.quiz.module_id).course_id for a in attempts}
    trainers: dict[int, set[int]] = {}
    for course_id, user_id in db.session.execute(
        select(Cycle.course_id, CycleTrainer.user_id).join(CycleTrainer, CycleTrainer.cycle_id == Cycle.id)
        .where(Cycle.course_id.in_(course_ids))
    ):
        trainers.setdefault(course_id, set()).add(user_id)
    coordinators = set(db.session.execute(
        select(UserRole.user_id).where(UserRole.role == Role.COORDINATOR)).scalars())
    people = {u.id: u for u in db.session.execute(
        select(User).where(User.id.in_(coordinators.union(*trainers.values())))).scalars()}
    link = absolute_url("quizzes.index")
    queued = 0
    for attempt in sorted(attempts, key=lambda a: a.id):
        module = db.session.get(Module, attempt.quiz.module_id)
        for grader_id in sorted(trainers.get(module.course_id) or coordinators):
            grader = people.get(grader_id)
            if grader is None or not grader.is_active:
                continue
            key = f"essays:attempt:{attempt.id}:user:{grader_id}"
            context = {"module": module, "course": module.course, "learner": attempt.user}
            queued += deliver(grader, Notice(Kind.ESSAYS_WAITING, key, "essays_waiting", context, link), now=now)
    return queued
