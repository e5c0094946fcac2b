"""Needs and interest: what organisations and learners ask for, and telling them when a cycle opens.

Functions flush but never commit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import Role, User
from lms.catalog.content import COMPETENCE_AREAS
from lms.catalog.models import Course
from lms.community.notify import MessageKind, absolute_url, send
from lms.extensions import db
from lms.needs.models import CompetenceNeed, CompetenceNeedSdg, CourseInterest
from lms.planning.models import Cycle
from lms.planning.queries import upcoming_cycles_for_courses
from lms.core.unit_of_work import DomainError


class NeedsError(DomainError):
    """A request about needs or interest that breaks a rule; the message is for the person."""


# --- needs ------------------------------------------------------------------------------------

def can_edit_need(user: User, need: CompetenceNeed) -> bool:
    """A learner their own needs; an organisation contact their organisation's."""
    if need.user_id is not None:
        return need.user_id == user.id
    return (user.has_role(Role.ORGANISATION_CONTACT) and user.organisation_id is not None
            and user.organisation_id == need.organisation_id)


def _check(area: str, people: int, sdgs: Iterable[int]) -> list[int]:
    if area not in COMPETENCE_AREAS:
        raise NeedsError(_l("Choose a competence area from the list."))
    if not 1 <= people <= 10000:
        raise NeedsError(_l("Say how many people need it (1 to 10,000)."))
    chosen = sorted({int(s) for s in sdgs})
    if any(not 1 <= s <= 17 for s in chosen):
        raise NeedsError(_l("Choose goals from the list."))
    return chosen


def save_need(need: CompetenceNeed | None, *, area: str, people: int, sdgs: Iterable[int], note: str,
              actor_id: int, now: datetime, organisation_id: int | None = None,
              user_id: int | None = None) -> CompetenceNeed:
    """Create (give the owner: an organisation or a user) or change a need."""
    personal = (need.user_id if need is not None else user_id) is not None
    chosen = _check(area, 1 if personal else people, sdgs)
    if need is None:
        if (organisation_id is None) == (user_id is None):
            raise NeedsError(_l("A need belongs to an organisation or to one person."))
        need = CompetenceNeed(organisation_id=organisation_id, user_id=user_id, created_by_id=actor_id,
                              created_at=now)
        db.session.add(need)
    need.area, need.note, need.updated_at = area, note.strip()[:2000], now
    need.people = 1 if personal else people
    need.sdg_links = [CompetenceNeedSdg(sdg=s) for s in chosen]
    db.session.flush()
    return need


def delete_need(need: CompetenceNeed) -> None:
    db.session.delete(need)
    db.session.flush()


def needs_of(*, organisation_id: int | None = None, user_id: int | None = None) -> list[CompetenceNeed]:
    query = (select(CompetenceNeed).options(selectinload(CompetenceNeed.sdg_links))
             .order_by(CompetenceNeed.area, CompetenceNeed.id))
    if organisation_id is not None:
        query = query.where(CompetenceNeed.organisation_id == organisation_id)
    else:
        query = query.where(CompetenceNeed.user_id == user_id)
    return list(db.session.execute(query).scalars())


def all_needs() -> list[CompetenceNeed]:
    return list(db.session.execute(
        select(CompetenceNeed).options(joinedload(CompetenceNeed.organisation), selectinload(CompetenceNeed.sdg_links))
        .order_by(CompetenceNeed.area, CompetenceNeed.updated_at.desc())
    ).scalars())


# --- interest in a course ---------------------------------------------------------------------

def has_upcoming_cycle(course_id: int, now: datetime) -> bool:
    """A published cycle that has not ended: people enrol there (or join its wait-list) instead."""
    return bool(upcoming_cycles_for_courses([course_id], now)[course_id])


def interest_of(user_id: int, course_id: int) -> CourseInterest | None:
    return db.session.execute(
        select(CourseInterest).where(CourseInterest.user_id == user_id, CourseInterest.course_id == course_id)
    ).scalar_one_or_none()


def register_interest(user_id: int, course: Course, *, now: datetime) -> CourseInterest:
    """Note the person's interest, or renew it after they were told about a cycle they missed."""
    if has_upcoming_cycle(course.id, now):
        raise NeedsError(_l("This course has a cycle open: enrol there, or join its wait-list."))
    interest = interest_of(user_id, course.id)
    if interest is None:
        interest = CourseInterest(user_id=user_id, course_id=course.id, created_at=now)
        db.session.add(interest)
    elif interest.notified_at is not None:
        interest.created_at, interest.notified_at, interest.notified_cycle_id = now, None, None
    db.session.flush()
    return interest


def withdraw_interest(user_id: int, course_id: int) -> bool:
    interest = interest_of(user_id, course_id)
    if interest is None:
        return False
    db.session.delete(interest)
    db.session.flush()
    return True


def interests_of(user_id: int) -> list[CourseInterest]:
    return list(db.session.execute(
        select(CourseInterest).options(joinedload(CourseInterest.course))
        .where(CourseInterest.user_id == user_id).order_by(CourseInterest.created_at.desc())
    ).scalars())


def courses_without_cycle(now: datetime) -> list[Course]:
    """Published courses with no upcoming cycle: the ones people can register interest in."""
    courses = list(db.session.execute(
        select(Course).where(Course.published.is_(True)).order_by(Course.title)
    ).scalars())
    offers = upcoming_cycles_for_courses([c.id for c in courses], now)
    return [c for c in courses if not offers[c.id]]


def interest_key(cycle_id: int, user_id: int) -> str:
    return f"interest:cycle:{cycle_id}:user:{user_id}"


def notify_interested(cycle: Cycle, *, now: datetime) -> int:
    """Tell everyone waiting for this course that a cycle opened; each interest is told once.

    The conditional UPDATE claims the interests, so two publications (or two processes) never tell
    the same person twice; the dedupe key guards the message itself.
    """
    claimed = db.session.execute(
        update(CourseInterest)
        .where(CourseInterest.course_id == cycle.course_id, CourseInterest.notified_at.is_(None))
        .values(notified_at=now, notified_cycle_id=cycle.id)
        .returning(CourseInterest.user_id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if not claimed:
        return 0
    users = db.session.execute(select(User).where(User.id.in_(claimed)).order_by(User.id)).scalars()
    link = absolute_url("enrolment.cycle", cycle_id=cycle.id)
    context = {"cycle": cycle, "course": cycle.course}
    return sum(send(user, MessageKind.COURSE_OPENED, interest_key(cycle.id, user.id), "needs/course_opened",
                    context, link, now=now) for user in users if user.is_active)
