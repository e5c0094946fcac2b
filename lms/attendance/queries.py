"""What the attendance reports read: a cycle's matrix, one learner's record, learners at risk.

Each report loads sessions, enrolments and records (or their counts) in a fixed number of queries
and applies the rule in Python (lms/attendance/rules.py), so every page agrees with
`attendance_summary`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import String, and_, case, func, select, type_coerce
from sqlalchemy.orm import joinedload

from lms.attendance.kept import KeptPerCycle, cycle_key
from lms.attendance.models import ATTENDED, Attendance, AttendanceStatus, ExcusedPolicy
from lms.attendance.rules import (
    AttendanceSummary, SessionFacts, Standing, counted_sessions, summarise, summarise_counts,
)
from lms.attendance.service import (
    HOLDING, excused_policies, excused_policy, left_at, session_facts, sessions_facts_of, summary_for,
)
from lms.auth.models import User
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, SessionStatus
from lms.planning.queries import cycle_heading


class Cell(NamedTuple):
    """One learner at one session; a tuple, since a matrix of a region's cycle holds a thousand."""

    session: SessionFacts
    status: AttendanceStatus | None
    counted: bool  # the learner is held to this session
    held: bool

    @property
    def kind(self) -> str:
        """What the matrix shows: the recorded status, or why there is none."""
        if not self.counted:
            return "not_held"
        if self.status:
            return self.status.value
        if self.session.cancelled:
            return "cancelled"
        return "not_recorded" if self.held else "ahead"


#: every `Cell.kind`; the matrix renders each once and reuses it in every cell of that kind
CELL_KINDS = ("not_held", *(s.value for s in AttendanceStatus), "cancelled", "not_recorded", "ahead")


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
    policy: ExcusedPolicy
    cell_kinds: tuple[str, ...] = CELL_KINDS


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
    return Matrix(cycle, sessions, rows, policy)


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


@dataclass(frozen=True)
class Seat:
    """One enrolment in a cycle as plain values, whatever its status."""

    user_id: int
    status: EnrolmentStatus
    enrolled_at: datetime | None
    withdrawn_at: datetime | None

    @property
    def span(self) -> tuple[datetime, datetime | None] | None:
        """When the learner held the seat: from `enrolled_at` until they withdrew (None while they
        hold it or after they completed), or None if they never did. A session counts the learner
        if it starts within the span (lms.reports.queries.seated_at_session, in Python)."""
        if self.enrolled_at is None:
            return None
        if self.status is EnrolmentStatus.WITHDRAWN:
            return (self.enrolled_at, self.withdrawn_at) if self.withdrawn_at is not None else None
        return (self.enrolled_at, None) if self.status in HOLDING else None


@dataclass(frozen=True)
class CycleAttendance:
    """A cycle's sessions in order, its enrolments and its records, as plain values.

    A page of ten cycles (the coordinator's dashboard) loads these in four queries and rolls them
    up in Python: the grouped queries that `at_risk` and the reports run across many cycles each
    join every record to its enrolment, which costs more than the page's whole roll-up.
    """

    cycle: Cycle
    sessions: list[SessionFacts]
    seats: list[Seat]
    records: dict[int, dict[int, AttendanceStatus]]  # learner → session → status
    policy: ExcusedPolicy

    @cached_property
    def records_by_session(self) -> dict[int, dict[int, AttendanceStatus]]:
        """session → learner → status."""
        found: dict[int, dict[int, AttendanceStatus]] = {}
        for user_id, statuses in self.records.items():
            for session_id, status in statuses.items():
                found.setdefault(session_id, {})[user_id] = status
        return found

    def seat_summaries(self, now: datetime) -> list[AttendanceSummary]:
        """Where each learner still holding a seat stands."""
        return [summarise(user_id=seat.user_id, cycle_id=self.cycle.id, sessions=self.sessions,
                          enrolled_at=seat.enrolled_at, left_at=None, records=self.records.get(seat.user_id, {}),
                          policy=self.policy, minimum_percent=self.cycle.min_attendance_percent, now=now)
                for seat in self.seats if seat.status is EnrolmentStatus.ENROLLED and seat.enrolled_at is not None]


def cycles_attendance(cycles: list[Cycle]) -> list[CycleAttendance]:
    """The attendance of each of these cycles, in four queries whatever their number.

    The rows are read on the connection, without the ORM, and fetched all at once: a page of ten
    cycles holds thousands of records, and the ORM's per-row work, or a fetch per row, would cost
    more than the queries.
    """
    ids = [cycle.id for cycle in cycles]
    if not ids:
        return []
    sessions, seats, records = sessions_facts_of(ids), _seats_of(ids), _records_of(ids)
    policies = excused_policies(ids)
    return [CycleAttendance(cycle, sessions[cycle.id], seats[cycle.id], records[cycle.id], policies[cycle.id])
            for cycle in cycles]


def _seats_of(cycle_ids: list[int]) -> dict[int, list[Seat]]:
    found: dict[int, list[Seat]] = {cycle_id: [] for cycle_id in cycle_ids}
    for cycle_id, *seat in db.session.connection().execute(
        select(Enrolment.cycle_id, Enrolment.user_id, Enrolment.status, Enrolment.enrolled_at, Enrolment.withdrawn_at)
        .where(Enrolment.cycle_id.in_(cycle_ids))
    ).all():
        found[cycle_id].append(Seat(*seat))
    return found


def _records_of(cycle_ids: list[int]) -> dict[int, dict[int, dict[int, AttendanceStatus]]]:
    """cycle → learner → session → status."""
    found: dict[int, dict[int, dict[int, AttendanceStatus]]] = {cycle_id: {} for cycle_id in cycle_ids}
    for cycle_id, user_id, session_id, value in db.session.connection().execute(
        select(ClassSession.cycle_id, Attendance.user_id, Attendance.session_id, type_coerce(Attendance.status, String))
        .join(ClassSession, ClassSession.id == Attendance.session_id).where(ClassSession.cycle_id.in_(cycle_ids))
    ).all():
        found[cycle_id].setdefault(user_id, {})[session_id] = _STATUS[value]
    return found


#: the statuses by their stored value: read as text and looked up here, the records of a page of
#: cycles load in half the time the enum column's own conversion takes
_STATUS = {status.value: status for status in AttendanceStatus}


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


def attendance_cycles(user: User, *, all_cycles: bool,
                      statuses: tuple[CycleStatus, ...] = (CycleStatus.PUBLISHED, CycleStatus.FINISHED)) -> list[Cycle]:
    """Cycles with sessions for the attendance pages: every published or finished one, or the trainer's."""
    query = (
        select(Cycle).where(Cycle.status.in_(statuses))
        .options(*cycle_heading())
        .order_by(Cycle.status, Cycle.first_date.desc(), Cycle.id)
    )
    if not all_cycles:
        query = query.join(CycleTrainer, CycleTrainer.cycle_id == Cycle.id).where(CycleTrainer.user_id == user.id)
    return list(db.session.execute(query).scalars())


@dataclass(frozen=True)
class LearnerAtRisk:
    user: User
    summary: AttendanceSummary


def at_risk(cycles: list[Cycle], now: datetime,
            kept: KeptPerCycle[list[AttendanceSummary]] | None = None) -> list[tuple[Cycle, LearnerAtRisk]]:
    """Learners still holding a seat in a running cycle who are one absence away or past reach.

    The database counts, for each seat, the sessions the learner is held to and their records (two
    grouped queries for all the cycles); the rule (lms/attendance/rules.py) turns the counts into
    a standing. People are loaded only for those at risk. With `kept`, each cycle's learners at
    risk are kept until something they are made of changes (lms/attendance/kept.py), and only the
    cycles that changed are counted again.
    """
    running = {cycle.id: cycle for cycle in cycles if cycle.status is CycleStatus.PUBLISHED}
    if not running:
        return []
    found = {cycle_id: kept.get(cycle, now) for cycle_id, cycle in running.items()} if kept is not None else {}
    missing = {cycle_id: running[cycle_id] for cycle_id in running if found.get(cycle_id) is None}
    if missing:
        keys = {cycle_id: cycle_key(cycle) for cycle_id, cycle in missing.items()}
        fresh = _at_risk_of(missing, now)
        ends = _session_ends(list(missing), now) if kept is not None else {}
        for cycle_id in missing:
            found[cycle_id] = fresh.get(cycle_id, [])
            if kept is not None:
                kept.keep(cycle_id, keys[cycle_id], ends.get(cycle_id, ()), now, found[cycle_id])
    return with_learners(running, [summary for cycle_id in running for summary in found[cycle_id] or ()])


def _at_risk_of(cycles: dict[int, Cycle], now: datetime) -> dict[int, list[AttendanceSummary]]:
    """cycle → the summaries of its learners at risk."""
    counts = _record_counts(list(cycles), now)
    policies = excused_policies(list(cycles))
    found: dict[int, list[AttendanceSummary]] = {}
    for cycle_id, user_id, total, ended in db.session.execute(_seats_with_sessions(list(cycles), now)).all():
        attended, excused, early = counts.get((cycle_id, user_id), (0, 0, 0))
        summary = summarise_counts(user_id=user_id, cycle_id=cycle_id, policy=policies[cycle_id],
                                   minimum_percent=cycles[cycle_id].min_attendance_percent,
                                   sessions=total, held=ended + early, attended=attended, excused=excused)
        if summary.at_risk:
            found.setdefault(cycle_id, []).append(summary)
    return found


def _session_ends(cycle_ids: list[int], now: datetime) -> dict[int, tuple[datetime | None, datetime | None]]:
    """cycle → (the last session end at or before `now`, the first one after it)."""
    ended = ClassSession.ends_at <= now
    return {cycle_id: (last, first) for cycle_id, last, first in db.session.execute(
        select(ClassSession.cycle_id, func.max(case((ended, ClassSession.ends_at))),
               func.min(case((~ended, ClassSession.ends_at))))
        .where(ClassSession.cycle_id.in_(cycle_ids)).group_by(ClassSession.cycle_id)
    ).all()}


def with_learners(running: dict[int, Cycle], summaries: list[AttendanceSummary]) -> list[tuple[Cycle, LearnerAtRisk]]:
    """The learners at risk, past reach first, then by cycle and name."""
    users = _users([summary.user_id for summary in summaries])
    found = [(running[s.cycle_id], LearnerAtRisk(users[s.user_id], s)) for s in summaries]
    return sorted(found, key=lambda item: (item[1].summary.standing is not Standing.UNREACHABLE,
                                           item[0].id, item[1].user.name))


def _seats_with_sessions(cycle_ids: list[int], now: datetime):  # type: ignore[no-untyped-def]
    """(cycle, learner, sessions held to, of which ended) for each seat held in these cycles."""
    held_to = (ClassSession.cycle_id == Enrolment.cycle_id, ClassSession.status != SessionStatus.CANCELLED,
               ClassSession.starts_at >= Enrolment.enrolled_at)
    return (
        select(Enrolment.cycle_id, Enrolment.user_id,
               select(func.count()).where(*held_to).scalar_subquery(),
               select(func.count()).where(*held_to, ClassSession.ends_at <= now).scalar_subquery())
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.status == EnrolmentStatus.ENROLLED,
               Enrolment.enrolled_at.is_not(None))
    )


def _record_counts(cycle_ids: list[int], now: datetime) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(cycle, learner) → (attended, excused, recorded before the session ended), over the sessions
    the learner is held to while holding a seat."""
    attended = Attendance.status.in_(list(ATTENDED))
    rows = db.session.execute(
        select(ClassSession.cycle_id, Attendance.user_id,
               func.sum(case((attended, 1), else_=0)),
               func.sum(case((Attendance.status == AttendanceStatus.EXCUSED, 1), else_=0)),
               func.sum(case((ClassSession.ends_at > now, 1), else_=0)))
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(Enrolment, and_(Enrolment.cycle_id == ClassSession.cycle_id, Enrolment.user_id == Attendance.user_id))
        .where(ClassSession.cycle_id.in_(cycle_ids), ClassSession.status != SessionStatus.CANCELLED,
               Enrolment.status == EnrolmentStatus.ENROLLED, Enrolment.enrolled_at <= ClassSession.starts_at)
        .group_by(ClassSession.cycle_id, Attendance.user_id)
    ).all()
    return {(cycle_id, user_id): (int(attended or 0), int(excused or 0), int(early or 0))
            for cycle_id, user_id, attended, excused, early in rows}


def _users(user_ids: list[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    return {user.id: user for user in db.session.execute(
        select(User).where(User.id.in_(user_ids)).options(joinedload(User.organisation))
    ).scalars()}


def session_history(session_id: int):  # type: ignore[no-untyped-def]
    """The audit trail of a session's attendance, newest first (check-ins a trainer's mark kept out too)."""
    from lms.audit.models import AuditEvent

    ids = select(Attendance.id).where(Attendance.session_id == session_id)
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.action.in_(("attendance.recorded", "attendance.checkin_overruled")),
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


def sessions_today(cycles: list[Cycle], now: datetime, days: int = 1) -> list[ClassSession]:
    """Sessions of these cycles on today's local date (and the `days` − 1 dates after it), for the
    trainer's quick links and the pages kept on the device."""
    from lms.planning.service import local_zone

    zone = local_zone()
    today = now.astimezone(zone).date()
    start = datetime.combine(today, datetime.min.time(), zone)
    end = datetime.combine(today + timedelta(days=days - 1), datetime.max.time(), zone)
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
