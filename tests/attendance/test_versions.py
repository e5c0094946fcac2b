"""A cycle's attendance version moves with every change to what its attendance figures are made of,
whoever makes the change: the services, bulk statements that bypass the ORM, or plain SQL."""
from datetime import date, timedelta

from sqlalchemy import delete, select, text, update

from lms.attendance import service
from lms.attendance.models import Attendance, AttendanceMethod, AttendanceRule, AttendanceStatus, ExcusedPolicy
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.service import find_enrolment, withdraw
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle
from lms.planning.service import cancel_session
from tests.attendance.conftest import BEFORE, enrol_at
from tests.factories import make_cycle, make_user


def _version(cycle) -> int:
    return db.session.execute(select(Cycle.attendance_version).where(Cycle.id == cycle.id)).scalar_one()


def _two_cycles():
    trainer = make_user(roles=["trainer"])
    watched = make_cycle(first_date=date(2030, 1, 8), sessions=4, trainers=[trainer], now=BEFORE)
    other = make_cycle(first_date=date(2030, 1, 9), sessions=4, trainers=[trainer], now=BEFORE)
    learner = make_user(name="Deltagare")
    enrol_at(learner, watched, BEFORE)
    enrol_at(make_user(name="Annan"), other, BEFORE)
    db.session.commit()
    return trainer, watched, other, learner


def _moves(watched, other, change) -> None:
    """`change`, once committed, moves the watched cycle's version and leaves the other's alone."""
    before, others_before = _version(watched), _version(other)
    change()
    db.session.commit()
    assert _version(watched) > before
    assert _version(other) == others_before


def test_records_move_their_cycles_version(app):
    trainer, watched, other, learner = _two_cycles()
    session = watched.sessions[0]

    def record(status):
        return lambda: service.record_attendance(session, learner.id, status, method=AttendanceMethod.ROLL_CALL,
                                                 actor_id=trainer.id, now=session.starts_at)

    _moves(watched, other, record(AttendanceStatus.PRESENT))
    _moves(watched, other, record(AttendanceStatus.ABSENT))
    _moves(watched, other, lambda: db.session.execute(
        text("UPDATE attendances SET status = 'excused' WHERE user_id = :user"), {"user": learner.id}))
    _moves(watched, other, lambda: db.session.execute(delete(Attendance).where(Attendance.user_id == learner.id)))


def test_seats_move_their_cycles_version(app):
    trainer, watched, other, learner = _two_cycles()
    _moves(watched, other, lambda: enrol_at(make_user(), watched, BEFORE))
    _moves(watched, other, lambda: withdraw(find_enrolment(learner.id, watched.id), actor_id=learner.id,
                                            now=BEFORE + timedelta(days=1)))
    _moves(watched, other, lambda: db.session.execute(
        update(Enrolment).where(Enrolment.cycle_id == watched.id).values(status=EnrolmentStatus.COMPLETED)))
    _moves(watched, other, lambda: db.session.execute(delete(Enrolment).where(Enrolment.cycle_id == watched.id)))


def test_sessions_and_the_rule_move_their_cycles_version(app):
    trainer, watched, other, learner = _two_cycles()
    _moves(watched, other, lambda: cancel_session(watched.sessions[1], actor_id=None, now=BEFORE))
    last = watched.sessions[-1]
    _moves(watched, other, lambda: db.session.execute(
        update(ClassSession).where(ClassSession.id == last.id).values(ends_at=last.ends_at + timedelta(minutes=30))))
    _moves(watched, other, lambda: db.session.execute(delete(ClassSession).where(ClassSession.id == last.id)))
    _moves(watched, other, lambda: service.set_excused_policy(watched, ExcusedPolicy.ABSENT, actor_id=trainer.id,
                                                               now=BEFORE))
    _moves(watched, other, lambda: service.set_excused_policy(watched, ExcusedPolicy.ATTENDED, actor_id=trainer.id,
                                                               now=BEFORE))
    _moves(watched, other, lambda: db.session.execute(delete(AttendanceRule).where(AttendanceRule.cycle_id == watched.id)))


def test_a_roll_call_moves_the_version_once_on_postgresql(app):
    """On PostgreSQL the triggers wait for the commit and move a cycle's version once, so a roll
    call holds its cycle's row only while it commits (lms/attendance/versions.py)."""
    trainer, watched, other, learner = _two_cycles()
    learners = [learner] + [make_user(name=f"Deltagare {n}") for n in range(5)]
    for extra in learners[1:]:
        enrol_at(extra, watched, BEFORE)
    db.session.commit()
    before = _version(watched)
    session = watched.sessions[0]
    for person in learners:
        service.record_attendance(session, person.id, AttendanceStatus.PRESENT, method=AttendanceMethod.ROLL_CALL,
                                  actor_id=trainer.id, now=session.starts_at)
    if db.session.get_bind().dialect.name == "postgresql":
        assert _version(watched) == before, "not before the commit"
        db.session.commit()
        assert _version(watched) == before + 1
    else:
        db.session.commit()
        assert _version(watched) >= before + len(learners)
