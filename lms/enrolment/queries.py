"""What the enrolment pages read: a person's schedule, a cycle's roster, open requests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import Role, User
from lms.auth.permissions import has_any_role
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, SessionStatus
from lms.planning.queries import sessions_of_cycles

ACTIVE = (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED,
          EnrolmentStatus.COMPLETED)
#: statuses whose sessions go into the person's calendar
ATTENDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def waitlist_positions(cycle_ids: list[int]) -> dict[int, int]:
    """Enrolment id → place on its cycle's wait-list (1 = next to get a seat)."""
    position = func.row_number().over(
        partition_by=Enrolment.cycle_id, order_by=(Enrolment.waitlisted_at, Enrolment.id)
    )
    rows = db.session.execute(
        select(Enrolment.id, position)
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.status == EnrolmentStatus.WAITLISTED)
    ).all()
    return {enrolment_id: place for enrolment_id, place in rows}


def my_enrolments(user_id: int) -> list[Enrolment]:
    """The person's current enrolments, requests and wait-list places, with cycle and course."""
    return list(db.session.execute(
        select(Enrolment)
        .join(Enrolment.cycle)
        .where(Enrolment.user_id == user_id, Enrolment.status.in_(ACTIVE))
        .options(joinedload(Enrolment.cycle).joinedload(Cycle.course),
                 joinedload(Enrolment.cycle).joinedload(Cycle.room))
        .order_by(Cycle.first_date, Enrolment.id)
    ).scalars())


def sessions_for_user(user_id: int, since: datetime | None = None) -> list[ClassSession]:
    """Sessions of the cycles the person is enrolled in (cancelled ones too: calendars need them)."""
    attending = select(Enrolment.cycle_id).where(Enrolment.user_id == user_id,
                                                 Enrolment.status.in_(ATTENDING))
    return sessions_of_cycles(attending, since)


def required_sessions(enrolment: Enrolment) -> list[ClassSession]:
    """The sessions the learner is held to: not cancelled, starting after they got their seat.

    Someone enrolled after the first session is not counted absent from the earlier ones.
    """
    if enrolment.enrolled_at is None:
        return []
    return list(db.session.execute(
        select(ClassSession).where(
            ClassSession.cycle_id == enrolment.cycle_id,
            ClassSession.starts_at >= enrolment.enrolled_at,
            ClassSession.status != SessionStatus.CANCELLED,
        ).order_by(ClassSession.starts_at)
    ).scalars())


def cycle_roster(cycle_id: int) -> dict[EnrolmentStatus, list[Enrolment]]:
    """Everyone who asked for a place, by status; the wait-list in its order."""
    enrolments = db.session.execute(
        select(Enrolment)
        .where(Enrolment.cycle_id == cycle_id)
        .options(joinedload(Enrolment.user).joinedload(User.organisation))
        .order_by(Enrolment.waitlisted_at, Enrolment.requested_at, Enrolment.id)
    ).scalars()
    roster: dict[EnrolmentStatus, list[Enrolment]] = {status: [] for status in EnrolmentStatus}
    for enrolment in enrolments:
        roster[enrolment.status].append(enrolment)
    return roster


def pending_requests(actor: User) -> list[Enrolment]:
    """Requests awaiting approval that this person may decide."""
    query = (
        select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.status == EnrolmentStatus.PENDING)
        .options(joinedload(Enrolment.user).joinedload(User.organisation),
                 joinedload(Enrolment.cycle).joinedload(Cycle.course))
        .order_by(Enrolment.requested_at, Enrolment.id)
    )
    if not has_any_role(actor, Role.COORDINATOR):
        if actor.organisation_id is None:
            return []
        query = query.where(User.organisation_id == actor.organisation_id, User.id != actor.id)
    return list(db.session.execute(query).scalars())


def organisation_members(organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    return list(db.session.execute(
        select(User).where(User.organisation_id == organisation_id, User.active)
        .options(selectinload(User.role_grants))  # contact_may_enrol reads each member's roles
        .order_by(User.name)
    ).scalars())
