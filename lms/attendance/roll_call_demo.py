"""Demo for the roll call on a phone: a short cycle of the demo trainer with a session today and
one tomorrow, so that the trainer's session list and the roll calls kept on the device (offline)
have something to show whenever the demo is seeded.

Today's session started half an hour before the demo was seeded. Two learners are marked already;
the co-trainer changed one of those marks later, so the demo trainer sees a mark of theirs that
was overridden. Found by its title before it is made, so running it twice changes nothing.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from lms.attendance.models import AttendanceMethod, AttendanceStatus
from lms.attendance.service import record_attendance, session_roster
from lms.auth.service import find_user_by_email
from lms.catalog.models import Course
from lms.db_types import utcnow
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning import service
from lms.planning.models import Cycle, RecurrenceKind, Room
from lms.planning.recurrence import Recurrence

TRAINER = "utbildare@kompetenscentret.example"
CO_TRAINER = "utbildare2@kompetenscentret.example"
COURSE = "foreningsekonomi"


def seed_roll_call_demo(learner_emails: list[str], now: datetime | None = None) -> Cycle | None:
    """The cycle with these learners (the demo's learners 2–13), unless it is there already."""
    now = now or utcnow()
    local = now.astimezone(service.local_zone())
    course = db.session.execute(select(Course).where(Course.slug == COURSE)).scalar_one_or_none()
    trainer, co_trainer = find_user_by_email(TRAINER), find_user_by_email(CO_TRAINER)
    if course is None or trainer is None:
        return None
    title = f"Extra träffar {local.date().isoformat()}"
    if db.session.execute(select(Cycle.id).where(Cycle.course_id == course.id, Cycle.title == title)).first():
        return None
    start = (local - timedelta(minutes=30)).replace(second=0, microsecond=0)
    start = start.replace(minute=start.minute - start.minute % 15)
    if start.date() != local.date():  # just after midnight: today's session starts at midnight
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = local.date() + timedelta(days=1)
    recurrence = Recurrence(kind=RecurrenceKind.WEEKLY, first_date=start.date(), start_time=time(start.hour, start.minute),
                            duration_minutes=120, weekdays=tuple(sorted({start.weekday(), tomorrow.weekday()})),
                            count=2, skip_holidays=False)
    room = db.session.execute(select(Room).where(Room.name == "Lilla rummet")).scalar_one_or_none()
    trainers = tuple(t.id for t in (trainer, co_trainer) if t is not None)
    spec = service.CycleSpec(course_id=course.id, title=title, recurrence=recurrence,
                             room_id=room.id if room else None, capacity=16, trainer_ids=trainers,
                             opens_on=None, closes_on=None, approval_required=False, min_attendance_percent=80)
    cycle = service.save_cycle(None, spec, actor_id=None, now=now - timedelta(days=14))
    service.publish_cycle(cycle, actor_id=None, now=now - timedelta(days=14))
    for email in learner_emails:
        learner = find_user_by_email(email)
        if learner is not None:
            enrol(learner.id, cycle, now=now - timedelta(days=13), check_window=False, decided=True)
    _first_marks(cycle, trainer.id, co_trainer.id if co_trainer else None, now)
    db.session.flush()
    return cycle


def _first_marks(cycle: Cycle, trainer_id: int, co_trainer_id: int | None, now: datetime) -> None:
    """The trainer marked two learners; the co-trainer, arriving later, changed one of them."""
    today = cycle.sessions[0]
    roster = session_roster(today)
    if len(roster) < 2 or now < today.starts_at:
        return
    for learner, status in ((roster[0], AttendanceStatus.PRESENT), (roster[1], AttendanceStatus.ABSENT)):
        record_attendance(today, learner.id, status, method=AttendanceMethod.ROLL_CALL, actor_id=trainer_id,
                          now=today.starts_at + timedelta(minutes=2))
    if co_trainer_id is not None:
        record_attendance(today, roster[1].id, AttendanceStatus.LATE, method=AttendanceMethod.ROLL_CALL,
                          actor_id=co_trainer_id, now=today.starts_at + timedelta(minutes=20),
                          note="Kom 18 minuter sent.")
