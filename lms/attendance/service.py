"""Recording attendance: roll call, self check-in, personal codes; the rule per learner.

Functions take plain values and `now`, flush but never commit, and raise AttendanceError with a
message for the person who asked. Every change of a record is an audit event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.attendance import codes
from lms.attendance.codes import CheckinSettings, CodeCheck
from lms.attendance.models import (
    ATTENDED, LEARNER_METHODS, TRAINER_METHODS, Attendance, AttendanceMethod, AttendanceRule,
    AttendanceStatus, AttendanceWarning, ExcusedPolicy, WarningKind,
)
from lms.attendance.rules import AttendanceSummary, SessionFacts, Standing, summarise
from lms.audit.service import record_event
from lms.auth.models import User
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms import events
from lms.events import EventKind
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, SessionStatus
from lms.core.unit_of_work import DomainError

#: enrolments whose sessions count: the seat is held now, or was until the learner withdrew
HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)
_SECOND = timedelta(seconds=1)
_MINUTE = timedelta(minutes=1)


class AttendanceError(DomainError):
    """A request about attendance that cannot be carried out; the message is for the person."""


# --- who is expected at a session ----------------------------------------------------------

def _enrolled_at(starts_at):  # type: ignore[no-untyped-def]
    """SQL condition: the enrolment held a seat when a session starting at `starts_at` began."""
    return and_(
        Enrolment.enrolled_at.is_not(None), Enrolment.enrolled_at <= starts_at,
        or_(Enrolment.status.in_(HOLDING),
            and_(Enrolment.status == EnrolmentStatus.WITHDRAWN, Enrolment.withdrawn_at > starts_at)),
    )


def session_roster(session: ClassSession) -> list[User]:
    """Every learner enrolled at the time of the session, by name; later enrolments are not listed."""
    return list(db.session.execute(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cycle_id == session.cycle_id, _enrolled_at(session.starts_at))
        .options(joinedload(User.organisation))
        .order_by(User.name, User.id)
    ).scalars())


def expected_at(session: ClassSession, user_id: int) -> bool:
    return db.session.execute(
        select(Enrolment.id).where(Enrolment.cycle_id == session.cycle_id, Enrolment.user_id == user_id,
                                   _enrolled_at(session.starts_at))
    ).first() is not None


def records_of(session_id: int) -> dict[int, Attendance]:
    """user id → record, for one session."""
    rows = db.session.execute(select(Attendance).where(Attendance.session_id == session_id)).scalars()
    return {row.user_id: row for row in rows}


# --- recording -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    attendance: Attendance
    changed: bool
    overruled: bool = False  # a learner's check-in that a trainer's mark kept out


def record_attendance(session: ClassSession, user_id: int, status: AttendanceStatus, *,
                      method: AttendanceMethod, actor_id: int | None, now: datetime,
                      note: str | None = None, settings: CheckinSettings = CheckinSettings()) -> Recorded:
    """Set one learner's status at one session (roll call, paper sheet or check-in)."""
    _check_recordable(session, status, now, settings)
    if not expected_at(session, user_id):
        raise AttendanceError(_l("This learner was not enrolled in the cycle at the time of this session."))
    attendance, created = _find_or_create(session.id, user_id, status, method, actor_id, now)
    old_status = None if created else attendance.status
    new_note = attendance.note if note is None else note.strip()[:300]
    if not created and old_status is status and attendance.note == new_note:
        return Recorded(attendance, False)
    attendance.status, attendance.note, attendance.method = status, new_note, method
    attendance.recorded_by_id, attendance.recorded_at = actor_id, now
    db.session.flush()
    record_event(actor_id, "attendance.recorded", "attendance", attendance.id,
                 session_id=session.id, user_id=user_id, cycle_id=session.cycle_id,
                 old=old_status.value if old_status else None, new=status.value, method=method.value,
                 note=new_note)
    update_warnings(user_id, session.cycle_id, now)
    events.record(EventKind.PROGRESS_MADE, user_id=user_id, now=now)
    return Recorded(attendance, True)


def _check_recordable(session: ClassSession, status: AttendanceStatus, now: datetime,
                      settings: CheckinSettings) -> None:
    if session.status is SessionStatus.CANCELLED:
        raise AttendanceError(_l("This session is cancelled; there is no attendance to take."))
    if status is not AttendanceStatus.EXCUSED and now < session.starts_at - settings.opens_before:
        raise AttendanceError(_l("This session has not started yet; only an excused absence can be "
                                 "recorded in advance."))


def _find_or_create(session_id: int, user_id: int, status: AttendanceStatus,
                    method: AttendanceMethod, actor_id: int | None,
                    now: datetime) -> tuple[Attendance, bool]:
    """The learner's record at the session, and whether it was made just now.

    A check-in and a roll call may insert at the same moment: UNIQUE(session, user) lets one win,
    and the other then updates the winner's row.
    """
    query = select(Attendance).where(Attendance.session_id == session_id, Attendance.user_id == user_id)
    found = db.session.execute(query).scalar_one_or_none()
    if found is not None:
        return found, False
    fresh = Attendance(session_id=session_id, user_id=user_id, status=status, method=method,
                       note="", recorded_by_id=actor_id, recorded_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(fresh)
    except IntegrityError:
        return db.session.execute(query).scalar_one(), False
    return fresh, True


def mark_all_present(session: ClassSession, *, actor_id: int, now: datetime,
                     method: AttendanceMethod = AttendanceMethod.ROLL_CALL) -> int:
    """Mark every expected learner without a record as present; those already marked keep theirs."""
    recorded = records_of(session.id)
    count = 0
    for learner in session_roster(session):
        if learner.id not in recorded:
            record_attendance(session, learner.id, AttendanceStatus.PRESENT, method=method,
                              actor_id=actor_id, now=now)
            count += 1
    return count


# --- self check-in ---------------------------------------------------------------------------

def checkin_window(session: ClassSession, settings: CheckinSettings) -> tuple[datetime, datetime]:
    """When learners may check themselves in: from a little before the start to a while after."""
    return session.starts_at - settings.opens_before, session.starts_at + settings.closes_after


def window_state(session: ClassSession, now: datetime, settings: CheckinSettings) -> str:
    """"open", "not_open" (yet), "closed", or "cancelled"."""
    if session.status is SessionStatus.CANCELLED:
        return "cancelled"
    opens, closes = checkin_window(session, settings)
    if now < opens:
        return "not_open"
    return "open" if now < closes else "closed"


def _local_time(moment: datetime) -> str:
    return format_datetime(moment, "HH:mm")


def check_in(session: ClassSession, user_id: int, *, method: AttendanceMethod, actor_id: int,
             now: datetime, settings: CheckinSettings) -> Recorded:
    """Mark a learner at the center present, or late after the threshold, within the window."""
    state = window_state(session, now, settings)
    opens, closes = checkin_window(session, settings)
    if state == "cancelled":
        raise AttendanceError(_l("This session is cancelled."))
    if state == "not_open":
        raise AttendanceError(_l("Check-in for this session opens at %(time)s.", time=_local_time(opens)))
    if state == "closed":
        raise AttendanceError(_l("Check-in for this session closed at %(time)s. Ask your trainer to "
                                 "mark you.", time=_local_time(closes)))
    if not expected_at(session, user_id):
        raise AttendanceError(_l("You are not enrolled in this cycle, so you cannot check in to it."))
    existing = records_of(session.id).get(user_id)
    if existing is not None and existing.status in ATTENDED:
        return Recorded(existing, False)
    late = now > session.starts_at + settings.late_after
    status = AttendanceStatus.LATE if late else AttendanceStatus.PRESENT
    if existing is not None and method in LEARNER_METHODS and existing.method in TRAINER_METHODS:
        # a trainer's mark beats a learner's check-in: kept as it is, the attempt in the audit trail
        record_event(actor_id, "attendance.checkin_overruled", "attendance", existing.id,
                     session_id=session.id, user_id=user_id, cycle_id=session.cycle_id,
                     old=existing.status.value, new=status.value, method=method.value)
        return Recorded(existing, False, overruled=True)
    return record_attendance(session, user_id, status, method=method, actor_id=actor_id, now=now,
                             settings=settings)


def current_code(session: ClassSession, secret_key: str, now: datetime,
                 settings: CheckinSettings) -> tuple[str, datetime]:
    """The code to show now and when it rotates."""
    step = codes.time_step(now, settings.step_seconds)
    secret = codes.session_secret(secret_key, session.id)
    return codes.code_for(secret, step), codes.step_ends_at(step, settings.step_seconds)


def verify_code(session: ClassSession, code: str, *, secret_key: str, now: datetime,
                settings: CheckinSettings) -> None:
    """Raise unless `code` is the session's code now (or within the grace after it rotated)."""
    result = codes.check_code(codes.session_secret(secret_key, session.id), code, now, settings)
    if result == CodeCheck.EXPIRED:
        raise AttendanceError(_l("This code has expired. Use the code shown on the screen now."))
    if result != CodeCheck.VALID:
        raise AttendanceError(_l("This code is not right. Check the code on the screen and try again."))


def find_session_by_code(code: str, *, secret_key: str, now: datetime,
                         settings: CheckinSettings) -> ClassSession:
    """The session whose screen shows `code` (typed by a learner, who does not say which session)."""
    earliest = now - settings.closes_after - settings.grace - codes.RECOGNISED_STEPS * settings.step_seconds * _SECOND
    candidates = db.session.execute(
        select(ClassSession).where(ClassSession.starts_at > earliest,
                                   ClassSession.starts_at <= now + settings.opens_before + _MINUTE,
                                   ClassSession.status != SessionStatus.CANCELLED)
        .order_by(ClassSession.starts_at)
    ).scalars().all()
    expired = None
    for session in candidates:
        result = codes.check_code(codes.session_secret(secret_key, session.id), code, now, settings)
        if result == CodeCheck.VALID:
            return session
        expired = expired or (session if result == CodeCheck.EXPIRED else None)
    if expired is not None:
        raise AttendanceError(_l("This code has expired. Use the code shown on the screen now."))
    raise AttendanceError(_l("This code is not right. Check the code on the screen and try again."))


# --- personal codes --------------------------------------------------------------------------

def learner_for_personal_code(code: str, secret_key: str) -> User:
    user_id = codes.read_personal_code(secret_key, code)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        raise AttendanceError(_l("This personal code is not valid."))
    return user


def check_in_by_personal_code(session: ClassSession, code: str, *, actor_id: int, secret_key: str,
                              now: datetime, settings: CheckinSettings) -> tuple[User, Recorded]:
    """The trainer scans a learner's personal QR code: the learner is checked in as if they had."""
    learner = learner_for_personal_code(code, secret_key)
    try:
        return learner, check_in(session, learner.id, method=AttendanceMethod.PERSONAL_QR,
                                 actor_id=actor_id, now=now, settings=settings)
    except AttendanceError as error:
        if not expected_at(session, learner.id):
            raise AttendanceError(_l("%(name)s is not enrolled in this cycle.", name=learner.name)) from None
        raise error


# --- the rule: policy, summaries, warnings ---------------------------------------------------

def excused_policy(cycle_id: int) -> ExcusedPolicy:
    rule = db.session.get(AttendanceRule, cycle_id)
    return rule.excused_policy if rule else ExcusedPolicy.NOT_COUNTED


def excused_policies(cycle_ids: list[int]) -> dict[int, ExcusedPolicy]:
    """Each cycle's excused-absence policy (the default where the cycle has no rule), in one query."""
    chosen = dict(db.session.execute(
        select(AttendanceRule.cycle_id, AttendanceRule.excused_policy).where(AttendanceRule.cycle_id.in_(cycle_ids))
    ).all()) if cycle_ids else {}
    return {cycle_id: chosen.get(cycle_id, ExcusedPolicy.NOT_COUNTED) for cycle_id in cycle_ids}


def set_excused_policy(cycle: Cycle, policy: ExcusedPolicy, *, actor_id: int, now: datetime) -> None:
    rule = db.session.get(AttendanceRule, cycle.id)
    old = rule.excused_policy if rule else ExcusedPolicy.NOT_COUNTED
    if rule is None:
        rule = AttendanceRule(cycle_id=cycle.id)
        db.session.add(rule)
    rule.excused_policy, rule.updated_by_id, rule.updated_at = policy, actor_id, now
    db.session.flush()
    record_event(actor_id, "attendance.policy", "cycle", cycle.id, old=old.value, new=policy.value)


def session_facts(cycle_id: int) -> list[SessionFacts]:
    return sessions_facts_of([cycle_id])[cycle_id]


def sessions_facts_of(cycle_ids: list[int]) -> dict[int, list[SessionFacts]]:
    """Each cycle's sessions in order, as plain values (one query, read on the connection)."""
    found: dict[int, list[SessionFacts]] = {cycle_id: [] for cycle_id in cycle_ids}
    for cycle_id, session_id, starts_at, ends_at, status in db.session.connection().execute(
        select(ClassSession.cycle_id, ClassSession.id, ClassSession.starts_at, ClassSession.ends_at, ClassSession.status)
        .where(ClassSession.cycle_id.in_(cycle_ids)).order_by(ClassSession.starts_at, ClassSession.id)
    ).all():
        found[cycle_id].append(SessionFacts(session_id, starts_at, ends_at, status is SessionStatus.CANCELLED))
    return found


def left_at(enrolment: Enrolment) -> datetime | None:
    """When the learner gave up the seat (None while they hold it)."""
    return enrolment.withdrawn_at if enrolment.status is EnrolmentStatus.WITHDRAWN else None


def summary_for(enrolment: Enrolment, cycle: Cycle, sessions: list[SessionFacts],
                records: dict[int, AttendanceStatus], policy: ExcusedPolicy, now: datetime) -> AttendanceSummary:
    assert enrolment.enrolled_at is not None
    return summarise(user_id=enrolment.user_id, cycle_id=cycle.id, sessions=sessions,
                     enrolled_at=enrolment.enrolled_at, left_at=left_at(enrolment), records=records,
                     policy=policy, minimum_percent=cycle.min_attendance_percent, now=now)


def attendance_summary(user_id: int, cycle_id: int, now: datetime) -> AttendanceSummary | None:
    """Where a learner stands against the cycle's minimum; None if they never held a seat in it."""
    enrolment = db.session.execute(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.cycle_id == cycle_id)
    ).scalar_one_or_none()
    if enrolment is None or enrolment.enrolled_at is None:
        return None
    cycle = db.session.get(Cycle, cycle_id)
    sessions = session_facts(cycle_id)
    records = dict(db.session.execute(
        select(Attendance.session_id, Attendance.status)
        .where(Attendance.user_id == user_id, Attendance.session_id.in_([s.id for s in sessions]))
    ).all())
    return summary_for(enrolment, cycle, sessions, records, excused_policy(cycle_id), now)


WARNING_FOR = {Standing.ONE_AWAY: WarningKind.ONE_AWAY, Standing.UNREACHABLE: WarningKind.UNREACHABLE}


def update_warnings(user_id: int, cycle_id: int, now: datetime) -> AttendanceWarning | None:
    """Raise the warning for the learner's standing, once per kind (the notifications work sends it)."""
    summary = attendance_summary(user_id, cycle_id, now)
    kind = WARNING_FOR.get(summary.standing) if summary and summary.at_risk else None
    if kind is None:
        return None
    exists = db.session.execute(
        select(AttendanceWarning.id).where(AttendanceWarning.user_id == user_id,
                                           AttendanceWarning.cycle_id == cycle_id,
                                           AttendanceWarning.kind == kind)
    ).first()
    if exists is not None:
        return None
    warning = AttendanceWarning(user_id=user_id, cycle_id=cycle_id, kind=kind, created_at=now,
                                attended=summary.attended_counted, counted=summary.counted_so_far)
    try:
        with db.session.begin_nested():
            db.session.add(warning)
    except IntegrityError:
        return None
    return warning
