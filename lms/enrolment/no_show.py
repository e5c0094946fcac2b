"""The cancellation deadline and the no-show rule.

A seat given up after the cycle's cancellation deadline (`cancellation_hours` before its first
session) is a *late cancellation*. A *no-show* is an absence without excuse from a session, as the
attendance records say. With LMS_NO_SHOW_LIMIT of them together within LMS_NO_SHOW_MONTHS, a
person's enrolments ask for approval (the usual approval flow) until they age out or a
coordinator lifts the standing with a reason; what happened before a lift no longer counts.
Late cancellations and lifts are deleted by the retention job once they are that old.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from lms.attendance.models import Attendance, AttendanceStatus
from lms.audit.service import record_event
from lms.catalog.models import Course
from lms.enrolment.models import Enrolment, EnrolmentError
from lms.enrolment.policy_models import LateCancellation, NoShowLift
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle

NO_SHOW = "no_show"
LATE_CANCELLATION = "late_cancellation"
STRIKE_LABELS = {NO_SHOW: _l("absent without excuse"), LATE_CANCELLATION: _l("cancelled after the deadline")}


# --- the cancellation deadline ------------------------------------------------------------------

def cancellation_deadline(cycle: Cycle) -> datetime | None:
    """Until when a seat may be given up freely: `cancellation_hours` before the first session."""
    from lms.enrolment.offers import first_session_start

    first = first_session_start(cycle.id)
    return None if first is None else first - timedelta(hours=cycle.cancellation_hours)


def note_withdrawal(enrolment: Enrolment, *, actor_id: int | None, now: datetime) -> bool:
    """A learner giving up their own seat after the deadline: recorded as a late cancellation."""
    deadline = cancellation_deadline(enrolment.cycle)
    if actor_id != enrolment.user_id or deadline is None or now < deadline:
        return False
    db.session.add(LateCancellation(user_id=enrolment.user_id, cycle_id=enrolment.cycle_id, occurred_at=now))
    record_event(actor_id, "enrolment.late_cancellation", "enrolment", enrolment.id,
                 user_id=enrolment.user_id, cycle_id=enrolment.cycle_id, deadline=deadline.isoformat())
    db.session.flush()
    return True


# --- the standing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Strike:
    """One no-show or late cancellation that counts."""

    kind: str
    at: datetime
    course: str
    cycle: str

    @property
    def label(self) -> str:
        return str(STRIKE_LABELS[self.kind])


@dataclass(frozen=True)
class Standing:
    """What the no-show rule says about one person now, and why."""

    strikes: list[Strike]
    limit: int
    months: int
    since: datetime
    last_lift: NoShowLift | None

    @property
    def restricted(self) -> bool:
        return self.limit > 0 and len(self.strikes) >= self.limit


def _limit() -> int:
    return int(current_app.config["LMS_NO_SHOW_LIMIT"])


def _months() -> int:
    return int(current_app.config["LMS_NO_SHOW_MONTHS"])


def _window_start(user_id: int, now: datetime) -> tuple[datetime, NoShowLift | None]:
    lift = db.session.execute(
        select(NoShowLift).where(NoShowLift.user_id == user_id).order_by(NoShowLift.lifted_at.desc()).limit(1)
    ).scalar_one_or_none()
    since = now - relativedelta(months=_months())
    return (max(since, lift.lifted_at) if lift else since), lift


def _no_shows(user_id: int, since: datetime, now: datetime):
    return (select(ClassSession.starts_at, Cycle.title, Course.title)
            .join(Attendance, Attendance.session_id == ClassSession.id)
            .join(Cycle, Cycle.id == ClassSession.cycle_id).join(Course, Course.id == Cycle.course_id)
            .where(Attendance.user_id == user_id, Attendance.status == AttendanceStatus.ABSENT,
                   ClassSession.starts_at > since, ClassSession.starts_at <= now))


def _late(user_id: int, since: datetime, now: datetime):
    return (select(LateCancellation.occurred_at, Cycle.title, Course.title)
            .outerjoin(Cycle, Cycle.id == LateCancellation.cycle_id).outerjoin(Course, Course.id == Cycle.course_id)
            .where(LateCancellation.user_id == user_id, LateCancellation.occurred_at > since,
                   LateCancellation.occurred_at <= now))


def standing(user_id: int, now: datetime) -> Standing:
    """The person's no-shows and late cancellations that count now, newest first."""
    since, lift = _window_start(user_id, now)
    strikes = [Strike(NO_SHOW, at, course or "", title or "")
               for at, title, course in db.session.execute(_no_shows(user_id, since, now))]
    strikes += [Strike(LATE_CANCELLATION, at, course or "", title or "")
                for at, title, course in db.session.execute(_late(user_id, since, now))]
    strikes.sort(key=lambda strike: strike.at, reverse=True)
    return Standing(strikes, _limit(), _months(), since, lift)


def needs_approval(user_id: int, now: datetime) -> bool:
    """True while the person is under the no-show rule (two counts, no rows read)."""
    limit = _limit()
    if limit <= 0:
        return False
    since, _lift = _window_start(user_id, now)
    count = db.session.execute(select(func.count()).select_from(_no_shows(user_id, since, now).subquery())).scalar_one()
    if count >= limit:
        return True
    return count + db.session.execute(
        select(func.count()).select_from(_late(user_id, since, now).subquery())).scalar_one() >= limit


def lift_standing(user_id: int, *, actor_id: int, reason: str, now: datetime) -> NoShowLift:
    """A coordinator lifts the rule for this person; the reason is kept and audited."""
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentError(_l("Say why the rule is lifted."))
    lift = NoShowLift(user_id=user_id, lifted_by_id=actor_id, reason=reason[:500], lifted_at=now)
    db.session.add(lift)
    db.session.flush()
    record_event(actor_id, "no_show.lifted", "user", user_id, note=lift.reason)
    return lift


def restricted_among(user_ids: list[int], now: datetime) -> set[int]:
    """Which of these people are under the rule (for the approvers' list): three grouped queries."""
    ids, limit = sorted(set(user_ids)), _limit()
    if not ids or limit <= 0:
        return set()
    window = now - relativedelta(months=_months())
    lifted = dict(db.session.execute(select(NoShowLift.user_id, func.max(NoShowLift.lifted_at))
                                     .where(NoShowLift.user_id.in_(ids)).group_by(NoShowLift.user_id)).all())
    counts: dict[int, int] = {}
    no_shows = (select(Attendance.user_id, ClassSession.starts_at)
                .join(ClassSession, ClassSession.id == Attendance.session_id)
                .where(Attendance.user_id.in_(ids), Attendance.status == AttendanceStatus.ABSENT,
                       ClassSession.starts_at > window, ClassSession.starts_at <= now))
    late = select(LateCancellation.user_id, LateCancellation.occurred_at).where(
        LateCancellation.user_id.in_(ids), LateCancellation.occurred_at > window, LateCancellation.occurred_at <= now)
    for query in (no_shows, late):
        for user_id, at in db.session.execute(query):
            if user_id not in lifted or at > lifted[user_id]:
                counts[user_id] = counts.get(user_id, 0) + 1
    return {user_id for user_id, count in counts.items() if count >= limit}


def purge_old_records(now: datetime) -> int:
    """The retention job: late cancellations and lifts older than LMS_NO_SHOW_MONTHS no longer count."""
    cutoff = now - relativedelta(months=_months())
    removed = db.session.execute(delete(LateCancellation).where(LateCancellation.occurred_at < cutoff)
                                 .execution_options(synchronize_session=False)).rowcount or 0
    return removed + (db.session.execute(delete(NoShowLift).where(NoShowLift.lifted_at < cutoff)
                                         .execution_options(synchronize_session=False)).rowcount or 0)
