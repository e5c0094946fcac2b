"""Demo attendance: roll calls taken for the sessions already held in the demo cycles.

Most learners came; a few were late, excused or absent, and in the running cycles some are one
absence from missing the minimum or past reaching it, so the at-risk list has something to show.
Sessions that already have any attendance are left alone, so running it twice changes nothing.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
from lms.attendance.service import record_attendance, session_roster
from lms.auth.service import find_user_by_email
from lms.db_types import utcnow
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus

#: demo learner index → {session number (0-based) → status}: the exceptions to "present"
EXCEPTIONS = {
    3: {1: AttendanceStatus.ABSENT},  # one absence: cannot miss another in an 8-session cycle
    5: {0: AttendanceStatus.ABSENT, 2: AttendanceStatus.ABSENT},  # past reaching 80 %
    7: {1: AttendanceStatus.EXCUSED},
    0: {2: AttendanceStatus.LATE},
    11: {0: AttendanceStatus.LATE},
    14: {0: AttendanceStatus.ABSENT, 1: AttendanceStatus.ABSENT},
    16: {3: AttendanceStatus.EXCUSED},
    9: {4: AttendanceStatus.ABSENT},
}
NOTES = {AttendanceStatus.EXCUSED: "Sjuk, meddelade i förväg.", AttendanceStatus.LATE: "Bussen var sen."}


def seed_attendance_demo(now: datetime | None = None) -> None:
    """Take the roll call of every held session of the demo's published and finished cycles."""
    from lms.demo import LEARNER_COUNT, learner_email

    now = now or utcnow()
    index_of = {}
    for index in range(LEARNER_COUNT):
        learner = find_user_by_email(learner_email(index))
        if learner is not None:
            index_of[learner.id] = index
    for cycle in db.session.execute(
        select(Cycle).where(Cycle.status.in_((CycleStatus.PUBLISHED, CycleStatus.FINISHED)))
    ).scalars():
        _seed_cycle(cycle, index_of, now)
    db.session.flush()
    seed_signatures_demo(now)


def _seed_cycle(cycle: Cycle, index_of: dict[int, int], now: datetime) -> None:
    trainer_id = cycle.trainer_ids[0] if cycle.trainer_ids else None
    held = [s for s in cycle.sessions if s.ends_at <= now and s.status is not SessionStatus.CANCELLED]
    for number, session in enumerate(held):
        if _has_attendance(session):
            continue
        for learner in session_roster(session):
            status = EXCEPTIONS.get(index_of.get(learner.id, -1), {}).get(number, AttendanceStatus.PRESENT)
            method = AttendanceMethod.QR if (learner.id + number) % 3 == 0 else AttendanceMethod.ROLL_CALL
            if status is not AttendanceStatus.PRESENT:
                method = AttendanceMethod.ROLL_CALL
            record_attendance(session, learner.id, status, method=method, actor_id=trainer_id,
                              now=session.starts_at + timedelta(minutes=5), note=NOTES.get(status, ""))


def _has_attendance(session: ClassSession) -> bool:
    return db.session.execute(
        select(Attendance.id).where(Attendance.session_id == session.id).limit(1)
    ).first() is not None


# --- signed attendance -------------------------------------------------------------------------

#: the running cycle whose learners sign at each session (its trainer's sign-in sheets show them)
SIGNED_COURSE = "foreningsekonomi"


def seed_signatures_demo(now: datetime) -> None:
    """Signatures on for the running cycle of SIGNED_COURSE; its held sessions signed by those
    who came, most on the trainer's device, every third on their own phone."""
    from lms.attendance import signatures
    from lms.attendance.codes import CheckinSettings
    from lms.attendance.signature_models import SignatureDevice
    from lms.catalog.models import Course

    cycle = db.session.execute(
        select(Cycle).join(Course, Course.id == Cycle.course_id)
        .where(Course.slug == SIGNED_COURSE, Cycle.status == CycleStatus.PUBLISHED).order_by(Cycle.id)
    ).scalars().first()
    if cycle is None:
        return
    trainer_id = cycle.trainer_ids[0] if cycle.trainer_ids else None
    signatures.set_signatures_required(cycle, True, actor_id=trainer_id, now=now)
    for session in cycle.sessions:
        if session.ends_at > now or session.status is SessionStatus.CANCELLED or signatures.signatures_of(session.id):
            continue
        for number, (learner, _record) in enumerate(signatures.present_learners(session)):
            own = number % 3 == 2
            signatures.sign(session, learner.id, _drawn(learner.name), captured_by_id=learner.id if own else trainer_id,
                            device=SignatureDevice.LEARNER if own else SignatureDevice.TRAINER,
                            now=session.starts_at + timedelta(minutes=8 + number), settings=CheckinSettings())


def _drawn(name: str) -> str:
    """A handwriting-like stroke per word of the name (a loop per letter), the same each time."""
    strokes = []
    x = 24.0
    for word in name.split()[:2]:
        points = []
        for index, letter in enumerate(word.lower()):
            width, height = 30.0, (80.0 if index == 0 else 28 + (ord(letter) * 7) % 40)
            for step in range(13):
                t = step / 12
                points.append((x + width * t - 14 * math.sin(2 * math.pi * t),
                               150 - height * (1 - math.cos(2 * math.pi * t)) / 2 + 6 * t))
            x += width
        strokes.append("M" + " L".join(f"{px:.1f} {py:.1f}" for px, py in points))
        x += 30
    return "<svg>" + "".join(f'<path d="{d}"/>' for d in strokes) + "</svg>"
