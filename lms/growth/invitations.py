"""Six months after a cycle: one invitation to each participant who assessed themselves, exactly once.

The dedupe key of the notification makes it once (a second tick, a second scheduler); the e-mail
follows the person's choice for reminders (lms.notifications.service.wants_email). Those who have
already answered the later self-assessment are not invited.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import String, and_, cast, exists, func, literal, select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.extensions import db
from lms.growth.models import Phase, SelfAssessment
from lms.growth.service import LATER_DAYS, LATER_OPEN_DAYS, PARTICIPANT
from lms.enrolment.models import Enrolment
from lms.notifications.compose import Notice, absolute_url, deliver
from lms.notifications.kinds import Kind
from lms.notifications.models import Notification
from lms.notifications.service import preferences_of, wants_email
from lms.planning.models import ClassSession, Cycle, SessionStatus

BATCH = 200


def invitation_key(cycle_id: int, user_id: int) -> str:
    return f"self-assessment:later:cycle:{cycle_id}:user:{user_id}"


def _key_sql(cycle_id, user_id):  # type: ignore[no-untyped-def]
    return (literal("self-assessment:later:cycle:", String) + cast(cycle_id, String)
            + literal(":user:", String) + cast(user_id, String))


def _due_cycles(now: datetime) -> dict[int, datetime]:
    """Cycles whose later phase is open now: cycle id → end of the last live session."""
    last_end = func.max(ClassSession.ends_at)
    return dict(db.session.execute(  # type: ignore[arg-type]
        select(ClassSession.cycle_id, last_end)
        .where(ClassSession.status != SessionStatus.CANCELLED)
        .group_by(ClassSession.cycle_id)
        .having(last_end <= now - timedelta(days=LATER_DAYS),
                last_end > now - timedelta(days=LATER_DAYS + LATER_OPEN_DAYS))
    ).all())


def _to_invite(cycle_ids: list[int]) -> list[tuple[int, int]]:
    if not cycle_ids:
        return []
    answered_before = exists().where(SelfAssessment.cycle_id == Enrolment.cycle_id,
                                     SelfAssessment.user_id == Enrolment.user_id,
                                     SelfAssessment.phase.in_([Phase.BEFORE.value, Phase.AFTER.value]))
    answered_later = exists().where(SelfAssessment.cycle_id == Enrolment.cycle_id,
                                    SelfAssessment.user_id == Enrolment.user_id,
                                    SelfAssessment.phase == Phase.LATER.value)
    invited = exists().where(Notification.dedupe_key == _key_sql(Enrolment.cycle_id, Enrolment.user_id))
    return [(c, u) for c, u in db.session.execute(
        select(Enrolment.cycle_id, Enrolment.user_id)
        .join(User, and_(User.id == Enrolment.user_id, User.active.is_(True), User.anonymised_at.is_(None)))
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.status.in_(PARTICIPANT),
               answered_before, ~answered_later, ~invited)
        .order_by(Enrolment.cycle_id, Enrolment.user_id)
    )]


def queue_later_invitations(now: datetime, *, after_each: Callable[[], None] | None = None) -> int:
    """The tick: invite everyone due (safe to run twice); `after_each` after every batch (a commit)."""
    rows = _to_invite(list(_due_cycles(now)))
    queued = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        cycles = {c.id: c for c in db.session.execute(select(Cycle).options(joinedload(Cycle.course)).where(
            Cycle.id.in_({c for c, _ in chunk}))).scalars()}
        users = {u.id: u for u in db.session.execute(select(User).where(
            User.id.in_({u for _, u in chunk}))).scalars()}
        preferences = preferences_of(users)
        for cycle_id, user_id in chunk:
            cycle = cycles[cycle_id]
            notice = Notice(Kind.SELF_ASSESSMENT, invitation_key(cycle_id, user_id), "growth/invitation",
                            {"cycle": cycle, "course": cycle.course},
                            absolute_url("growth.answer", cycle_id=cycle_id))
            queued += deliver(users[user_id], notice, now=now,
                              email=wants_email(preferences.get(user_id), Kind.SELF_ASSESSMENT))
        if after_each is not None:
            after_each()
    return queued
