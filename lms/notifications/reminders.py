"""Reminders before sessions, computed from the sessions table by a tick (not one job per session).

For each session ahead, each enrolled learner and each trainer of its cycle, the reminder for
lead time `h` is due from `starts_at - h` until the session starts. When several lead times are
due at once (the scheduler was down, or the person enrolled late), only the nearest one is sent.
The dedupe key names the lead time, the session, the person and the start time, so the same
reminder is queued once however often the tick runs, and a moved session gets reminders for its
new time. Cancelled sessions, cancelled cycles and withdrawn learners get none.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.enrollment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.calendar import session_event
from lms.notifications.compose import Invite, Notice, absolute_url, deliver
from lms.notifications.kinds import Kind
from lms.notifications.models import Notification, NotificationPreference
from lms.notifications.outbox import existing_keys
from lms.notifications.service import (
    REMINDER_CHOICES, cycle_reminder_hours, preferences_of, reminder_hours_for, wants_email,
)
from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, SessionStatus


@dataclass(frozen=True)
class Reminder:
    """One reminder of one session for one person, due at `send_at`."""

    session: ClassSession
    user: User
    hours: int
    send_at: datetime
    email: bool

    @property
    def dedupe_key(self) -> str:
        return reminder_key(self.hours, self.session.id, self.user.id, self.session.starts_at)


def reminder_key(hours: int, session_id: int, user_id: int, starts_at: datetime) -> str:
    return f"reminder:{hours}h:session:{session_id}:user:{user_id}:at:{starts_at:%Y%m%dT%H%MZ}"


def upcoming_sessions(now: datetime, until: datetime) -> list[ClassSession]:
    """Sessions that are not cancelled, of published cycles, starting after `now` up to `until`."""
    return list(db.session.execute(
        select(ClassSession).join(ClassSession.cycle)
        .where(ClassSession.starts_at > now, ClassSession.starts_at <= until,
               ClassSession.status != SessionStatus.CANCELLED, Cycle.status == CycleStatus.PUBLISHED)
        .options(joinedload(ClassSession.room), joinedload(ClassSession.cycle).joinedload(Cycle.course))
        .order_by(ClassSession.starts_at, ClassSession.id)
    ).scalars())


def people_of_cycles(cycle_ids: list[int]) -> dict[int, list[User]]:
    """Enrolled learners and trainers of each cycle (active accounts only), each person once."""
    if not cycle_ids:
        return {}
    learners = db.session.execute(
        select(Enrolment.cycle_id, User).join(Enrolment.user)
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.status == EnrolmentStatus.ENROLLED)
    ).all()
    trainers = db.session.execute(
        select(CycleTrainer.cycle_id, User).join(User, User.id == CycleTrainer.user_id)
        .where(CycleTrainer.cycle_id.in_(cycle_ids))
    ).all()
    people: dict[int, dict[int, User]] = defaultdict(dict)
    for cycle_id, user in [*learners, *trainers]:
        if user.is_active:
            people[cycle_id][user.id] = user
    return {cycle_id: sorted(people[cycle_id].values(), key=lambda u: u.id) for cycle_id in cycle_ids}


def planned_reminders(now: datetime, until: datetime) -> list[Reminder]:
    """Every reminder not yet queued that is due by `until`, soonest first (overdue ones: now)."""
    sessions = upcoming_sessions(now, until + timedelta(hours=max(REMINDER_CHOICES)))
    cycle_ids = sorted({s.cycle_id for s in sessions})
    people = people_of_cycles(cycle_ids)
    hours_of = cycle_reminder_hours(cycle_ids)
    preferences = preferences_of(u.id for users in people.values() for u in users)
    planned = [
        reminder
        for session in sessions
        for user in people.get(session.cycle_id, [])
        for reminder in _for_person(session, user, preferences.get(user.id),
                                    hours_of[session.cycle_id], now)
        if reminder.send_at <= until
    ]
    taken = existing_keys(Notification, [r.dedupe_key for r in planned])
    return sorted((r for r in planned if r.dedupe_key not in taken),
                  key=lambda r: (r.send_at, r.session.starts_at, r.user.id))


def _for_person(session: ClassSession, user: User, preference: NotificationPreference | None,
                cycle_hours: list[int], now: datetime) -> list[Reminder]:
    hours = sorted(reminder_hours_for(preference, cycle_hours))
    email = wants_email(preference, Kind.REMINDER)
    overdue = [h for h in hours if session.starts_at - timedelta(hours=h) <= now]
    ahead = [h for h in hours if session.starts_at - timedelta(hours=h) > now]
    reminders = [Reminder(session, user, min(overdue), now, email)] if overdue else []
    return reminders + [Reminder(session, user, h, session.starts_at - timedelta(hours=h), email)
                        for h in ahead]


def due_reminders(now: datetime) -> list[Reminder]:
    return [r for r in planned_reminders(now, now) if r.send_at <= now]


def queue_due_reminders(now: datetime) -> list[Reminder]:
    """The tick: queue every reminder that is due and not queued yet. Safe to run twice."""
    queued = []
    for reminder in due_reminders(now):
        if deliver(reminder.user, reminder_notice(reminder), now=now, email=reminder.email):
            queued.append(reminder)
    return queued


def reminder_notice(reminder: Reminder) -> Notice:
    session = reminder.session
    cycle = session.cycle
    link = absolute_url("enrollment.cycle", cycle_id=cycle.id)
    return Notice(
        kind=Kind.REMINDER, dedupe_key=reminder.dedupe_key, template="reminder", link=link,
        context={"session": session, "cycle": cycle, "course": cycle.course, "room": session.room,
                 "hours": reminder.hours},
        invite=Invite([session_event(session, url=link)], "REQUEST", cycle.course.title),
    )
