"""The aggregates the reports read, each one grouped query (never a query per row).

Attendance is counted as the attendance rule counts it (lms/attendance/rules.py): a learner is
expected at a session that is not cancelled and starts while they hold their seat; a session counts
once it has ended; no record counts as missed; present and late count as attended. Every query
here starts from the same join of held sessions × expected enrolments, and counts their records.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from lms.attendance.models import ATTENDED, Attendance, AttendanceStatus, ExcusedPolicy
from lms.auth.models import User
from lms.catalog.models import Course, CourseCompetenceArea, CourseSdg
from lms.certificates.models import Certificate
from lms.enrolment.models import Enrolment, EnrolmentStatus
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


def _record_columns() -> list:
    attended = Attendance.status.in_(list(ATTENDED))
    return [
        func.sum(case((attended, 1), else_=0)),
        func.sum(case((Attendance.status == AttendanceStatus.EXCUSED, 1), else_=0)),
        func.sum(case((attended, _minutes(ClassSession.starts_at, ClassSession.ends_at)), else_=0)),
    ]


def _held(query: Select, now: datetime, start: datetime | None, end: datetime | None) -> Select:
    """Held sessions × the enrolments seated at them."""
    query = (query.select_from(ClassSession).join(Enrolment, seated_at_session())
             .where(ClassSession.status != SessionStatus.CANCELLED, ClassSession.ends_at <= now))
    if start is not None:
        query = query.where(ClassSession.starts_at >= start)
    if end is not None:
        query = query.where(ClassSession.starts_at < end)
    return query


def _tallies(keys: list, condition: ColumnElement[bool], now: datetime, start: datetime | None,
             end: datetime | None) -> dict[tuple, Tally]:
    """Tallies grouped by `keys`: the seats expected at the held sessions, then their records.

    Two grouped queries rather than one outer join of records: with the outer join PostgreSQL's
    planner reads every record of each learner instead of the one for the session.
    """
    width = len(keys)
    expected = db.session.execute(
        _held(select(*keys, func.count()), now, start, end).where(condition).group_by(*keys)
    ).all()
    recorded = {tuple(row[:width]): row[width:] for row in db.session.execute(
        _held(select(*keys, *_record_columns()), now, start, end)
        .join(Attendance, and_(Attendance.session_id == ClassSession.id, Attendance.user_id == Enrolment.user_id))
        .where(condition).group_by(*keys)
    ).all()}
    tallies = {}
    for row in expected:
        key = tuple(row[:width])
        attended, excused, minutes = recorded.get(key, (0, 0, 0))
        tallies[key] = Tally(int(row[width]), int(attended or 0), int(excused or 0), round(float(minutes or 0)))
    return tallies


def enrolment_tallies(enrolment_ids: list[int], now: datetime, start: datetime | None,
                      end: datetime | None) -> dict[int, Tally]:
    """enrolment id → its tally over the sessions held in [start, end)."""
    found: dict[int, Tally] = {}
    for chunk in _chunks(enrolment_ids):
        tallies = _tallies([Enrolment.id], Enrolment.id.in_(chunk), now, start, end)
        found.update({enrolment_id: tally for (enrolment_id,), tally in tallies.items()})
    return found


def _chunks(ids: list[int], size: int = 500):  # type: ignore[no-untyped-def]
    for index in range(0, len(ids), size):
        yield ids[index:index + size]


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
    course_title: str
    cycle_title: str


def enrolments_meeting_between(start: datetime, end: datetime,
                               organisation_id: int | None = None) -> list[EnrolmentFact]:
    """Every seat ever taken in a cycle that met (a session not cancelled) in [start, end)."""
    met = exists().where(ClassSession.cycle_id == Cycle.id, ClassSession.status != SessionStatus.CANCELLED,
                         ClassSession.starts_at >= start, ClassSession.starts_at < end)
    query = (
        select(Enrolment.id, User.id, User.name, User.email, User.organisation_id, Cycle.id, Cycle.course_id,
               Enrolment.status, Certificate.code, Certificate.issued_at, Course.title, Cycle.title)
        .join(User, User.id == Enrolment.user_id).join(Cycle, Cycle.id == Enrolment.cycle_id)
        .join(Course, Course.id == Cycle.course_id)
        .outerjoin(Certificate, and_(Certificate.user_id == Enrolment.user_id,
                                     Certificate.cycle_id == Enrolment.cycle_id,
                                     Certificate.revoked_at.is_(None)))
        .where(Enrolment.enrolled_at.is_not(None), Cycle.status != CycleStatus.DRAFT, met)
        .order_by(User.name, User.id, Cycle.first_date)
    )
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return [EnrolmentFact(*row) for row in db.session.execute(query).all()]


@dataclass(frozen=True)
class CourseTopics:
    """What a course is about, as the report groups it: competence areas and sustainable development goals."""

    areas: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)


def course_topics(course_ids: set[int]) -> dict[int, CourseTopics]:
    """course id → its areas and goals, in order (two queries, whatever the number of courses)."""
    found = {course_id: CourseTopics() for course_id in course_ids}
    if course_ids:
        for course_id, area in db.session.execute(
            select(CourseCompetenceArea.course_id, CourseCompetenceArea.area)
            .where(CourseCompetenceArea.course_id.in_(course_ids)).order_by(CourseCompetenceArea.area)
        ).all():
            found[course_id].areas.append(area)
        for course_id, goal in db.session.execute(
            select(CourseSdg.course_id, CourseSdg.sdg).where(CourseSdg.course_id.in_(course_ids)).order_by(CourseSdg.sdg)
        ).all():
            found[course_id].sdgs.append(goal)
    return found


def member_counts(organisation_id: int | None = None) -> dict[int, int]:
    """organisation id → number of accounts in it (anonymised ones too: they still took part)."""
    query = (select(User.organisation_id, func.count(User.id)).where(User.organisation_id.is_not(None))
             .group_by(User.organisation_id))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return dict(db.session.execute(query).all())


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


def valid_certificates_per_period(boundaries: list[datetime]) -> list[int]:
    """Certificates still valid issued in each [boundaries[i], boundaries[i + 1]): one statement of
    index range counts."""
    counts = [select(func.count()).where(Certificate.issued_at >= start, Certificate.issued_at < end,
                                         Certificate.revoked_at.is_(None))
              for start, end in zip(boundaries, boundaries[1:])]
    return [int(number) for number in db.session.execute(select(*(c.scalar_subquery() for c in counts))).one()]


def dashboard_cycles(since: datetime, page: int, per_page: int) -> tuple[list[int], int, bool]:
    """One page of the dashboard's cycles: the running cycles by first date, then those finished
    with a session since `since`, latest first. Returns the ids, how many cycles run, and whether
    a next page follows.

    Each group is read along an index in its own order, and the finished ones are not counted, so
    a page costs the same however many cycles there are.
    """
    running = select(Cycle.id).where(Cycle.status == CycleStatus.PUBLISHED)
    finished = select(Cycle.id).where(Cycle.status == CycleStatus.FINISHED,
                                      _last_session(ClassSession.starts_at) >= since)
    running_count = db.session.execute(select(func.count()).select_from(running.subquery())).scalar_one()
    start, wanted = (page - 1) * per_page, per_page + 1  # one more tells whether a next page follows
    ids = list(db.session.execute(
        running.order_by(Cycle.first_date, Cycle.id).offset(start).limit(wanted)).scalars())
    if len(ids) < wanted:
        ids += db.session.execute(
            finished.order_by(Cycle.first_date.desc(), Cycle.id.desc())
            .offset(max(0, start - running_count)).limit(wanted - len(ids))).scalars()
    return ids[:per_page], running_count, len(ids) > per_page


def _last_session(column):  # type: ignore[no-untyped-def]
    """`column` of a cycle's last session (not cancelled): one step back along an index per cycle.

    Sessions of a cycle follow one another, so the last to start is also the last to end.
    """
    return (select(column)
            .where(ClassSession.cycle_id == Cycle.id, ClassSession.status != SessionStatus.CANCELLED)
            .order_by(ClassSession.starts_at.desc()).limit(1)
            .scalar_subquery())


def availability_counts(now: datetime) -> dict[str, int]:
    """Among the running cycles with a session ahead: how many have a wait-list, are full, or have
    free seats (asked in that order, as the dashboard's table does)."""
    flags = (
        select(exists().where(Enrolment.cycle_id == Cycle.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
               .label("waitlisted"), (Cycle.seats_taken >= Cycle.capacity).label("full"))
        .where(Cycle.status == CycleStatus.PUBLISHED, _last_session(ClassSession.ends_at) > now).subquery()
    )
    waitlisted, full = flags.c.waitlisted, flags.c.full
    row = db.session.execute(
        select(func.sum(case((waitlisted, 1), else_=0)),
               func.sum(case((waitlisted, 0), (full, 1), else_=0)),
               func.sum(case((waitlisted, 0), (full, 0), else_=1)))
    ).one()
    return {"waitlisted": int(row[0] or 0), "full": int(row[1] or 0), "free": int(row[2] or 0)}


def completions_between(start: datetime, end: datetime) -> tuple[int, int]:
    """(completions, certificates still valid) in [start, end).

    A completion is the issuing of a certificate: lms.certificates marks the enrolment completed
    when it issues one, and a revoked certificate still counts as a completion that happened.
    """
    valid = Certificate.revoked_at.is_(None)
    completed, certificates = db.session.execute(
        select(func.count(), func.sum(case((valid, 1), else_=0)))
        .where(Certificate.issued_at >= start, Certificate.issued_at < end)
    ).one()
    return int(completed), int(certificates or 0)
