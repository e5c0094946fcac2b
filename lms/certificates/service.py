"""Completion and certificates: who has completed a cycle, issuing once, revoking, finding by code.

A learner completes a cycle when every required module of the course is done (a module with a
quiz is done when the quiz is passed) and their attendance has reached the cycle's minimum for
certain (lms.attendance: the minimum is met even if every remaining session were missed).
Callers commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms import events
from lms.audit.service import record_event
from lms.auth.models import User
from lms.catalog.labels import sdg_name
from lms.catalog.service import done_module_ids
from lms.certificates.codes import new_code, normalise
from lms.certificates.models import Certificate, IssueOrigin
from lms.certificates.validity import start_period
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.service import complete
from lms.events import EventKind
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus
from lms.core.i18n import known_locale
from lms.core.unit_of_work import DomainError

ELIGIBLE_ENROLMENTS = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


class CertificateError(DomainError):
    """A request about a certificate that cannot be carried out; the message is for the person."""


@dataclass
class Completion:
    modules_done: bool
    attendance_met: bool
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.modules_done and self.attendance_met


def completion(user_id: int, cycle: Cycle, now: datetime) -> Completion:
    from lms.attendance.rules import Standing
    from lms.attendance.service import attendance_summary

    required = [m.id for m in cycle.course.modules if m.required]
    done = done_module_ids(user_id, required)
    summary = attendance_summary(user_id, cycle.id, now)
    result = Completion(modules_done=len(done) == len(required),
                        attendance_met=summary is not None and summary.standing is Standing.MET)
    if not result.modules_done:
        result.missing.append(str(_l("%(left)d required modules are not done", left=len(required) - len(done))))
    if not result.attendance_met:
        result.missing.append(str(_l("the attendance minimum is not reached yet")))
    return result


def _enrolment(user_id: int, cycle_id: int) -> Enrolment | None:
    return db.session.execute(select(Enrolment).where(
        Enrolment.user_id == user_id, Enrolment.cycle_id == cycle_id)).scalar_one_or_none()


def existing_certificate(user_id: int, cycle_id: int) -> Certificate | None:
    return db.session.execute(select(Certificate).where(
        Certificate.user_id == user_id, Certificate.cycle_id == cycle_id)).scalar_one_or_none()


def issue_certificate(user_id: int, cycle_id: int, now: datetime, *, actor_id: int | None = None,
                      reason: str | None = None) -> Certificate:
    """Issue the learner's certificate for the cycle, or return the one already issued.

    With `reason` a coordinator issues by hand, as an exception to the rules.
    """
    found = existing_certificate(user_id, cycle_id)
    if found is not None:
        return found
    cycle = db.session.get(Cycle, cycle_id)
    user = db.session.get(User, user_id)
    certificate = Certificate(
        user_id=user_id, cycle_id=cycle_id, code=new_code(), issued_at=now, issued_by_id=actor_id,
        origin=IssueOrigin.MANUAL if reason else IssueOrigin.AUTOMATIC, issue_reason=reason,
        design=cycle.course.certificate_design or current_app.config["LMS_CERTIFICATE_DESIGN"],
        snapshot=build_snapshot(user, cycle, now),
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        # issued at the same moment by another request or the sweep: that one stands
        return existing_certificate(user_id, cycle_id)
    start_period(certificate, now)
    _mark_enrolment_completed(user_id, cycle_id)
    record_event(actor_id, EventKind.CERTIFICATE_ISSUED.value, "certificate", certificate.id,
                 user_id=user_id, cycle_id=cycle_id, manual=bool(reason), reason=reason or "")
    events.record(EventKind.CERTIFICATE_ISSUED, certificate_id=certificate.id)
    return certificate


def _mark_enrolment_completed(user_id: int, cycle_id: int) -> None:
    enrolment = _enrolment(user_id, cycle_id)
    if enrolment is not None and enrolment.status is EnrolmentStatus.ENROLLED:
        complete(enrolment)  # False when withdrawn meanwhile: the certificate stands, the row is left


def revoke_certificate(certificate: Certificate, reason: str, actor_id: int, now: datetime) -> None:
    reason = reason.strip()
    if not reason:
        raise CertificateError(_l("Say why the certificate is revoked."))
    if certificate.revoked:
        raise CertificateError(_l("The certificate is already revoked."))
    certificate.revoked_at = now
    certificate.revoked_by_id = actor_id
    certificate.revoke_reason = reason[:2000]
    db.session.flush()
    record_event(actor_id, "certificate.revoked", "certificate", certificate.id, reason=reason)


def issue_if_complete(user_id: int, cycle: Cycle, now: datetime) -> Certificate | None:
    if existing_certificate(user_id, cycle.id) is not None:
        return None
    if not completion(user_id, cycle, now).complete:
        return None
    return issue_certificate(user_id, cycle.id, now)


def check_learner(user_id: int, now: datetime) -> list[Certificate]:
    """After an event that can complete cycles (a module done, a quiz passed, attendance taken)."""
    cycles = db.session.execute(
        select(Cycle).join(Enrolment, Enrolment.cycle_id == Cycle.id)
        .options(selectinload(Cycle.course))
        .where(Enrolment.user_id == user_id, Enrolment.status == EnrolmentStatus.ENROLLED,
               Cycle.status.in_([CycleStatus.PUBLISHED, CycleStatus.FINISHED]))
    ).scalars().all()
    issued = [issue_if_complete(user_id, cycle, now) for cycle in cycles]
    return [certificate for certificate in issued if certificate is not None]


def eligible_learners(cycle: Cycle, now: datetime) -> list[tuple[User, Completion, Certificate | None]]:
    enrolments = db.session.execute(
        select(Enrolment).options(selectinload(Enrolment.user))
        .where(Enrolment.cycle_id == cycle.id, Enrolment.status.in_(ELIGIBLE_ENROLMENTS))
    ).scalars().all()
    certificates = {c.user_id: c for c in db.session.execute(
        select(Certificate).where(Certificate.cycle_id == cycle.id)).scalars()}
    rows = [(e.user, completion(e.user_id, cycle, now), certificates.get(e.user_id)) for e in enrolments]
    return sorted(rows, key=lambda row: row[0].name)


def issue_all_eligible(cycle: Cycle, now: datetime, actor_id: int) -> list[Certificate]:
    issued = []
    for user, state, certificate in eligible_learners(cycle, now):
        if certificate is None and state.complete:
            issued.append(issue_certificate(user.id, cycle.id, now, actor_id=actor_id))
    return issued


def find_by_code(text: str) -> Certificate | None:
    code = normalise(text or "")
    if code is None:
        return None
    return db.session.execute(select(Certificate).where(Certificate.code == code)).scalar_one_or_none()


def certificates_of(user_id: int) -> list[Certificate]:
    return list(db.session.execute(
        select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.issued_at.desc())
    ).scalars())


# --- the snapshot: what the certificate states, frozen at issue ------------------------------------

def build_snapshot(user: User, cycle: Cycle, now: datetime) -> dict:
    sessions = [s for s in cycle.sessions if s.status is not SessionStatus.CANCELLED]
    course = cycle.course
    done = done_module_ids(user.id, [m.id for m in course.modules])
    return {
        "learner_name": user.name,
        "language": known_locale(user.locale),
        "course_title": course.title,
        "course_slug": course.slug,
        "course_hours": str(course.estimated_hours),
        "cycle_title": cycle.title,
        "first_date": min((s.starts_at for s in sessions), default=now).isoformat(),
        "last_date": max((s.starts_at for s in sessions), default=now).isoformat(),
        "hours_attended": str(_hours_attended(user.id, sessions)),
        "modules": [m.title for m in course.modules if m.required or m.id in done],
        "competence_areas": course.area_names,
        "sdgs": course.sdgs,
        "trainers": [link.user.name for link in cycle.trainer_links],
        "issuer": current_app.config["LMS_CERTIFICATE_ISSUER"],
        "content_version": course.content_version,
        "issued_at": now.isoformat(),
    }


def _hours_attended(user_id: int, sessions: list[ClassSession]) -> Decimal:
    from lms.attendance.models import ATTENDED, Attendance

    attended = set(db.session.execute(
        select(Attendance.session_id).where(
            Attendance.user_id == user_id, Attendance.session_id.in_([s.id for s in sessions]),
            Attendance.status.in_(list(ATTENDED)))
    ).scalars())
    seconds = sum((s.ends_at - s.starts_at).total_seconds() for s in sessions if s.id in attended)
    return (Decimal(seconds) / 3600).quantize(Decimal("0.1"))


def sdg_entries(numbers: list[int]) -> list[dict]:
    return [{"number": number, "name": sdg_name(number)} for number in numbers]
