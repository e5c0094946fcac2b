"""What the planning pages and the public catalogue read, each in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Load, joinedload, load_only, selectinload

from lms.catalog.models import Course

from lms.db_types import utcnow
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, SessionStatus


def cycle_heading(cycle: Load | None = None) -> tuple[Load, ...]:
    """Options that load a cycle with only what its heading shows: the course's title and slug.

    `cycle` is the path to the cycle when it is loaded through another entity, e.g.
    `joinedload(ClassSession.cycle)`; without it, the options fit `select(Cycle)`.
    """
    cycle = Load(Cycle) if cycle is None else cycle
    return (cycle.joinedload(Cycle.course).load_only(Course.title, Course.slug),)


def with_trainers(cycle: Load | None = None) -> Load:
    """The option that loads a cycle's trainers with their names (the path as in cycle_heading)."""
    cycle = Load(Cycle) if cycle is None else cycle
    return cycle.selectinload(Cycle.trainer_links).joinedload(CycleTrainer.user)


@dataclass(frozen=True)
class Span:
    first_starts_at: datetime | None
    last_ends_at: datetime | None
    sessions: int


def session_spans(cycle_ids: list[int]) -> dict[int, Span]:
    """First start, last end and number of the (not cancelled) sessions of each cycle.

    min() and max() keep the column's type, so the values come back UTC-aware on SQLite too.
    """
    rows = db.session.execute(
        select(ClassSession.cycle_id, func.min(ClassSession.starts_at),
               func.max(ClassSession.ends_at), func.count(ClassSession.id))
        .where(ClassSession.cycle_id.in_(cycle_ids), ClassSession.status != SessionStatus.CANCELLED)
        .group_by(ClassSession.cycle_id)
    ).all()
    spans = {cycle_id: Span(first, last, count) for cycle_id, first, last, count in rows}
    return {cycle_id: spans.get(cycle_id, Span(None, None, 0)) for cycle_id in cycle_ids}


def planning_list(status: CycleStatus | None = None) -> list[tuple[Cycle, Span]]:
    """Cycles for the coordinator's list, newest first, with course, room and trainers loaded."""
    query = (
        select(Cycle)
        .options(joinedload(Cycle.course), joinedload(Cycle.room))
        .order_by(Cycle.first_date.desc(), Cycle.id.desc())
    )
    if status is not None:
        query = query.where(Cycle.status == status)
    cycles = list(db.session.execute(query).scalars())
    spans = session_spans([c.id for c in cycles])
    return [(cycle, spans[cycle.id]) for cycle in cycles]


def cycles_ahead(now: datetime) -> list[tuple[Cycle, Span]]:
    """Published cycles with a session still to end, soonest first."""
    rows = [(c, span) for c, span in planning_list(CycleStatus.PUBLISHED)
            if span.last_ends_at and span.last_ends_at > now]
    return sorted(rows, key=lambda row: (row[1].first_starts_at, row[0].id))


def load_cycle(cycle_id: int) -> Cycle | None:
    """One cycle with its course, room, trainers and sessions (with their rooms)."""
    return db.session.execute(
        select(Cycle).where(Cycle.id == cycle_id).options(
            joinedload(Cycle.course), joinedload(Cycle.room), with_trainers(),
            selectinload(Cycle.sessions).joinedload(ClassSession.room),
        )
    ).unique().scalar_one_or_none()


def sessions_of_cycles(cycle_ids, since: datetime | None = None) -> list[ClassSession]:
    """Sessions (cancelled ones too) of the cycles `cycle_ids` selects, with room, cycle and course.

    `cycle_ids` is a subquery of cycle ids, so callers say whose cycles without repeating the rest.
    """
    query = (
        select(ClassSession)
        .join(ClassSession.cycle)
        .where(ClassSession.cycle_id.in_(cycle_ids), Cycle.status != CycleStatus.DRAFT)
        .options(joinedload(ClassSession.room), joinedload(ClassSession.cycle).joinedload(Cycle.course))
        .order_by(ClassSession.starts_at)
    )
    if since is not None:
        query = query.where(ClassSession.ends_at > since)
    return list(db.session.execute(query).scalars())


def trainer_sessions(user_id: int, since: datetime | None = None) -> list[ClassSession]:
    """Sessions of the published (or past) cycles this trainer teaches, from `since` on."""
    taught = select(CycleTrainer.cycle_id).where(CycleTrainer.user_id == user_id)
    return sessions_of_cycles(taught, since)


def teaches(user_id: int, cycle_id: int) -> bool:
    return db.session.get(CycleTrainer, (cycle_id, user_id)) is not None


@dataclass(frozen=True)
class CycleOffer:
    """An upcoming cycle as the public catalogue shows it."""

    id: int
    course_id: int
    title: str
    first_starts_at: datetime | None
    last_ends_at: datetime | None
    sessions: int
    room: str | None
    capacity: int
    free_seats: int
    approval_required: bool
    enrolment_opens_at: datetime | None
    enrolment_closes_at: datetime | None
    enrolment_open: bool


def upcoming_cycles_for_courses(course_ids: list[int], now: datetime | None = None) -> dict[int, list[CycleOffer]]:
    """Published cycles of these courses that have not ended, soonest first, per course id.

    Full cycles are included (with `free_seats == 0`: people may join the wait-list).
    """
    now = now or utcnow()
    cycles = list(db.session.execute(
        select(Cycle).options(joinedload(Cycle.room))
        .where(Cycle.course_id.in_(course_ids), Cycle.status == CycleStatus.PUBLISHED)
    ).scalars())
    spans = session_spans([c.id for c in cycles])
    offers: dict[int, list[CycleOffer]] = {course_id: [] for course_id in course_ids}
    for cycle in cycles:
        span = spans[cycle.id]
        if span.last_ends_at is None or span.last_ends_at <= now:
            continue
        offers[cycle.course_id].append(_offer(cycle, span, now))
    for course_offers in offers.values():
        course_offers.sort(key=lambda offer: (offer.first_starts_at, offer.id))
    return offers


def _offer(cycle: Cycle, span: Span, now: datetime) -> CycleOffer:
    window_open = (cycle.enrolment_opens_at is None or cycle.enrolment_opens_at <= now) and (
        cycle.enrolment_closes_at is None or now < cycle.enrolment_closes_at)
    return CycleOffer(
        id=cycle.id, course_id=cycle.course_id, title=cycle.title,
        first_starts_at=span.first_starts_at, last_ends_at=span.last_ends_at,
        sessions=span.sessions, room=cycle.room.name if cycle.room else None,
        capacity=cycle.capacity, free_seats=cycle.free_seats,
        approval_required=cycle.approval_required,
        enrolment_opens_at=cycle.enrolment_opens_at, enrolment_closes_at=cycle.enrolment_closes_at,
        enrolment_open=window_open,
    )


def trains_course(user_id: int, course_id: int) -> bool:
    """Whether the person is a trainer of any cycle of the course."""
    return db.session.execute(
        select(CycleTrainer.cycle_id).join(Cycle, Cycle.id == CycleTrainer.cycle_id)
        .where(CycleTrainer.user_id == user_id, Cycle.course_id == course_id).limit(1)
    ).first() is not None
