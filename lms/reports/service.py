"""The coordinator's dashboard and the organisations' competence report, as plain values.

Everything is computed from a fixed number of queries; nothing is stored. The organisation report
counts in grouped queries (lms/reports/queries.py); the dashboard rolls each cycle of its page up
from its sessions, seats and records (lms/reports/roll_ups.py), and a web process may keep those
roll-ups until the cycle changes. Rates follow each cycle's policy for excused absences.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Hashable, Iterable

from sqlalchemy import and_, func, select

from lms.attendance.models import ExcusedPolicy
from lms.attendance.queries import with_learners
from lms.attendance.service import excused_policies
from lms.auth.models import Organisation
from lms.catalog.labels import sdg_name
from lms.catalog.models import Course
from lms.certificates.renewals import RenewalDue, organisation_standing
from lms.core.paging import Page
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, Room, SessionStatus
from lms.planning.queries import cycle_heading
from lms.planning.service import local_day_start, local_zone
from lms.reports import queries
from lms.reports.queries import EnrolmentFact, Tally
from lms.reports.roll_ups import CycleRollUp, RollUps, roll_ups_of

#: finished cycles stay on the dashboard this long after they last met
DASHBOARD_LOOKBACK = timedelta(days=180)
#: cycles per page of the dashboard's table (the key figures count them all)
DASHBOARD_CYCLES_PER_PAGE = 10
#: sessions listed under "this week" (the key figure counts them all)
DASHBOARD_SESSIONS_SHOWN = 25


def percent(attended: int, counted: int) -> float | None:
    return round(100 * attended / counted, 1) if counted else None


# --- the dashboard ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CycleLine:
    cycle: Cycle
    seats_taken: int
    waitlisted: int
    pending: int
    availability: str  # "free", "full", "waitlisted" or "over" (no session ahead)
    attended: int
    counted: int
    trend: list[tuple[datetime, float | None]]
    completed: int
    certificates: int
    revoked: int

    @property
    def rate(self) -> float | None:
        return percent(self.attended, self.counted)

    @property
    def free_seats(self) -> int:
        return self.cycle.capacity - self.seats_taken


@dataclass(frozen=True)
class KeyFigures:
    sessions_this_week: int  # not cancelled
    availability: dict[str, int]  # running cycles with a session ahead: "free", "full", "waitlisted"
    completed: int  # in the last DASHBOARD_LOOKBACK
    certificates: int  # issued in the last DASHBOARD_LOOKBACK and still valid
    certificates_by_month: list[tuple[date, int]]


@dataclass(frozen=True)
class Dashboard:
    """The key figures count across the center; the table shows one page of the cycles running or
    finished lately, and the learners at risk are those of the running cycles on that page."""

    now: datetime
    week_start: date
    figures: KeyFigures
    sessions: list[WeekSession]  # the first DASHBOARD_SESSIONS_SHOWN of the week
    page: Page[Cycle]
    running: int  # cycles running now, on this page or not
    cycles: list[CycleLine]  # the cycles of this page
    at_risk: list  # (Cycle, LearnerAtRisk) pairs from lms.attendance.queries.with_learners


def week_start(now: datetime) -> date:
    today = now.astimezone(local_zone()).date()
    return today - timedelta(days=today.weekday())


def _in_week(monday: date):  # type: ignore[no-untyped-def]
    return and_(ClassSession.starts_at >= local_day_start(monday),
                ClassSession.starts_at < local_day_start(monday + timedelta(days=7)),
                Cycle.status != CycleStatus.DRAFT)


@dataclass(frozen=True)
class WeekSession:
    """A line of "sessions this week"."""

    cycle_id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    course_title: str
    cycle_title: str
    room_name: str | None


def sessions_in_week(monday: date, limit: int = DASHBOARD_SESSIONS_SHOWN) -> list[WeekSession]:
    """The first sessions of the local week (Monday to Sunday), cancelled ones too, in order.

    The limit is taken in a subquery, so the database joins cycles and rooms to those sessions only.
    """
    first = (select(ClassSession.id).join(Cycle, Cycle.id == ClassSession.cycle_id).where(_in_week(monday))
             .order_by(ClassSession.starts_at, ClassSession.id).limit(limit))
    rows = db.session.execute(
        select(ClassSession.cycle_id, ClassSession.starts_at, ClassSession.ends_at, ClassSession.status,
               Course.title, Cycle.title, Room.name)
        .join(Cycle, Cycle.id == ClassSession.cycle_id).join(Course, Course.id == Cycle.course_id)
        .outerjoin(Room, Room.id == ClassSession.room_id)
        .where(ClassSession.id.in_(first.scalar_subquery())).order_by(ClassSession.starts_at, ClassSession.id)
    ).all()
    return [WeekSession(cycle_id, starts_at, ends_at, status is SessionStatus.CANCELLED, course, cycle, room)
            for cycle_id, starts_at, ends_at, status, course, cycle, room in rows]


def sessions_in_week_count(monday: date) -> int:
    return db.session.execute(
        select(func.count(ClassSession.id)).join(Cycle, Cycle.id == ClassSession.cycle_id)
        .where(_in_week(monday), ClassSession.status != SessionStatus.CANCELLED)
    ).scalar_one()


def key_figures(now: datetime) -> KeyFigures:
    """The center-wide counts at the top of the dashboard (the same for every coordinator)."""
    completed, certificates = queries.completions_between(now - DASHBOARD_LOOKBACK, now + timedelta(seconds=1))
    return KeyFigures(sessions_this_week=sessions_in_week_count(week_start(now)),
                      availability=queries.availability_counts(now), completed=completed,
                      certificates=certificates, certificates_by_month=certificates_by_month(now))


def dashboard(now: datetime, page: int = 1, figures: KeyFigures | None = None,
              kept: RollUps | None = None) -> Dashboard:
    """What a coordinator looks at on Monday morning: apart from the key figures (which the caller
    may keep for a while), the work is bounded by one page of cycles, however many there are.
    The caller may also keep each cycle's roll-up until it changes (lms/reports/roll_ups.py)."""
    monday = week_start(now)
    page = max(page, 1)
    cycle_ids, running, more = queries.dashboard_cycles(now - DASHBOARD_LOOKBACK, page, DASHBOARD_CYCLES_PER_PAGE)
    cycles = _load_cycles(cycle_ids)
    rolled_up = roll_ups_of(cycles, now, kept)
    return Dashboard(now=now, week_start=monday, figures=figures or key_figures(now),
                     sessions=sessions_in_week(monday), page=Page(cycles, page, DASHBOARD_CYCLES_PER_PAGE, has_more=more),
                     running=running, cycles=cycle_lines(cycles, rolled_up),
                     at_risk=with_learners({c.id: c for c in cycles},
                                           [s for roll_up in rolled_up for s in roll_up.at_risk]))


def _load_cycles(cycle_ids: list[int]) -> list[Cycle]:
    if not cycle_ids:
        return []
    cycles = db.session.execute(
        select(Cycle).where(Cycle.id.in_(cycle_ids)).options(*cycle_heading())
    ).scalars().all()
    order = {cycle_id: index for index, cycle_id in enumerate(cycle_ids)}
    return sorted(cycles, key=lambda c: order[c.id])


def cycle_lines(cycles: list[Cycle], rolled_up: list[CycleRollUp]) -> list[CycleLine]:
    certificates = queries.certificate_counts([cycle.id for cycle in cycles])
    return [_cycle_line(cycle, roll_up, certificates[cycle.id]) for cycle, roll_up in zip(cycles, rolled_up)]


def _cycle_line(cycle: Cycle, roll_up: CycleRollUp, certificates: tuple[int, int]) -> CycleLine:
    policy, seats = roll_up.policy, roll_up.seats
    attended, counted = sum((tally for _, tally in roll_up.tallies), Tally()).counted(policy)
    return CycleLine(
        cycle=cycle, seats_taken=cycle.seats_taken, waitlisted=seats[EnrolmentStatus.WAITLISTED],
        pending=seats[EnrolmentStatus.PENDING], availability=_availability(cycle, seats, roll_up.has_session_ahead),
        attended=attended, counted=counted,
        trend=[(starts_at, percent(*tally.counted(policy))) for starts_at, tally in roll_up.tallies],
        completed=seats[EnrolmentStatus.COMPLETED], certificates=certificates[0], revoked=certificates[1],
    )


def _availability(cycle: Cycle, statuses: Counter, has_session_ahead: bool) -> str:
    if cycle.status is not CycleStatus.PUBLISHED or not has_session_ahead:
        return "over"
    if statuses[EnrolmentStatus.WAITLISTED]:
        return "waitlisted"
    return "full" if cycle.seats_taken >= cycle.capacity else "free"


def certificates_by_month(now: datetime, months: int = 12) -> list[tuple[date, int]]:
    """Valid certificates issued in each of the last `months` local calendar months, oldest first."""
    this_month = now.astimezone(local_zone()).date().replace(day=1)
    firsts = [_add_months(this_month, -back) for back in range(months - 1, -1, -1)]
    boundaries = [local_day_start(first) for first in firsts] + [now + timedelta(seconds=1)]
    return list(zip(firsts, queries.valid_certificates_per_period(boundaries)))


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- the organisation report -----------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """Local calendar dates, both included."""

    first: date
    last: date

    @classmethod
    def year_of(cls, now: datetime) -> Period:
        year = now.astimezone(local_zone()).year
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def start(self) -> datetime:
        return local_day_start(self.first)

    @property
    def end(self) -> datetime:
        return local_day_start(self.last + timedelta(days=1))


class Attended:
    """Attendance figures of a row: `attended` of `counted` sessions, `minutes` of them."""

    attended: int
    counted: int
    minutes: int

    @property
    def rate(self) -> float | None:
        return percent(self.attended, self.counted)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass
class Line(Attended):
    """One row of the report: a course, a competence area, a goal or an organisation."""

    key: Hashable
    label: str
    enrolments: set[int] = field(default_factory=set)
    learners: set[int] = field(default_factory=set)
    attended: int = 0
    counted: int = 0
    minutes: int = 0
    completed: int = 0
    certificates: int = 0

    def add(self, fact: EnrolmentFact, tally: Tally, policy: ExcusedPolicy) -> None:
        if fact.enrolment_id in self.enrolments:
            return
        self.enrolments.add(fact.enrolment_id)
        self.learners.add(fact.user_id)
        attended, counted = tally.counted(policy)
        self.attended += attended
        self.counted += counted
        self.minutes += tally.minutes
        self.completed += fact.status is EnrolmentStatus.COMPLETED
        self.certificates += fact.certificate_code is not None


@dataclass(frozen=True)
class PersonLine(Attended):
    fact: EnrolmentFact
    attended: int
    counted: int
    minutes: int



@dataclass(frozen=True)
class OrganisationReport:
    organisation: Organisation | None  # None: every organisation
    period: Period
    members: int
    total: Line
    by_course: list[Line]
    by_area: list[Line]
    by_sdg: list[Line]
    by_organisation: list[Line]
    people: list[PersonLine]
    #: the members' certificates with an end, as they stand now (lms/certificates/renewals.py)
    renewals: list[RenewalDue] = field(default_factory=list)

    def renewal_counts(self) -> list[tuple[str, int, int, int]]:
        """Per course: valid, expiring within 90 days, expired."""
        counts: dict[str, list[int]] = {}
        for due in self.renewals:
            row = counts.setdefault(due.course_title, [0, 0, 0])
            row[{"valid": 0, "expiring_soon": 1}.get(due.status.value, 2)] += 1
        return [(title, *row) for title, row in sorted(counts.items())]


def organisation_report(organisation: Organisation | None, period: Period, now: datetime) -> OrganisationReport:
    """Who (of one organisation, or of all) took part in what during `period`, and how it went."""
    org_id = organisation.id if organisation else None
    facts = queries.enrolments_meeting_between(period.start, period.end, org_id)
    tallies = queries.enrolment_tallies([f.enrolment_id for f in facts], now, period.start, period.end)
    rules = excused_policies(sorted({f.cycle_id for f in facts}))
    topics = queries.course_topics({f.course_id for f in facts})
    organisations = _organisation_names({f.organisation_id for f in facts})
    goals = {goal: f"{goal}. {sdg_name(goal)}" for topic in topics.values() for goal in topic.sdgs}

    def roll_up(keys_of: Callable[[EnrolmentFact], Iterable[tuple[Hashable, str]]]) -> list[Line]:
        lines: dict[Hashable, Line] = {}
        for fact in facts:
            for key, label in keys_of(fact):
                lines.setdefault(key, Line(key, label)).add(fact, tallies.get(fact.enrolment_id, Tally()),
                                                             rules[fact.cycle_id])
        return sorted(lines.values(), key=lambda line: (line.key if isinstance(line.key, int) else 0, line.label))

    total = roll_up(lambda f: [("total", "")])
    return OrganisationReport(
        organisation=organisation, period=period,
        members=_members(org_id),
        total=total[0] if total else Line("total", ""),
        by_course=roll_up(lambda f: [(f.course_title, f.course_title)]),
        by_area=roll_up(lambda f: [(area, area) for area in topics[f.course_id].areas]),
        by_sdg=roll_up(lambda f: [(goal, goals[goal]) for goal in topics[f.course_id].sdgs]),
        by_organisation=roll_up(lambda f: [(organisations.get(f.organisation_id, ""),) * 2]),
        people=[_person(f, tallies.get(f.enrolment_id, Tally()), rules[f.cycle_id]) for f in facts],
        renewals=organisation_standing(org_id, now) if org_id is not None else [],
    )


def _members(organisation_id: int | None) -> int:
    """Members by the rule of the members page, so the figure and that list agree."""
    from lms.enrolment.members import member_count

    return member_count(organisation_id)


def _person(fact: EnrolmentFact, tally: Tally, policy: ExcusedPolicy) -> PersonLine:
    attended, counted = tally.counted(policy)
    return PersonLine(fact, attended, counted, tally.minutes)


def _organisation_names(organisation_ids: set[int | None]) -> dict[int | None, str]:
    ids = [i for i in organisation_ids if i is not None]
    names = dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all()) if ids else {}
    return {**names, None: ""}


def organisations() -> list[Organisation]:
    return list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())
