"""Messages about changes: sessions moved, added or cancelled, cycles cancelled, enrolment decisions.

The planning work stores each change as a `SessionChange` row in the transaction of the change
itself, and a tick turns them into messages, so nothing is lost if the process dies right after
the change (the tick waits for a burst of edits to settle, which an event consumer would not).
An enrolment decision is a domain event (lms/events): `enrolment_notice` is its consumer. A burst of
edits to one session waits until it has been quiet for LMS_CHANGE_NOTICE_DELAY_MINUTES and then
goes out as one message about the session as it is now. A notice about a session that still waits
to be sent (the mail server was away) is superseded by the next one, which tells the time the
person last heard of as the time before (see timeliness.py).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.db_types import utcnow
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.no_show import cancellation_deadline
from lms.events import DomainEvent, EventKind
from lms.extensions import db
from lms.notifications.calendar import session_event
from lms.notifications.compose import Invite, Notice, absolute_url, deliver
from lms.notifications.kinds import Kind
from lms.notifications.reminders import people_of_cycles
from lms.notifications.timeliness import before_of_notice, supersede_change_notices, waiting_change_notices
from lms.planning.models import (
    ClassSession, Cycle, CycleStatus, SessionChange, SessionChangeKind,
)


# --- sessions and cycles ---------------------------------------------------------------------

def pending_changes(now: datetime) -> dict[int, list[SessionChange]]:
    """Changes not yet told, by session, for sessions whose last change is older than the delay."""
    quiet_since = now - timedelta(minutes=current_app.config["LMS_CHANGE_NOTICE_DELAY_MINUTES"])
    changes = db.session.execute(
        select(SessionChange).where(SessionChange.notified_at.is_(None))
        .options(joinedload(SessionChange.session).joinedload(ClassSession.cycle).joinedload(Cycle.course),
                 joinedload(SessionChange.session).joinedload(ClassSession.room))
        .order_by(SessionChange.session_id, SessionChange.id)
    ).scalars().all()
    by_session: dict[int, list[SessionChange]] = defaultdict(list)
    for change in changes:
        by_session[change.session_id].append(change)
    return {sid: group for sid, group in by_session.items()
            if max(c.created_at for c in group) <= quiet_since}


def queue_change_notices(now: datetime) -> int:
    """The tick: one message per person per changed session (per cancelled cycle). Safe to run twice."""
    ready = pending_changes(now)
    cycle_cancelled = {sid: g for sid, g in ready.items()
                       if any(c.kind is SessionChangeKind.CYCLE_CANCELLED for c in g)}
    queued = _cycle_cancellations(cycle_cancelled, now)
    for session_id, group in ready.items():
        if session_id not in cycle_cancelled:
            queued += _session_notices(group, now)
    done = [c.id for group in ready.values() for c in group]
    if done:
        db.session.execute(
            update(SessionChange).where(SessionChange.id.in_(done), SessionChange.notified_at.is_(None))
            .values(notified_at=now).execution_options(synchronize_session=False)
        )
    return queued


def _session_kind(session: ClassSession, group: list[SessionChange]) -> Kind | None:
    added = any(c.kind is SessionChangeKind.ADDED for c in group)
    if session.cancelled:
        return None if added else Kind.SESSION_CANCELLED  # added and dropped: nobody knew of it
    return Kind.SESSION_ADDED if added else Kind.SESSION_MOVED


def _session_notices(group: list[SessionChange], now: datetime) -> int:
    session = group[0].session
    kind = _session_kind(session, group)
    if kind is None or session.cycle.status is not CycleStatus.PUBLISHED:
        return 0
    before = next((c.details.get("before") for c in group if c.details.get("before")), None)
    link = absolute_url("enrolment.cycle", cycle_id=session.cycle_id)
    method = "CANCEL" if kind is Kind.SESSION_CANCELLED else "REQUEST"
    invite = Invite([session_event(session, url=link)], method, session.cycle.course.title)
    context = {"session": session, "cycle": session.cycle, "course": session.cycle.course,
               "room": session.room, "kind": kind.value}
    waiting = waiting_change_notices(session.id)  # earlier notices the person has not received
    queued = 0
    for user in people_of_cycles([session.cycle_id]).get(session.cycle_id, []):
        key = f"{kind.value}:session:{session.id}:change:{group[-1].id}:user:{user.id}"
        heard = before_of_notice(session.id, waiting[user.id]) if user.id in waiting else before
        notice = Notice(kind, key, "session_changed",
                        dict(context, before_starts_at=_parse(heard.get("starts_at")) if heard else None),
                        link, invite)
        queued += deliver(user, notice, now=now)
        supersede_change_notices(session.id, user.id, key, now)
    return queued


def _cycle_cancellations(groups: dict[int, list[SessionChange]], now: datetime) -> int:
    sessions_by_cycle: dict[int, list[ClassSession]] = defaultdict(list)
    for group in groups.values():
        sessions_by_cycle[group[0].session.cycle_id].append(group[0].session)
    queued = 0
    for cycle_id, sessions in sessions_by_cycle.items():
        cycle = sessions[0].cycle
        link = absolute_url("enrolment.cycle", cycle_id=cycle_id)
        events = [session_event(s, url=link) for s in sorted(sessions, key=lambda s: s.starts_at)]
        for user, enrolled in _cycle_people(cycle):
            notice = Notice(Kind.CYCLE_CANCELLED, f"cycle_cancelled:cycle:{cycle_id}:user:{user.id}",
                            "cycle_cancelled", {"cycle": cycle, "course": cycle.course}, link,
                            Invite(events, "CANCEL", cycle.course.title) if enrolled else None)
            queued += deliver(user, notice, now=now)
    return queued


def _cycle_people(cycle: Cycle) -> list[tuple[User, bool]]:
    """Everyone who had or asked for a place, and the trainers; True for those with the sessions."""
    rows = db.session.execute(
        select(Enrolment.user_id, Enrolment.status).where(
            Enrolment.cycle_id == cycle.id,
            Enrolment.status.in_([EnrolmentStatus.ENROLLED, EnrolmentStatus.PENDING,
                                  EnrolmentStatus.WAITLISTED]))
    ).all()
    status = {user_id: s for user_id, s in rows}
    users = db.session.execute(select(User).where(User.id.in_(list(status) + cycle.trainer_ids))).scalars()
    return [(u, status.get(u.id, EnrolmentStatus.ENROLLED) is EnrolmentStatus.ENROLLED)
            for u in sorted(users, key=lambda u: u.id) if u.is_active]


def _ahead(moment: datetime | None, now: datetime) -> datetime | None:
    return moment if moment is not None and moment > now else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- enrolment decisions ---------------------------------------------------------------------

ENROLMENT_KINDS = {
    EventKind.ENROLLED: Kind.ENROLMENT_CONFIRMED,
    EventKind.ENROLMENT_APPROVED: Kind.ENROLMENT_CONFIRMED,
    EventKind.WAITLISTED: Kind.ENROLMENT_WAITLISTED,
    EventKind.PROMOTED: Kind.ENROLMENT_PROMOTED,
    EventKind.ENROLMENT_DECLINED: Kind.ENROLMENT_DECLINED,
}


def enrolment_key(event: DomainEvent) -> str:
    return f"{ENROLMENT_KINDS[EventKind(event.kind)].value}:event:{event.id}"


def enrolment_notice(event: DomainEvent) -> None:
    """The consumer of an enrolment decision: a message to the learner, once (the dedupe key).

    A decision older than LMS_NOTICE_LOOKBACK_HOURS when it is consumed (the consumer failed for
    days) is not told any more: a confirmation days late is noise.
    """
    now = utcnow()
    if event.created_at < now - timedelta(hours=current_app.config["LMS_NOTICE_LOOKBACK_HOURS"]):
        return
    enrolment = db.session.execute(
        select(Enrolment).where(Enrolment.id == event.payload["enrolment_id"])
        .options(joinedload(Enrolment.user), joinedload(Enrolment.cycle).joinedload(Cycle.course))
    ).scalar_one_or_none()
    if enrolment is None or enrolment.cycle.status is not CycleStatus.PUBLISHED or not enrolment.user.is_active:
        return
    kind = ENROLMENT_KINDS[EventKind(event.kind)]
    cycle = enrolment.cycle
    link = absolute_url("enrolment.cycle", cycle_id=cycle.id)
    ahead = [s for s in cycle.sessions if s.starts_at > now and not s.cancelled]
    seated = kind is Kind.ENROLMENT_CONFIRMED or (
        kind is Kind.ENROLMENT_PROMOTED and enrolment.status is EnrolmentStatus.ENROLLED)
    invite = Invite([session_event(s, url=link) for s in ahead], "REQUEST", cycle.course.title) if seated else None
    context = {"cycle": cycle, "course": cycle.course, "enrolment": enrolment,
               "awaiting_approval": enrolment.status is EnrolmentStatus.PENDING, "sessions": ahead,
               "cancel_by": _ahead(cancellation_deadline(cycle), now)}
    deliver(enrolment.user, Notice(kind, enrolment_key(event), kind.value, context, link, invite), now=now)
