"""The end-of-cycle invitation: one message per participant of each finished cycle, once."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.community.notify import MessageKind, absolute_url, send
from lms.enrollment.models import Enrolment
from lms.evaluations import service
from lms.evaluations.models import EvaluationParticipation
from lms.extensions import db
from lms.notifications.models import Notification
from lms.notifications.outbox import existing_keys
from lms.planning.models import Cycle, CycleStatus


def invitation_key(cycle_id: int, user_id: int) -> str:
    return f"evaluation:cycle:{cycle_id}:user:{user_id}"


def _recent_finished_cycles(now: datetime) -> list[Cycle]:
    """Finished cycles whose evaluation is still open (their last session ended recently)."""
    since = now - timedelta(days=service.evaluation_days())
    cycles = db.session.execute(
        select(Cycle).options(joinedload(Cycle.course)).where(Cycle.status == CycleStatus.FINISHED)
    ).scalars().all()
    return [c for c in cycles if (end := service.last_session_end(c.id)) is not None and end > since]


def _participants_to_invite(cycle: Cycle) -> list[User]:
    answered = select(EvaluationParticipation.user_id).where(EvaluationParticipation.cycle_id == cycle.id)
    return list(db.session.execute(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cycle_id == cycle.id, Enrolment.status.in_(service.PARTICIPANT),
               User.id.not_in(answered))
        .order_by(User.id)
    ).scalars())


def queue_evaluation_invitations(now: datetime) -> int:
    """The tick: invite every participant of a newly finished cycle (safe to run twice)."""
    queued = 0
    for cycle in _recent_finished_cycles(now):
        people = [u for u in _participants_to_invite(cycle) if u.is_active]
        taken = existing_keys(Notification, [invitation_key(cycle.id, u.id) for u in people])
        closing = service.closes_at(cycle)
        link = absolute_url("evaluations.answer", cycle_id=cycle.id)
        for user in people:
            key = invitation_key(cycle.id, user.id)
            if key not in taken:
                context = {"cycle": cycle, "course": cycle.course, "closes_at": closing}
                queued += send(user, MessageKind.EVALUATION_INVITATION, key, "evaluations/invitation",
                               context, link, now=now)
    return queued
