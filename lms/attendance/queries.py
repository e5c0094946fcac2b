"""What the attendance reports read: a cycle's matrix, one learner's record, learners at risk.

Each report loads sessions, enrolments and records in a fixed number of queries and applies the
rule in Python (lms/attendance/rules.py), so every page agrees with `attendance_summary`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.attendance.models import Attendance, AttendanceRule, AttendanceStatus, ExcusedPolicy
from lms.attendance.rules import AttendanceSummary, SessionFacts, counted_sessions
from lms.attendance.service import HOLDING, excused_policy, left_at, session_facts, summary_for
from lms.auth.models import User
from lms.enrollment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, SessionStatus


@dataclass(frozen=True)
class Cell:
    session: SessionFacts
    status: AttendanceStatus | None
    counted: bool  # the learner is held to this session
    held: bool


@dataclass(frozen=True)
class MatrixRow:
    user: User
    cells: list[Cell]
    summary: AttendanceSummary


@dataclass(frozen=True)
class Matrix:
    cycle: Cycle
    sessions: list[SessionFacts]
    rows: list[MatrixRow]


def cycle_matrix(cycle: Cycle, now: datetime, organisation_id: int | None = None,
                 statuses=HOLDING) -> Matrix:  # type: ignore[no-untyped-def]
    """Learners × sessions with each learner's summary; `organisation_id` narrows to its members."""
    sessions = session_facts(cycle.id)
    query = (
        select(Enrolment).join(Enrolment.user)
        .where(Enrolment.cycle_id == cycle.id, Enrolment.status.in_(statuses),
               Enrolment.enrolled_at.is_not(None))
        .options(joinedload(Enrolment.user).joinedload(User.organisation))
        .order_by(User.name, User.id)
    )
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    enrolments = list(db.session.execute(query).scalars())
    records = _records(cycle.id, [e.user_id for e in enrolments])
    policy = excused_policy(cycle.id)
    rows = [_row(e, cycle, sessions, records.get(e.user_id, {}), policy, now) for e in enrolments]
    return Matrix(cycle, sessions, rows)


def _records(cycle_id: int, user_ids: list[int]) -> dict[int, dict[int, AttendanceStatus]]:
    rows = db.session.execute(
        select(Attendance.user_id, Attendance.session_id, Attendance.status)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.cycle_id == cycle_id, Attendance.user_id.in_(user_ids))
    ).all()
    found: dict[int, dict[int, AttendanceStatus]] = {}
    for user_id, session_id, status in rows:
        found.setdefault(user_id, {})[session_id] = status
    return found


def _row(enrolment: Enrolment, cycle: Cycle, sessions: list[SessionFacts],
         records: dict[int, AttendanceStatus], policy, now: datetime) -> MatrixRow:  # type: ignore[no-untyped-def]
    counted = {s.id for s in counted_sessions(sessions, enrolment.enrolled_at, left_at(enrolment))}
    cells = [Cell(s, records.get(s.id), s.id in counted, s.ends_at <= now or s.id in records)
             for s in sessions]
    return MatrixRow(enrolment.user, cells, summary_for(enrolment, cycle, sessions, records, policy, now))


def learner_cycles(user_id: int, cycle_ids: list[int] | None = None) -> list[Cycle]:
    """The cycles in which the learner holds or held a seat (optionally only among `cycle_ids`)."""
    query = (
        select(Cycle).join(Enrolment, Enrolment.cycle_id == Cycle.id)
        .where(Enrolment.user_id == user_id, Enrolment.enrolled_at.is_not(None),
               Enrolment.status.in_((*HOLDING, EnrolmentStatus.WITHDRAWN)))
        .options(joinedload(Cycle.course))
        .order_by(Cycle.first_date.desc(), Cycle.id)
    )
    if cycle_ids is not None:
        query = query.where(Cycle.id.in_(cycle_ids))
    return list(db.session.execute(query).scalars())


def learner_rows(user_id: int, now: datetime, cycle_ids: list[int] | None = None) -> list[tuple[Cycle, MatrixRow]]:
    """One learner's attendance in each of their cycles, with sessions and their summary."""
    result = []
    for cycle in learner_cycles(user_id, cycle_ids):
        enrolment = db.session.execute(
            select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.cycle_id == cycle.id)
            .options(joinedload(Enrolment.user))
        ).scalar_one()
        sessions = session_facts(cycle.id)
        records = _records(cycle.id, [user_id]).get(user_id, {})
        result.append((cycle, _row(enrolment, cycle, sessions, records, excused_policy(cycle.id), now)))
    return result


def attendance_cycles(user: User, *, all_cycles: bool) -> list[Cycle]:
    """Cycles with sessions for the attendance pages: every published or finished one, or the trainer's."""
    query = (
        select(Cycle).where(Cycle.status.in_((CycleStatus.PUBLISHED, CycleStatus.FINISHED)))
        .options(joinedload(Cycle.course))
        .order_by(Cycle.status, Cycle.first_date.desc(), Cycle.id)
    )
    if not all_cycles:
        query = query.join(CycleTrainer, CycleTrainer.cycle_id == Cycle.id).where(CycleTrainer.user_id == user.id)
    return list(db.session.execute(query).scalars())


def at_risk(cycles: list[Cycle], now: datetime) -> list[tuple[Cycle, MatrixRow]]:
    """Learners still holding a seat in a running cycle who are one absence away or past reach.

    Loads every cycle's sessions, seats, records and policy in one query each, however many
    cycles run.
    """
    running = {cycle.id: cycle for cycle in cycles if cycle.status is CycleStatus.PUBLISHED}
    if not running:
        return []
    sessions = _sessions_by_cycle(list(running))
    enrolments = list(db.session.execute(
        select(Enrolment).join(Enrolment.user)
        .where(Enrolment.cycle_id.in_(list(running)), Enrolment.status == EnrolmentStatus.ENROLLED,
               Enrolment.enrolled_at.is_not(None))
        .options(joinedload(Enrolment.user).joinedload(User.organisation))
    ).scalars())
    records = _records_by_cycle(list(running))
    policies = _policies(list(running))
    found = []
    for enrolment in enrolments:
        cycle = running[enrolment.cycle_id]
        row = _row(enrolment, cycle, sessions.get(cycle.id, []),
                   records.get((cycle.id, enrolment.user_id), {}), policies[cycle.id], now)
        if row.summary.at_risk:
            found.append((cycle, row))
    return sorted(found, key=lambda item: (item[1].summary.standing.value != "unreachable",
                                           item[0].id, item[1].user.name))


def _sessions_by_cycle(cycle_ids: list[int]) -> dict[int, list[SessionFacts]]:
    rows = db.session.execute(
        select(ClassSession.cycle_id, ClassSession.id, ClassSession.starts_at, ClassSession.ends_at,
               ClassSession.status)
        .where(ClassSession.cycle_id.in_(cycle_ids)).order_by(ClassSession.starts_at)
    ).all()
    found: dict[int, list[SessionFacts]] = {}
    for cycle_id, session_id, starts, ends, status in rows:
        found.setdefault(cycle_id, []).append(SessionFacts(session_id, starts, ends, status is SessionStatus.CANCELLED))
    return found


def _records_by_cycle(cycle_ids: list[int]) -> dict[tuple[int, int], dict[int, AttendanceStatus]]:
    rows = db.session.execute(
        select(ClassSession.cycle_id, Attendance.user_id, Attendance.session_id, Attendance.status)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.cycle_id.in_(cycle_ids))
    ).all()
    found: dict[tuple[int, int], dict[int, AttendanceStatus]] = {}
    for cycle_id, user_id, session_id, status in rows:
        found.setdefault((cycle_id, user_id), {})[session_id] = status
    return found


def _policies(cycle_ids: list[int]) -> dict[int, ExcusedPolicy]:
    chosen = dict(db.session.execute(
        select(AttendanceRule.cycle_id, AttendanceRule.excused_policy).where(AttendanceRule.cycle_id.in_(cycle_ids))
    ).all())
    return {cycle_id: chosen.get(cycle_id, ExcusedPolicy.NOT_COUNTED) for cycle_id in cycle_ids}


def session_history(session_id: int):  # type: ignore[no-untyped-def]
    """The audit trail of a session's attendance, newest first."""
    from lms.audit.models import AuditEvent

    ids = select(Attendance.id).where(Attendance.session_id == session_id)
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "attendance.recorded",
                                 AuditEvent.object_type == "attendance", AuditEvent.object_id.in_(ids))
        .options(joinedload(AuditEvent.actor)).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    ).scalars())


def organisation_cycles(organisation_id: int) -> list[Cycle]:
    """Published or finished cycles in which members of the organisation hold a seat."""
    members = select(Enrolment.cycle_id).join(User, User.id == Enrolment.user_id).where(
        User.organisation_id == organisation_id, Enrolment.status.in_(HOLDING))
    return list(db.session.execute(
        select(Cycle).where(Cycle.id.in_(members),
                            Cycle.status.in_((CycleStatus.PUBLISHED, CycleStatus.FINISHED)))
        .options(joinedload(Cycle.course)).order_by(Cycle.status, Cycle.first_date.desc(), Cycle.id)
    ).scalars())


def sessions_today(cycles: list[Cycle], now: datetime) -> list[ClassSession]:
    """Sessions of these cycles on today's local date, for the trainer's quick links."""
    from lms.planning.service import local_zone

    zone = local_zone()
    today = now.astimezone(zone).date()
    start = datetime.combine(today, datetime.min.time(), zone)
    end = datetime.combine(today, datetime.max.time(), zone)
    return list(db.session.execute(
        select(ClassSession).where(ClassSession.cycle_id.in_([c.id for c in cycles]),
                                   ClassSession.starts_at >= start, ClassSession.starts_at <= end)
        .options(joinedload(ClassSession.cycle).joinedload(Cycle.course), joinedload(ClassSession.room))
        .order_by(ClassSession.starts_at)
    ).scalars())


def open_sessions_taught(user: User, all_cycles: bool, now: datetime, settings) -> list[ClassSession]:  # type: ignore[no-untyped-def]
    """Sessions whose check-in window is open now, of the cycles this person records."""
    cycle_ids = [c.id for c in attendance_cycles(user, all_cycles=all_cycles)]
    return list(db.session.execute(
        select(ClassSession).where(ClassSession.cycle_id.in_(cycle_ids),
                                   ClassSession.starts_at <= now + settings.opens_before,
                                   ClassSession.starts_at > now - settings.closes_after,
                                   ClassSession.status != SessionStatus.CANCELLED)
        .options(joinedload(ClassSession.cycle).joinedload(Cycle.course))
        .order_by(ClassSession.starts_at)
    ).scalars())
