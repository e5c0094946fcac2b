"""Reminders before sessions, computed from the sessions table by a tick (not one job per session).

For each session ahead, each enrolled learner and each trainer of its cycle, the reminder for
lead time `h` is due from `starts_at - h` until the session starts. When several lead times are
due at once (the scheduler was down, or the person enrolled late), only the nearest one is sent.
The dedupe key names the lead time, the session, the person and the start time, so the same
reminder is queued once however often the tick runs, and a moved session gets reminders for its
new time. Cancelled sessions, cancelled cycles and withdrawn learners get none.

The tick runs every minute, so it first works with plain ids and times: only sessions within
reach of the longest lead time anyone in their cycle uses, and only the reminders not queued yet
are loaded as objects and rendered. With nothing due it costs a few small queries, however many
sessions, people and queued reminders there are (bench/notifications.py).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Callable

import sqlalchemy as sa
from sqlalchemy import and_, or_, select, union, union_all
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.calendar import session_event
from lms.notifications.compose import Invite, Notice, absolute_url, queue_rendered, render_for
from lms.notifications.kinds import Kind
from lms.notifications.models import CycleReminderSetting, Notification, NotificationPreference
from lms.notifications.outbox import existing_keys
from lms.notifications.service import (
    cycle_reminder_hours, default_reminder_hours, reminder_hours_for, wants_email,
)
from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, SessionStatus

#: users loaded per query when reminders are about to be queued
LOAD_CHUNK = 1000
#: reminders queued between two calls of the tick's `after_each` (a commit)
QUEUE_BATCH = 200


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


@dataclass(frozen=True)
class _Slot:
    """A session ahead as plain values: enough for its reminders' times and keys."""

    session_id: int
    cycle_id: int
    starts_at: datetime


@dataclass(frozen=True)
class _Planned:
    """A reminder before its session and person are loaded."""

    slot: _Slot
    user_id: int
    hours: int
    send_at: datetime
    email: bool

    @cached_property
    def dedupe_key(self) -> str:
        return reminder_key(self.hours, self.slot.session_id, self.user_id, self.slot.starts_at)


def _members(cycle_ids: list[int]):  # type: ignore[no-untyped-def]
    """(cycle_id, user_id) of the enrolled learners and the trainers of the cycles, each pair once."""
    return union(
        select(Enrolment.cycle_id, Enrolment.user_id)
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.status == EnrolmentStatus.ENROLLED),
        select(CycleTrainer.cycle_id, CycleTrainer.user_id).where(CycleTrainer.cycle_id.in_(cycle_ids)),
    ).subquery()


def people_of_cycles(cycle_ids: list[int]) -> dict[int, list[User]]:
    """Enrolled learners and trainers of each cycle (active accounts only), each person once."""
    if not cycle_ids:
        return {}
    members = _members(cycle_ids)
    rows = db.session.execute(
        select(members.c.cycle_id, User).join(User, User.id == members.c.user_id)
    ).all()
    people: dict[int, list[User]] = defaultdict(list)
    for cycle_id, user in rows:
        if user.is_active:
            people[cycle_id].append(user)
    return {cycle_id: sorted(people[cycle_id], key=lambda u: u.id) for cycle_id in cycle_ids}


Member = tuple[int, NotificationPreference | None]  # a user id, and the person's stored preferences


def _members_with_preferences(cycle_ids: list[int]) -> dict[int, list[Member]]:
    """Like people_of_cycles, as user ids with each person's stored preferences (None: defaults)."""
    if not cycle_ids:
        return {}
    members = _members(cycle_ids)
    rows = db.session.execute(
        select(members.c.cycle_id, members.c.user_id, NotificationPreference)
        .join(User, User.id == members.c.user_id)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == members.c.user_id)
        .where(User.active.is_(True), User.anonymised_at.is_(None))  # User.is_active, in SQL
        .order_by(members.c.cycle_id, members.c.user_id)
    ).all()
    people: dict[int, list[Member]] = defaultdict(list)
    for cycle_id, user_id, preference in rows:
        people[cycle_id].append((user_id, preference))
    return people


def _longer_lead_times(default_reach: int) -> dict[int, int]:
    """Cycles where someone may be reminded earlier than the default lead times allow: the longest
    lead time, by cycle. A cycle's own lead times count, and those of its learners and trainers.

    Only people with lead times of their own are looked up, by the user id index: there are few.
    """
    own = NotificationPreference.reminder_hours
    # "follow the cycle" is stored as JSON null
    with_own = select(NotificationPreference.user_id).where(own.is_not(None), sa.cast(own, sa.Text) != "null")
    rows = db.session.execute(union_all(
        select(CycleReminderSetting.cycle_id, CycleReminderSetting.hours),
        *(select(member.cycle_id, own)
          .join(NotificationPreference, NotificationPreference.user_id == member.user_id)
          .where(member.user_id.in_(with_own)) for member in (Enrolment, CycleTrainer)),
    )).all()
    longest: dict[int, int] = {}
    for cycle_id, hours in rows:
        lead = max(hours or [0])
        if lead > max(default_reach, longest.get(cycle_id, 0)):
            longest[cycle_id] = lead
    return longest


def _sessions_in_reach(now: datetime, until: datetime) -> list[_Slot]:
    """Sessions not cancelled, of published cycles, after `now`, whose reminders can be due by `until`."""
    default_reach = max(default_reminder_hours(), default=0)
    cycles_by_lead: dict[int, list[int]] = defaultdict(list)
    for cycle_id, lead in _longer_lead_times(default_reach).items():
        cycles_by_lead[lead].append(cycle_id)
    reach = max([default_reach, *cycles_by_lead])
    within_reach = or_(
        ClassSession.starts_at <= until + timedelta(hours=default_reach),
        *(and_(ClassSession.cycle_id.in_(cycle_ids), ClassSession.starts_at <= until + timedelta(hours=lead))
          for lead, cycle_ids in cycles_by_lead.items()),
    )
    # the cycle's status is checked here rather than in SQL: without statistics (SQLite) the
    # planner would start from the published cycles and read every one of their sessions
    rows = db.session.execute(
        select(ClassSession.id, ClassSession.cycle_id, ClassSession.starts_at, Cycle.status)
        .join(ClassSession.cycle)
        .where(ClassSession.starts_at > now, ClassSession.starts_at <= until + timedelta(hours=reach),
               within_reach, ClassSession.status != SessionStatus.CANCELLED)
    ).all()
    return [_Slot(session_id, cycle_id, starts_at) for session_id, cycle_id, starts_at, status in rows
            if status is CycleStatus.PUBLISHED]


def planned_reminders(now: datetime, until: datetime) -> list[Reminder]:
    """Every reminder not yet queued that is due by `until`, soonest first (overdue ones: now)."""
    return _loaded(_waiting(now, until))


def _waiting(now: datetime, until: datetime) -> list[_Planned]:
    slots = _sessions_in_reach(now, until)
    cycle_ids = sorted({s.cycle_id for s in slots})
    people = _members_with_preferences(cycle_ids)
    hours_of = cycle_reminder_hours(cycle_ids)
    planned = [
        reminder
        for slot in slots
        for user_id, preference in people.get(slot.cycle_id, [])
        for reminder in _for_person(slot, user_id, preference, hours_of[slot.cycle_id], now)
        if reminder.send_at <= until
    ]
    taken = existing_keys(Notification, [r.dedupe_key for r in planned])
    return sorted((r for r in planned if r.dedupe_key not in taken),
                  key=lambda r: (r.send_at, r.slot.starts_at, r.user_id))


def _for_person(slot: _Slot, user_id: int, preference: NotificationPreference | None,
                cycle_hours: list[int], now: datetime) -> list[_Planned]:
    hours = sorted(reminder_hours_for(preference, cycle_hours))
    email = wants_email(preference, Kind.REMINDER)
    overdue = [h for h in hours if slot.starts_at - timedelta(hours=h) <= now]
    ahead = [h for h in hours if slot.starts_at - timedelta(hours=h) > now]
    reminders = [_Planned(slot, user_id, min(overdue), now, email)] if overdue else []
    return reminders + [_Planned(slot, user_id, h, slot.starts_at - timedelta(hours=h), email)
                        for h in ahead]


def _loaded(planned: list[_Planned]) -> list[Reminder]:
    """The reminders with their sessions (room, cycle, course) and people loaded, in the same order."""
    if not planned:
        return []
    session_ids = sorted({p.slot.session_id for p in planned})
    sessions = {s.id: s for s in db.session.execute(
        select(ClassSession).where(ClassSession.id.in_(session_ids))
        .options(joinedload(ClassSession.room), joinedload(ClassSession.cycle).joinedload(Cycle.course))
    ).scalars()}
    user_ids = sorted({p.user_id for p in planned})
    users: dict[int, User] = {}
    for start in range(0, len(user_ids), LOAD_CHUNK):
        chunk = user_ids[start:start + LOAD_CHUNK]
        users.update((u.id, u) for u in db.session.execute(select(User).where(User.id.in_(chunk))).scalars())
    return [Reminder(sessions[p.slot.session_id], users[p.user_id], p.hours, p.send_at, p.email)
            for p in planned]


def due_reminders(now: datetime) -> list[Reminder]:
    return [r for r in planned_reminders(now, now) if r.send_at <= now]


def queue_due_reminders(now: datetime, *, after_each: Callable[[], None] | None = None,
                        batch: int = QUEUE_BATCH) -> list[Reminder]:
    """The tick: queue every reminder that is due and not queued yet. Safe to run twice.

    `after_each` is called after every `batch` reminders: the scheduler commits there, so that on
    SQLite the web's writes never wait for a whole burst (the Monday evening of a big center).
    """
    due = _waiting(now, now)
    queued = []
    for start in range(0, len(due), batch):
        reminders = _loaded(due[start:start + batch])
        # the whole batch is rendered before the first write: on SQLite that write takes the
        # database's one write lock, held until the commit
        rendered = [render_for(r.user, reminder_notice(r), now=now, email=r.email) for r in reminders]
        queued += [r for r, message in zip(reminders, rendered) if queue_rendered(message, now=now)]
        if after_each is not None:
            after_each()
    return queued


def reminder_notice(reminder: Reminder) -> Notice:
    session = reminder.session
    cycle = session.cycle
    link = absolute_url("enrolment.cycle", cycle_id=cycle.id)
    return Notice(
        kind=Kind.REMINDER, dedupe_key=reminder.dedupe_key, template="reminder", link=link,
        context={"session": session, "cycle": cycle, "course": cycle.course, "room": session.room,
                 "hours": reminder.hours},
        invite=Invite([session_event(session, url=link)], "REQUEST", cycle.course.title),
    )
