"""The aggregates the reports read, each one grouped query (never a query per row).

Attendance is counted as the attendance rule counts it (lms/attendance/rules.py): a learner is
expected at a session that is not cancelled and starts while they hold their seat; a session counts
once it has ended; no record counts as missed; present and late count as attended. Every query
here starts from the same join of held sessions × expected enrolments × records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from lms.attendance.models import ATTENDED, Attendance, AttendanceRule, AttendanceStatus, ExcusedPolicy
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.enrollment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus

SEATED = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


@dataclass(frozen=True)
class Tally:
    """Attendance counts of one group (a session, an enrolment, ...)."""

    expected: int = 0  # learner × session pairs held so far
    attended: int = 0
    excused: int = 0
    minutes: int = 0  # minutes of the sessions attended

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.expected + other.expected, self.attended + other.attended,
                     self.excused + other.excused, self.minutes + other.minutes)

    def counted(self, policy: ExcusedPolicy) -> tuple[int, int]:
        """(attended, counted) after the cycle's policy for excused absences."""
        if policy is ExcusedPolicy.NOT_COUNTED:
            return self.attended, self.expected - self.excused
        if policy is ExcusedPolicy.ATTENDED:
            return self.attended + self.excused, self.expected
        return self.attended, self.expected


def seated_at_session() -> ColumnElement[bool]:
    """The enrolment held a seat when the session started (the join condition of every tally)."""
    return and_(
        Enrolment.cycle_id == ClassSession.cycle_id,
        Enrolment.enrolled_at.is_not(None), Enrolment.enrolled_at <= ClassSession.starts_at,
        or_(Enrolment.status.in_(SEATED),
            and_(Enrolment.status == EnrolmentStatus.WITHDRAWN, Enrolment.withdrawn_at > ClassSession.starts_at)),
    )


def _minutes(start, end):  # type: ignore[no-untyped-def]
    """The length of a session in minutes, in the database's own date arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 60
    return (func.julianday(end) - func.julianday(start)) * 1440


def _tally_columns() -> list:
    attended = Attendance.status.in_(list(ATTENDED))
    return [
        func.count(Enrolment.id),
        func.sum(case((attended, 1), else_=0)),
        func.sum(case((Attendance.status == AttendanceStatus.EXCUSED, 1), else_=0)),
        func.sum(case((attended, _minutes(ClassSession.starts_at, ClassSession.ends_at)), else_=0)),
    ]


def _held(query: Select, now: datetime, start: datetime | None, end: datetime | None) -> Select:
    query = (query.select_from(ClassSession).join(Enrolment, seated_at_session())
             .outerjoin(Attendance, and_(Attendance.session_id == ClassSession.id,
                                         Attendance.user_id == Enrolment.user_id))
             .where(ClassSession.status != SessionStatus.CANCELLED, ClassSession.ends_at <= now))
    if start is not None:
        query = query.where(ClassSession.starts_at >= start)
    if end is not None:
        query = query.where(ClassSession.starts_at < end)
    return query


def _tally(row) -> Tally:  # type: ignore[no-untyped-def]
    expected, attended, excused, minutes = row
    return Tally(int(expected or 0), int(attended or 0), int(excused or 0), round(float(minutes or 0)))


def session_tallies(cycle_ids: list[int], now: datetime) -> dict[int, list[tuple[datetime, Tally]]]:
    """cycle id → its held sessions in order, each with its tally (the trend of a cycle)."""
    if not cycle_ids:
        return {}
    rows = db.session.execute(
        _held(select(ClassSession.cycle_id, ClassSession.id, ClassSession.starts_at, *_tally_columns()),
              now, None, None)
        .where(ClassSession.cycle_id.in_(cycle_ids))
        .group_by(ClassSession.cycle_id, ClassSession.id, ClassSession.starts_at)
        .order_by(ClassSession.cycle_id, ClassSession.starts_at)
    ).all()
    found: dict[int, list[tuple[datetime, Tally]]] = {cycle_id: [] for cycle_id in cycle_ids}
    for cycle_id, _session_id, starts_at, *tally in rows:
        found[cycle_id].append((starts_at, _tally(tally)))
    return found


def enrolment_tallies(enrolment_ids: list[int], now: datetime, start: datetime | None,
                      end: datetime | None) -> dict[int, Tally]:
    """enrolment id → its tally over the sessions held in [start, end)."""
    if not enrolment_ids:
        return {}
    found: dict[int, Tally] = {}
    for chunk in _chunks(enrolment_ids):
        rows = db.session.execute(
            _held(select(Enrolment.id, *_tally_columns()), now, start, end)
            .where(Enrolment.id.in_(chunk)).group_by(Enrolment.id)
        ).all()
        found.update({enrolment_id: _tally(tally) for enrolment_id, *tally in rows})
    return found


def _chunks(ids: list[int], size: int = 500):  # type: ignore[no-untyped-def]
    for index in range(0, len(ids), size):
        yield ids[index:index + size]


def policies(cycle_ids: list[int]) -> dict[int, ExcusedPolicy]:
    """Each cycle's excused-absence policy (the default where the cycle has no rule)."""
    rows = dict(db.session.execute(
        select(AttendanceRule.cycle_id, AttendanceRule.excused_policy)
        .where(AttendanceRule.cycle_id.in_(cycle_ids))
    ).all()) if cycle_ids else {}
    return {cycle_id: rows.get(cycle_id, ExcusedPolicy.NOT_COUNTED) for cycle_id in cycle_ids}


@dataclass(frozen=True)
class EnrolmentFact:
    """One seat in a cycle (held now or before), with who held it; the unit of the reports."""

    enrolment_id: int
    user_id: int
    user_name: str
    user_email: str
    organisation_id: int | None
    cycle_id: int
    course_id: int
    status: EnrolmentStatus
    certificate_code: str | None
    certificate_issued_at: datetime | None


def enrolments_meeting_between(start: datetime, end: datetime,
                               organisation_id: int | None = None) -> list[EnrolmentFact]:
    """Every seat ever taken in a cycle that met (a session not cancelled) in [start, end)."""
    met = exists().where(ClassSession.cycle_id == Cycle.id, ClassSession.status != SessionStatus.CANCELLED,
                         ClassSession.starts_at >= start, ClassSession.starts_at < end)
    query = (
        select(Enrolment.id, User.id, User.name, User.email, User.organisation_id, Cycle.id, Cycle.course_id,
               Enrolment.status, Certificate.code, Certificate.issued_at)
        .join(User, User.id == Enrolment.user_id).join(Cycle, Cycle.id == Enrolment.cycle_id)
        .outerjoin(Certificate, and_(Certificate.user_id == Enrolment.user_id,
                                     Certificate.cycle_id == Enrolment.cycle_id,
                                     Certificate.revoked_at.is_(None)))
        .where(Enrolment.enrolled_at.is_not(None), Cycle.status != CycleStatus.DRAFT, met)
        .order_by(User.name, User.id, Cycle.first_date)
    )
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return [EnrolmentFact(*row) for row in db.session.execute(query).all()]


def member_counts(organisation_id: int | None = None) -> dict[int, int]:
    """organisation id → number of accounts in it (anonymised ones too: they still took part)."""
    query = (select(User.organisation_id, func.count(User.id)).where(User.organisation_id.is_not(None))
             .group_by(User.organisation_id))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return dict(db.session.execute(query).all())


def seat_counts(cycle_ids: list[int]) -> dict[int, dict[EnrolmentStatus, int]]:
    """cycle id → enrolments per status."""
    found: dict[int, dict[EnrolmentStatus, int]] = {cycle_id: {} for cycle_id in cycle_ids}
    if cycle_ids:
        for cycle_id, status, number in db.session.execute(
            select(Enrolment.cycle_id, Enrolment.status, func.count(Enrolment.id))
            .where(Enrolment.cycle_id.in_(cycle_ids)).group_by(Enrolment.cycle_id, Enrolment.status)
        ).all():
            found[cycle_id][status] = number
    return found


def certificate_counts(cycle_ids: list[int]) -> dict[int, tuple[int, int]]:
    """cycle id → (valid certificates, revoked certificates)."""
    found = {cycle_id: (0, 0) for cycle_id in cycle_ids}
    if cycle_ids:
        revoked = Certificate.revoked_at.is_not(None)
        for cycle_id, valid, withdrawn in db.session.execute(
            select(Certificate.cycle_id, func.sum(case((revoked, 0), else_=1)), func.sum(case((revoked, 1), else_=0)))
            .where(Certificate.cycle_id.in_(cycle_ids)).group_by(Certificate.cycle_id)
        ).all():
            found[cycle_id] = (int(valid or 0), int(withdrawn or 0))
    return found


def certificates_issued_between(start: datetime, end: datetime) -> list[datetime]:
    """When each certificate still valid was issued, in [start, end) (bucketed by the caller)."""
    return list(db.session.execute(
        select(Certificate.issued_at).where(Certificate.issued_at >= start, Certificate.issued_at < end,
                                            Certificate.revoked_at.is_(None))
    ).scalars())


def cycles_meeting_between(start: datetime, end: datetime) -> list[int]:
    """Published or finished cycles with a session (not cancelled) in [start, end)."""
    return list(db.session.execute(
        select(Cycle.id).where(
            Cycle.status.in_((CycleStatus.PUBLISHED, CycleStatus.FINISHED)),
            exists().where(ClassSession.cycle_id == Cycle.id, ClassSession.status != SessionStatus.CANCELLED,
                           ClassSession.starts_at >= start, ClassSession.starts_at < end))
        .order_by(Cycle.first_date, Cycle.id)
    ).scalars())

