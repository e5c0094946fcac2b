"""The end-of-cycle invitation: one message per participant of each finished cycle, once.

A tick asks the database for the finished cycles whose evaluation is open, then for their
participants who have neither answered nor been invited (two queries); only those are loaded. With
nothing to do, the second query returns nothing and the tick ends there.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import String, and_, cast, exists, func, literal, select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.community.notify import MessageKind, absolute_url, send
from lms.enrolment.models import Enrolment
from lms.evaluations import service
from lms.evaluations.models import EvaluationParticipation
from lms.extensions import db
from lms.notifications.models import Notification
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus

#: invitations queued between two calls of the tick's `after_each` (a commit)
INVITE_BATCH = 200


def invitation_key(cycle_id: int, user_id: int) -> str:
    return f"evaluation:cycle:{cycle_id}:user:{user_id}"


def _invitation_key_sql(cycle_id, user_id):  # type: ignore[no-untyped-def]
    """`invitation_key` as an SQL expression, to skip those invited with the unique index."""
    return (literal("evaluation:cycle:", String) + cast(cycle_id, String)
            + literal(":user:", String) + cast(user_id, String))


def _open_cycles(now: datetime) -> dict[int, datetime]:
    """Finished cycles whose evaluation is still open: cycle id → end of its last live session.

    A cycle's last session ended after `since` exactly when one of its sessions did, so only those
    sessions are grouped.
    """
    since = now - timedelta(days=service.evaluation_days())
    return dict(db.session.execute(  # type: ignore[arg-type]
        select(ClassSession.cycle_id, func.max(ClassSession.ends_at))
        .join(Cycle, Cycle.id == ClassSession.cycle_id)
        .where(Cycle.status == CycleStatus.FINISHED, ClassSession.status != SessionStatus.CANCELLED,
               ClassSession.ends_at > since)
        .group_by(ClassSession.cycle_id)
    ).all())


def _to_invite(cycle_ids: list[int]) -> list[tuple[int, int]]:
    """(cycle id, user id) of every active participant of these cycles who has neither answered nor
    been invited, by cycle and person."""
    if not cycle_ids:
        return []
    answered = exists().where(EvaluationParticipation.cycle_id == Enrolment.cycle_id,
                              EvaluationParticipation.user_id == Enrolment.user_id)
    invited = exists().where(Notification.dedupe_key == _invitation_key_sql(Enrolment.cycle_id, Enrolment.user_id))
    return [(cycle_id, user_id) for cycle_id, user_id in db.session.execute(
        select(Enrolment.cycle_id, Enrolment.user_id)
        .join(User, and_(User.id == Enrolment.user_id, User.active.is_(True), User.anonymised_at.is_(None)))
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.status.in_(service.PARTICIPANT), ~answered, ~invited)
        .order_by(Enrolment.cycle_id, Enrolment.user_id)
    )]


def _load(rows: list[tuple[int, int]]) -> tuple[dict[int, Cycle], dict[int, User]]:
    """The cycles (with their course) and people of a batch, in a few queries."""
    cycles = db.session.execute(
        select(Cycle).options(joinedload(Cycle.course))
        .where(Cycle.id.in_({cycle_id for cycle_id, _ in rows}))
    ).scalars().all()
    users = db.session.execute(
        select(User).where(User.id.in_({user_id for _, user_id in rows}))
    ).scalars().all()
    return {c.id: c for c in cycles}, {u.id: u for u in users}


def queue_evaluation_invitations(now: datetime, *, after_each: Callable[[], None] | None = None,
                                 batch: int = INVITE_BATCH) -> int:
    """The tick: invite every participant of a newly finished cycle (safe to run twice).

    `after_each` is called after every `batch` invitations (the scheduler commits there): a tick
    that is stopped keeps what it queued, and the next one queues the rest.
    """
    ended = _open_cycles(now)
    rows = _to_invite(list(ended))
    queued = 0
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        cycles, users = _load(chunk)
        for cycle_id, user_id in chunk:
            cycle = cycles[cycle_id]
            context = {"cycle": cycle, "course": cycle.course,
                       "closes_at": ended[cycle_id] + timedelta(days=service.evaluation_days())}
            queued += send(users[user_id], MessageKind.EVALUATION_INVITATION, invitation_key(cycle_id, user_id),
                           "evaluations/invitation", context, absolute_url("evaluations.answer", cycle_id=cycle_id),
                           now=now)
        if after_each is not None:
            after_each()
    return queued
