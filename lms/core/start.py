"""What each person's start page shows: what needs them now, by role.

Plain functions returning plain dataclasses, built from the domain packages' own queries. Every
function makes a fixed number of queries whatever the data size (tests/test_query_counts.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from lms.attendance.codes import CheckinSettings
from lms.attendance.models import Attendance, AttendanceRule, AttendanceStatus, ExcusedPolicy
from lms.attendance.queries import LearnerAtRisk, at_risk
from lms.attendance.rules import AttendanceSummary, summarise
from lms.attendance.service import sessions_facts_of, window_state
from lms.auth.models import Role, User
from lms.catalog.models import Module
from lms.catalog.service import done_module_ids
from lms.certificates.models import Certificate
from lms.certificates.renewals import RenewalDue, renewals_due
from lms.certificates.validity import Validity, validities_of
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.queries import ATTENDING, waitlist_positions
from lms.extensions import db
from lms.notifications.failed_mail import panel_for
from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, SessionStatus
from lms.planning.queries import sessions_of_cycles, trainer_sessions
from lms.signup.service import pending_requests_for

#: a cycle with its course, for the heading "course: cycle"
CYCLE_HEADING = (joinedload(Cycle.course),)

#: how far ahead "this week's" and "starting soon" look
WEEK = timedelta(days=7)
SOON = timedelta(days=21)
#: certificates of the learner that end within this many days are shown to renew
RENEW_AHEAD_DAYS = 90


def local_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The start and end of today in the center's time zone."""
    from lms.planning.service import local_zone

    zone = local_zone()
    today = now.astimezone(zone).date()
    return datetime.combine(today, datetime.min.time(), zone), datetime.combine(today, datetime.max.time(), zone)


# --- learner -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NextSession:
    session: ClassSession
    window: str  # "open", "not_open", "closed" (see lms.attendance.service.window_state)
    checked_in: bool


@dataclass(frozen=True)
class CycleStanding:
    enrolment: Enrolment
    modules_total: int
    modules_left: int
    wait_place: int | None
    attendance: AttendanceSummary | None
    quizzes_left: int = 0

    @property
    def can_miss(self) -> int | None:
        """How many more sessions the learner may miss and still reach the minimum."""
        return self.attendance.can_miss if self.attendance is not None else None


@dataclass(frozen=True)
class LearnerStart:
    next_session: NextSession | None
    cycles: list[CycleStanding]
    certificates: list[Certificate]
    evaluations: list[Cycle]
    #: where each certificate stands (lms/certificates/validity.py), and those to renew
    validity: dict[int, Validity] = field(default_factory=dict)
    to_renew: list[RenewalDue] = field(default_factory=list)


def next_session_of(sessions: list[ClassSession], now: datetime, settings: CheckinSettings) -> ClassSession | None:
    """The first session not cancelled and not yet past its check-in window."""
    return next((s for s in sessions if s.status is not SessionStatus.CANCELLED
                 and window_state(s, now, settings) != "closed"), None)


def learner_start(user_id: int, now: datetime, settings: CheckinSettings) -> LearnerStart:
    """The learner's next session, their cycles with what is left, certificates and evaluations."""
    attending = select(Enrolment.cycle_id).where(Enrolment.user_id == user_id,  # completed: sessions still to come
                                                 Enrolment.status.in_(ATTENDING))
    upcoming = next_session_of(sessions_of_cycles(attending, since=now - settings.closes_after), now, settings)
    checked = db.session.execute(select(Attendance.id).where(  # asked even without a session: same queries
        Attendance.session_id == (upcoming.id if upcoming else None), Attendance.user_id == user_id)).first()
    nxt = NextSession(upcoming, window_state(upcoming, now, settings), checked is not None) if upcoming else None
    certificates = _ready_certificates(user_id)
    return LearnerStart(nxt, _standings(user_id, now), certificates, _open_evaluations(user_id, now),
                        validities_of(certificates, now), renewals_due(user_id, now, RENEW_AHEAD_DAYS, include_members=False))


def _standings(user_id: int, now: datetime) -> list[CycleStanding]:
    current = _current_enrolments(user_id)
    modules: dict[int, list[int]] = {}
    for course_id, module_id in db.session.execute(
            select(Module.course_id, Module.id).where(Module.course_id.in_({e.cycle.course_id for e in current}))):
        modules.setdefault(course_id, []).append(module_id)
    done = done_module_ids(user_id)
    quizzes_left = _quizzes_left(user_id, {e.cycle.course_id for e in current})
    places = waitlist_positions([e.cycle_id for e in current])
    seated = [e.cycle_id for e in current if e.status is EnrolmentStatus.ENROLLED]
    sessions = sessions_facts_of(seated)
    records = _own_records(user_id, seated)
    policies = dict(db.session.execute(  # lms.attendance.service.excused_policies, asked even for no cycle
        select(AttendanceRule.cycle_id, AttendanceRule.excused_policy).where(AttendanceRule.cycle_id.in_(seated))).all())
    result = []
    for enrolment in current:
        ids = modules.get(enrolment.cycle.course_id, [])
        summary = None
        if enrolment.cycle_id in sessions and enrolment.enrolled_at is not None:
            summary = summarise(
                user_id=user_id, cycle_id=enrolment.cycle_id, sessions=sessions[enrolment.cycle_id],
                enrolled_at=enrolment.enrolled_at, left_at=None, records=records.get(enrolment.cycle_id, {}),
                policy=policies.get(enrolment.cycle_id, ExcusedPolicy.NOT_COUNTED),
                minimum_percent=enrolment.cycle.min_attendance_percent, now=now)
        result.append(CycleStanding(enrolment, len(ids), sum(1 for m in ids if m not in done),
                                    places.get(enrolment.id), summary, quizzes_left.get(enrolment.cycle.course_id, 0)))
    return result


def _quizzes_left(user_id: int, course_ids: set[int]) -> dict[int, int]:
    """Per course, how many of its required modules' quizzes the learner has not passed yet."""
    from lms.quizzes.models import Quiz, QuizAttempt

    passed = select(QuizAttempt.quiz_id).where(QuizAttempt.user_id == user_id, QuizAttempt.passed.is_(True))
    return dict(db.session.execute(
        select(Module.course_id, func.count(Quiz.id)).join(Quiz, Quiz.module_id == Module.id)
        .where(Module.course_id.in_(course_ids), Module.required.is_(True), Quiz.id.not_in(passed))
        .group_by(Module.course_id)).all())


def _own_records(user_id: int, cycle_ids: list[int]) -> dict[int, dict[int, AttendanceStatus]]:
    """cycle → session → the learner's status."""
    found: dict[int, dict[int, AttendanceStatus]] = {}
    for cycle_id, session_id, status in db.session.execute(
            select(ClassSession.cycle_id, Attendance.session_id, Attendance.status)
            .join(ClassSession, ClassSession.id == Attendance.session_id)
            .where(Attendance.user_id == user_id, ClassSession.cycle_id.in_(cycle_ids))):
        found.setdefault(cycle_id, {})[session_id] = status
    return found


def _current_enrolments(user_id: int) -> list[Enrolment]:
    """As lms.enrolment.queries.my_enrolments, in published cycles, without the course's extras.

    The page makes as many queries whether or not the person has any (no eager loads that run only
    on rows found)."""
    return list(db.session.execute(
        select(Enrolment).join(Enrolment.cycle)
        .where(Enrolment.user_id == user_id, Cycle.status == CycleStatus.PUBLISHED,
               Enrolment.status.in_((EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)))
        .options(joinedload(Enrolment.cycle).options(*CYCLE_HEADING))
        .order_by(Cycle.first_date, Enrolment.id)).scalars())


def _pending_enrolments(user: User) -> list[Enrolment]:
    """The requests lms.enrolment.queries.pending_requests finds for this person, lean (see above)."""
    query = (select(Enrolment).join(Enrolment.user).where(Enrolment.status == EnrolmentStatus.PENDING)
             .options(joinedload(Enrolment.user), joinedload(Enrolment.cycle).options(*CYCLE_HEADING))
             .order_by(Enrolment.requested_at, Enrolment.id))
    if not user.has_role(Role.COORDINATOR, Role.ADMIN):
        query = query.where(User.organisation_id == user.organisation_id, User.id != user.id)
    return list(db.session.execute(query).scalars())


def _ready_certificates(user_id: int, limit: int = 3) -> list[Certificate]:
    return list(db.session.execute(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.revoked_at.is_(None))
        .options(joinedload(Certificate.cycle).options(*CYCLE_HEADING))
        .order_by(Certificate.issued_at.desc()).limit(limit)
    ).scalars())


def _open_evaluations(user_id: int, now: datetime) -> list[Cycle]:
    """As lms.evaluations.service.open_evaluations_for, with every cycle's last session in one query."""
    from lms.evaluations.service import evaluation_days
    from lms.evaluations.models import EvaluationParticipation
    from lms.evaluations.service import PARTICIPANT

    answered = select(EvaluationParticipation.cycle_id).where(EvaluationParticipation.user_id == user_id)
    last_end = (select(func.max(ClassSession.ends_at)).where(
        ClassSession.cycle_id == Cycle.id, ClassSession.status != SessionStatus.CANCELLED).scalar_subquery())
    rows = db.session.execute(
        select(Cycle, last_end).join(Enrolment, Enrolment.cycle_id == Cycle.id)
        .options(*CYCLE_HEADING)
        .where(Enrolment.user_id == user_id, Enrolment.status.in_(PARTICIPANT),
               Cycle.status == CycleStatus.FINISHED, Cycle.id.not_in(answered))
    ).all()
    days = timedelta(days=evaluation_days())
    return [cycle for cycle, ended in sorted(rows, key=lambda r: (r[1] is None, r[1] or now))
            if ended is not None and now < ended + days]


# --- trainer -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainerStart:
    today: list[ClassSession]
    next: list[ClassSession]
    essays: int
    at_risk: list[tuple[Cycle, LearnerAtRisk]]


def trainer_start(user: User, now: datetime, *, coming: int = 3) -> TrainerStart:
    """Today's and the next sessions the trainer teaches, essays to grade, learners at risk."""
    from lms.quizzes.permissions import quizzes_with_visible_results
    from lms.quizzes.service import essays_awaiting_grading_count

    start, end = local_day_bounds(now)
    sessions = [s for s in trainer_sessions(user.id, since=start) if s.status is not SessionStatus.CANCELLED]
    today = [s for s in sessions if s.starts_at <= end]
    later = [s for s in sessions if s.starts_at > end][:coming]
    taught = list(db.session.execute(
        select(Cycle).options(*CYCLE_HEADING).join(CycleTrainer, CycleTrainer.cycle_id == Cycle.id)
        .where(CycleTrainer.user_id == user.id, Cycle.status == CycleStatus.PUBLISHED)).scalars())
    essays = essays_awaiting_grading_count(quizzes_with_visible_results(user))
    return TrainerStart(today, later, essays, at_risk(taught, now))


# --- coordinator ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CoordinatorStart:
    enrolment_requests: int
    account_requests: int
    free_seat_waitlists: list[Cycle]
    double_bookings: list[tuple[ClassSession, ClassSession]]
    failed_emails: int
    without_trainer_or_room: list[ClassSession]
    this_week: list[ClassSession]
    starting_soon_empty: list[Cycle]

    @property
    def decisions(self) -> int:
        return (self.enrolment_requests + self.account_requests + len(self.free_seat_waitlists)
                + len(self.double_bookings) + self.failed_emails + len(self.without_trainer_or_room))


def coordinator_start(user: User, now: datetime) -> CoordinatorStart:
    """What waits for a decision, this week's sessions, and cycles starting soon with seats to fill."""
    from lms.notifications import outbox

    week = select(Cycle.id).where(Cycle.status == CycleStatus.PUBLISHED)
    this_week = [s for s in sessions_of_cycles(week, since=now)
                 if s.starts_at < now + WEEK and s.status is not SessionStatus.CANCELLED]
    return CoordinatorStart(
        enrolment_requests=len(_pending_enrolments(user)), account_requests=len(pending_requests_for(user)),
        free_seat_waitlists=_free_seat_waitlists(), double_bookings=_double_bookings(now),
        failed_emails=outbox.health(now).failed, without_trainer_or_room=_unstaffed(now),
        this_week=this_week, starting_soon_empty=_starting_soon(now))


def _free_seat_waitlists() -> list[Cycle]:
    waiting = select(Enrolment.cycle_id).where(Enrolment.status == EnrolmentStatus.WAITLISTED)
    return list(db.session.execute(
        select(Cycle).options(*CYCLE_HEADING)
        .where(Cycle.status == CycleStatus.PUBLISHED, Cycle.seats_taken < Cycle.capacity, Cycle.id.in_(waiting))
        .order_by(Cycle.first_date, Cycle.id)).scalars())


def _upcoming_sessions(now: datetime):  # type: ignore[no-untyped-def]
    return (ClassSession.starts_at > now, ClassSession.status != SessionStatus.CANCELLED)


def _double_bookings(now: datetime, limit: int = 20) -> list[tuple[ClassSession, ClassSession]]:
    """Pairs of upcoming sessions of published cycles that share a room and overlap."""
    other = aliased(ClassSession)
    other_cycle = aliased(Cycle)
    rows = db.session.execute(
        select(ClassSession, other)
        .join(Cycle, Cycle.id == ClassSession.cycle_id)
        .join(other, (other.room_id == ClassSession.room_id) & (other.id > ClassSession.id)
              & (other.starts_at < ClassSession.ends_at) & (other.ends_at > ClassSession.starts_at)
              & (other.cycle_id != ClassSession.cycle_id))
        .join(other_cycle, other_cycle.id == other.cycle_id)
        .where(*_upcoming_sessions(now), ClassSession.room_id.is_not(None), other.status != SessionStatus.CANCELLED,
               Cycle.status == CycleStatus.PUBLISHED, other_cycle.status == CycleStatus.PUBLISHED)
        .options(joinedload(ClassSession.cycle).options(*CYCLE_HEADING), joinedload(ClassSession.room),
                 joinedload(other.cycle).options(*CYCLE_HEADING))
        .order_by(ClassSession.starts_at).limit(limit)
    ).all()
    return [(a, b) for a, b in rows]


def _unstaffed(now: datetime, limit: int = 20) -> list[ClassSession]:
    """Upcoming sessions of published cycles with no room, or whose cycle has no trainer."""
    trained = select(CycleTrainer.cycle_id)
    return list(db.session.execute(
        select(ClassSession).join(Cycle, Cycle.id == ClassSession.cycle_id)
        .where(*_upcoming_sessions(now), Cycle.status == CycleStatus.PUBLISHED,
               (ClassSession.room_id.is_(None)) | Cycle.id.not_in(trained))
        .options(joinedload(ClassSession.cycle).options(*CYCLE_HEADING))
        .order_by(ClassSession.starts_at).limit(limit)).scalars())


def _starting_soon(now: datetime) -> list[Cycle]:
    """Published cycles starting within three weeks with fewer than half their seats taken.

    Cycles have no minimum number of participants; half the capacity stands in for it.
    """
    today = now.date()
    return list(db.session.execute(
        select(Cycle).options(*CYCLE_HEADING)
        .where(Cycle.status == CycleStatus.PUBLISHED, Cycle.first_date >= today,
               Cycle.first_date <= today + SOON, Cycle.seats_taken * 2 < Cycle.capacity)
        .order_by(Cycle.first_date, Cycle.id)).scalars())


# --- organisation contact ------------------------------------------------------------------

@dataclass(frozen=True)
class ContactStart:
    enrolment_requests: list[Enrolment]
    account_requests: int
    enrolled: list[tuple[Cycle, int]]  # cycles with members holding a seat, how many
    upcoming: list[ClassSession]
    open_cycles: list[Cycle] = field(default_factory=list)  # where members can still get a seat


def _takes_enrolments_at(now: datetime):  # type: ignore[no-untyped-def]
    """In SQL, lms.enrolment.service.enrolment_open: inside the window, with a session still ahead."""
    ahead = select(ClassSession.id).where(ClassSession.cycle_id == Cycle.id, ClassSession.starts_at > now,
                                          ClassSession.status != SessionStatus.CANCELLED)
    return and_(or_(Cycle.enrolment_opens_at.is_(None), Cycle.enrolment_opens_at <= now),
                or_(Cycle.enrolment_closes_at.is_(None), Cycle.enrolment_closes_at > now), ahead.exists())


def contact_start(user: User, now: datetime, *, coming: int = 5) -> ContactStart:
    """The members' pending requests, where they are enrolled, their next sessions, free seats."""
    organisation_id = user.organisation_id
    if organisation_id is None:
        return ContactStart([], 0, [], [])
    holding = (select(Enrolment.cycle_id, func.count(Enrolment.id)).join(User, User.id == Enrolment.user_id)
               .where(User.organisation_id == organisation_id, Enrolment.status == EnrolmentStatus.ENROLLED)
               .group_by(Enrolment.cycle_id))
    counts = dict(db.session.execute(holding).all())
    cycles = list(db.session.execute(
        select(Cycle).options(*CYCLE_HEADING)
        .where(Cycle.id.in_(list(counts)), Cycle.status == CycleStatus.PUBLISHED)
        .order_by(Cycle.first_date, Cycle.id)).scalars())
    upcoming = [s for s in sessions_of_cycles(select(Cycle.id).where(Cycle.id.in_([c.id for c in cycles])), since=now)
                if s.status is not SessionStatus.CANCELLED][:coming]
    open_cycles = list(db.session.execute(
        select(Cycle).options(*CYCLE_HEADING)
        .where(Cycle.status == CycleStatus.PUBLISHED, Cycle.seats_taken < Cycle.capacity,
               Cycle.first_date >= now.date(), _takes_enrolments_at(now))
        .order_by(Cycle.first_date, Cycle.id).limit(coming)).scalars())
    return ContactStart(_pending_enrolments(user), len(pending_requests_for(user)),
                        [(c, counts[c.id]) for c in cycles], upcoming, open_cycles)


# --- admin ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdminStart:
    account_requests: int
    pending_emails: int
    failed_emails: int
    stuck_emails: int
    oldest_due_at: datetime | None

    def scheduler_late(self, now: datetime, after: timedelta = timedelta(minutes=15)) -> bool:
        """True when an e-mail has waited longer than the scheduler should ever take."""
        return self.oldest_due_at is not None and now - self.oldest_due_at > after


def admin_start(user: User, now: datetime) -> AdminStart:
    """Accounts to decide and the outbox's health (failed, stuck, oldest waiting e-mail)."""
    from lms.notifications import outbox

    health = outbox.health(now)
    return AdminStart(len(pending_requests_for(user)), health.pending, health.failed, health.stuck,
                      health.oldest_due_at)


# --- the page ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StartPage:
    learner: LearnerStart | None = None
    trainer: TrainerStart | None = None
    coordinator: CoordinatorStart | None = None
    contact: ContactStart | None = None
    admin: AdminStart | None = None
    failed_mail: Any = None  # outbox.FailedSummary for admins and coordinators when mail failed


def start_page(user: User, now: datetime, settings: CheckinSettings) -> StartPage:
    """The sections for each of the person's roles, in the order the page shows them."""
    has = user.has_role
    return StartPage(
        learner=learner_start(user.id, now, settings) if has(Role.LEARNER) else None,
        trainer=trainer_start(user, now) if has(Role.TRAINER) else None,
        coordinator=coordinator_start(user, now) if has(Role.COORDINATOR) else None,
        contact=contact_start(user, now) if has(Role.ORGANISATION_CONTACT) else None,
        admin=admin_start(user, now) if has(Role.ADMIN) else None,
        failed_mail=panel_for(user, now),
    )
